// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpstream's XDP program: parse each packet, fold it into the current
 * generation of per-CPU aggregates, and report the first packet of each new
 * flow to the ring buffer under a per-tick budget. XDP_PASS, except in
 * enforce mode for a blocklisted source or a destination over its rate
 * limit (XDP_DROP).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xs_abi.h"
#include "parse.h"
#include "sketch.h"

/* Sizes are placeholders: the loader sets them from the configuration
 * (bpf_map__set_max_entries) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_runtime);
} xs_rt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_GENS);
	__type(key, __u32);
	__type(value, struct xs_global);
} xs_global SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_port_bitmap);
} xs_refl_ports SEC(".maps");

/* Per-address tables (see maps/xs_abi.h): sizes are set by the loader to
 * possible CPUs * XS_GENS * slots; xs_slots_mask = slots - 1. */
const volatile __u32 xs_dst_mask = 65535;
const volatile __u32 xs_src_mask = 65535;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_dst_slot);
} xs_dtab SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);	/* arrays space values 8 bytes apart anyway */
} xs_dlist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_src_slot);
} xs_stab SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xs_slist SEC(".maps");

/* The fence: userspace rewrites a slot of this map-in-map after each
 * epoch flip, and the kernel answers only after an RCU grace period
 * (maybe_wait_bpf_programs() in kernel/bpf/syscall.c), so no program
 * still runs with the old epoch. The program never reads it. */
struct xs_fence_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xs_fence0 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct xs_fence_inner);
} xs_fence SEC(".maps") = {
	.values = { &xs_fence0 },
};

/* Flows span windows, so the flow table is not per generation. Shared (not
 * per-CPU) so that a flow is new exactly once whichever CPU sees it; see
 * struct xs_flow_slot. An LRU_HASH would do the same at several times the
 * cost of an insert, and new flows are what a spoofed flood is made of. */
const volatile __u32 xs_flow_mask = 262143;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 262144);
	__type(key, __u32);
	__type(value, struct xs_flow_slot);
} xs_flowtab SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} xs_events SEC(".maps");

