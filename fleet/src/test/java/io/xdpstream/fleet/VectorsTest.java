// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The HLL test vectors both sides check (fleet/src/test/resources/hll_vectors.json,
 * the same file as tests/data/fleet/hll_vectors.json). `-Dxs.regen=1` rewrites it.
 */
class VectorsTest {
    static final ObjectMapper M = new ObjectMapper();
    static final String KEY = "000102030405060708090a0b0c0d0e0f";
    static final int[][] SKETCHES = {{14, 0}, {14, 1}, {14, 2}, {14, 10}, {14, 100}, {14, 1000}, {14, 5000},
            {14, 20000}, {14, 100000}, {4, 1000}, {10, 1000}, {12, 3000}, {12, 100000}, {16, 1000}};

    static Path file() {
        return Path.of(System.getProperty("xs.repo", ".."), "fleet/src/test/resources/hll_vectors.json");
    }

    static String addr(int i) {
        return "198." + (18 + (i >> 16)) + "." + (i >> 8 & 255) + "." + (i & 255);
    }

    static Hll sketch(SipHash k, int p, int n, int first) {
        Hll h = new Hll(p);
        for (int i = first; i < first + n; i++)
            h.add(k.hash(Addr.parse(addr(i))));
        return h;
    }

    static ObjectNode wire(Hll h) {
        ObjectNode o = M.createObjectNode().put("p", h.p());
        return h.sparseIsSmaller() ? o.put("s", h.sparse()) : o.put("d", h.dense());
    }

    static ObjectNode generate() {
        SipHash k = SipHash.ofHex(KEY);
        ObjectNode root = M.createObjectNode();
        root.put("description", "xdpstream fleet HyperLogLog test vectors (docs/fleet.md): SipHash-2-4, key ids, "
                + "item hashing, register encoding, folding, merging and Ertl's improved estimator. Hashes are "
                + "the 64-bit SipHash value in hex; estimates are IEEE-754 doubles, count = floor(estimate + 0.5).");
        root.put("key", KEY);
        ArrayNode sip = root.putArray("siphash");
        for (int n = 0; n <= 16; n++) {
            byte[] m = new byte[n];
            for (int i = 0; i < n; i++)
                m[i] = (byte) i;
            sip.addObject().put("message", Hex.encode(m)).put("hash", String.format("%016x", k.hash(m)));
        }
        ArrayNode ids = root.putArray("key_ids");
        for (String key : new String[] {KEY, "ffeeddccbbaa99887766554433221100"})
            ids.addObject().put("key", key).put("key_id", SipHash.ofHex(key).keyId());
        ArrayNode items = root.putArray("addresses");
        for (String a : new String[] {"198.18.0.0", "198.18.0.1", "203.0.113.9", "::1", "2001:db8::7",
                "::ffff:192.0.2.1"}) {
            byte[] b = Addr.parse(a);
            long h = k.hash(b);
            ObjectNode o = items.addObject().put("ip", a).put("item", Hex.encode(b)).put("hash", String.format("%016x", h));
            Hll one = new Hll(14);
            one.add(h);
            for (int i = 0; i < 1 << 14; i++)
                if (one.register(i) != 0)
                    o.put("p14_index", i).put("p14_rank", one.register(i));
        }
        ArrayNode targets = root.putArray("targets");
        for (Object[] t : new Object[][] {{"198.51.100.7", 22, 6}, {"198.51.100.7", 53, 17}, {"2001:db8::7", 443, 6}}) {
            byte[] b = TickBuilder.target(Addr.parse((String) t[0]), (Integer) t[1], (Integer) t[2]);
            targets.addObject().put("ip", (String) t[0]).put("port", (Integer) t[1]).put("proto", (Integer) t[2])
                    .put("item", Hex.encode(b)).put("hash", String.format("%016x", k.hash(b)));
        }
        ArrayNode sk = root.putArray("sketches");
        for (int[] s : SKETCHES) {
            Hll h = sketch(k, s[0], s[1], 0);
            sk.addObject().put("p", s[0]).put("items", "198.18.0.0 + i for i in [0, " + s[1] + ")")
                    .put("n", s[1]).set("hll", wire(h));
            ((ObjectNode) sk.get(sk.size() - 1)).put("estimate", h.estimate()).put("count", h.count());
        }
        ArrayNode folds = root.putArray("folds");
        for (int to : new int[] {12, 10, 4}) {
            Hll h = sketch(k, 14, 5000, 0);
            ObjectNode f = folds.addObject();
            f.set("from", wire(h));
            f.put("to_p", to);
            f.set("result", wire(h.fold(to)));
        }
        ArrayNode merges = root.putArray("merges");
        Hll a = sketch(k, 14, 30000, 0), b = sketch(k, 12, 30000, 20000);
        ObjectNode mg = merges.addObject();
        mg.put("items", "a: [0, 30000) at p=14, b: [20000, 50000) at p=12; union 50000");
        mg.set("a", wire(a));
        mg.set("b", wire(b));
        Hll u = a.copy().merge(b);
        mg.set("result", wire(u));
        mg.put("estimate", u.estimate()).put("count", u.count());
        return root;
    }

    @Test
    void vectorsFileIsWhatTheCodeComputes() throws Exception {
        JsonNode want = M.readTree(generate().toString()); // same node types as a file read
        if (System.getProperty("xs.regen") != null)
            Files.writeString(file(), want.toPrettyString() + "\n");
        JsonNode have = M.readTree(file().toFile());
        for (java.util.Iterator<String> it = want.fieldNames(); it.hasNext();) {
            String k = it.next();
            assertTrue(want.get(k).equals(have.get(k)),
                    "hll_vectors.json: " + k + " differs from the code (-Dxs.regen=1 rewrites it: only when the spec changed)");
        }
        assertEquals(want.size(), have.size());
    }

    @Test
    void testsDataCopyIsTheSameFile() throws Exception {
        Path c = Path.of(System.getProperty("xs.repo", ".."), "tests/data/fleet/hll_vectors.json");
        assertTrue(Files.exists(c), c + " missing");
        assertEquals(Files.readString(file()), Files.readString(c));
    }

    @Test
    void estimatesFromRegistersAlone() throws Exception {
        JsonNode v = M.readTree(file().toFile());
        for (JsonNode s : v.get("sketches")) {
            Hll h = TickParser.hll(s, "hll", true);
            assertEquals(s.get("estimate").asDouble(), h.estimate(), 1e-12 * Math.max(1, h.estimate()));
            assertEquals(s.get("count").asLong(), h.count());
            long n = s.get("n").asLong();
            // a sanity bound (3.5 standard errors), not the spec: the spec is the exact estimate above
            assertTrue(Math.abs(h.count() - n) <= Math.max(1, 3.5 * h.stdError() * n),
                    "estimate " + h.count() + " for " + n + " at p=" + h.p());
        }
        for (JsonNode f : v.get("folds"))
            assertEquals(TickParser.hll(f, "result", true), TickParser.hll(f, "from", true).fold(f.get("to_p").asInt()));
    }
}
