// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The engine: see engine.h for the contract and engine_int.h for the
 * tables. Per event: classify, then a handful of hash-table operations,
 * no allocation. Per tick: fold the kernel's aggregates into the
 * destinations' rings, expire what left its window (one pass over each
 * table), run the detectors, update baselines, end quiet alerts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "log.h"
#include "names.h"

#define TCP_SYN XS_TCP_SYN
#define TCP_ACK XS_TCP_ACK
#define TCP_RST XS_TCP_RST

enum ev_kind { K_NONE = 0, K_SYN, K_PROBE, K_ECHO, K_REFL };

static const uint16_t kind_bits[] = {
	[K_NONE] = 0,
	[K_SYN] = XS_IN_SCAN | XS_IN_SWEEP | XS_IN_SVC | XS_IN_LOGIN,
	[K_PROBE] = XS_IN_SCAN | XS_IN_SWEEP,
	[K_ECHO] = XS_IN_SWEEP,
	[K_REFL] = XS_IN_SVC,
};

/* The multi-scale rules by XS_MS_* */
static const int ms_rule[XS_MS_MAX] = { XS_R_PORT_SCAN, XS_R_HOST_SWEEP, XS_R_BRUTE_FORCE };

/* A login service's connections and a prober's sketches are kept in rings
 * of at most this many slots; SIP pairs in coarser ones (16). */
#define LOGIN_SLOTS XS_WIN_SLOTS_MAX
#define SIP_SLOTS 16
/* A source enters the probers table when one tick's sketch says it probed
 * at least this many destinations (fewer: what every client does). */
#define PROBER_MIN 8
/* Sources whose host_sweep findings one tick merges (more: reported one
 * by one, still one alert each). */
#define SWEEPERS_MAX 4096

static const int flood_rules[] = { XS_R_SYN_FLOOD, XS_R_UDP_FLOOD, XS_R_ICMP_FLOOD,
				   XS_R_VOLUMETRIC, XS_R_REFLECTION, XS_R_TRAFFIC_ANOMALY,
				   XS_R_SYNACK_FLOOD, XS_R_ACK_FLOOD, XS_R_CARPET_BOMBING };

static inline bool refl_port(const struct xs_engine *e, uint16_t port)
{
	return (e->refl_bitmap[port >> 4] >> (port & 15)) & 1;
}

static inline int prof_of(const struct xs_engine *e, const struct xs_addr *a)
{
	return e->any_profiles ? xs_ruleset_profile(e->rs, a) : 0;
}

static inline const struct xs_rule_params *params(const struct xs_engine *e, int prof)
{
	return &e->rs->prof[prof];
}

static bool is_multicast(const struct xs_addr *a)
{
	static const uint8_t v4p[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!memcmp(a->a, v4p, 12))
		return (a->a[12] & 0xf0) == 0xe0 ||
		       (a->a[12] == 255 && a->a[13] == 255 && a->a[14] == 255 && a->a[15] == 255);
	return a->a[0] == 0xff;
}

static void ewma_decay(struct xs_ewma *e, double alpha, uint64_t m)
{
	/* m updates with x = 0, in closed form:
	 * mean_m = (1-a)^m mean, var_m = (1-a)^m (var + mean^2 (1 - (1-a)^m)) */
	double q = pow(1 - alpha, (double)m);

	e->var = (float)(q * (e->var + (double)e->mean * e->mean * (1 - q)));
	e->mean = (float)(q * e->mean);
}

static uint32_t ticks_of(double secs, double tick_s)
{
	double w = secs / tick_s;

	return w < 1 ? 1 : (uint32_t)llround(w);
}

/* Every geometry the engine's rings need, from the rules. */
struct geoms {
	struct xs_wgeom d, c, c_long, l, login, p, s, f;
	uint32_t cfine_max;
};

static uint32_t xs_wgeom_max_gran(const struct geoms *g)
{
	const struct xs_wgeom *all[] = { &g->d, &g->c, &g->c_long, &g->login, &g->p, &g->s, &g->f };
	uint32_t m = 1;
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->gran > m)
			m = all[i]->gran;
	return m;
}

/* The windows (in ticks) of every profile and rule, the scales of the
 * multi-scale rules (sorted by window), and the ring geometries they need. */
static void windows(const struct xs_ruleset *rs, double tick_s, uint32_t win[][XS_R_MAX],
		    struct xs_mscale ms[][XS_MS_MAX], uint32_t *max_win, struct geoms *g)
{
	uint32_t flood_max = 1, brute_max = 1, brute_fine = 0, login_max = 1, sweep_max = 1;
	uint32_t sip_max = 1, frag_max = 1, l_max;
	struct xs_scale sc[XS_SCALES];
	size_t i;
	int p, r, k, j, n;

	memset(g, 0, sizeof(*g));
	*max_win = 0;
	for (p = 0; p < rs->nprofiles; p++) {
		for (r = 0; r < XS_R_MAX; r++) {
			win[p][r] = ticks_of(xs_rule_window_s(&rs->prof[p], r), tick_s);
			if (win[p][r] > *max_win)
				*max_win = win[p][r];
		}
		for (k = 0; k < XS_MS_MAX; k++) {
			struct xs_mscale *m = &ms[p][k];

			n = xs_rule_scales(&rs->prof[p], ms_rule[k], sc);
			memset(m, 0, sizeof(*m));
			/* Insertion sort by window, shortest first. */
			for (i = 0; i < (size_t)n; i++) {
				uint32_t w = ticks_of(sc[i].window_s, tick_s);

				for (j = (int)m->n; j > 0 && m->win[j - 1] > w; j--) {
					m->win[j] = m->win[j - 1];
					m->sc[j] = m->sc[j - 1];
				}
				m->win[j] = w;
				m->sc[j] = sc[i];
				m->n++;
				if (w > *max_win)
					*max_win = w;
				if (k == XS_MS_BRUTE && w > brute_max)
					brute_max = w;
			}
		}
		if (win[p][XS_R_CREDENTIAL_STUFFING] > login_max)
			login_max = win[p][XS_R_CREDENTIAL_STUFFING];
		if (win[p][XS_R_HOST_SWEEP] > sweep_max)
			sweep_max = win[p][XS_R_HOST_SWEEP];
		if (win[p][XS_R_SIP_FRAUD] > sip_max)
			sip_max = win[p][XS_R_SIP_FRAUD];
		if (win[p][XS_R_FRAG_EVASION] > frag_max)
			frag_max = win[p][XS_R_FRAG_EVASION];
	}
	for (p = 0; p < rs->nprofiles; p++) {
		for (i = 0; i < sizeof(flood_rules) / sizeof(flood_rules[0]); i++)
			if (win[p][flood_rules[i]] > flood_max)
				flood_max = win[p][flood_rules[i]];
		for (j = 0; j < (int)ms[p][XS_MS_BRUTE].n; j++)
			if (ms[p][XS_MS_BRUTE].win[j] < brute_max &&
			    ms[p][XS_MS_BRUTE].win[j] > brute_fine)
				brute_fine = ms[p][XS_MS_BRUTE].win[j];
	}
	xs_wgeom_init(&g->d, flood_max, XS_WIN_SLOTS_MAX);
	/* Brute force: one ring for every window but the longest (one-tick
	 * slots for the 10 s and 60 s ones at 1 s ticks), a coarse one for the
	 * longest, so that a ten-minute window does not blur the short ones. */
	if (!brute_fine)
		brute_fine = brute_max;
	xs_wgeom_init(&g->c, brute_fine, XS_WIN_SLOTS_MAX);
	g->cfine_max = brute_fine;
	if (brute_max > brute_fine)
		xs_wgeom_init(&g->c_long, brute_max, XS_WIN_SLOTS_MAX);
	xs_wgeom_init(&g->f, frag_max, XS_WIN_SLOTS_MAX);
	xs_wgeom_init(&g->login, login_max, LOGIN_SLOTS);
	xs_wgeom_init(&g->p, sweep_max, XS_WIN_SLOTS_MAX);
	xs_wgeom_init(&g->s, sip_max, SIP_SLOTS);
	/* One ring for the engine: one-tick slots, so that a stall's extra
	 * seconds (late_s) stay with the tick they were late in. A window
	 * summed over a coarser ring reaches back to its oldest slot's first
	 * tick, up to gran - 1 ticks before the window: the ring holds those
	 * too (xs_det_window_secs). */
	l_max = *max_win + xs_wgeom_max_gran(g) - 1;
	xs_wgeom_init(&g->l, l_max, l_max + 1 > XS_WIN_SLOTS_MAX ? l_max + 1 : XS_WIN_SLOTS_MAX);
}

static size_t conn_val_size(const struct xs_engine *e)
{
	return offsetof(struct xs_conn_val, ring) +
	       (e->cgeom.nslots + e->cgeom_long.nslots) * sizeof(uint16_t);
}

struct xs_engine *xs_engine_new(const struct xs_engine_opts *o)
{
	const struct xs_settings *s = o->settings;
	struct xs_engine *e = calloc(1, sizeof(*e));
	struct geoms g;
	size_t i;

	if (!e)
		return NULL;
	e->set = *s;
	e->rs = s->rules;
	e->tick_s = s->tick_ms / 1000.0;
	e->tick_secs = e->tick_s;
	e->any_profiles = e->rs->nprofiles > 1 && e->rs->ncidrs > 0;
	e->now = 1;
	e->rng = 0x9e3779b97f4a7c15ULL;
	windows(e->rs, e->tick_s, e->win, e->ms, &e->max_win, &g);
	e->dgeom = g.d;
	e->cgeom = g.c;
	e->cgeom_long = g.c_long;
	e->cfine_max = g.cfine_max;
	e->lgeom = g.l;
	e->fgeom = g.f;
	e->lgeom_login = g.login;
	e->pgeom = g.p;
	e->sgeom = g.s;
	for (i = 0; i < (size_t)s->nrefl_ports; i++)
		e->refl_bitmap[s->refl_ports[i] >> 4] |= 1u << (s->refl_ports[i] & 15);

