// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The app's settings: a Java properties file (config/fleet.properties has
 * every key with its default and what it means). Unknown keys are refused,
 * so a typo never silently leaves a default in force; `streams.X` is passed
 * to Kafka Streams as X.
 */
public final class FleetConfig {
    /** Every key with its default; "" means required. */
    static final Map<String, String> DEFAULTS = new LinkedHashMap<>();
    static {
        DEFAULTS.put("bootstrap.servers", "");
        DEFAULTS.put("application.id", "xdpstream-fleet");
        DEFAULTS.put("observer.hostname", "");
        DEFAULTS.put("topic.aggregates", "xdpstream.aggregates");
        DEFAULTS.put("topic.alerts", "xdpstream.alerts");
        DEFAULTS.put("topic.top", "xdpstream.fleet.top");
        DEFAULTS.put("topic.mitigations", "xdpstream.fleet.mitigations");
        DEFAULTS.put("window.ms", "10000");
        DEFAULTS.put("grace.ms", "30000");
        DEFAULTS.put("hll.key_id", "");
        DEFAULTS.put("flood.syn_pps", "2000");
        DEFAULTS.put("flood.sensor_syn_pps", "1000");
        DEFAULTS.put("flood.pps", "200000");
        DEFAULTS.put("flood.sensor_pps", "100000");
        DEFAULTS.put("flood.bps", "2000000000");
        DEFAULTS.put("flood.sensor_bps", "1000000000");
        DEFAULTS.put("flood.min_sensors", "2");
        DEFAULTS.put("carpet.pps", "100000");
        DEFAULTS.put("carpet.min_victims", "16");
        DEFAULTS.put("carpet.min_sensors", "1");
        DEFAULTS.put("login.attempts", "200");
        DEFAULTS.put("login.min_sources", "20");
        DEFAULTS.put("login.min_sensors", "2");
        DEFAULTS.put("source.login_attempts", "20");
        DEFAULTS.put("source.sensor_login_attempts", "20");
        DEFAULTS.put("source.scan_targets", "100");
        DEFAULTS.put("source.min_sensors", "2");
        DEFAULTS.put("silent.after.ms", "30000");
        DEFAULTS.put("silent.check.ms", "5000");
        DEFAULTS.put("alert.end_after_windows", "1");
        DEFAULTS.put("top.n", "20");
        DEFAULTS.put("mitigation.enabled", "false");
        DEFAULTS.put("mitigation.ttl.s", "600");
    }

    private final Map<String, String> v = new LinkedHashMap<>();
    private final Properties streams = new Properties();

    public static final class BadConfig extends Exception {
        private static final long serialVersionUID = 1L;

        BadConfig(String m) {
            super(m);
        }
    }

    public FleetConfig(Properties p) throws BadConfig {
        v.putAll(DEFAULTS);
        for (String k : p.stringPropertyNames()) {
            String val = p.getProperty(k).trim();
            if (k.startsWith("streams."))
                streams.setProperty(k.substring("streams.".length()), val);
            else if (!DEFAULTS.containsKey(k))
                throw new BadConfig("unknown setting " + k + " (see config/fleet.properties)");
            else
                v.put(k, val);
        }
        for (String k : new String[] {"bootstrap.servers", "hll.key_id"})
            if (v.get(k).isEmpty())
                throw new BadConfig(k + " is required");
        if (!v.get("hll.key_id").matches("[0-9a-f]{16}"))
            throw new BadConfig("hll.key_id must be 16 lowercase hex digits (xdpstream-fleet key-id KEY prints it)");
        if (v.get("observer.hostname").isEmpty())
            v.put("observer.hostname", v.get("application.id"));
        for (String k : DEFAULTS.keySet()) {
            try {
                if (DEFAULTS.get(k).matches("[0-9]+"))
                    num(k);
            } catch (IllegalArgumentException e) {
                throw new BadConfig(e.getMessage());
            }
        }
        if (num("window.ms") < 100)
            throw new BadConfig("window.ms must be at least 100");
        if (num("silent.check.ms") < 100)
            throw new BadConfig("silent.check.ms must be at least 100");
        if (num("top.n") < 1 || num("top.n") > Merged.TOP_KEEP)
            throw new BadConfig("top.n must be 1.." + Merged.TOP_KEEP);
        if (num("alert.end_after_windows") < 1)
            throw new BadConfig("alert.end_after_windows must be at least 1");
        String m = v.get("mitigation.enabled");
        if (!m.equals("true") && !m.equals("false"))
            throw new BadConfig("mitigation.enabled must be true or false");
    }

    public static FleetConfig load(Path file) throws BadConfig {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new BadConfig("cannot read " + file + ": " + e.getMessage());
        }
        return new FleetConfig(p);
    }

    public String str(String k) {
        if (!v.containsKey(k))
            throw new IllegalArgumentException("no setting " + k);
        return v.get(k);
    }

    public long num(String k) {
        String s = str(k);
        try {
            long n = Long.parseLong(s);
            if (n < 0)
                throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(k + " must be a non-negative integer, not \"" + s + "\"");
        }
    }

    public boolean mitigation() {
        return str("mitigation.enabled").equals("true");
    }

    public long windowMs() {
        return num("window.ms");
    }

    public long graceMs() {
        return num("grace.ms");
    }

    /** Settings for Kafka Streams: exactly-once v2 unless the file says otherwise. */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.setProperty("application.id", str("application.id"));
        p.setProperty("bootstrap.servers", str("bootstrap.servers"));
        p.setProperty("processing.guarantee", "exactly_once_v2");
        p.putAll(streams);
        return p;
    }
}
