/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fleet_mitigation: true. Reads the fleet application's mitigation topic
 * (schema/fleet_mitigation.schema.json) with a consumer group of this
 * sensor's own (every sensor sees every request; read_committed: nothing
 * of an aborted transaction), and hands each request, checked, to the
 * mitigation policy, which applies it with the safety of a rule's action
 * (xs_mpolicy_fleet). Brokers, security and sensor name are those of the
 * kafka output that sends the aggregates.
 *
 * Non-blocking: librdkafka's queue wakes a pipe that the daemon's epoll
 * watches (xs_fleet_consumer_fd); xs_fleet_consumer_poll() then takes what
 * has arrived and returns. A request older than its TTL is skipped; one
 * that does not parse is counted and logged (at most once a minute).
 */
#ifndef XS_FLEET_CONSUMER_H
#define XS_FLEET_CONSUMER_H

#include <stdint.h>

#include "mpolicy.h"
#include "settings.h"

struct xs_fleet_consumer;

struct xs_fleet_consumer_stats {
	uint64_t received, applied, refused, expired, malformed;
};

/* NULL on error (logged): bad broker settings, librdkafka refusing them. */
struct xs_fleet_consumer *xs_fleet_consumer_new(const struct xs_settings *s,
						struct xs_mpolicy *pol);
/* Leaves the group (committing what was read) and frees. NULL is fine. */
void xs_fleet_consumer_free(struct xs_fleet_consumer *c);
int xs_fleet_consumer_fd(const struct xs_fleet_consumer *c);
/* Applies what has arrived; now: seconds since the epoch (for TTLs). */
void xs_fleet_consumer_poll(struct xs_fleet_consumer *c, double now);
void xs_fleet_consumer_stats(const struct xs_fleet_consumer *c, struct xs_fleet_consumer_stats *st);

/* Parses one request (the message's value); 0, or -1 with why. The
 * lifetime left at now is in r->ttl_s (0 with -1: expired, *expired set). */
int xs_fleet_req_parse(const char *json, size_t len, double now, struct xs_fleet_req *r,
		       int *expired, char *why, size_t whylen);

#endif
