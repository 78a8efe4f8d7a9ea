// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * AF_XDP transmit path (libxdp's xsk API): a UMEM of frame buffers and a TX
 * ring on queue 0, in copy mode (XDP_COPY: any driver, a veth too), with no
 * RX ring and no XDP program (XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD), so the
 * socket only sends. Frames are computed into free UMEM buffers, their
 * descriptors queued, and a sendto() kick makes the kernel build an skb for
 * each and call the driver directly (no qdisc); the completion ring gives
 * the buffers back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <xdp/xsk.h>

#include "clock.h"
#include "gen_tx.h"
#include "log.h"

#define NFRAMES 2048		/* UMEM buffers = TX ring = completion ring */
#define FRAME_SIZE XS_GEN_FRAME_MAX
/* Linux 6.17: frames the kernel sends per kick (default 32). */
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9
#endif
#define KICK_BUDGET 512
#define BUSY_WAIT_MS 250
#define DRAIN_NS 5000000000ULL	/* frames queued must have left by then */

struct xs_gen_sock {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq;
	void *area;
	uint64_t free[NFRAMES];	/* addresses of free buffers */
	unsigned int nfree;
};

static void xsk_close(struct xs_gen_sock *s)
{
	if (!s)
		return;
	if (s->xsk)
		xsk_socket__delete(s->xsk);
	if (s->umem)
		xsk_umem__delete(s->umem);
	if (s->area)
		munmap(s->area, (size_t)NFRAMES * FRAME_SIZE);
	free(s);
}

static int xsk_open(struct xs_gen_sock **out, const char *ifname, int ifindex)
{
	struct xsk_umem_config ucfg = { .fill_size = NFRAMES, .comp_size = NFRAMES,
					.frame_size = FRAME_SIZE };
	struct xsk_socket_config cfg = { .tx_size = NFRAMES,
					 .libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
					 .bind_flags = XDP_COPY };
	struct xs_gen_sock *s = calloc(1, sizeof(*s));
	int budget = KICK_BUDGET, err, waited = 0;
	const char *step;
	unsigned int i;

	if (!s)
		return -ENOMEM;
	step = "mmap";
	s->area = mmap(NULL, (size_t)NFRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->area == MAP_FAILED) {
		s->area = NULL;
		err = -errno;
		goto fail;
	}
	step = "UMEM";
	err = xsk_umem__create(&s->umem, s->area, (uint64_t)NFRAMES * FRAME_SIZE, &s->fq, &s->cq,
			       &ucfg);
	if (err)
		goto fail;
	step = "socket";
	for (;;) {
		err = xsk_socket__create(&s->xsk, ifname, 0, s->umem, NULL, &s->tx, &cfg);
		if (err != -EBUSY || waited >= BUSY_WAIT_MS)
			break;
		/* The queue's last socket may still be on its way out (the
		 * kernel releases it from a work queue): wait a little. */
		usleep(1000);
		waited++;
	}
	if (waited)
		xs_dbg("AF_XDP on %s: queue 0 busy for %d ms", ifname, waited);
	if (err)
		goto fail;
	/* More frames per kick where the kernel allows it; 32 otherwise. */
	if (setsockopt(xsk_socket__fd(s->xsk), SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget,
		       sizeof(budget)))
		xs_dbg("AF_XDP on %s: 32 frames a kick (XDP_MAX_TX_SKB_BUDGET: %s)", ifname,
		       strerror(errno));
	for (i = 0; i < NFRAMES; i++)
		s->free[i] = (uint64_t)i * FRAME_SIZE;
	s->nfree = NFRAMES;
	*out = s;
	return 0;
fail:
	xs_dbg("AF_XDP on %s: %s: %s", ifname, step, strerror(-err));
	xsk_close(s);
	return err;
}

/* Takes back the buffers of frames the kernel has finished with. */
static void reap(struct xs_gen_sock *s)
{
	__u32 idx, n = xsk_ring_cons__peek(&s->cq, NFRAMES, &idx), i;

	for (i = 0; i < n; i++)
		s->free[s->nfree++] = *xsk_ring_cons__comp_addr(&s->cq, idx + i);
	xsk_ring_cons__release(&s->cq, n);
}

/* Makes the kernel send what the TX ring holds. A frame the driver
 * refused (a full veth ring) is completed unsent: the caller sees it in
 * the interface's tx_dropped, as with the other paths. */
static int kick(struct xs_gen_sock *s)
{
	if (sendto(xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
		return 0;
	if (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS || errno == EINTR)
		return 0;
	xs_err("AF_XDP send failed: %s", strerror(errno));
	return -errno;
}

static int xsk_send(struct xs_gen_sock *s, const struct xs_plan *p, uint64_t first,
		    uint64_t count)
{
	uint64_t deadline;
	int err;

	while (count) {
		__u32 idx, n = count < s->nfree ? (__u32)count : s->nfree, i;

		if (n)
			n = xsk_ring_prod__reserve(&s->tx, n, &idx);
		for (i = 0; i < n; i++) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&s->tx, idx + i);

			d->addr = s->free[--s->nfree];
			d->len = xs_plan_frame(p, first + i, xsk_umem__get_data(s->area, d->addr));
			d->options = 0;
		}
		if (n)
			xsk_ring_prod__submit(&s->tx, n);
		first += n;
		count -= n;
		err = kick(s);
		if (err)
			return err;
		reap(s);
	}
	/* Return once every frame has left (counts are exact at the end). */
	deadline = xs_mono_ns() + DRAIN_NS;
	while (s->nfree < NFRAMES) {
		err = kick(s);
		if (err)
			return err;
		reap(s);
		if (xs_mono_ns() > deadline) {
			xs_err("AF_XDP: %u frames not sent after %llu s", NFRAMES - s->nfree,
			       DRAIN_NS / 1000000000ULL);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

const struct xs_gen_tx_ops xs_gen_xsk_ops = {
	.open = xsk_open,
	.send = xsk_send,
	.close = xsk_close,
};
