/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The flow table (shared by the CPUs, not per generation) and the
 * new-flow events: the first packet of a flow is recorded once, whichever
 * CPU sees it, and reported to the ring buffer under the tick's budget;
 * every event not sent is counted.
 */
#ifndef XS_BPF_FLOWTAB_H
#define XS_BPF_FLOWTAB_H

#include "maps.h"
#include "parse.h"
#include "sketch.h"

static __always_inline __u64 flow_hash(const struct xs_flow_key *k)
{
	__u64 w[5];

	__builtin_memcpy(w, k, sizeof(w));
	return xs_mix64(w[0] ^ xs_mix64(w[1] ^ xs_mix64(w[2] ^ xs_mix64(w[3] ^ xs_mix64(w[4])))));
}

static __always_inline int flow_key_eq(const struct xs_flow_key *a, const struct xs_flow_key *b)
{
	__u64 x[5], y[5];

	__builtin_memcpy(x, a, sizeof(x));
	__builtin_memcpy(y, b, sizeof(y));
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/* Looks the flow up, refreshing it; or records it in the first empty or
 * expired probe slot, else in the oldest (evicting a live flow). Returns 1
 * if the flow is new and this CPU recorded it, else 0. */
static __always_inline int flow_insert(struct xs_global *g, const struct xs_runtime *rt,
				       __u32 now, const struct xs_flow_key *k)
{
	__u64 h = flow_hash(k);
	__u32 i, victim = 0, victim_seen = 0xffffffff, ttl = rt->flow_ttl;
	struct xs_flow_slot *s;
	int evict = 1, expired;

	for (i = 0; i < XS_FLOW_PROBES; i++) {
		__u32 idx = (h + i) & xs_flow_mask, seen;

		s = bpf_map_lookup_elem(&xs_flowtab, &idx);
		if (!s)
			return 0;
		seen = s->seen;
		expired = !seen || (ttl && now - seen > ttl);
		if (seen && flow_key_eq(&s->key, k)) {
			if (expired) {
				/* Forgotten: new again, in its own slot. */
				victim = idx;
				evict = 0;
				break;
			}
			if (seen != now)
				s->seen = now;	/* once per tick; a racing write is harmless */
			return 0;
		}
		/* The first free or expired slot wins; otherwise the oldest. */
		if (expired) {
			if (evict) {
				victim = idx;
				evict = 0;
			}
			/* Slots are never emptied, only reused: past a never
			 * used one the flow cannot be. */
			if (!seen)
				break;
		} else if (evict && seen < victim_seen) {
			victim = idx;
			victim_seen = seen;
		}
	}
	s = bpf_map_lookup_elem(&xs_flowtab, &victim);
	if (!s)
		return 0;
	/* Another CPU writing this slot is almost surely recording this very
	 * flow (same probe sequence): it reports it, not us. */
	if (__sync_val_compare_and_swap(&s->lock, 0, 1) != 0)
		return 0;
	s->seen = 0;	/* readers skip the slot while the key changes */
	s->key = *k;
	s->seen = now;
	s->lock = 0;
	if (evict)
		g->cnt[XS_N_FLOW_FULL]++;
	return 1;
}

/* Whether the flow is recorded and live (read only: a miss records
 * nothing). */
static __always_inline int flow_known(const struct xs_runtime *rt, __u32 now,
				      const struct xs_flow_key *k)
{
	__u64 h = flow_hash(k);
	__u32 i, ttl = rt->flow_ttl;

	for (i = 0; i < XS_FLOW_PROBES; i++) {
		__u32 idx = (h + i) & xs_flow_mask, seen;
		struct xs_flow_slot *s = bpf_map_lookup_elem(&xs_flowtab, &idx);

		if (!s)
			return 0;
		seen = s->seen;
		if (!seen)
			return 0;	/* never used: the flow cannot be further */
		if (flow_key_eq(&s->key, k))
			return !(ttl && now - seen > ttl);
	}
	return 0;
}

/* A flow just recorded: send its event if the tick's budget allows. */
static __always_inline void flow_report(struct xdp_md *ctx, struct xs_global *g,
					const struct xs_runtime *rt, __u32 epoch,
					struct xs_pkt *p, __u64 len)
{
	struct xs_flow_event *e;

	g->cnt[XS_N_FLOW_NEW]++;
	if (g->cnt[XS_N_EV_SENT] >= rt->ev_budget) {
		g->cnt[XS_N_EV_BUDGET]++;
		return;
	}
	e = bpf_ringbuf_reserve(&xs_events, sizeof(*e), 0);
	if (!e) {
		g->cnt[XS_N_EV_RINGFULL]++;
		return;
	}
	e->src = p->src;
	e->dst = p->dst;
	e->sport = p->sport;
	e->dport = p->dport;
	e->proto = p->proto;
	e->tcp_flags = p->proto == IPPROTO_TCP ? p->tcp_flags : 0;
	e->cls = p->cls;
	e->vlan = p->vlans;
	e->epoch = epoch;
	e->ifindex = ctx->ingress_ifindex;
	e->len = len;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	g->cnt[XS_N_EV_SENT]++;
}

/* First packet of a flow: record it (only the CPU that records it reports
 * it) and send an event if the tick's budget allows. */
static __always_inline void account_flow(struct xdp_md *ctx, struct xs_global *g,
					 const struct xs_runtime *rt, __u32 epoch, struct xs_pkt *p,
					 __u64 len)
{
	struct xs_flow_key k = {
		.src = p->src,
		.dst = p->dst,
		.sport = p->sport,
		.dport = p->dport,
		.proto = p->proto,
	};

	if (flow_insert(g, rt, epoch + 1, &k))
		flow_report(ctx, g, rt, epoch, p, len);
}

#endif /* XS_BPF_FLOWTAB_H */
