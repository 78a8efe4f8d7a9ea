/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Fingerprints of flood and reflection alerts, and the actions that use
 * them. When such an alert starts, its victim is watched in the kernel
 * (victims.h): its packets are sampled, and from the next tick on the
 * fingerprint (fingerprint.h) goes into the alert (an update is sent at
 * once) and to the rule's actions:
 *   filter     the fingerprint as drop rules for the victim in XDP, their
 *              TTL renewed each tick while the alert lasts, removed at its
 *              end (with enforce off: installed to count only);
 *   flowspec   each clause announced as a FlowSpec rule (discard, or a
 *              rate limit), withdrawn at the end;
 *   blackhole  the victim's host route with the blackhole community,
 *              announced when the alert starts, withdrawn at its end.
 * A fingerprint that stops covering the attack (it changed) is replaced.
 * Every action, refusal and end is an event for the sinks (schema/
 * mitigation.schema.json) naming the fingerprint and the routes.
 *
 * A daemon that starts knows of no alert: it empties the victims' table
 * and announces nothing until an alert fires again (the routes of the
 * one before died with its speaker).
 */
#ifndef XS_FPOLICY_H
#define XS_FPOLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "collector.h"
#include "engine.h"
#include "output.h"
#include "settings.h"

struct xs_bpf;
struct xs_fpolicy;

struct xs_fpolicy_opts {
	const struct xs_settings *settings;
	struct xs_bpf *b;
	struct xs_collector *col;
	struct xs_outputs *out;	/* mitigation events go there (NULL: none) */
	bool act;		/* take the rules' actions (run); else fingerprints only */
	bool bgp;		/* the BGP speaker is open (speaker.h) */
	bool live;		/* samples' clock is the kernel's (run), else the ticks' */
	int ncpus;		/* CPUs running the program: the budget is per CPU */
};

/* NULL on an error (logged). */
struct xs_fpolicy *xs_fpolicy_new(const struct xs_fpolicy_opts *o);
/* Ends every fingerprint's actions (routes withdrawn, rules removed). */
void xs_fpolicy_free(struct xs_fpolicy *p);
/* New settings (reload): take effect for the next decisions. */
void xs_fpolicy_configure(struct xs_fpolicy *p, const struct xs_settings *s);
/* From now on take the rules' actions, events to out, BGP when bgp. */
void xs_fpolicy_act(struct xs_fpolicy *p, struct xs_outputs *out, bool bgp);
/* The engine whose alerts carry the fingerprints (again after a new one). */
void xs_fpolicy_attach(struct xs_fpolicy *p, struct xs_engine *e);

void xs_fpolicy_on_alert(struct xs_fpolicy *p, const struct xs_alert_out *a);
/* Once a tick, after the engine: sampling rates, fingerprints, actions. */
void xs_fpolicy_tick(struct xs_fpolicy *p, const struct xs_tick *t, double ts);

struct xs_fpolicy_stats {
	uint64_t watched;		/* victims watched now */
	uint64_t alerts;		/* alerts with a fingerprint state now */
	uint64_t found, changed;	/* fingerprints found, replaced */
	uint64_t samples;		/* samples received */
	uint64_t unwatched_full;	/* alerts not watched: the table was full */
	uint64_t filters;		/* filter rules in the kernel now */
	uint64_t events;		/* mitigation events sent */
};
void xs_fpolicy_get_stats(const struct xs_fpolicy *p, struct xs_fpolicy_stats *st);
/* What `status` and `top` show (the BGP fields too). */
void xs_fpolicy_board(struct xs_fpolicy *p, struct xs_fp_board *b);

#endif