	if (xs_htab_init(&e->dst, sizeof(struct xs_addr), sizeof(struct xs_dtrack),
			 s->limits.destinations) ||
	    xs_htab_init(&e->pairs, sizeof(struct xs_pkey), sizeof(struct xs_pval),
			 s->limits.pairs) ||
	    xs_htab_init(&e->scans, sizeof(struct xs_scan_key), sizeof(struct xs_scan_val),
			 s->limits.scan_keys) ||
	    xs_htab_init(&e->sweeps, sizeof(struct xs_sweep_key), sizeof(struct xs_sweep_val),
			 s->limits.sweep_keys) ||
	    xs_htab_init(&e->svcs, sizeof(struct xs_svc_key), sizeof(struct xs_svc_val),
			 s->limits.services) ||
	    xs_htab_init(&e->conns, sizeof(struct xs_pkey), conn_val_size(e),
			 s->limits.connections) ||
	    xs_htab_init(&e->frags, sizeof(struct xs_addr),
			 offsetof(struct xs_frag_val, ring) + e->fgeom.nslots * sizeof(uint32_t),
			 s->limits.frag_sources) ||
	    xs_htab_init(&e->evid, sizeof(struct xs_watch_key), sizeof(struct xs_evid_val),
			 4 * XS_WATCH_MAX) ||
	    xs_htab_init(&e->logins, sizeof(struct xs_login_key),
			 offsetof(struct xs_login_val, ring) +
				 e->lgeom_login.nslots * sizeof(uint16_t),
			 s->limits.login_services) ||
	    xs_htab_init(&e->probers, sizeof(struct xs_addr),
			 offsetof(struct xs_prober_val, hll) + e->pgeom.nslots * XS_HLL_REGS,
			 s->limits.probers) ||
	    xs_htab_init(&e->sips, sizeof(struct xs_sip_key),
			 offsetof(struct xs_sip_val, ring) +
				 e->sgeom.nslots * sizeof(struct xs_sip_slot),
			 s->limits.sip_pairs) ||
	    xs_htab_init(&e->sweepers, sizeof(struct xs_addr), sizeof(struct xs_sweeper),
			 SWEEPERS_MAX) ||
	    xs_htab_init(&e->srcidx, sizeof(struct xs_addr), sizeof(uint32_t),
			 s->sizes.src_entries ? s->sizes.src_entries : 65536))
		goto fail;
	e->slab = calloc((size_t)e->dst.limit * e->dgeom.nslots, sizeof(*e->slab));
	e->slab_free = calloc(e->dst.limit, sizeof(*e->slab_free));
	e->loss = calloc(e->lgeom.nslots, sizeof(*e->loss));
	if (!e->slab || !e->slab_free || !e->loss)
		goto fail;
	for (i = 0; i < e->dst.limit; i++)
		e->slab_free[i] = (uint32_t)(e->dst.limit - 1 - i);
	e->nslab_free = (uint32_t)e->dst.limit;
	e->lhead = UINT32_MAX;
	if (xs_prefixes_init(e))
		goto fail;
	e->alerts = xs_alerts_new(&s->alerts, s->limits.alerts, o->ifname, o->on_alert, o->ctx);
	if (!e->alerts)
		goto fail;
	return e;
fail:
	xs_engine_free(e);
	return NULL;
}

/* Whether the rings, the scale counts and the tables keep their shape
 * under s (a reload then keeps the engine); fills win, ms and max_win. */
static bool compatible(const struct xs_engine *e, const struct xs_settings *s,
		       uint32_t win[][XS_R_MAX], struct xs_mscale ms[][XS_MS_MAX],
		       uint32_t *max_win)
{
	struct geoms g;
	int i, k;

	if (s->tick_ms != e->set.tick_ms || memcmp(&s->limits, &e->set.limits, sizeof(s->limits)) ||
	    s->ipv6_source_prefix != e->set.ipv6_source_prefix)
		return false;
	/* Windows remember which network group they belong to. */
	if (s->rules->nprofiles != e->rs->nprofiles || s->rules->ncidrs != e->rs->ncidrs ||
	    memcmp(s->rules->cidrs, e->rs->cidrs, sizeof(s->rules->cidrs[0]) * s->rules->ncidrs))
		return false;
	windows(s->rules, e->tick_s, win, ms, max_win, &g);
	/* The rings keep their history only if their shape is unchanged. */
	if (memcmp(&g.d, &e->dgeom, sizeof(g.d)) || memcmp(&g.c, &e->cgeom, sizeof(g.c)) ||
	    memcmp(&g.c_long, &e->cgeom_long, sizeof(g.c_long)) || g.cfine_max != e->cfine_max ||
	    memcmp(&g.l, &e->lgeom, sizeof(g.l)) || memcmp(&g.f, &e->fgeom, sizeof(g.f)) ||
	    memcmp(&g.login, &e->lgeom_login, sizeof(g.login)) ||
	    memcmp(&g.p, &e->pgeom, sizeof(g.p)) || memcmp(&g.s, &e->sgeom, sizeof(g.s)))
		return false;
	/* Pairs remember which scale counts they are in: same scales only. */
	for (i = 0; i < s->rules->nprofiles; i++)
		for (k = 0; k < XS_MS_MAX; k++)
			if (ms[i][k].n != e->ms[i][k].n ||
			    memcmp(ms[i][k].win, e->ms[i][k].win, sizeof(ms[i][k].win)))
				return false;
	return true;
}

bool xs_engine_compatible(const struct xs_engine *e, const struct xs_settings *s)
{
	struct xs_mscale ms[XS_PROFILES_MAX][XS_MS_MAX];
	uint32_t win[XS_PROFILES_MAX][XS_R_MAX], max_win;

	return compatible(e, s, win, ms, &max_win);
}

int xs_engine_reconfigure(struct xs_engine *e, const struct xs_settings *s)
{
	struct xs_mscale ms[XS_PROFILES_MAX][XS_MS_MAX];
	uint32_t win[XS_PROFILES_MAX][XS_R_MAX], max_win;
	size_t i;

	if (!compatible(e, s, win, ms, &max_win))
		return -EAGAIN;
	e->set = *s;
	e->rs = s->rules;
	e->any_profiles = e->rs->nprofiles > 1 && e->rs->ncidrs > 0;
	memcpy(e->win, win, sizeof(win));
	memcpy(e->ms, ms, sizeof(ms));
	e->max_win = max_win;
	memset(e->refl_bitmap, 0, sizeof(e->refl_bitmap));
	for (i = 0; i < (size_t)s->nrefl_ports; i++)
		e->refl_bitmap[s->refl_ports[i] >> 4] |= 1u << (s->refl_ports[i] & 15);
	xs_alerts_set_cfg(e->alerts, &s->alerts);
	return 0;
}

void xs_engine_free(struct xs_engine *e)
{
	if (!e)
		return;
	xs_alerts_free(e->alerts);
	xs_prefixes_free(e);
	xs_htab_free(&e->dst);
	xs_htab_free(&e->pairs);
	xs_htab_free(&e->scans);
	xs_htab_free(&e->sweeps);
	xs_htab_free(&e->svcs);
	xs_htab_free(&e->conns);
	xs_htab_free(&e->frags);
	xs_htab_free(&e->evid);
	xs_htab_free(&e->logins);
	xs_htab_free(&e->probers);
	xs_htab_free(&e->sips);
	xs_htab_free(&e->sweepers);
	xs_htab_free(&e->srcidx);
	free(e->slab);
	free(e->slab_free);
	free(e->loss);
	free(e);
}

double xs_engine_tick_s(const struct xs_engine *e)
{
	return e->tick_s;
}

/* ---- events ---------------------------------------------------------- */

/* The thresholds of a scale for one service. */
uint32_t xs_sweep_threshold(const struct xs_rule_params *p, const struct xs_scale *sc,
			    uint8_t proto, uint16_t port)
{
	bool icmp = proto == 1 || proto == 58;

	return !icmp && xs_ports_has(&p->sweep.client_ports, port) ? sc->client_threshold
								   : sc->threshold;
}

uint32_t xs_brute_threshold(const struct xs_rule_params *p, const struct xs_scale *sc,
			    uint16_t port)
{
	if (xs_ports_has(&p->brute.login_ports, port))
		return sc->login_threshold;
	if (xs_ports_has(&p->brute.web_ports, port))
		return sc->web_threshold;
	return sc->threshold;
}

/* The scales (XS_IN_*_AT bits) whose counts a pair joins. */
static uint16_t scan_scales(const struct xs_engine *e, int prof)
{
	const struct xs_mscale *m = &e->ms[prof][XS_MS_SCAN];
	uint16_t bits = 0;
	uint32_t i;

	for (i = 0; i < m->n; i++)
		if (m->sc[i].threshold)
			bits |= XS_IN_SCAN_AT(i);
	return bits;
}

static uint16_t sweep_scales(const struct xs_engine *e, int prof, uint8_t proto, uint16_t port)
{
	const struct xs_mscale *m = &e->ms[prof][XS_MS_SWEEP];
	const struct xs_rule_params *p = params(e, prof);
	uint16_t bits = 0;
	uint32_t i;

	for (i = 0; i < m->n; i++)
		if (xs_sweep_threshold(p, &m->sc[i], proto, port))
			bits |= XS_IN_SWEEP_AT(i);
	return bits;
}

static bool login_port(const struct xs_engine *e, int prof, uint16_t port)
{
	const struct xs_rule_params *p = params(e, prof);

	return p->stuff.enabled && xs_ports_has(&p->stuff.ports, port);
}

/* Adds the pair to its parent's counts for the bits of one parent (scan,
 * sweep, service or login); returns false when the parent cannot exist. */
