// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * synack_flood: SYN-ACKs a destination never asked for, from many sources:
 * TCP reflection (SYNs spoofed with the victim's address bounced off many
 * servers, each answering and retrying) or a spoofed SYN-ACK flood. The
 * test is xs_synack_test.
 */
#include "flood_common.h"

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->dst, &it); ent; ent = xs_htab_next(&c->e->dst, &it)) {
		const struct xs_dtrack *d = xs_htab_val(&c->e->dst, ent);
		const struct xs_rule_params *p = xs_det_params(c, d->prof);
		uint32_t n = xs_det_window(c, d->prof, XS_R_SYNACK_FLOOD);
		struct xs_flood_hit h;
		struct xs_finding f;
		struct xs_dsum s;
		double unsolicited;

		if (!p->synack.enabled || d->last_active + n <= c->now)
			continue;
		xs_det_dst_counts(c, d, n, &s);
		if (!xs_synack_maybe(p, &s))
			continue;
		xs_det_dst_hlls(c, d, n, &s);
		if (!xs_synack_test(p, &s, &h, &unsolicited))
			continue;
		xs_finding_init(&f, XS_R_SYNACK_FLOOD);
		xs_finding_detail(&f, "synack_packets", (double)s.synack);
		xs_finding_detail(&f, "unsolicited", unsolicited);
		xs_finding_detail(&f, "victim_syn_seen", (double)s.syn_out);
		xs_flood_report(c, d, ent, XS_R_SYNACK_FLOOD, 6, &h, &s, n, &f);
	}
}

const struct xs_detector xs_det_synack_flood = { XS_R_SYNACK_FLOOD, eval };
