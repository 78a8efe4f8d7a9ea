// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * syn_flood: SYNs to one destination over threshold_pps across the window,
 * that the victim mostly leaves unanswered (its SYN-ACKs, when we see
 * them, are at most max_answered_ratio of the SYNs), and that come either
 * from many sources (min_sources or more: spoofed or distributed) or, from
 * a few sources, to a few ports (at most max_ports). Few sources reaching
 * many ports is a scan, and port_scan reports it: a single scanner at
 * thousands of SYN/s is not a flood.
 */
#include <math.h>
#include "engine_int.h"

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->dst, &it); ent; ent = xs_htab_next(&c->e->dst, &it)) {
		const struct xs_dtrack *d = xs_htab_val(&c->e->dst, ent);
		const struct xs_rule_params *p = xs_det_params(c, d->prof);
		uint32_t n = xs_det_window(c, d->prof, XS_R_SYN_FLOOD);
		double rate, answered, srcs, ports;
		struct xs_finding f;
		struct xs_dsum s;

		if (!p->syn.enabled || d->last_active + n <= c->now)
			continue;
		xs_det_dst_sum(c, d, n, &s);
		rate = s.syn / s.secs;
		if (!s.syn || rate < p->syn.threshold_pps)
			continue;
		answered = (double)s.synack_out / s.syn;
		if (answered > p->syn.max_answered_ratio)
			continue;
		srcs = xs_hll_estimate(s.hll_src, XS_HLL_REGS);
		ports = xs_hll_estimate(s.hll_dport, XS_HLL_REGS);
		if (srcs < p->syn.min_sources && ports > p->syn.max_ports)
			continue;	/* few sources, many ports: a scan */

		xs_finding_init(&f, XS_R_SYN_FLOOD);
		f.has_dst = true;
		f.src_in_key = false;
		f.dst = *(const struct xs_addr *)ent;
		f.proto = 6;
		if (ports < 1.5 && d->dport)
			f.dport = d->dport;
		xs_det_top(c, d, &f);
		/* One source (HyperLogLog says so): it is the attacker. */
		if (srcs < 1.5)
			f.has_src = xs_det_sole_source(c, d, &f, &f.src);
		f.value = rate;
		f.unit = "SYN/s";
		f.threshold = p->syn.threshold_pps;
		xs_finding_detail(&f, "syn_packets", (double)s.syn);
		xs_finding_detail(&f, "distinct_sources", round(srcs));
		xs_finding_detail(&f, "distinct_ports", round(ports));
		xs_finding_detail(&f, "answered_ratio", answered);
		xs_det_report(c, &f, d->prof, n);
	}
}

const struct xs_detector xs_det_syn_flood = { XS_R_SYN_FLOOD, eval };
