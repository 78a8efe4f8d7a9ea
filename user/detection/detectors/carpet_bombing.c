// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * carpet_bombing: a flood spread over the addresses of one network (IPv4
 * /24, IPv6 /64), each address below its own thresholds. The flood rules'
 * tests (flood_common.h: SYN, SYN-ACK, ACK/RST, UDP, reflection on any
 * port, ICMP, volume) run on the prefix's sums (prefixes.c), with the same
 * thresholds as for one address: the attack is the same flood, aimed at a
 * network instead of a host. It is carpet bombing when it reaches at least
 * min_hosts addresses of the prefix and no address takes more than
 * max_host_share of it (a flood at one host, with its neighbours' traffic
 * around, is that host's alert). At the prefix level, established TCP
 * never counts towards volume: a busy network's connections are not a
 * flood (a flood of ACK segments from spoofed sources is the ACK test's).
 * The alert names the network (destination.ip is its first address,
 * xdpstream.destination_prefix the prefix), its busiest addresses and the
 * top sources of its new flows.
 */
#include <stdio.h>
#include <string.h>
#include "flood_common.h"
#include "names.h"

static void psum(const struct xs_det_ctx *c, const struct xs_ptrack *p, uint32_t nticks,
		 struct xs_dsum *s, uint32_t *hosts, double *share)
{
	const struct xs_engine *e = c->e;
	struct xs_pslot *ring = e->pslab + (size_t)p->ring * e->dgeom.nslots;
	uint32_t id, last = xs_wslot_id(&e->dgeom, c->now);

	memset(s, 0, sizeof(*s));
	s->secs = xs_det_window_secs(c, &e->dgeom, nticks);	/* real time: a stall is not a flood */
	*hosts = 0;
	*share = 0;
	for (id = xs_wfirst_id(&e->dgeom, c->now, nticks); id <= last; id++) {
		const struct xs_pslot *sl = xs_ring_slot(ring, sizeof(*ring), &e->dgeom, p->head, id);

		if (!sl)
			continue;
		xs_dsum_add(s, &sl->d);
		if (sl->hosts > *hosts)
			*hosts = sl->hosts;
		if (sl->top_share > *share)
			*share = sl->top_share;
	}
}

/* The first of the flood tests that the prefix's sums pass; its rule and
 * protocol. */
static int which_flood(const struct xs_rule_params *rp, const struct xs_dsum *s,
		       struct xs_flood_hit *h, uint8_t *proto, bool v4)
{
	double x, y;
	uint64_t pkts = s->pkts - (s->ack < s->pkts ? s->ack : s->pkts);
	uint64_t bytes = s->bytes - (s->ack_bytes < s->bytes ? s->ack_bytes : s->bytes);

	*proto = 6;
	if (xs_syn_test(rp, s, h, &x, &y))
		return XS_R_SYN_FLOOD;
	if (xs_synack_test(rp, s, h, &x))
		return XS_R_SYNACK_FLOOD;
	if (xs_ack_test(rp, s, h, &x))
		return XS_R_ACK_FLOOD;
	*proto = 17;
	if (rp->refl.enabled && s->uport_pkts && 2 * s->uport_pkts >= s->udp &&
	    !xs_ports_has(&rp->refl.any_port_ignore, s->uport) &&
	    xs_bits_estimate(s->usrc) >= rp->refl.min_reflectors &&
	    (s->uport_pkts + s->frag) / s->secs >= rp->refl.any_port_threshold_pps &&
	    rp->refl.any_port_threshold_pps > 0) {
		xs_hit_init(h, (s->uport_pkts + s->frag) / s->secs, "packets/s",
			    rp->refl.any_port_threshold_pps, xs_bits_estimate(s->usrc));
		return XS_R_REFLECTION;
	}
	if (xs_rate_test(&rp->udp, s, s->udp, s->udp_bytes, XS_B_UDP, h))
		return XS_R_UDP_FLOOD;
	*proto = v4 ? 1 : 58;
	if (xs_rate_test(&rp->icmp, s, s->icmp, s->icmp_bytes, XS_B_ICMP, h))
		return XS_R_ICMP_FLOOD;
	*proto = 0;
	if (xs_rate_test(&rp->vol, s, pkts, bytes, XS_BK_NOT_OTHER, h))
		return XS_R_VOLUMETRIC;
	return -1;
}

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->pfx, &it); ent; ent = xs_htab_next(&c->e->pfx, &it)) {
		const struct xs_ptrack *p = xs_htab_val(&c->e->pfx, ent);
		const struct xs_rule_params *rp = xs_det_params(c, p->prof);
		uint32_t n = xs_det_window(c, p->prof, XS_R_CARPET_BOMBING), hosts;
		const struct xs_addr *net = ent;
		char a[XS_ADDR_STRLEN];
		struct xs_flood_hit h;
		struct xs_finding f;
		struct xs_dsum s;
		double share;
		uint8_t proto;
		int rule, i;
		bool v4 = xs_addr_is_v4(net);

		if (!rp->carpet.enabled || p->last_active + n <= c->now)
			continue;
		psum(c, p, n, &s, &hosts, &share);
		if (hosts < rp->carpet.min_hosts || share > rp->carpet.max_host_share)
			continue;
		rule = which_flood(rp, &s, &h, &proto, v4);
		if (rule < 0)
			continue;

		xs_finding_init(&f, XS_R_CARPET_BOMBING);
		f.has_dst = true;
		f.src_in_key = false;
		f.dst = *net;
		f.proto = proto;
		f.as_rule = xs_rule_names[rule];
		snprintf(f.dst_prefix, sizeof(f.dst_prefix), "%s/%d", xs_addr_str(net, a),
			 v4 ? 24 : 64);
		{
			int idx[XS_TOPK], k = xs_topk_sorted(&p->top, idx);
			uint32_t want = c->e->set.alerts.top_sources;

			for (i = 0; i < k && f.ntop < XS_FIND_TOP && (uint32_t)f.ntop < want; i++) {
				f.top[f.ntop].a = p->top.a[idx[i]];
				f.top[f.ntop].n = p->top.n[idx[i]] - p->top.err[idx[i]];
				f.ntop++;
			}
			f.top_unit = "new flows (at least)";
		}
		for (i = 0; i < p->ntop && i < XS_PFX_TOP && i < XS_FIND_TOP; i++) {
			f.topdst[i].a = p->top_dst[i];
			f.topdst[i].n = p->top_dst_pkts[i];
			f.ntopdst++;
		}
		if (h.srcs < 1.5 && f.ntop) {
			f.has_src = true;
			f.src = f.top[0].a;
		}
		xs_hit_details(&f, &h, &s);
		xs_finding_detail(&f, "hosts", hosts);
		xs_finding_detail(&f, "busiest_host_share", round(share * 1000) / 1000);
		xs_finding_detail(&f, "packets_per_s", round(s.pkts / s.secs));
		xs_finding_detail(&f, "bits_per_s", round(s.bytes * 8.0 / s.secs));
		xs_det_report(c, &f, p->prof, n);
	}
}

const struct xs_detector xs_det_carpet_bombing = { XS_R_CARPET_BOMBING, eval };
