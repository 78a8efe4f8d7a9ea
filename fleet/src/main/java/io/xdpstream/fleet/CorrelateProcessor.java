// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Second stage, on the partitions of the repartition topic (key: what is
 * correlated): merges every sensor's share into event-time windows, closes a
 * window once every live sensor's ticks have passed its end (or the leading
 * sensor is `grace` past it), and then runs the rules and the alerts'
 * lifecycle. Markers, sent to every partition, carry each sensor's progress.
 */
final class CorrelateProcessor implements Processor<String, Part, String, Out> {
    static final String WINDOWS = "fleet-windows", MARKS = "fleet-marks", ALERTS = "fleet-alerts";
    /** In fleet-marks: the end of the last closed window. Sensor names are never empty. */
    static final String CLOSED = "";
    private static final Logger LOG = LoggerFactory.getLogger(CorrelateProcessor.class);

    private final FleetConfig cfg;
    private final Stats stats;
    private final long w, grace;
    private ProcessorContext<String, Out> ctx;
    private KeyValueStore<Bytes, Merged> windows;
    private KeyValueStore<String, Long> marks;
    private KeyValueStore<String, AlertState> alerts;

    CorrelateProcessor(FleetConfig cfg, Stats stats) {
        this.cfg = cfg;
        this.stats = stats;
        this.w = cfg.windowMs();
        this.grace = cfg.graceMs();
    }

    @Override
    public void init(ProcessorContext<String, Out> context) {
        ctx = context;
        windows = context.getStateStore(WINDOWS);
        marks = context.getStateStore(MARKS);
        alerts = context.getStateStore(ALERTS);
    }

