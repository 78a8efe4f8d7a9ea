// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * AF_PACKET transmit path: a TPACKET_V2 TX ring. Frames are computed into
 * the ring's slots, then one send() hands the whole batch to the kernel,
 * which builds an skb per slot and, with PACKET_QDISC_BYPASS, calls the
 * driver directly. Into a veth, the peer's XDP program then runs in the
 * softirq that follows each frame, on the sending CPU.
 *
 * Each slot starts with a zeroed virtio_net_hdr (PACKET_VNET_HDR): it asks
 * for no offload, and it lifts the packet layer's MTU check, which refuses
 * a frame longer than MTU + 14 unless its outer tag is 802.1Q (a QinQ frame
 * at the MTU) and logs a kernel error for one longer than MTU + 18. The
 * generator cuts frames to the MTU itself (xs_gen_fit_len); what the
 * driver cannot carry it drops and counts (tx_dropped), as it does for the
 * live-frames path. But a frame the driver refuses is not dropped: the
 * kernel sends it again on the next send(). That is what a full veth ring
 * needs (backpressure, no loss), and what a frame the interface can never
 * take must not meet: a frame longer than MTU + 18 bytes (what a veth, and
 * most drivers, accept: a QinQ frame cut to MTU + 22) is not sent, and
 * counted as dropped, as the veth counts it on the other paths.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "clock.h"
#include "gen_tx.h"
#include "log.h"

#define RING_FRAMES 1024	/* slots; a batch is at most this */
#define SLOT_SIZE 4096		/* header, vnet header and XS_GEN_FRAME_MAX bytes */
#define DATA_OFF (TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))
#define VNET_LEN sizeof(struct virtio_net_hdr)
#define STUCK_NS 5000000000ULL	/* a frame refused this long: give up */

_Static_assert(DATA_OFF + VNET_LEN + XS_GEN_FRAME_MAX <= SLOT_SIZE, "a frame fits its slot");

struct xs_gen_sock {
	int fd;
	uint8_t *ring;
	unsigned int head;	/* next slot to fill: the kernel's head too */
	int max_len;		/* longest frame the interface takes */
	uint64_t resent;	/* refusals (ENOBUFS): the frame is sent again */
	uint64_t dropped;	/* longer than max_len: not sent */
};

static struct tpacket2_hdr *slot(struct xs_gen_sock *s, unsigned int i)
{
	return (struct tpacket2_hdr *)(s->ring + (size_t)(i % RING_FRAMES) * SLOT_SIZE);
}

static void packet_close(struct xs_gen_sock *s)
{
	if (!s)
		return;
	if (s->ring)
		munmap(s->ring, (size_t)RING_FRAMES * SLOT_SIZE);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

static int packet_open(struct xs_gen_sock **out, const char *ifname, int ifindex)
{
	struct tpacket_req req = { .tp_block_size = SLOT_SIZE, .tp_block_nr = RING_FRAMES,
				   .tp_frame_size = SLOT_SIZE, .tp_frame_nr = RING_FRAMES };
	/* Protocol 0: the socket receives nothing. */
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };
	int v2 = TPACKET_V2, one = 1, err;
	struct ifreq ifr = {};
	struct xs_gen_sock *s = calloc(1, sizeof(*s));
	const char *step;

	if (!s)
		return -ENOMEM;
	s->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	step = "socket";
	if (s->fd < 0)
		goto fail;
	step = "PACKET_VERSION";
	if (setsockopt(s->fd, SOL_PACKET, PACKET_VERSION, &v2, sizeof(v2)))
		goto fail;
	step = "PACKET_QDISC_BYPASS";
	if (setsockopt(s->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		goto fail;
	step = "PACKET_VNET_HDR";
	if (setsockopt(s->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)))
		goto fail;
	step = "PACKET_TX_RING";
	if (setsockopt(s->fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)))
		goto fail;
	step = "mmap";
	s->ring = mmap(NULL, (size_t)RING_FRAMES * SLOT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       s->fd, 0);
	if (s->ring == MAP_FAILED) {
		s->ring = NULL;
		goto fail;
	}
	step = "bind";
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto fail;
	step = "SIOCGIFMTU";
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s->fd, SIOCGIFMTU, &ifr))
		goto fail;
	s->max_len = ifr.ifr_mtu + 14 + 4;	/* Ethernet header, one tag */
	*out = s;
	return 0;
