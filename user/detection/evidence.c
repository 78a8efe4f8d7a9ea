// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Evidence that a source is real (issue 13): the engine picks the keys
 * the kernel watches (struct xs_watch_key) and keeps what the kernel
 * counted in their flows. A spoofed source only ever sends what starts a
 * flow (a SYN, a probe); a real one completes handshakes and sends data,
 * so counting in the attack's own flows, not the source's traffic as a
 * whole, tells a brute forcer from an address a flood borrows, and a
 * source a rule may block from one it must not.
 *
 * Who gets the kernel's XS_WATCH_MAX keys: what the mitigation policy
 * waits on, then the brute-force candidates with the most connections
 * for their threshold. A flood of spoofed candidates therefore cannot
 * push a real brute forcer out.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

#define PRIO_POLICY (1u << 30)
#define EVID_LIMIT (4 * XS_WATCH_MAX)	/* candidates kept, watched or not */

void xs_evid_key_service(struct xs_watch_key *k, const struct xs_addr *src,
			 const struct xs_addr *dst, uint8_t proto, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	k->src = *src;
	if (dst)
		k->dst = *dst;
	k->proto = proto;
	k->dport = htons(port);
}

void xs_evid_want(struct xs_engine *e, const struct xs_watch_key *k, uint32_t ticks,
		  uint32_t prio)
{
	struct xs_evid_val *v;
	bool created;
	void *ent = xs_htab_insert(&e->evid, k, xs_hash(k, sizeof(*k)), &created);

	if (!ent)
		return;
	v = xs_htab_val(&e->evid, ent);
	if (e->now + ticks > v->until)
		v->until = e->now + ticks;
	if (prio > v->prio || created)
		v->prio = prio;
}

const struct xs_evid_val *xs_evid_find(const struct xs_engine *e, const struct xs_watch_key *k)
{
	void *ent = xs_htab_find(&e->evid, k, xs_hash(k, sizeof(*k)));

	return ent ? xs_htab_val(&e->evid, ent) : NULL;
}

void xs_engine_watch(struct xs_engine *e, const struct xs_watch_key *k, uint32_t ticks)
{
	xs_evid_want(e, k, ticks, PRIO_POLICY);
}

bool xs_engine_evidence(const struct xs_engine *e, const struct xs_watch_key *k,
			struct xs_watch_val *out)
{
	const struct xs_evid_val *v = xs_evid_find(e, k);

	if (!v || !v->since)
		return false;
	*out = v->total;
	return true;
}

static uint64_t delta(uint64_t cur, uint64_t last)
{
	return cur >= last ? cur - last : cur;	/* recreated in the kernel */
}

void xs_engine_watch_counts(struct xs_engine *e, const struct xs_watch_key *k,
			    const struct xs_watch_val *cum)
{
	void *ent = xs_htab_find(&e->evid, k, xs_hash(k, sizeof(*k)));
	struct xs_evid_val *v;

	if (!ent)
		return;
	v = xs_htab_val(&e->evid, ent);
	if (!v->since)
		return;
	v->tick.pkts = delta(cum->pkts, v->last.pkts);
	v->tick.bytes = delta(cum->bytes, v->last.bytes);
	v->tick.syn = delta(cum->syn, v->last.syn);
	v->tick.ack = delta(cum->ack, v->last.ack);
	v->tick.data = delta(cum->data, v->last.data);
	v->total.pkts += v->tick.pkts;
	v->total.bytes += v->tick.bytes;
	v->total.syn += v->tick.syn;
	v->total.ack += v->tick.ack;
	v->total.data += v->tick.data;
	v->last = *cum;
}

/* End of a tick (after the detectors): this tick's counts are used up;
 * keys nobody wants any more go. */
void xs_evid_tick(struct xs_engine *e)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&e->evid, &it); ent; ent = xs_htab_next(&e->evid, &it)) {
		struct xs_evid_val *v = xs_htab_val(&e->evid, ent);

		memset(&v->tick, 0, sizeof(v->tick));
		if (v->until <= e->now)
			xs_htab_iter_delete(&e->evid, &it);
	}
}

struct ranked {
	uint32_t prio, since;
	const struct xs_watch_key *k;
};

static int by_urgency(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio > y->prio ? -1 : 1;
	/* Watched longer first: a key keeps its place and its counts. */
	if ((x->since != 0) != (y->since != 0))
		return x->since ? -1 : 1;
	return memcmp(x->k, y->k, sizeof(*x->k));
}

size_t xs_engine_watch_keys(struct xs_engine *e, struct xs_watch_key *out, size_t max)
{
	struct ranked *r = e->evid.count ? calloc(e->evid.count, sizeof(*r)) : NULL;
	struct xs_htab_iter it;
	size_t n = 0, i;
	void *ent;

	if (!r)
		return 0;
	for (ent = xs_htab_first(&e->evid, &it); ent; ent = xs_htab_next(&e->evid, &it)) {
		const struct xs_evid_val *v = xs_htab_val(&e->evid, ent);

		r[n++] = (struct ranked){ v->prio, v->since, ent };
	}
	qsort(r, n, sizeof(*r), by_urgency);
	for (i = 0; i < n; i++) {
		struct xs_evid_val *v = xs_htab_val(&e->evid, (void *)r[i].k);

		if (i < max) {
			out[i] = *r[i].k;
			continue;
		}
		/* Pushed out of the kernel: its count starts again if it
		 * comes back. */
		memset(v, 0, offsetof(struct xs_evid_val, until));
	}
	free(r);
	return n < max ? n : max;
}

void xs_engine_watch_synced(struct xs_engine *e, const struct xs_watch_key *keys, size_t n)
{
	size_t i;

	e->watched = n;
	for (i = 0; i < n; i++) {
		void *ent = xs_htab_find(&e->evid, &keys[i], xs_hash(&keys[i], sizeof(keys[i])));
		struct xs_evid_val *v;
		struct xs_pkey pk;
		struct xs_conn_val *c;

		if (!ent)
			continue;
		v = xs_htab_val(&e->evid, ent);
		if (v->since)
			continue;
		memset(v, 0, offsetof(struct xs_evid_val, since));
		v->since = e->now;
		/* A brute-force candidate: its connections from now on are
		 * the ones the kernel's count belongs to. */
		if (keys[i].proto != 6 || !keys[i].dport)
			continue;
		memset(&pk, 0, sizeof(pk));
		pk.src = keys[i].src;
		pk.dst = keys[i].dst;
		pk.port = ntohs(keys[i].dport);
		pk.proto = 6;
		ent = xs_htab_find(&e->conns, &pk, xs_hash(&pk, sizeof(pk)));
		if (!ent)
			continue;
		c = xs_htab_val(&e->conns, ent);
		c->watched = 1;
		c->wconns0 = c->conns;
		c->wpkts = c->wdata = 0;
	}
}
