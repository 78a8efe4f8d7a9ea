// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every rule just under and just over its threshold, dedup, lateness, silence, HLL keys. */
class TopologyTest {
    static final ObjectMapper M = new ObjectMapper();
    static final SipHash KEY = SipHash.ofHex("000102030405060708090a0b0c0d0e0f");
    static final long T0 = 1_800_000_000_000L; // a window boundary (multiple of 10 s)
    static final String VICTIM = "198.51.100.7";

    TopologyTestDriver driver;
    TestInputTopic<String, String> in;
    TestOutputTopic<String, String> alerts, top, mitigations;
    Stats stats = new Stats();
    final List<JsonNode> seen = new ArrayList<>();

    void start(String... overrides) throws Exception {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", "unused:9092");
        p.setProperty("hll.key_id", KEY.keyId());
        p.setProperty("window.ms", "10000");
        p.setProperty("grace.ms", "30000");
        p.setProperty("flood.syn_pps", "10000");
        p.setProperty("flood.sensor_syn_pps", "5000");
        p.setProperty("flood.pps", "0");
        p.setProperty("flood.bps", "0");
        p.setProperty("carpet.pps", "1000");
        p.setProperty("carpet.min_victims", "16");
        p.setProperty("login.attempts", "100");
        p.setProperty("login.min_sources", "20");
        p.setProperty("source.login_attempts", "20");
        p.setProperty("source.sensor_login_attempts", "20");
        p.setProperty("source.scan_targets", "100");
        p.setProperty("silent.after.ms", "30000");
        p.setProperty("silent.check.ms", "1000");
        p.setProperty("mitigation.enabled", "true");
        for (int i = 0; i < overrides.length; i += 2)
            p.setProperty(overrides[i], overrides[i + 1]);
        FleetConfig cfg = new FleetConfig(p);
        Properties sp = cfg.streamsProperties();
        sp.setProperty("processing.guarantee", "at_least_once"); // the test driver has no transactions
        driver = new TopologyTestDriver(FleetTopology.build(cfg, stats), sp, Instant.ofEpochMilli(T0));
        in = driver.createInputTopic("xdpstream.aggregates", new StringSerializer(), new StringSerializer());
        alerts = driver.createOutputTopic("xdpstream.alerts", new StringDeserializer(), new StringDeserializer());
        top = driver.createOutputTopic("xdpstream.fleet.top", new StringDeserializer(), new StringDeserializer());
        mitigations = driver.createOutputTopic("xdpstream.fleet.mitigations", new StringDeserializer(),
                new StringDeserializer());
    }

    @AfterEach
    void close() throws Exception {
        if (driver != null)
            driver.close();
        SchemaTest.validateAlerts(seen);
    }

    /** Sends tick t (1 s long from T0 + t s) of every sensor, flows from gen(sensor, t). */
    void ticks(int sensors, int from, int to, BiFunction<Integer, Integer, List<TickBuilder.Flow>> gen) {
        for (int t = from; t < to; t++)
            for (int s = 1; s <= sensors; s++)
                send(s, t, gen.apply(s, t), KEY);
    }

    String send(int s, int t, List<TickBuilder.Flow> flows, SipHash key) {
        long startUs = (T0 + t * 1000L) * 1000;
        String json = new TickBuilder(key).build("s" + s, "h" + s, startUs, startUs, 1_000_000, flows);
        in.pipeInput("s" + s, json, T0 + t * 1000L);
        return json;
    }

