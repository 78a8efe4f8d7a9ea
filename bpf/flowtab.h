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
#include "account.h"

/* Looks the flow up in its bucket (one cache line), refreshing it; or
 * records it in the bucket's first empty or expired entry, else in its
 * oldest (evicting a live flow). Returns 1 if the flow is new and this
 * CPU recorded it, else 0. */
static __always_inline int flow_insert(struct xs_global *g, const struct xs_runtime *rt,
				       __u32 now, __u64 h)
{
	__u32 b = bucket_of(h, xs_flow_buckets), fp = h >> 32, ttl = rt->flow_ttl;
	__u32 i, seen, victim = XS_FLOW_WAYS, oldest = 0, oldest_seen = 0xffffffff;
	__u64 e, old = 0, oldest_e = 0;
	struct xs_flow_bucket *bk = bpf_map_lookup_elem(&xs_flowtab, &b);
	int expired, evict = 0;

	if (!bk)
		return 0;
	for (i = 0; i < XS_FLOW_WAYS; i++) {
		e = bk->e[i];
		seen = (__u32)e;
		expired = !seen || (ttl && now - seen > ttl);
		if (seen && (__u32)(e >> 32) == fp) {
			if (expired) {
				/* Forgotten: new again, in its own entry. */
				victim = i;
				old = e;
				break;
			}
			/* Once per tick; a racing write is harmless. The low
			 * half of the little-endian word. */
			if (seen != now)
				*(__u32 *)&bk->e[i] = now;
			return 0;
		}
		if (expired) {
			/* The first free or expired entry wins. */
			if (victim == XS_FLOW_WAYS) {
				victim = i;
				old = e;
			}
			/* Entries are never emptied, only reused: past a never
			 * used one the flow cannot be. */
			if (!seen)
				break;
		} else if (seen < oldest_seen) {
			oldest = i;
			oldest_seen = seen;
			oldest_e = e;
		}
	}
	if (victim >= XS_FLOW_WAYS) {
		victim = oldest;
		old = oldest_e;
		evict = 1;
	}
	/* Bound for the verifier: victim indexes e[]. */
	if (victim >= XS_FLOW_WAYS)
		return 0;
	/* Another CPU claiming this entry first is almost surely recording
	 * this very flow (same bucket, same choice): it reports it, not us. */
	if (__sync_val_compare_and_swap(&bk->e[victim], old, (__u64)fp << 32 | now) != old)
		return 0;
	if (evict)
		g->cnt[XS_N_FLOW_FULL]++;
	return 1;
}

/* Whether the flow of hash h is recorded and live (read only: a miss
 * records nothing). */
static __always_inline int flow_known(const struct xs_runtime *rt, __u32 now, __u64 h)
{
	__u32 b = bucket_of(h, xs_flow_buckets), fp = h >> 32, ttl = rt->flow_ttl, i, seen;
	struct xs_flow_bucket *bk = bpf_map_lookup_elem(&xs_flowtab, &b);
	__u64 e;

	if (!bk)
		return 0;
	for (i = 0; i < XS_FLOW_WAYS; i++) {
		e = bk->e[i];
		seen = (__u32)e;
		if (!seen)
			return 0;	/* never used: the flow cannot be further */
		if ((__u32)(e >> 32) == fp)
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
	e->flags = p->tiny ? XS_EV_F_TINY_FRAG : 0;
	e->pad[0] = e->pad[1] = e->pad[2] = 0;
	bpf_ringbuf_submit(e, 0);
	g->cnt[XS_N_EV_SENT]++;
}

/* A packet that may start a flow, not one its source's slot knows: record
 * the flow of hash h (only the CPU that records it reports it) and send an
 * event if the tick's budget allows. Once the budget is spent the table is
 * not even looked up: such a packet counts as an event lost to the budget
 * (a known flow's among them), and a new flow is reported when it next
 * shows in a tick with budget left. (A bare ACK is looked up whatever the
 * budget: bpf/probe.h needs the answer.) */
static __always_inline void account_flow(struct xdp_md *ctx, struct xs_global *g,
					 const struct xs_runtime *rt, __u32 epoch, struct xs_pkt *p,
					 __u64 len, __u64 h)
{
	if (g->cnt[XS_N_EV_SENT] >= rt->ev_budget) {
		g->cnt[XS_N_EV_BUDGET]++;
		return;
	}
	if (flow_insert(g, rt, epoch + 1, h))
		flow_report(ctx, g, rt, epoch, p, len);
}

#endif /* XS_BPF_FLOWTAB_H */
