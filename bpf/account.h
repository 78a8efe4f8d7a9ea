/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Per-address accounting: this CPU's region of the per-destination and
 * per-source tables of the current generation (a bucket of slots per
 * address hash, one cache line of fingerprints; see struct xs_tbucket), and
 * the reflector ports that mark UDP replies.
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

/* The bucket of a hash in a table of nb buckets: the high half of the
 * product of its low 32 bits and nb (any nb, no modulo); the high 32 bits
 * are the fingerprint. */
static __always_inline __u32 bucket_of(__u64 h, __u32 nb)
{
	return ((h & 0xffffffffULL) * nb) >> 32;
}

/* Finds key's slot in this CPU's region of the table, or claims a free one
 * in its bucket: one cache line read (struct xs_tbucket) before the slot.
 * Only this CPU writes its region (XDP does not preempt itself), hence no
 * atomics. A claimed slot's value is zeroed up to `zero` bytes (a source's
 * SIP part is zeroed lazily: struct xs_src). NULL when the bucket's
 * XS_TABLE_WAYS slots hold other keys (the region is too full there), or
 * when the key is not there and claim is 0. */
#define TABLE_LOOKUP(name, slot_t, tab, tags, list, nbuckets, used_cnt, zero)                  \
	static __always_inline slot_t *name(struct xs_global *g, __u32 region,                  \
					    const struct xs_addr *key, __u64 h, int claim)      \
	{                                                                                      \
		__u32 nb = nbuckets, b = bucket_of(h, nb), fp = h >> 32, t = region * nb + b;  \
		__u32 i, n, idx;                                                               \
		struct xs_tbucket *bk = bpf_map_lookup_elem(&tags, &t);                        \
		slot_t *s;                                                                     \
		__u64 *l;                                                                      \
                                                                                               \
		if (!bk)                                                                       \
			return NULL;                                                           \
		n = bk->n;                                                                     \
		for (i = 0; i < XS_TABLE_WAYS && i < n; i++) {                                 \
			if (bk->fp[i] != fp)                                                   \
				continue;                                                      \
			idx = t * XS_TABLE_WAYS + i;                                           \
			s = bpf_map_lookup_elem(&tab, &idx);                                   \
			if (s && addr_eq(&s->key, key))                                        \
				return s;                                                      \
		}                                                                              \
		/* Bound for the verifier: n indexes fp[]. */                                  \
		if (!claim || n >= XS_TABLE_WAYS)                                              \
			return NULL;                                                           \
		idx = t * XS_TABLE_WAYS + n;                                                   \
		s = bpf_map_lookup_elem(&tab, &idx);                                           \
		if (!s)                                                                        \
			return NULL;                                                           \
		s->key = *key;                                                                 \
		/* After the key: a source's last flow too, then the value. */               \
		__builtin_memset((char *)s + sizeof(s->key), 0,                                \
				 __builtin_offsetof(slot_t, v) - sizeof(s->key) + (zero));      \
		bk->fp[n] = fp;                                                                \
		bk->n = n + 1;                                                                 \
		g->cnt[used_cnt]++;                                                            \
		if (n)                                                                         \
			return s;                                                              \
		/* The bucket's first slot this generation: listed for the drain. */          \
		idx = region * (nb + 1);                                                       \
		l = bpf_map_lookup_elem(&list, &idx);                                          \
		if (!l)                                                                        \
			return s;                                                              \
		idx += 1 + (__u32)*l;                                                          \
		(*l)++;                                                                        \
		l = bpf_map_lookup_elem(&list, &idx);                                          \
		if (l)                                                                         \
			*l = b;                                                                \
		return s;                                                                      \
	}

TABLE_LOOKUP(dst_slot, struct xs_dst_slot, xs_dtab, xs_dtags, xs_dlist, xs_dst_buckets,
	     XS_N_DST_USED, sizeof(struct xs_dst))
TABLE_LOOKUP(src_slot, struct xs_src_slot, xs_stab, xs_stags, xs_slist, xs_src_buckets,
	     XS_N_SRC_USED, XS_SRC_ZERO)

/* Source admission. A spoofed flood brings a new source with every packet:
 * each would claim a slot in a cold part of the source table (two cache
 * lines written, a third for the drain's list), fill the table for every
 * other destination, and spend the tick's new-flow events. Once a
 * destination's packets have added rt->admit_after sources to this CPU's
 * table in this tick, a source the table does not know yet is added only
 * if its keyed hash is in the sample (1 in 2^admit_shift: the same sources
 * every tick, which the attacker cannot choose without the key). Sources
 * already in the table are still found and counted exactly, and so is
 * everything per destination; what is left out is counted, per
 * destination (unadmitted) and globally (XS_N_SRC_UNADMITTED). */
static __always_inline int admit_src(const struct xs_runtime *rt, const struct xs_dst_slot *ds,
				     __u64 hsrc)
{
	__u32 after = rt->admit_after;

	if (!ds || !after || ds->v.new_src < after)
		return 1;
	return !((hsrc >> 40) & ((1u << (rt->admit_shift & 15)) - 1));
}

/* The flow key's last word (ports, protocol): with the destination's hash,
 * what a source's slot remembers of its last flow. Never 0 for a packet
 * with L4 ports (the protocol is not 0). */
static __always_inline __u64 flow_ports(const struct xs_pkt *p)
{
	return (__u64)p->sport | (__u64)p->dport << 16 | (__u64)p->proto << 32;
}

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

/* A destination's counters. hll: the packet may add a source or a port to
 * its sketches (not for a connection's later segments, nor for the repeats
 * of a flow its source's slot remembers: they were added already). */
static __always_inline void account_dst(struct xs_global *g, struct xs_dst_slot *ds,
					struct xs_pkt *p, __u64 len, int refl, __u64 hsrc, int hll,
					__u32 slice)
{
	__u32 b = (slice & (XS_SLICES - 1)) * XS_B_MAX + burst_kind(p);
	struct xs_dst *d;

	if (!ds) {
		g->cnt[XS_N_DST_FULL]++;
		return;
	}
	d = &ds->v;
	d->pkts++;
	d->bytes += len;
	/* Bound for the verifier: b indexes the burst counters. */
	if (b < XS_SLICES * XS_B_MAX && d->burst[b] != 0xffff)
		d->burst[b]++;
	if (hll)
		xs_hll_add(d->hll_src, hsrc);
	/* Malformed: its addresses count, its L4 header could not be read. */
	if (p->cls == XS_C_MALFORMED)
		return;
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
	if (!p->ports)
		return;	/* a tiny fragment without them */
	d->dport_sample = bpf_ntohs(p->dport);
	if (hll)
		xs_hll_add(d->hll_dport, xs_hash_port(p->dport));
}

/* probe: the packet can be a probe (bpf/probe.h); hdst: its destination's
 * hash. Returns the source's counters (NULL: the table is full). */
static __always_inline struct xs_src *account_src(struct xs_global *g, struct xs_src_slot *ss,
						  struct xs_pkt *p, __u64 len, int probe,
						  __u64 hdst)
{
	struct xs_src *s;

	if (!ss) {
		g->cnt[XS_N_SRC_FULL]++;
		return NULL;
	}
	s = &ss->v;
	s->pkts++;
	s->bytes += len;
	if (p->tiny || p->overlap)
		s->frag_evasion++;
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
		xs_hll_add(s->hll_dst, hdst);
	}
	return s;
}

#endif /* XS_BPF_ACCOUNT_H */