    List<JsonNode> alerts() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String v : alerts.readValuesToList()) {
            JsonNode n = M.readTree(v);
            out.add(n);
            seen.add(n);
        }
        return out;
    }

    static List<JsonNode> rule(List<JsonNode> as, String name) {
        return as.stream().filter(a -> a.at("/rule/name").asText().equals(name)).collect(Collectors.toList());
    }

    static byte[] ip(String s) {
        return Addr.parse(s);
    }

    /** SYNs from `sources` distinct botnet members, spread evenly. */
    static List<TickBuilder.Flow> synFlood(long syns, int sources, int offset) {
        List<TickBuilder.Flow> f = new ArrayList<>();
        for (int i = 0; i < sources; i++) {
            long n = syns / sources + (i < syns % sources ? 1 : 0);
            if (n > 0)
                f.add(new TickBuilder.Flow(Simulator.botnetAddr(offset + i), ip(VICTIM), 443, 6, n, 60 * n, n));
        }
        return f;
    }

    /** Ten ticks of flood (window 0), then one quiet tick so that window 0 closes. */
    List<JsonNode> floodWindow(int sensors, long synPerSensorPerTick) throws Exception {
        ticks(sensors, 0, 10, (s, t) -> synFlood(synPerSensorPerTick, 100, s * 1000 + t * 100));
        ticks(sensors, 10, 11, (s, t) -> List.of());
        return alerts();
    }

    @Test
    void synFloodJustOverTheFleetThreshold() throws Exception {
        start();
        // 3 sensors x 3334 SYN/s = 10002 >= 10000, each under its own 5000.
        List<JsonNode> a = rule(floodWindow(3, 3334), "syn_flood");
        assertEquals(1, a.size(), a.toString() + stats.summary());
        JsonNode x = a.get(0);
        assertEquals("start", x.at("/event/action").asText());
        assertEquals("fleet", x.at("/observer/type").asText());
        assertEquals(VICTIM, x.at("/destination/ip").asText());
        assertEquals(10002.0, x.at("/xdpstream/observed/value").asDouble());
        assertEquals("SYN/s", x.at("/xdpstream/observed/unit").asText());
        assertEquals(100020, x.at("/xdpstream/fleet/merged/syn").asLong());
        assertEquals("[\"s1\",\"s2\",\"s3\"]", x.at("/xdpstream/fleet/sensors").toString());
        assertEquals(3334.0, x.at("/xdpstream/fleet/per_sensor/0/value").asDouble());
        assertEquals(T0, Instant.parse(x.at("/xdpstream/fleet/window/start").asText()).toEpochMilli());
        // 3 sensors x 10 ticks x 100 distinct sources, all different: 3000.
        long est = x.at("/xdpstream/fleet/distinct_sources/estimate").asLong();
        assertTrue(Math.abs(est - 3000) <= 90, "estimate " + est);
        // Top sources: every source sent 34 (or 33) SYNs in one tick only. Each of the other 29
        // ticks did not list it and had a floor of 34: the bound is 34 + 29 x 34 with error 986.
        assertEquals(1020, x.at("/xdpstream/top_sources/0/count").asLong());
        assertEquals(986, x.at("/xdpstream/top_sources/0/error").asLong());
        assertEquals(1, rule(readMitigations(), "syn_flood").size());
    }

    List<JsonNode> readMitigations() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String v : mitigations.readValuesToList())
            out.add(M.readTree(v));
        SchemaTest.validate("fleet_mitigation.schema.json", out);
        return out;
    }

    @Test
    void synFloodJustUnderTheFleetThreshold() throws Exception {
        start();
        assertEquals(0, rule(floodWindow(3, 3333), "syn_flood").size()); // 9999 SYN/s
    }

    @Test
    void noFleetAlertWhenOneSensorPassesItsOwnBar() throws Exception {
        start();
        ticks(2, 0, 10, (s, t) -> synFlood(s == 1 ? 5000 : 6000, 50, s * 1000));
        ticks(2, 10, 11, (s, t) -> List.of());
        assertEquals(0, rule(alerts(), "syn_flood").size()); // 11000 SYN/s, but s2 alone 6000 >= 5000
    }

    @Test
    void resentTicksCountOnce() throws Exception {
        start();
        ticks(3, 0, 10, (s, t) -> synFlood(3334, 100, s * 1000 + t * 100));
        // sensor 2 re-sends its last 5 ticks, byte for byte, as a spool does
        for (int t = 5; t < 10; t++)
            send(2, t, synFlood(3334, 100, 2 * 1000 + t * 100), KEY);
        ticks(3, 10, 11, (s, t) -> List.of());
        List<JsonNode> a = rule(alerts(), "syn_flood");
        assertEquals(1, a.size());
        assertEquals(100020, a.get(0).at("/xdpstream/fleet/merged/syn").asLong());
        assertEquals(5, stats.duplicates.get());
    }

    @Test
    void lateTickWithinGraceCountsAfterGraceIsDropped() throws Exception {
        start("flood.syn_pps", "9998");
        // s3's tick 9 is held back (a spool); s1, s2 go on to tick 19.
        ticks(3, 0, 9, (s, t) -> synFlood(3334, 100, s * 1000 + t * 100));
        for (int t = 9; t < 20; t++)
            for (int s = 1; s <= 2; s++)
                send(s, t, t < 10 ? synFlood(3334, 100, s * 1000 + t * 100) : List.of(), KEY);
        assertEquals(0, alerts().size(), "window 0 stays open while s3 is within grace");
        send(3, 9, synFlood(3334, 100, 3 * 1000 + 9 * 100), KEY);
        send(3, 10, List.of(), KEY);
        List<JsonNode> a = rule(alerts(), "syn_flood");
        assertEquals(1, a.size());
        assertEquals(100020, a.get(0).at("/xdpstream/fleet/merged/syn").asLong());

        // Window 2 (ticks 20..29): s3 falls more than 30 s behind, its tick 20 comes too late.
        for (int t = 20; t < 62; t++)
            for (int s = 1; s <= 2; s++)
                send(s, t, t < 30 ? synFlood(4999, 100, s * 1000) : List.of(), KEY);
        assertEquals(0, stats.late.get());
        send(3, 20, synFlood(3334, 100, 3000), KEY);
        // Every part of s3's tick 20 is late: victim, prefix, 100 sources, their two /24s
        // (100.64.11.184 to 100.64.12.27), talkers and destinations: 106.
        assertEquals(106, stats.late.get());
        List<JsonNode> b = rule(alerts(), "syn_flood");
        // window 2 closed without s3: 2 x 4999 SYN/s from two sensors
        JsonNode w2 = b.stream().filter(x -> x.at("/event/action").asText().equals("start")).findFirst()
                .orElseThrow(() -> new AssertionError("no start in " + b));
        assertEquals(99980, w2.at("/xdpstream/fleet/merged/syn").asLong());
        assertEquals("[\"s1\",\"s2\"]", w2.at("/xdpstream/fleet/sensors").toString());
    }

    @Test
    void mergedDistinctSourcesWithinThreePercentOfTheUnion() throws Exception {
        start();
        // 3 sensors, overlapping botnet shares: s sees members [s*4000, s*4000 + 12000) over the window.
        Set<Integer> union = new HashSet<>();
        for (int s = 1; s <= 3; s++)
            for (int i = 0; i < 12000; i++)
                union.add(s * 4000 + i);
        ticks(3, 0, 10, (s, t) -> synFlood(3600, 1200, s * 4000 + t * 1200));
        ticks(3, 10, 11, (s, t) -> List.of());
        List<JsonNode> a = rule(alerts(), "syn_flood");
        assertEquals(1, a.size());
        long est = a.get(0).at("/xdpstream/fleet/distinct_sources/estimate").asLong();
        assertEquals(20000, union.size());
        assertTrue(Math.abs(est - union.size()) < 0.03 * union.size(), "estimate " + est + " vs " + union.size());
    }

    @Test
    void mismatchedHllKeyIsNotMerged() throws Exception {
        start();
        SipHash other = SipHash.ofHex("ffeeddccbbaa99887766554433221100");
        for (int t = 0; t < 11; t++)
            for (int s = 1; s <= 3; s++)
                send(s, t, t < 10 ? synFlood(3334, 100, s * 1000 + t * 100) : List.of(), s == 3 ? other : KEY);
        List<JsonNode> a = rule(alerts(), "syn_flood");
        assertEquals(1, a.size(), "counts still merge");
        JsonNode d = a.get(0).at("/xdpstream/fleet/distinct_sources");
        assertEquals("[\"s3\"]", d.get("excluded_sensors").toString());
        long est = d.get("estimate").asLong();
        assertTrue(Math.abs(est - 2000) <= 60, "only s1 and s2's 2000 sources: " + est);
        assertTrue(a.get(0).at("/xdpstream/evidence_incomplete").asBoolean());
        assertEquals(11, stats.keyMismatch.get(), "s3's 11 ticks");
    }

    @Test
    void carpetBombingOverAndUnder() throws Exception {
        for (int victims : new int[] {16, 15}) {
            start();
            // 2 sensors, each 50 pps to each victim of 198.51.100.0/24: 16 x 100 = 1600 >= 1000
            ticks(2, 0, 10, (s, t) -> {
                List<TickBuilder.Flow> f = new ArrayList<>();
                for (int v = 0; v < victims; v++)
                    f.add(new TickBuilder.Flow(Simulator.botnetAddr(s * 100 + v), ip("198.51.100." + (10 + v)), 80,
                            17, 50, 50 * 512, 0));
                return f;
            });
            ticks(2, 10, 11, (s, t) -> List.of());
            List<JsonNode> a = rule(alerts(), "carpet_bombing");
            assertEquals(victims >= 16 ? 1 : 0, a.size(), victims + " victims");
            if (!a.isEmpty()) {
                assertEquals("198.51.100.0/24", a.get(0).at("/xdpstream/fleet/destination_prefix").asText());
                assertEquals(victims, a.get(0).at("/xdpstream/fleet/distinct_victims/estimate").asLong());
                assertEquals(victims * 100.0, a.get(0).at("/xdpstream/observed/value").asDouble());
            }
            driver.close();
            driver = null;
        }
    }

    /** n sources, each one login attempt per tick on 198.51.100.20:22, at sensors 1 and 2. */
    @Test
    void distributedBruteForceOverAndUnder() throws Exception {
        for (int[] c : new int[][] {{20, 5, 1}, {20, 4, 0}, {19, 6, 0}}) { // sources, ticks, alerts
            start();
            int sources = c[0], ticks = c[1];
            ticks(2, 0, 10, (s, t) -> {
                List<TickBuilder.Flow> f = new ArrayList<>();
                if (t < ticks)
                    for (int i = s - 1; i < sources; i += 2)
                        f.add(new TickBuilder.Flow(Simulator.botnetAddr(500 + i), ip("198.51.100.20"), 22, 6, 1, 60, 1));
                return f;
            });
            ticks(2, 10, 11, (s, t) -> List.of());
            List<JsonNode> a = rule(alerts(), "distributed_brute_force");
            // attempts = sources x ticks: 100 (fires), 80 (under 100), 114 with 19 sources (under 20)
            assertEquals(c[2], a.size(), sources + " sources, " + ticks + " ticks");
            if (!a.isEmpty()) {
                assertEquals(100.0, a.get(0).at("/xdpstream/observed/value").asDouble());
                assertEquals(22, a.get(0).at("/destination/port").asInt());
                assertEquals(20, a.get(0).at("/xdpstream/fleet/distinct_sources/estimate").asLong());
            }
            driver.close();
            driver = null;
        }
    }

    /** One source guessing at 2 sensors: per-sensor attempts a1, a2 (bar 20 each, fleet 20). */
    @Test
    void sourceBruteForceAcrossSensors() throws Exception {
        for (int[] c : new int[][] {{10, 10, 1}, {10, 9, 0}, {20, 1, 0}}) {
            start();
            ticks(2, 0, 10, (s, t) -> t == 0
                    ? List.of(new TickBuilder.Flow(ip("203.0.113.66"), ip("198.51.100." + (30 + s)), 22, 6,
                            c[s - 1], 60L * c[s - 1], c[s - 1]))
                    : List.of());
            ticks(2, 10, 11, (s, t) -> List.of());
            List<JsonNode> a = rule(alerts(), "brute_force");
            assertEquals(c[2], a.stream().filter(x -> x.at("/source/ip").asText().equals("203.0.113.66")).count(),
                    c[0] + "+" + c[1]);
            // the /24 is evaluated as well: same counts, same verdict
            assertEquals(c[2], a.stream().filter(x -> x.at("/xdpstream/fleet/source_prefix").asText()
                    .equals("203.0.113.0/24")).count());
            driver.close();
            driver = null;
        }
    }

    /** One source probing n distinct ports at each of 2 sensors: fleet bar 100 targets. */
    @Test
    void scanAcrossSensors() throws Exception {
        for (int[] c : new int[][] {{60, 1}, {45, 0}}) {
            start();
            ticks(2, 0, 10, (s, t) -> {
                List<TickBuilder.Flow> f = new ArrayList<>();
                if (t == 0)
                    for (int port = 1; port <= c[0]; port++)
                        f.add(new TickBuilder.Flow(ip("203.0.113.99"), ip("198.51.100." + (40 + s)), 1000 + port, 6,
                                1, 60, 1));
                return f;
            });
            ticks(2, 10, 11, (s, t) -> List.of());
            List<JsonNode> a = rule(alerts(), "scan").stream()
                    .filter(x -> x.at("/source/ip").asText().equals("203.0.113.99")).collect(Collectors.toList());
            assertEquals(c[1], a.size(), c[0] + " ports per sensor");
            if (!a.isEmpty())
                assertEquals(2.0 * c[0], a.get(0).at("/xdpstream/observed/value").asDouble(), 3);
            driver.close();
            driver = null;
        }
    }

    @Test
    void alertLifecycleStartUpdateEnd() throws Exception {
        start();
        ticks(3, 0, 20, (s, t) -> synFlood(3334, 100, s * 1000)); // windows 0 and 1
        ticks(3, 20, 41, (s, t) -> List.of()); // window 2 quiet, window 3 closes it
        List<JsonNode> a = rule(alerts(), "syn_flood");
        assertEquals(List.of("start", "update", "end"),
                a.stream().map(x -> x.at("/event/action").asText()).collect(Collectors.toList()));
        assertEquals(1, a.stream().map(x -> x.at("/event/id").asText()).distinct().count());
        assertEquals(Alerts.ts(T0 + 20000), a.get(2).at("/event/end").asText());
        assertEquals(20_000_000_000L, a.get(2).at("/event/duration").asLong());
        List<JsonNode> m = readMitigations();
        assertEquals(List.of("rate_limit", "unlimit"),
                m.stream().map(x -> x.at("/event/action").asText()).collect(Collectors.toList()));
        assertEquals(VICTIM + "/32", m.get(0).at("/xdpstream/mitigation/prefix").asText());
    }

    @Test
    void silentSensorStartsAndEnds() throws Exception {
        start();
        ticks(3, 0, 5, (s, t) -> List.of());
        driver.advanceWallClockTime(Duration.ofSeconds(20));
        for (int t = 5; t < 30; t++)
            for (int s = 1; s <= 2; s++)
                send(s, t, List.of(), KEY);
        driver.advanceWallClockTime(Duration.ofSeconds(11)); // s3: 31 s without a tick
        List<JsonNode> a = rule(alerts(), "sensor_silent");
        assertEquals(1, a.size(), a.toString());
        assertEquals("start", a.get(0).at("/event/action").asText());
        assertEquals("[\"s3\"]", a.get(0).at("/xdpstream/fleet/sensors").toString());
        driver.advanceWallClockTime(Duration.ofSeconds(10));
        assertEquals(0, rule(alerts(), "sensor_silent").size(), "one start, no repeats");
        send(3, 30, List.of(), KEY);
        List<JsonNode> b = rule(alerts(), "sensor_silent");
        assertEquals(1, b.size());
        assertEquals("end", b.get(0).at("/event/action").asText());
        assertEquals(a.get(0).at("/event/id"), b.get(0).at("/event/id"));
    }

    @Test
    void topTalkersPerWindow() throws Exception {
        start();
        floodWindow(3, 3334);
        Map<String, String> latest = top.readKeyValuesToMap();
        JsonNode d = M.readTree(latest.get("destinations"));
        assertEquals(VICTIM, d.at("/xdpstream/top/0/ip").asText());
        assertEquals(100020, d.at("/xdpstream/top/0/count").asLong());
        JsonNode s = M.readTree(latest.get("sources"));
        assertNotNull(s.at("/xdpstream/top/0/ip").asText());
        assertFalse(s.at("/xdpstream/top").isEmpty());
    }

    @Test
    void badMessagesAreRefusedAndCounted() throws Exception {
        start();
        in.pipeInput("s1", "{not json", T0);
        in.pipeInput("s1", "{\"xdpstream\":{\"schema_version\":1},\"observer\":{\"name\":\"s1\"}}", T0);
        long startUs = T0 * 1000;
        String good = new TickBuilder(KEY).build("s1", "h", startUs, startUs, 1_000_000, List.of());
        in.pipeInput("s2", good, T0); // key is not observer.name
        in.pipeInput("s1", good.replace("\"length_us\":1000000", "\"length_us\":0"), T0);
        assertEquals(3, stats.bad.get());
        assertEquals(1, stats.v1.get());
        assertEquals(0, stats.ticks.get());
    }
}
