// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Victim prefixes, for carpet bombing: a flood spread over the addresses of
 * one IPv4 /24 or IPv6 /64, each address below its own thresholds, is only
 * visible summed per prefix. Each tick the destinations the kernel counted
 * are grouped by prefix, first hosts and packets only (a scratch table, so
 * that a sensor seeing thousands of quiet networks spends nothing more on
 * them); a prefix with traffic on two addresses or more, at
 * limits.prefix_track_pps, gets a ring like a destination's, holding
 * the sums of its addresses' counts (struct xs_pslot): the flood rules'
 * own tests then run on those sums (detectors/carpet_bombing.c).
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "names.h"

/* The scratch table holds this many times the tracked prefixes. */
#define PFX_SCRATCH 16

struct ptick {
	uint32_t hosts;
	uint32_t pad;
	uint64_t pkts;
	struct xs_ptrack *track;	/* its window, once it has one this tick */
};

void xs_prefix_of(const struct xs_addr *a, struct xs_addr *out)
{
	*out = *a;
	if (xs_addr_is_v4(a))
		out->a[15] = 0;
	else
		memset(&out->a[8], 0, 8);
}

static struct xs_pslot *pring(const struct xs_engine *e, const struct xs_ptrack *p)
{
	return e->pslab + (size_t)p->ring * e->dgeom.nslots;
}

int xs_prefixes_init(struct xs_engine *e)
{
	size_t n = e->set.limits.prefixes, i;

	if (xs_htab_init(&e->pfx, sizeof(struct xs_addr), sizeof(struct xs_ptrack), n) ||
	    xs_htab_init(&e->pfx_tick, sizeof(struct xs_addr), sizeof(struct ptick),
			 n * PFX_SCRATCH))
		return -1;
	e->pslab = calloc(n * e->dgeom.nslots, sizeof(*e->pslab));
	e->pslab_free = calloc(n, sizeof(*e->pslab_free));
	if (!e->pslab || !e->pslab_free)
		return -1;
	e->pfx_of_cap = 0;
	e->pfx_of = NULL;
	for (i = 0; i < n; i++)
		e->pslab_free[i] = (uint32_t)(n - 1 - i);
	e->npslab_free = (uint32_t)n;
	return 0;
}

void xs_prefixes_free(struct xs_engine *e)
{
	xs_htab_free(&e->pfx);
	xs_htab_free(&e->pfx_tick);
	free(e->pslab);
	free(e->pslab_free);
	free(e->pfx_of);
}

/* Is any profile's carpet_bombing on? */
static bool wanted(const struct xs_engine *e)
{
	int i;

	for (i = 0; i < e->rs->nprofiles; i++)
		if (e->rs->prof[i].carpet.enabled)
			return true;
	return false;
}

/* The busiest addresses of the prefix this tick, largest first. */
static void note_top(struct xs_ptrack *p, const struct xs_addr *a, uint32_t pkts)
{
	int i = p->ntop < XS_PFX_TOP ? p->ntop++ : XS_PFX_TOP;

	if (i == XS_PFX_TOP) {
		if (pkts <= p->top_dst_pkts[XS_PFX_TOP - 1])
			return;
		i = XS_PFX_TOP - 1;
	}
	for (; i > 0 && p->top_dst_pkts[i - 1] < pkts; i--) {
		p->top_dst[i] = p->top_dst[i - 1];
		p->top_dst_pkts[i] = p->top_dst_pkts[i - 1];
	}
	p->top_dst[i] = *a;
	p->top_dst_pkts[i] = pkts;
}

/* The prefix's track, made (with a fresh ring) if there is room. */
static struct xs_ptrack *track(struct xs_engine *e, const struct xs_addr *key, uint64_t h)
{
	struct xs_ptrack *p;
	bool created;
	void *ent = xs_htab_find(&e->pfx, key, h);

	if (ent)
		return xs_htab_val(&e->pfx, ent);
	if (!e->npslab_free) {
		e->pfx.overflow++;
		return NULL;
	}
	ent = xs_htab_insert(&e->pfx, key, h, &created);
	if (!ent)
		return NULL;
	p = xs_htab_val(&e->pfx, ent);
	p->ring = e->pslab_free[--e->npslab_free];
	p->head = UINT32_MAX;
	p->prof = (uint8_t)(e->any_profiles ? xs_ruleset_profile(e->rs, key) : 0);
	return p;
}

