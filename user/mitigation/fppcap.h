/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An alert's samples as a pcap (DIR/ALERT_ID.pcap, the packets' first
 * XS_FP_SNAP bytes with their length on the wire): what an operator opens
 * first to see an attack. Bounded: at most max_bytes per file, and at most
 * max_files such files in the directory (the oldest go first).
 */
#ifndef XS_FPPCAP_H
#define XS_FPPCAP_H

#include <stdbool.h>
#include <stdint.h>

struct xs_fppcap;

/* Opens DIR/ID.pcap (making DIR if needed), after removing the oldest
 * ALERT_ID.pcap files of DIR past max_files - 1. NULL on an error
 * (logged once per call). */
struct xs_fppcap *xs_fppcap_open(const char *dir, const char *id, uint64_t max_bytes,
				 uint32_t max_files);
/* One packet; ts in seconds since the epoch. Returns false once full. */
bool xs_fppcap_write(struct xs_fppcap *f, double ts, const uint8_t *data, uint32_t caplen,
		     uint32_t len);
void xs_fppcap_close(struct xs_fppcap *f);

#endif
