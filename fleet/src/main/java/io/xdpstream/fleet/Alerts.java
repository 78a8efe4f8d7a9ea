// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * Fleet alerts in the sensors' ECS alert format (schema/alert.schema.json,
 * observer.type "fleet"), fleet mitigations (schema/fleet_mitigation.schema.json)
 * and top talkers. Everything here is a function of event time and window
 * contents, never of the wall clock, so an instance that takes over a
 * partition writes the very same records.
 */
final class Alerts {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Alerts() {}

    static String ts(long ms) {
        return TS.format(Instant.ofEpochMilli(ms));
    }

    /** 16 hex digits: stable for an alert's life and the same on every instance. */
    static String id(String... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                d.update(p.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            byte[] h = d.digest();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 8; i++)
                sb.append(String.format("%02x", h[i] & 0xff));
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode base(FleetConfig c, String action, String id, long atMs, long startMs) {
        ObjectNode a = JSON.createObjectNode();
        a.put("@timestamp", ts(atMs));
        ObjectNode ev = a.putObject("event");
        ev.put("kind", "alert");
        ev.putArray("category").add("network").add("intrusion_detection");
        ev.putArray("type").add("info");
        ev.put("action", action);
        ev.put("id", id);
        ev.put("severity", 47);
        ev.put("start", ts(startMs));
        ev.put("dataset", "xdpstream.alert");
        ev.put("module", "xdpstream");
        return a;
    }

    static void end(ObjectNode a, long endMs, long startMs, String reason) {
        ObjectNode ev = (ObjectNode) a.get("event");
        ev.put("end", ts(endMs));
        ev.put("duration", (endMs - startMs) * 1_000_000L);
        ev.put("reason", reason);
    }

    static ObjectNode observer(ObjectNode a, FleetConfig c) {
        ObjectNode o = a.putObject("observer");
        o.put("hostname", c.str("observer.hostname"));
        o.put("product", "xdpstream");
        o.put("type", "fleet");
        return o;
    }

    static void rule(ObjectNode a, String name, String category, String description) {
        ObjectNode r = a.putObject("rule");
        r.put("name", name);
        r.put("category", category);
        r.put("description", description);
        r.put("ruleset", "xdpstream-fleet");
    }

    static ObjectNode loss(ObjectNode x, long[] l) {
        ObjectNode o = x.putObject("loss");
        long[] v = l == null ? new long[Tick.LOSS.length] : l;
        o.put("events_over_budget", v[0]);
        o.put("events_ring_full", v[1]);
        o.put("dst_map_full", v[2]);
        o.put("src_map_full", v[3]);
        o.put("src_unadmitted", v.length > 5 ? v[5] : 0);
        o.put("flow_map_full", v[4]);
        o.put("engine_overflow", 0);
        return o;
    }

    /** A rule's alert for one window of one key ("V|ip", "S|ip", ...). */
    static String finding(FleetConfig c, String action, AlertState st, Rules.Finding f, String key, Merged m,
            Merged window, long ws, long we, int topN, String endReason) {
        ObjectNode a = base(c, action, st.id, we, st.startMs);
        ((ObjectNode) a.get("event")).put("severity", f.severity());
        if (endReason != null)
            end(a, st.lastMs + c.windowMs(), st.startMs, endReason);
        rule(a, f.rule(), f.category(), f.description());
        String[] k = key.split("\\|");
        ObjectNode fleetExtra = JSON.createObjectNode();
        switch (key.charAt(0)) {
            case Part.VICTIM -> a.putObject("destination").put("ip", k[1]);
            case Part.PREFIX -> {
                fleetExtra.put("destination_prefix", k[1]);
            }
            case Part.LOGIN -> a.putObject("destination").put("ip", k[1]).put("port", Integer.parseInt(k[2]));
            case Part.SOURCE -> a.putObject("source").put("ip", k[1]);
            case Part.SOURCE_NET -> fleetExtra.put("source_prefix", k[1]);
            default -> {}
        }
        if (f.transport() != null)
            a.putObject("network").put("transport", f.transport()).put("type", k[1].contains(":") ? "ipv6" : "ipv4");
        observer(a, c);
        ObjectNode x = a.putObject("xdpstream");
        x.put("window_s", c.windowMs() / 1000.0);
        x.putObject("observed").put("value", f.observed()).put("unit", f.unit());
        x.put("peak", st.peak);
        x.put("current", f.observed());
        x.put("threshold", f.threshold());
        ArrayNode top = x.putArray("top_sources");
        if (key.charAt(0) == Part.VICTIM) {
            List<Map.Entry<String, long[]>> r = m.ranked();
            for (int i = 0; i < Math.min(8, Math.min(topN, r.size())); i++)
                top.addObject().put("ip", r.get(i).getKey()).put("count", r.get(i).getValue()[0])
                        .put("error", r.get(i).getValue()[1]);
            x.put("top_sources_unit", "packets");
        }
        x.put("sample_rate", 1);
        loss(x, window == null ? null : window.loss);
        boolean incomplete = !m.hllExcluded.isEmpty() || (window != null && !window.incomplete.isEmpty());
        x.put("evidence_incomplete", incomplete);
        x.put("fires", st.fires);
        ObjectNode fl = x.putObject("fleet");
        fl.putObject("window").put("start", ts(ws)).put("end", ts(we));
        ArrayNode sensors = fl.putArray("sensors");
        for (String s : f.perSensor().keySet())
            sensors.add(s);
        ArrayNode ps = fl.putArray("per_sensor");
        for (Map.Entry<String, Double> e : f.perSensor().entrySet())
            ps.addObject().put("name", e.getKey()).put("value", e.getValue());
        if (f.sensorThreshold() != null)
            fl.put("sensor_threshold", f.sensorThreshold());
        fl.putObject("merged").put("packets", m.sum(Merged.PACKETS)).put("bytes", m.sum(Merged.BYTES))
                .put("syn", m.sum(Merged.SYN)).put("attempts", m.sum(Merged.ATTEMPTS));
        if (f.distinctName() != null)
            distinct(fl.putObject("distinct_" + f.distinctName()), f.distinct(), m);
        if (m.hll2 != null)
            distinct(fl.putObject("distinct_victims"), m.hll2, m);
        fl.setAll(fleetExtra);
        if (window != null && !window.incomplete.isEmpty()) {
            ArrayNode inc = fl.putArray("lists_cut");
            for (String s : window.incomplete)
                inc.add(s);
        }
        return a.toString();
    }

    static void distinct(ObjectNode d, Hll h, Merged m) {
        if (h == null) {
            d.putNull("estimate");
        } else {
            d.put("estimate", h.count());
            d.put("std_error", h.stdError());
            d.put("precision", h.p());
        }
        ArrayNode ex = d.putArray("excluded_sensors");
        for (String s : m.hllExcluded)
            ex.add(s);
    }

    /** A sensor that stopped sending ticks. */
    static String silent(FleetConfig c, String action, String id, String sensor, SensorState st, long nowMs) {
        ObjectNode a = base(c, action, id, nowMs, st.lastEndMs);
        if (action.equals("end"))
            end(a, nowMs, st.lastEndMs, "ticks arrive again");
        rule(a, "sensor_silent", "anomaly", "A sensor stopped sending ticks: its link is unwatched, not quiet");
        observer(a, c);
        ObjectNode x = a.putObject("xdpstream");
        double silentS = Math.max(0, nowMs - st.lastSeenWallMs) / 1000.0;
        x.put("window_s", c.num("silent.after.ms") / 1000.0);
        x.putObject("observed").put("value", silentS).put("unit", "seconds");
        x.put("peak", silentS);
        x.put("current", silentS);
        x.put("threshold", c.num("silent.after.ms") / 1000.0);
        x.putArray("top_sources");
        x.put("sample_rate", 1);
        loss(x, null);
        x.put("evidence_incomplete", false);
        x.put("fires", 1);
        ObjectNode fl = x.putObject("fleet");
        fl.putArray("sensors").add(sensor);
        fl.put("last_tick_end", ts(st.lastEndMs));
        fl.put("last_seq", st.lastSeq);
        return a.toString();
    }

    /** A mitigation request for the sensors with fleet_mitigation: true. */
    static String mitigation(FleetConfig c, String action, String alertId, String rule, String prefix, String match,
            long limitPps, long atMs) {
        ObjectNode a = JSON.createObjectNode();
        a.put("@timestamp", ts(atMs));
        ObjectNode ev = a.putObject("event");
        ev.put("kind", "event");
        ev.putArray("category").add("network");
        ev.putArray("type").add(action.startsWith("un") ? "end" : action.equals("block") ? "denied" : "info");
        ev.put("action", action);
        ev.put("id", alertId);
        ev.put("reason", "fleet " + rule);
        ev.put("dataset", "xdpstream.fleet_mitigation");
        ev.put("module", "xdpstream");
        a.putObject("rule").put("name", rule);
        ObjectNode o = a.putObject("observer");
        o.put("hostname", c.str("observer.hostname"));
        o.put("product", "xdpstream");
        o.put("type", "fleet");
        ObjectNode mit = a.putObject("xdpstream").putObject("mitigation");
        mit.put("prefix", prefix);
        mit.put("by", "fleet");
        mit.put("alert_id", alertId);
        if (!action.startsWith("un")) {
            mit.put("ttl_s", c.num("mitigation.ttl.s"));
            mit.put("match", match);
            if (action.equals("rate_limit"))
                mit.put("limit_pps", limitPps);
        }
        return a.toString();
    }

    /** The network-wide top talkers of one window (compacted topic, key "sources" or "destinations"). */
    static String top(FleetConfig c, String what, Merged m, long ws, long we) {
        ObjectNode a = JSON.createObjectNode();
        a.put("@timestamp", ts(we));
        a.putObject("observer").put("hostname", c.str("observer.hostname")).put("product", "xdpstream")
                .put("type", "fleet");
        ObjectNode x = a.putObject("xdpstream");
        x.put("what", what);
        x.putObject("window").put("start", ts(ws)).put("end", ts(we));
        x.put("unit", "packets");
        ArrayNode s = x.putArray("sensors");
        for (String n : m.sensors.keySet())
            s.add(n);
        ArrayNode t = x.putArray("top");
        List<Map.Entry<String, long[]>> r = m.ranked();
        for (int i = 0; i < Math.min((int) c.num("top.n"), r.size()); i++)
            t.addObject().put("ip", r.get(i).getKey()).put("count", r.get(i).getValue()[0])
                    .put("error", r.get(i).getValue()[1]);
        x.put("floor", m.topFloor);
        return a.toString();
    }
}
