// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * volumetric: all packets/s or bits/s to one destination over the
 * thresholds across the window (or in a burst), whatever the protocol,
 * transfers aside (xs_vol_test: established TCP from a few sources). When a
 * specific flood rule (syn_flood, udp_flood, icmp_flood, reflection,
 * synack_flood, ack_flood) already has an alert open on the victim, that
 * alert is the attack: not reported twice. Runs after them (registry.c).
 */
#include "flood_common.h"

#define SPECIFIC                                                                              \
	((1u << XS_R_SYN_FLOOD) | (1u << XS_R_UDP_FLOOD) | (1u << XS_R_ICMP_FLOOD) |            \
	 (1u << XS_R_REFLECTION) | (1u << XS_R_SYNACK_FLOOD) | (1u << XS_R_ACK_FLOOD))

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->dst, &it); ent; ent = xs_htab_next(&c->e->dst, &it)) {
		const struct xs_dtrack *d = xs_htab_val(&c->e->dst, ent);
		const struct xs_rule_params *p = xs_det_params(c, d->prof);
		uint32_t n = xs_det_window(c, d->prof, XS_R_VOLUMETRIC);
		const struct xs_addr *victim = ent;
		struct xs_flood_hit h;
		struct xs_finding f;
		struct xs_dsum s;
		bool transfer;

		if (!p->vol.enabled || d->last_active + n <= c->now)
			continue;
		xs_det_dst_counts(c, d, n, &s);
		if (!xs_vol_maybe(p, &s))
			continue;	/* the common case, before the sketches */
		xs_det_dst_hlls(c, d, n, &s);
		if (!xs_vol_test(p, &s, &h, &transfer))
			continue;	/* a transfer */
		if (xs_alerts_victim_open(c->e->alerts, victim, SPECIFIC))
			continue;
		xs_finding_init(&f, XS_R_VOLUMETRIC);
		xs_finding_detail(&f, "packets_per_s", round(s.pkts / s.secs));
		xs_finding_detail(&f, "bits_per_s", round(s.bytes * 8.0 / s.secs));
		if (transfer)
			xs_finding_detail(&f, "transfer_packets_left_out", (double)s.ack);
		xs_flood_report(c, d, victim, XS_R_VOLUMETRIC, 0, &h, &s, n, &f);
	}
}

const struct xs_detector xs_det_volumetric = { XS_R_VOLUMETRIC, eval };
