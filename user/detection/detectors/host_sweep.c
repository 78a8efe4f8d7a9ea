// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * host_sweep: one source reaching at least `threshold` distinct
 * destinations on one service (ICMP echo, or the same TCP/UDP port)
 * within the window; client_threshold instead on client_ports, the
 * services clients legitimately reach on many hosts (web, DNS, NTP). The
 * per-network overrides apply by the source's network here: there is no
 * single victim.
 */
#include "engine_int.h"

static void eval(struct xs_det_ctx *c)
{
	uint32_t min = UINT32_MAX;
	struct xs_htab_iter it;
	void *ent;
	int i;

	for (i = 0; i < c->e->rs->nprofiles; i++) {
		const struct xs_rule_params *p = &c->e->rs->prof[i];

		if (p->sweep.threshold < min)
			min = p->sweep.threshold;
		if (p->sweep.client_threshold < min)
			min = p->sweep.client_threshold;
	}
	for (ent = xs_htab_first(&c->e->sweeps, &it); ent;
	     ent = xs_htab_next(&c->e->sweeps, &it)) {
		const struct xs_sweep_key *k = ent;
		const struct xs_sweep_val *v = xs_htab_val(&c->e->sweeps, ent);
		const struct xs_rule_params *p;
		bool icmp = k->proto == 1 || k->proto == 58;
		struct xs_finding f;
		uint32_t thr;

		if (v->count < min)
			continue;	/* most keys: a glance */
		p = xs_det_params(c, v->prof);
		thr = !icmp && xs_ports_has(&p->sweep.client_ports, k->port)
			      ? p->sweep.client_threshold
			      : p->sweep.threshold;
		if (!p->sweep.enabled || v->count < thr)
			continue;
		xs_finding_init(&f, XS_R_HOST_SWEEP);
		f.has_src = true;
		f.src = k->src;
		f.proto = k->proto;
		if (!icmp)
			f.dport = k->port;
		f.key_port = k->proto << 16 | k->port;
		f.value = v->count;
		f.unit = "destinations";
		f.threshold = thr;
		xs_finding_detail(&f, "distinct_destinations", v->count);
		xs_det_report(c, &f, v->prof, xs_det_window(c, v->prof, XS_R_HOST_SWEEP));
	}
}

const struct xs_detector xs_det_host_sweep = { XS_R_HOST_SWEEP, eval };
