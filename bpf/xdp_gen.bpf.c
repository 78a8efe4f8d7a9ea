// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Traffic generator: run with BPF_F_TEST_XDP_LIVE_FRAMES, each repetition
 * of the test frame is redirected out of xs_gen_ifindex (the way
 * xdp-trafficgen works).
 *
 * Live-frames mode recycles pages and does not restore their content,
 * and the receiving stack may edit a frame in place (it moves the MAC
 * header over a VLAN tag when it untags): so each run first rewrites the
 * frame's head from the template in xs_gen_tmpl.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define XS_GEN_HEAD 64

struct xs_gen_tmpl {
	__u32 len;		/* bytes of head to restore, <= XS_GEN_HEAD */
	__u8 head[XS_GEN_HEAD];
};

const volatile __u32 xs_gen_ifindex;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_gen_tmpl);
} xs_gen_tmpl SEC(".maps");

SEC("xdp")
int xdp_gen(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	__u8 *data_end = (void *)(long)ctx->data_end;
	struct xs_gen_tmpl *t;
	__u32 zero = 0, i;

	t = bpf_map_lookup_elem(&xs_gen_tmpl, &zero);
	if (!t)
		return XDP_ABORTED;
	for (i = 0; i < XS_GEN_HEAD; i++) {
		if (i >= t->len || data + i + 1 > data_end)
			break;
		data[i] = t->head[i];
	}
	return bpf_redirect(xs_gen_ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
