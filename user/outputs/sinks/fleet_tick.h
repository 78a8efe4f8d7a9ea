/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a tick's aggregates carry for the fleet application (version 2 of
 * schema/aggregates.schema.json, docs/fleet.md): the tick's identity and
 * event time, and five ranked lists with counts, top sources and the
 * HyperLogLog registers already encoded. Built once per tick by the
 * pipeline (user/pipeline/fleet.c), rendered by each sink that sends
 * aggregates (aggregates.c).
 */
#ifndef XS_FLEET_TICK_H
#define XS_FLEET_TICK_H

#include <stdbool.h>
#include <stdint.h>
#include "xs_abi.h"

enum xs_fleet_list_id {
	XS_FL_VICTIMS = 0,	/* per destination: packets, bytes, syn, sources */
	XS_FL_VPREFIXES,	/* per destination /24 or /64 */
	XS_FL_LOGINS,		/* per (destination, login port): attempts, sources */
	XS_FL_SOURCES,		/* per source: counts, login attempts, targets */
	XS_FL_SPREFIXES,	/* per source /24 or /64 */
	XS_FL_MAX
};

/* Registers as the wire carries them: {"p": p, "s"|"d": b64}. */
struct xs_fleet_sketch {
	const char *b64;	/* NULL: none (no fleet key) */
	uint8_t p;
	bool sparse;
};

struct xs_fleet_top {
	struct xs_addr addr;
	uint64_t count;		/* the true count lies in [count - error, count] */
	uint64_t error;
};

struct xs_fleet_item {
	struct xs_addr addr;	/* the address, or the prefix's network */
	uint16_t port;		/* logins */
	uint64_t packets, bytes, syn;
	uint64_t attempts;	/* logins: attempts; sources and prefixes: login attempts */
	/* victims: sources; prefixes: sources, victims (h2); logins: sources;
	 * sources and source prefixes: targets */
	struct xs_fleet_sketch h1, h2;
	uint32_t top, ntop;	/* victims: their top sources, tops[top .. top + ntop) */
	uint64_t top_floor;
};

struct xs_fleet_list {
	struct xs_fleet_item *items;
	uint32_t n;
	uint64_t omitted;	/* entries of the tick left out */
	uint64_t floor;		/* the largest ranking count among them (0: none) */
};

struct xs_fleet_tick {
	uint64_t seq, start_us, length_us;
	bool hll;		/* registers present: the key's id below */
	char key_id[17];
	struct xs_fleet_list l[XS_FL_MAX];
	struct xs_fleet_top *tops;
	uint64_t events_dropped;	/* new-flow events the fleet could not keep */
};

#endif
