/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The one 64-bit mixing function, for the BPF programs and userspace. */
#ifndef XS_HASH_H
#define XS_HASH_H

#ifdef __bpf__
#define XS_HASH_INLINE static __always_inline
#else
#include <linux/types.h>
#define XS_HASH_INLINE static inline
#endif

/* MurmurHash3's 64-bit finaliser: a bijection that mixes every bit. */
XS_HASH_INLINE __u64 xs_mix64(__u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

#endif
