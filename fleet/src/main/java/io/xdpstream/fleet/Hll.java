// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.util.Arrays;
import java.util.Base64;

/**
 * HyperLogLog registers as the sensors send them (docs/fleet.md, "HyperLogLog"):
 * 2^p one-byte registers; a 64-bit hash h picks register h mod 2^p and offers
 * the rank ctz(h >> p) + 1 (64 - p + 1 when h >> p is 0). Registers merge by
 * maximum; sketches of different precisions merge after folding the finer one
 * down, which gives exactly the registers the coarser precision would have.
 * The estimate is Ertl's improved estimator (arXiv:1702.01284, algorithm 6):
 * no empirical bias tables, unbiased from 0 to far beyond 2^32.
 */
public final class Hll {
    public static final int P_MIN = 4, P_MAX = 16;
    /** 1 / (2 ln 2), written out so that C and Java start from the same double. */
    static final double ALPHA_INF = 0.7213475204444817;

    private final int p;
    private final byte[] reg;

    public Hll(int p) {
        checkP(p);
        this.p = p;
        this.reg = new byte[1 << p];
    }

    private Hll(int p, byte[] reg) {
        this.p = p;
        this.reg = reg;
    }

    static void checkP(int p) {
        if (p < P_MIN || p > P_MAX)
            throw new IllegalArgumentException("HLL precision p=" + p + " outside " + P_MIN + ".." + P_MAX);
    }

    public int p() {
        return p;
    }

    public int register(int i) {
        return reg[i];
    }

    public int maxRank() {
        return 64 - p + 1;
    }

    public void add(long h) {
        int idx = (int) (h & ((1L << p) - 1));
        long w = h >>> p;
        int rank = w == 0 ? maxRank() : Long.numberOfTrailingZeros(w) + 1;
        if (reg[idx] < rank)
            reg[idx] = (byte) rank;
    }

    public Hll copy() {
        return new Hll(p, reg.clone());
    }

    /** The registers this sketch would have had at the coarser precision p2. */
    public Hll fold(int p2) {
        checkP(p2);
        if (p2 > p)
            throw new IllegalArgumentException("cannot fold p=" + p + " up to p=" + p2);
        if (p2 == p)
            return copy();
        Hll out = new Hll(p2);
        int mask = (1 << p2) - 1;
        for (int i = 0; i < reg.length; i++) {
            int r = reg[i];
            if (r == 0)
                continue;
            int hi = i >>> p2;
            int r2 = hi != 0 ? Integer.numberOfTrailingZeros(hi) + 1 : r + (p - p2);
            int j = i & mask;
            if (out.reg[j] < r2)
                out.reg[j] = (byte) r2;
        }
        return out;
    }

    /** Union, into this sketch; returns it, or a folded copy of it when o is coarser. */
    public Hll merge(Hll o) {
        Hll a = this, b = o;
        if (b.p < a.p)
            a = a.fold(b.p);
        else if (b.p > a.p)
            b = b.fold(a.p);
        for (int i = 0; i < a.reg.length; i++)
            if (a.reg[i] < b.reg[i])
                a.reg[i] = b.reg[i];
        return a;
    }

    public int nonZero() {
        int n = 0;
        for (byte r : reg)
            if (r != 0)
                n++;
        return n;
    }

    /** Relative standard error of the estimate, 1.04 / sqrt(2^p). */
    public double stdError() {
        return 1.04 / Math.sqrt(reg.length);
    }

    /** Ertl's improved estimator; both sides must do exactly these operations, in this order. */
    public double estimate() {
        int q = 64 - p;
        double m = reg.length;
        long[] c = new long[q + 2];
        for (byte r : reg)
            c[r]++;
        double z = m * tau(1.0 - c[q + 1] / m);
        for (int k = q; k >= 1; k--)
            z = 0.5 * (z + c[k]);
        z = z + m * sigma(c[0] / m);
        return ALPHA_INF * m * m / z;
    }

    /** The estimate rounded as the messages and alerts report it: floor(E + 0.5). */
    public long count() {
        double e = estimate();
        return Double.isInfinite(e) ? Long.MAX_VALUE : (long) Math.floor(e + 0.5);
    }

    static double sigma(double x) {
        if (x == 1.0)
            return Double.POSITIVE_INFINITY;
        double y = 1.0, z = x, zp;
        do {
            x = x * x;
            zp = z;
            z = z + x * y;
            y = y + y;
        } while (z != zp);
        return z;
    }

    static double tau(double x) {
        if (x == 0.0 || x == 1.0)
            return 0.0;
        double y = 1.0, z = 1.0 - x, zp;
        do {
            x = Math.sqrt(x);
            zp = z;
            y = y * 0.5;
            double d = 1.0 - x;
            z = z - d * d * y;
        } while (z != zp);
        return z / 3.0;
    }

    // ---- wire encoding: {"p": P, "s": base64} or {"p": P, "d": base64} ----

    /** Sparse costs 3 bytes per non-zero register, dense 1 per register. */
    public boolean sparseIsSmaller() {
        return 3L * nonZero() < reg.length;
    }

    public String dense() {
        return Base64.getEncoder().encodeToString(reg);
    }

    /** Big-endian 24-bit (index << 6 | rank) per non-zero register, indexes ascending. */
    public String sparse() {
        byte[] out = new byte[3 * nonZero()];
        int o = 0;
        for (int i = 0; i < reg.length; i++) {
            if (reg[i] == 0)
                continue;
            int e = (i << 6) | reg[i];
            out[o++] = (byte) (e >>> 16);
            out[o++] = (byte) (e >>> 8);
            out[o++] = (byte) e;
        }
        return Base64.getEncoder().encodeToString(out);
    }

    public static Hll fromDense(int p, String b64) {
        checkP(p);
        byte[] r = b64decode(b64);
        if (r.length != 1 << p)
            throw new IllegalArgumentException("dense HLL with p=" + p + " needs " + (1 << p) + " bytes, got " + r.length);
        Hll h = new Hll(p, r);
        for (byte x : r)
            if (x < 0 || x > h.maxRank())
                throw new IllegalArgumentException("HLL register value " + x + " above " + h.maxRank());
        return h;
    }

    public static Hll fromSparse(int p, String b64) {
        Hll h = new Hll(p);
        byte[] b = b64decode(b64);
        if (b.length % 3 != 0)
            throw new IllegalArgumentException("sparse HLL length " + b.length + " is not a multiple of 3");
        int prev = -1;
        for (int o = 0; o < b.length; o += 3) {
            int e = ((b[o] & 0xff) << 16) | ((b[o + 1] & 0xff) << 8) | (b[o + 2] & 0xff);
            int idx = e >>> 6, rank = e & 63;
            if (idx >= 1 << p)
                throw new IllegalArgumentException("sparse HLL index " + idx + " beyond 2^" + p);
            if (idx <= prev)
                throw new IllegalArgumentException("sparse HLL indexes not strictly ascending at " + idx);
            if (rank < 1 || rank > h.maxRank())
                throw new IllegalArgumentException("sparse HLL rank " + rank + " outside 1.." + h.maxRank());
            h.reg[idx] = (byte) rank;
            prev = idx;
        }
        return h;
    }

    private static byte[] b64decode(String s) {
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("HLL registers are not base64: " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hll h && h.p == p && Arrays.equals(h.reg, reg);
    }

    @Override
    public int hashCode() {
        return 31 * p + Arrays.hashCode(reg);
    }
}