static bool parent_add(struct xs_engine *e, uint16_t bits, const struct xs_prep *q,
		       const struct xs_pval *pv)
{
	const struct xs_pkey *k = &q->k;
	bool created;
	void *ent;
	int i;

	if (bits & XS_IN_SCAN) {
		struct xs_scan_key sk = { .src = k->src, .dst = k->dst };
		struct xs_scan_val *v;

		ent = xs_htab_insert(&e->scans, &sk, q->h_scan, &created);
		if (!ent)
			return false;
		v = xs_htab_val(&e->scans, ent);
		if (created) {
			v->prof = pv->dprof;
			v->first = e->now;
		}
		for (i = 0; i < XS_SCALES; i++)
			if (bits & XS_IN_SCAN_AT(i)) {
				v->count[i]++;
				v->udp[i] += k->proto == 17;
			}
		v->last = e->now;
		if (k->proto == 17 && (q->sport != v->udp_sport || !v->udp_sports)) {
			v->udp_sport = q->sport;
			if (v->udp_sports < UINT16_MAX)
				v->udp_sports++;
		}
		if (v->nports < XS_FIND_PORTS) {
			v->ports[v->nports++] = k->port;
		} else {
			memmove(v->ports, v->ports + 1, sizeof(v->ports) - sizeof(v->ports[0]));
			v->ports[XS_FIND_PORTS - 1] = k->port;
		}
		return true;
	}
	if (bits & XS_IN_SWEEP) {
		struct xs_sweep_key wk = { .src = k->src, .port = k->port, .proto = k->proto };
		struct xs_sweep_val *v;

		ent = xs_htab_insert(&e->sweeps, &wk, q->h_sweep, &created);
		if (!ent)
			return false;
		v = xs_htab_val(&e->sweeps, ent);
		if (created)
			v->prof = pv->sprof;
		for (i = 0; i < XS_SCALES; i++)
			if (bits & XS_IN_SWEEP_AT(i))
				v->count[i]++;
		v->last = e->now;
		return true;
	}
	if (bits & XS_IN_LOGIN) {
		struct xs_login_key lk = { .dst = k->dst, .port = k->port };
		struct xs_login_val *v;

		ent = xs_htab_insert(&e->logins, &lk, xs_hash(&lk, sizeof(lk)), &created);
		if (!ent)
			return false;
		v = xs_htab_val(&e->logins, ent);
		if (created) {
			v->prof = pv->dprof;
			v->first = e->now;
			v->head = UINT32_MAX;
		}
		v->count++;
		return true;
	}
	{
		struct xs_svc_key vk = { .dst = k->dst, .port = k->port, .proto = k->proto };
		struct xs_svc_val *v;

		ent = xs_htab_insert(&e->svcs, &vk, xs_hash(&vk, sizeof(vk)), &created);
		if (!ent)
			return false;
		v = xs_htab_val(&e->svcs, ent);
		if (created) {
			v->prof = pv->dprof;
			v->first = e->now;
		}
		v->count++;
		return true;
	}
}

/* Takes the pair out of its parent's counts for bits (of one parent). */
static void parent_remove(struct xs_engine *e, uint16_t bits, const struct xs_pkey *k)
{
	void *ent;
	int i;

	if (bits & XS_IN_SCAN) {
		struct xs_scan_key sk = { .src = k->src, .dst = k->dst };
		uint64_t h = xs_hash(&sk, sizeof(sk));
		struct xs_scan_val *v;
		uint32_t left = 0;

		ent = xs_htab_find(&e->scans, &sk, h);
		if (!ent)
			return;
		v = xs_htab_val(&e->scans, ent);
		for (i = 0; i < XS_SCALES; i++) {
			if ((bits & XS_IN_SCAN_AT(i)) && v->count[i]) {
				v->count[i]--;
				if (k->proto == 17 && v->udp[i])
					v->udp[i]--;
			}
			left += v->count[i];
		}
		if (!left)
			xs_htab_delete(&e->scans, &sk, h);
	} else if (bits & XS_IN_SWEEP) {
		struct xs_sweep_key wk = { .src = k->src, .port = k->port, .proto = k->proto };
		uint64_t h = xs_hash(&wk, sizeof(wk));
		struct xs_sweep_val *v;
		uint32_t left = 0;

		ent = xs_htab_find(&e->sweeps, &wk, h);
		if (!ent)
			return;
		v = xs_htab_val(&e->sweeps, ent);
		for (i = 0; i < XS_SCALES; i++) {
			if ((bits & XS_IN_SWEEP_AT(i)) && v->count[i])
				v->count[i]--;
			left += v->count[i];
		}
		if (!left)
			xs_htab_delete(&e->sweeps, &wk, h);
	} else if (bits & XS_IN_LOGIN) {
		struct xs_login_key lk = { .dst = k->dst, .port = k->port };
		struct xs_login_val *v;

		ent = xs_htab_find(&e->logins, &lk, xs_hash(&lk, sizeof(lk)));
		if (ent) {
			v = xs_htab_val(&e->logins, ent);
			if (v->count)
				v->count--;	/* the baseline outlives it: deleted when idle */
		}
	} else {
		struct xs_svc_key vk = { .dst = k->dst, .port = k->port, .proto = k->proto };
		struct xs_svc_val *v;

		ent = xs_htab_find(&e->svcs, &vk, xs_hash(&vk, sizeof(vk)));
		if (!ent)
			return;
		v = xs_htab_val(&e->svcs, ent);
		if (v->count)
			v->count--;	/* the baseline outlives it: deleted when idle */
	}
}

/* Adds one connection at tick `at` to both rings of a counter. */
static void conn_ring_add(const struct xs_engine *e, struct xs_conn_val *c, uint32_t at)
{
	uint16_t *fine = c->ring, *coarse = c->ring + e->cgeom.nslots, *sl;
	uint32_t id = xs_wslot_id(&e->cgeom, at);

	xs_ring_advance(fine, sizeof(*fine), &e->cgeom, &c->head, id);
	sl = xs_ring_slot(fine, sizeof(*fine), &e->cgeom, c->head, id);
	if (sl && *sl < UINT16_MAX)
		(*sl)++;
	if (!e->cgeom_long.nslots)
		return;
	id = xs_wslot_id(&e->cgeom_long, at);
	xs_ring_advance(coarse, sizeof(*coarse), &e->cgeom_long, &c->head_long, id);
	sl = xs_ring_slot(coarse, sizeof(*coarse), &e->cgeom_long, c->head_long, id);
	if (sl && *sl < UINT16_MAX)
		(*sl)++;
}

static bool brute_on(const struct xs_engine *e, int prof, uint16_t port)
{
	const struct xs_mscale *m = &e->ms[prof][XS_MS_BRUTE];
	const struct xs_rule_params *p = params(e, prof);
	uint32_t i;

	if (!p->brute.enabled)
		return false;
	for (i = 0; i < m->n; i++)
		if (xs_brute_threshold(p, &m->sc[i], port))
			return true;
	return false;
}

static void count_conn(struct xs_engine *e, const struct xs_pkey *k, uint64_t h,
		       struct xs_pval *pv, bool created)
{
	uint32_t now = e->now, n = e->win[pv->dprof][XS_R_BRUTE_FORCE];
	struct xs_conn_val *c;
	bool made;
	void *ent;

	if (created)
		goto out;	/* a first connection: no counter exists yet */
	ent = xs_htab_find(&e->conns, k, h);
	if (ent) {
		c = xs_htab_val(&e->conns, ent);
		conn_ring_add(e, c, now);
		c->conns++;
	} else if (pv->conn_tick && now - pv->conn_tick < n) {
		/* A second connection within the window: start counting. */
		ent = xs_htab_insert(&e->conns, k, h, &made);
		if (!ent)
			goto out;
		c = xs_htab_val(&e->conns, ent);
		c->head = c->head_long = UINT32_MAX;
		c->prof = pv->dprof;
		c->first = now;
		conn_ring_add(e, c, pv->conn_tick);
		conn_ring_add(e, c, now);
		/* Packets are counted from this tick on: so are connections. */
		c->conns = pv->conn_tick == now ? 2 : 1;
	}
out:
	pv->conn_tick = now;
}

/* Whether the pair is alone in every scale count of its scan (bits:
 * XS_IN_SCAN_AT) or sweep (XS_IN_SWEEP_AT) it is in. */
static bool parent_alone(const struct xs_engine *e, uint16_t bits, const struct xs_pkey *k)
{
	const uint32_t *count = NULL;
	void *ent;
	int i;

	if (bits & XS_IN_SCAN) {
		struct xs_scan_key sk = { .src = k->src, .dst = k->dst };

		ent = xs_htab_find(&e->scans, &sk, xs_hash(&sk, sizeof(sk)));
		if (ent)
			count = ((struct xs_scan_val *)xs_htab_val(&e->scans, ent))->count;
	} else {
		struct xs_sweep_key wk = { .src = k->src, .port = k->port, .proto = k->proto };

		ent = xs_htab_find(&e->sweeps, &wk, xs_hash(&wk, sizeof(wk)));
		if (ent)
			count = ((struct xs_sweep_val *)xs_htab_val(&e->sweeps, ent))->count;
	}
	if (!count)
		return false;
	for (i = 0; i < XS_SCALES; i++)
		if ((bits & (XS_IN_SCAN_AT(i) | XS_IN_SWEEP_AT(i))) && count[i] != 1)
			return false;
	return true;
}

/* Smoke screen (issue 13): a spoofed flood makes one pair per packet,
 * each alone in its scan and sweep counts, and would fill the tables so
 * that a real attack at the same time finds no room. Such a pair is
 * evicted for a new one: the oldest of a sample of slots, at a random
 * place. need_bit: it must also free an entry of that distinct count. A
 * pair with a second packet, or in a count with others (a scanner's
 * ports), is never taken. Returns whether one was evicted. */
static bool evict_pair(struct xs_engine *e, int need_bit)
{
	uint32_t start, i, j, best_last = UINT32_MAX;
	void *best = NULL;
	uint16_t bits;
	int found = 0;

	e->rng ^= e->rng << 13;
	e->rng ^= e->rng >> 7;
	e->rng ^= e->rng << 17;
	start = (uint32_t)e->rng;
	for (i = 0; i < 64 && found < 8; i++) {
		void *ent = xs_htab_slot(&e->pairs, start + i);
		const struct xs_pval *pv;
		bool ok = true;

		if (!ent)
			continue;
		pv = xs_htab_val(&e->pairs, ent);
		if (pv->hits != 1 || (need_bit && !(pv->in & need_bit)))
			continue;
		for (j = 0; j < 2 && ok; j++) {
			bits = pv->in & (j ? XS_IN_SWEEP : XS_IN_SCAN);
			if (bits && !parent_alone(e, bits, ent))
				ok = false;
		}
		if (!ok)
			continue;
		found++;
		if (pv->last < best_last) {
			best_last = pv->last;
			best = ent;
		}
	}
	if (!best)
		return false;
	{
		struct xs_pkey k = *(const struct xs_pkey *)best;
		const struct xs_pval *pv = xs_htab_val(&e->pairs, best);
		static const uint16_t parents[] = { XS_IN_SCAN, XS_IN_SWEEP, XS_IN_SVC,
						    XS_IN_LOGIN };

		for (i = 0; i < sizeof(parents) / sizeof(parents[0]); i++)
			if (pv->in & parents[i])
				parent_remove(e, pv->in & parents[i], &k);
		xs_htab_delete(&e->pairs, &k, xs_hash(&k, sizeof(k)));
	}
	e->evicted++;
	return true;
}

/* What an event means, and the hashes of the keys it touches. A probe is
 * what opens something: a connection attempt (SYN), a scanner's FIN, NULL
 * or Xmas segment, an ACK that no connection knows (the kernel reports a
 * bare ACK only then: ACK scans and ACK pings), an ICMP echo request, and
 * UDP unless it is an answer: from a service's port (below 1024, or a
 * reflector's) to a client's. Port order proves nothing between two
 * unprivileged ports (nmap's top UDP ports include 65024): counted. */
