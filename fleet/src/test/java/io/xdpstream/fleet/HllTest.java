// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HllTest {
    static byte[] seqKey() {
        byte[] k = new byte[16];
        for (int i = 0; i < 16; i++)
            k[i] = (byte) i;
        return k;
    }

    @Test
    void sipHashReferenceVectors() {
        SipHash h = new SipHash(seqKey());
        // From the SipHash paper (appendix A) and the reference implementation's vectors.h.
        assertEquals(0x726fdb47dd0e0e31L, h.hash(new byte[0]));
        byte[] m = new byte[15];
        for (int i = 0; i < 15; i++)
            m[i] = (byte) i;
        assertEquals(0xa129ca6149be45e5L, h.hash(m));
    }

    @Test
    void rankAndIndex() {
        Hll h = new Hll(4);
        h.add(0x30L | (1L << 4)); // index 0, rest 1: rank 1
        h.add(0x5L); // index 5, rest 0: the cap, 64 - 4 + 1
        h.add((0x8L << 4) | 7); // index 7, rest 8: rank 4
        assertEquals(1, h.register(0));
        assertEquals(61, h.register(5));
        assertEquals(4, h.register(7));
        assertEquals(3, h.nonZero());
    }

    @Test
    void foldGivesTheCoarserSketch() {
        SipHash k = new SipHash(seqKey());
        for (int to : new int[] {4, 10, 13}) {
            Hll fine = new Hll(14), coarse = new Hll(to);
            for (int i = 0; i < 20000; i++) {
                long x = k.hash(Addr.parse("198.18." + (i >> 8) + "." + (i & 255)));
                fine.add(x);
                coarse.add(x);
            }
            assertEquals(coarse, fine.fold(to), "fold 14 -> " + to);
            assertEquals(coarse, new Hll(14).merge(coarse).merge(fine), "merge folds to the coarser");
        }
    }

    @Test
    void wireRoundTripAndRefusals() {
        Hll h = new Hll(12);
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 300; i++)
            h.add(r.nextLong());
        assertEquals(h, Hll.fromSparse(12, h.sparse()));
        assertEquals(h, Hll.fromDense(12, h.dense()));
        assertEquals(new Hll(14), Hll.fromSparse(14, ""));
        // index 5 then 3: not ascending
        assertThrows(IllegalArgumentException.class, () -> Hll.fromSparse(14,
                java.util.Base64.getEncoder().encodeToString(new byte[] {0, 1, 0x41, 0, 0, (byte) 0xc1})));
        // rank 0 in a sparse entry
        assertThrows(IllegalArgumentException.class, () -> Hll.fromSparse(14, "AABA"));
        assertThrows(IllegalArgumentException.class, () -> Hll.fromDense(14, "AAAA"));
        assertThrows(IllegalArgumentException.class, () -> new Hll(17));
        byte[] big = new byte[16];
        big[3] = 62; // above 64 - 4 + 1
        assertThrows(IllegalArgumentException.class,
                () -> Hll.fromDense(4, java.util.Base64.getEncoder().encodeToString(big)));
    }

    @Test
    void smallCountsAreExactEnough() {
        SipHash k = new SipHash(seqKey());
        assertEquals(0, new Hll(14).count());
        for (int n : new int[] {1, 2, 3, 10, 50, 100}) {
            Hll h = new Hll(14);
            for (int i = 0; i < n; i++)
                h.add(k.hash(Addr.parse("198.18.0." + i)));
            assertEquals(n, h.count(), "n=" + n);
        }
    }

    /** The bar: a merged estimate within 3 % of the true union, at p=14, for many keys and sizes. */
    @Test
    void mergedUnionWithinThreePercent() {
        double worst = 0;
        for (int seed = 1; seed <= 12; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            byte[] key = new byte[16];
            for (int i = 0; i < 16; i++)
                key[i] = (byte) r.nextInt(256);
            SipHash k = new SipHash(key);
            for (int n : new int[] {500, 5000, 30000, 60000, 250000}) {
                Hll[] sensors = {new Hll(14), new Hll(14), new Hll(14)};
                Set<Integer> union = new HashSet<>();
                for (int s = 0; s < 3; s++) {
                    for (int i = 0; i < n / 2; i++) {
                        int src = r.nextInt(n);
                        union.add(src);
                        sensors[s].add(k.hash(Simulator.botnetAddr(src)));
                    }
                }
                Hll m = sensors[0].copy().merge(sensors[1]).merge(sensors[2]);
                double err = Math.abs(m.estimate() - union.size()) / union.size();
                worst = Math.max(worst, err);
                assertTrue(err < 0.03, "seed " + seed + " n " + n + ": " + m.count() + " vs " + union.size());
            }
        }
        System.out.printf("HLL p=14 worst relative error over 60 unions: %.4f%n", worst);
    }
}
