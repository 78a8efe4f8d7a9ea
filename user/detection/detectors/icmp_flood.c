// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * icmp_flood: ICMP packets/s or bits/s to one destination over the
 * thresholds across the window, or in a burst (flood_common.h).
 */
#include "flood_common.h"
#include "names.h"

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->dst, &it); ent; ent = xs_htab_next(&c->e->dst, &it)) {
		const struct xs_dtrack *d = xs_htab_val(&c->e->dst, ent);
		const struct xs_rule_params *p = xs_det_params(c, d->prof);
		uint32_t n = xs_det_window(c, d->prof, XS_R_ICMP_FLOOD);
		const struct xs_addr *victim = ent;
		struct xs_dsum s;

		if (!p->icmp.enabled || d->last_active + n <= c->now)
			continue;
		xs_det_dst_counts(c, d, n, &s);
		if (!xs_rate_maybe(&p->icmp, &s, s.icmp, s.icmp_bytes, XS_B_ICMP))
			continue;
		xs_det_dst_hlls(c, d, n, &s);
		xs_flood_check(c, d, victim, &p->icmp, XS_R_ICMP_FLOOD,
			       xs_addr_is_v4(victim) ? 1 : 58, s.icmp, s.icmp_bytes, &s, n, XS_B_ICMP);
	}
}

const struct xs_detector xs_det_icmp_flood = { XS_R_ICMP_FLOOD, eval };
