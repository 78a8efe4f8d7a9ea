// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The test producer: N sensors sending the v2 aggregates a sensor would send
 * for a SYN flood from a botnet, spread over them, plus a little background.
 * Until the C sensors send v2 it stands in for them in the end-to-end test
 * and the demo. Writes the exact truth per window (sums, union of sources)
 * for the test to compare the fleet's alerts with.
 */
final class Simulator {
    static final String HELP = """
            usage: xdpstream-fleet simulate [options]
              --bootstrap HOST:PORT   produce to Kafka (else --out FILE: one "key<TAB>json" line per message)
              --topic T               aggregates topic (xdpstream.aggregates)
              --sensors N             sensors sim-1..sim-N (3)
              --tick-ms MS            tick length (500); ticks start on multiples of it
              --ticks N               ticks per sensor (20)
              --start-ms MS           first tick's start (default: the next tick boundary from now)
              --realtime              send each tick when its end has passed, as a sensor does
              --victim IP             flood victim (198.51.100.7)
              --syn-pps R             SYN/s each sensor sees towards the victim (4000)
              --flood-ticks A:B       ticks of the flood (all)
              --botnet N              distinct flood sources, 100.64.0.0 onwards (30000)
              --per-tick N            sources each sensor sees per tick (1000)
              --key HEX               fleet HLL key, 32 hex digits (none: no registers)
              --wrong-key I           sensor I hashes with another key (HLL key id mismatch)
              --resend I:K:T          sensor I re-sends its last K ticks after its tick T (a spool)
              --stop I:T              sensor I sends nothing after its tick T (silent sensor)
              --window-ms MS          window of the truth file (10000)
              --truth FILE            exact per-window sums and source unions (JSON)
              --seed N                (1)
            """;

    private Simulator() {}

