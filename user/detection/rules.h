/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Detection rules: their names, their parameters with defaults, and the
 * per-network overrides. A profile is one full set of parameters: profile
 * 0 is the defaults (with the `rules` section applied), profile i > 0 is
 * network group i (`networks[i-1]`), which starts from profile 0 and
 * overrides what its own `rules` section sets. An address belongs to the
 * group with the longest matching prefix.
 */
#ifndef XS_RULES_H
#define XS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xs_abi.h"
#include "config.h"
#include "prefix.h"

enum xs_rule {
	XS_R_SYN_FLOOD = 0,
	XS_R_UDP_FLOOD,
	XS_R_ICMP_FLOOD,
	XS_R_VOLUMETRIC,
	XS_R_REFLECTION,
	XS_R_PORT_SCAN,
	XS_R_HOST_SWEEP,
	XS_R_BRUTE_FORCE,
	XS_R_TRAFFIC_ANOMALY,
	XS_R_SYNACK_FLOOD,
	XS_R_ACK_FLOOD,
	XS_R_CARPET_BOMBING,
	XS_R_CREDENTIAL_STUFFING,
	XS_R_SIP_FRAUD,
	XS_R_FRAG_EVASION,
	XS_R_MAX
};

extern const char *const xs_rule_names[XS_R_MAX];
int xs_rule_by_name(const char *name);

#define XS_PORTS_MAX 128
struct xs_ports {
	uint16_t n;
	uint16_t p[XS_PORTS_MAX];	/* sorted, unique */
};
bool xs_ports_has(const struct xs_ports *s, uint16_t port);

/* Flood rules: rate to one destination over a window. */
struct xs_p_flood {
	bool enabled;
	double window_s;
	double threshold_pps;	/* 0 = not checked */
	double threshold_bps;	/* 0 = not checked */
	double spread_threshold_pps;	/* from min_sources sources or more; 0 = off */
	uint32_t min_sources;
	uint32_t burst_min_packets;	/* a slice's rate counts from this many packets */
	uint32_t transfer_max_sources;	/* volumetric: established TCP from at most
					 * this many sources is a transfer; 0 = off */
};

/* What enforce mode does when a rule's alert starts (and while it goes on). */
enum xs_action {
	XS_ACT_NONE = 0,
	XS_ACT_BLOCK,		/* drop the attacker (source.ip) */
	XS_ACT_RATE_LIMIT,	/* token bucket on the victim's matching traffic */
	XS_ACT_FILTER,		/* drop the attack's fingerprint in XDP, for the victim */
	XS_ACT_FLOWSPEC,	/* announce the fingerprint as FlowSpec rules over BGP */
	XS_ACT_BLACKHOLE,	/* announce the victim's host route with 65535:666 */
	XS_ACT_MAX
};
extern const char *const xs_action_names[XS_ACT_MAX + 1];

/* The fingerprint's actions (user/mitigation/fpolicy.c), as bits. */
#define XS_FPACT_MASK (1u << XS_ACT_FILTER | 1u << XS_ACT_FLOWSPEC | 1u << XS_ACT_BLACKHOLE)

/* `action: X` or `action: [X, Y]`: at most one of block and rate_limit
 * (the kernel tables', user/mitigation/mpolicy.c), and any of filter,
 * flowspec and blackhole (the fingerprint's). */
struct xs_rule_action {
	int action;		/* XS_ACT_NONE, XS_ACT_BLOCK or XS_ACT_RATE_LIMIT */
	double ttl_s;		/* lifetime, renewed by each alert update */
	double limit_pps;	/* rate_limit: packets/s let through (0: the threshold) */
	uint32_t fp_actions;	/* 1 << XS_ACT_FILTER, _FLOWSPEC, _BLACKHOLE */
	double flowspec_rate;	/* flowspec: 0 discards, else bytes/s let through */
};

/* port_scan, host_sweep and brute_force run on several time scales at
 * once: their own window (window_s and the thresholds beside it) and up
 * to XS_SCALES_EXTRA more (`scales`), each with its thresholds; a
 * threshold of 0 turns that scale off for its kind of service. */
#define XS_SCALES_EXTRA 2
#define XS_SCALES (1 + XS_SCALES_EXTRA)

struct xs_scale {
	double window_s;
	uint32_t threshold;	/* port_scan, host_sweep: any service; brute_force: other ports */
	uint32_t client_threshold;	/* host_sweep: client ports */
	uint32_t login_threshold;	/* brute_force: login ports */
	uint32_t web_threshold;	/* brute_force: web ports */
};

