/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Where alerts and per-tick aggregates go: the engine hands each alert
 * (already rendered as one JSON line) and each drained tick to the output
 * layer, which fans them out to the configured sinks (stdout, file,
 * syslog, Kafka, metrics). A sink that fails never blocks the others or
 * the detection; what it cannot deliver is counted.
 */
#ifndef XS_OUTPUT_H
#define XS_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "config.h"

struct xs_tick;

/* One alert event (start, update or end), as the sinks need it. */
struct xs_alert_out {
	const char *json;	/* the ECS document, one line, no newline */
	const char *human;	/* one-line terminal form, no newline (may be NULL) */
	const char *rule;	/* rule.name */
	const char *action;	/* event.action: start | update | end */
	const char *event_id;	/* stable for the alert's life */
	const char *src_ip;	/* attacker, or NULL */
	const char *dst_ip;	/* victim, or NULL */
	int dst_port;		/* -1 if none */
	int severity;		/* event.severity, 1 (low) .. 100 (critical)? see README */
	double ts;		/* seconds since the epoch */
};

/* Reads the "outputs" section of the configuration (absent: stdout only).
 * Errors are recorded in the configuration (see config.h). */
int xs_output_configure(xs_node root);
/* Checks the "outputs" section (errors recorded in the configuration)
 * without touching the sinks in use: for a reload. */
int xs_output_check(xs_node root);
/* Is the "outputs" section the one in use (a reload can keep the sinks)? */
bool xs_output_same_config(xs_node root);
/* Opens the configured sinks; returns 0 or a negative errno (logged). */
int xs_output_open(void);
void xs_output_alert(const struct xs_alert_out *a);
/* After each tick: t is the drained generation, ts its end (seconds since
 * the epoch), secs its length. */
void xs_output_tick(const struct xs_tick *t, double ts, double secs);
/* Lets sinks do background work (reconnects, Kafka delivery reports,
 * spool re-sends); call often (every loop iteration). */
void xs_output_service(void);
/* Flushes and closes every sink, reporting what could not be delivered. */
void xs_output_close(void);

/* SIGHUP: file sinks reopen their files (after logrotate moved them). */
void xs_output_reopen(void);
/* A file descriptor for the daemon's epoll set: readable when a sink has
 * work (a socket is ready, a retry or fsync is due); then, or at the
 * latest every loop iteration, call xs_output_service(). -1 if not open. */
int xs_output_fd(void);
/* Health of output i (for `xdpstream status`); -1 past the last one. */
struct xs_output_health {
	const char *name;
	bool up;
	uint64_t sent, failed, queued, spooled;
};
int xs_output_health(int i, struct xs_output_health *h);
/* One line of counters per sink (for `emit` and the tests). */
void xs_output_print_stats(FILE *f);
/* True when no sink holds anything undelivered in memory or in a spool. */
bool xs_output_idle(void);
/* Idle, and no sink gave up on any message. */
bool xs_output_all_delivered(void);

/*
 * What only the daemon knows, for the metrics sink. Call
 * xs_output_run_info() once after the maps are loaded, and
 * xs_output_tick_timing() once per tick after xs_output_tick().
 */
struct xs_run_info {
	uint64_t dst_capacity;	/* map entries: destinations per tick */
	uint64_t src_capacity;	/* sources per tick */
	uint64_t flow_capacity;	/* flows (LRU) */
	double tick_s;		/* tick length */
};
void xs_output_run_info(const struct xs_run_info *ri);
/* lag_s: from the tick's due time to the end of its processing; drain_s:
 * time spent reading the maps; missed: timer expirations beyond the first
 * (ticks folded into this one because the loop was late). */
void xs_output_tick_timing(double lag_s, double drain_s, uint64_t missed);

#endif
