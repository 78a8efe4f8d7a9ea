// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

/** A record for one of the app's output topics: role is alerts, top or mitigations. */
public record Out(String role, String key, String json) {
    public static final String ALERTS = "alerts", TOP = "top", MITIGATIONS = "mitigations";
}
