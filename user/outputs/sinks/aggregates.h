/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One tick's aggregates as a JSON document for the fleet topic: totals by
 * class, parse errors, counters, and the top-N destinations and sources by
 * packets and by bytes (version 1); with the tick's fleet part
 * (t->fleet), version 2: the tick's identity and event time and what the
 * fleet application merges (docs/fleet.md). Schema:
 * schema/aggregates.schema.json.
 */
#ifndef XS_AGGREGATES_H
#define XS_AGGREGATES_H

#include <stddef.h>

struct xs_tick;

#define XS_AGG_SCHEMA_VERSION 1	/* 2 with a fleet part */

/* Returns a malloc'ed single-line JSON document, or NULL. ts: end of the
 * tick (seconds since the epoch); secs: its length. */
char *xs_agg_json(const struct xs_tick *t, double ts, double secs, const char *hostname,
		  const char *sensor, int top_n);

/* Indices of the k largest of n items under rank (a ranks before b when
 * rank(ctx, a, b) < 0), sorted best first, into out[]; returns how many. */
size_t xs_top_n(size_t n, size_t k, size_t *out, int (*rank)(const void *ctx, size_t a, size_t b),
		const void *ctx);

#endif
