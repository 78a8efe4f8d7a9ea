/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The interface between the output layer (user/outputs/output.c) and one sink.
 * A sink is a file with one ops table; output.c reads the sink's config
 * entry, then calls open, alert/tick as they come, service from the event
 * loop, and close at the end. Every call is non-blocking: a sink that
 * cannot deliver now queues (bounded) or counts the loss, never waits.
 */
#ifndef XS_SINK_H
#define XS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "records.h"

/* What a sink reports for metrics and the shutdown summary. Counters only
 * grow; queued and spooled are gauges. */
struct xs_sink_stats {
	uint64_t sent;		/* messages delivered (written / acknowledged) */
	uint64_t failed;	/* messages given up for good (overflow included) */
	uint64_t overflow;	/* of which dropped because the queue was full */
	uint64_t spooled_total;	/* messages written to the spool file */
	uint64_t resent;	/* messages re-sent from the spool */
	uint64_t reconnects;	/* connections (re)established after the first */
	uint64_t queued;	/* messages waiting in memory now */
	uint64_t spooled;	/* messages waiting in the spool file now */
	bool up;		/* connected / serving */
};

struct xs_sink;
struct xs_outputs;
struct xs_tick;

struct xs_sink_ops {
	const char *type;
	/* Reads the sink's keys from its map n (errors go to the config);
	 * allocates s->priv. */
	int (*configure)(struct xs_sink *s, xs_node n);
	int (*open)(struct xs_sink *s);
	void (*alert)(struct xs_sink *s, const struct xs_alert_out *a);
	void (*tick)(struct xs_sink *s, const struct xs_tick *t, double ts, double secs);
	/* Background work; now is CLOCK_MONOTONIC seconds. */
	void (*service)(struct xs_sink *s, double now);
	void (*reopen)(struct xs_sink *s);
	/* Flush what can be flushed (within the sink's own timeout), report
	 * the rest, free everything but priv. Also called, once, on a sink
	 * that was configured and never opened. */
	void (*close)(struct xs_sink *s);
};

struct xs_sink {
	const struct xs_sink_ops *ops;
	struct xs_outputs *out;	/* the set it belongs to (for the helpers below) */
	char name[64];		/* "syslog", or the configured name */
	struct xs_sink_stats st;
	int state;		/* 0 configured, 1 open, 2 closed (output.c) */
	uint64_t cfg_hash;	/* of its configuration: a reload keeps it if equal */
	void *priv;
};

extern const struct xs_sink_ops xs_sink_stdout, xs_sink_file, xs_sink_syslog, xs_sink_kafka,
	xs_sink_metrics;
/* Every type, NULL-terminated: user/outputs/sinks/registry.c. */
extern const struct xs_sink_ops *const xs_sink_types[];

/* What the daemon told the output layer (for the metrics sink). */
struct xs_daemon_info {
	struct xs_run_info run;
	bool have_run, have_timing;
	double tick_lag_s, tick_drain_s;
	uint64_t ticks_missed;
	uint64_t ticks, alerts;	/* seen by the output layer */
	bool have_mitig;
	struct xs_mitig_info mitig;
	double start_time;	/* seconds since the epoch */
};
const struct xs_daemon_info *xs_out_daemon_info(const struct xs_outputs *o);

/* The output layer's helpers for sinks. */
/* Watches fd in the set's epoll set (events: EPOLLIN, EPOLLOUT...); a
 * ready fd makes the daemon call xs_output_service(). */
int xs_out_watch(struct xs_outputs *o, int fd, uint32_t events);
int xs_out_modify(struct xs_outputs *o, int fd, uint32_t events);
void xs_out_unwatch(struct xs_outputs *o, int fd);
/* Every sink of the set, for the metrics sink. */
int xs_out_nsinks(const struct xs_outputs *o);
const struct xs_sink *xs_out_sink(const struct xs_outputs *o, int i);

/* Checks "host:port[,host:port...]"; on error records it against key. */
int xs_out_check_hostport_list(xs_node map, const char *key, const char *list);
/* Records an error unless path is a readable file. */
int xs_out_check_readable(xs_node map, const char *key, const char *path);

#endif
