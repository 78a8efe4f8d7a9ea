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

static __always_inline void account_evidence(const struct xs_pkt *p, __u64 len, __u32 flags,
					     __u64 hsrc)
{
	struct xs_watch_key k = {};
	struct xs_port_bitmap *bm;
	__u32 zero = 0, bit = hsrc & 0xffff;

	if (!(flags & XS_RT_WATCH_ANY))
		return;
	bm = bpf_map_lookup_elem(&xs_watch_srcs, &zero);
	if (!bm || !((bm->w[(bit >> 6) & (XS_PORT_BITMAP_WORDS - 1)] >> (bit & 63)) & 1))
		return;
	k.src = p->src;
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
