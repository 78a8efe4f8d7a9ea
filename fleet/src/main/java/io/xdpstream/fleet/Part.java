// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.util.List;

/**
 * What one tick contributes to one correlation key: the record of the
 * internal repartition topic (docs/fleet.md, "Topology"). Keys are
 * KIND + "|" + what: "V|198.51.100.7", "P|198.51.100.0/24",
 * "L|198.51.100.7|22", "S|203.0.113.9", "N|203.0.113.0/24", "A|talkers",
 * "D|destinations"; markers (kind M) go to every partition.
 */
public final class Part {
    public static final char VICTIM = 'V', PREFIX = 'P', LOGIN = 'L', SOURCE = 'S', SOURCE_NET = 'N',
            TALKERS = 'A', DESTINATIONS = 'D', MARKER = 'M';
    /** The key of every marker record (sent to all partitions). */
    public static final String MARKER_KEY = "M|";

    public char kind;
    public String sensor;
    public long startMs; // event time: the tick's start
    public long endMs; // the tick's end: the sensor's progress (markers)
    public long packets, bytes, syn, attempts;
    public Hll hll; // sources (V, P, L), targets (S, N)
    public Hll hll2; // victims (P)
    public boolean hllExcluded; // the sensor's HLL key id is not the fleet's
    public List<Tick.Top> top; // V: top sources; A, D: top talkers
    public long topFloor;
    public long[] loss; // M: the tick's loss counters (Tick.LOSS)
    public boolean incomplete; // M: the tick left entries out of a list

    public Part() {}

    Part(char kind, Tick t) {
        this.kind = kind;
        this.sensor = t.sensor();
        this.startMs = t.startMs();
        this.endMs = t.endMs();
    }

    public static String key(char kind, String what) {
        return kind + "|" + what;
    }
}
