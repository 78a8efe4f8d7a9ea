// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * udp_flood: UDP packets/s or bits/s to one destination over the
 * thresholds across the window, or in a burst (flood_common.h). UDP that is
 * mostly replies from reflector ports, or from the one source port most of
 * it comes from, is the reflection rule's: while a reflection alert is open
 * on the victim, the attack is not reported twice. Runs after reflection.
 */
#include "flood_common.h"

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->dst, &it); ent; ent = xs_htab_next(&c->e->dst, &it)) {
		const struct xs_dtrack *d = xs_htab_val(&c->e->dst, ent);
		const struct xs_rule_params *p = xs_det_params(c, d->prof);
		uint32_t n = xs_det_window(c, d->prof, XS_R_UDP_FLOOD);
		const struct xs_addr *victim = ent;
		struct xs_dsum s;

		if (!p->udp.enabled || d->last_active + n <= c->now)
			continue;
		xs_det_dst_counts(c, d, n, &s);
		if (!xs_rate_maybe(&p->udp, &s, s.udp, s.udp_bytes, XS_B_UDP))
			continue;
		xs_det_dst_hlls(c, d, n, &s);
		if (2 * (s.refl_pkts > s.uport_pkts ? s.refl_pkts : s.uport_pkts) >= s.udp &&
		    xs_alerts_victim_open(c->e->alerts, victim, 1u << XS_R_REFLECTION))
			continue;
		xs_flood_check(c, d, victim, &p->udp, XS_R_UDP_FLOOD, 17, s.udp, s.udp_bytes, &s,
			       n, XS_B_UDP);
	}
}

const struct xs_detector xs_det_udp_flood = { XS_R_UDP_FLOOD, eval };