/* Mitigation: sources to drop and destinations to rate-limit, by prefix.
 * Empty unless a user or a rule in enforce mode adds entries. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, struct xs_lpm_key);
	__type(value, struct xs_block);
} xs_blocklist SEC(".maps");

/* Never dropped, whatever the blocklist says (value unused). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct xs_lpm_key);
	__type(value, __u32);
} xs_allowlist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 256);
	__type(key, struct xs_lpm_key);
	__type(value, struct xs_limit);
} xs_limits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct xs_limit_state);
} xs_limit_state SEC(".maps");

/* Written only by userspace: running totals, so that `xdpstream stats`
 * and a restarted daemon see the whole history. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_totals);
} xs_totals SEC(".maps");

/* The mitigation commands' journal (see struct xs_mlog_rec). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XS_MLOG_LEN);
	__type(key, __u32);
	__type(value, struct xs_mlog_rec);
} xs_mlog SEC(".maps");

/* For `xdpstream status` and `top`, written by the daemon each tick. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_status);
} xs_status SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_top);
} xs_top SEC(".maps");


static __always_inline int parse_packet(void *data, void *end, struct xs_pkt *p)
{
	struct hdr_cursor c = { .pos = data };
	int proto, ret;

	proto = parse_ethhdr(&c, end, p);
	if (proto < 0)
		return proto;

	if (proto == ETH_P_IP) {
		proto = parse_iphdr(&c, end, p);
		if (proto < 0)
			return proto;
		p->proto = proto;
		if (p->frag == XS_FRAG_LATER) {
			p->cls = XS_C_IPV4_FRAG;
			return 0;
		}
		switch (proto) {
		case IPPROTO_TCP:
			p->cls = XS_C_IPV4_TCP;
			ret = parse_tcphdr(&c, end, p);
			break;
		case IPPROTO_UDP:
			p->cls = XS_C_IPV4_UDP;
			ret = parse_udphdr(&c, end, p);
			break;
		case IPPROTO_ICMP:
			p->cls = XS_C_IPV4_ICMP;
			ret = parse_icmp(&c, end, p, ICMP_ECHO, ICMP_ECHOREPLY,
					 XS_ERR(XS_E_ICMP_TRUNC));
			break;
		default:
			p->cls = XS_C_IPV4_OTHER;
			return 0;
		}
	} else if (proto == ETH_P_IPV6) {
		proto = parse_ipv6hdr(&c, end, p);
		if (proto < 0)
			return proto;
		p->proto = proto;
		if (p->frag == XS_FRAG_LATER) {
			p->cls = XS_C_IPV6_FRAG;
			return 0;
		}
		switch (proto) {
		case IPPROTO_TCP:
			p->cls = XS_C_IPV6_TCP;
			ret = parse_tcphdr(&c, end, p);
			break;
		case IPPROTO_UDP:
			p->cls = XS_C_IPV6_UDP;
			ret = parse_udphdr(&c, end, p);
			break;
		case IPPROTO_ICMPV6:
			p->cls = XS_C_IPV6_ICMP;
			ret = parse_icmp(&c, end, p, ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY,
					 XS_ERR(XS_E_ICMP6_TRUNC));
			break;
		default:
			p->cls = XS_C_IPV6_OTHER;
			return 0;
		}
	} else {
		p->cls = proto == ETH_P_ARP ? XS_C_ARP : XS_C_OTHER_L2;
		return 0;
	}
	if (ret < 0)
		return ret;
	p->l4 = 1;
	return 0;
}

static __always_inline int is_reflector_port(__be16 sport)
{
	__u32 zero = 0, port = bpf_ntohs(sport);
	struct xs_port_bitmap *bm = bpf_map_lookup_elem(&xs_refl_ports, &zero);

	if (!bm)
		return 0;
	return (bm->w[(port >> 6) & (XS_PORT_BITMAP_WORDS - 1)] >> (port & 63)) & 1;
}

static __always_inline int addr_eq(const struct xs_addr *a, const struct xs_addr *b)
{
	__u64 a0, a1, b0, b1;

	__builtin_memcpy(&a0, &a->a[0], 8);
	__builtin_memcpy(&a1, &a->a[8], 8);
	__builtin_memcpy(&b0, &b->a[0], 8);
	__builtin_memcpy(&b1, &b->a[8], 8);
	return a0 == b0 && a1 == b1;
}

/* Finds key's slot in this CPU's region of the table, or claims a free
 * one (stale tag) and lists it. Only this CPU writes its region (XDP does
 * not preempt itself), hence no atomics. NULL after XS_TABLE_PROBES
 * occupied slots: the region is too full. */
#define TABLE_LOOKUP(name, slot_t, val_t, tab, list, mask, used_cnt)                         \
	static __always_inline val_t *name(struct xs_global *g, __u32 region, __u32 tag,       \
					   const struct xs_addr *key, __u64 h)                  \
	{                                                                                      \
		__u32 slots = mask + 1, base = region * slots, i;                              \
                                                                                               \
		for (i = 0; i < XS_TABLE_PROBES; i++) {                                        \
			__u32 pos = (h + i) & mask, idx = base + pos, n;                       \
			slot_t *s = bpf_map_lookup_elem(&tab, &idx);                           \
			__u64 *l;                                                              \
                                                                                               \
			if (!s)                                                                \
				return NULL;                                                   \
			if (s->tag == tag) {                                                   \
				if (addr_eq(&s->key, key))                                     \
					return &s->v;                                          \
				continue;                                                      \
			}                                                                      \
			s->tag = tag;                                                          \
			s->key = *key;                                                         \
			__builtin_memset(&s->v, 0, sizeof(s->v));                              \
			n = base + (__u32)g->cnt[used_cnt];                                    \
			l = bpf_map_lookup_elem(&list, &n);                                    \
			if (l)                                                                 \
				*l = pos;                                                      \
			g->cnt[used_cnt]++;                                                    \
			return &s->v;                                                          \
		}                                                                              \
		return NULL;                                                                   \
	}

TABLE_LOOKUP(dst_slot, struct xs_dst_slot, struct xs_dst, xs_dtab, xs_dlist, xs_dst_mask,
	     XS_N_DST_USED)
