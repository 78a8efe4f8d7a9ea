// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Everything the fleet saw for one key in one window: the state of the correlation store. */
public final class Merged {
    /** Top entries kept per key: more than an alert shows, so that merging keeps the order right. */
    public static final int TOP_KEEP = 32;

    public char kind;
    /** Per sensor: packets, bytes, syn, attempts (sorted by sensor name, for stable output). */
    public TreeMap<String, long[]> sensors = new TreeMap<>();
    public Hll hll, hll2;
    public TreeSet<String> hllExcluded = new TreeSet<>();
    /** ip -> {count, error}: space-saving style, true count in [count - error, count]. */
    public Map<String, long[]> top = new HashMap<>();
    /** Upper bound on the count of any ip not in top. */
    public long topFloor;
    public long ticks;
    // window-level record (kind MARKER): summed loss counters, sensors that cut a list
    public long[] loss;
    public TreeSet<String> incomplete = new TreeSet<>();

    public Merged() {}

    public long sum(int i) {
        long s = 0;
        for (long[] c : sensors.values())
            s += c[i];
        return s;
    }

    public long max(int i) {
        long m = 0;
        for (long[] c : sensors.values())
            m = Math.max(m, c[i]);
        return m;
    }

    public static final int PACKETS = 0, BYTES = 1, SYN = 2, ATTEMPTS = 3;

    public void add(Part p) {
        kind = p.kind;
        ticks++;
        if (p.kind == Part.MARKER) {
            if (loss == null)
                loss = new long[Tick.LOSS.length];
            for (int i = 0; i < loss.length && p.loss != null && i < p.loss.length; i++)
                loss[i] += p.loss[i];
            if (p.incomplete)
                incomplete.add(p.sensor);
            sensors.computeIfAbsent(p.sensor, s -> new long[4]);
            return;
        }
        long[] c = sensors.computeIfAbsent(p.sensor, s -> new long[4]);
        c[PACKETS] += p.packets;
        c[BYTES] += p.bytes;
        c[SYN] += p.syn;
        c[ATTEMPTS] += p.attempts;
        if (p.hllExcluded)
            hllExcluded.add(p.sensor);
        if (p.hll != null)
            hll = hll == null ? p.hll.copy() : hll.merge(p.hll);
        if (p.hll2 != null)
            hll2 = hll2 == null ? p.hll2.copy() : hll2.merge(p.hll2);
        if (p.top != null)
            mergeTop(p.top, p.topFloor);
    }

    /**
     * Mergeable summaries (Agarwal et al. 2012): an ip one side does not list
     * may have up to that side's floor there, so it is added to the count and
     * to the error. What falls off the kept list raises the floor.
     */
    void mergeTop(List<Tick.Top> in, long floor) {
        Map<String, Tick.Top> byIp = new HashMap<>();
        for (Tick.Top t : in)
            byIp.put(t.ip(), t);
        for (Map.Entry<String, long[]> e : top.entrySet()) {
            Tick.Top t = byIp.remove(e.getKey());
            long[] v = e.getValue();
            if (t != null) {
                v[0] += t.count();
                v[1] += t.error();
            } else {
                v[0] += floor;
                v[1] += floor;
            }
        }
        for (Tick.Top t : byIp.values())
            top.put(t.ip(), new long[] {t.count() + topFloor, t.error() + topFloor});
        topFloor += floor;
        if (top.size() > TOP_KEEP) {
            List<Map.Entry<String, long[]>> all = ranked();
            for (Map.Entry<String, long[]> e : all.subList(TOP_KEEP, all.size())) {
                topFloor = Math.max(topFloor, e.getValue()[0]);
                top.remove(e.getKey());
            }
        }
    }

    /** Count descending, then address text ascending: the same order on every instance. */
    public List<Map.Entry<String, long[]>> ranked() {
        List<Map.Entry<String, long[]>> all = new ArrayList<>(top.entrySet());
        all.sort((a, b) -> a.getValue()[0] != b.getValue()[0] ? Long.compare(b.getValue()[0], a.getValue()[0])
                : a.getKey().compareTo(b.getKey()));
        return all;
    }
}
