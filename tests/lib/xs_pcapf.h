/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * libpcap filter expressions ("tcp[tcpflags] == tcp-syn and dst port 80")
 * as an independent judge of frames in tests, behind an API without pcap
 * types (<pcap/pcap.h> and <linux/bpf.h> cannot meet in one file).
 */
#ifndef XS_PCAPF_H
#define XS_PCAPF_H

#include <stddef.h>
#include <stdint.h>

struct xs_pcapf;

/* Compiles expr for Ethernet frames; NULL (and a printed reason) if bad. */
struct xs_pcapf *xs_pcapf_new(const char *expr);
/* 1 if the frame matches, else 0. */
int xs_pcapf_match(struct xs_pcapf *f, const uint8_t *frame, size_t len);
void xs_pcapf_free(struct xs_pcapf *f);

#endif
