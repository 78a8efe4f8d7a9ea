// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads one aggregates message. Everything a sensor sends is checked: a
 * message that breaks the v2 schema is refused whole with a one-line reason
 * (BadTick), never half-merged.
 */
public final class TickParser {
    /** Bounds on what one message may carry, so a hostile producer cannot exhaust memory. */
    public static final int MAX_ITEMS = 4096, MAX_TOP = 64, MAX_NAME = 253;
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final class BadTick extends Exception {
        private static final long serialVersionUID = 1L;
        public final boolean v1;

        BadTick(String msg, boolean v1) {
            super(msg);
            this.v1 = v1;
        }

        BadTick(String msg) {
            this(msg, false);
        }
    }

    private TickParser() {}

    public static Tick parse(String text) throws BadTick {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadTick("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject())
            throw new BadTick("not a JSON object");
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new BadTick(e.getMessage());
        }
    }

    private static Tick parse(JsonNode root) throws BadTick {
        JsonNode x = obj(root, "xdpstream");
        long version = count(x, "schema_version");
        String sensor = str(obj(root, "observer"), "name");
        if (sensor.isEmpty() || sensor.length() > MAX_NAME)
            throw new BadTick("observer.name must have 1.." + MAX_NAME + " characters");
        if (version == 1)
            throw new BadTick("schema_version 1 from " + sensor + ": no fleet data (the sensor needs v2)", true);
        if (version != 2)
            throw new BadTick("unknown schema_version " + version);

        JsonNode tick = obj(x, "tick");
        long seq = count(tick, "seq"), start = count(tick, "start_us"), len = count(tick, "length_us");
        if (len == 0 || len > 3_600_000_000L)
            throw new BadTick("tick.length_us must be 1..3600000000");
        if (start > 1L << 62)
            throw new BadTick("tick.start_us out of range");

        JsonNode f = obj(x, "fleet");
        String keyId = null;
        if (f.has("hll")) {
            JsonNode h = obj(f, "hll");
            if (!"siphash-2-4".equals(str(h, "hash")))
                throw new BadTick("fleet.hll.hash must be siphash-2-4");
            keyId = str(h, "key_id");
            if (!keyId.matches("[0-9a-f]{16}"))
                throw new BadTick("fleet.hll.key_id must be 16 lowercase hex digits");
        }
        final boolean regs = keyId != null;

        Tick.Ranked<Tick.Victim> victims = ranked(f, "victims", v -> new Tick.Victim(
                Addr.canonical(str(v, "ip")), count(v, "packets"), count(v, "bytes"), count(v, "syn"),
                hll(v, "sources_hll", regs), tops(obj(v, "top_sources")), count(obj(v, "top_sources"), "floor")));
        Tick.Ranked<Tick.Prefix> prefixes = ranked(f, "victim_prefixes", v -> new Tick.Prefix(
                Addr.canonicalPrefix(str(v, "prefix")), count(v, "packets"), count(v, "bytes"), count(v, "syn"),
                hll(v, "victims_hll", regs), hll(v, "sources_hll", regs)));
        Tick.Ranked<Tick.Login> logins = ranked(f, "logins", v -> {
            long port = count(v, "port");
            if (port < 1 || port > 65535)
                throw new IllegalArgumentException("logins[].port must be 1..65535");
            return new Tick.Login(Addr.canonical(str(v, "ip")), (int) port, count(v, "attempts"),
                    hll(v, "sources_hll", regs));
        });
        Tick.Ranked<Tick.Source> sources = ranked(f, "sources", v -> source(v, Addr.canonical(str(v, "ip")), regs));
        Tick.Ranked<Tick.Source> nets = ranked(f, "source_prefixes",
                v -> source(v, Addr.canonicalPrefix(str(v, "prefix")), regs));

        // v1 part: the network-wide top talkers and the loss counters.
        JsonNode srcs = obj(x, "sources");
        JsonNode list = arr(srcs, "top_by_packets", MAX_ITEMS);
        List<Tick.Top> talkers = new ArrayList<>();
        for (JsonNode e : list)
            talkers.add(new Tick.Top(Addr.canonical(str(e, "ip")), count(e, "packets"), 0));
        long tracked = count(srcs, "tracked");
        long talkersFloor = tracked > talkers.size() && !talkers.isEmpty() ? talkers.get(talkers.size() - 1).count() : 0;
        JsonNode cnt = obj(obj(x, "totals"), "counters");
        long[] loss = new long[Tick.LOSS.length];
        for (int i = 0; i < loss.length; i++)
            loss[i] = i >= Tick.LOSS_OPTIONAL && cnt.get(Tick.LOSS[i]) == null ? 0 : count(cnt, Tick.LOSS[i]);
        return new Tick(sensor, seq, start, len, keyId, victims, prefixes, logins, sources, nets, talkers,
                talkersFloor, loss);
    }

