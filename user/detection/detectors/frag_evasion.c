// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * frag_evasion: one source sending at least `threshold` first fragments
 * too short for their transport header (TCP < 20 bytes, UDP or ICMP < 8,
 * an IPv6 header chain split across fragments) or fragments that
 * overwrite a TCP header (offset 8), within the window. Hosts never send
 * them; `nmap -f` and fragrouter do, so that a sensor which does not
 * reassemble misses the segment the target reassembles (RFC 1858, RFC
 * 3128, RFC 7112). The victim is the destination of the last flow such a
 * fragment started, when one was reported.
 */
#include "engine_int.h"

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->frags, &it); ent; ent = xs_htab_next(&c->e->frags, &it)) {
		const struct xs_addr *k = ent;
		const struct xs_frag_val *v = xs_htab_val(&c->e->frags, ent);
		const struct xs_rule_params *p = xs_det_params(c, v->prof);
		struct xs_finding f;

		if (!p->frag.enabled || v->sum < p->frag.threshold)
			continue;
		xs_finding_init(&f, XS_R_FRAG_EVASION);
		f.has_src = true;
		f.src = *k;
		f.has_dst = v->has_dst;
		f.dst = v->dst;
		f.key_port = -1;
		f.value = v->sum;
		f.unit = "fragments";
		f.threshold = p->frag.threshold;
		xs_finding_detail(&f, "evasive_fragments", v->sum);
		xs_det_report(c, &f, v->prof, xs_det_window(c, v->prof, XS_R_FRAG_EVASION));
	}
}

const struct xs_detector xs_det_frag_evasion = { XS_R_FRAG_EVASION, eval };
