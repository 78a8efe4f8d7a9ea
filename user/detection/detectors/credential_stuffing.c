// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * credential_stuffing: password guessing spread over many sources, each
 * below brute_force's per-source bar, at one login service (destination,
 * TCP port in `ports`). Seen where it is visible: per service, across
 * sources. Within the window:
 *   - at least min_sources distinct sources connected, and
 *   - at least min_connections connections in all (a few tries each);
 *   - the connections carry logins: the service's traffic is not a SYN
 *     flood (its packets per SYN, over the flood window, at least
 *     min_pkts_per_conn; no flood alert open on it);
 *   - once the service's baseline is learnt (warmup_s), its connections/s
 *     are also above it (mean + k standard deviations of its own history):
 *     a mail server that hears from thousands of users every minute is
 *     normal there, and only a jump above that is stuffing. Before that,
 *     the floors alone decide.
 * The alert names the service and its top contributors.
 */
#include <math.h>
#include "engine_int.h"

#define FLOODS                                                                                     \
	((1u << XS_R_SYN_FLOOD) | (1u << XS_R_UDP_FLOOD) | (1u << XS_R_ICMP_FLOOD) |               \
	 (1u << XS_R_VOLUMETRIC) | (1u << XS_R_REFLECTION))

static double sd(const struct xs_ewma *e)
{
	return e->var > 0 ? sqrt(e->var) : 0;
}

/* Connections in the last n ticks. */
static uint32_t conns_in(const struct xs_det_ctx *c, const struct xs_login_val *v, uint32_t n)
{
	const struct xs_wgeom *g = &c->e->lgeom_login;
	uint32_t id, sum = 0;

	if (v->head == UINT32_MAX)
		return 0;
	for (id = xs_wfirst_id(g, c->now, n); id <= v->head; id++) {
		const uint16_t *sl =
		    xs_ring_slot((void *)v->ring, sizeof(v->ring[0]), g, v->head, id);

		if (sl)
			sum += *sl;
	}
	return sum;
}

/* Whether the service's recent traffic is mostly SYNs (a flood). */
static bool syn_only(const struct xs_det_ctx *c, const struct xs_addr *dst, double min_per_syn)
{
	const struct xs_dtrack *d = xs_det_find_dst(c, dst);
	struct xs_dsum s;

	if (!d)
		return false; /* not even tracked: no flood */
	xs_det_dst_sum(c, d, c->e->dgeom.nslots * c->e->dgeom.gran, &s);
	return s.syn && (double)s.tcp / s.syn < min_per_syn;
}

bool xs_stuffing_floors(const struct xs_det_ctx *c, const struct xs_addr *dst, uint16_t port)
{
	struct xs_login_key lk = {.dst = *dst, .port = port};
	void *ent = xs_htab_find(&c->e->logins, &lk, xs_hash(&lk, sizeof(lk)));
	const struct xs_login_val *v;
	const struct xs_rule_params *p;

	if (!ent)
		return false;
	v = xs_htab_val(&c->e->logins, ent);
	p = xs_det_params(c, v->prof);
	return p->stuff.enabled && v->count >= p->stuff.min_sources &&
	       conns_in(c, v, xs_det_window(c, v->prof, XS_R_CREDENTIAL_STUFFING)) >=
		   p->stuff.min_connections;
}

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->logins, &it); ent; ent = xs_htab_next(&c->e->logins, &it)) {
		const struct xs_login_key *k = ent;
		struct xs_login_val *v = xs_htab_val(&c->e->logins, ent);
		const struct xs_rule_params *p = xs_det_params(c, v->prof);
		uint32_t n = xs_det_window(c, v->prof, XS_R_CREDENTIAL_STUFFING), conns;
		int idx[XS_TOPK], i, ntop;
		double lim;
		struct xs_finding f;
		bool warm;

		v->anomalous = 0;
		if (!p->stuff.enabled || v->count < p->stuff.min_sources)
			continue;
		conns = conns_in(c, v, n);
		if (conns < p->stuff.min_connections)
			continue;
		warm = (c->now - v->first) * c->e->tick_s >= p->stuff.warmup_s;
		lim = v->slow.mean + p->stuff.k * sd(&v->slow);
		if (warm && v->fast.mean < lim)
			continue;
		v->anomalous = 1; /* not learnt as normal */
		/* A flood is not a login; traffic_anomaly's service baseline,
		 * when it saw this guessing first, has named it already. */
		if (syn_only(c, &k->dst, p->stuff.min_pkts_per_conn) ||
		    xs_alerts_victim_open(c->e->alerts, &k->dst,
					  FLOODS | 1u << XS_R_TRAFFIC_ANOMALY))
			continue;
		xs_finding_init(&f, XS_R_CREDENTIAL_STUFFING);
		f.has_dst = true;
		f.src_in_key = false;
		f.dst = k->dst;
		f.proto = 6;
		f.dport = f.key_port = k->port;
		f.value = conns;
		f.unit = "connections";
		f.threshold = p->stuff.min_connections;
		xs_finding_detail(&f, "distinct_sources", v->count);
		xs_finding_detail(&f, "connections_per_source", (double)conns / v->count);
		if (warm) {
			xs_finding_detail(&f, "baseline_cps", v->slow.mean);
			xs_finding_detail(&f, "cps", v->fast.mean);
		}
		ntop = xs_topk_sorted(&v->top, idx);
		for (i = 0; i < ntop && f.ntop < XS_FIND_TOP &&
			    (uint32_t)f.ntop < c->e->set.alerts.top_sources;
		     i++) {
			f.top[f.ntop].a = v->top.a[idx[i]];
			f.top[f.ntop].n = v->top.n[idx[i]] - v->top.err[idx[i]];
			f.ntop++;
		}
		f.top_unit = "connections (at least)";
		xs_det_report(c, &f, v->prof, n);
	}
}

const struct xs_detector xs_det_credential_stuffing = {XS_R_CREDENTIAL_STUFFING, eval};
