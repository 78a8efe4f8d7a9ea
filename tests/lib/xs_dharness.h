/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A detection engine fed by hand, for the detector suites: ticks of
 * per-destination and per-source kernel counts built in the test (no BPF),
 * flow events, and the alerts the engine renders, each parsed back and
 * written to a JSON-lines file that the suite checks against the schema.
 * (tests/unit/test_detect.c keeps its own copy of the same harness.)
 */
#ifndef XS_DHARNESS_H
#define XS_DHARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "settings.h"

#define XS_DH_T0 1000000000.0	/* 2001-09-09T01:46:40Z */
#define XS_DH_MAXEV 512
#define XS_DH_MAXKEYS 1024

struct xs_dh_alert {
	char rule[24], action[8], id[24], src[48], dst[48], unit[24], prefix[64], as_rule[24];
	int port;
	double ts, value, peak, threshold;
	int ntopdst;
	char json[4096];	/* the start of its JSON */
};

struct xs_dh {
	struct xs_settings s;
	struct xs_engine *e;
	double ts;		/* end of the last tick */
	double tick_s;
	struct xs_dst_entry dst[XS_DH_MAXKEYS];
	size_t ndst;
	struct xs_src_entry src[XS_DH_MAXKEYS];
	size_t nsrc;
	struct xs_global g;
	float slice_s[XS_SLICES];	/* the next tick's slices (0: none) */
	struct xs_dh_alert ev[XS_DH_MAXEV];
	int nev;
	FILE *jsonl;		/* every alert event, one line each */
};

/* A harness with the default settings, plus yaml if not NULL. Alerts go
 * to jsonl (may be NULL). */
void xs_dh_init(struct xs_dh *h, const char *yaml, FILE *jsonl);
/* Lets every open alert end, then frees the engine. */
void xs_dh_free(struct xs_dh *h);

struct xs_addr xs_dh_addr(const char *s);
/* The kernel counts of a destination (or source) in the tick being built. */
struct xs_dst *xs_dh_dst(struct xs_dh *h, const char *addr);
struct xs_dst *xs_dh_dst_a(struct xs_dh *h, struct xs_addr a);
struct xs_src *xs_dh_src(struct xs_dh *h, const char *addr);
/* n distinct items from base into HyperLogLog registers, hashed the way
 * bpf/sketch.h does it; the same items give the same registers. */
void xs_dh_hll(uint8_t *regs, uint32_t base, uint32_t n);
/* The estimate the engine will read from n such items. */
double xs_dh_hll_est(uint32_t base, uint32_t n);
/* n distinct sources into a 64-bit linear-counting bitmap (bpf/account.h). */
uint64_t xs_dh_bits(uint32_t base, uint32_t n);
void xs_dh_event(struct xs_dh *h, const char *src, const char *dst, uint8_t proto,
		 uint16_t sport, uint16_t dport, uint8_t flags);
/* Sets every slice of the next ticks to tick / XS_SLICES long (what replay
 * does), or none (0). */
void xs_dh_slices(struct xs_dh *h, bool on);
/* Ends the tick: delivers what was built, then clears it. */
void xs_dh_tick(struct xs_dh *h);
void xs_dh_idle(struct xs_dh *h, uint64_t n);

int xs_dh_count(const struct xs_dh *h, const char *rule, const char *action);
const struct xs_dh_alert *xs_dh_first(const struct xs_dh *h, const char *rule,
				      const char *action);

#endif
