// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * reflection: replies from reflector source ports (reflector_ports: DNS,
 * NTP, SNMP, SSDP, CLDAP, memcached, chargen, ...) to one destination,
 * counting the IP fragments that trail large replies (they carry no ports;
 * they count when reflector replies are there too), over threshold_pps or
 * threshold_bps across the window, from at least min_reflectors distinct
 * reflectors. The distinct reflectors are what tells an amplification
 * attack from a client talking to its own resolvers or time servers.
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
		uint32_t n = xs_det_window(c, d->prof, XS_R_REFLECTION), reflectors = 0;
		const struct xs_addr *victim = ent;
		struct xs_svc_key vk = { .dst = *victim, .proto = XS_PROTO_REFL };
		const struct xs_svc_val *v;
		double pps, bps;
		struct xs_finding f;
		struct xs_dsum s;
		void *sent;

		if (!p->refl.enabled || d->last_active + n <= c->now)
			continue;
		xs_det_dst_sum(c, d, n, &s);
		if (!s.refl_pkts)
			continue;
		pps = (s.refl_pkts + s.frag) / s.secs;
		bps = (s.refl_bytes + s.frag_bytes) * 8.0 / s.secs;
		if (!(p->refl.threshold_pps > 0 && pps >= p->refl.threshold_pps) &&
		    !(p->refl.threshold_bps > 0 && bps >= p->refl.threshold_bps))
			continue;
		sent = xs_htab_find(&c->e->svcs, &vk, xs_hash(&vk, sizeof(vk)));
		if (sent) {
			v = xs_htab_val(&c->e->svcs, sent);
			reflectors = v->count;
		}
		if (reflectors < p->refl.min_reflectors)
			continue;

		xs_finding_init(&f, XS_R_REFLECTION);
		f.has_dst = true;
		f.dst = *victim;
		f.proto = 17;
		xs_det_top(c, d, &f);
		if (p->refl.threshold_pps > 0 && pps >= p->refl.threshold_pps) {
			f.value = pps;
			f.unit = "packets/s";
			f.threshold = p->refl.threshold_pps;
		} else {
			f.value = bps;
			f.unit = "bits/s";
			f.threshold = p->refl.threshold_bps;
		}
		xs_finding_detail(&f, "reflectors", reflectors);
		xs_finding_detail(&f, "reflector_packets", (double)s.refl_pkts);
		xs_finding_detail(&f, "fragments", (double)s.frag);
		xs_finding_detail(&f, "bits_per_s", round(bps));
		xs_finding_detail(&f, "mean_packet_bytes",
				  round((double)(s.refl_bytes + s.frag_bytes) /
					(double)(s.refl_pkts + s.frag)));
		xs_det_report(c, &f, d->prof, n);
	}
}

const struct xs_detector xs_det_reflection = { XS_R_REFLECTION, eval };
