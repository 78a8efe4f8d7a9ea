/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The fleet's HyperLogLog of the watched victims (docs/fleet.md): a packet
 * to one of the few destinations userspace watches adds its source,
 * SipHash-2-4 with the fleet's key, to this CPU's sketch of that victim in
 * the current generation. That is the only exact source of distinct
 * sources under a spoofed flood (new-flow events stop at their budget, the
 * per-destination HyperLogLog has 32 registers).
 *
 * The cost is kept off every other packet: with nothing watched, one load;
 * otherwise a bit test on the destination's bucket, and only on a hit the
 * address compares. A watched victim's packet from the source it saw last
 * (an established flow) is not hashed again.
 */
#ifndef XS_BPF_FLEET_H
#define XS_BPF_FLEET_H

#include "maps.h"
#include "parse.h"
#include "xs_siphash.h"

/* Key and watch lists, written by userspace (user/pipeline/fleet.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_fleet_ctl);
} xs_fleet_ctl SEC(".maps");

/* The sketches: CPUs x generations x XS_FLEET_WATCH, sized by the loader
 * (one entry when the fleet has no key: nothing is ever watched). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_fleet_hll);
} xs_fleet_hll SEC(".maps");

static __always_inline int fleet_addr_eq(const struct xs_addr *a, const struct xs_addr *b)
{
	__u64 a0, a1, b0, b1;

	__builtin_memcpy(&a0, &a->a[0], 8);
	__builtin_memcpy(&a1, &a->a[8], 8);
	__builtin_memcpy(&b0, &b->a[0], 8);
	__builtin_memcpy(&b1, &b->a[8], 8);
	return a0 == b0 && a1 == b1;
}

/* Register h mod 2^p takes rank ctz(h >> p) + 1 (64 - p + 1 for 0). No
 * ctz instruction in BPF, hence the binary search. */
static __always_inline void fleet_hll_add(__u8 *reg, __u64 h)
{
	__u64 w = h >> XS_FLEET_P;
	__u8 rank = 1;

	if (!w) {
		rank = 64 - XS_FLEET_P + 1;
	} else {
		if (!(w & 0xffffffffULL)) {
			rank += 32;
			w >>= 32;
		}
		if (!(w & 0xffff)) {
			rank += 16;
			w >>= 16;
		}
		if (!(w & 0xff)) {
			rank += 8;
			w >>= 8;
		}
		if (!(w & 0xf)) {
			rank += 4;
			w >>= 4;
		}
		if (!(w & 0x3)) {
			rank += 2;
			w >>= 2;
		}
		if (!(w & 0x1))
			rank += 1;
	}
	/* Bound for the verifier: the index is within the registers. */
	h &= XS_FLEET_REGS - 1;
	if (reg[h] < rank)
		reg[h] = rank;
}

/* region = cpu * XS_GENS + gen, as for the address tables. A subprogram,
 * not inlined: the SipHash rounds and the slot compares would otherwise
 * sit in the middle of everyone's path (measured: established TCP 80 ns
 * inlined, 76 without the call, whatever the fleet does). */
static __noinline void fleet_account(const struct xs_pkt *p, __u32 region, __u32 gen)
{
	struct xs_fleet_watch *w;
	struct xs_fleet_ctl *c;
	struct xs_fleet_hll *s;
	__u32 zero = 0, i, idx;
	__u64 f;

	c = bpf_map_lookup_elem(&xs_fleet_ctl, &zero);
	if (!c)
		return;
	w = &c->gen[gen & 1];
	f = *(volatile __u64 *)&w->filter;
	if (!f || !((f >> XS_FLEET_BUCKET(&p->dst)) & 1))
		return;
	for (i = 0; i < XS_FLEET_WATCH; i++)
		if (*(volatile __u8 *)&w->on[i] && fleet_addr_eq(&w->addr[i], &p->dst))
			break;
	if (i == XS_FLEET_WATCH)
		return;
	idx = region * XS_FLEET_WATCH + i;
	s = bpf_map_lookup_elem(&xs_fleet_hll, &idx);
	if (!s)
		return;
	if (s->have_last && fleet_addr_eq(&s->last, &p->src))
		return;
	fleet_hll_add(s->reg, xs_siphash16(c->k0, c->k1, p->src.a));
	s->last = p->src;
	s->have_last = 1;
}

#endif /* XS_BPF_FLEET_H */