static void classify(const struct xs_engine *e, const struct xs_flow_event *ev, struct xs_prep *q)
{
	uint16_t sport = ntohs(ev->sport), dport = ntohs(ev->dport);
	int kind = K_NONE;

	switch (ev->proto) {
	case 6:
		if ((ev->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
			kind = K_SYN;	/* a connection attempt */
		else if (!(ev->tcp_flags & (TCP_SYN | TCP_RST)))
			kind = K_PROBE;	/* FIN, NULL, Xmas; an out-of-state ACK */
		/* SYN-ACK and RST answer. */
		break;
	case 17:
		if (refl_port(e, sport) && sport != dport)
			kind = K_REFL;
		else if (!((sport < 1024 || refl_port(e, sport)) &&
			   !(dport < 1024 || refl_port(e, dport))))
			kind = K_PROBE;
		break;
	case 1:
	case 58:
		/* ICMP flow keys: sport = type << 8 | code. */
		if ((sport >> 8) == (ev->proto == 1 ? 8 : 128)) {
			kind = K_ECHO;
			dport = 0;
		}
		break;
	}
	memset(&q->k, 0, sizeof(q->k));
	q->src = ev->src;
	q->k.src = ev->src;
	xs_engine_src_key(e, &q->k.src);
	q->sport = sport;
	q->k.dst = ev->dst;
	q->kind = (uint8_t)kind;
	if (kind == K_NONE)
		return;
	q->k.port = kind == K_REFL ? 0 : dport;
	q->k.proto = kind == K_REFL ? XS_PROTO_REFL : ev->proto;
	q->h = xs_hash(&q->k, sizeof(q->k));
	{
		struct xs_scan_key sk = { .src = q->k.src, .dst = q->k.dst };
		struct xs_sweep_key wk = { .src = q->k.src, .port = q->k.port, .proto = q->k.proto };

		q->h_scan = xs_hash(&sk, sizeof(sk));
		q->h_sweep = xs_hash(&wk, sizeof(wk));
	}
}

/* A connection to a login service: its ring and its top sources. */
static void count_login(struct xs_engine *e, const struct xs_pkey *k)
{
	struct xs_login_key lk = { .dst = k->dst, .port = k->port };
	struct xs_login_val *v;
	void *ent = xs_htab_find(&e->logins, &lk, xs_hash(&lk, sizeof(lk)));

	if (!ent)
		return;
	v = xs_htab_val(&e->logins, ent);
	xs_ring_advance(v->ring, sizeof(v->ring[0]), &e->lgeom_login, &v->head,
			xs_wslot_id(&e->lgeom_login, e->now));
	if (v->ring[v->head % e->lgeom_login.nslots] < UINT16_MAX)
		v->ring[v->head % e->lgeom_login.nslots]++;
	v->conns_tick++;
	xs_topk_add(&v->top, &k->src);
}

static void process(struct xs_engine *e, const struct xs_prep *q)
{
	const struct xs_rule_params *dp, *sp;
	static const uint16_t parents[] = { XS_IN_SCAN, XS_IN_SWEEP, XS_IN_SVC, XS_IN_LOGIN };
	struct xs_pval *pv;
	uint16_t want, add;
	bool created;
	size_t i;
	void *ent;

	if (e->dst.count) {
		ent = xs_htab_find(&e->dst, &q->k.dst, xs_hash(&q->k.dst, sizeof(q->k.dst)));
		if (ent)
			xs_topk_add(&((struct xs_dtrack *)xs_htab_val(&e->dst, ent))->top, &q->src);
	}
	if (e->pfx.count)
		xs_prefixes_event(e, &q->src, &q->k.dst);
	if (q->kind == K_NONE)
		return;
	/* Tables full of single packets (a spoofed flood's smoke screen)
	 * make room for this one; before the pair is held, since an eviction
	 * moves entries of the pair table. */
	if (e->scans.count >= e->scans.limit)
		evict_pair(e, XS_IN_SCAN);
	if (e->sweeps.count >= e->sweeps.limit)
		evict_pair(e, XS_IN_SWEEP);
	ent = xs_htab_insert(&e->pairs, &q->k, q->h, &created);
	if (!ent && e->pairs.count >= e->pairs.limit && evict_pair(e, 0))
		ent = xs_htab_insert(&e->pairs, &q->k, q->h, &created);
	if (!ent)
		return;
	pv = xs_htab_val(&e->pairs, ent);
	if (created) {
		pv->dprof = (uint8_t)prof_of(e, &q->k.dst);
		pv->sprof = (uint8_t)prof_of(e, &q->k.src);
	}
	if (pv->hits < 255)
		pv->hits++;
	pv->last = e->now;
	dp = params(e, pv->dprof);
	sp = params(e, pv->sprof);
	want = kind_bits[q->kind];
	if (!dp->scan.enabled || is_multicast(&q->k.dst))
		want &= ~XS_IN_SCAN;
	else
		want &= ~XS_IN_SCAN | scan_scales(e, pv->dprof);
	if (!sp->sweep.enabled || is_multicast(&q->k.dst))
		want &= ~XS_IN_SWEEP;
	else
		want &= ~XS_IN_SWEEP | sweep_scales(e, pv->sprof, q->k.proto, q->k.port);
	if (q->kind == K_REFL ? !dp->refl.enabled : !dp->anom.enabled)
		want &= ~XS_IN_SVC;
	if (!login_port(e, pv->dprof, q->k.port))
		want &= ~XS_IN_LOGIN;
	for (i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
		add = want & parents[i] & ~pv->in;
		if (add && parent_add(e, add, q, pv))
			pv->in |= add;
	}
	if (q->kind != K_SYN)
		return;
	if (pv->in & XS_IN_SVC) {
		struct xs_svc_key vk = { .dst = q->k.dst, .port = q->k.port, .proto = q->k.proto };

		ent = xs_htab_find(&e->svcs, &vk, xs_hash(&vk, sizeof(vk)));
		if (ent)
			((struct xs_svc_val *)xs_htab_val(&e->svcs, ent))->conns_tick++;
	}
	if (pv->in & XS_IN_LOGIN)
		count_login(e, &q->k);
	if (brute_on(e, pv->dprof, q->k.port))
		count_conn(e, &q->k, q->h, pv, created);
}

/* Events wait in a small queue whose keys' table tags are prefetched as
 * they arrive; a first pass over the queue then prefetches the entries
 * the lookups will end on, and a second processes the events (in arrival
 * order, always before a tick ends), by which time the misses have
 * overlapped. Measured in bench/engine.c: 4.2 -> 5.8 M events/s for the
 * repeated-connections shape, 5.5 -> 6.3 M at 1 M keys for the scan. */
static void flush_events(struct xs_engine *e)
{
	int i;

	for (i = 0; i < e->nq; i++) {
		const struct xs_prep *q = &e->q[i];

		if (q->kind == K_NONE)
			continue;
		xs_htab_prefetch_entry(&e->pairs, q->h);
		xs_htab_prefetch_entry(&e->scans, q->h_scan);
		xs_htab_prefetch_entry(&e->sweeps, q->h_sweep);
		if (q->kind == K_SYN)
			xs_htab_prefetch_entry(&e->conns, q->h);
	}
	for (i = 0; i < e->nq; i++)
		process(e, &e->q[i]);
	e->nq = 0;
}

void xs_engine_on_event(struct xs_engine *e, const struct xs_flow_event *ev)
{
	struct xs_prep *q = &e->q[e->nq++];

	e->events++;
	if (ev->flags & XS_EV_F_TINY_FRAG)
		xs_frag_event(e, ev);
	classify(e, ev, q);
	if (q->kind != K_NONE) {
		/* Two stages (htab.h): the tags now, the entries the lookups
		 * will end on when the queue is flushed. */
		xs_htab_prefetch_tag(&e->pairs, q->h);
		xs_htab_prefetch_tag(&e->scans, q->h_scan);
		xs_htab_prefetch_tag(&e->sweeps, q->h_sweep);
		if (q->kind == K_SYN)
			xs_htab_prefetch_tag(&e->conns, q->h);
	}
	if (e->nq == XS_EV_BATCH)
		flush_events(e);
}

/* ---- ticks ----------------------------------------------------------- */

static void index_sources(struct xs_engine *e, const struct xs_tick *t)
{
	size_t i;
	bool created;

	if (e->srcidx.count)
		xs_htab_clear(&e->srcidx);
	if (!t)
		return;
	for (i = 0; i < t->nsrc; i++) {
		void *ent = xs_htab_insert(&e->srcidx, &t->src[i].addr,
					   xs_hash(&t->src[i].addr, sizeof(struct xs_addr)),
					   &created);

		if (ent)
			*(uint32_t *)xs_htab_val(&e->srcidx, ent) = (uint32_t)i;
	}
}

const struct xs_src *xs_det_tick_src(const struct xs_det_ctx *c, const struct xs_addr *a)
{
	const struct xs_engine *e = c->e;
	void *ent;

	if (!e->tick || !e->srcidx.count)
		return NULL;
	ent = xs_htab_find(&e->srcidx, a, xs_hash(a, sizeof(*a)));
	return ent ? &e->tick->src[*(uint32_t *)xs_htab_val(&e->srcidx, ent)].v : NULL;
}

static struct xs_dslot *dring(const struct xs_engine *e, const struct xs_dtrack *d)
{
	return e->slab + (size_t)d->ring * e->dgeom.nslots;
}

static void fold_destinations(struct xs_engine *e, const struct xs_tick *t)
{
	struct xs_det_ctx c = { .e = e, .now = e->now };
	double min_pkts = e->set.limits.track_min_pps * e->tick_s;
	uint32_t slices[XS_SLICES * XS_B_MAX];
	size_t i;
	int j;

	if (!t)
		return;
	for (i = 0; i < t->ndst; i++) {
		const struct xs_dst_entry *a = &t->dst[i];
		uint64_t h = xs_hash(&a->addr, sizeof(a->addr));
		const struct xs_src *src;
		struct xs_dtrack *d;
		struct xs_dslot *s;
		bool created;
		void *ent = xs_htab_find(&e->dst, &a->addr, h);

		if (!ent) {
			if ((double)a->v.pkts < min_pkts || !e->nslab_free) {
				if ((double)a->v.pkts >= min_pkts)
					e->dst.overflow++;
				continue;
			}
			ent = xs_htab_insert(&e->dst, &a->addr, h, &created);
			if (!ent)
				continue;
			d = xs_htab_val(&e->dst, ent);
			d->ring = e->slab_free[--e->nslab_free];
			d->head = UINT32_MAX;
			d->first_tick = e->now;
			d->prof = (uint8_t)prof_of(e, &a->addr);
		}
		d = xs_htab_val(&e->dst, ent);
		xs_ring_advance(dring(e, d), sizeof(struct xs_dslot), &e->dgeom, &d->head,
				xs_wslot_id(&e->dgeom, e->now));
		s = dring(e, d) + d->head % e->dgeom.nslots;
		xs_dslot_fold(s, &a->v);
		for (j = 0; j < XS_SLICES * XS_B_MAX; j++)
			slices[j] = a->v.burst[j];
		xs_dslot_bursts(s, slices, t->slice_s, e->tick_s, &d->carry, e->now);
		/* The victim's answers: SYN-ACKs it sent, seen as a source; and
		 * whether its own traffic is seen at all (a mirror port). */
		src = xs_det_tick_src(&c, &a->addr);
		if (src) {
			s->synack_out += (uint32_t)src->synack;
			s->f.syn_out += (uint32_t)src->syn;
			s->f.pkts_out += (uint32_t)src->pkts;
		}
		if (a->v.dport_sample)
			d->dport = a->v.dport_sample;
		d->tick_pkts = a->v.pkts;
		d->tick_bytes = a->v.bytes;
		d->last_active = e->now;
	}
}

static uint64_t engine_overflow(const struct xs_engine *e)
{
	return e->pairs.overflow + e->scans.overflow + e->sweeps.overflow + e->svcs.overflow +
	       e->conns.overflow + e->dst.overflow + e->frags.overflow + e->logins.overflow +
	       e->probers.overflow + e->sips.overflow + e->pfx.overflow + e->pfx_lost;
}

void xs_engine_src_key(const struct xs_engine *e, struct xs_addr *a)
{
	uint32_t bits = e->set.ipv6_source_prefix, i;

	if (bits >= 128 || xs_addr_is_v4(a))
		return;
	for (i = bits; i < 128; i++)
		a->a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

static void record_loss(struct xs_engine *e, const struct xs_tick *t)
{
	struct xs_loss *l;
	uint64_t ov = engine_overflow(e);

	xs_ring_advance(e->loss, sizeof(*e->loss), &e->lgeom, &e->lhead,
			xs_wslot_id(&e->lgeom, e->now));
	l = &e->loss[e->lhead % e->lgeom.nslots].l;
	e->loss[e->lhead % e->lgeom.nslots].pkts += e->tick_pkts;
	e->loss[e->lhead % e->lgeom.nslots].bytes += e->tick_bytes;
	if (e->tick_secs > e->tick_s)
		e->loss[e->lhead % e->lgeom.nslots].late_s += e->tick_secs - e->tick_s;
	if (t) {
		l->ev_budget += t->g.cnt[XS_N_EV_BUDGET];
		l->ev_ringfull += t->g.cnt[XS_N_EV_RINGFULL];
		l->dst_full += t->g.cnt[XS_N_DST_FULL];
		l->src_full += t->g.cnt[XS_N_SRC_FULL];
		l->src_unadmitted += t->g.cnt[XS_N_SRC_UNADMITTED];
		l->flow_full += t->g.cnt[XS_N_FLOW_FULL];
	}
	l->engine += ov - e->last_overflow;
	e->last_overflow = ov;
}

/* The least count at which a parent keeps its pairs in scale i past the
 * window of scale i - 1: half of scale i's threshold pro rata. A parent
 * below it cannot reach the threshold at the pace it has shown. */
static uint32_t keep_floor(const struct xs_mscale *m, uint32_t i, uint32_t thr)
{
	double f = (double)thr * m->win[i - 1] / m->win[i] / 2;

	return f < 2 ? 2 : (uint32_t)f;
}

/* One pair's scales of one parent (scan or sweep): those whose window it
 * left, and those where its parent is too slow to keep it. */
static void expire_scales(struct xs_engine *e, const struct xs_pkey *k, struct xs_pval *pv,
			  int ms, uint32_t age)
{
	const struct xs_mscale *m = &e->ms[ms == XS_MS_SCAN ? pv->dprof : pv->sprof][ms];
	const struct xs_rule_params *p = params(e, ms == XS_MS_SCAN ? pv->dprof : pv->sprof);
	uint16_t leave = 0, check = 0, bit;
	const uint32_t *count = NULL;
	uint32_t i;

	for (i = 0; i < m->n; i++) {
		bit = ms == XS_MS_SCAN ? XS_IN_SCAN_AT(i) : XS_IN_SWEEP_AT(i);
		if (!(pv->in & bit))
			continue;
		if (age >= m->win[i])
			leave |= bit;
		else if (i > 0 && age == m->win[i - 1])
			check |= bit;
	}
	if (check) {
		void *ent;

		if (ms == XS_MS_SCAN) {
			struct xs_scan_key sk = { .src = k->src, .dst = k->dst };

			ent = xs_htab_find(&e->scans, &sk, xs_hash(&sk, sizeof(sk)));
			if (ent)
				count = ((struct xs_scan_val *)xs_htab_val(&e->scans, ent))->count;
		} else {
			struct xs_sweep_key wk = { .src = k->src, .port = k->port, .proto = k->proto };

			ent = xs_htab_find(&e->sweeps, &wk, xs_hash(&wk, sizeof(wk)));
			if (ent)
				count = ((struct xs_sweep_val *)xs_htab_val(&e->sweeps, ent))->count;
		}
		for (i = 1; i < m->n; i++) {
			bit = ms == XS_MS_SCAN ? XS_IN_SCAN_AT(i) : XS_IN_SWEEP_AT(i);
			if (!(check & bit))
				continue;
			if (!count ||
			    count[i] < keep_floor(m, i,
						  ms == XS_MS_SCAN
							  ? m->sc[i].threshold
							  : xs_sweep_threshold(p, &m->sc[i], k->proto,
									       k->port)))
				leave |= bit;
		}
	}
	if (leave) {
		parent_remove(e, leave, k);
		pv->in &= ~leave;
	}
}

/* Removes pairs from the distinct counts whose window they left. */
static void expire_pairs(struct xs_engine *e)
{
	struct xs_htab_iter it;
	void *ent;
	uint32_t now = e->now;

	for (ent = xs_htab_first(&e->pairs, &it); ent; ent = xs_htab_next(&e->pairs, &it)) {
		const struct xs_pkey *k = ent;
		struct xs_pval *pv = xs_htab_val(&e->pairs, ent);
		uint32_t age = now - pv->last;
		const uint32_t *dw = e->win[pv->dprof];

		if (pv->in & XS_IN_SCAN)
			expire_scales(e, k, pv, XS_MS_SCAN, age);
		if (pv->in & XS_IN_SWEEP)
			expire_scales(e, k, pv, XS_MS_SWEEP, age);
		if ((pv->in & XS_IN_SVC) &&
		    age >= dw[k->proto == XS_PROTO_REFL ? XS_R_REFLECTION : XS_R_TRAFFIC_ANOMALY]) {
			parent_remove(e, XS_IN_SVC, k);
			pv->in &= ~XS_IN_SVC;
		}
		if ((pv->in & XS_IN_LOGIN) && age >= dw[XS_R_CREDENTIAL_STUFFING]) {
			parent_remove(e, XS_IN_LOGIN, k);
			pv->in &= ~XS_IN_LOGIN;
		}
		if (!pv->in && (!pv->conn_tick || now - pv->conn_tick >= dw[XS_R_BRUTE_FORCE]))
			xs_htab_iter_delete(&e->pairs, &it);
	}
}

/* A connection counter's sum over the last n ticks, from the ring that
 * serves that window. */
static uint32_t conn_sum(const struct xs_engine *e, struct xs_conn_val *v, uint32_t n)
{
	bool fine = n <= e->cfine_max || !e->cgeom_long.nslots;
	const struct xs_wgeom *g = fine ? &e->cgeom : &e->cgeom_long;
	uint16_t *ring = fine ? v->ring : v->ring + e->cgeom.nslots;
	uint32_t head = fine ? v->head : v->head_long, id, sum = 0;

	for (id = xs_wfirst_id(g, e->now, n); id <= head && head != UINT32_MAX; id++) {
		uint16_t *slot = xs_ring_slot(ring, sizeof(ring[0]), g, head, id);

		if (slot)
			sum += *slot;
	}
	return sum;
}

/* Slides the connection counters and adds the packets and data segments
 * the kernel counted in each watched pair's flows (not the source's
 * traffic to everyone: a spoofed source's real traffic elsewhere is no
 * credential attempt here); a candidate past a quarter of the threshold
 * of any of its scales gets watched, for that scale's window. */
static void slide_conns(struct xs_engine *e)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&e->conns, &it); ent; ent = xs_htab_next(&e->conns, &it)) {
		const struct xs_pkey *k = ent;
		struct xs_conn_val *v = xs_htab_val(&e->conns, ent);
		const struct xs_mscale *m = &e->ms[v->prof][XS_MS_BRUTE];
		const struct xs_rule_params *p = params(e, v->prof);
		uint32_t i, any = 0, thr, ticks = 0, prio = 0, pr;
		struct xs_watch_key wk;

		xs_ring_advance(v->ring, sizeof(v->ring[0]), &e->cgeom, &v->head,
				xs_wslot_id(&e->cgeom, e->now));
		if (e->cgeom_long.nslots)
			xs_ring_advance(v->ring + e->cgeom.nslots, sizeof(v->ring[0]),
					&e->cgeom_long, &v->head_long,
					xs_wslot_id(&e->cgeom_long, e->now));
		memset(v->sum, 0, sizeof(v->sum));
		for (i = 0; i < m->n; i++)
			any += v->sum[i] = conn_sum(e, v, m->win[i]);
		if (!any) {
			xs_htab_iter_delete(&e->conns, &it);
			continue;
		}
		xs_evid_key_service(&wk, &k->src, &k->dst, 6, k->port);
		if (v->watched) {
			const struct xs_evid_val *ev = xs_evid_find(e, &wk);

			if (ev && ev->since) {
				v->wpkts += ev->tick.pkts;
				v->wdata += ev->tick.data;
			} else {
				v->watched = 0;	/* pushed out of the kernel */
			}
		}
		if (!p->brute.enabled)
			continue;
		for (i = 0; i < m->n; i++) {
			thr = xs_brute_threshold(p, &m->sc[i], k->port);
			if (!thr || (uint64_t)v->sum[i] * 4 < thr)
				continue;
			pr = (uint32_t)((uint64_t)v->sum[i] * 1000 / thr);
			if (pr > prio)
				prio = pr;
			if (m->win[i] > ticks)
				ticks = m->win[i];
		}
		if (ticks)
			xs_evid_want(e, &wk, ticks, prio);
	}
}

