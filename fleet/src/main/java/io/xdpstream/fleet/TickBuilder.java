// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Writes the v2 aggregates message a sensor sends for one tick, from the
 * tick's flows: the reference of docs/fleet.md's "What a sensor computes",
 * used by the test producer and the tests. Counts are exact (top sources
 * carry error 0, which a space-saving summary with room for every source
 * also gives).
 */
public final class TickBuilder {
    public static final Set<Integer> LOGIN_PORTS = Set.of(21, 22, 23, 25, 110, 143, 465, 587, 993, 995, 3389, 5060,
            5061);
    static final ObjectMapper JSON = new ObjectMapper();

    /** Packets of one flow in the tick; syn counts TCP SYN without ACK. */
    public record Flow(byte[] src, byte[] dst, int dport, int proto, long packets, long bytes, long syn) {}

    private final SipHash key; // null: no fleet HLL key, no registers
    private final String keyId;
    public int p = 14, itemsMax = 256, topSources = 8, topN = 10;

    public TickBuilder(SipHash key) {
        this(key, key == null ? null : key.keyId());
    }

    /** keyId other than key's: what a misconfigured sensor would send. */
    public TickBuilder(SipHash key, String keyId) {
        this.key = key;
        this.keyId = keyId;
    }

    public static long hashAddr(SipHash k, byte[] a) {
        return k.hash(a);
    }

    /** 16-byte destination address, destination port (big-endian), IP protocol. */
    public static byte[] target(byte[] dst, int port, int proto) {
        return ByteBuffer.allocate(19).put(dst).putShort((short) port).put((byte) proto).array();
    }

    private static final class Acc {
        final byte[] addr; // victim, source, or the prefix's network address
        final int port;
        long packets, bytes, syn, attempts;
        Hll h1, h2;
        final Map<String, long[]> bySource = new HashMap<>();

        Acc(byte[] addr, int port) {
            this.addr = addr;
            this.port = port;
        }
    }

    private Acc acc(Map<String, Acc> m, byte[] addr, int port, String k) {
        return m.computeIfAbsent(k, x -> {
            Acc a = new Acc(addr, port);
            if (key != null) {
                a.h1 = new Hll(p);
                a.h2 = new Hll(p);
            }
            return a;
        });
    }