struct xs_rule_params {
	struct xs_rule_action act[XS_R_MAX];
	struct {
		bool enabled;
		double window_s;
		double threshold_pps;	/* SYN/s */
		uint32_t min_sources;	/* at least this many sources: a flood */
		uint32_t max_ports;	/* fewer sources, at most this many ports: a flood */
		/* A flash crowd, not a flood: handshakes complete (ACK segments
		 * and their sources at least min_completed_ratio of the SYNs' and
		 * their sources'), and, when the victim's SYN-ACKs are seen, it
		 * answers at least min_answered_ratio of the SYNs. */
		double min_answered_ratio;
		double min_completed_ratio;
		uint32_t burst_min_packets;
	} syn;
	struct xs_p_flood udp, icmp, vol;
	struct {
		bool enabled;
		double window_s;
		double threshold_pps;
		double threshold_bps;
		uint32_t min_reflectors;
		/* Any source port: most of the victim's UDP from one port, from
		 * min_reflectors sources or more, at this rate; not these ports. */
		double any_port_threshold_pps;
		struct xs_ports any_port_ignore;
		uint32_t burst_min_packets;
	} refl;
	struct {
		bool enabled;
		double window_s;
		double threshold_pps;	/* unsolicited SYN-ACKs/s */
		uint32_t min_sources;
		double min_share;	/* of the TCP segments with ACK received */
		uint32_t burst_min_packets;
	} synack;
	struct {
		bool enabled;
		double window_s;
		double threshold_pps;	/* ACK and RST segments/s */
		uint32_t min_sources;
		double max_pkts_per_source;	/* out of any connection: one or two each */
		uint32_t burst_min_packets;
	} ack;
	struct {
		bool enabled;
		double window_s;
		uint32_t min_hosts;	/* addresses of the prefix the flood reaches */
		double max_host_share;	/* the busiest address's share, at most */
	} carpet;
	struct {
		bool enabled;
		double window_s;
		uint32_t threshold;	/* distinct ports of one destination */
		uint32_t udp_threshold;	/* UDP ones from few source ports (window_s) */
		uint32_t nscales;	/* extra scales in use */
		struct xs_scale scales[XS_SCALES_EXTRA];
	} scan;
	struct {
		bool enabled;
		double window_s;
		uint32_t threshold;	/* distinct destinations, one service */
		uint32_t client_threshold;	/* the same, on client_ports */
		uint32_t any_threshold;	/* distinct destinations of any probe (kernel sketch) */
		struct xs_ports client_ports;
		uint32_t nscales;
		struct xs_scale scales[XS_SCALES_EXTRA];
	} sweep;
	struct {
		bool enabled;
		double window_s;
		uint32_t threshold;	/* connections to one service, other ports */
		uint32_t login_threshold;
		uint32_t web_threshold;
		double min_pkts_per_conn;
		double min_data_per_conn;	/* the source's TCP segments with payload */
		struct xs_ports login_ports, web_ports;
		uint32_t nscales;
		struct xs_scale scales[XS_SCALES_EXTRA];
	} brute;
	struct {
		bool enabled;
		double window_s;
		double k;		/* sigmas above the mean */
		double baseline_s;	/* EWMA time constant */
		double warmup_s;
		double dst_floor_pps, dst_floor_bps;
		double total_floor_pps, total_floor_bps;
		double service_floor_cps;	/* new connections/s to one service */
		uint32_t service_min_sources;
	} anom;
	struct {
		bool enabled;
		double window_s;
		uint32_t min_sources;	/* distinct sources connecting */
		uint32_t min_connections;	/* connections from all of them */
		double min_pkts_per_conn;	/* the service's packets per SYN */
		double k, baseline_s, warmup_s;	/* above the service's own normal, once learnt */
		struct xs_ports ports;	/* login services */
	} stuff;
	struct {
		bool enabled;
		double window_s;
		uint32_t request_threshold;	/* requests from one source to one server */
		uint32_t failure_threshold;	/* failure answers from the server to it */
	} sip;
	struct {
		bool enabled;
		double window_s;
		uint32_t threshold;	/* tiny or overlapping fragments from one source */
	} frag;
};

#define XS_PROFILES_MAX 64
#define XS_CIDRS_MAX 1024

struct xs_cidr {
	struct xs_prefix p;	/* IPv4 as ::ffff:a.b.c.d/96+n */
	uint8_t profile;
};

struct xs_ruleset {
	int nprofiles;		/* 1 + number of network groups */
	struct xs_rule_params prof[XS_PROFILES_MAX];
	char prof_name[XS_PROFILES_MAX][48];	/* "default" or the group's name */
	int ncidrs;
	struct xs_cidr cidrs[XS_CIDRS_MAX];
};

void xs_rule_params_default(struct xs_rule_params *p);
void xs_ruleset_default(struct xs_ruleset *rs);

/* Reads `rules` and `networks` from the document root into rs (which
 * holds the defaults). Errors are recorded in the configuration. */
void xs_ruleset_configure(struct xs_ruleset *rs, xs_node root);

/* Profile index for an address (0 when no group matches). */
int xs_ruleset_profile(const struct xs_ruleset *rs, const struct xs_addr *a);


/* The largest window (seconds) any profile uses for rule r. */
double xs_ruleset_max_window(const struct xs_ruleset *rs, int rule);
double xs_rule_window_s(const struct xs_rule_params *p, int rule);
/* The rule's packets/s threshold (0 if it has none). */
double xs_rule_threshold_pps(const struct xs_rule_params *p, int rule);
/* Can the rule rate-limit its victim (a flood with one traffic class)? */
bool xs_rule_limitable(int rule);
bool xs_rule_enabled(const struct xs_rule_params *p, int rule);
/* The scales of a multi-scale rule (port_scan, host_sweep, brute_force):
 * fills sc[0] (the rule's own window) and the extra ones; returns how many
 * (1 for any other rule, sc[0].window_s its window). */
int xs_rule_scales(const struct xs_rule_params *p, int rule, struct xs_scale sc[XS_SCALES]);

#endif