void xs_prefixes_fold(struct xs_engine *e, const struct xs_tick *t)
{
	struct xs_det_ctx c = { .e = e, .now = e->now };
	double min_pkts = e->set.limits.prefix_track_pps * e->tick_s;
	struct xs_htab_iter it;
	struct xs_addr key;
	size_t i;
	bool created;
	void *ent;
	int j;

	if (!t || !t->ndst || !wanted(e))
		return;
	if (t->ndst > e->pfx_of_cap) {
		void *p = realloc(e->pfx_of, t->ndst * sizeof(*e->pfx_of));

		if (!p)
			return;
		e->pfx_of = p;
		e->pfx_of_cap = t->ndst;
	}
	if (e->pfx_tick.count)
		xs_htab_clear(&e->pfx_tick);
	/* Hosts and packets per prefix. */
	for (i = 0; i < t->ndst; i++) {
		struct ptick *pt;

		xs_prefix_of(&t->dst[i].addr, &key);
		ent = xs_htab_insert(&e->pfx_tick, &key, xs_hash(&key, sizeof(key)), &created);
		e->pfx_of[i] = ent;
		if (!ent) {
			/* Lost evidence if the address alone is worth a window. */
			if ((double)t->dst[i].v.pkts >= e->set.limits.track_min_pps * e->tick_s)
				e->pfx_lost++;
			continue;
		}
		pt = xs_htab_val(&e->pfx_tick, ent);
		pt->hosts++;
		pt->pkts += t->dst[i].v.pkts;
	}
	/* The addresses of the prefixes worth a window, into their rings. */
	for (i = 0; i < t->ndst; i++) {
		const struct xs_dst_entry *a = &t->dst[i];
		struct ptick *pt;
		const struct xs_src *src;
		struct xs_ptrack *p;
		struct xs_pslot *s;

		if (!e->pfx_of[i])
			continue;
		pt = xs_htab_val(&e->pfx_tick, e->pfx_of[i]);
		if (pt->hosts < 2 || (double)pt->pkts < min_pkts)
			continue;	/* one host: its own rules see it all */
		p = pt->track;
		if (!p) {
			p = pt->track = track(e, e->pfx_of[i], xs_hash(e->pfx_of[i], sizeof(key)));
			if (!p) {
				pt->hosts = 0;	/* no room: not again this tick */
				continue;
			}
			xs_ring_advance(pring(e, p), sizeof(struct xs_pslot), &e->dgeom, &p->head,
					xs_wslot_id(&e->dgeom, e->now));
			memset(p->slices, 0, sizeof(p->slices));
			p->ntop = 0;
			p->last_active = e->now;
		}
		s = pring(e, p) + p->head % e->dgeom.nslots;
		xs_dslot_fold(&s->d, &a->v);
		for (j = 0; j < XS_SLICES * XS_B_MAX; j++)
			p->slices[j] += a->v.burst[j];
		src = xs_det_tick_src(&c, &a->addr);
		if (src) {
			s->d.synack_out += (uint32_t)src->synack;
			s->d.f.syn_out += (uint32_t)src->syn;
			s->d.f.pkts_out += (uint32_t)src->pkts;
		}
		note_top(p, &a->addr, (uint32_t)a->v.pkts);
	}
	/* Each prefix folded this tick: its bursts, hosts and spread. */
	for (ent = xs_htab_first(&e->pfx, &it); ent; ent = xs_htab_next(&e->pfx, &it)) {
		struct xs_ptrack *p = xs_htab_val(&e->pfx, ent);
		const struct ptick *pt;
		struct xs_pslot *s;
		void *te;

		if (p->last_active != e->now)
			continue;
		te = xs_htab_find(&e->pfx_tick, ent, xs_hash(ent, sizeof(struct xs_addr)));
		if (!te)
			continue;
		pt = xs_htab_val(&e->pfx_tick, te);
		s = pring(e, p) + p->head % e->dgeom.nslots;
		xs_dslot_bursts(&s->d, p->slices, t->slice_s, e->tick_s, &p->carry, e->now);
		if (pt->hosts > s->hosts)
			s->hosts = pt->hosts;
		/* The busiest address's share, at its highest tick. */
		if (pt->pkts && p->ntop && p->top_dst_pkts[0] > s->top_share * pt->pkts)
			s->top_share = (float)((double)p->top_dst_pkts[0] / pt->pkts);
	}
}

void xs_prefixes_event(struct xs_engine *e, const struct xs_addr *src, const struct xs_addr *dst)
{
	struct xs_addr key;
	void *ent;

	xs_prefix_of(dst, &key);
	ent = xs_htab_find(&e->pfx, &key, xs_hash(&key, sizeof(key)));
	if (ent)
		xs_topk_add(&((struct xs_ptrack *)xs_htab_val(&e->pfx, ent))->top, src);
}

void xs_prefixes_expire(struct xs_engine *e)
{
	uint32_t hold = e->dgeom.nslots * e->dgeom.gran;
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&e->pfx, &it); ent; ent = xs_htab_next(&e->pfx, &it)) {
		struct xs_ptrack *p = xs_htab_val(&e->pfx, ent);

		if (e->now - p->last_active >= hold) {
			e->pslab_free[e->npslab_free++] = p->ring;
			xs_htab_iter_delete(&e->pfx, &it);
		}
	}
}