/* Login services: the fast EWMA (the rule's window) sees this tick now;
 * the baseline learns after the detectors ran (learn_logins). */
static void slide_logins(struct xs_engine *e)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&e->logins, &it); ent; ent = xs_htab_next(&e->logins, &it)) {
		struct xs_login_val *v = xs_htab_val(&e->logins, ent);

		xs_ring_advance(v->ring, sizeof(v->ring[0]), &e->lgeom_login, &v->head,
				xs_wslot_id(&e->lgeom_login, e->now));
		xs_ewma_add(&v->fast, v->conns_tick / e->tick_secs,
			    1.0 / e->win[v->prof][XS_R_CREDENTIAL_STUFFING]);
	}
}

static void learn_logins(struct xs_engine *e)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&e->logins, &it); ent; ent = xs_htab_next(&e->logins, &it)) {
		struct xs_login_val *v = xs_htab_val(&e->logins, ent);
		double a = e->tick_s / params(e, v->prof)->stuff.baseline_s;

		if (a > 1)
			a = 1;
		/* The baseline learns the window's rate (the fast mean), not
		 * each tick's: its deviation is then that of what it is
		 * compared with, and a burst does not widen it at once. */
		if (!v->anomalous)
			xs_ewma_add(&v->slow, v->fast.mean, a);
		v->conns_tick = 0;
		if (!v->count)
			memset(&v->top, 0, sizeof(v->top));	/* its contributors are gone */
		if (!v->count && v->fast.mean < 0.01f && v->slow.mean < 0.01f)
			xs_htab_iter_delete(&e->logins, &it);
	}
}

