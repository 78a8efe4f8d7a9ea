/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A detection engine fed by hand, for unit tests of the detectors: ticks
 * and new-flow events built in the test (no BPF, no pcap), every alert
 * event kept (and written to a JSON-lines file that det_schema_ok()
 * validates against schema/alert.schema.json).
 */
#ifndef XS_DET_H
#define XS_DET_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "settings.h"

#define DET_T0 1000000000.0 /* 2001-09-09T01:46:40Z: the start of every run */
#define DET_MAXKEYS 4096

struct det_alert {
	char rule[32], action[8], id[24], src[48], dst[48], unit[24], kind[32];
	int port; /* destination.port, -1: none */
	double ts, value, peak, threshold, window_s;
	bool incomplete;
	int nports; /* ports_sample */
	int ports[8];
	char details[512]; /* xdpstream.details as JSON */
};

struct det {
	struct xs_settings s;
	struct xs_engine *e;
	double ts; /* end of the last tick */
	double tick_s;
	struct xs_dst_entry *dst; /* this tick's aggregates, DET_MAXKEYS each */
	size_t ndst;
	struct xs_src_entry *src;
	size_t nsrc;
	struct xs_global g;
	struct det_alert *ev; /* every alert event so far */
	int nev, cap;
	/* The "kernel's" watched keys (user/detection/evidence.c) and what
	 * it counted in their flows since they were given to it. */
	struct xs_watch_key wk[XS_WATCH_MAX];
	struct xs_watch_val wv[XS_WATCH_MAX];
	size_t nw;
};

/* Opens the file every harness appends its alerts to (once per suite). */
int det_log_open(const char *suite);
void det_log_close(void);
/* Validates the file against the schema; true when every alert is valid
 * and there are at least min_alerts. */
bool det_schema_ok(int min_alerts);

/* Defaults, then yaml (NULL: none) applied; a config error fails the test. */
void det_init(struct det *h, const char *yaml);
/* Runs time on until every alert ended, then frees the engine (the alerts
 * stay readable until det_done). */
void det_free(struct det *h);
void det_done(struct det *h);

struct xs_addr det_a(const char *s);
/* The i-th address of 11.0.0.0/8 (or of 2001:db8:ff::/64 if v6). */
struct xs_addr det_an(uint32_t i, bool v6);

/* This tick's counters of an address (created zeroed). */
struct xs_dst *det_dst(struct det *h, struct xs_addr a);
struct xs_src *det_src(struct det *h, struct xs_addr a);
/* n distinct items (from base on) into HyperLogLog registers, the way
 * bpf/sketch.h does it. */
void det_hll(uint8_t *regs, uint32_t base, uint32_t n);

void det_event(struct det *h, struct xs_addr src, struct xs_addr dst, uint8_t proto, uint16_t sport,
	       uint16_t dport, uint8_t tcp_flags);
/* The source's packets and segments with payload in its TCP flows to
 * dst:port, counted as the program counts them: only in keys it watches. */
void det_pair(struct det *h, struct xs_addr src, struct xs_addr dst, uint16_t port, uint64_t pkts,
	      uint64_t data);
/* Ends the tick with what was built, then clears it; the engine's
 * watched keys go to the "kernel" (kept counts for kept keys). */
void det_tick(struct det *h);
/* n ticks without traffic. */
void det_idle(struct det *h, uint64_t n);

/* Alert events of rule (NULL: any) and action (NULL: any). */
int det_count(const struct det *h, const char *rule, const char *action);
const struct det_alert *det_first(const struct det *h, const char *rule, const char *action);
/* Distinct alerts (event ids) started for rule (NULL: any). */
int det_alerts(const struct det *h, const char *rule);

#endif
