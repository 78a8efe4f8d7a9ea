// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp_gen.skel.h"
#include "gen.h"
#include "log.h"

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

int xs_gen_open(struct xs_gen *g, const char *ifname)
{
	int err;

	memset(g, 0, sizeof(*g));
	g->ifindex = if_nametoindex(ifname);
	if (!g->ifindex) {
		xs_err("unknown interface '%s'", ifname);
		return -ENODEV;
	}
	g->skel = xdp_gen_bpf__open();
	if (!g->skel)
		return -errno;
	g->skel->rodata->xs_gen_ifindex = g->ifindex;
	err = xdp_gen_bpf__load(g->skel);
	if (err) {
		xs_err("cannot load the generator program: %s", strerror(-err));
		xdp_gen_bpf__destroy(g->skel);
		g->skel = NULL;
		return err;
	}
	g->prog_fd = bpf_program__fd(g->skel->progs.xdp_gen);
	return 0;
}

void xs_gen_close(struct xs_gen *g)
{
	xdp_gen_bpf__destroy(g->skel);
	memset(g, 0, sizeof(*g));
}

int xs_gen_send(struct xs_gen *g, const void *frame, size_t len, uint64_t count)
{
	struct {
		__u32 len;
		__u8 head[64];
	} tmpl = { .len = len < 64 ? len : 64 };
	__u32 zero = 0;

	memcpy(tmpl.head, frame, tmpl.len);
	if (bpf_map_update_elem(bpf_map__fd(g->skel->maps.xs_gen_tmpl), &zero, &tmpl, BPF_ANY))
		return -errno;
	while (count) {
		/* repeat is an int: send in chunks. */
		uint64_t n = count > (1u << 30) ? (1u << 30) : count;
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
				    .repeat = (int)n, .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
				    .batch_size = 64);
		int err = bpf_prog_test_run_opts(g->prog_fd, &opts);

		if (err) {
			xs_err("live-frames test run failed: %s", strerror(errno));
			return -errno;
		}
		count -= n;
	}
	return 0;
}
