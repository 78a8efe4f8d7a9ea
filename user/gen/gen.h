/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Traffic generator: frame n of a plan (user/plan.h) is a pure function of
 * the plan and n, and one of several transmit paths sends frames
 * first..first+count-1 of it:
 *   live    BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES runs
 *           bpf/xdp_gen.bpf.c, which turns each repetition into the next
 *           frame and redirects it out of the interface: millions of frames
 *           a second, no socket, no qdisc. Hardened kernels refuse it (EPERM).
 *   packet  AF_PACKET TX ring, frames computed in userspace (gen_packet.c)
 *   xdp     AF_XDP in copy mode, frames computed in userspace (gen_xsk.c)
 * Each path sends identical frames. Pacing (xs_gen_play, xs_gen_pcap) is
 * the same for all: a call per frame up to a rate, chunks above it.
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
struct xs_gen_sock;
struct xs_gen_tx_ops;

/* Transmit paths; auto picks the fastest that works here. */
enum xs_gen_tx { XS_TX_AUTO = 0, XS_TX_LIVE, XS_TX_PACKET, XS_TX_XDP, XS_TX_N };

struct xs_gen {
	enum xs_gen_tx tx;	/* the path in use (auto: none, xs_gen_open_prog) */
	int ifindex;
	int kinds;		/* templates a plan may have */
	char ifname[IF_NAMESIZE];
	/* live path, and xs_gen_frame(): the generator program */
	struct xdp_gen_bpf *skel;
	int prog_fd, cfg_fd, tmpl_fd;
	/* packet and xdp paths (user/gen_tx.h) */
	const struct xs_gen_tx_ops *ops;
	struct xs_gen_sock *sock;
};

/* "auto", "live", "packet", "xdp". */
const char *xs_gen_tx_name(enum xs_gen_tx tx);
/* Parses one of those names. Returns 0, or -1 if unknown. */
int xs_gen_tx_parse(const char *s, enum xs_gen_tx *tx);
/* Whether the path works on ifname here, found out without sending a
 * frame (live: a live-frames run of a program that drops its frame).
 * Returns 0 or a negative errno (EPERM: live-frames runs refused). With
 * XS_GEN_DENY_LIVE=1 in the environment, live-frames runs fail with EPERM,
 * as on kernels that refuse them; with XS_GEN_DENY_XDP=1, AF_XDP sockets
 * with EAFNOSUPPORT, as on kernels without them (for tests). */
int xs_gen_tx_probe(const char *ifname, enum xs_gen_tx tx);

/* What a send did. */
struct xs_gen_report {
	uint64_t frames;		/* handed to the interface, in order */
	uint64_t bytes;
	double seconds;			/* wall time from first to last call */
	double start_unix;		/* when the first frame left (time to detect) */
	enum xs_gen_tx tx;		/* the path that sent */
	double late_s;			/* how long after the plan's (or the
					 * capture's) schedule the last frame left */
	bool behind;			/* late_s beyond jitter: the path could
					 * not keep the asked rate or speed */
	uint64_t tx_dropped;		/* frames the interface dropped: its
					 * tx_dropped, after - before, less the
					 * refusals the path sent again, plus
					 * frames the path held back because the
					 * interface would drop them */
	uint64_t tx_retried;		/* refused by the interface, sent again
					 * (packet path: a full veth ring) */
	/* pcap only */
	uint64_t truncated;		/* longer than the MTU: cut to it */
	uint64_t skipped;		/* longer than the MTU (with skip), or runts */
	uint64_t read;			/* frames read from the file */
	bool interrupted;		/* stopped by *stop */
};

/* Opens transmit path tx on ifname (in the caller's network namespace)
 * for plans of up to kinds templates (2 KiB each in the live program's
 * map). auto tries live, then xdp, then packet, quietly, and takes the
 * first that works. Returns 0 or a negative errno, logged. */
int xs_gen_open_tx(struct xs_gen *g, const char *ifname, int kinds, enum xs_gen_tx tx);
/* Loads the generator program only, for xs_gen_frame() (plain test runs,
 * which kernels that refuse live frames allow): no transmit path, nothing
 * can be sent. */
int xs_gen_open_prog(struct xs_gen *g, const char *ifname, int kinds);
/* auto, with room for XS_GEN_KINDS_MAX templates. */
int xs_gen_open(struct xs_gen *g, const char *ifname);
/* auto, with room for kinds templates. */
int xs_gen_open_sized(struct xs_gen *g, const char *ifname, int kinds);

/* Frames of a capture loaded and sent together. */
#define XS_GEN_PCAP_BATCH 16384
void xs_gen_close(struct xs_gen *g);

/* Transmits count copies of the frame. Returns 0 or a negative errno. */
int xs_gen_send(struct xs_gen *g, const void *frame, size_t len, uint64_t count);

/* Loads a plan's templates and fields into the program (live path), or
 * checks it (the others). */
int xs_gen_load_plan(struct xs_gen *g, const struct xs_plan *p);
/* Transmits frames first..first+count-1 of the loaded plan, as fast as
 * possible. Returns 0 or a negative errno. */
int xs_gen_run(struct xs_gen *g, const struct xs_plan *p, uint64_t first, uint64_t count);

/* Computes frame n of the loaded plan with the program, without sending
 * it (a plain test run, which kernels that refuse live frames allow): what
 * the live path sends. Loads the program if the path in use does not need
 * it. Returns its length (out holds cap bytes) or a negative errno;
 * *verdict gets the XDP action. */
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
