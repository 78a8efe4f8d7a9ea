/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The `mitigation.bgp` section of the configuration: read with the rest
 * of the settings (so `check-config` and a reload see its mistakes), used
 * by the speaker (speaker.h). Below the mitigation layer on purpose: the
 * settings include it (scripts/include-graph.py puts it there).
 */
#ifndef XS_BGP_CFG_H
#define XS_BGP_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "prefix.h"

#define XS_BGP_RANGES_MAX 4		/* ranges per FlowSpec component */
#define XS_BGP_PREFIXES_MAX 256		/* announce_prefixes */
#define XS_BGP_ALLOW_MAX 1024		/* allowlist entries copied in */
#define XS_BGP_COMMUNITIES_MAX 8	/* per route kind */
#define XS_BGP_ANNOUNCE_MAX 10000	/* highest max_announcements */

/* A standard community (RFC 1997, two 16-bit halves: v[0]:v[1]) or a large
 * one (RFC 8092, three 32-bit numbers). */
struct xs_bgp_community {
	uint32_t v[3];
	bool large;
};

struct xs_bgp_cfg {
	bool enabled;			/* mitigation.bgp is configured */
	bool dry_run;			/* session up, nothing announced, all reported */
	char program[256];		/* ExaBGP's executable; "" = exabgp in PATH */
	char user[64];			/* the speaker runs as this user ("" = as we are) */
	char run_dir[128];		/* its private directory goes under this one */
	uint32_t local_as, peer_as;
	struct xs_addr router_id;	/* IPv4 */
	struct xs_addr local_address;	/* the session's source address */
	struct xs_addr peer_address;
	uint32_t hold_time_s;		/* proposed hold time, 3..65535 */
	bool has_next_hop4, has_next_hop6;
	struct xs_addr next_hop4, next_hop6;	/* blackhole next hops */
	int nbh_comm, nfs_comm;
	struct xs_bgp_community bh_comm[XS_BGP_COMMUNITIES_MAX];	/* on blackholes */
	struct xs_bgp_community fs_comm[XS_BGP_COMMUNITIES_MAX];	/* on FlowSpec rules */
	uint32_t max_announcements;
	int nannounce;
	struct xs_prefix announce[XS_BGP_PREFIXES_MAX];
	/* Never announced: the caller copies mitigation.allowlist here. */
	int nallow;
	struct xs_prefix allow[XS_BGP_ALLOW_MAX];
};

/* The defaults: disabled, user exabgp, hold time 9 s, 100 announcements,
 * the blackhole community 65535:666. */
void xs_bgp_cfg_default(struct xs_bgp_cfg *c);

/* Reads the `mitigation.bgp` mapping n (absent: c stays disabled). Errors
 * are recorded in n's document as "FILE:LINE: mitigation.bgp.KEY: ...".
 * Returns 0, or -1 when anything was wrong. */
int xs_bgp_cfg_read(struct xs_bgp_cfg *c, xs_node n);

#endif