    static Bytes wkey(long ws, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(8 + k.length).putLong(ws).put(k).array());
    }

    private long closed() {
        Long c = marks.get(CLOSED);
        return c == null ? Long.MIN_VALUE : c;
    }

    @Override
    public void process(Record<String, Part> rec) {
        Part p = rec.value();
        if (p == null || p.sensor == null || p.sensor.isEmpty())
            return;
        long ws = Math.floorDiv(p.startMs, w) * w;
        boolean late = ws + w <= closed();
        if (p.kind == Part.MARKER) {
            Long prev = marks.get(p.sensor);
            if (prev == null || p.endMs > prev)
                marks.put(p.sensor, p.endMs);
            if (!late)
                merge(ws, Part.MARKER_KEY, p);
            advance();
            return;
        }
        if (late) {
            stats.late.incrementAndGet();
            return;
        }
        merge(ws, rec.key(), p);
    }

    private void merge(long ws, String key, Part p) {
        Bytes k = wkey(ws, key);
        Merged m = windows.get(k);
        if (m == null)
            m = new Merged();
        m.add(p);
        windows.put(k, m);
    }

    /**
     * The fleet's watermark: the least progress among the sensors that are
     * at most `grace` behind the leader. A sensor further behind no longer
     * holds windows open; its ticks for closed windows are late.
     */
    private void advance() {
        long lead = Long.MIN_VALUE;
        List<Long> wms = new ArrayList<>();
        try (KeyValueIterator<String, Long> it = marks.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                if (kv.key.equals(CLOSED))
                    continue;
                wms.add(kv.value);
                lead = Math.max(lead, kv.value);
            }
        }
        long wm = Long.MAX_VALUE;
        for (long x : wms)
            if (x >= lead - grace)
                wm = Math.min(wm, x);
        if (wm == Long.MAX_VALUE)
            return;
        long upTo = Math.floorDiv(wm, w) * w; // windows ending at or before wm close
        if (upTo <= closed())
            return;
        close(upTo);
        marks.put(CLOSED, upTo);
    }

    /** Closes every window that ends at or before upTo, oldest first. */
    private void close(long upTo) {
        TreeMap<Long, List<KeyValue<String, Merged>>> byWindow = new TreeMap<>();
        List<Bytes> done = new ArrayList<>();
        try (KeyValueIterator<Bytes, Merged> it = windows.range(wkey(0, ""), wkey(upTo, "")) /* event times are >= 0: keys sort as unsigned bytes */) {
            while (it.hasNext()) {
                KeyValue<Bytes, Merged> kv = it.next();
                ByteBuffer b = ByteBuffer.wrap(kv.key.get());
                long ws = b.getLong();
                if (ws + w > upTo)
                    continue;
                String key = new String(kv.key.get(), 8, kv.key.get().length - 8, StandardCharsets.UTF_8);
                byWindow.computeIfAbsent(ws, x -> new ArrayList<>()).add(KeyValue.pair(key, kv.value));
                done.add(kv.key);
            }
        }
        for (Map.Entry<Long, List<KeyValue<String, Merged>>> e : byWindow.entrySet())
            closeWindow(e.getKey(), e.getValue());
        endQuiet(upTo);
        for (Bytes k : done)
            windows.delete(k);
    }

    private void closeWindow(long ws, List<KeyValue<String, Merged>> entries) {
        long we = ws + w;
        Merged window = null;
        for (KeyValue<String, Merged> kv : entries)
            if (kv.key.equals(Part.MARKER_KEY))
                window = kv.value;
        endQuiet(ws); // alerts quiet before this window end first, in order
        for (KeyValue<String, Merged> kv : entries) {
            Merged m = kv.value;
            if (m.kind == Part.TALKERS || m.kind == Part.DESTINATIONS) {
                String what = m.kind == Part.TALKERS ? "sources" : "destinations";
                ctx.forward(new Record<>(what, new Out(Out.TOP, what, Alerts.top(cfg, what, m, ws, we)), we));
                continue;
            }
            if (m.kind == Part.MARKER)
                continue;
            for (Rules.Finding f : Rules.evaluate(kv.key, m, cfg))
                fire(f, kv.key, m, window, ws, we);
        }
    }

    private void fire(Rules.Finding f, String key, Merged m, Merged window, long ws, long we) {
        String ak = f.rule() + "|" + key;
        AlertState st = alerts.get(ak);
        String action = "update";
        if (st == null) {
            st = new AlertState();
            st.id = Alerts.id(cfg.str("application.id"), f.rule(), key, Long.toString(ws));
            st.startMs = ws;
            action = "start";
        }
        st.lastMs = ws;
        st.fires++;
        st.peak = Math.max(st.peak, f.observed());
        st.category = f.category();
        st.description = f.description();
        st.unit = f.unit();
        st.transport = f.transport();
        st.severity = f.severity();
        st.threshold = f.threshold();
        if (action.equals("start") && cfg.mitigation())
            st.mitigation = mitigate(f, key, st, we, true);
        alerts.put(ak, st);
        emit(st.id, Alerts.finding(cfg, action, st, f, key, m, window, ws, we, (int) cfg.num("top.n"), null), we);
    }

    /** Ends the alerts whose rule has been quiet for alert.end_after_windows windows by `at`. */
    private void endQuiet(long at) {
        long quiet = cfg.num("alert.end_after_windows") * w;
        List<KeyValue<String, AlertState>> ended = new ArrayList<>();
        try (KeyValueIterator<String, AlertState> it = alerts.all()) {
            while (it.hasNext()) {
                KeyValue<String, AlertState> kv = it.next();
                if (kv.value.lastMs + w + quiet <= at)
                    ended.add(kv);
            }
        }
        for (KeyValue<String, AlertState> kv : ended) {
            AlertState st = kv.value;
            int bar = kv.key.indexOf('|');
            String rule = kv.key.substring(0, bar), key = kv.key.substring(bar + 1);
            long end = st.lastMs + w;
            Rules.Finding f = new Rules.Finding(rule, st.category, st.severity, st.description, 0, st.unit,
                    st.threshold, null, Map.of(), null, null, st.transport);
            Merged empty = new Merged();
            empty.kind = key.charAt(0);
            String json = Alerts.finding(cfg, "end", st, f, key, empty, null, st.lastMs, end + quiet,
                    (int) cfg.num("top.n"), "below the fleet threshold for " + cfg.num("alert.end_after_windows")
                            + " window(s)");
            emit(st.id, json, end + quiet);
            if (st.mitigation != null)
                mitigate(f, key, st, end + quiet, false);
            alerts.delete(kv.key);
        }
    }

    private void emit(String id, String json, long ts) {
        stats.alerts.incrementAndGet();
        ctx.forward(new Record<>(id, new Out(Out.ALERTS, id, json), ts));
    }

    /** Floods: rate-limit the victim; sources guessing or scanning: block them. */
    private String mitigate(Rules.Finding f, String key, AlertState st, long ts, boolean start) {
        String[] k = key.split("\\|");
        String prefix, action, match;
        long limit = 0;
        switch (key.charAt(0)) {
            case Part.VICTIM -> {
                prefix = k[1] + (k[1].contains(":") ? "/128" : "/32");
                action = "rate_limit";
                match = f.rule().equals("syn_flood") ? "syn" : "all";
                limit = (long) (f.threshold() / Math.max(1, f.perSensor().size()));
            }
            case Part.SOURCE -> {
                prefix = k[1] + (k[1].contains(":") ? "/128" : "/32");
                action = "block";
                match = "all";
            }
            case Part.SOURCE_NET -> {
                prefix = k[1];
                action = "block";
                match = "all";
            }
            default -> {
                return null;
            }
        }
        if (!start)
            action = action.equals("block") ? "unblock" : "unlimit";
        String json = Alerts.mitigation(cfg, action, st.id, f.rule(), prefix, match, limit, ts);
        ctx.forward(new Record<>(prefix, new Out(Out.MITIGATIONS, prefix, json), ts));
        return prefix;
    }
}
