// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet rules: pure functions of one key's merged window. Each one
 * fires on what only the sum over sensors shows (docs/fleet.md, "Rules").
 * A threshold of 0 turns its rule off.
 */
public final class Rules {
    private Rules() {}

    /** What a rule found in one window for one key. */
    public record Finding(String rule, String category, int severity, String description, double observed,
            String unit, double threshold, Double sensorThreshold, Map<String, Double> perSensor, String distinctName,
            Hll distinct, String transport) {}

    public static List<Finding> evaluate(String key, Merged m, FleetConfig c) {
        List<Finding> out = new ArrayList<>();
        double w = c.windowMs() / 1000.0;
        switch (m.kind) {
            case Part.VICTIM -> {
                Finding f = flood(m, c, w, Merged.SYN, "flood.syn_pps", "flood.sensor_syn_pps", 1, "SYN/s",
                        "syn_flood", "tcp");
                if (f != null)
                    out.add(f);
                f = flood(m, c, w, Merged.PACKETS, "flood.pps", "flood.sensor_pps", 1, "packets/s", "volumetric", null);
                if (f == null)
                    f = flood(m, c, w, Merged.BYTES, "flood.bps", "flood.sensor_bps", 8, "bits/s", "volumetric", null);
                if (f != null)
                    out.add(f);
            }
            case Part.PREFIX -> {
                long thr = c.num("carpet.pps");
                double pps = m.sum(Merged.PACKETS) / w;
                if (thr > 0 && pps >= thr && m.hll2 != null && m.hll2.count() >= c.num("carpet.min_victims")
                        && active(m, Merged.PACKETS) >= c.num("carpet.min_sensors"))
                    out.add(new Finding("carpet_bombing", "denial_of_service", 73,
                            "Flood spread over the addresses of one prefix, summed over the fleet's sensors", pps,
                            "packets/s", thr, null, perSensor(m, Merged.PACKETS, 1 / w), "sources", m.hll, null));
            }
            case Part.LOGIN -> {
                long thr = c.num("login.attempts");
                long n = m.sum(Merged.ATTEMPTS);
                if (thr > 0 && n >= thr && m.hll != null && m.hll.count() >= c.num("login.min_sources")
                        && active(m, Merged.ATTEMPTS) >= c.num("login.min_sensors"))
                    out.add(new Finding("distributed_brute_force", "credential_access", 47,
                            "Login attempts on one service from many sources, summed over the fleet's sensors", n,
                            "connections", thr, null, perSensor(m, Merged.ATTEMPTS, 1), "sources", m.hll, "tcp"));
            }
            case Part.SOURCE, Part.SOURCE_NET -> {
                long thr = c.num("source.login_attempts"), sthr = c.num("source.sensor_login_attempts");
                long n = m.sum(Merged.ATTEMPTS);
                int sensors = active(m, Merged.ATTEMPTS);
                if (thr > 0 && n >= thr && sensors >= c.num("source.min_sensors")
                        && (sthr == 0 || m.max(Merged.ATTEMPTS) < sthr))
                    out.add(new Finding("brute_force", "credential_access", 47,
                            "One source guessing logins at several sensors, each below its own threshold", n,
                            "connections", thr, sthr > 0 ? (double) sthr : null, perSensor(m, Merged.ATTEMPTS, 1),
                            null, null, "tcp"));
                long st = c.num("source.scan_targets");
                if (st > 0 && m.hll != null && m.hll.count() >= st && m.sensors.size() >= c.num("source.min_sensors"))
                    out.add(new Finding("scan", "reconnaissance", 47,
                            "One source probing targets behind several sensors", m.hll.count(), "targets", st, null,
                            perSensor(m, Merged.SYN, 1), "targets", m.hll, null));
            }
            default -> {}
        }
        return out;
    }

    private static Finding flood(Merged m, FleetConfig c, double w, int metric, String fleetKey, String sensorKey,
            int scale, String unit, String rule, String transport) {
        long thr = c.num(fleetKey), sthr = c.num(sensorKey);
        double rate = m.sum(metric) * (double) scale / w;
        if (thr == 0 || rate < thr || active(m, metric) < c.num("flood.min_sensors"))
            return null;
        if (sthr > 0 && m.max(metric) * (double) scale / w >= sthr)
            return null; // a sensor alone passes its own bar: it raised the alert itself
        String what = rule.equals("syn_flood") ? "SYN flood" : "Flood";
        return new Finding(rule, "denial_of_service", 73,
                what + " on one destination whose sum over the fleet's sensors passes the fleet threshold while no sensor's share does",
                rate, unit, thr, sthr > 0 ? (double) sthr : null, perSensor(m, metric, scale / w), "sources", m.hll,
                transport);
    }

    static int active(Merged m, int metric) {
        int n = 0;
        for (long[] v : m.sensors.values())
            if (v[metric] > 0)
                n++;
        return n;
    }

    static Map<String, Double> perSensor(Merged m, int metric, double scale) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : m.sensors.entrySet())
            if (e.getValue()[metric] > 0)
                out.put(e.getKey(), e.getValue()[metric] * scale);
        return out;
    }
}
