/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The Prometheus text exposition of what the metrics sink has seen,
 * separate from the HTTP server so tests can check it byte for byte. */
#ifndef XS_METRICS_H
#define XS_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "xs_abi.h"

struct xs_outputs;

#define XS_METRICS_MAX_ALERT_KEYS 128

struct xs_metrics_state {
	struct xs_global total;	/* sum of every tick */
	uint64_t ndst, nsrc;	/* entries in the last tick */
	struct {
		char rule[40];
		char action[16];
		uint64_t n;
	} alerts[XS_METRICS_MAX_ALERT_KEYS];
	int nalerts;
	uint64_t alerts_other;	/* keys past the table (never expected) */
	/* The set the sink belongs to: its sinks and the daemon's info are
	 * rendered too (NULL: the state alone). */
	const struct xs_outputs *out;
};

void xs_metrics_count_alert(struct xs_metrics_state *m, const char *rule, const char *action);
/* Writes every metric family: the state, the daemon info and every sink. */
void xs_metrics_render(FILE *f, const struct xs_metrics_state *m);

#endif
