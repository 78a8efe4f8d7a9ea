// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.nio.charset.StandardCharsets;

/**
 * SipHash-2-4 (Aumasson and Bernstein), the keyed hash every sensor uses for
 * the fleet's HyperLogLog registers. The app itself never needs the key: it
 * only merges registers; the test producer and the test vectors hash.
 */
public final class SipHash {
    private final long k0, k1;

    /** @param key 16 bytes; k0 and k1 are its two halves, little-endian. */
    public SipHash(byte[] key) {
        if (key.length != 16)
            throw new IllegalArgumentException("SipHash key must be 16 bytes, got " + key.length);
        k0 = le64(key, 0);
        k1 = le64(key, 8);
    }

    /** Parses the 32 hex digits of the `fleet_hll_key` setting. */
    public static SipHash ofHex(String hex) {
        return new SipHash(Hex.decode(hex, 16, "fleet HLL key"));
    }

    static long le64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--)
            v = (v << 8) | (b[off + i] & 0xffL);
        return v;
    }

    public long hash(byte[] m) {
        long v0 = k0 ^ 0x736f6d6570736575L, v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L, v3 = k1 ^ 0x7465646279746573L;
        int n = m.length, end = n - (n % 8);
        long[] v = {v0, v1, v2, v3};
        for (int i = 0; i < end; i += 8) {
            long w = le64(m, i);
            v[3] ^= w;
            round(v);
            round(v);
            v[0] ^= w;
        }
        long b = ((long) n) << 56;
        for (int i = n - 1; i >= end; i--)
            b |= (m[i] & 0xffL) << (8 * (i - end));
        v[3] ^= b;
        round(v);
        round(v);
        v[0] ^= b;
        v[2] ^= 0xff;
        for (int i = 0; i < 4; i++)
            round(v);
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static void round(long[] v) {
        v[0] += v[1]; v[1] = Long.rotateLeft(v[1], 13); v[1] ^= v[0]; v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3]; v[3] = Long.rotateLeft(v[3], 16); v[3] ^= v[2];
        v[0] += v[3]; v[3] = Long.rotateLeft(v[3], 21); v[3] ^= v[0];
        v[2] += v[1]; v[1] = Long.rotateLeft(v[1], 17); v[1] ^= v[2]; v[2] = Long.rotateLeft(v[2], 32);
    }

    /** The text every key's id is the hash of (docs/fleet.md, "Key id"). */
    public static final byte[] KEY_ID_TEXT = "xdpstream fleet hll key".getBytes(StandardCharsets.US_ASCII);

    /** 16 lowercase hex digits naming a key without revealing it. */
    public String keyId() {
        return String.format("%016x", hash(KEY_ID_TEXT));
    }
}
