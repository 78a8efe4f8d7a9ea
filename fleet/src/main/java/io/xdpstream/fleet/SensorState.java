// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

/** What the app knows of one sensor (store fleet-sensors, key: sensor name). */
public final class SensorState {
    public long lastSeq;
    public long lastEndMs; // event time: end of its latest tick
    public long lastSeenWallMs; // wall clock when that tick arrived
    public String silentId; // the open sensor_silent alert, or null
    public long silentSinceWallMs;

    public SensorState() {}
}