    public String build(String sensor, String hostname, long seq, long startUs, long lengthUs, List<Flow> flows) {
        Map<String, Acc> victims = new HashMap<>(), prefixes = new HashMap<>(), logins = new HashMap<>(),
                sources = new HashMap<>(), nets = new HashMap<>();
        long pk = 0, by = 0, syn = 0;
        long[] tcp = new long[2], udp = new long[2];
        for (Flow f : flows) {
            pk += f.packets();
            by += f.bytes();
            syn += f.syn();
            long[] cls = f.proto() == 6 ? tcp : udp;
            cls[0] += f.packets();
            cls[1] += f.bytes();
            String src = Addr.format(f.src()), dst = Addr.format(f.dst());
            long hs = key == null ? 0 : key.hash(f.src()), hd = key == null ? 0 : key.hash(f.dst());
            Acc v = acc(victims, f.dst(), 0, dst);
            add(v, f);
            if (key != null)
                v.h1.add(hs);
            v.bySource.computeIfAbsent(src, x -> new long[1])[0] += f.packets();
            String pfx = Addr.prefixOf(f.dst());
            Acc pr = acc(prefixes, Addr.parse(pfx.substring(0, pfx.indexOf('/'))), 0, pfx);
            add(pr, f);
            if (key != null) {
                pr.h1.add(hs);
                pr.h2.add(hd);
            }
            boolean login = f.proto() == 6 && LOGIN_PORTS.contains(f.dport()) && f.syn() > 0;
            if (login) {
                Acc l = acc(logins, f.dst(), f.dport(), dst + "|" + f.dport());
                l.attempts += f.syn();
                if (key != null)
                    l.h1.add(hs);
            }
            boolean probe = (f.proto() == 6 && f.syn() > 0) || f.proto() == 17;
            String spfx = Addr.prefixOf(f.src());
            for (Acc s : new Acc[] {acc(sources, f.src(), 0, src),
                    acc(nets, Addr.parse(spfx.substring(0, spfx.indexOf('/'))), 0, spfx)}) {
                add(s, f);
                if (login)
                    s.attempts += f.syn();
                if (key != null && probe)
                    s.h1.add(key.hash(target(f.dst(), f.dport(), f.proto())));
            }
        }

        ObjectNode root = JSON.createObjectNode();
        root.put("@timestamp", Alerts.ts((startUs + lengthUs) / 1000).replace("Z", "000Z"));
        ObjectNode ev = root.putObject("event");
        ev.put("kind", "metric");
        ev.put("dataset", "xdpstream.aggregates");
        ev.put("duration", lengthUs * 1000);
        root.putObject("observer").put("hostname", hostname).put("name", sensor);
        ObjectNode x = root.putObject("xdpstream");
        x.put("schema_version", 2);
        x.put("epoch", seq % 1000000);
        x.put("interval_s", lengthUs / 1e6);
        v1(x, pk, by, syn, tcp, udp, victims, sources);
        x.putObject("tick").put("seq", seq).put("start_us", startUs).put("length_us", lengthUs);
        ObjectNode f = x.putObject("fleet");
        if (key != null)
            f.putObject("hll").put("hash", "siphash-2-4").put("key_id", keyId);
        list(f, "victims", victims, a -> a.packets, (o, a) -> {
            o.put("ip", Addr.format(a.addr));
            counts(o, a);
            hll(o, "sources_hll", a.h1);
            ObjectNode ts = o.putObject("top_sources");
            List<Map.Entry<String, long[]>> r = new ArrayList<>(a.bySource.entrySet());
            r.sort(Comparator.<Map.Entry<String, long[]>>comparingLong(e -> -e.getValue()[0])
                    .thenComparing(e -> Addr.parse(e.getKey()), Arrays::compareUnsigned));
            ArrayNode items = ts.putArray("items");
            for (int i = 0; i < Math.min(topSources, r.size()); i++)
                items.addObject().put("ip", r.get(i).getKey()).put("count", r.get(i).getValue()[0]).put("error", 0);
            ts.put("floor", r.size() > topSources ? r.get(topSources).getValue()[0] : 0);
        });
        list(f, "victim_prefixes", prefixes, a -> a.packets, (o, a) -> {
            o.put("prefix", Addr.prefixOf(a.addr));
            counts(o, a);
            hll(o, "victims_hll", a.h2);
            hll(o, "sources_hll", a.h1);
        });
        list(f, "logins", logins, a -> a.attempts, (o, a) -> {
            o.put("ip", Addr.format(a.addr));
            o.put("port", a.port);
            o.put("attempts", a.attempts);
            hll(o, "sources_hll", a.h1);
        });
        list(f, "sources", sources, a -> a.packets, (o, a) -> {
            o.put("ip", Addr.format(a.addr));
            counts(o, a);
            o.put("login_attempts", a.attempts);
            hll(o, "targets_hll", a.h1);
        });
        list(f, "source_prefixes", nets, a -> a.packets, (o, a) -> {
            o.put("prefix", Addr.prefixOf(a.addr));
            counts(o, a);
            o.put("login_attempts", a.attempts);
            hll(o, "targets_hll", a.h1);
        });
        return root.toString();
    }

    private static void add(Acc a, Flow f) {
        a.packets += f.packets();
        a.bytes += f.bytes();
        a.syn += f.syn();
    }

    private static void counts(ObjectNode o, Acc a) {
        o.put("packets", a.packets).put("bytes", a.bytes).put("syn", a.syn);
    }

    private void hll(ObjectNode o, String name, Hll h) {
        if (h == null)
            return;
        ObjectNode n = o.putObject(name);
        n.put("p", h.p());
        if (h.sparseIsSmaller())
            n.put("s", h.sparse());
        else
            n.put("d", h.dense());
    }

