/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-address accounting: this CPU's region of the per-destination and
 * per-source tables of the current generation (open addressing, probed
 * from the address's hash; see struct xs_dst_slot), and the reflector
 * ports that mark UDP replies.
 */
#ifndef XS_BPF_ACCOUNT_H
#define XS_BPF_ACCOUNT_H

#include "maps.h"
#include "parse.h"
#include "sketch.h"

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
 * one (stale tag), zeroes the first `zero` bytes of its value and lists
 * it. Only this CPU writes its region (XDP does not preempt itself), hence
 * no atomics. NULL after XS_TABLE_PROBES occupied slots: the region is
 * too full. */
#define TABLE_LOOKUP(name, slot_t, val_t, tab, list, mask, used_cnt, zero)                   \
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
			__builtin_memset(&s->v, 0, zero);                                      \
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
	     XS_N_DST_USED, sizeof(struct xs_dst))
TABLE_LOOKUP(src_slot, struct xs_src_slot, struct xs_src, xs_stab, xs_slist, xs_src_mask,
	     XS_N_SRC_USED, XS_SRC_ZERO)

/* The packet's burst kind (enum xs_burst_kind). */
static __always_inline __u32 burst_kind(const struct xs_pkt *p)
{
	if (p->frag == XS_FRAG_LATER)
		return XS_B_UDP;
	switch (p->proto) {
	case IPPROTO_TCP:
		return (p->tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == XS_TCP_SYN ? XS_B_SYN
										  : XS_B_OTHER;
	case IPPROTO_UDP:
		return XS_B_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return XS_B_ICMP;
	}
	return XS_B_OTHER;
}

/* The destination's majority UDP source port (Boyer-Moore vote: a port
 * sending more than half of its UDP wins, and its votes bound its packets
 * from below), and which sources send from it. Replies of a service to
 * the same port (sport == dport: SIP, IKE, NTP peers) do not vote: they
 * are peers talking, not replies to someone else's requests. */
static __always_inline void vote_udp_port(struct xs_dst *d, const struct xs_pkt *p, __u64 hsrc)
{
	__u16 sport = bpf_ntohs(p->sport);

	if (p->sport == p->dport)
		return;
	if (d->uport == sport) {
		d->uvotes++;
	} else if (!d->uvotes) {
		d->uport = sport;
		d->uvotes = 1;
		d->usrc = 0;
	} else {
		d->uvotes--;
		return;
	}
	d->usrc |= 1ULL << (hsrc >> 58);
}

static __always_inline void account_dst(struct xs_global *g, __u32 region, __u32 tag,
					struct xs_pkt *p, __u64 len, int refl, __u64 hsrc,
					__u32 slice)
{
	struct xs_dst *d = dst_slot(g, region, tag, &p->dst, xs_hash_addr(&p->dst));
	__u32 b = (slice & (XS_SLICES - 1)) * XS_B_MAX + burst_kind(p);
	int established;

	if (!d) {
		g->cnt[XS_N_DST_FULL]++;
		return;
	}
	d->pkts++;
	d->bytes += len;
	/* Bound for the verifier: b indexes the burst counters. */
	if (b < XS_SLICES * XS_B_MAX && d->burst[b] != 0xffff)
		d->burst[b]++;
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
		else if ((p->tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == XS_TCP_ACK) {
			d->ack++;
			d->ack_bytes += len;
		}
		/* Who sends segments that only make sense inside a connection:
		 * established peers, or the sources of an out-of-state flood. */
		if (p->l4 && (p->tcp_flags & (XS_TCP_ACK | XS_TCP_RST)))
			xs_hll_add(d->hll_ack, hsrc);
		break;
	case IPPROTO_UDP:
		d->udp++;
		d->udp_bytes += len;
		if (refl) {
			d->refl_pkts++;
			d->refl_bytes += len;
		}
		if (p->l4)
			vote_udp_port(d, p, hsrc);
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

/* probe: the packet can be a probe (bpf/probe.h). Returns the source's
 * counters (NULL: the table is full). */
static __always_inline struct xs_src *account_src(struct xs_global *g, __u32 region, __u32 tag,
						  struct xs_pkt *p, __u64 len, __u64 hsrc,
						  int probe)
{
	struct xs_src *s = src_slot(g, region, tag, &p->src, hsrc);

	if (!s) {
		g->cnt[XS_N_SRC_FULL]++;
		return NULL;
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
		/* What a login dialog is made of: the client's turns. */
		if (p->pl_len)
			s->tcp_data++;
	} else if (p->l4 && ((p->icmp_type == ICMP_ECHO && p->proto == IPPROTO_ICMP) ||
			     (p->icmp_type == ICMPV6_ECHO_REQUEST && p->proto == IPPROTO_ICMPV6))) {
		s->icmp_echo++;
	}
	if (probe) {
		s->probes++;
		xs_hll_add(s->hll_dst, xs_hash_addr(&p->dst));
	}
	return s;
}

#endif /* XS_BPF_ACCOUNT_H */
