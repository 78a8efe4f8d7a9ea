/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * SipHash-2-4 of one 16-byte address, for the fleet's HyperLogLog
 * (docs/fleet.md): the XDP program hashes the sources of watched victims
 * with it, userspace hashes what new-flow events report, and both must give
 * the bits the fleet application and every other sensor give. The general
 * form (any length) is user/util/siphash.c; tests check that they agree.
 */
#ifndef XS_SIPHASH_H
#define XS_SIPHASH_H

#ifdef __bpf__
#define XS_SIP_INLINE static __always_inline
#else
#include <linux/types.h>
#define XS_SIP_INLINE static inline
#endif

/* BPF has no rotate instruction: this is three, and clang emits them. */
#define XS_SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define XS_SIP_ROUND(v0, v1, v2, v3)                                                               \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = XS_SIP_ROTL(v1, 13);                                                          \
		v1 ^= v0;                                                                          \
		v0 = XS_SIP_ROTL(v0, 32);                                                          \
		v2 += v3;                                                                          \
		v3 = XS_SIP_ROTL(v3, 16);                                                          \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = XS_SIP_ROTL(v3, 21);                                                          \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = XS_SIP_ROTL(v1, 17);                                                          \
		v1 ^= v2;                                                                          \
		v2 = XS_SIP_ROTL(v2, 32);                                                          \
	} while (0)

/* The 8 bytes at p as SipHash reads them: little-endian. */
XS_SIP_INLINE __u64 xs_sip_le64(const __u8 *p)
{
	__u64 v;

	__builtin_memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* SipHash-2-4 with key (k0, k1) of the 16 bytes at a. */
XS_SIP_INLINE __u64 xs_siphash16(__u64 k0, __u64 k1, const __u8 *a)
{
	__u64 v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
	__u64 v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
	__u64 m0 = xs_sip_le64(a), m1 = xs_sip_le64(a + 8);
	const __u64 last = 16ULL << 56;	/* the length; no tail bytes */

	v3 ^= m0;
	XS_SIP_ROUND(v0, v1, v2, v3);
	XS_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m0;
	v3 ^= m1;
	XS_SIP_ROUND(v0, v1, v2, v3);
	XS_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= m1;
	v3 ^= last;
	XS_SIP_ROUND(v0, v1, v2, v3);
	XS_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	XS_SIP_ROUND(v0, v1, v2, v3);
	XS_SIP_ROUND(v0, v1, v2, v3);
	XS_SIP_ROUND(v0, v1, v2, v3);
	XS_SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif
