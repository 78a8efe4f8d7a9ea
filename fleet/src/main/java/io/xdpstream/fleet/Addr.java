// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * IP address literals as the messages carry them, and their 16-byte form
 * (IPv4 mapped into ::ffff:0:0/96, as struct xs_addr keeps them). Never a
 * name lookup: only literals are accepted.
 */
public final class Addr {
    private static final Pattern V4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern V6 = Pattern.compile("[0-9a-fA-F:.]{2,45}");

    private Addr() {}

    /** 16 bytes, IPv4 mapped; IllegalArgumentException for anything but a literal. */
    public static byte[] parse(String s) {
        byte[] out = new byte[16];
        if (s != null && V4.matcher(s).matches()) {
            String[] o = s.split("\\.");
            out[10] = out[11] = (byte) 0xff;
            for (int i = 0; i < 4; i++)
                out[12 + i] = (byte) Integer.parseInt(o[i]);
            return out;
        }
        if (s == null || !s.contains(":") || !V6.matcher(s).matches())
            throw new IllegalArgumentException("not an IP address: " + s);
        try {
            byte[] b = InetAddress.getByName(s).getAddress(); // a literal: no lookup
            if (b.length == 4) { // ::ffff:a.b.c.d comes back as IPv4
                out[10] = out[11] = (byte) 0xff;
                System.arraycopy(b, 0, out, 12, 4);
            } else {
                System.arraycopy(b, 0, out, 0, 16);
            }
            return out;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + s);
        }
    }

    public static boolean isV4(byte[] a) {
        for (int i = 0; i < 10; i++)
            if (a[i] != 0)
                return false;
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    public static String format(byte[] a) {
        if (isV4(a))
            return (a[12] & 0xff) + "." + (a[13] & 0xff) + "." + (a[14] & 0xff) + "." + (a[15] & 0xff);
        try {
            byte[] b = new byte[16];
            System.arraycopy(a, 0, b, 0, 16);
            return compress(InetAddress.getByAddress(b).getHostAddress());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Canonical text: the same address always gives the same string (the keys depend on it). */
    public static String canonical(String s) {
        return format(parse(s));
    }

    /** The /24 (IPv4) or /64 (IPv6) an address belongs to, as "net/len". */
    public static String prefixOf(byte[] a) {
        byte[] n = a.clone();
        int len;
        if (isV4(a)) {
            n[15] = 0;
            len = 24;
        } else {
            for (int i = 8; i < 16; i++)
                n[i] = 0;
            len = 64;
        }
        return format(n) + "/" + len;
    }

    /** Checks and canonicalises "net/len": /24 for IPv4, /64 for IPv6, host bits zero. */
    public static String canonicalPrefix(String s) {
        int slash = s == null ? -1 : s.indexOf('/');
        if (slash < 0)
            throw new IllegalArgumentException("not a prefix: " + s);
        byte[] a = parse(s.substring(0, slash));
        String want = isV4(a) ? "24" : "64";
        if (!s.substring(slash + 1).equals(want))
            throw new IllegalArgumentException("prefix " + s + " must be a /" + want);
        String c = prefixOf(a);
        if (!c.equals(format(a) + "/" + want))
            throw new IllegalArgumentException("prefix " + s + " has host bits set");
        return c;
    }

    /** RFC 5952 text: Java writes every group; shorten the longest zero run. */
    private static String compress(String full) {
        String[] g = full.split(":");
        int best = -1, bestLen = 0;
        for (int i = 0; i < g.length; ) {
            if (!g[i].equals("0")) {
                i++;
                continue;
            }
            int j = i;
            while (j < g.length && g[j].equals("0"))
                j++;
            if (j - i > bestLen && j - i > 1) {
                best = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (best < 0)
            return full;
        String head = String.join(":", java.util.Arrays.copyOfRange(g, 0, best));
        String tail = String.join(":", java.util.Arrays.copyOfRange(g, best + bestLen, g.length));
        return head + "::" + tail;
    }
}
