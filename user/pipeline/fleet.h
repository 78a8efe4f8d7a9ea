/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The fleet part of each tick's aggregates (docs/fleet.md, "What a sensor
 * computes"), built once per tick for every sink that sends aggregates.
 * Where each number comes from, and how exact it is:
 *
 *   packets, bytes, syn of victims, sources and their /24 or /64: the
 *       kernel's per-address tables, exact (short only when a table is
 *       full, which its counter says: dst_map_full, src_map_full)
 *   login attempts (victims' login services, sources, source prefixes):
 *       new-flow events that open a TCP connection (SYN without ACK) to a
 *       login port: connection attempts, a retransmitted SYN counts once;
 *       short by what the event budget dropped (events_lost_*)
 *   sources_hll of a watched victim (the top `fleet_watch` destinations
 *       of the last tick): the kernel's sketch of every packet's source
 *       (bpf/fleet.h), exact registers whatever the flood's rate, merged
 *       with the events' sources of the tick before the watch began
 *   sources_hll of other victims and of prefixes, logins' sources_hll,
 *       targets_hll: the events' addresses, so under the event budget
 *   victims_hll of a prefix: every destination of the kernel's table
 *   top_sources of a victim: the sources its new flows came from, each
 *       counted at most its own packets this tick (per-source table) and at
 *       least its new flows: count and error bound the truth both ways
 *
 * With more than a message can carry, the first sketches keep their
 * precision and the rest share what remains at a lower one (folding is
 * exact), so a tick always fits in a Kafka message of 1 MB.
 */
#ifndef XS_FLEET_H
#define XS_FLEET_H

#include <stdbool.h>
#include <stdint.h>

#include "collector.h"
#include "settings.h"
#include "sinks/fleet_tick.h"

struct xs_fleet;
struct xs_bpf;

/* NULL when s sends no aggregates (nothing to build), or out of memory
 * (logged). */
struct xs_fleet *xs_fleet_new(const struct xs_settings *s);
void xs_fleet_free(struct xs_fleet *f);

/* Reads and writes the program's fleet maps from now on (b loaded). An
 * adopted program whose sketches were kept with the same key goes on
 * where the last daemon stopped; otherwise they start empty. ncpus: the
 * CPUs whose regions exist. Returns 0 or a negative errno (logged). */
int xs_fleet_attach(struct xs_fleet *f, struct xs_bpf *b, int ncpus);

/* Does the program keep sketches for f (a key, victims to watch, the maps
 * sized for them)? False for NULL. */
bool xs_fleet_sketches(const struct xs_fleet *f);

/* A new-flow event, as it comes (any epoch). */
void xs_fleet_on_event(struct xs_fleet *f, const struct xs_flow_event *e);

/* Builds the fleet part of the tick t just drained, which ran from
 * start to end (seconds since the epoch), and points t->fleet at it
 * (valid until the next call). Leaves t->fleet NULL when out of memory. */
void xs_fleet_tick(struct xs_fleet *f, struct xs_tick *t, double start, double end);

/* Wall-clock end of the last tick the kernel maps held before this daemon
 * (an adopted program), or 0. */
double xs_fleet_resume_time(const struct xs_fleet *f);

#endif
