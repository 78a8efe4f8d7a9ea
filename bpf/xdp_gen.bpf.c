// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Traffic generator: run with BPF_F_TEST_XDP_LIVE_FRAMES, each repetition
 * of the test frame becomes frame n of the plan in xs_gen_cfg (see
 * maps/xs_gen.h) and is redirected out of xs_gen_ifindex (the way
 * xdp-trafficgen works). Varying the frame here, not in userspace, is what
 * lets a spoofed flood or a scan leave at millions of frames per second:
 * one syscall sends a whole chunk of distinct frames.
 *
 * Live-frames mode recycles pages and does not restore their content, and
 * the receiving stack may edit a frame in place (it moves the MAC header
 * over a VLAN tag when it untags): so each run first rewrites the whole
 * frame from its template. Only the length is reset by the kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "xs_gen.h"

const volatile __u32 xs_gen_ifindex;

/* Frame counter and error count; userspace sets next before each run. */
struct xs_gen_state xs_gen_st;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_gen_cfg);
} xs_gen_cfg SEC(".maps");

/* Sized by userspace to the plan's number of kinds before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_gen_tmpl);
} xs_gen_tmpl SEC(".maps");

/* Adds the field's value for unit idx and patches its checksums.
 * Returns 0, or -1 if the field does not fit the frame. */
static __always_inline int apply_field(__u8 *data, __u8 *end, const struct xs_gen_field *f,
				       __u64 seed, __u64 idx)
{
	__u32 off = f->off, oldv, newv, add;
	int size = f->size == 4 ? 4 : 2, j;
	__u8 *p;

	/* Bound for the verifier: a constant range for the packet offset. */
	if (off > XS_GEN_FRAME_MAX - 4)
		return -1;
	p = data + off;
	add = xs_gen_value(f, seed, idx);
	if (size == 4) {
		if (p + 4 > end)
			return -1;
		oldv = xs_gen_load_be(p, 4);
		newv = oldv + add;
		xs_gen_store_be(p, newv, 4);
	} else {
		if (p + 2 > end)
			return -1;
		oldv = xs_gen_load_be(p, 2);
		newv = (oldv + add) & 0xffff;
		xs_gen_store_be(p, newv, 2);
	}
	if (newv == oldv)
		return 0;

	for (j = 0; j < 2; j++) {
		__u32 coff = f->csum[j];
		__u16 hc;
		__u8 *c;

		if (!coff || coff > XS_GEN_FRAME_MAX - 2)
			continue;
		c = data + coff;
		if (c + 2 > end)
			return -1;
		hc = xs_gen_load_be(c, 2);
		if (!hc && (f->csum_flags & (1u << j)))
			continue;	/* UDP without a checksum */
		if (size == 4) {
			hc = xs_gen_csum_update(hc, oldv >> 16, newv >> 16);
			hc = xs_gen_csum_update(hc, oldv & 0xffff, newv & 0xffff);
		} else {
			hc = xs_gen_csum_update(hc, oldv, newv);
		}
		if (!hc && (f->csum_flags & (1u << j)))
			hc = 0xffff;
		xs_gen_store_be(c, hc, 2);
	}
	return 0;
}

SEC("xdp")
int xdp_gen(struct xdp_md *ctx)
{
	struct xs_gen_tmpl *t;
	struct xs_gen_cfg *cfg;
	__u32 zero = 0, kind, len, cur, i;
	__u64 n, idx, unit, pos;
	__u8 *data, *end;

	cfg = bpf_map_lookup_elem(&xs_gen_cfg, &zero);
	if (!cfg)
		goto abort;
	n = xs_gen_st.next++;
	unit = cfg->unit;
	if (!unit)
		goto abort;
	idx = n / unit;
	pos = n % unit;
	if (cfg->flags & XS_GEN_F_IDENTITY) {
		kind = pos;
	} else {
		/* Bound for the verifier: pos indexes cfg->kind. The compiler
		 * may know pos < unit and drop a plain check; the empty asm
		 * hides that. */
		asm volatile("" : "+r"(pos));
		if (pos >= XS_GEN_UNIT_MAX)
			goto abort;
		kind = cfg->kind[pos];
	}
	t = bpf_map_lookup_elem(&xs_gen_tmpl, &kind);
	if (!t)
		goto abort;
	len = t->len;
	/* Bounds for the verifier: store_bytes needs 0 < len <= the value. */
	if (len < 14 || len > XS_GEN_FRAME_MAX)
		goto abort;
	cur = ctx->data_end - ctx->data;
	if (cur != len && bpf_xdp_adjust_tail(ctx, (int)len - (int)cur))
		goto abort;
	if (bpf_xdp_store_bytes(ctx, 0, t->frame, len))
		goto abort;

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	for (i = 0; i < XS_GEN_FIELDS_MAX; i++) {
		const struct xs_gen_field *f = &cfg->f[i];

		if (i >= cfg->nfields)
			break;
		if (kind >= 32 || !((f->kinds >> kind) & 1))
			continue;
		if (apply_field(data, end, f, cfg->seed, idx))
			goto abort;
	}
	return bpf_redirect(xs_gen_ifindex, 0);
abort:
	xs_gen_st.errors++;
	return XDP_ABORTED;
}

/* Drops its frame: a live-frames run of it tells whether the kernel allows
 * them (hardened kernels answer EPERM) without sending anything. */
SEC("xdp")
int xdp_gen_probe(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
