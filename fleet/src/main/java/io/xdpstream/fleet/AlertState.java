// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

/** One open fleet alert (store fleet-alerts, key rule|correlation key). */
public final class AlertState {
    public String id;
    public long startMs; // start of its first window
    public long lastMs; // start of the last window that fired
    public long fires;
    public double peak;
    public String mitigation; // the prefix a mitigation was published for, or null
    // the last finding's rule fields, repeated by the end event
    public String category, description, unit, transport;
    public int severity;
    public double threshold;

    public AlertState() {}
}
