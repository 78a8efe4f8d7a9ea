/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The traffic generator's plan, shared by bpf/xdp_gen.bpf.c (which
 * transmits it with live-frames test runs) and user/gen/plan.c (which writes
 * the same frames to a capture). Frame n of a plan is a pure function of
 * the plan and n, computed the same way on both sides, so that what `gen`
 * sends is what `synth` writes.
 *
 * A plan is a sequence of units (a packet, a reflected reply and its
 * fragments, a TCP connection) of `unit` frames each. Frame n belongs to
 * unit idx = n / unit; its position n % unit selects a template frame
 * (a "kind"); then every field whose kind mask has that kind adds a value
 * drawn from idx to the template's field, and patches the checksums that
 * cover it (RFC 1624 incremental update).
 *
 * Like xs_abi.h: fixed-width types, explicit padding, sizes asserted.
 * xs_gen_value() is the one function both sides must compute identically,
 * so it lives here too.
 */
#ifndef XS_GEN_ABI_H
#define XS_GEN_ABI_H

#ifdef __bpf__
/* vmlinux.h provides __u8.. */
#else
#include <linux/types.h>
#endif
#include "xs_hash.h"

#define XS_GEN_FRAME_MAX 2048	/* bytes of one template frame */
#define XS_GEN_KINDS_MAX 1024	/* templates in a plan with a kind[] table */
#define XS_GEN_UNIT_MAX 1024	/* frames in one unit (kind[] table) */
#define XS_GEN_FIELDS_MAX 48

enum xs_gen_mode {
	XS_GV_SEQ = 0,	/* idx % span */
	XS_GV_RAND,	/* a hash of (seed, stream, idx), % span */
	XS_GV_PERM,	/* (idx % span * mult + add) % span: each value once per pass */
};

/* Checksum flags, one bit per csum[] slot: the slot is a UDP checksum,
 * where 0 means "none" (left alone) and a computed 0 is sent as 0xffff. */
#define XS_GEN_CSUM_UDP0 (1u << 0)
#define XS_GEN_CSUM_UDP1 (1u << 1)

struct xs_gen_field {
	__u16 off;		/* byte offset of the field in the frame */
	__u8 size;		/* 2 or 4 bytes, big-endian */
	__u8 mode;		/* enum xs_gen_mode */
	__u32 kinds;		/* bit k: applies to template k (k < 32) */
	__u32 span;		/* values 0..span-1 are added; 0 = 2^32 */
	__u32 stream;		/* RAND: fields with one stream draw one value */
	__u32 mult;		/* PERM: coprime with span */
	__u32 add;		/* PERM: start of the pass */
	__u16 csum[2];		/* offsets of checksums covering the field; 0 = none */
	__u8 csum_flags;	/* XS_GEN_CSUM_* */
	__u8 pad[3];
};
_Static_assert(sizeof(struct xs_gen_field) == 32, "xs_gen_field size");

/* Position p of a unit uses template p (kind[] unused, unit not limited
 * to XS_GEN_UNIT_MAX): a batch of captured frames, sent in order. */
#define XS_GEN_F_IDENTITY (1u << 0)

/* The plan (ARRAY, one entry). */
struct xs_gen_cfg {
	__u64 seed;
	__u32 unit;		/* frames per unit, 1..XS_GEN_UNIT_MAX */
	__u32 nfields;		/* <= XS_GEN_FIELDS_MAX */
	__u32 flags;		/* XS_GEN_F_* */
	__u32 pad;
	struct xs_gen_field f[XS_GEN_FIELDS_MAX];
	__u16 kind[XS_GEN_UNIT_MAX];	/* template of each position in a unit */
};
_Static_assert(sizeof(struct xs_gen_cfg) == 24 + 32 * XS_GEN_FIELDS_MAX + 2 * XS_GEN_UNIT_MAX,
	       "xs_gen_cfg size");

/* One template frame (ARRAY, one entry per kind). */
struct xs_gen_tmpl {
	__u32 len;		/* frame length, 14..XS_GEN_FRAME_MAX */
	__u32 pad;
	__u8 frame[XS_GEN_FRAME_MAX];
};
_Static_assert(sizeof(struct xs_gen_tmpl) == 8 + XS_GEN_FRAME_MAX, "xs_gen_tmpl size");

/* Generator state in the program's .bss, read and set by userspace. */
struct xs_gen_state {
	__u64 next;		/* index n of the next frame */
	__u64 errors;		/* frames aborted: bad plan or template */
};

#ifdef __bpf__
#define XS_GEN_INLINE static __always_inline
#else
#define XS_GEN_INLINE static inline __attribute__((always_inline))
#endif

/* The generator's mixing function is the project's one. */
#define xs_gen_mix64 xs_mix64

/* The value a field adds to its template for unit idx. */
XS_GEN_INLINE __u32 xs_gen_value(const struct xs_gen_field *f, __u64 seed, __u64 idx)
{
	__u64 span = f->span ? f->span : (1ULL << 32);
	__u64 x;

	switch (f->mode) {
	case XS_GV_RAND:
		x = xs_gen_mix64(seed + f->stream * 0x9e3779b97f4a7c15ULL +
				 idx * 0xd1b54a32d192ed03ULL);
		return (__u32)(x % span);
	case XS_GV_PERM:
		return (__u32)(((idx % span) * f->mult + f->add) % span);
	default:
		return (__u32)(idx % span);
	}
}

/* One's complement update of checksum hc (host order) for a 16-bit word
 * changing from old to new (RFC 1624, eqn. 3). */
XS_GEN_INLINE __u16 xs_gen_csum_update(__u16 hc, __u16 old, __u16 new)
{
	__u32 s = (__u16)~hc + (__u32)(__u16)~old + new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* A field of the template, big-endian, 2 or 4 bytes: both sides patch
 * frames with these (bpf/xdp_gen.bpf.c and user/gen/plan.c). */
XS_GEN_INLINE __u32 xs_gen_load_be(const __u8 *p, int size)
{
	return size == 4 ? (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3]
			 : (__u32)p[0] << 8 | p[1];
}

XS_GEN_INLINE void xs_gen_store_be(__u8 *p, __u32 v, int size)
{
	if (size == 4) {
		p[0] = v >> 24;
		p[1] = v >> 16;
		p[2] = v >> 8;
		p[3] = v;
	} else {
		p[0] = v >> 8;
		p[1] = v;
	}
}

#endif /* XS_GEN_ABI_H */