fail:
	err = -errno;
	xs_dbg("AF_PACKET on %s: %s: %s", ifname, step, strerror(-err));
	packet_close(s);
	return err;
}

/* Hands slots [from, from + n) to the kernel and waits until it has taken
 * them all. A frame the driver refused (a full veth ring: ENOBUFS) stays
 * queued and the kernel tries it again on the next send(): backpressure,
 * not loss. */
static int flush(struct xs_gen_sock *s, unsigned int from, unsigned int n)
{
	unsigned int done = 0, was;
	uint64_t since = xs_mono_ns();

	while (done < n) {
		ssize_t r = send(s->fd, NULL, 0, 0);
		unsigned int st;

		if (r < 0 && errno == ENOBUFS)
			s->resent++;	/* send() stops at the one refused frame */
		else if (r < 0 && errno != EAGAIN && errno != EINTR) {
			int err = -errno;

			xs_err("AF_PACKET send failed: %s", strerror(-err));
			return err;
		}
		was = done;
		while (done < n) {
			st = __atomic_load_n(&slot(s, from + done)->tp_status, __ATOMIC_ACQUIRE);
			if (st == TP_STATUS_WRONG_FORMAT) {
				xs_err("AF_PACKET refused frame %u of a batch (%u bytes)", done,
				       slot(s, from + done)->tp_len - (unsigned int)VNET_LEN);
				return -EINVAL;
			}
			if (st != TP_STATUS_AVAILABLE)
				break;
			done++;
		}
		if (done > was) {
			since = xs_mono_ns();
		} else if (xs_mono_ns() - since > STUCK_NS) {
			xs_err("AF_PACKET: the interface has refused a %u-byte frame for %llu s",
			       slot(s, from + done)->tp_len - (unsigned int)VNET_LEN,
			       STUCK_NS / 1000000000ULL);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

static int packet_send(struct xs_gen_sock *s, const struct xs_plan *p, uint64_t first,
		       uint64_t count)
{
	while (count) {
		unsigned int n = count < RING_FRAMES ? (unsigned int)count : RING_FRAMES, i, k = 0;
		int err;

		/* Every slot is free: the previous flush waited for them. */
		for (i = 0; i < n; i++) {
			struct tpacket2_hdr *h = slot(s, s->head + k);
			uint8_t *data = (uint8_t *)h + DATA_OFF;
			struct virtio_net_hdr *v = (struct virtio_net_hdr *)data;
			int len = xs_plan_frame(p, first + i, data + VNET_LEN);

			if (len > s->max_len) {
				s->dropped++;
				continue;
			}
			memset(v, 0, VNET_LEN);	/* VIRTIO_NET_HDR_GSO_NONE, no csum */
			/* The whole frame into the skb's head: faster than page frags. */
			v->hdr_len = len;
			h->tp_len = VNET_LEN + len;
			__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
			k++;
		}
		err = flush(s, s->head, k);
		if (err)
			return err;
		s->head = (s->head + k) % RING_FRAMES;
		first += n;
		count -= n;
	}
	return 0;
}

static void packet_counts(struct xs_gen_sock *s, uint64_t *resent, uint64_t *dropped)
{
	*resent = s->resent;
	*dropped = s->dropped;
}

const struct xs_gen_tx_ops xs_gen_packet_ops = {
	.open = packet_open,
	.send = packet_send,
	.close = packet_close,
	.counts = packet_counts,
};
