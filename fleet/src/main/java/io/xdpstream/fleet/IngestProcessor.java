// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First stage, on the partitions of the aggregates topic (key: sensor name):
 * checks each message, drops re-sent ticks (same sensor and sequence),
 * watches for silent sensors, and splits each tick into one record per
 * correlation key plus a marker for every partition of the next stage.
 */
final class IngestProcessor implements Processor<String, String, String, Object> {
    static final String DEDUP = "fleet-dedup", SENSORS = "fleet-sensors";
    private static final Logger LOG = LoggerFactory.getLogger(IngestProcessor.class);

    private final FleetConfig cfg;
    private final Stats stats;
    private ProcessorContext<String, Object> ctx;
    private WindowStore<String, Long> dedup;
    private KeyValueStore<String, SensorState> sensors;
    private long startedWallMs;
    private final Set<String> warnedKey = new HashSet<>();

    IngestProcessor(FleetConfig cfg, Stats stats) {
        this.cfg = cfg;
        this.stats = stats;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        ctx = context;
        dedup = context.getStateStore(DEDUP);
        sensors = context.getStateStore(SENSORS);
        startedWallMs = context.currentSystemTimeMs();
        context.schedule(Duration.ofMillis(cfg.num("silent.check.ms")), PunctuationType.WALL_CLOCK_TIME, this::watch);
    }

    @Override
    public void process(Record<String, String> rec) {
        Tick t;
        try {
            t = TickParser.parse(rec.value() == null ? "null" : rec.value());
        } catch (TickParser.BadTick e) {
            if (e.v1)
                stats.v1.incrementAndGet();
            else
                stats.bad.incrementAndGet();
            stats.warn(LOG, "bad-" + rec.key(), "aggregates message from key " + rec.key() + " refused: " + e.getMessage());
            return;
        }
        if (!t.sensor().equals(rec.key())) {
            // Dedup and ordering rely on one sensor's ticks sharing a partition.
            stats.bad.incrementAndGet();
            stats.warn(LOG, "key-" + rec.key(), "aggregates message refused: key \"" + rec.key()
                    + "\" is not its observer.name \"" + t.sensor() + "\"");
            return;
        }
        String dk = t.sensor() + "|" + t.seq();
        if (dedup.fetch(dk, t.startMs()) != null) {
            stats.duplicates.incrementAndGet();
            return;
        }
        dedup.put(dk, t.startMs(), t.startMs());
        stats.ticks.incrementAndGet();

        long now = ctx.currentSystemTimeMs();
        SensorState s = sensors.get(t.sensor());
        if (s == null)
            s = new SensorState();
        if (s.silentId != null) {
            ctx.forward(new Record<>(s.silentId, new Out(Out.ALERTS, s.silentId,
                    Alerts.silent(cfg, "end", s.silentId, t.sensor(), s, now)), now));
            s.silentId = null;
        }
        s.lastSeq = Math.max(s.lastSeq, t.seq());
        s.lastEndMs = Math.max(s.lastEndMs, t.endMs());
        s.lastSeenWallMs = now;
        sensors.put(t.sensor(), s);

        boolean keyOk = cfg.str("hll.key_id").equals(t.keyId());
        if (!keyOk) {
            stats.keyMismatch.incrementAndGet();
            if (warnedKey.add(t.sensor()))
                LOG.warn("sensor {} hashes with HLL key id {} (fleet: {}): its registers are not merged",
                        t.sensor(), t.keyId(), cfg.str("hll.key_id"));
        } else {
            warnedKey.remove(t.sensor());
        }
        for (KeyValue<String, Part> kv : explode(t, keyOk))
            ctx.forward(new Record<>(kv.key, (Object) kv.value, t.startMs()));
    }

