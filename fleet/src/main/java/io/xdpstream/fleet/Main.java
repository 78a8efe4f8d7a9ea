// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** xdpstream-fleet run CONFIG | key-id KEY | simulate ... (docs/fleet.md). */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger("xdpstream-fleet");

    static final String USAGE = """
            usage: xdpstream-fleet run CONFIG.properties   run the fleet application
                   xdpstream-fleet key-id KEY              print the key id of a fleet HLL key (32 hex digits)
                   xdpstream-fleet simulate OPTIONS        produce v2 aggregates like N sensors (tests, demo; --help)
            """;

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.print(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "run" -> System.exit(run(rest));
            case "key-id" -> {
                if (rest.length != 1)
                    die("key-id needs one argument: the 32 hex digits of the fleet HLL key", 2);
                try {
                    System.out.println(SipHash.ofHex(rest[0]).keyId());
                } catch (IllegalArgumentException e) {
                    die(e.getMessage(), 2);
                }
            }
            case "simulate" -> System.exit(Simulator.main(rest));
            default -> die("unknown command " + args[0] + "\n" + USAGE, 2);
        }
    }

    static void die(String msg, int code) {
        System.err.println("xdpstream-fleet: " + msg);
        System.exit(code);
    }

    /** The top talkers' topic must be compacted: create it so, and the others, if missing. */
    static void ensureTopics(FleetConfig cfg) throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", cfg.str("bootstrap.servers"));
        for (String k : cfg.streamsProperties().stringPropertyNames())
            if (k.startsWith("admin.") || k.startsWith("security.") || k.startsWith("sasl.") || k.startsWith("ssl."))
                p.put(k.startsWith("admin.") ? k.substring(6) : k, cfg.streamsProperties().getProperty(k));
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(p)) {
            java.util.Set<String> have = admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS);
            java.util.List<org.apache.kafka.clients.admin.NewTopic> want = new java.util.ArrayList<>();
            for (String role : new String[] {Out.ALERTS, Out.TOP, Out.MITIGATIONS}) {
                String t = cfg.str("topic." + role);
                if (have.contains(t))
                    continue;
                org.apache.kafka.clients.admin.NewTopic nt = new org.apache.kafka.clients.admin.NewTopic(t,
                        java.util.Optional.empty(), java.util.Optional.empty());
                if (role.equals(Out.TOP))
                    nt.configs(java.util.Map.of("cleanup.policy", "compact"));
                want.add(nt);
            }
            if (!want.isEmpty()) {
                try {
                    admin.createTopics(want).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException))
                        throw e;
                }
            }
        }
    }

    static int run(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.print(USAGE);
            return 2;
        }
        FleetConfig cfg;
        try {
            cfg = FleetConfig.load(Path.of(args[0]));
        } catch (FleetConfig.BadConfig e) {
            System.err.println("xdpstream-fleet: " + args[0] + ": " + e.getMessage());
            return 3;
        }
        Stats stats = new Stats();
        try {
            ensureTopics(cfg);
        } catch (Exception e) {
            System.err.println("xdpstream-fleet: cannot create the output topics on " + cfg.str("bootstrap.servers")
                    + ": " + e.getMessage());
            return 4;
        }
        KafkaStreams streams = new KafkaStreams(FleetTopology.build(cfg, stats), cfg.streamsProperties());
        CountDownLatch done = new CountDownLatch(1);
        streams.setStateListener((now, old) -> {
            LOG.info("state {} -> {}", old, now);
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING)
                done.countDown();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close();
            LOG.info("stopped: {}", stats.summary());
            done.countDown();
        }, "shutdown"));
        streams.start();
        done.await();
        return streams.state() == KafkaStreams.State.ERROR ? 1 : 0;
    }
}
