/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Builds Ethernet frames from a description: VLAN tags, IPv4 (options,
 * fragments) or IPv6 (extension headers), TCP/UDP/ICMP/ICMPv6, with valid
 * checksums. Used by the tests, the traffic generator and the synthetic
 * capture writer.
 */
#ifndef XS_PKTBUILD_H
#define XS_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>
#include "xs_abi.h"

#define XS_PKT_MAX 9216

struct xs_pkt_spec {
	uint8_t dmac[6], smac[6];
	int nvlan;
	uint16_t vlan_tpid[2];		/* 0x8100 or 0x88a8, outer first */
	uint16_t vlan_id[2];
	uint16_t ethertype;		/* 0 = from the address family */
	struct xs_addr src, dst;	/* IPv4-mapped for IPv4 */
	uint8_t proto;			/* IPPROTO_*; 0 = TCP */
	uint16_t sport, dport;		/* host order */
	uint8_t tcp_flags;
	uint32_t seq;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	uint8_t ipv4_opt_words;		/* IPv4 options, in 32-bit words (0..10) */
	uint16_t frag_offset;		/* fragment offset in 8-byte units */
	uint8_t more_frags;
	uint8_t frag_v6;		/* IPv6: add a fragment header */
	uint8_t ipv6_ext[8];		/* IPv6 extension headers, in order (0, 43, 60, 44) */
	int nipv6_ext;
	uint16_t payload;		/* bytes after the L4 header (or after IP for
					 * later fragments and other protocols) */
	uint8_t ttl;			/* 0 = 64 */
	/* Optional; zero keeps the defaults above. */
	uint32_t ack;			/* TCP acknowledgement number */
	uint16_t window;		/* TCP window; 0 = 64240 */
	uint16_t ip_id;			/* IPv4 identification; 0 = 0x1234 */
	uint8_t tcp_opt[40];		/* TCP options, raw bytes */
	uint8_t tcp_optlen;		/* a multiple of 4, <= 40 */
	const uint8_t *data;		/* payload bytes (payload of them); NULL = zeros */
};

/* Where the headers of a built frame start. */
struct xs_pkt_layout {
	uint16_t l3;			/* IP header */
	uint16_t l4;			/* L4 header (after IPv6 extension headers) */
	uint16_t data;			/* payload */
	uint16_t len;			/* frame length */
};

/* Writes the frame into buf; returns its length, or -1 if cap is too small
 * or the description is invalid. */
int xs_pkt_build(const struct xs_pkt_spec *s, uint8_t *buf, size_t cap);
/* The same, and fills *lay (may be NULL). */
int xs_pkt_build_layout(const struct xs_pkt_spec *s, uint8_t *buf, size_t cap,
			struct xs_pkt_layout *lay);

/* TCP options of a typical SYN (MSS, SACK permitted, timestamps, window
 * scale: 20 bytes); a SYN-ACK's are the same. Returns the length. */
int xs_pkt_tcp_syn_opts(uint8_t *opt, uint16_t mss, uint32_t tsval);

/* IP fragmentation of a built IPv4 or IPv6 packet (l3: offset of its IP
 * header, no IPv4 options or IPv6 extension headers): how many fragments
 * of at most mtu bytes of IP it needs (1 = fits, no fragmentation). */
int xs_pkt_frag_count(const uint8_t *pkt, int len, int l3, int mtu);
/* Writes fragment i (0-based) into out: the IP header with the fragment
 * offset and MF (IPv4), or a fragment header (IPv6, identification id),
 * then its share of the IP payload; only fragment 0 carries the L4 header.
 * Returns its length, or -1. */
int xs_pkt_fragment(const uint8_t *pkt, int len, int l3, int mtu, int i, uint32_t id,
		    uint8_t *out, size_t cap);

/* Convenience: a spec with the given addresses ("10.0.0.1" / "2001:db8::1"),
 * protocol and ports, default MACs. Returns -1 on a bad address. */
int xs_pkt_spec_init(struct xs_pkt_spec *s, const char *src, const char *dst, uint8_t proto,
		     uint16_t sport, uint16_t dport);

uint16_t xs_csum_fold(uint32_t sum);
uint32_t xs_csum_add(uint32_t sum, const void *data, size_t len);

#endif
