/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The traffic generator's userspace transmit paths (user/gen.c picks one):
 * frames are computed in userspace by xs_plan_frame(), the function the BPF
 * generator mirrors, written straight into a socket's transmit ring a batch
 * at a time, and sent with one syscall per batch. They need no live-frames
 * test run, which hardened kernels refuse.
 *   packet  AF_PACKET, a TPACKET_V2 TX ring with PACKET_QDISC_BYPASS
 *           (user/gen_packet.c)
 *   xdp     AF_XDP in copy mode, TX ring only, no XDP program
 *           (user/gen_xsk.c)
 * Both sockets are TX-only: they receive nothing.
 */
#ifndef XS_GEN_TX_H
#define XS_GEN_TX_H

#include <stdint.h>

#include "plan.h"

struct xs_gen_sock;

struct xs_gen_tx_ops {
	/* Opens the socket on the interface (in the caller's network
	 * namespace). Sends nothing: this is also the probe. Returns 0 or a
	 * negative errno; logs only at debug level (auto tries paths). */
	int (*open)(struct xs_gen_sock **s, const char *ifname, int ifindex);
	/* Sends frames first..first+count-1 of the plan (checked with
	 * xs_plan_check), in order, and returns once the kernel has taken
	 * every one of them. Returns 0 or a negative errno (logged). */
	int (*send)(struct xs_gen_sock *s, const struct xs_plan *p, uint64_t first, uint64_t count);
	void (*close)(struct xs_gen_sock *s);
	/* Since the socket opened: frames the driver refused that the
	 * kernel sent again (AF_PACKET retries a frame a full veth ring
	 * refused; the veth counts each refusal in tx_dropped although the
	 * frame arrives), and frames the path did not hand to the interface
	 * because it would drop them. NULL: none of either. */
	void (*counts)(struct xs_gen_sock *s, uint64_t *resent, uint64_t *dropped);
};

extern const struct xs_gen_tx_ops xs_gen_packet_ops;
extern const struct xs_gen_tx_ops xs_gen_xsk_ops;

#endif
