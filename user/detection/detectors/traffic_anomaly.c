// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * traffic_anomaly: rates far above what was learnt. Baselines are EWMA
 * means and variances of per-tick rates with time constant baseline_s;
 * the rate over the window is anomalous when it reaches
 *	max(mean + k * stddev, floor)
 * after warmup_s of learning. Three kinds of baseline:
 *   - each destination's packets/s and bits/s (dst_floor_*)
 *   - all traffic's packets/s and bits/s (total_floor_*)
 *   - each service's (destination, TCP port) new connections/s, from at
 *     least service_min_sources distinct sources (service_floor_cps): the
 *     distributed form of password guessing, many sources with a few
 *     attempts each, that per-source counts miss. A login service over
 *     credential_stuffing's floors is that rule's (one attack, one alert;
 *     whichever names it first keeps it).
 * A baseline does not learn while it is anomalous, so an attack does not
 * become normal. A victim already under a flood alert is not reported
 * again here.
 */
#include <math.h>
#include "engine_int.h"

#define FLOODS                                                                                 \
	((1u << XS_R_SYN_FLOOD) | (1u << XS_R_UDP_FLOOD) | (1u << XS_R_ICMP_FLOOD) |            \
	 (1u << XS_R_VOLUMETRIC) | (1u << XS_R_REFLECTION) | (1u << XS_R_SYNACK_FLOOD) |       \
	 (1u << XS_R_ACK_FLOOD))

static double sd(const struct xs_ewma *e)
{
	return e->var > 0 ? sqrt(e->var) : 0;
}

/* Tests value against a baseline; fills the finding's baseline fields. */
static bool above(double value, const struct xs_ewma *b, double k, double floor,
		  struct xs_finding *f, const char *unit)
{
	double lim = b->mean + k * sd(b);

	if (floor <= 0)
		return false;	/* a floor of 0 turns this baseline off */
	if (lim < floor)
		lim = floor;
	if (value < lim)
		return false;
	f->value = value;
	f->unit = unit;
	f->mean = b->mean;
	f->stddev = sd(b);
	f->k = k;
	f->floor = floor;
	return true;
}

static bool warm(const struct xs_det_ctx *c, const struct xs_rule_params *p)
{
	return c->e->ticks * c->e->tick_s >= p->anom.warmup_s;
}

static void destinations(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->dst, &it); ent; ent = xs_htab_next(&c->e->dst, &it)) {
		struct xs_dtrack *d = xs_htab_val(&c->e->dst, ent);
		const struct xs_rule_params *p = xs_det_params(c, d->prof);
		uint32_t n = xs_det_window(c, d->prof, XS_R_TRAFFIC_ANOMALY);
		const struct xs_addr *victim = ent;
		struct xs_finding f;
		struct xs_dsum s;
		bool hit;

		d->anomalous = 0;
		if (!p->anom.enabled || !warm(c, p) || d->last_active + n <= c->now)
			continue;
		xs_det_dst_counts(c, d, n, &s);
		xs_finding_init(&f, XS_R_TRAFFIC_ANOMALY);
		hit = above(s.pkts / s.secs, &d->pps, p->anom.k, p->anom.dst_floor_pps, &f,
			    "packets/s") ||
		      above(s.bytes * 8.0 / s.secs, &d->bps, p->anom.k, p->anom.dst_floor_bps, &f,
			    "bits/s");
		if (!hit)
			continue;
		d->anomalous = 1;
		if (xs_alerts_victim_open(c->e->alerts, victim, FLOODS))
			continue;
		f.has_dst = true;
		f.dst = *victim;
		xs_det_top(c, d, &f);
		xs_det_dst_hlls(c, d, n, &s);
		xs_finding_detail(&f, "distinct_sources",
				  round(xs_hll_estimate(s.hll_src, XS_HLL_REGS)));
		xs_det_report(c, &f, d->prof, n);
	}
}

static void total(struct xs_det_ctx *c)
{
	const struct xs_rule_params *p = xs_det_params(c, 0);
	uint32_t n = xs_det_window(c, 0, XS_R_TRAFFIC_ANOMALY);
	double secs = xs_det_window_secs(c, &c->e->lgeom, n);
	uint64_t pkts, bytes;
	struct xs_finding f;

	c->e->total_anomalous = 0;
	if (!p->anom.enabled || !warm(c, p))
		return;
	xs_det_total_sum(c, n, &pkts, &bytes);
	xs_finding_init(&f, XS_R_TRAFFIC_ANOMALY);
	if (!above(pkts / secs, &c->e->total_pps, p->anom.k, p->anom.total_floor_pps, &f,
		   "packets/s") &&
	    !above(bytes * 8.0 / secs, &c->e->total_bps, p->anom.k, p->anom.total_floor_bps, &f,
		   "bits/s"))
		return;
	c->e->total_anomalous = 1;
	xs_det_report(c, &f, 0, n);
}

static void services(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->svcs, &it); ent; ent = xs_htab_next(&c->e->svcs, &it)) {
		const struct xs_svc_key *k = ent;
		struct xs_svc_val *v = xs_htab_val(&c->e->svcs, ent);
		const struct xs_rule_params *p = xs_det_params(c, v->prof);
		struct xs_finding f;

		v->anomalous = 0;
		if (k->proto == XS_PROTO_REFL || !p->anom.enabled || !warm(c, p))
			continue;
		/* Many sources logging in: credential_stuffing's to judge
		 * (against the same kind of baseline). */
		if (k->proto == 6 && xs_stuffing_floors(c, &k->dst, k->port))
			continue;
		xs_finding_init(&f, XS_R_TRAFFIC_ANOMALY);
		if (v->count < p->anom.service_min_sources ||
		    !above(v->fast.mean, &v->slow, p->anom.k, p->anom.service_floor_cps, &f,
			   "connections/s"))
			continue;
		v->anomalous = 1;
		/* A flood, or credential stuffing (the same guessing, named by
		 * its own rule), has the victim already. */
		if (xs_alerts_victim_open(c->e->alerts, &k->dst,
					  FLOODS | 1u << XS_R_CREDENTIAL_STUFFING))
			continue;
		f.has_dst = true;
		f.dst = k->dst;
		f.proto = k->proto;
		f.dport = f.key_port = k->port;
		xs_finding_detail(&f, "distinct_sources", v->count);
		{
			const struct xs_dtrack *d = xs_det_find_dst(c, &k->dst);

			if (d)
				xs_det_top(c, d, &f);
		}
		xs_det_report(c, &f, v->prof, xs_det_window(c, v->prof, XS_R_TRAFFIC_ANOMALY));
	}
}

static void eval(struct xs_det_ctx *c)
{
	destinations(c);
	total(c);
	services(c);
}

const struct xs_detector xs_det_traffic_anomaly = { XS_R_TRAFFIC_ANOMALY, eval };