/* The kernel's sketch of each source's probed destinations: sources that
 * probed PROBER_MIN or more in a tick get a ring of sketches, kept while
 * they go on probing within host_sweep's window. */
static void fold_probers(struct xs_engine *e, const struct xs_tick *t)
{
	struct xs_htab_iter it;
	size_t i;
	void *ent;

	if (t)
		for (i = 0; i < t->nsrc; i++) {
			const struct xs_src_entry *a = &t->src[i];
			struct xs_prober_val *v;
			struct xs_addr key;
			bool created;
			uint64_t h;
			int prof;

			if (!a->v.probes)
				continue;
			/* The source as the pair tables know it (per /64). */
			key = a->addr;
			xs_engine_src_key(e, &key);
			h = xs_hash(&key, sizeof(key));
			ent = xs_htab_find(&e->probers, &key, h);
			if (!ent) {
				prof = prof_of(e, &key);
				if (!params(e, prof)->sweep.enabled ||
				    !params(e, prof)->sweep.any_threshold ||
				    xs_hll_estimate(a->v.hll_dst, XS_HLL_REGS) < PROBER_MIN)
					continue;
				ent = xs_htab_insert(&e->probers, &key, h, &created);
				if (!ent)
					continue;
				v = xs_htab_val(&e->probers, ent);
				v->head = UINT32_MAX;
				v->prof = (uint8_t)prof;
			}
			v = xs_htab_val(&e->probers, ent);
			xs_ring_advance(v->hll, XS_HLL_REGS, &e->pgeom, &v->head,
					xs_wslot_id(&e->pgeom, e->now));
			xs_hll_merge(v->hll[v->head % e->pgeom.nslots], a->v.hll_dst);
			v->last = e->now;
		}
	for (ent = xs_htab_first(&e->probers, &it); ent; ent = xs_htab_next(&e->probers, &it)) {
		struct xs_prober_val *v = xs_htab_val(&e->probers, ent);

		if (e->now - v->last >= e->win[v->prof][XS_R_HOST_SWEEP])
			xs_htab_iter_delete(&e->probers, &it);
	}
}

/* One SIP pair's slot this tick. */
static struct xs_sip_slot *sip_slot(struct xs_engine *e, const struct xs_addr *client,
				    const struct xs_addr *server)
{
	struct xs_sip_key k = { .client = *client, .server = *server };
	struct xs_sip_val *v;
	bool created;
	void *ent;

	xs_engine_src_key(e, &k.client);	/* a per-source rule: per /64 */
	ent = xs_htab_insert(&e->sips, &k, xs_hash(&k, sizeof(k)), &created);

	if (!ent)
		return NULL;
	v = xs_htab_val(&e->sips, ent);
	if (created) {
		v->head = UINT32_MAX;
		v->first = e->now;
		v->prof = (uint8_t)prof_of(e, server);
	}
	xs_ring_advance(v->ring, sizeof(v->ring[0]), &e->sgeom, &v->head,
			xs_wslot_id(&e->sgeom, e->now));
	return &v->ring[v->head % e->sgeom.nslots];
}

static void sat_add(uint16_t *a, uint64_t n)
{
	*a = *a + n > UINT16_MAX ? UINT16_MAX : (uint16_t)(*a + n);
}

/* SIP messages of the tick, by pair: a source's requests go to its peer
 * (the kernel names the last one, and how many went there), a server's
 * failure answers to theirs. A source with many peers (a sweep) gives each
 * pair too little to matter: only what went to the last one is counted. */
static void fold_sips(struct xs_engine *e, const struct xs_tick *t)
{
	struct xs_htab_iter it;
	size_t i;
	void *ent;
	int j;

	if (t)
		for (i = 0; i < t->nsrc; i++) {
			const struct xs_src *v = &t->src[i].v;
			uint64_t req = 0, fail = 0, n;
			struct xs_sip_slot *sl;

			for (j = 0; j < XS_SIP_REQ_MAX; j++)
				req += v->sip_req[j];
			for (j = 0; j < XS_SIP_FAIL_MAX; j++)
				fail += v->sip_fail[j];
			if (!req && !fail)
				continue;
			if (!params(e, prof_of(e, req ? &v->sip_peer : &t->src[i].addr))->sip.enabled)
				continue;
			sl = req >= fail ? sip_slot(e, &t->src[i].addr, &v->sip_peer)
					 : sip_slot(e, &v->sip_peer, &t->src[i].addr);
			if (!sl)
				continue;
			/* All of it when there was one peer, else its share. */
			n = v->sip_peers <= 1 ? req + fail : v->sip_peer_msgs;
			for (j = 0; j < XS_SIP_REQ_MAX; j++)
				sat_add(&sl->req[j], v->sip_req[j] * n / (req + fail));
			for (j = 0; j < XS_SIP_FAIL_MAX; j++)
				sat_add(&sl->fail[j], v->sip_fail[j] * n / (req + fail));
		}
	for (ent = xs_htab_first(&e->sips, &it); ent; ent = xs_htab_next(&e->sips, &it)) {
		struct xs_sip_val *v = xs_htab_val(&e->sips, ent);

		/* Every slot stale: nothing left in any window. */
		if (v->head == UINT32_MAX ||
		    xs_wslot_id(&e->sgeom, e->now) - v->head >= e->sgeom.nslots)
			xs_htab_iter_delete(&e->sips, &it);
	}
}

/* Services: the fast EWMA (the rule's window) sees this tick now; the
 * baseline learns after the detectors ran (learn_services). */
static void slide_services(struct xs_engine *e)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&e->svcs, &it); ent; ent = xs_htab_next(&e->svcs, &it)) {
		struct xs_svc_val *v = xs_htab_val(&e->svcs, ent);
		double a = 1.0 / e->win[v->prof][XS_R_TRAFFIC_ANOMALY];

		xs_ewma_add(&v->fast, v->conns_tick / e->tick_secs, a);
	}
}

static void learn_services(struct xs_engine *e)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&e->svcs, &it); ent; ent = xs_htab_next(&e->svcs, &it)) {
		struct xs_svc_val *v = xs_htab_val(&e->svcs, ent);
		double a = e->tick_s / params(e, v->prof)->anom.baseline_s;

		if (a > 1)
			a = 1;
		if (!v->anomalous)
			xs_ewma_add(&v->slow, v->conns_tick / e->tick_secs, a);
		v->conns_tick = 0;
		if (!v->count && v->fast.mean < 0.01f && v->slow.mean < 0.01f)
			xs_htab_iter_delete(&e->svcs, &it);
	}
}

static void learn_destinations(struct xs_engine *e)
{
	struct xs_htab_iter it;
	void *ent;
	uint32_t hold = e->dgeom.nslots * e->dgeom.gran;

	for (ent = xs_htab_first(&e->dst, &it); ent; ent = xs_htab_next(&e->dst, &it)) {
		struct xs_dtrack *d = xs_htab_val(&e->dst, ent);
		double a = e->tick_s / params(e, d->prof)->anom.baseline_s;

		if (a > 1)
			a = 1;
		if (!d->anomalous) {
			xs_ewma_add(&d->pps, d->tick_pkts / e->tick_secs, a);
			xs_ewma_add(&d->bps, d->tick_bytes * 8 / e->tick_secs, a);
		}
		d->tick_pkts = d->tick_bytes = 0;
		/* Idle past every window, with a negligible baseline: forget it. */
		if (e->now - d->last_active >= hold && d->pps.mean < 0.5f) {
			e->slab_free[e->nslab_free++] = d->ring;
			xs_htab_iter_delete(&e->dst, &it);
		}
	}
	if (!e->total_anomalous) {
		double a = e->tick_s / params(e, 0)->anom.baseline_s;

		if (a > 1)
			a = 1;
		xs_ewma_add(&e->total_pps, e->tick_pkts / e->tick_secs, a);
		xs_ewma_add(&e->total_bps, e->tick_bytes * 8 / e->tick_secs, a);
	}
}

static void end_tick(struct xs_engine *e, const struct xs_tick *t, double ts)
{
	struct xs_det_ctx c = { .e = e, .now = e->now, .ts = ts };
	int i;

	flush_events(e);
	e->tick = t;
	e->ts = ts;
	/* A drain after a stall holds more than a tick's traffic: rates
	 * divide by the time it really covered (issue 13). */
	e->tick_secs = t && t->secs > 0 ? t->secs : e->tick_s;
	index_sources(e, t);
	fold_destinations(e, t);
	xs_prefixes_fold(e, t);
	e->tick_pkts = t ? xs_global_total_pkts(&t->g) : 0;
	e->tick_bytes = t ? xs_global_total_bytes(&t->g) : 0;
	xs_frag_fold(e, t);
	expire_pairs(e);
	slide_conns(e);
	xs_frag_slide(e);
	slide_services(e);
	slide_logins(e);
	fold_probers(e, t);
	fold_sips(e, t);
	record_loss(e, t);
	for (i = 0; i < xs_ndetectors; i++)
		if (xs_detectors[i]->eval)
			xs_detectors[i]->eval(&c);
	learn_services(e);
	learn_logins(e);
	learn_destinations(e);
	xs_evid_tick(e);
	xs_prefixes_expire(e);
	xs_alerts_tick(e->alerts, ts);
	e->tick = NULL;
	e->ticks++;
	e->now++;
}

