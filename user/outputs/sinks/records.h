/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What a sink is handed besides the ticks: the records the output layer
 * passes through. Here, at the bottom of the flow, so that the alert
 * manager, the output layer and every sink read one definition. */
#ifndef XS_RECORDS_H
#define XS_RECORDS_H

#include <stdint.h>

/* One alert event (start, update or end), as the sinks need it. */
struct xs_alert_out {
	const char *json;	/* the ECS document, one line, no newline */
	const char *human;	/* one-line terminal form, no newline (may be NULL) */
	const char *rule;	/* rule.name */
	const char *action;	/* event.action: start | update | end */
	const char *event_id;	/* stable for the alert's life */
	const char *src_ip;	/* attacker, or NULL */
	const char *dst_ip;	/* victim, or NULL */
	int dst_port;		/* -1 if none */
	int proto;		/* IPPROTO_* of the attack, 0 if any */
	int src_plen;		/* the attacker is src_ip/src_plen (IPv6 per-prefix
				 * rules); 0: the address itself */
	int severity;		/* event.severity, 1 (low) .. 100 (critical) */
	double ts;		/* seconds since the epoch */
};

/* What only the daemon knows (map sizes, tick), for the metrics sink. */
struct xs_run_info {
	uint64_t dst_capacity;	/* map entries: destinations per tick */
	uint64_t src_capacity;	/* sources per tick */
	uint64_t flow_capacity;	/* flows (LRU) */
	double tick_s;		/* tick length */
};

/* Mitigation beyond the host (fingerprints, BGP), for the metrics sink:
 * the daemon's pipeline fills it each tick. Names are the caller's. */
#define XS_MITIG_REFUSALS 8
struct xs_mitig_info {
	int bgp;			/* 1: a speaker is open */
	int bgp_up;			/* 1: its session is established */
	const char *bgp_state;		/* closed, idle, up, restarting */
	uint64_t routes_blackhole, routes_flowspec;	/* announced now */
	uint64_t announced, withdrawn;	/* routes added to / removed from the table */
	int nrefusals;
	const char *refusal_names[XS_MITIG_REFUSALS];
	uint64_t refused[XS_MITIG_REFUSALS];	/* by the safety rails, by reason */
	uint64_t speaker_errors, speaker_starts, session_ups, session_downs;
	uint64_t victims;		/* victims watched now */
	uint64_t fp_found, fp_changed;	/* fingerprints found, replaced */
	uint64_t samples;		/* samples received */
	uint64_t filter_rules;		/* drop rules in the kernel now */
};

#endif
