// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * host_sweep: one source reaching many destinations. Two ways to see it:
 *   - per service, from new flows: at least `threshold` distinct
 *     destinations on one service (ICMP echo, or one TCP/UDP port), or
 *     client_threshold on client_ports (the services clients legitimately
 *     reach on many hosts: web, DNS, NTP), on each of the rule's scales;
 *   - whatever the service, from the kernel's sketch of the destinations
 *     each source probed (bpf/probe.h): any_threshold within window_s,
 *     which catches sweeps whose flows were not all reported (the event
 *     budget) or that change port from host to host.
 * One attack, one alert: every finding of a source in a tick is merged
 * (masscan on four ports of a /24 is one sweep), keyed by the source. The
 * per-network overrides apply by the source's network: there is no single
 * victim.
 */
#include <math.h>
#include <string.h>
#include "engine_int.h"

/* The source's merged finding of this tick (NULL: the table is full). */
static struct xs_sweeper *sweeper(struct xs_det_ctx *c, const struct xs_addr *src, int prof)
{
	bool created;
	void *ent = xs_htab_insert(&c->e->sweepers, src, xs_hash(src, sizeof(*src)), &created);
	struct xs_sweeper *w;

	if (!ent)
		return NULL;
	w = xs_htab_val(&c->e->sweepers, ent);
	if (created) {
		memset(w, 0, sizeof(*w));
		w->prof = (uint8_t)prof;
		w->port = -2; /* none yet */
	}
	return w;
}

/* Merges one firing count: the largest over its threshold leads. */
static void merge(struct xs_sweeper *w, double value, double thr, double window_s, uint8_t proto,
		  int port)
{
	int i;

	if (!w->threshold || value / thr > w->value / w->threshold) {
		w->value = value;
		w->threshold = thr;
		w->window_s = window_s;
	}
	if (port == -1)
		return;
	w->proto = !w->nports && w->port == -2 ? proto : (w->proto == proto ? proto : 0);
	w->port = w->port == -2 ? port : (w->port == port ? port : -1);
	for (i = 0; i < w->nports; i++)
		if (w->ports[i] == port)
			return;
	if (w->nports < XS_FIND_PORTS && proto != 1 && proto != 58)
		w->ports[w->nports++] = (uint16_t)port;
}

static void from_services(struct xs_det_ctx *c)
{
	uint32_t min = UINT32_MAX, i;
	struct xs_htab_iter it;
	void *ent;
	int p;

	for (p = 0; p < c->e->rs->nprofiles; p++) {
		const struct xs_mscale *m = &c->e->ms[p][XS_MS_SWEEP];

		for (i = 0; i < m->n; i++) {
			if (m->sc[i].threshold && m->sc[i].threshold < min)
				min = m->sc[i].threshold;
			if (m->sc[i].client_threshold && m->sc[i].client_threshold < min)
				min = m->sc[i].client_threshold;
		}
	}
	for (ent = xs_htab_first(&c->e->sweeps, &it); ent; ent = xs_htab_next(&c->e->sweeps, &it)) {
		const struct xs_sweep_key *k = ent;
		const struct xs_sweep_val *v = xs_htab_val(&c->e->sweeps, ent);
		const struct xs_mscale *m = &c->e->ms[v->prof][XS_MS_SWEEP];
		const struct xs_rule_params *pr;
		bool icmp = k->proto == 1 || k->proto == 58;
		uint32_t top = 0, thr;
		struct xs_sweeper *w;

		for (i = 0; i < m->n; i++)
			if (v->count[i] > top)
				top = v->count[i];
		if (top < min)
			continue; /* most keys: a glance */
		pr = xs_det_params(c, v->prof);
		if (!pr->sweep.enabled)
			continue;
		/* A longer scale fires only while the sweep goes on (see
		 * port_scan.c). */
		for (i = 0; i < m->n; i++) {
			thr = xs_sweep_threshold(pr, &m->sc[i], k->proto, k->port);
			if (thr && v->count[i] >= thr && (!i || c->now - v->last < m->win[i - 1]))
				break;
		}
		if (i == m->n)
			continue;
		w = sweeper(c, &k->src, v->prof);
		if (!w) {
			struct xs_finding f;

			/* No room to merge: on its own, the same alert all the same. */
			xs_finding_init(&f, XS_R_HOST_SWEEP);
			f.has_src = true;
			f.src = k->src;
			f.proto = k->proto;
			f.value = v->count[i];
			f.unit = "destinations";
			f.threshold = thr;
			xs_det_report(c, &f, v->prof, m->win[i]);
			continue;
		}
		merge(w, v->count[i], thr, m->win[i] * c->e->tick_s, k->proto,
		      icmp ? k->proto << 16 : k->port);
	}
}

/* The kernel's sketches: distinct destinations of any probe. */
static void from_sketches(struct xs_det_ctx *c)
{
	const struct xs_engine *e = c->e;
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->probers, &it); ent;
	     ent = xs_htab_next(&c->e->probers, &it)) {
		const struct xs_prober_val *v = xs_htab_val(&c->e->probers, ent);
		const struct xs_rule_params *pr = xs_det_params(c, v->prof);
		uint32_t n = xs_det_window(c, v->prof, XS_R_HOST_SWEEP), id;
		uint8_t acc[XS_HLL_REGS] = {0};
		struct xs_sweeper *w;
		double est;

		if (!pr->sweep.enabled || !pr->sweep.any_threshold)
			continue;
		for (id = xs_wfirst_id(&e->pgeom, c->now, n); id <= v->head; id++) {
			const uint8_t *sl =
			    xs_ring_slot((void *)v->hll, XS_HLL_REGS, &e->pgeom, v->head, id);

			if (sl)
				xs_hll_merge(acc, sl);
		}
		est = round(xs_hll_estimate(acc, XS_HLL_REGS));
		if (est < pr->sweep.any_threshold)
			continue;
		w = sweeper(c, ent, v->prof);
		if (!w)
			continue;
		w->any = 1;
		merge(w, est, pr->sweep.any_threshold, n * e->tick_s, 0, -1);
	}
}

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	if (c->e->sweepers.count)
		xs_htab_clear(&c->e->sweepers);
	from_services(c);
	from_sketches(c);
	for (ent = xs_htab_first(&c->e->sweepers, &it); ent;
	     ent = xs_htab_next(&c->e->sweepers, &it)) {
		const struct xs_sweeper *w = xs_htab_val(&c->e->sweepers, ent);
		struct xs_finding f;
		int i;

		xs_finding_init(&f, XS_R_HOST_SWEEP);
		f.has_src = true;
		f.src = *(const struct xs_addr *)ent;
		if (w->port != -2) {
			f.proto = w->proto;
			if (w->port >= 0 && w->proto != 1 && w->proto != 58)
				f.dport = w->port;
		}
		f.value = w->value;
		f.unit = "destinations";
		f.threshold = w->threshold;
		for (i = 0; i < w->nports; i++)
			f.ports[f.nports++] = w->ports[i];
		xs_finding_detail(&f, "distinct_destinations", w->value);
		if (w->any)
			xs_finding_detail(&f, "from_kernel_sketch", 1);
		xs_det_report(c, &f, w->prof, (uint32_t)llround(w->window_s / c->e->tick_s));
	}
}

const struct xs_detector xs_det_host_sweep = {XS_R_HOST_SWEEP, eval};
