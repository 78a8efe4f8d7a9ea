/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Hashing shared by the BPF programs and userspace.
 *
 * xs_mix64: a public bijection, for what an attacker cannot steer (the
 * generator's pseudo-random fields).
 *
 * SipHash-1-3 (Aumasson and Bernstein; the variant Python and Rust use for
 * hash tables): a keyed pseudo-random function, for every table and sketch
 * fed by addresses an attacker chooses. Without the key nobody can compute
 * which inputs share a bucket or raise a HyperLogLog register, which a
 * fixed, invertible hash gives away (issue 13: 40,000 crafted IPv6 sources
 * in one probe run). Inputs are little-endian 64-bit words, as in the
 * reference implementation on a little-endian host; the word count is
 * fixed per call site, so no tail handling is needed here.
 */
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

/* A 128-bit SipHash key. */
struct xs_sipkey {
	__u64 k0, k1;
};

struct xs_sip {
	__u64 v0, v1, v2, v3;
};

#define XS_SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

XS_HASH_INLINE void xs_sip_round(struct xs_sip *s)
{
	s->v0 += s->v1;
	s->v1 = XS_SIP_ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = XS_SIP_ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = XS_SIP_ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = XS_SIP_ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = XS_SIP_ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = XS_SIP_ROTL(s->v2, 32);
}

XS_HASH_INLINE void xs_sip_init(struct xs_sip *s, __u64 k0, __u64 k1)
{
	s->v0 = k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k1 ^ 0x7465646279746573ULL;
}

/* One message word, c = 1 compression round. */
XS_HASH_INLINE void xs_sip_word(struct xs_sip *s, __u64 m)
{
	s->v3 ^= m;
	xs_sip_round(s);
	s->v0 ^= m;
}

/* The last block (the length in its top byte, tail bytes below), then
 * d = 3 finalisation rounds. */
XS_HASH_INLINE __u64 xs_sip_final(struct xs_sip *s, __u64 last)
{
	xs_sip_word(s, last);
	s->v2 ^= 0xff;
	xs_sip_round(s);
	xs_sip_round(s);
	xs_sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* SipHash-1-3 of 16 bytes (an address: its two little-endian words). */
XS_HASH_INLINE __u64 xs_sip_2w(__u64 k0, __u64 k1, __u64 w0, __u64 w1)
{
	struct xs_sip s;

	xs_sip_init(&s, k0, k1);
	xs_sip_word(&s, w0);
	xs_sip_word(&s, w1);
	return xs_sip_final(&s, 16ULL << 56);
}

/* SipHash-1-3 of 8 bytes. */
XS_HASH_INLINE __u64 xs_sip_1w(__u64 k0, __u64 k1, __u64 w0)
{
	struct xs_sip s;

	xs_sip_init(&s, k0, k1);
	xs_sip_word(&s, w0);
	return xs_sip_final(&s, 8ULL << 56);
}

/* SipHash-1-3 of 40 bytes (a flow key). */
XS_HASH_INLINE __u64 xs_sip_5w(__u64 k0, __u64 k1, const __u64 *w)
{
	struct xs_sip s;

	xs_sip_init(&s, k0, k1);
	xs_sip_word(&s, w[0]);
	xs_sip_word(&s, w[1]);
	xs_sip_word(&s, w[2]);
	xs_sip_word(&s, w[3]);
	xs_sip_word(&s, w[4]);
	return xs_sip_final(&s, 40ULL << 56);
}

#endif
