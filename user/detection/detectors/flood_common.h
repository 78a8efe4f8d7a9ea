/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What udp_flood, icmp_flood and volumetric share: a rate of packets or
 * bits to one destination over the window, against per-rule thresholds. */
#ifndef XS_FLOOD_COMMON_H
#define XS_FLOOD_COMMON_H

#include <math.h>
#include "engine_int.h"

/* Reports a flood on victim if pkts or bytes over the window reach the
 * thresholds: threshold_pps or threshold_bps whatever the sources, or
 * spread_threshold_pps from min_sources distinct sources or more (spoofed
 * or distributed: no single heavy flow, such as a download, looks like
 * that). Returns whether it did. */
static inline bool xs_flood_check(struct xs_det_ctx *c, const struct xs_dtrack *d,
				  const struct xs_addr *victim, const struct xs_p_flood *p,
				  int rule, uint8_t proto, uint64_t pkts, uint64_t bytes,
				  const struct xs_dsum *s, uint32_t n)
{
	double pps = pkts / s->secs, bps = bytes * 8.0 / s->secs, srcs;
	bool by_pps = p->threshold_pps > 0 && pps >= p->threshold_pps;
	bool by_bps = p->threshold_bps > 0 && bps >= p->threshold_bps;
	bool by_spread = false;
	struct xs_finding f;

	if (!pkts)
		return false;
	srcs = xs_hll_estimate(s->hll_src, XS_HLL_REGS);
	if (!by_pps && !by_bps)
		by_spread = p->spread_threshold_pps > 0 && pps >= p->spread_threshold_pps &&
			    srcs >= p->min_sources;
	if (!by_pps && !by_bps && !by_spread)
		return false;
	xs_finding_init(&f, rule);
	f.has_dst = true;
	f.src_in_key = false;
	f.dst = *victim;
	f.proto = proto;
	xs_det_top(c, d, &f);
	if (srcs < 1.5)
		f.has_src = xs_det_sole_source(c, d, &f, &f.src);
	if (by_pps || by_spread) {
		f.value = pps;
		f.unit = "packets/s";
		f.threshold = by_pps ? p->threshold_pps : p->spread_threshold_pps;
	} else {
		f.value = bps;
		f.unit = "bits/s";
		f.threshold = p->threshold_bps;
	}
	xs_finding_detail(&f, "packets_per_s", round(pps));
	xs_finding_detail(&f, "bits_per_s", round(bps));
	xs_finding_detail(&f, "distinct_sources", round(srcs));
	xs_det_report(c, &f, d->prof, n);
	return true;
}

#endif
