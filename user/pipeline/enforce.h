/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `replay --enforce`: what the fingerprints of a capture's flood and
 * reflection alerts would have done to it, counted by the XDP program
 * itself. Two more passes over the capture through BPF_PROG_TEST_RUN:
 *   1. every packet of each alert's victim sampled (no budget): the
 *      fingerprint of the alert's class (fingerprint.h);
 *   2. the fingerprints installed as count-only rules of their victims:
 *      the program's own counters say, per clause, how many of the
 *      attack's packets it matches (would drop) and how many others.
 * Exact: no sampling in the counts. A fingerprint applies to the whole
 * capture here, the most it could drop and the most it could hit; live,
 * its rule exists from the tick after the alert starts to its end.
 */
#ifndef XS_ENFORCE_H
#define XS_ENFORCE_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "fingerprint.h"
#include "settings.h"

#define XS_ENFORCE_MAX 64	/* alerts looked at per capture */

struct xs_enforce_item {
	char id[24];		/* the alert's event.id */
	int rule;		/* enum xs_rule */
	struct xs_addr victim;
	struct xs_fingerprint fp;	/* n == 0: no packet of its class */
	uint64_t attack, other;	/* the victim's packets: of the class, the rest */
	uint64_t hit_attack[XS_FP_CLAUSES], hit_other[XS_FP_CLAUSES];
	uint64_t dropped, collateral;	/* sums over the clauses (they are disjoint) */
};

struct xs_enforce {
	const char *path;
	int n;
	struct xs_enforce_item it[XS_ENFORCE_MAX];
	uint64_t skipped;	/* alerts past XS_ENFORCE_MAX or the victims table */
};

/* Adds an alert (its start event) to look at; floods and reflection only. */
void xs_enforce_add(struct xs_enforce *e, const char *id, const char *rule, const char *dst_ip);
/* The two passes. Returns 0 or a negative xs_exit code (logged). */
int xs_enforce_run(struct xs_enforce *e, const struct xs_settings *s);
void xs_enforce_print(const struct xs_enforce *e, FILE *f);
json_t *xs_enforce_json(const struct xs_enforce *e);

#endif
