/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Mitigation, as soon as the addresses are parsed (whatever follows them
 * is malformed or not): a blocklisted source is dropped, in enforce mode
 * with the policy on a tiny or overlapping fragment too, and a
 * destination over its rate limit drops the excess. An allowlisted source
 * is never dropped (looked up only on the way to a drop). Empty tables
 * cost one LPM lookup per packet.
 */
#ifndef XS_BPF_MITIGATE_H
#define XS_BPF_MITIGATE_H

#include "maps.h"
#include "parse.h"

#define NS_PER_PKT 1000000000ULL

/* One token per packet; each CPU's bucket refills at its share of the
 * rate. Returns 1 if the packet may pass. No product here can overflow
 * at any rate the configuration allows (userspace keeps burst and rate
 * per CPU under 2^32, so cap < 2^62): past a full bucket's worth of
 * time the bucket is simply full. */
static __always_inline int take_token(struct xs_limit_state *st, __u64 now)
{
	__u64 elapsed = now - st->last_ns, cap = st->burst * NS_PER_PKT, tokens;

	if (elapsed > 10 * NS_PER_PKT)
		elapsed = 10 * NS_PER_PKT;
	if (st->rate_pps && elapsed > cap / st->rate_pps) {
		tokens = cap;
	} else {
		tokens = st->tokens + elapsed * st->rate_pps;
		if (tokens > cap)
			tokens = cap;
	}
	st->last_ns = now;
	if (tokens < NS_PER_PKT) {
		st->tokens = tokens;
		return 0;
	}
	st->tokens = tokens - NS_PER_PKT;
	return 1;
}

static __always_inline int limit_matches(__u32 match, const struct xs_pkt *p, int refl)
{
	switch (match) {
	case XS_LIM_ALL:
		return 1;
	case XS_LIM_SYN:
		return p->l4 && p->proto == IPPROTO_TCP &&
		       (p->tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == XS_TCP_SYN;
	case XS_LIM_UDP:
		return p->l4 && p->proto == IPPROTO_UDP;
	case XS_LIM_ICMP:
		return p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6;
	case XS_LIM_REFLECT:
		return refl || p->frag == XS_FRAG_LATER;
	}
	return 0;
}

static __always_inline int allowlisted(const struct xs_pkt *p)
{
	struct xs_lpm_key k = { .prefixlen = 128 };

	__builtin_memcpy(k.addr, p->src.a, 16);
	return bpf_map_lookup_elem(&xs_allowlist, &k) != NULL;
}

/* Whether a is blocked now (its packets are dropped by mitigate). */
static __always_inline int blocked_addr(const struct xs_addr *a)
{
	struct xs_lpm_key k = { .prefixlen = 128 };
	struct xs_block *b;

	__builtin_memcpy(k.addr, a->a, 16);
	b = bpf_map_lookup_elem(&xs_blocklist, &k);
	return b && (!b->expires_ns || bpf_ktime_get_ns() < b->expires_ns);
}

/* Enforce mode: drop a blocklisted source, a tiny or overlapping fragment
 * (flags: XS_RT_DROP_FRAG_EVASION), or a packet over its destination's
 * rate limit. Returns XDP_DROP or XDP_PASS. */
static __always_inline int mitigate(struct xs_global *g, const struct xs_pkt *p, __u64 len,
				    int refl, __u32 flags)
{
	struct xs_lpm_key k = { .prefixlen = 128 };
	struct xs_limit_state *st;
	struct xs_block *b;
	struct xs_limit *l;
	__u64 now = 0;

	__builtin_memcpy(k.addr, p->src.a, 16);
	b = bpf_map_lookup_elem(&xs_blocklist, &k);
	/* The allowlist is only consulted for a source that is blocked. */
	if (b && !allowlisted(p)) {
		now = bpf_ktime_get_ns();
		if (!b->expires_ns || now < b->expires_ns) {
			__sync_fetch_and_add(&b->hits, 1);
			__sync_fetch_and_add(&b->bytes, len);
			g->cnt[XS_N_BLOCKED]++;
			return XDP_DROP;
		}
	}
	/* No host sends these: reassembly evasion (RFC 1858, RFC 3128). */
	if ((p->tiny || p->overlap) && (flags & XS_RT_DROP_FRAG_EVASION) && !allowlisted(p)) {
		g->cnt[XS_N_FRAG_DROPPED]++;
		return XDP_DROP;
	}
	__builtin_memcpy(k.addr, p->dst.a, 16);
	l = bpf_map_lookup_elem(&xs_limits, &k);
	if (!l || !limit_matches(l->match, p, refl))
		return XDP_PASS;
	if (!now)
		now = bpf_ktime_get_ns();
	if (l->expires_ns && now >= l->expires_ns)
		return XDP_PASS;
	st = bpf_map_lookup_elem(&xs_limit_state, &l->slot);
	if (!st)
		return XDP_PASS;
	if (take_token(st, now) || allowlisted(p)) {
		st->passed++;
		return XDP_PASS;
	}
	st->dropped++;
	g->cnt[XS_N_RATE_LIMITED]++;
	return XDP_DROP;
}

#endif /* XS_BPF_MITIGATE_H */
