// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.util.List;

/** One sensor's tick, as read from a v2 aggregates message (schema/aggregates.schema.json). */
public record Tick(
        String sensor,
        long seq,
        long startUs,
        long lengthUs,
        String keyId, // null: the sensor sent no HLL registers
        Ranked<Victim> victims,
        Ranked<Prefix> prefixes,
        Ranked<Login> logins,
        Ranked<Source> sources,
        Ranked<Source> sourcePrefixes,
        List<Top> talkers, // v1 sources.top_by_packets: the network-wide top talkers' input
        long talkersFloor,
        long[] loss) {

    /** Loss counters carried into the fleet alerts, in this order (v1 totals.counters names). */
    public static final String[] LOSS = {"events_lost_budget", "events_lost_ringbuf_full", "dst_map_full",
            "src_map_full", "flow_map_full", "src_unadmitted"};
    /** The first LOSS counter a sensor may leave out (older sensors have no source admission): 0 then. */
    public static final int LOSS_OPTIONAL = 5;

    public long startMs() {
        return Math.floorDiv(startUs, 1000);
    }

    public long endMs() {
        return Math.floorDiv(startUs + lengthUs, 1000);
    }

    /** A list cut by the sensor: `floor` bounds the ranking count of every entry left out. */
    public record Ranked<T>(List<T> items, long omitted, long floor) {}

    public record Top(String ip, long count, long error) {}

    public record Victim(String ip, long packets, long bytes, long syn, Hll sources, List<Top> top, long topFloor) {}

    public record Prefix(String prefix, long packets, long bytes, long syn, Hll victims, Hll sources) {}

    public record Login(String ip, int port, long attempts, Hll sources) {}

    /** A source address ("ip") or source /24 or /64 ("prefix"); `key` is either. */
    public record Source(String key, long packets, long bytes, long syn, long loginAttempts, Hll targets) {}
}
