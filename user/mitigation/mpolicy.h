/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The daemon's mitigation policy. Alerts of rules whose action is block or
 * rate_limit add entries to the kernel's tables (enforce mode), renewed
 * while the alert goes on; every change of the tables, whoever made it
 * (a rule, `xdpstream block`, a TTL), becomes an event for the sinks.
 *
 * Hostile input (issue 13): a rule blocks a source only with evidence
 * that it is real (handshakes completed or data sent in the attack's own
 * flows: spoofed packets never show either), never one in the sensor's
 * own networks, and rules together hold at most rule_blocks_max entries
 * of the blocklist, added at most rule_blocks_per_minute, so that the
 * rest stays free for `xdpstream block`.
 */
#ifndef XS_MPOLICY_H
#define XS_MPOLICY_H

#include "mitigate.h"
#include "output.h"
#include "settings.h"

struct xs_mpolicy;

struct xs_mpolicy_stats {
	uint64_t blocks, limits;	/* entries added by rules */
	uint64_t fleet_applied;		/* fleet requests applied (or reported, enforce off) */
	uint64_t fleet_refused;		/* refused: allowlisted, too broad, table full, ... */
	uint64_t not_enforced;		/* actions only reported (enforce off) */
	uint64_t skipped;		/* allowlisted attacker, no attacker, table full */
	uint64_t events;		/* block/unblock/rate_limit/unlimit events sent */
	uint64_t no_evidence;		/* blocks waiting for evidence (alert events) */
	uint64_t exempt;		/* attackers in the sensor's own networks */
	uint64_t over_quota;		/* blocks refused: rules' share of the blocklist full */
	uint64_t over_rate;		/* blocks delayed: rule_blocks_per_minute */
};

/* m: the kernel tables (NULL for a policy that only reports); out: where
 * its events go (NULL: counted only). */
struct xs_mpolicy *xs_mpolicy_new(struct xs_mitig *m, const struct xs_settings *s,
				  struct xs_outputs *out);
void xs_mpolicy_free(struct xs_mpolicy *p);
/* The engine that watches sources for evidence (issue 13); NULL: none,
 * and a rule that needs evidence never blocks. */
struct xs_engine;
void xs_mpolicy_set_engine(struct xs_mpolicy *p, struct xs_engine *e);
/* New settings (reload): pushes the allowlist to the kernel again. */
int xs_mpolicy_configure(struct xs_mpolicy *p, const struct xs_settings *s);
/* An alert event: start/update apply or renew the rule's action. */
void xs_mpolicy_on_alert(struct xs_mpolicy *p, const struct xs_alert_out *a);
/* Once a tick: expires entries and reports every change of the tables. */
void xs_mpolicy_tick(struct xs_mpolicy *p, double ts);
void xs_mpolicy_get_stats(const struct xs_mpolicy *p, struct xs_mpolicy_stats *st);

/* A request of the fleet application (schema/fleet_mitigation.schema.json),
 * already checked by its reader (user/mitigation/fleet_consumer.c). */
enum xs_fleet_action { XS_FA_BLOCK = 0, XS_FA_UNBLOCK, XS_FA_LIMIT, XS_FA_UNLIMIT };
struct xs_fleet_req {
	enum xs_fleet_action action;
	struct xs_prefix p;	/* block: the sources; rate_limit: the destination */
	char alert_id[17];	/* the fleet alert's event.id */
	char rule[32];
	__u64 ttl_s;		/* what is left of its lifetime */
	__u32 match;		/* rate_limit: enum xs_limit_match */
	__u64 pps;		/* rate_limit: packets/s this sensor lets through */
};
/* Applies it as a rule's action is applied: never to an allowlisted
 * source, never broader than a /24 or /64 (what the application sends),
 * never over an entry someone else made, only reported with enforce mode
 * off; unblock and unlimit remove only what the same alert added. Each
 * change is reported as a mitigation event "by": "fleet". Returns 0, or
 * -EPERM (refused, logged and counted) or -errno (table full...). */
int xs_mpolicy_fleet(struct xs_mpolicy *p, const struct xs_fleet_req *r, double ts);

#endif
