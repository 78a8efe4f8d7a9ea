/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The tick pipeline: the one path from the kernel's maps to the outputs,
 * driven by `run` (a timer) and by `replay` (the capture's timestamps).
 *
 *   ring buffer -> engine            new-flow events, as they come
 *   each tick:  collector flip       the kernel writes the other epoch
 *               -> engine            windows, detectors, alert life cycle
 *               -> fleet             the aggregates' fleet part (fleet.h)
 *               -> outputs           the tick's aggregates to the sinks
 *               -> mitigation        rules' actions, table changes reported;
 *                                    fingerprints of the flood alerts and
 *                                    their actions (filter, FlowSpec, blackhole)
 *               -> status            what `status` and `top` read
 *   alerts:     engine -> outputs, mitigation policy, the caller's callback
 *
 * It also turns the settings into the kernel's run-time knobs, the one
 * place that does (event budget, flow TTL, reflector ports).
 */
#ifndef XS_PIPELINE_H
#define XS_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "collector.h"
#include "engine.h"
#include "fleet.h"
#include "fleet_consumer.h"
#include "fpolicy.h"
#include "mpolicy.h"
#include "output.h"
#include "settings.h"
#include "status.h"

/* Flows unseen this long are forgotten by the kernel's flow table. */
#define XS_FLOW_TTL_MS 120000

struct xs_pipeline_opts {
	const struct xs_settings *settings;	/* kept: must outlive the pipeline */
	const char *ifname;	/* observer.ingress.interface.name; NULL in replay */
	struct xs_outputs *out;	/* alerts and ticks go there (NULL: nowhere) */
	xs_alert_fn on_alert;	/* and each alert to this too, if set */
	void *ctx;
};

struct xs_pipeline {
	const struct xs_settings *set;
	const char *ifname;
	struct xs_collector col;
	bool collecting;		/* col is set up (false: dry, for fuzzing) */
	struct xs_engine *eng;
	struct xs_outputs *out;
	struct xs_mpolicy *pol;		/* NULL: no mitigation (replay) */
	struct xs_fpolicy *fpol;	/* fingerprints; acting only in run */
	struct xs_status_pub *status;	/* NULL: nothing published (replay) */
	struct xs_fleet *fleet;		/* NULL: no aggregates are sent */
	struct xs_fleet_consumer *fleet_mit;	/* NULL: fleet_mitigation off */
	double tick_start;		/* wall clock start of the live tick being filled */
	xs_alert_fn on_alert;
	void *ctx;
	uint64_t ticks, events;
	double last_tick;		/* CLOCK_MONOTONIC end of the last tick */
	double last_flip;		/* CLOCK_MONOTONIC of the last flip (live) */
	struct xs_watch_key *wkeys;	/* the engine's choice of watched keys */
	bool watch_warned;
	struct xs_tick tick;		/* the tick just ended (valid until the next) */
	/* Sub-tick slices (bursts): the slice being written and when each
	 * began, on the live clock (CLOCK_MONOTONIC) or in capture time
	 * (replay: slices are exactly tick / XS_SLICES long). */
	int slice_clock;		/* XS_SLICE_OFF, _LIVE or _CAPTURE */
	unsigned int slice;
	double tick_t0;
	double slice_t0[XS_SLICES];
};

enum { XS_SLICE_OFF = 0, XS_SLICE_LIVE, XS_SLICE_CAPTURE };

/* When a live tick was due, for the outputs' timing metrics. */
struct xs_tick_clock {
	double due;		/* CLOCK_MONOTONIC seconds */
	uint64_t missed;	/* timer expirations folded into this tick */
};

/* Creates the engine. Returns 0 or a negative xs_exit code (logged). */
int xs_pipeline_init(struct xs_pipeline *p, const struct xs_pipeline_opts *o);
/* Reads the loaded program b from now on, and sets its knobs. live: the
 * program runs on every CPU at once (the collector waits for in-flight
 * runs after a flip; the event budget is shared by the CPUs); otherwise
 * one CPU runs every frame (replay) and gets the whole budget. */
int xs_pipeline_collect(struct xs_pipeline *p, struct xs_bpf *b, bool live);
/* Applies the rules' actions to the kernel tables m and, with bgp (the
 * speaker is open), upstream (run); with fleet_mitigation, the fleet
 * application's requests too. */
int xs_pipeline_mitigate(struct xs_pipeline *p, struct xs_mitig *m, bool bgp);
/* For the daemon's epoll: readable when fleet requests have arrived
 * (then call xs_pipeline_service); -1 without fleet_mitigation. */
int xs_pipeline_fd(const struct xs_pipeline *p);
void xs_pipeline_service(struct xs_pipeline *p);
/* Publishes each tick for `status` and `top` (run). */
void xs_pipeline_publish(struct xs_pipeline *p, struct xs_status_pub *st);
void xs_pipeline_free(struct xs_pipeline *p);

/* The settings' kernel knobs into the program's run-time map. cpus: how
 * many CPUs share the event budget. */
int xs_pipeline_knobs(struct xs_collector *col, const struct xs_settings *s, unsigned int cpus);

/* Ends a tick: everything from the flip to the outputs. ts is its end in
 * seconds since the epoch (wall clock live, capture time in replay);
 * clk is NULL in replay. Returns 0 or a negative errno (maps unreadable). */
int xs_pipeline_tick(struct xs_pipeline *p, double ts, const struct xs_tick_clock *clk);
/* Run's start, when it adopted a kept program that sends aggregates: the
 * stretch the program counted without a daemon (since the last one's last
 * tick) ends now, as a tick of its own, rather than swelling the first. */
void xs_pipeline_resume(struct xs_pipeline *p);
/* Shutdown at ts: the tick in progress goes to the engine (the totals are
 * then complete) and to the outputs (its aggregates, for its real length),
 * and every open alert ends. */
void xs_pipeline_finish(struct xs_pipeline *p, double ts);
/* n ticks without traffic (replay's gaps), the last ending at ts. */
void xs_pipeline_idle(struct xs_pipeline *p, uint64_t n, double ts);
/* Moves the kernel on to the sub-tick slice that time `now` falls in
 * (CLOCK_MONOTONIC live, capture time in replay), if it is a later one.
 * Live, call it at least every tick / XS_SLICES; replay, before each frame. */
void xs_pipeline_slice(struct xs_pipeline *p, double now);
/* The tick being filled started at t0 (same clock), at slice 0: replay
 * says so for its first tick; every later one starts where the last ended. */
void xs_pipeline_tick_start(struct xs_pipeline *p, double t0);
/* Delivers the new-flow events waiting in the ring buffer. */
void xs_pipeline_poll(struct xs_pipeline *p);

/* New settings, taking effect now (SIGHUP): the outputs (kept when their
 * section is unchanged, else replaced), the engine (a new one when its
 * windows change shape), the kernel's knobs and the mitigation policy.
 * On success s replaces the settings in use (the caller then frees the
 * old ones; s must outlive the pipeline). Returns -1, with the running
 * configuration still in force, when the new outputs cannot all open or
 * there is no memory for a new engine (logged). The tick and the map
 * sizes are not changed. */
int xs_pipeline_reconfigure(struct xs_pipeline *p, const struct xs_settings *s);

#endif