void xs_engine_on_tick(struct xs_engine *e, const struct xs_tick *t, double ts)
{
	end_tick(e, t, ts);
}

/* Nothing left in any window and no alert open: idle ticks only decay
 * the baselines, which can be done for any number of them at once. */
/* A pair whose next ticks can be skipped: it is only in scale counts it
 * will leave when their window ends (its keep_floor check is behind it),
 * so idle ticks change nothing but its age. With no alert open, no count
 * can fire before traffic comes back: counts only fall, and a longer
 * scale fires only while pairs join it. */
static bool pair_settled(const struct xs_engine *e, const struct xs_pval *pv)
{
	uint32_t age = e->now - pv->last, i;
	const struct xs_mscale *m;

	if (pv->in & (XS_IN_SVC | XS_IN_LOGIN))
		return false;
	if (pv->conn_tick && e->now - pv->conn_tick < e->win[pv->dprof][XS_R_BRUTE_FORCE])
		return false;
	m = &e->ms[pv->dprof][XS_MS_SCAN];
	for (i = 1; i < m->n; i++)
		if ((pv->in & XS_IN_SCAN_AT(i)) && age <= m->win[i - 1])
			return false;
	m = &e->ms[pv->sprof][XS_MS_SWEEP];
	for (i = 1; i < m->n; i++)
		if ((pv->in & XS_IN_SWEEP_AT(i)) && age <= m->win[i - 1])
			return false;
	return true;
}

static bool quiescent(const struct xs_engine *e)
{
	struct xs_htab_iter it;
	void *ent;
	uint32_t hold = e->dgeom.nslots * e->dgeom.gran;

	if (e->conns.count || e->frags.count || e->evid.count || e->probers.count ||
	    e->sips.count || e->pfx.count ||
	    xs_alerts_open(e->alerts))
		return false;
	for (ent = xs_htab_first((struct xs_htab *)&e->pairs, &it); ent;
	     ent = xs_htab_next((struct xs_htab *)&e->pairs, &it))
		if (!pair_settled(e, xs_htab_val(&e->pairs, ent)))
			return false;
	for (ent = xs_htab_first((struct xs_htab *)&e->dst, &it); ent;
	     ent = xs_htab_next((struct xs_htab *)&e->dst, &it)) {
		const struct xs_dtrack *d = xs_htab_val(&e->dst, ent);

		if (e->now - d->last_active < hold || d->anomalous)
			return false;
	}
	return !e->total_anomalous;
}

static void skip_idle(struct xs_engine *e, uint64_t m, double ts)
{
	struct xs_htab_iter it;
	void *ent;
	double a;

	uint32_t hold = e->dgeom.nslots * e->dgeom.gran;

	for (ent = xs_htab_first(&e->dst, &it); ent; ent = xs_htab_next(&e->dst, &it)) {
		struct xs_dtrack *d = xs_htab_val(&e->dst, ent);

		a = e->tick_s / params(e, d->prof)->anom.baseline_s;
		ewma_decay(&d->pps, a > 1 ? 1 : a, m);
		ewma_decay(&d->bps, a > 1 ? 1 : a, m);
		/* Every ring is stale: start them afresh, so that tick numbers
		 * that wrap around in a very long gap cannot confuse them. */
		d->head = UINT32_MAX;
		d->last_active = e->now + (uint32_t)m - hold;
	}
	e->lhead = UINT32_MAX;
	/* Settled pairs age; those whose every window ends within the gap
	 * leave now (tick numbers may wrap in a long one). */
	for (ent = xs_htab_first(&e->pairs, &it); ent; ent = xs_htab_next(&e->pairs, &it)) {
		const struct xs_pkey *k = ent;
		struct xs_pval *pv = xs_htab_val(&e->pairs, ent);

		if ((uint64_t)(e->now - pv->last) + m < e->max_win)
			continue;
		if (pv->in & XS_IN_SCAN)
			parent_remove(e, pv->in & XS_IN_SCAN, k);
		if (pv->in & XS_IN_SWEEP)
			parent_remove(e, pv->in & XS_IN_SWEEP, k);
		xs_htab_iter_delete(&e->pairs, &it);
	}
	for (ent = xs_htab_first(&e->svcs, &it); ent; ent = xs_htab_next(&e->svcs, &it)) {
		struct xs_svc_val *v = xs_htab_val(&e->svcs, ent);

		a = e->tick_s / params(e, v->prof)->anom.baseline_s;
		ewma_decay(&v->slow, a > 1 ? 1 : a, m);
		ewma_decay(&v->fast, 1.0 / e->win[v->prof][XS_R_TRAFFIC_ANOMALY], m);
	}
	for (ent = xs_htab_first(&e->logins, &it); ent; ent = xs_htab_next(&e->logins, &it)) {
		struct xs_login_val *v = xs_htab_val(&e->logins, ent);

		a = e->tick_s / params(e, v->prof)->stuff.baseline_s;
		ewma_decay(&v->slow, a > 1 ? 1 : a, m);
		ewma_decay(&v->fast, 1.0 / e->win[v->prof][XS_R_CREDENTIAL_STUFFING], m);
		v->head = UINT32_MAX;	/* stale, and safe across a wrap */
	}
	a = e->tick_s / params(e, 0)->anom.baseline_s;
	ewma_decay(&e->total_pps, a > 1 ? 1 : a, m);
	ewma_decay(&e->total_bps, a > 1 ? 1 : a, m);
	e->now += (uint32_t)m;
	e->ticks += m;
	e->ts = ts;
}

void xs_engine_idle(struct xs_engine *e, uint64_t n, double ts)
{
	flush_events(e);
	while (n) {
		/* The last idle tick always runs, so that deletions happen. */
		if (n > 1 && quiescent(e)) {
			skip_idle(e, n - 1, ts - e->tick_s);
			n = 1;
			continue;
		}
		end_tick(e, NULL, ts - (double)(n - 1) * e->tick_s);
		n--;
	}
}

double xs_engine_drain(struct xs_engine *e, double ts)
{
	double until = xs_alerts_quiet_until(e->alerts);
	uint64_t n;

	while (xs_alerts_open(e->alerts)) {
		n = until > ts ? (uint64_t)ceil((until - ts) / e->tick_s - 1e-9) : 1;
		if (!n)
			n = 1;
		ts += (double)n * e->tick_s;
		xs_engine_idle(e, n, ts);
		until = xs_alerts_quiet_until(e->alerts);
	}
	return ts;
}

void xs_engine_close_alerts(struct xs_engine *e, double ts)
{
	flush_events(e);
	xs_alerts_close_all(e->alerts, ts, "stopped");
}

void xs_engine_get_stats(const struct xs_engine *e, struct xs_engine_stats *s)
{
	struct xs_alert_stats as;
	int i;

	memset(s, 0, sizeof(*s));
	flush_events((struct xs_engine *)e);
	xs_alerts_stats(e->alerts, &as);
	s->ticks = e->ticks;
	s->events = e->events;
	for (i = 0; i < XS_R_MAX; i++)
		s->alerts[i] = as.started[i];
	s->alert_events = as.events;
	s->overflow_pairs = e->pairs.overflow;
	s->overflow_scan = e->scans.overflow;
	s->overflow_sweep = e->sweeps.overflow;
	s->overflow_services = e->svcs.overflow;
	s->overflow_conns = e->conns.overflow;
	s->overflow_dst = e->dst.overflow;
	s->overflow_frags = e->frags.overflow;
	s->watched = e->watched;
	s->evicted_pairs = e->evicted;
	s->overflow_logins = e->logins.overflow;
	s->overflow_probers = e->probers.overflow;
	s->overflow_sips = e->sips.overflow;
	s->overflow_alerts = as.overflow;
}

/* ---- helpers for detectors ------------------------------------------- */

const struct xs_rule_params *xs_det_params(const struct xs_det_ctx *c, int prof)
{
	return params(c->e, prof);
}

uint32_t xs_det_window(const struct xs_det_ctx *c, int prof, int rule)
{
	return c->e->win[prof][rule];
}

/* Walks the destination's window: counts, and the sketches if hlls. */
static void dst_window(const struct xs_det_ctx *c, const struct xs_dtrack *d, uint32_t nticks,
		       struct xs_dsum *s, bool counts, bool hlls)
{
	const struct xs_engine *e = c->e;
	struct xs_dslot *ring = dring(e, d);
	uint32_t id, last = xs_wslot_id(&e->dgeom, c->now);

	if (counts) {
		memset(s, 0, sizeof(*s));
		s->secs = xs_det_window_secs(c, &e->dgeom, nticks);
	}
	for (id = xs_wfirst_id(&e->dgeom, c->now, nticks); id <= last; id++) {
		const struct xs_dslot *sl =
			xs_ring_slot(ring, sizeof(*ring), &e->dgeom, d->head, id);

		if (!sl)
			continue;
		if (counts)
			xs_dsum_add_counts(s, sl);
		if (hlls)
			xs_dsum_add_hlls(s, sl);
	}
}

void xs_det_dst_sum(const struct xs_det_ctx *c, const struct xs_dtrack *d, uint32_t nticks,
		    struct xs_dsum *s)
{
	dst_window(c, d, nticks, s, true, true);
}

void xs_det_dst_counts(const struct xs_det_ctx *c, const struct xs_dtrack *d, uint32_t nticks,
		       struct xs_dsum *s)
{
	dst_window(c, d, nticks, s, true, false);
}

void xs_det_dst_hlls(const struct xs_det_ctx *c, const struct xs_dtrack *d, uint32_t nticks,
		     struct xs_dsum *s)
{
	dst_window(c, d, nticks, s, false, true);
}

/* Majority votes merged the way the vote goes on: the same port adds up,
 * different ports cancel out; the votes left bound the winner's packets. */
static void uport_merge(uint16_t *port, uint64_t *votes, uint64_t *bits, uint16_t p2,
			uint64_t v2, uint64_t b2)
{
	if (!v2)
		return;
	if (*port == p2 || !*votes) {
		if (*port != p2)
			*bits = 0;
		*port = p2;
		*votes += v2;
		*bits |= b2;
	} else if (v2 > *votes) {
		*port = p2;
		*votes = v2 - *votes;
		*bits = b2;
	} else {
		*votes -= v2;
	}
}

