// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Sources of reassembly evasion (frag_evasion): the kernel counts, per
 * source and tick, first fragments too short for their transport header
 * and fragments that overwrite one (struct xs_src frag_evasion). No host
 * stack sends either, so the table stays small outside an attack; it
 * has its own limit (limits.frag_sources), counted when full.
 */
#include <string.h>

#include "engine_int.h"

static struct xs_frag_val *frag_entry(struct xs_engine *e, const struct xs_addr *src)
{
	struct xs_addr k = *src;
	struct xs_frag_val *v;
	bool created;
	void *ent;

	xs_engine_src_key(e, &k);
	ent = xs_htab_insert(&e->frags, &k, xs_hash(&k, sizeof(k)), &created);
	if (!ent)
		return NULL;
	v = xs_htab_val(&e->frags, ent);
	if (created) {
		v->head = UINT32_MAX;
		v->first = e->now;
		v->prof = (uint8_t)(e->any_profiles ? xs_ruleset_profile(e->rs, &k) : 0);
	}
	return v;
}

void xs_frag_fold(struct xs_engine *e, const struct xs_tick *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nsrc; i++) {
		const struct xs_src_entry *s = &t->src[i];
		struct xs_frag_val *v;

		if (!s->v.frag_evasion)
			continue;
		v = frag_entry(e, &s->addr);
		if (!v)
			continue;
		xs_ring_advance(v->ring, sizeof(v->ring[0]), &e->fgeom, &v->head,
				xs_wslot_id(&e->fgeom, e->now));
		v->ring[v->head % e->fgeom.nslots] += (uint32_t)s->v.frag_evasion;
	}
}

void xs_frag_slide(struct xs_engine *e)
{
	struct xs_htab_iter it;
	uint32_t id;
	void *ent;

	for (ent = xs_htab_first(&e->frags, &it); ent; ent = xs_htab_next(&e->frags, &it)) {
		struct xs_frag_val *v = xs_htab_val(&e->frags, ent);
		uint32_t n = e->win[v->prof][XS_R_FRAG_EVASION], sum = 0;

		xs_ring_advance(v->ring, sizeof(v->ring[0]), &e->fgeom, &v->head,
				xs_wslot_id(&e->fgeom, e->now));
		for (id = xs_wfirst_id(&e->fgeom, e->now, n); id <= v->head; id++) {
			uint32_t *slot = xs_ring_slot(v->ring, sizeof(v->ring[0]), &e->fgeom,
						      v->head, id);

			if (slot)
				sum += *slot;
		}
		v->sum = sum;
		/* Created by an event this tick, counted at its end: kept. */
		if (!sum && v->first != e->now)
			xs_htab_iter_delete(&e->frags, &it);
	}
}

void xs_frag_event(struct xs_engine *e, const struct xs_flow_event *ev)
{
	struct xs_frag_val *v = frag_entry(e, &ev->src);

	/* The first victim: one alert per source, not one per target. */
	if (v && !v->has_dst) {
		v->dst = ev->dst;
		v->has_dst = 1;
	}
}
