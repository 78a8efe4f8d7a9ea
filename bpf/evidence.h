/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Evidence that a source is real (issue 13): for the service pairs
 * userspace watches (alert candidates), what the source sends in them:
 * handshakes completed (ACK without SYN or RST) and data, which a spoofer
 * cannot produce without seeing the answers. A rule blocks only a source
 * with such evidence in the attack's flows. Sources not watched pay one
 * flag test; watched ones (bitmap hit) one hash lookup per key shape.
 */
#ifndef XS_BPF_EVIDENCE_H
#define XS_BPF_EVIDENCE_H

#include "maps.h"
#include "parse.h"
#include "sketch.h"

static __always_inline int is_v4(const struct xs_addr *a)
{
	__u32 w[3];

	__builtin_memcpy(w, a->a, 12);
	return !w[0] && !w[1] && w[2] == bpf_htonl(0xffff);
}

static __always_inline void watch_add(struct xs_watch_key *k, const struct xs_pkt *p, __u64 len)
{
	struct xs_watch_val *v = bpf_map_lookup_elem(&xs_watch, k);

	if (!v)
		return;
	v->pkts++;	/* per CPU: no atomics */
	v->bytes += len;
	if (p->l4 && p->proto == IPPROTO_TCP) {
		if ((p->tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == XS_TCP_SYN)
			v->syn++;
		else if ((p->tcp_flags & (XS_TCP_ACK | XS_TCP_SYN | XS_TCP_RST)) == XS_TCP_ACK)
			v->ack++;
		if (p->data)
			v->data++;
	}
}

/* An IPv6 source under its /plen (the key the engine counts it by). */
static __always_inline void mask_v6(struct xs_addr *a, __u32 plen)
{
	__u64 hi, lo;

	__builtin_memcpy(&hi, &a->a[0], 8);
	__builtin_memcpy(&lo, &a->a[8], 8);
	/* Network byte order in memory: the mask is built big-endian. */
	if (plen <= 64) {
		lo = 0;
		hi &= plen ? bpf_cpu_to_be64(~0ULL << (64 - plen)) : 0;
	} else {
		lo &= bpf_cpu_to_be64(~0ULL << (128 - plen));
	}
	__builtin_memcpy(&a->a[0], &hi, 8);
	__builtin_memcpy(&a->a[8], &lo, 8);
}

static __always_inline void account_evidence(const struct xs_pkt *p, __u64 len, __u32 flags,
					     __u64 hsrc)
{
	struct xs_watch_key k = {};
	struct xs_port_bitmap *bm;
	__u32 zero = 0, bit, plen = (flags & XS_RT_SRC6_MASK) >> XS_RT_SRC6_SHIFT;

	if (!(flags & XS_RT_WATCH_ANY))
		return;
	k.src = p->src;
	if (plen && plen < 128 && !is_v4(&p->src)) {
		mask_v6(&k.src, plen);
		hsrc = xs_hash_addr(&k.src);	/* only while something is watched */
	}
	bit = hsrc & 0xffff;
	bm = bpf_map_lookup_elem(&xs_watch_srcs, &zero);
	if (!bm || !((bm->w[(bit >> 6) & (XS_PORT_BITMAP_WORDS - 1)] >> (bit & 63)) & 1))
		return;
	if (flags & XS_RT_WATCH_PAIR) {
		k.dst = p->dst;
		watch_add(&k, p, len);
	}
	if (!p->ports)
		return;
	k.dport = p->dport;
	k.proto = p->proto;
	if (flags & XS_RT_WATCH_EXACT) {
		k.dst = p->dst;
		watch_add(&k, p, len);
	}
	if (flags & XS_RT_WATCH_SVC) {
		__builtin_memset(&k.dst, 0, sizeof(k.dst));
		watch_add(&k, p, len);
	}
}

#endif /* XS_BPF_EVIDENCE_H */
