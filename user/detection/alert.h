/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Alerts: detectors report findings each tick; the alert manager turns
 * them into one alert per attack, keyed on (rule, attacker, victim):
 *   start  the first finding for a key
 *   update while findings go on, at most every update_interval_s, with the
 *          peak and current values
 *   end    once the key has been quiet for cooldown_s
 * and renders each as one JSON line with Elastic Common Schema names (see
 * schema/alert.schema.json) plus a one-line human form.
 */
#ifndef XS_ALERT_H
#define XS_ALERT_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "output.h"
#include "settings.h"
#include "xs_abi.h"

typedef void (*xs_alert_fn)(void *ctx, const struct xs_alert_out *a);
/* What only the caller knows of an alert (its fingerprint): members for
 * its xdpstream object x, and a few words for its human line (extra, a
 * string the callee may fill). */
typedef void (*xs_alert_annotate_fn)(void *ctx, const char *id, json_t *x, char *extra,
				     size_t len);

/* What the kernel and the engine could not count during a window. */
struct xs_loss {
	uint64_t ev_budget;	/* new-flow events over the kernel's budget */
	uint64_t ev_ringfull;	/* new-flow events lost: ring buffer full */
	uint64_t dst_full;	/* packets not tracked per destination: map full */
	uint64_t src_full;	/* packets not tracked per source: map full */
	uint64_t src_unadmitted;	/* packets not tracked per source: a new
					 * source of a flooded destination, outside
					 * the admission sample */
	uint64_t flow_full;	/* flows not tracked: flow table full */
	uint64_t engine;	/* engine keys refused at their limits */
};

#define XS_FIND_TOP 8
#define XS_FIND_DETAILS 8
#define XS_FIND_PORTS 8

struct xs_finding {
	int rule;			/* enum xs_rule */
	bool has_src, has_dst;
	struct xs_addr src, dst;	/* attacker, victim */
	uint8_t src_plen;		/* src stands for src/src_plen (IPv6 sources
					 * counted per prefix); 0: the address */
	bool src_in_key;		/* the attacker is part of the alert's identity
					 * (scans, brute force); a flood is the victim's:
					 * its attacker is the one named at its start */
	int key_port;			/* part of the alert's identity; -1: none */
	int dport;			/* destination.port; -1: none */
	uint8_t proto;			/* IPPROTO_*; 0: any */
	char network[48];		/* the network group whose settings applied
					 * (a copy: a reload frees the old names) */
	double window_s;
	double value;			/* observed */
	const char *unit;
	double threshold;		/* < 0: a baseline decided */
	double mean, stddev, k, floor;	/* the baseline, when threshold < 0 */
	int ntop;
	struct {
		struct xs_addr a;
		uint64_t n;
	} top[XS_FIND_TOP];
	const char *top_unit;		/* what top[].n counts */
	int ndetails;
	struct {
		const char *name;
		double v;
	} details[XS_FIND_DETAILS];
	const char *kind;		/* what the attack is, within its rule; NULL: unsaid */
	int nports;
	uint16_t ports[XS_FIND_PORTS];	/* a sample of the ports involved */
	struct xs_loss loss;
	/* A victim network (carpet bombing): its prefix, e.g. "198.51.100.0/24",
	 * and its busiest addresses. */
	char dst_prefix[48];
	const char *as_rule;	/* the host rule whose test the network's sums passed */
	int ntopdst;
	struct {
		struct xs_addr a;
		uint64_t n;
	} topdst[XS_FIND_TOP];
};

void xs_finding_init(struct xs_finding *f, int rule);
void xs_finding_detail(struct xs_finding *f, const char *name, double v);

struct xs_alert_mgr;

/* New update interval, cooldown, top sources (reload); open alerts stay. */
void xs_alerts_set_cfg(struct xs_alert_mgr *m, const struct xs_alert_cfg *cfg);
struct xs_alert_mgr *xs_alerts_new(const struct xs_alert_cfg *cfg, uint32_t limit,
				   const char *ifname, xs_alert_fn fn, void *ctx);
void xs_alerts_free(struct xs_alert_mgr *m);
void xs_alerts_set_annotate(struct xs_alert_mgr *m, xs_alert_annotate_fn fn, void *ctx);
/* Emits an update of the open alert id now, whatever the update interval
 * (its evidence changed). Returns whether it is open. */
bool xs_alerts_refresh(struct xs_alert_mgr *m, const char *id, double ts);

/* A detector fired for f during the tick ending at ts. */
void xs_alerts_report(struct xs_alert_mgr *m, const struct xs_finding *f, double ts);
/* End of the tick ending at ts: alerts quiet for the cooldown end. */
void xs_alerts_tick(struct xs_alert_mgr *m, double ts);
/* Ends every open alert (reason goes to event.reason). */
void xs_alerts_close_all(struct xs_alert_mgr *m, double ts, const char *reason);

size_t xs_alerts_open(const struct xs_alert_mgr *m);
/* The time the last open alert will end if nothing fires again. */
double xs_alerts_quiet_until(const struct xs_alert_mgr *m);
/* Whether an alert of a rule in rule_mask (1 << rule) is open on victim. */
bool xs_alerts_victim_open(const struct xs_alert_mgr *m, const struct xs_addr *dst,
			   uint32_t rule_mask);

struct xs_alert_stats {
	uint64_t started[XS_R_MAX];
	uint64_t events;
	uint64_t overflow;	/* findings dropped: too many open alerts */
};
void xs_alerts_stats(const struct xs_alert_mgr *m, struct xs_alert_stats *s);

#endif
