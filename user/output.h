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

#endif
