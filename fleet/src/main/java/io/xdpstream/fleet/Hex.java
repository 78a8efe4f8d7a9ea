// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

final class Hex {
    private Hex() {}

    static byte[] decode(String s, int len, String what) {
        if (s == null || s.length() != 2 * len || !s.matches("[0-9a-fA-F]*"))
            throw new IllegalArgumentException(what + " must be " + 2 * len + " hex digits");
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++)
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return b;
    }

    static String encode(byte[] b) {
        StringBuilder sb = new StringBuilder(2 * b.length);
        for (byte x : b)
            sb.append(String.format("%02x", x & 0xff));
        return sb.toString();
    }
}
