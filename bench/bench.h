/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xdpstream-bench: shared reporting (a table on stdout, JSON results). */
#ifndef XS_BENCH_H
#define XS_BENCH_H

#include <jansson.h>
#include <stdbool.h>

struct bench_stat {
	double min, median, max;
};

struct bench_ctx {
	json_t *root;		/* the whole results document */
	json_t *section;	/* the section being filled */
	int repeat;		/* test-run repetitions per measurement */
	int runs;		/* measurements per figure */
	bool quick;		/* smoke mode for the test suite */
};

void bench_section(struct bench_ctx *bc, const char *key, const char *title);
void bench_section_end(struct bench_ctx *bc);
/* A figure with min/median/max; baseline may be NULL. */
void bench_row(struct bench_ctx *bc, const char *name, const struct bench_stat *st,
	       const struct bench_stat *baseline, const char *unit);
/* A single value. */
void bench_value(struct bench_ctx *bc, const char *name, double v, const char *unit);

int bench_pktcost(struct bench_ctx *bc);
int bench_drain(struct bench_ctx *bc);
int bench_engine(struct bench_ctx *bc);
int bench_collide(struct bench_ctx *bc);
int bench_fleet_tick(struct bench_ctx *bc);

#endif
