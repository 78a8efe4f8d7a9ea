/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A test-side frame decoder, written apart from the product's parser
 * (bpf/parse.h) and builder (user/pktbuild.c), so that tests of generated
 * frames do not trust the code they test.
 */
#ifndef XS_DECODE_H
#define XS_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "xs_abi.h"

struct xs_dec {
	int len;
	int nvlan;
	uint16_t vlan[2];
	bool v4, v6;
	struct xs_addr src, dst;	/* IPv4-mapped for IPv4 */
	uint16_t ip_id;			/* IPv4 */
	uint32_t frag_id;		/* IPv6 fragment header */
	uint16_t frag_off;		/* bytes */
	bool mf;			/* more fragments */
	bool frag;			/* a fragment (offset or MF) */
	uint8_t proto;			/* upper layer (past an IPv6 fragment header) */
	int l3, l4;			/* offsets */
	bool has_l4;			/* not a later fragment */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint8_t icmp_type;
	uint16_t icmp_id, icmp_seq;
	int data, data_len;		/* payload after the L4 header */
	bool ip_ok;			/* IPv4 header checksum (true for IPv6) */
	int l4_ok;			/* L4 checksum: 1 ok, 0 bad, -1 not checkable */
};

/* Returns 0, or -1 for a frame that is not Ethernet + IP. */
int xs_decode(const uint8_t *f, int len, struct xs_dec *d);
/* 1 if the checksum of the L4 bytes l4[0..n) (header and payload, checksum
 * included) is right for d's addresses and protocol. */
int xs_dec_l4_valid(const struct xs_dec *d, const uint8_t *l4, int n);
/* The address's last 32 bits, host order. */
uint32_t xs_dec_low32(const struct xs_addr *a);

#endif
