/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Hashing and HyperLogLog registers for the XDP program. */
#ifndef XS_SKETCH_H
#define XS_SKETCH_H

#include "xs_abi.h"
#include "xs_hash.h"

static __always_inline __u64 xs_hash_addr(const struct xs_addr *a)
{
	__u64 hi, lo;

	__builtin_memcpy(&hi, &a->a[0], 8);
	__builtin_memcpy(&lo, &a->a[8], 8);
	return xs_mix64(lo ^ xs_mix64(hi + 0x9e3779b97f4a7c15ULL));
}

/* Adds a hashed item: the low XS_HLL_BITS pick the register, the rank is
 * the number of trailing zeros of the rest plus one. No clz/ctz
 * instruction in BPF, hence the binary search. */
static __always_inline void xs_hll_add(__u8 *regs, __u64 h)
{
	__u32 idx = h & (XS_HLL_REGS - 1);
	__u64 rest = h >> XS_HLL_BITS;
	__u8 rank = 1, cur = regs[idx];

	/* The rank can only beat the register if rest's low `cur` bits are
	 * all zero: a repeated source (every packet of a flow) stops here. */
	if (rest & ((1ULL << (cur & 63)) - 1))
		return;
	if (!rest) {
		rank = 64 - XS_HLL_BITS + 1;
	} else {
		if (!(rest & 0xffffffffULL)) {
			rank += 32;
			rest >>= 32;
		}
		if (!(rest & 0xffff)) {
			rank += 16;
			rest >>= 16;
		}
		if (!(rest & 0xff)) {
			rank += 8;
			rest >>= 8;
		}
		if (!(rest & 0xf)) {
			rank += 4;
			rest >>= 4;
		}
		if (!(rest & 0x3)) {
			rank += 2;
			rest >>= 2;
		}
		if (!(rest & 0x1))
			rank += 1;
	}
	if (cur < rank)
		regs[idx] = rank;
}

#endif /* XS_SKETCH_H */
