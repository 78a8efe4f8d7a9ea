/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What arrives on an interface, as the receiver's stack sees it: a libpcap
 * capture (an AF_PACKET socket) opened in a network namespace, so a test
 * can compare frames on the wire byte for byte with what it meant to send.
 * VLAN tags the stack strips on receive are put back, as tcpdump does.
 * An API without pcap types (<pcap/pcap.h> and <linux/bpf.h> cannot meet
 * in one file).
 */
#ifndef XS_RXCAP_H
#define XS_RXCAP_H

#include <stdint.h>

struct xs_rxcap;

/* Starts capturing frames received on ifname in namespace ns (ip netns
 * name), into a 64 MiB ring (16,000 frames). NULL, with a printed reason, on failure. */
struct xs_rxcap *xs_rxcap_open(const char *ns, const char *ifname);
/* The next frame: returns its length, with *data valid until the next
 * call; 0 when none came within timeout_ms; -1 on an error. */
int xs_rxcap_next(struct xs_rxcap *c, const uint8_t **data, int timeout_ms);
/* Frames the capture lost (its ring was full). */
unsigned int xs_rxcap_dropped(struct xs_rxcap *c);
void xs_rxcap_close(struct xs_rxcap *c);

#endif
