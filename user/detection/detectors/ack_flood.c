// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ack_flood: TCP ACK or RST segments outside any connection, from many
 * sources (xs_ack_test). A SYN flood's victim hears RSTs from the owners
 * of the addresses it answered (backscatter): while syn_flood has the
 * victim and RSTs are most of it, that is the SYN flood, not a second
 * attack. Runs after syn_flood.
 */
#include "flood_common.h"

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->dst, &it); ent; ent = xs_htab_next(&c->e->dst, &it)) {
		const struct xs_dtrack *d = xs_htab_val(&c->e->dst, ent);
		const struct xs_rule_params *p = xs_det_params(c, d->prof);
		uint32_t n = xs_det_window(c, d->prof, XS_R_ACK_FLOOD);
		struct xs_flood_hit h;
		struct xs_finding f;
		struct xs_dsum s;
		double per_source;

		if (!p->ack.enabled || d->last_active + n <= c->now)
			continue;
		xs_det_dst_counts(c, d, n, &s);
		if (!xs_ack_maybe(p, &s))
			continue;
		xs_det_dst_hlls(c, d, n, &s);
		if (!xs_ack_test(p, &s, &h, &per_source))
			continue;
		if (s.rst >= s.ack &&
		    xs_alerts_victim_open(c->e->alerts, ent, 1u << XS_R_SYN_FLOOD))
			continue;
		xs_finding_init(&f, XS_R_ACK_FLOOD);
		xs_finding_detail(&f, "ack_packets", (double)s.ack);
		xs_finding_detail(&f, "rst_packets", (double)s.rst);
		xs_finding_detail(&f, "packets_per_source", per_source);
		xs_flood_report(c, d, ent, XS_R_ACK_FLOOD, 6, &h, &s, n, &f);
	}
}

const struct xs_detector xs_det_ack_flood = { XS_R_ACK_FLOOD, eval };