    /** Ranked by `by` descending, then address bytes, then port ascending; cut at itemsMax. */
    private void list(ObjectNode f, String name, Map<String, Acc> m, ToLongFunction<Acc> by,
            java.util.function.BiConsumer<ObjectNode, Acc> item) {
        List<Acc> r = new ArrayList<>(m.values());
        r.sort(Comparator.<Acc>comparingLong(a -> -by.applyAsLong(a))
                .thenComparing((Function<Acc, byte[]>) a -> a.addr, Arrays::compareUnsigned)
                .thenComparingInt(a -> a.port));
        ObjectNode l = f.putObject(name);
        ArrayNode items = l.putArray("items");
        for (int i = 0; i < Math.min(itemsMax, r.size()); i++)
            item.accept(items.addObject(), r.get(i));
        l.put("omitted", Math.max(0, r.size() - itemsMax));
        l.put("floor", r.size() > itemsMax ? by.applyAsLong(r.get(itemsMax)) : 0);
    }

    private static final String[] CLASSES = {"ipv4_tcp", "ipv4_udp", "ipv4_icmp", "ipv4_other", "ipv4_frag",
            "ipv6_tcp", "ipv6_udp", "ipv6_icmp", "ipv6_other", "ipv6_frag", "arp", "other_l2", "malformed"};
    private static final String[] ERRORS = {"eth_trunc", "vlan_trunc", "vlan_depth", "ipv4_trunc", "ipv4_hdr",
            "ipv6_trunc", "ipv6_hdr", "ipv6_ext_trunc", "ipv6_ext_depth", "tcp_trunc", "tcp_hdr", "udp_trunc",
            "icmp_trunc", "icmp6_trunc"};
    private static final String[] COUNTERS = {"tcp_syn", "tcp_synack", "tcp_rst", "tcp_fin", "vlan_tagged",
            "ip_frag_first", "reflector_src_port", "flows_new", "events_sent", "events_lost_budget",
            "events_lost_ringbuf_full", "dst_map_full", "src_map_full", "flow_map_full"};

    /** The v1 part, unchanged in v2 (IPv4 traffic only, as the test producer sends). */
    private void v1(ObjectNode x, long pk, long by, long syn, long[] tcp, long[] udp, Map<String, Acc> victims,
            Map<String, Acc> sources) {
        ObjectNode t = x.putObject("totals");
        t.put("packets", pk).put("bytes", by);
        ObjectNode c = t.putObject("classes");
        for (String n : CLASSES) {
            long[] v = n.equals("ipv4_tcp") ? tcp : n.equals("ipv4_udp") ? udp : new long[2];
            c.putObject(n).put("packets", v[0]).put("bytes", v[1]);
        }
        ObjectNode e = t.putObject("parse_errors");
        for (String n : ERRORS)
            e.put(n, 0);
        ObjectNode k = t.putObject("counters");
        for (String n : COUNTERS)
            k.put(n, n.equals("tcp_syn") ? syn : 0);
        ObjectNode d = x.putObject("destinations");
        d.put("tracked", victims.size());
        for (String by2 : new String[] {"top_by_packets", "top_by_bytes"}) {
            ArrayNode a = d.putArray(by2);
            for (Acc v : top(victims, by2.endsWith("packets"))) {
                ObjectNode o = a.addObject();
                o.put("ip", Addr.format(v.addr)).put("packets", v.packets).put("bytes", v.bytes).put("tcp", v.syn)
                        .put("syn", v.syn).put("synack", 0).put("rst", 0).put("udp", v.packets - v.syn)
                        .put("icmp", 0).put("fragments", 0).put("reflector_packets", 0).put("reflector_bytes", 0)
                        .put("distinct_sources", v.h1 == null ? v.bySource.size() : v.h1.count())
                        .put("distinct_ports", 1);
            }
        }
        ObjectNode s = x.putObject("sources");
        s.put("tracked", sources.size());
        for (String by2 : new String[] {"top_by_packets", "top_by_bytes"}) {
            ArrayNode a = s.putArray(by2);
            for (Acc v : top(sources, by2.endsWith("packets")))
                a.addObject().put("ip", Addr.format(v.addr)).put("packets", v.packets).put("bytes", v.bytes)
                        .put("syn", v.syn).put("synack", 0).put("rst", 0).put("icmp_echo", 0);
        }
    }

    private List<Acc> top(Map<String, Acc> m, boolean packets) {
        List<Acc> r = new ArrayList<>(m.values());
        r.sort(Comparator.<Acc>comparingLong(a -> -(packets ? a.packets : a.bytes))
                .thenComparing((Function<Acc, byte[]>) a -> a.addr, Arrays::compareUnsigned));
        return r.subList(0, Math.min(topN, r.size()));
    }
}
