// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * volumetric: all packets/s or bits/s to one destination over the
 * thresholds across the window, whatever the protocol. When a specific
 * flood rule (syn_flood, udp_flood, icmp_flood, reflection) already has
 * an alert open on the victim, that alert is the attack: not reported
 * twice. Runs after them (see registry.c).
 */
#include "flood_common.h"

#define SPECIFIC                                                                              \
	((1u << XS_R_SYN_FLOOD) | (1u << XS_R_UDP_FLOOD) | (1u << XS_R_ICMP_FLOOD) |            \
	 (1u << XS_R_REFLECTION))

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->dst, &it); ent; ent = xs_htab_next(&c->e->dst, &it)) {
		const struct xs_dtrack *d = xs_htab_val(&c->e->dst, ent);
		const struct xs_rule_params *p = xs_det_params(c, d->prof);
		uint32_t n = xs_det_window(c, d->prof, XS_R_VOLUMETRIC);
		const struct xs_addr *victim = ent;
		struct xs_dsum s;

		if (!p->vol.enabled || d->last_active + n <= c->now)
			continue;
		xs_det_dst_sum(c, d, n, &s);
		if ((p->vol.threshold_pps <= 0 || s.pkts / s.secs < p->vol.threshold_pps) &&
		    (p->vol.threshold_bps <= 0 || s.bytes * 8.0 / s.secs < p->vol.threshold_bps) &&
		    (p->vol.spread_threshold_pps <= 0 ||
		     s.pkts / s.secs < p->vol.spread_threshold_pps))
			continue;	/* the common case, before the alert lookup */
		if (xs_alerts_victim_open(c->e->alerts, victim, SPECIFIC))
			continue;
		xs_flood_check(c, d, victim, &p->vol, XS_R_VOLUMETRIC, 0, s.pkts, s.bytes, &s, n);
	}
}

const struct xs_detector xs_det_volumetric = { XS_R_VOLUMETRIC, eval };