void xs_dslot_fold(struct xs_dslot *s, const struct xs_dst *v)
{
	uint64_t votes = s->f.uvotes;
	int j;

	s->pkts += (uint32_t)v->pkts;
	s->tcp += (uint32_t)v->tcp;
	s->syn += (uint32_t)v->syn;
	s->udp += (uint32_t)v->udp;
	s->icmp += (uint32_t)v->icmp;
	s->frag += (uint32_t)v->frag;
	s->refl_pkts += (uint32_t)v->refl_pkts;
	s->bytes += v->bytes;
	s->udp_bytes += v->udp_bytes;
	s->icmp_bytes += v->icmp_bytes;
	s->frag_bytes += v->frag_bytes;
	s->refl_bytes += v->refl_bytes;
	for (j = 0; j < XS_HLL_REGS; j++) {
		if (v->hll_src[j] > s->hll_src[j])
			s->hll_src[j] = v->hll_src[j];
		if (v->hll_dport[j] > s->hll_dport[j])
			s->hll_dport[j] = v->hll_dport[j];
	}
	s->f.synack += (uint32_t)v->synack;
	s->f.rst += (uint32_t)v->rst;
	s->f.ack += (uint32_t)v->ack;
	s->f.ack_bytes += v->ack_bytes;
	xs_hll_merge(s->f.hll_ack, v->hll_ack);
	uport_merge(&s->f.uport, &votes, &s->f.usrc, v->uport, v->uvotes, v->usrc);
	s->f.uvotes = (uint32_t)votes;
}

void xs_dslot_bursts(struct xs_dslot *s, const uint32_t *slices, const float *slice_s,
		     double tick_s, struct xs_bcarry *carry, uint32_t now)
{
	double min_len = tick_s / XS_SLICES * XS_BURST_SLICES, prev_len = 0;
	uint32_t prev[XS_B_MAX] = {};
	int j, k;

	if (carry->tick + 1 == now && carry->len > 0) {
		memcpy(prev, carry->n, sizeof(prev));
		prev_len = carry->len;
	}
	for (j = 0; j < XS_SLICES; j++) {
		const uint32_t *n = slices + j * XS_B_MAX;
		double len = slice_s[j] > 0 ? slice_s[j] : 0, w = len + prev_len;
		uint32_t c[XS_BK_N];

		/* This slice and the one before it. */
		for (k = 0; k < XS_B_MAX; k++)
			c[k] = (len > 0 ? n[k] : 0) + prev[k];
		c[XS_BK_ALL] = c[XS_B_SYN] + c[XS_B_UDP] + c[XS_B_ICMP] + c[XS_B_OTHER];
		c[XS_BK_NOT_OTHER] = c[XS_B_SYN] + c[XS_B_UDP] + c[XS_B_ICMP];
		if (w > 0) {
			if (w < min_len)
				w = min_len;	/* never a rate over less than a window */
			for (k = 0; k < XS_BK_N; k++)
				if (c[k] / w > s->f.burst_pps[k]) {
					s->f.burst_pps[k] = (float)(c[k] / w);
					s->f.burst_pkts[k] = c[k];
				}
		}
		for (k = 0; k < XS_B_MAX; k++)
			prev[k] = len > 0 ? n[k] : 0;
		prev_len = len;
	}
	memcpy(carry->n, prev, sizeof(prev));
	carry->len = (float)prev_len;
	carry->tick = now;
}

void xs_dsum_add_counts(struct xs_dsum *s, const struct xs_dslot *sl)
{
	int k;

	s->pkts += sl->pkts;
	s->tcp += sl->tcp;
	s->syn += sl->syn;
	s->synack_out += sl->synack_out;
	s->udp += sl->udp;
	s->icmp += sl->icmp;
	s->frag += sl->frag;
	s->refl_pkts += sl->refl_pkts;
	s->bytes += sl->bytes;
	s->udp_bytes += sl->udp_bytes;
	s->icmp_bytes += sl->icmp_bytes;
	s->frag_bytes += sl->frag_bytes;
	s->refl_bytes += sl->refl_bytes;
	s->synack += sl->f.synack;
	s->rst += sl->f.rst;
	s->ack += sl->f.ack;
	s->ack_bytes += sl->f.ack_bytes;
	s->syn_out += sl->f.syn_out;
	s->pkts_out += sl->f.pkts_out;
	uport_merge(&s->uport, &s->uport_pkts, &s->usrc, sl->f.uport, sl->f.uvotes, sl->f.usrc);
	for (k = 0; k < XS_BK_N; k++)
		if (sl->f.burst_pps[k] > s->burst_pps[k]) {
			s->burst_pps[k] = sl->f.burst_pps[k];
			s->burst_pkts[k] = sl->f.burst_pkts[k];
		}
}

void xs_dsum_add_hlls(struct xs_dsum *s, const struct xs_dslot *sl)
{
	xs_hll_merge(s->hll_src, sl->hll_src);
	xs_hll_merge(s->hll_dport, sl->hll_dport);
	xs_hll_merge(s->hll_ack, sl->f.hll_ack);
}

void xs_dsum_add(struct xs_dsum *s, const struct xs_dslot *sl)
{
	xs_dsum_add_counts(s, sl);
	xs_dsum_add_hlls(s, sl);
}

bool xs_det_sole_source(const struct xs_det_ctx *c, const struct xs_dtrack *d,
			const struct xs_finding *f, struct xs_addr *out)
{
	const struct xs_tick *t = c->e->tick;
	const struct xs_addr *best = NULL;
	size_t i;

	if (f->ntop) {
		*out = f->top[0].a;
		return true;
	}
	if (!t || !d->tick_pkts)
		return false;
	for (i = 0; i < t->nsrc; i++)
		if (t->src[i].v.pkts >= d->tick_pkts) {
			if (best)
				return false;	/* two could be it */
			best = &t->src[i].addr;
		}
	if (best)
		*out = *best;
	return best != NULL;
}

const struct xs_dtrack *xs_det_find_dst(const struct xs_det_ctx *c, const struct xs_addr *a)
{
	void *ent = xs_htab_find(&c->e->dst, a, xs_hash(a, sizeof(*a)));

	return ent ? xs_htab_val(&c->e->dst, ent) : NULL;
}

void xs_det_top(const struct xs_det_ctx *c, const struct xs_dtrack *d, struct xs_finding *f)
{
	int idx[XS_TOPK], n = xs_topk_sorted(&d->top, idx), i;
	uint32_t want = c->e->set.alerts.top_sources;

	for (i = 0; i < n && f->ntop < XS_FIND_TOP && (uint32_t)f->ntop < want; i++) {
		f->top[f->ntop].a = d->top.a[idx[i]];
		f->top[f->ntop].n = d->top.n[idx[i]] - d->top.err[idx[i]];
		f->ntop++;
	}
	f->top_unit = "new flows (at least)";
}

double xs_det_window_secs(const struct xs_det_ctx *c, const struct xs_wgeom *g,
			  uint32_t nticks)
{
	const struct xs_engine *e = c->e;
	/* The sum over g's slots starts at its oldest slot's first tick:
	 * up to gran - 1 ticks before the window. Those ticks' packets are
	 * in the sum, so their time is in the divisor (issue 13: a stall's
	 * drain one tick out of the window's seconds but still in its counts
	 * doubled a steady rate into a flood). */
	uint32_t first = xs_wfirst_id(g, c->now, nticks) * g->gran;
	uint32_t id, last = xs_wslot_id(&e->lgeom, c->now);
	double secs = (c->now + 1 - first) * e->tick_s;

	if (c->now + 1 < nticks)	/* before the engine's first ticks: as a full window */
		secs = nticks * e->tick_s;
	for (id = xs_wslot_id(&e->lgeom, first); id <= last; id++) {
		const struct xs_loss_slot *l =
			xs_ring_slot(e->loss, sizeof(*e->loss), &e->lgeom, e->lhead, id);

		if (l)
			secs += l->late_s;
	}
	return secs;
}

void xs_det_total_sum(const struct xs_det_ctx *c, uint32_t nticks, uint64_t *pkts,
		      uint64_t *bytes)
{
	const struct xs_engine *e = c->e;
	uint32_t id, last = xs_wslot_id(&e->lgeom, c->now);

	*pkts = *bytes = 0;
	for (id = xs_wfirst_id(&e->lgeom, c->now, nticks); id <= last; id++) {
		const struct xs_loss_slot *l =
			xs_ring_slot(e->loss, sizeof(*e->loss), &e->lgeom, e->lhead, id);

		if (l) {
			*pkts += l->pkts;
			*bytes += l->bytes;
		}
	}
}

void xs_det_report(struct xs_det_ctx *c, struct xs_finding *f, int prof, uint32_t nticks)
{
	struct xs_engine *e = c->e;
	uint32_t id, last = xs_wslot_id(&e->lgeom, c->now);

	f->window_s = nticks * e->tick_s;
	snprintf(f->network, sizeof(f->network), "%s", e->rs->prof_name[prof]);
	/* A per-source rule counts an IPv6 source under its prefix. */
	if (f->has_src && f->src_in_key && !xs_addr_is_v4(&f->src) &&
	    e->set.ipv6_source_prefix < 128)
		f->src_plen = (uint8_t)e->set.ipv6_source_prefix;
	memset(&f->loss, 0, sizeof(f->loss));
	for (id = xs_wfirst_id(&e->lgeom, c->now, nticks); id <= last; id++) {
		const struct xs_loss_slot *l =
			xs_ring_slot(e->loss, sizeof(*e->loss), &e->lgeom, e->lhead, id);

		if (!l)
			continue;
		f->loss.ev_budget += l->l.ev_budget;
		f->loss.ev_ringfull += l->l.ev_ringfull;
		f->loss.dst_full += l->l.dst_full;
		f->loss.src_full += l->l.src_full;
		f->loss.src_unadmitted += l->l.src_unadmitted;
		f->loss.flow_full += l->l.flow_full;
		f->loss.engine += l->l.engine;
	}
	xs_alerts_report(e->alerts, f, c->ts);
}

void xs_engine_set_annotate(struct xs_engine *e, xs_alert_annotate_fn fn, void *ctx)
{
	xs_alerts_set_annotate(e->alerts, fn, ctx);
}

bool xs_engine_alert_refresh(struct xs_engine *e, const char *id, double ts)
{
	return xs_alerts_refresh(e->alerts, id, ts);
}
