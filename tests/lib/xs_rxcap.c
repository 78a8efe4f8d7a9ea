// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <pcap/pcap.h>

#include "xs_rxcap.h"

#define RING_BYTES (64 << 20)
#define POLL_MS 20
/* More than any frame a test sends; libpcap sizes each ring slot for it. */
#define SNAPLEN 4096

struct xs_rxcap {
	pcap_t *pc;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct xs_rxcap *xs_rxcap_open(const char *ns, const char *ifname)
{
	char err[PCAP_ERRBUF_SIZE] = "", path[256];
	int old = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd;
	struct xs_rxcap *c = calloc(1, sizeof(*c));

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!c || old < 0 || fd < 0 || setns(fd, CLONE_NEWNET)) {
		printf("\n  capture: cannot enter namespace %s", ns);
		goto fail;
	}
	/* The socket stays bound to the interface of that namespace. */
	c->pc = pcap_create(ifname, err);
	if (!c->pc || pcap_set_snaplen(c->pc, SNAPLEN) || pcap_set_immediate_mode(c->pc, 1) ||
	    pcap_set_buffer_size(c->pc, RING_BYTES) || pcap_set_timeout(c->pc, POLL_MS) ||
	    pcap_activate(c->pc) < 0 || pcap_setdirection(c->pc, PCAP_D_IN) ||
	    pcap_setnonblock(c->pc, 1, err) ||
	    pcap_datalink(c->pc) != DLT_EN10MB) {
		printf("\n  capture on %s: %s", ifname, c->pc ? pcap_geterr(c->pc) : err);
		goto fail;
	}
	setns(old, CLONE_NEWNET);
	close(old);
	close(fd);
	return c;
fail:
	if (old >= 0) {
		setns(old, CLONE_NEWNET);
		close(old);
	}
	if (fd >= 0)
		close(fd);
	xs_rxcap_close(c);
	return NULL;
}

int xs_rxcap_next(struct xs_rxcap *c, const uint8_t **data, int timeout_ms)
{
	double end = now_ms() + timeout_ms;
	struct pcap_pkthdr *h;
	const u_char *d;

	for (;;) {
		struct pollfd p = { .fd = pcap_get_selectable_fd(c->pc), .events = POLLIN };
		int r = pcap_next_ex(c->pc, &h, &d);

		if (r == 1) {
			*data = d;
			return (int)h->caplen;
		}
		if (r < 0)
			return -1;
		if (now_ms() >= end)
			return 0;
		poll(&p, 1, POLL_MS);
	}
}

unsigned int xs_rxcap_dropped(struct xs_rxcap *c)
{
	struct pcap_stat st;

	if (pcap_stats(c->pc, &st))
		return ~0u;
	return st.ps_drop;
}

void xs_rxcap_close(struct xs_rxcap *c)
{
	if (!c)
		return;
	if (c->pc)
		pcap_close(c->pc);
	free(c);
}