TABLE_LOOKUP(src_slot, struct xs_src_slot, struct xs_src, xs_stab, xs_slist, xs_src_mask,
	     XS_N_SRC_USED)

static __always_inline void account_dst(struct xs_global *g, __u32 region, __u32 tag,
					struct xs_pkt *p, __u64 len, int refl, __u64 hsrc)
{
	struct xs_dst *d = dst_slot(g, region, tag, &p->dst, xs_hash_addr(&p->dst));
	int established;

	if (!d) {
		g->cnt[XS_N_DST_FULL]++;
		return;
	}
	d->pkts++;
	d->bytes += len;
	/* Distinct sources and ports are counted from what starts flows: a
	 * TCP segment with ACK belongs to a connection already counted. */
	established = p->l4 && p->proto == IPPROTO_TCP && (p->tcp_flags & XS_TCP_ACK);
	if (!established)
		xs_hll_add(d->hll_src, hsrc);
	if (p->frag == XS_FRAG_LATER) {
		d->frag++;
		d->frag_bytes += len;
		return;
	}
	switch (p->proto) {
	case IPPROTO_TCP:
		d->tcp++;
		if ((p->tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == XS_TCP_SYN)
			d->syn++;
		else if ((p->tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == (XS_TCP_SYN | XS_TCP_ACK))
			d->synack++;
		if (p->tcp_flags & XS_TCP_RST)
			d->rst++;
		break;
	case IPPROTO_UDP:
		d->udp++;
		d->udp_bytes += len;
		if (refl) {
			d->refl_pkts++;
			d->refl_bytes += len;
		}
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		d->icmp++;
		d->icmp_bytes += len;
		return;
	default:
		return;
	}
	d->dport_sample = bpf_ntohs(p->dport);
	if (!established)
		xs_hll_add(d->hll_dport, xs_mix64(p->dport));
}

static __always_inline void account_src(struct xs_global *g, __u32 region, __u32 tag,
					struct xs_pkt *p, __u64 len, __u64 hsrc)
{
	struct xs_src *s = src_slot(g, region, tag, &p->src, hsrc);

	if (!s) {
		g->cnt[XS_N_SRC_FULL]++;
		return;
	}
	s->pkts++;
	s->bytes += len;
	if (p->proto == IPPROTO_TCP && p->l4) {
		if ((p->tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == XS_TCP_SYN)
			s->syn++;
		else if ((p->tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == (XS_TCP_SYN | XS_TCP_ACK))
			s->synack++;
		if (p->tcp_flags & XS_TCP_RST)
			s->rst++;
	} else if (p->l4 && ((p->icmp_type == ICMP_ECHO && p->proto == IPPROTO_ICMP) ||
			     (p->icmp_type == ICMPV6_ECHO_REQUEST && p->proto == IPPROTO_ICMPV6))) {
		s->icmp_echo++;
	}
}

#define NS_PER_PKT 1000000000ULL

/* One token per packet; each CPU's bucket refills at its share of the
 * rate. Returns 1 if the packet may pass. */
static __always_inline int take_token(struct xs_limit_state *st, __u64 now)
{
	__u64 elapsed = now - st->last_ns, cap = st->burst * NS_PER_PKT, tokens;

	if (elapsed > 10 * NS_PER_PKT)	/* bound the product below */
		elapsed = 10 * NS_PER_PKT;
	tokens = st->tokens + elapsed * st->rate_pps;
	if (tokens > cap)
		tokens = cap;
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

/* Enforce mode: drop a blocklisted source, or a packet over its
 * destination's rate limit. Returns XDP_DROP or XDP_PASS. */
static __always_inline int mitigate(struct xs_global *g, const struct xs_pkt *p, __u64 len,
				    int refl)
{
	struct xs_lpm_key k = { .prefixlen = 128 };
	struct xs_limit_state *st;
	struct xs_block *b;
	struct xs_limit *l;
	__u64 now = 0;

	__builtin_memcpy(k.addr, p->src.a, 16);
	b = bpf_map_lookup_elem(&xs_blocklist, &k);
	/* The allowlist is only consulted for a source that is blocked. */
	if (b && !bpf_map_lookup_elem(&xs_allowlist, &k)) {
		now = bpf_ktime_get_ns();
		if (!b->expires_ns || now < b->expires_ns) {
			__sync_fetch_and_add(&b->hits, 1);
			__sync_fetch_and_add(&b->bytes, len);
			g->cnt[XS_N_BLOCKED]++;
			return XDP_DROP;
		}
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
	if (take_token(st, now)) {
		st->passed++;
		return XDP_PASS;
	}
	st->dropped++;
	g->cnt[XS_N_RATE_LIMITED]++;
	return XDP_DROP;
}

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
	struct xs_flow_event *e;

	if (!flow_insert(g, rt, epoch + 1, &k))
		return;
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

SEC("xdp")
int xdpstream(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	struct xs_pkt p = {};
	struct xs_runtime *rt;
	struct xs_global *g;
	__u32 zero = 0, gen, region, epoch;
	int ret, refl = 0;
	__u64 hsrc;

	rt = bpf_map_lookup_elem(&xs_rt, &zero);
	if (!rt)
		return XDP_PASS;
	/* Read the epoch once: generation, slot tags and events must agree
	 * even if userspace flips it while this packet is processed. */
	epoch = *(volatile __u32 *)&rt->epoch;
	gen = epoch & 1;
	g = bpf_map_lookup_elem(&xs_global, &gen);
	if (!g)
		return XDP_PASS;

#ifdef XS_TEST_VERIFIER_REJECT
	/* A read without a bounds check, on purpose: the verifier must refuse
	 * this build (tests/integ: the rejection is reported). */
	if (*(volatile __u8 *)(data + 64))
		return XDP_PASS;
#endif
	ret = parse_packet(data, data_end, &p);
	if (ret < 0) {
		__u32 reason = XS_ERR_REASON(ret);

		/* Bound for the verifier: reason indexes g->err. */
		if (reason < XS_E_MAX)
			g->err[reason]++;
		g->pkts[XS_C_MALFORMED]++;
		g->bytes[XS_C_MALFORMED] += len;
		return XDP_PASS;
	}
	/* Bound for the verifier: cls indexes the per-class arrays. */
	if (p.cls >= XS_C_MAX)
		return XDP_PASS;
	g->pkts[p.cls]++;
	g->bytes[p.cls] += len;
	if (p.vlans)
		g->cnt[XS_N_VLAN]++;

	if (p.cls >= XS_C_ARP)
		return XDP_PASS;	/* not IP: no addresses to aggregate */

	if (p.l4 && p.proto == IPPROTO_UDP && is_reflector_port(p.sport))
		refl = 1;
	/* Mitigation first: what is dropped is counted above (it arrived)
	 * but aggregated nowhere else. */
	if (mitigate(g, &p, len, refl) == XDP_DROP)
		return XDP_DROP;

	if (p.frag == XS_FRAG_FIRST)
		g->cnt[XS_N_IP_FRAG_FIRST]++;
	if (p.l4 && p.proto == IPPROTO_TCP) {
		if ((p.tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == XS_TCP_SYN)
			g->cnt[XS_N_TCP_SYN]++;
		else if ((p.tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == (XS_TCP_SYN | XS_TCP_ACK))
			g->cnt[XS_N_TCP_SYNACK]++;
		if (p.tcp_flags & XS_TCP_RST)
			g->cnt[XS_N_TCP_RST]++;
		if (p.tcp_flags & XS_TCP_FIN)
			g->cnt[XS_N_TCP_FIN]++;
	} else if (refl) {
		g->cnt[XS_N_REFLECT]++;
	}

	region = bpf_get_smp_processor_id() * XS_GENS + gen;
	hsrc = xs_hash_addr(&p.src);
	account_dst(g, region, epoch + 1, &p, len, refl, hsrc);
	account_src(g, region, epoch + 1, &p, len, hsrc);
	/* A TCP segment with ACK belongs to a connection whose first segment
	 * (SYN, or a scanner's flagless/FIN probe) already went through the
	 * flow table: skipping it saves a hash lookup on established traffic. */
	if (p.l4 && !(rt->flags & XS_RT_FLOWS_OFF) &&
	    !(p.proto == IPPROTO_TCP && (p.tcp_flags & XS_TCP_ACK)))
		account_flow(ctx, g, rt, epoch, &p, len);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
