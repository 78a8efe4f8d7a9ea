/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A watched victim's packets: counted by class, sampled (fingerprint.h),
 * and checked against the victim's rules, its fingerprints. A rule counts
 * what it matches (of the attack's class or not) and, when asked to,
 * drops it until expires_ns. Called last, after the per-address and flow
 * accounting: a dropped packet is aggregated as if it had passed, so the
 * detectors keep seeing the attack the rule drops, and the alert (and the
 * rule with it) ends when the attack does, not when the rule starts.
 */
#ifndef XS_BPF_FILTER_H
#define XS_BPF_FILTER_H

#include "maps.h"
#include "parse.h"
#include "fingerprint.h"

static __always_inline int rule_match(const struct xs_fp_rule *r, const struct xs_pkt *p,
				      const struct xs_facts *f)
{
	__u8 fields = r->fields;
	__u16 port;

	if ((fields & XS_FPF_PROTO) && p->proto != r->proto)
		return 0;
	if ((fields & XS_FPF_FRAG) && !(r->frag & f->frag))
		return 0;
	if ((fields & XS_FPF_LEN) && (f->ip_len < r->len_lo || f->ip_len > r->len_hi))
		return 0;
	if ((fields & XS_FPF_TTL) && (f->ttl < r->ttl_lo || f->ttl > r->ttl_hi))
		return 0;
	if (!(fields & (XS_FPF_SPORT | XS_FPF_DPORT | XS_FPF_TCP | XS_FPF_ICMP)))
		return 1;
	/* Ports, flags and types exist only where the L4 header was read
	 * (never in a later fragment), as FlowSpec routers match them. */
	if (!p->l4)
		return 0;
	if (fields & (XS_FPF_SPORT | XS_FPF_DPORT)) {
		if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
			return 0;
		port = bpf_ntohs(p->sport);
		if ((fields & XS_FPF_SPORT) && (port < r->sport_lo || port > r->sport_hi))
			return 0;
		port = bpf_ntohs(p->dport);
		if ((fields & XS_FPF_DPORT) && (port < r->dport_lo || port > r->dport_hi))
			return 0;
	}
	if ((fields & XS_FPF_TCP) &&
	    (p->proto != IPPROTO_TCP || (p->tcp_flags & r->tcp_mask) != r->tcp_flags))
		return 0;
	if ((fields & XS_FPF_ICMP) &&
	    ((p->proto != IPPROTO_ICMP && p->proto != IPPROTO_ICMPV6) || p->icmp_type != r->icmp_type))
		return 0;
	return 1;
}

/* A packet to a victim that may be watched: returns the verdict. */
static __always_inline int watch_victim(struct xdp_md *ctx, struct xs_global *g,
					const struct xs_runtime *rt, __u32 epoch,
					const struct xs_pkt *p, __u64 len, int refl)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct xs_victim *v = bpf_map_lookup_elem(&xs_victims, &p->dst);
	struct xs_vstats *st;
	struct xs_facts f;
	__u8 hit = 0, drop = 0;
	__u32 i, c, n;

	if (!v)
		return XDP_PASS;
	st = bpf_map_lookup_elem(&xs_vstats, &v->slot);
	if (!st || victim_facts(data, data_end, p, refl, &f))
		return XDP_PASS;
#pragma unroll
	for (c = 0; c < XS_LIM_MAX; c++)
		if (f.cls_bits & (1u << c))
			st->pkts[c]++;
	n = v->nrules;
#pragma unroll
	for (i = 0; i < XS_FP_RULES; i++) {
		const struct xs_fp_rule *r = &v->rule[i];

		if (i >= n)
			break;
		if (!rule_match(r, p, &f))
			continue;
		hit |= 1u << i;
		/* Bound for the verifier: cls indexes the class bits. */
		st->hits[i][(f.cls_bits >> (r->cls & 7)) & 1 ? 0 : 1]++;
		if (r->drop)
			drop = 1;
	}
	/* The rules stop dropping at their TTL, even if the daemon is gone;
	 * an allowlisted source is never dropped, whatever a rule says. */
	if (drop && v->expires_ns && bpf_ktime_get_ns() >= v->expires_ns)
		drop = 0;
	if (drop) {
		struct xs_lpm_key k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, p->src.a, 16);
		if (bpf_map_lookup_elem(&xs_allowlist, &k))
			drop = 0;
	}
	fp_sample(ctx, rt, v, st, epoch, p, len, &f, hit, drop);
	if (!drop)
		return XDP_PASS;
	st->dropped++;
	g->cnt[XS_N_FP_DROPPED]++;
	return XDP_DROP;
}

#endif /* XS_BPF_FILTER_H */