    private static Tick.Source source(JsonNode v, String key, boolean regs) {
        return new Tick.Source(key, count(v, "packets"), count(v, "bytes"), count(v, "syn"),
                count(v, "login_attempts"), hll(v, "targets_hll", regs));
    }

    private static List<Tick.Top> tops(JsonNode t) {
        List<Tick.Top> out = new ArrayList<>();
        for (JsonNode e : arr(t, "items", MAX_TOP)) {
            long c = count(e, "count"), err = count(e, "error");
            if (err > c)
                throw new IllegalArgumentException("top_sources error " + err + " above its count " + c);
            out.add(new Tick.Top(Addr.canonical(str(e, "ip")), c, err));
        }
        return out;
    }

    private static <T> Tick.Ranked<T> ranked(JsonNode f, String name, Function<JsonNode, T> item) {
        JsonNode r = obj(f, name);
        List<T> out = new ArrayList<>();
        for (JsonNode e : arr(r, "items", MAX_ITEMS)) {
            if (!e.isObject())
                throw new IllegalArgumentException("fleet." + name + ".items[] must be objects");
            out.add(item.apply(e));
        }
        return new Tick.Ranked<>(out, count(r, "omitted"), count(r, "floor"));
    }

    /** {"p": P, "s": base64} or {"p": P, "d": base64}; present exactly when fleet.hll is. */
    static Hll hll(JsonNode n, String name, boolean expected) {
        JsonNode h = n.get(name);
        if (!expected) {
            if (h != null)
                throw new IllegalArgumentException(name + " present without fleet.hll");
            return null;
        }
        if (h == null || !h.isObject())
            throw new IllegalArgumentException(name + " missing (fleet.hll is set)");
        int p = (int) count(h, "p");
        JsonNode s = h.get("s"), d = h.get("d");
        if ((s == null) == (d == null) || h.size() != 2)
            throw new IllegalArgumentException(name + " must have p and exactly one of s, d");
        JsonNode b = s != null ? s : d;
        if (!b.isTextual())
            throw new IllegalArgumentException(name + " registers must be a base64 string");
        return s != null ? Hll.fromSparse(p, b.asText()) : Hll.fromDense(p, b.asText());
    }

    static JsonNode obj(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || !v.isObject())
            throw new IllegalArgumentException(name + " missing or not an object");
        return v;
    }

    static JsonNode arr(JsonNode n, String name, int max) {
        JsonNode v = n.get(name);
        if (v == null || !v.isArray())
            throw new IllegalArgumentException(name + " missing or not an array");
        if (v.size() > max)
            throw new IllegalArgumentException(name + " has " + v.size() + " entries, at most " + max);
        return v;
    }

    static String str(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || !v.isTextual())
            throw new IllegalArgumentException(name + " missing or not a string");
        return v.asText();
    }

    static long count(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0)
            throw new IllegalArgumentException(name + " missing or not a non-negative integer");
        return v.asLong();
    }
}
