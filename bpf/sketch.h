/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Hashing and HyperLogLog registers for the XDP program. Every hash here
 * is SipHash-1-3 under the instance's key (xs_hkey0/1, maps.h): what an
 * attacker sends cannot pick a table slot, a probe sequence or a sketch
 * register (issue 13).
 */
#ifndef XS_SKETCH_H
#define XS_SKETCH_H

#include "xs_abi.h"
#include "xs_hash.h"
#include "maps.h"

/* An address: table slots, probe sequences, the distinct-source sketch. */
static __always_inline __u64 xs_hash_addr(const struct xs_addr *a)
{
	__u64 w0, w1;

	__builtin_memcpy(&w0, &a->a[0], 8);
	__builtin_memcpy(&w1, &a->a[8], 8);
	return xs_sip_2w(xs_hkey0, xs_hkey1, w0, w1);
}

/* A flow, from its addresses' hashes (already computed for the address
 * tables) and its key's last word (struct xs_flow_key: ports, protocol;
 * flow_ports() in account.h): one 16-byte SipHash instead of a 40-byte
 * one. Its low half picks the flow table's bucket, its high half is the
 * fingerprint kept there (bpf/flowtab.h). Two flows share a value only if
 * their addresses' keyed hashes or the SipHash collide. */
static __always_inline __u64 xs_hash_flow(__u64 hsrc, __u64 hdst, __u64 ports)
{
	return xs_sip_2w(xs_hkey0, xs_hkey1, hsrc ^ ((hdst << 32) | (hdst >> 32)), ports);
}

/* A port, for the distinct-port sketch. */
static __always_inline __u64 xs_hash_port(__be16 port)
{
	return xs_sip_1w(xs_hkey0, xs_hkey1, port);
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