    /** One record per correlation key, the marker last (docs/fleet.md, "Topology"). */
    static List<KeyValue<String, Part>> explode(Tick t, boolean keyOk) {
        List<KeyValue<String, Part>> out = new ArrayList<>();
        boolean excluded = !keyOk && t.keyId() != null;
        for (Tick.Victim v : t.victims().items()) {
            Part p = new Part(Part.VICTIM, t);
            p.packets = v.packets();
            p.bytes = v.bytes();
            p.syn = v.syn();
            p.hll = keyOk ? v.sources() : null;
            p.hllExcluded = excluded;
            p.top = v.top();
            p.topFloor = v.topFloor();
            out.add(KeyValue.pair(Part.key(Part.VICTIM, v.ip()), p));
        }
        for (Tick.Prefix v : t.prefixes().items()) {
            Part p = new Part(Part.PREFIX, t);
            p.packets = v.packets();
            p.bytes = v.bytes();
            p.syn = v.syn();
            p.hll = keyOk ? v.sources() : null;
            p.hll2 = keyOk ? v.victims() : null;
            p.hllExcluded = excluded;
            out.add(KeyValue.pair(Part.key(Part.PREFIX, v.prefix()), p));
        }
        for (Tick.Login v : t.logins().items()) {
            Part p = new Part(Part.LOGIN, t);
            p.attempts = v.attempts();
            p.hll = keyOk ? v.sources() : null;
            p.hllExcluded = excluded;
            out.add(KeyValue.pair(Part.key(Part.LOGIN, v.ip() + "|" + v.port()), p));
        }
        for (char kind : new char[] {Part.SOURCE, Part.SOURCE_NET}) {
            for (Tick.Source v : (kind == Part.SOURCE ? t.sources() : t.sourcePrefixes()).items()) {
                Part p = new Part(kind, t);
                p.packets = v.packets();
                p.bytes = v.bytes();
                p.syn = v.syn();
                p.attempts = v.loginAttempts();
                p.hll = keyOk ? v.targets() : null;
                p.hllExcluded = excluded;
                out.add(KeyValue.pair(Part.key(kind, v.key()), p));
            }
        }
        Part a = new Part(Part.TALKERS, t);
        a.top = t.talkers();
        a.topFloor = t.talkersFloor();
        out.add(KeyValue.pair(Part.key(Part.TALKERS, "sources"), a));
        Part d = new Part(Part.DESTINATIONS, t);
        d.top = new ArrayList<>();
        for (Tick.Victim v : t.victims().items())
            d.top.add(new Tick.Top(v.ip(), v.packets(), 0));
        d.topFloor = t.victims().floor();
        out.add(KeyValue.pair(Part.key(Part.DESTINATIONS, "destinations"), d));
        Part m = new Part(Part.MARKER, t);
        m.loss = t.loss();
        m.incomplete = t.victims().omitted() + t.prefixes().omitted() + t.logins().omitted()
                + t.sources().omitted() + t.sourcePrefixes().omitted() > 0;
        out.add(KeyValue.pair(Part.MARKER_KEY, m));
        return out;
    }

    /** Wall clock: a sensor whose ticks stopped is silent, whatever the traffic was. */
    private void watch(long now) {
        long after = cfg.num("silent.after.ms");
        List<KeyValue<String, SensorState>> changed = new ArrayList<>();
        try (KeyValueIterator<String, SensorState> it = sensors.all()) {
            while (it.hasNext()) {
                KeyValue<String, SensorState> kv = it.next();
                SensorState s = kv.value;
                // Counted from this instance's start too: after a takeover or a
                // restart the backlog is read before anyone is called silent.
                long since = Math.max(s.lastSeenWallMs, startedWallMs);
                if (s.silentId == null && now - since >= after) {
                    s.silentId = Alerts.id(cfg.str("application.id"), "sensor_silent", kv.key, Long.toString(s.lastSeq));
                    s.silentSinceWallMs = now;
                    changed.add(kv);
                    ctx.forward(new Record<>(s.silentId, new Out(Out.ALERTS, s.silentId,
                            Alerts.silent(cfg, "start", s.silentId, kv.key, s, now)), now));
                }
            }
        }
        for (KeyValue<String, SensorState> kv : changed)
            sensors.put(kv.key, kv.value);
        stats.maybeLog(LOG, now);
    }
}
