/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Live-frames traffic generator: BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES runs a program that redirects each
 * repetition of a frame out of an interface, at millions of frames per
 * second, without a socket or a qdisc.
 */
#ifndef XS_GEN_H
#define XS_GEN_H

#include <stddef.h>
#include <stdint.h>

struct xdp_gen_bpf;

struct xs_gen {
	struct xdp_gen_bpf *skel;
	int prog_fd;
	int ifindex;
};

/* Loads the redirect program for ifname (in the caller's network
 * namespace). Returns 0 or a negative errno, logged. */
int xs_gen_open(struct xs_gen *g, const char *ifname);
void xs_gen_close(struct xs_gen *g);

/* Transmits count copies of the frame. Returns 0 or a negative errno. */
int xs_gen_send(struct xs_gen *g, const void *frame, size_t len, uint64_t count);

#endif
