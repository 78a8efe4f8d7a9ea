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
