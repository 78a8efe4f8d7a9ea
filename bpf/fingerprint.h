/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Sampling the packets of a victim under attack, for its fingerprint: the
 * facts the parser does not keep (TTL, IP length), the classes a packet
 * belongs to, and one sample in sample_every into xs_fp_ring, at most
 * sample_budget per CPU and tick. The choice is deterministic (a per-CPU
 * xorshift seeded by userspace), so a replay samples the same packets
 * every time, and it is not periodic, so a generator's fixed pattern of
 * frames cannot hide from it. Only watched victims get here.
 */
#ifndef XS_BPF_FINGERPRINT_H
#define XS_BPF_FINGERPRINT_H

#include "maps.h"
#include "parse.h"
#include "mitigate.h"	/* limit_matches(): the classes of the rate limits */

/* What a rule and a sample need beyond struct xs_pkt. */
struct xs_facts {
	__u16 ip_len;		/* IPv4 total length, IPv6 payload length */
	__u8 ttl;		/* TTL / hop limit */
	__u8 frag;		/* XS_FPFR_* */
	__u8 cls_bits;		/* 1 << enum xs_limit_match of each class it is in */
};

/* Reads the IP header again (the parser kept only what every packet
 * needs): it starts after the Ethernet header and p->vlans tags. */
static __always_inline int victim_facts(void *data, void *end, const struct xs_pkt *p, int refl,
					struct xs_facts *f)
{
	__u32 vlans = p->vlans, c;
	void *l3;

	if (vlans > XS_VLAN_MAX_DEPTH)	/* bound for the verifier */
		return -1;
	l3 = data + sizeof(struct ethhdr) + vlans * sizeof(struct vlan_hdr);
	/* By the version, not the class: a packet malformed after its
	 * addresses is watched too (class XS_C_MALFORMED). */
	if (l3 + 1 > end)
		return -1;
	if ((*(__u8 *)l3 >> 4) == 4) {
		struct iphdr *iph = l3;

		if ((void *)(iph + 1) > end)
			return -1;
		f->ttl = iph->ttl;
		f->ip_len = bpf_ntohs(iph->tot_len);
	} else {
		struct ipv6hdr *ip6h = l3;

		if ((void *)(ip6h + 1) > end)
			return -1;
		f->ttl = ip6h->hop_limit;
		f->ip_len = bpf_ntohs(ip6h->payload_len);
	}
	f->frag = p->frag == XS_FRAG_LATER ? XS_FPFR_LATER :
		  p->frag == XS_FRAG_FIRST ? XS_FPFR_FIRST : XS_FPFR_NONE;
	f->cls_bits = 0;
#pragma unroll
	for (c = 0; c < XS_LIM_MAX; c++)
		if (limit_matches(c, p, refl))
			f->cls_bits |= 1u << c;
	return 0;
}

/* One sample in sample_every, on average, within the tick's budget. */
static __always_inline void fp_sample(struct xdp_md *ctx, const struct xs_runtime *rt,
				      const struct xs_victim *v, struct xs_vstats *st, __u32 epoch,
				      const struct xs_pkt *p, __u64 len, const struct xs_facts *f,
				      __u8 rules_hit, __u8 dropped)
{
	struct xs_fp_sample *s;
	__u32 x = st->rng ? st->rng : 1, n;
	int hdrs;

	if (!v->sample_every)
		return;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	st->rng = x;
	if (x % v->sample_every)
		return;
	if (st->tick_epoch != epoch) {
		st->tick_epoch = epoch;
		st->tick_samples = 0;
	}
	if (st->tick_samples >= v->sample_budget) {
		st->lost++;
		return;
	}
	hdrs = rt->flags & XS_RT_FP_HEADERS;
	/* Two constant sizes: the verifier wants one per reservation. */
	if (hdrs)
		s = bpf_ringbuf_reserve(&xs_fp_ring, sizeof(*s), 0);
	else
		s = bpf_ringbuf_reserve(&xs_fp_ring, offsetof(struct xs_fp_sample, data), 0);
	if (!s) {
		st->lost++;
		return;
	}
	s->victim = p->dst;
	s->ktime_ns = bpf_ktime_get_ns();
	s->epoch = epoch;
	s->len = len;
	s->sport = bpf_ntohs(p->sport);
	s->dport = bpf_ntohs(p->dport);
	s->ip_len = f->ip_len;
	s->caplen = 0;
	s->proto = p->proto;
	s->tcp_flags = p->proto == IPPROTO_TCP ? p->tcp_flags : 0;
	s->frag = f->frag;
	s->ttl = f->ttl;
	s->cls_bits = f->cls_bits;
	s->l4 = p->l4;
	s->icmp_type = p->icmp_type;
	s->rules_hit = rules_hit;
	s->dropped = dropped;
	s->vlans = p->vlans;
	__builtin_memset(s->pad, 0, sizeof(s->pad));
	if (hdrs) {
		n = len < XS_FP_SNAP ? len : XS_FP_SNAP;
		/* Bounds for the verifier: 1..XS_FP_SNAP bytes. */
		if (n >= 1 && n <= XS_FP_SNAP && !bpf_xdp_load_bytes(ctx, 0, s->data, n))
			s->caplen = n;
	}
	bpf_ringbuf_submit(s, 0);
	st->sampled++;
	st->tick_samples++;
}

#endif /* XS_BPF_FINGERPRINT_H */