    static int main(String[] args) {
        Map<String, String> o = new HashMap<>();
        Set<String> flags = Set.of("--realtime");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help")) {
                System.out.print(HELP);
                return 0;
            }
            if (flags.contains(args[i]))
                o.put(args[i], "1");
            else if (args[i].startsWith("--") && i + 1 < args.length && HELP.contains(args[i] + " "))
                o.put(args[i], args[++i]);
            else {
                System.err.println("xdpstream-fleet simulate: bad argument " + args[i] + " (--help)");
                return 2;
            }
        }
        try {
            return run(o);
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("xdpstream-fleet simulate: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            return 1;
        }
    }

    static int intOpt(Map<String, String> o, String k, int d) {
        return o.containsKey(k) ? Integer.parseInt(o.get(k)) : d;
    }

    static int run(Map<String, String> o) throws IOException, InterruptedException {
        int sensors = intOpt(o, "--sensors", 3), tickMs = intOpt(o, "--tick-ms", 500), ticks = intOpt(o, "--ticks", 20);
        int synPps = intOpt(o, "--syn-pps", 4000), botnet = intOpt(o, "--botnet", 30000);
        int perTick = intOpt(o, "--per-tick", 1000), windowMs = intOpt(o, "--window-ms", 10000);
        long seed = Long.parseLong(o.getOrDefault("--seed", "1"));
        int wrongKey = intOpt(o, "--wrong-key", 0);
        String[] fl = o.getOrDefault("--flood-ticks", "0:" + ticks).split(":");
        int floodFrom = Integer.parseInt(fl[0]), floodTo = Integer.parseInt(fl[1]);
        int[] resend = o.containsKey("--resend") ? split3(o.get("--resend")) : null;
        int[] stop = o.containsKey("--stop") ? split3(o.get("--stop") + ":0") : null;
        byte[] victim = Addr.parse(o.getOrDefault("--victim", "198.51.100.7"));
        long start = o.containsKey("--start-ms") ? Long.parseLong(o.get("--start-ms"))
                : (System.currentTimeMillis() / tickMs + 1) * tickMs;
        SipHash key = o.containsKey("--key") ? SipHash.ofHex(o.get("--key")) : null;
        SipHash other = SipHash.ofHex("ffeeddccbbaa99887766554433221100");

        KafkaProducer<String, String> producer = null;
        PrintWriter out = null;
        if (o.containsKey("--bootstrap")) {
            Properties p = new Properties();
            p.put("bootstrap.servers", o.get("--bootstrap"));
            p.put("enable.idempotence", "true");
            p.put("acks", "all");
            p.put("linger.ms", "5");
            producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        } else if (o.containsKey("--out")) {
            out = new PrintWriter(Files.newBufferedWriter(Path.of(o.get("--out"))));
        } else {
            throw new IllegalArgumentException("--bootstrap or --out is needed");
        }
        String topic = o.getOrDefault("--topic", "xdpstream.aggregates");

        TreeMap<Long, long[]> synPerWindow = new TreeMap<>(); // window -> per-sensor SYN
        TreeMap<Long, Set<Integer>> unionPerWindow = new TreeMap<>();
        List<List<String[]>> sent = new ArrayList<>();
        for (int s = 0; s < sensors; s++)
            sent.add(new ArrayList<>());
        int messages = 0;
        for (int t = 0; t < ticks; t++) {
            long tStart = start + (long) t * tickMs, tEnd = tStart + tickMs;
            if (o.containsKey("--realtime")) {
                long wait = tEnd - System.currentTimeMillis();
                if (wait > 0)
                    Thread.sleep(wait);
            }
            for (int s = 1; s <= sensors; s++) {
                if (stop != null && stop[0] == s && t > stop[1])
                    continue;
                SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + s * 10_007L + t);
                List<TickBuilder.Flow> flows = new ArrayList<>();
                long ws = Math.floorDiv(tStart, windowMs) * windowMs;
                if (t >= floodFrom && t < floodTo) {
                    long syns = (long) synPps * tickMs / 1000;
                    Set<Integer> picked = new HashSet<>();
                    while (picked.size() < Math.min(perTick, botnet))
                        picked.add(rnd.nextInt(botnet));
                    List<Integer> ps = new ArrayList<>(picked);
                    ps.sort(null);
                    for (int i = 0; i < ps.size(); i++) {
                        long n = syns / ps.size() + (i < syns % ps.size() ? 1 : 0);
                        if (n == 0)
                            continue;
                        flows.add(new TickBuilder.Flow(botnetAddr(ps.get(i)), victim, 443, 6, n, n * 60, n));
                        unionPerWindow.computeIfAbsent(ws, x -> new HashSet<>()).add(ps.get(i));
                    }
                    synPerWindow.computeIfAbsent(ws, x -> new long[sensors])[s - 1] += syns;
                }
                // Background: a few clients of a few servers behind this sensor.
                for (int i = 0; i < 20; i++) {
                    byte[] src = Addr.parse("192.0.2." + (1 + rnd.nextInt(200)));
                    byte[] dst = Addr.parse("203.0.113." + (s * 10 + i % 5));
                    long n = 1 + rnd.nextInt(50);
                    flows.add(new TickBuilder.Flow(src, dst, 443, 6, n, n * 800, 1));
                }
                TickBuilder b = s == wrongKey ? new TickBuilder(other) : new TickBuilder(key);
                String name = "sim-" + s;
                String json = b.build(name, name + ".example", tStart * 1000, tStart * 1000, tickMs * 1000L, flows);
                send(producer, out, topic, name, json, tStart);
                messages++;
                sent.get(s - 1).add(new String[] {json, Long.toString(tStart)});
                if (resend != null && resend[0] == s && resend[2] == t) {
                    List<String[]> mine = sent.get(s - 1);
                    for (String[] r : mine.subList(Math.max(0, mine.size() - resend[1]), mine.size())) {
                        send(producer, out, topic, name, r[0], Long.parseLong(r[1]));
                        messages++;
                    }
                }
            }
            if (producer != null)
                producer.flush();
        }
        if (producer != null)
            producer.close();
        if (out != null)
            out.close();
        if (o.containsKey("--truth"))
            truth(Path.of(o.get("--truth")), o, start, tickMs, ticks, windowMs, synPerWindow, unionPerWindow);
        System.err.println("xdpstream-fleet simulate: " + messages + " messages from " + sensors + " sensors");
        return 0;
    }

    static byte[] botnetAddr(int i) {
        return Addr.parse("100." + (64 + (i >> 16)) + "." + ((i >> 8) & 255) + "." + (i & 255));
    }

    private static void send(KafkaProducer<String, String> p, PrintWriter out, String topic, String key, String json,
            long tsMs) {
        if (p != null)
            p.send(new ProducerRecord<>(topic, null, tsMs, key, json));
        else
            out.println(key + "\t" + json);
    }

    private static int[] split3(String s) {
        String[] a = s.split(":");
        if (a.length != 3)
            throw new IllegalArgumentException("expected I:K:T, got " + s);
        return new int[] {Integer.parseInt(a[0]), Integer.parseInt(a[1]), Integer.parseInt(a[2])};
    }

    private static void truth(Path file, Map<String, String> o, long start, int tickMs, int ticks, int windowMs,
            TreeMap<Long, long[]> syn, TreeMap<Long, Set<Integer>> union) throws IOException {
        ObjectNode root = TickBuilder.JSON.createObjectNode();
        root.put("start_ms", start).put("end_ms", start + (long) ticks * tickMs).put("window_ms", windowMs)
                .put("victim", Addr.canonical(o.getOrDefault("--victim", "198.51.100.7")));
        ArrayNode ws = root.putArray("windows");
        for (Map.Entry<Long, long[]> e : syn.entrySet()) {
            ObjectNode w = ws.addObject();
            w.put("start_ms", e.getKey());
            long sum = 0;
            ArrayNode per = w.putArray("syn_per_sensor");
            for (long v : e.getValue()) {
                per.add(v);
                sum += v;
            }
            w.put("syn", sum);
            w.put("distinct_sources", union.getOrDefault(e.getKey(), Set.of()).size());
            w.put("full", e.getKey() >= start && e.getKey() + windowMs <= start + (long) ticks * tickMs);
        }
        Files.writeString(file, root.toPrettyString() + "\n");
    }
}
