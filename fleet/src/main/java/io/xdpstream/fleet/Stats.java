// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/** Counters of what the app refused or dropped, logged once a minute and at exit. */
public final class Stats {
    public final AtomicLong ticks = new AtomicLong(), duplicates = new AtomicLong(), late = new AtomicLong(),
            bad = new AtomicLong(), v1 = new AtomicLong(), keyMismatch = new AtomicLong(),
            alerts = new AtomicLong();
    private final ConcurrentHashMap<String, Long> warned = new ConcurrentHashMap<>();
    private volatile long lastLog;

    /** One warning per subject and minute: a hostile producer cannot flood the log. */
    void warn(Logger log, String subject, String msg) {
        long now = System.currentTimeMillis();
        Long prev = warned.get(subject);
        if (prev == null || now - prev >= 60_000) {
            if (warned.size() > 10_000)
                warned.clear();
            warned.put(subject, now);
            log.warn(msg);
        }
    }

    void maybeLog(Logger log, long now) {
        if (now - lastLog >= 60_000) {
            lastLog = now;
            log.info(summary());
        }
    }

    public String summary() {
        return String.format("ticks=%d duplicates=%d late=%d refused=%d v1=%d hll_key_mismatch=%d alerts=%d",
                ticks.get(), duplicates.get(), late.get(), bad.get(), v1.get(), keyMismatch.get(), alerts.get());
    }
}
