/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Where alerts and per-tick aggregates go: the engine hands each alert
 * (already rendered as one JSON line) and each drained tick to a set of
 * outputs, which fans them out to its sinks (stdout, file, syslog, Kafka,
 * metrics). A sink that fails never blocks the others or the detection;
 * what it cannot deliver is counted.
 *
 * The set is a handle the caller owns (run, replay, emit, the tests):
 * the settings only describe the `outputs` section, the caller applies
 * it with xs_output_configure().
 */
#ifndef XS_OUTPUT_H
#define XS_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "sinks/records.h"

struct xs_tick;
struct xs_outputs;

/* An empty set (nothing configured: opening it configures stdout). NULL
 * when out of memory. */
struct xs_outputs *xs_output_new(void);
/* Closes the set if it is open, and frees it. NULL is fine. */
void xs_output_free(struct xs_outputs *o);

/* Reads the "outputs" section of the document root (absent: stdout only),
 * replacing the sinks configured before (which must not be open). Errors
 * are recorded in the configuration (see config.h). */
int xs_output_configure(struct xs_outputs *o, xs_node root);
/* Checks the "outputs" section (errors recorded in the configuration)
 * without any set: what loading the settings does. */
int xs_output_check(xs_node root);
/* Is the "outputs" section the one o was configured from (a reload can
 * keep the sinks)? */
bool xs_output_same_config(const struct xs_outputs *o, xs_node root);
/* A reload: the outputs of the document root take over from the running
 * ones, which deliver what they hold before they close (see output.c);
 * unchanged ones are kept (files reopen). Returns 0, or a negative errno
 * (logged by the sink) with the running outputs untouched. The set's
 * descriptor (xs_output_fd) stays the same. */
int xs_output_replace(struct xs_outputs *o, xs_node root);
/* Opens the configured sinks; returns 0 or a negative errno (logged). */
int xs_output_open(struct xs_outputs *o);
void xs_output_alert(struct xs_outputs *o, const struct xs_alert_out *a);
/* After each tick: t is the drained generation, ts its end (seconds since
 * the epoch), secs its length. */
void xs_output_tick(struct xs_outputs *o, const struct xs_tick *t, double ts, double secs);
/* Lets sinks do background work (reconnects, Kafka delivery reports,
 * spool re-sends); call often (every loop iteration). */
void xs_output_service(struct xs_outputs *o);
/* Flushes and closes every sink, reporting what could not be delivered. */
void xs_output_close(struct xs_outputs *o);

/* SIGHUP: file sinks reopen their files (after logrotate moved them). */
void xs_output_reopen(struct xs_outputs *o);
/* A file descriptor for the daemon's epoll set: readable when a sink has
 * work (a socket is ready, a retry or fsync is due); then, or at the
 * latest every loop iteration, call xs_output_service(). -1 if not open. */
int xs_output_fd(const struct xs_outputs *o);
/* Health of output i (for `xdpstream status`); -1 past the last one. */
struct xs_output_health {
	const char *name;
	bool up;
	uint64_t sent, failed, queued, spooled;
};
int xs_output_health(const struct xs_outputs *o, int i, struct xs_output_health *h);
/* One line of counters per sink (for `emit` and the tests). */
void xs_output_print_stats(const struct xs_outputs *o, FILE *f);
/* True when no sink holds anything undelivered in memory or in a spool. */
bool xs_output_idle(const struct xs_outputs *o);
/* Idle, and no sink gave up on any message. */
bool xs_output_all_delivered(const struct xs_outputs *o);

/*
 * What only the daemon knows, for the metrics sink. Call
 * xs_output_run_info() once after the maps are loaded, and
 * xs_output_tick_timing() once per tick after xs_output_tick().
 */
void xs_output_run_info(struct xs_outputs *o, const struct xs_run_info *ri);
/* lag_s: from the tick's due time to the end of its processing; drain_s:
 * time spent reading the maps; missed: timer expirations beyond the first
 * (ticks folded into this one because the loop was late). */
void xs_output_tick_timing(struct xs_outputs *o, double lag_s, double drain_s, uint64_t missed);
/* Fingerprints and BGP, once per tick (the daemon). */
void xs_output_mitig_info(struct xs_outputs *o, const struct xs_mitig_info *mi);

#endif
