// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * reflection: replies from many reflectors to one destination that never
 * asked, counting the IP fragments that trail large replies (they carry no
 * ports; they count when replies are there too). What reflection looks
 * like on any port: many sources sending from one source port to one
 * victim. Two ways to see it:
 *  - reflector_ports (DNS, NTP, SNMP, SSDP, CLDAP, memcached, chargen: the
 *    kernel tags them, and each new reflector is a flow event): replies
 *    and fragments at threshold_pps or threshold_bps across the window,
 *    from at least min_reflectors distinct reflectors. The list is a hint
 *    that lowers the bar for the best-known vectors;
 *  - any source port: at least half of the victim's UDP packets provably
 *    from one source port (the kernel's majority vote per destination),
 *    sent by at least min_reflectors distinct sources (the sources voting
 *    for it), at any_port_threshold_pps (the window's rate or a burst).
 *    Ports in any_port_ignore (QUIC's 443: a client hears many servers
 *    there) and replies to the same port (sport == dport: SIP, IKE, NTP
 *    peers, which do not vote) are left out.
 * The distinct reflectors are what tells an amplification attack from a
 * client talking to its own resolvers or time servers.
 */
#include "flood_common.h"

/* The hinted ports: events counted the distinct reflectors. */
static bool hinted(struct xs_det_ctx *c, const struct xs_rule_params *p, const struct xs_addr *victim,
		   const struct xs_dsum *s, struct xs_flood_hit *h, uint32_t *reflectors)
{
	struct xs_svc_key vk = { .dst = *victim, .proto = XS_PROTO_REFL };
	double pps = (s->refl_pkts + s->frag) / s->secs;
	double bps = (s->refl_bytes + s->frag_bytes) * 8.0 / s->secs;
	void *sent;

	if (!s->refl_pkts)
		return false;
	if (p->refl.threshold_pps > 0 && pps >= p->refl.threshold_pps)
		xs_hit_init(h, pps, "packets/s", p->refl.threshold_pps, 0);
	else if (p->refl.threshold_bps > 0 && bps >= p->refl.threshold_bps)
		xs_hit_init(h, bps, "bits/s", p->refl.threshold_bps, 0);
	else
		return false;
	sent = xs_htab_find(&c->e->svcs, &vk, xs_hash(&vk, sizeof(vk)));
	*reflectors = sent ? ((const struct xs_svc_val *)xs_htab_val(&c->e->svcs, sent))->count : 0;
	h->srcs = *reflectors;
	return *reflectors >= p->refl.min_reflectors;
}

/* Any port: the majority source port's shape. */
static bool any_port(const struct xs_rule_params *p, const struct xs_dsum *s,
		     struct xs_flood_hit *h, uint32_t *reflectors)
{
	double pps = (s->uport_pkts + s->frag) / s->secs;

	*reflectors = 0;
	if (!s->uport_pkts || 2 * s->uport_pkts < s->udp || p->refl.any_port_threshold_pps <= 0 ||
	    xs_ports_has(&p->refl.any_port_ignore, s->uport))
		return false;
	double est = xs_bits_estimate(s->usrc);

	*reflectors = (uint32_t)round(est);
	if (est < p->refl.min_reflectors)
		return false;
	if (pps >= p->refl.any_port_threshold_pps) {
		xs_hit_init(h, pps, "packets/s", p->refl.any_port_threshold_pps, *reflectors);
		return true;
	}
	if (xs_burst_over(s, XS_B_UDP, p->refl.any_port_threshold_pps, p->refl.burst_min_packets)) {
		xs_hit_init(h, 0, NULL, 0, *reflectors);
		xs_hit_burst(h, s, XS_B_UDP, p->refl.any_port_threshold_pps);
		return true;
	}
	return false;
}

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->dst, &it); ent; ent = xs_htab_next(&c->e->dst, &it)) {
		const struct xs_dtrack *d = xs_htab_val(&c->e->dst, ent);
		const struct xs_rule_params *p = xs_det_params(c, d->prof);
		uint32_t n = xs_det_window(c, d->prof, XS_R_REFLECTION), reflectors = 0;
		const struct xs_addr *victim = ent;
		struct xs_flood_hit h;
		struct xs_finding f;
		struct xs_dsum s;
		bool hint;

		if (!p->refl.enabled || d->last_active + n <= c->now)
			continue;
		xs_det_dst_counts(c, d, n, &s);	/* no sketch needed */
		if (!s.refl_pkts && !s.uport_pkts)
			continue;
		hint = hinted(c, p, victim, &s, &h, &reflectors);
		if (!hint && !any_port(p, &s, &h, &reflectors))
			continue;

		xs_finding_init(&f, XS_R_REFLECTION);
		f.has_dst = true;
		f.dst = *victim;
		f.proto = 17;
		xs_det_top(c, d, &f);
		f.value = h.value;
		f.unit = h.unit;
		f.threshold = h.threshold;
		xs_finding_detail(&f, "reflectors", reflectors);
		xs_finding_detail(&f, "reflector_packets", (double)(hint ? s.refl_pkts : s.uport_pkts));
		if (!hint)
			xs_finding_detail(&f, "reflector_port", s.uport);
		xs_finding_detail(&f, "fragments", (double)s.frag);
		xs_finding_detail(&f, "bits_per_s",
				  round(((hint ? s.refl_bytes : s.udp_bytes) + s.frag_bytes) * 8.0 /
					s.secs));
		if (h.burst) {
			xs_finding_detail(&f, "burst_packets", h.burst_pkts);
		} else if (hint) {
			xs_finding_detail(&f, "mean_packet_bytes",
					  round((double)(s.refl_bytes + s.frag_bytes) /
						(double)(s.refl_pkts + s.frag)));
		}
		xs_det_report(c, &f, d->prof, n);
	}
}

const struct xs_detector xs_det_reflection = { XS_R_REFLECTION, eval };
