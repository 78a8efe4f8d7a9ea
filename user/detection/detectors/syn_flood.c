// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * syn_flood: SYNs to one destination over threshold_pps across the window
 * (or in a burst: a slice's peak), from many sources (min_sources or more:
 * spoofed or distributed) or, from a few sources, to a few ports (at most
 * max_ports); a flash crowd is not one: see xs_syn_test. Few sources
 * reaching many ports is a scan, and port_scan reports it: a single
 * scanner at thousands of SYN/s is not a flood.
 */
#include "flood_common.h"

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->dst, &it); ent; ent = xs_htab_next(&c->e->dst, &it)) {
		const struct xs_dtrack *d = xs_htab_val(&c->e->dst, ent);
		const struct xs_rule_params *p = xs_det_params(c, d->prof);
		uint32_t n = xs_det_window(c, d->prof, XS_R_SYN_FLOOD);
		double answered, completed, ports;
		struct xs_flood_hit h;
		struct xs_finding f;
		struct xs_dsum s;

		if (!p->syn.enabled || d->last_active + n <= c->now)
			continue;
		xs_det_dst_counts(c, d, n, &s);
		if (!xs_syn_maybe(p, &s))
			continue;
		xs_det_dst_hlls(c, d, n, &s);
		if (!xs_syn_test(p, &s, &h, &answered, &completed))
			continue;
		ports = xs_hll_estimate(s.hll_dport, XS_HLL_REGS);
		xs_finding_init(&f, XS_R_SYN_FLOOD);
		if (ports < 1.5 && d->dport)
			f.dport = d->dport;
		xs_finding_detail(&f, "syn_packets", (double)s.syn);
		xs_finding_detail(&f, "distinct_ports", round(ports));
		xs_finding_detail(&f, "answered_ratio", answered);
		xs_finding_detail(&f, "completed_ratio", completed);
		xs_flood_report(c, d, ent, XS_R_SYN_FLOOD, 6, &h, &s, n, &f);
	}
}

const struct xs_detector xs_det_syn_flood = { XS_R_SYN_FLOOD, eval };
