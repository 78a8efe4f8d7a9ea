// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * aggregates (key: sensor) -> ingest [dedup, sensors] -> repartition by
 * correlation key, markers to every partition -> correlate [windows, marks,
 * alerts] -> alerts / top / mitigations. Drawing and guarantees: docs/fleet.md.
 */
public final class FleetTopology {
    private FleetTopology() {}

    /** Markers go to every partition; everything else where its key hashes (murmur2, as Kafka's default). */
    static final class Broadcast implements StreamPartitioner<String, Part> {
        @Override
        public Optional<Set<Integer>> partitions(String topic, String key, Part value, int n) {
            if (value != null && value.kind == Part.MARKER)
                return Optional.of(IntStream.range(0, n).boxed().collect(Collectors.toSet()));
            return Optional.empty();
        }
    }

    public static Topology build(FleetConfig cfg, Stats stats) {
        StreamsBuilder b = new StreamsBuilder();
        Serde<Part> partSerde = new JsonSerde<>(Part.class);
        long dedupRetention = 2 * cfg.windowMs() + cfg.graceMs();

        StoreBuilder<?> dedup = Stores.windowStoreBuilder(
                Stores.inMemoryWindowStore(IngestProcessor.DEDUP, Duration.ofMillis(dedupRetention),
                        Duration.ofMillis(1), false), Serdes.String(), Serdes.Long());
        StoreBuilder<?> sensors = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(IngestProcessor.SENSORS), Serdes.String(),
                new JsonSerde<>(SensorState.class));
        StoreBuilder<?> windows = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(CorrelateProcessor.WINDOWS), Serdes.Bytes(),
                new JsonSerde<>(Merged.class));
        StoreBuilder<?> marks = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(CorrelateProcessor.MARKS), Serdes.String(), Serdes.Long());
        StoreBuilder<?> alerts = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(CorrelateProcessor.ALERTS), Serdes.String(),
                new JsonSerde<>(AlertState.class));

        ProcessorSupplier<String, String, String, Object> ingest = new ProcessorSupplier<>() {
            @Override
            public IngestProcessor get() {
                return new IngestProcessor(cfg, stats);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(dedup, sensors);
            }
        };
        ProcessorSupplier<String, Part, String, Out> correlate = new ProcessorSupplier<>() {
            @Override
            public CorrelateProcessor get() {
                return new CorrelateProcessor(cfg, stats);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                return Set.of(windows, marks, alerts);
            }
        };

        KStream<String, Object> in = b.stream(cfg.str("topic.aggregates"),
                Consumed.with(Serdes.String(), Serdes.String()).withName("aggregates"))
                .process(ingest, Named.as("ingest"));
        Map<String, KStream<String, Object>> split = in.split(Named.as("ingest-"))
                .branch((k, v) -> v instanceof Out, Branched.as("out"))
                .defaultBranch(Branched.as("parts"));
        to(cfg, split.get("ingest-out").mapValues(v -> (Out) v, Named.as("ingest-outputs")), "ingest");

        KStream<String, Out> results = split.get("ingest-parts")
                .mapValues(v -> (Part) v, Named.as("parts"))
                .repartition(Repartitioned.with(Serdes.String(), partSerde).withName("correlate")
                        .withStreamPartitioner(new Broadcast()))
                .process(correlate, Named.as("correlate"));
        to(cfg, results, "correlate");
        return b.build();
    }

    private static void to(FleetConfig cfg, KStream<String, Out> s, String from) {
        Serde<Out> out = Serdes.serdeFrom((topic, o) -> o == null ? null : o.json().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                (topic, bytes) -> {
                    throw new UnsupportedOperationException("output records are never read back");
                });
        s.to((key, value, ctx) -> cfg.str("topic." + value.role()),
                Produced.with(Serdes.String(), out).withName(from + "-sink"));
    }
}
