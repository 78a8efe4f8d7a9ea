/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The detection engine: new-flow events and drained ticks in, alerts out.
 * Pure and deterministic: it never reads a clock; the caller says what
 * time each tick ends (wall clock live, capture time in replay). All
 * memory is allocated by xs_engine_new(), sized by the limits; an event
 * never allocates.
 *
 * Per tick the caller delivers that tick's events (xs_engine_on_event),
 * then its aggregates (xs_engine_on_tick). Ticks without traffic go
 * through xs_engine_idle(), which is cheap however many there are.
 */
#ifndef XS_ENGINE_H
#define XS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "alert.h"
#include "collector.h"
#include "settings.h"

struct xs_engine;

struct xs_engine_opts {
	const struct xs_settings *settings;
	const char *ifname;	/* observer.ingress.interface.name, may be NULL */
	xs_alert_fn on_alert;	/* each rendered alert event */
	void *ctx;
};

struct xs_engine *xs_engine_new(const struct xs_engine_opts *o);
void xs_engine_free(struct xs_engine *e);
/* New settings (reload) while keeping every window and open alert: works
 * when the tick, the limits and the windows' ring shapes are unchanged;
 * otherwise -EAGAIN, and the caller starts a new engine. */
int xs_engine_reconfigure(struct xs_engine *e, const struct xs_settings *s);
/* Would xs_engine_reconfigure() take s (without changing anything)? */
bool xs_engine_compatible(const struct xs_engine *e, const struct xs_settings *s);

void xs_engine_on_event(struct xs_engine *e, const struct xs_flow_event *ev);
/* Ends the current tick: t holds its aggregates (may be NULL: no
 * traffic), ts is the tick's end, seconds since the epoch. */
void xs_engine_on_tick(struct xs_engine *e, const struct xs_tick *t, double ts);
/* n ticks without traffic, the last ending at ts. */
void xs_engine_idle(struct xs_engine *e, uint64_t n, double ts);
/* Lets time run on without traffic until every open alert has ended (end
 * of a capture). Returns the end time of the last tick it ran. */
double xs_engine_drain(struct xs_engine *e, double ts);
/* Ends every open alert now (shutdown). */
void xs_engine_close_alerts(struct xs_engine *e, double ts);
/* The alerts' annotations (their fingerprint), and an update of alert id
 * now (it was found). See alert.h. */
void xs_engine_set_annotate(struct xs_engine *e, xs_alert_annotate_fn fn, void *ctx);
bool xs_engine_alert_refresh(struct xs_engine *e, const char *id, double ts);

/*
 * Evidence that a source is real (issue 13). The engine chooses which
 * keys the kernel watches (struct xs_watch_key: brute-force candidates'
 * service pairs, and what the mitigation policy asks for), at most
 * XS_WATCH_MAX, the most urgent first. Each tick the caller reads the
 * kernel's counts of the watched keys into the engine before the tick
 * (xs_engine_watch_counts), and after it puts the engine's choice into
 * the kernel (xs_engine_watch_keys, then xs_engine_watch_synced).
 */
/* Watch k for ticks ticks more (the policy, waiting for evidence). */
void xs_engine_watch(struct xs_engine *e, const struct xs_watch_key *k, uint32_t ticks);
/* What the source sent in k's flows since k is watched; false when k is
 * not watched in the kernel (yet). */
bool xs_engine_evidence(const struct xs_engine *e, const struct xs_watch_key *k,
			struct xs_watch_val *since_watched);
/* The keys the kernel should watch now, most urgent first (at most max). */
size_t xs_engine_watch_keys(struct xs_engine *e, struct xs_watch_key *out, size_t max);
/* The keys just returned are in the kernel from now on (zeroed). */
void xs_engine_watch_synced(struct xs_engine *e, const struct xs_watch_key *keys, size_t n);
/* The kernel's cumulative counts of a watched key. */
void xs_engine_watch_counts(struct xs_engine *e, const struct xs_watch_key *k,
			    const struct xs_watch_val *cum);

struct xs_engine_stats {
	uint64_t ticks;
	uint64_t events;
	uint64_t alerts[XS_R_MAX];	/* alerts started, per rule */
	uint64_t alert_events;		/* start + update + end */
	uint64_t overflow_pairs, overflow_scan, overflow_sweep, overflow_services;
	uint64_t overflow_conns, overflow_dst, overflow_alerts, overflow_frags;
	uint64_t watched;		/* keys watched in the kernel now */
	uint64_t evicted_pairs;		/* single-packet pairs evicted for new ones */
	uint64_t overflow_logins, overflow_probers, overflow_sips;
};
void xs_engine_get_stats(const struct xs_engine *e, struct xs_engine_stats *s);
double xs_engine_tick_s(const struct xs_engine *e);

#endif
