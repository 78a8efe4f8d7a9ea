/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Live-frames traffic generator: BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES runs bpf/xdp_gen.bpf.c, which turns each
 * repetition into the next frame of a plan (user/plan.h) and redirects it
 * out of an interface, at millions of frames per second, without a socket
 * or a qdisc. One call sends a chunk of distinct frames; pacing is done by
 * sleeping between chunks.
 */
#ifndef XS_GEN_H
#define XS_GEN_H

#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct xdp_gen_bpf;

struct xs_gen {
	struct xdp_gen_bpf *skel;
	int prog_fd, cfg_fd, tmpl_fd;
	int ifindex;
	int kinds;		/* room in the template map */
	char ifname[IF_NAMESIZE];
};

/* What a send did. */
struct xs_gen_report {
	uint64_t frames;		/* transmitted by the program */
	uint64_t bytes;
	double seconds;			/* wall time from first to last call */
	double start_unix;		/* when the first frame left (time to detect) */
	uint64_t tx_dropped;		/* the interface's tx_dropped, after - before
					 * (a veth counts nothing here: a peer that
					 * cannot take frames drops them unseen) */
	/* pcap only */
	uint64_t truncated;		/* longer than the MTU: cut to it */
	uint64_t skipped;		/* longer than the MTU (with skip), or runts */
	uint64_t read;			/* frames read from the file */
	bool interrupted;		/* stopped by *stop */
};

/* Loads the redirect program for ifname (in the caller's network
 * namespace), with room for XS_GEN_KINDS_MAX templates. Returns 0 or a
 * negative errno, logged. */
int xs_gen_open(struct xs_gen *g, const char *ifname);
/* The same with room for kinds templates (2 KiB each). */
int xs_gen_open_sized(struct xs_gen *g, const char *ifname, int kinds);

/* Frames of a capture loaded and sent together. */
#define XS_GEN_PCAP_BATCH 16384
void xs_gen_close(struct xs_gen *g);

/* Transmits count copies of the frame. Returns 0 or a negative errno. */
int xs_gen_send(struct xs_gen *g, const void *frame, size_t len, uint64_t count);

/* Loads a plan's templates and fields into the program. */
int xs_gen_load_plan(struct xs_gen *g, const struct xs_plan *p);
/* Transmits frames first..first+count-1 of the loaded plan, as fast as
 * possible, in one or more test runs. Returns 0 or a negative errno. */
int xs_gen_run(struct xs_gen *g, const struct xs_plan *p, uint64_t first, uint64_t count);

/* Computes frame n of the loaded plan with the program, without sending
 * it (a plain test run): what gen would send. Returns its length (out
 * holds cap bytes) or a negative errno; *verdict gets the XDP action. */
int xs_gen_frame(struct xs_gen *g, const struct xs_plan *p, uint64_t n, uint8_t *out, size_t cap,
		 int *verdict);

/* Transmits the whole plan at its rate (0: as fast as possible); stops
 * early when *stop becomes non-zero. Fills *r. */
int xs_gen_play(struct xs_gen *g, const struct xs_plan *p, volatile sig_atomic_t *stop,
		struct xs_gen_report *r);

enum xs_oversize { XS_OVERSIZE_TRUNCATE = 0, XS_OVERSIZE_SKIP };

/* Pushes an Ethernet capture (pcap or pcapng): speed 0 = as fast as
 * possible, 1 = the capture's own pace, x = x times faster. Frames longer
 * than the interface's MTU (plus Ethernet and VLAN headers) are truncated
 * or skipped; frames shorter than an Ethernet header are skipped. Returns
 * 0 or an xs_exit code (the problem logged). */
int xs_gen_pcap(struct xs_gen *g, const char *file, double speed, enum xs_oversize over,
		volatile sig_atomic_t *stop, struct xs_gen_report *r);

/* Frame length that fits the interface: 14 + 4 per VLAN tag + mtu. */
int xs_gen_fit_len(const uint8_t *frame, int len, int mtu);

#endif
