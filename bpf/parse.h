/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parser: a cursor and one parse_* function per header, each with a
 * bounds check before every read (the shape of xdp-tools'
 * parsing_helpers.h). Functions return the next protocol (>= 0) or
 * XS_ERR(reason) (< 0); only the entry point turns that into a class.
 */
#ifndef XS_PARSE_H
#define XS_PARSE_H

#include "xs_abi.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

#define IPPROTO_HOPOPTS 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_AH 51
#define IPPROTO_ICMPV6 58
#define IPPROTO_NONE 59
#define IPPROTO_DSTOPTS 60

#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

#define XS_ERR(reason) (-(int)(reason) - 1)
#define XS_ERR_REASON(ret) ((__u32)(-(ret) - 1))

enum xs_frag { XS_FRAG_NONE = 0, XS_FRAG_FIRST, XS_FRAG_LATER };

struct hdr_cursor {
	void *pos;
};

/* What the parser learnt about one packet. */
struct xs_pkt {
	struct xs_addr src;
	struct xs_addr dst;
	__be16 sport;		/* flow-key ports, see struct xs_flow_key */
	__be16 dport;
	__u8 cls;		/* enum xs_class */
	__u8 proto;		/* L4 protocol number */
	__u8 vlans;
	__u8 tcp_flags;
	__u8 frag;		/* enum xs_frag */
	__u8 l4;		/* 1 if an L4 header was parsed */
	__u8 icmp_type;
	__u8 pad;
	__u16 l4_len;		/* bytes after the IP header(s), from its length field */
	__u16 pl_off;		/* TCP/UDP payload: offset from the frame's start */
	__u16 pl_len;		/* and length, from the IP length (padding excluded) */
	__u16 pad2;
};

static __always_inline void addr_from_v4(struct xs_addr *a, __be32 v4)
{
	__builtin_memset(a->a, 0, 10);
	a->a[10] = 0xff;
	a->a[11] = 0xff;
	__builtin_memcpy(&a->a[12], &v4, 4);
}

static __always_inline int parse_ethhdr(struct hdr_cursor *c, void *end, struct xs_pkt *p)
{
	struct ethhdr *eth = c->pos;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > end)
		return XS_ERR(XS_E_ETH_TRUNC);
	c->pos = eth + 1;
	proto = bpf_ntohs(eth->h_proto);

	/* Named bound: at most XS_VLAN_MAX_DEPTH tags (802.1Q or 802.1ad). */
#pragma unroll
	for (i = 0; i < XS_VLAN_MAX_DEPTH; i++) {
		struct vlan_hdr *vh = c->pos;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if ((void *)(vh + 1) > end)
			return XS_ERR(XS_E_VLAN_TRUNC);
		proto = bpf_ntohs(vh->h_vlan_encapsulated_proto);
		c->pos = vh + 1;
		p->vlans++;
	}
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD)
		return XS_ERR(XS_E_VLAN_DEPTH);
	return proto;
}

static __always_inline int parse_iphdr(struct hdr_cursor *c, void *end, struct xs_pkt *p)
{
	struct iphdr *iph = c->pos;
	__u32 hlen;
	__u16 frag;

	if ((void *)(iph + 1) > end)
		return XS_ERR(XS_E_IPV4_TRUNC);
	if (iph->version != 4 || iph->ihl < 5)
		return XS_ERR(XS_E_IPV4_HDR);
	hlen = iph->ihl * 4;
	/* Options: the whole IHL must be in the frame. */
	if (c->pos + hlen > end)
		return XS_ERR(XS_E_IPV4_TRUNC);
	if (bpf_ntohs(iph->tot_len) < hlen)
		return XS_ERR(XS_E_IPV4_HDR);

	addr_from_v4(&p->src, iph->saddr);
	addr_from_v4(&p->dst, iph->daddr);
	p->l4_len = bpf_ntohs(iph->tot_len) - hlen;
	c->pos += hlen;

	frag = bpf_ntohs(iph->frag_off);
	if (frag & IP_OFFSET)
		p->frag = XS_FRAG_LATER;
	else if (frag & IP_MF)
		p->frag = XS_FRAG_FIRST;
	return iph->protocol;
}

/* Walks up to XS_IPV6_EXT_MAX extension headers; returns the upper-layer
 * protocol, or the fragment header's next header for a later fragment. */
static __always_inline int parse_ipv6hdr(struct hdr_cursor *c, void *end, struct xs_pkt *p)
{
	struct ipv6hdr *ip6h = c->pos;
	__u8 nexthdr;
	int i;

	if ((void *)(ip6h + 1) > end)
		return XS_ERR(XS_E_IPV6_TRUNC);
	if (ip6h->version != 6)
		return XS_ERR(XS_E_IPV6_HDR);
	__builtin_memcpy(p->src.a, &ip6h->saddr, 16);
	__builtin_memcpy(p->dst.a, &ip6h->daddr, 16);
	c->pos = ip6h + 1;
	nexthdr = ip6h->nexthdr;
	/* Less what the extension headers take, once walked (parse_packet). */
	p->l4_len = bpf_ntohs(ip6h->payload_len);

#pragma unroll
	for (i = 0; i < XS_IPV6_EXT_MAX; i++) {
		struct ipv6_opt_hdr *oh = c->pos;
		struct frag_hdr *fh = c->pos;

		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if ((void *)(oh + 1) > end)
				return XS_ERR(XS_E_IPV6_EXT_TRUNC);
			nexthdr = oh->nexthdr;
			c->pos += (oh->hdrlen + 1) * 8;
			if (c->pos > end)	/* its length runs past the frame */
				return XS_ERR(XS_E_IPV6_EXT_TRUNC);
			break;
		case IPPROTO_AH:
			if ((void *)(oh + 1) > end)
				return XS_ERR(XS_E_IPV6_EXT_TRUNC);
			nexthdr = oh->nexthdr;
			c->pos += (oh->hdrlen + 2) * 4;
			if (c->pos > end)
				return XS_ERR(XS_E_IPV6_EXT_TRUNC);
			break;
		case IPPROTO_FRAGMENT:
			if ((void *)(fh + 1) > end)
				return XS_ERR(XS_E_IPV6_EXT_TRUNC);
			nexthdr = fh->nexthdr;
			c->pos = fh + 1;
			if (bpf_ntohs(fh->frag_off) & 0xFFF8) {
				p->frag = XS_FRAG_LATER;
				return nexthdr;
			}
			p->frag = XS_FRAG_FIRST;
			break;
		default:
			return nexthdr;
		}
	}
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_FRAGMENT:
		return XS_ERR(XS_E_IPV6_EXT_DEPTH);
	}
	return nexthdr;
}

static __always_inline int parse_tcphdr(struct hdr_cursor *c, void *end, struct xs_pkt *p)
{
	struct tcphdr *th = c->pos;
	__u32 hlen;

	if ((void *)(th + 1) > end)
		return XS_ERR(XS_E_TCP_TRUNC);
	if (th->doff < 5)
		return XS_ERR(XS_E_TCP_HDR);
	hlen = th->doff * 4;
	if (c->pos + hlen > end)
		return XS_ERR(XS_E_TCP_TRUNC);
	p->sport = th->source;
	p->dport = th->dest;
	/* Flags byte (offset 13): CWR ECE URG ACK PSH RST SYN FIN. */
	p->tcp_flags = ((__u8 *)th)[13];
	p->pl_len = p->l4_len > hlen ? p->l4_len - hlen : 0;
	c->pos += hlen;
	return 0;
}

static __always_inline int parse_udphdr(struct hdr_cursor *c, void *end, struct xs_pkt *p)
{
	struct udphdr *uh = c->pos;

	if ((void *)(uh + 1) > end)
		return XS_ERR(XS_E_UDP_TRUNC);
	p->sport = uh->source;
	p->dport = uh->dest;
	p->pl_len = p->l4_len > sizeof(*uh) ? p->l4_len - sizeof(*uh) : 0;
	c->pos = uh + 1;
	return 0;
}

/* ICMP and ICMPv6 share the first 8 bytes: type, code, checksum, then the
 * echo identifier and sequence. Flow "ports": type<<8|code, echo id. */
static __always_inline int parse_icmp(struct hdr_cursor *c, void *end, struct xs_pkt *p,
				      __u8 echo_req, __u8 echo_rep, int trunc_err)
{
	__u8 *h = c->pos;

	if ((void *)(h + 8) > end)
		return trunc_err;
	p->icmp_type = h[0];
	p->sport = bpf_htons((__u16)h[0] << 8 | h[1]);
	if (h[0] == echo_req || h[0] == echo_rep)
		p->dport = *(__be16 *)(h + 4);
	return 0;
}

/* The whole packet: sets p->cls (and p->l4 when the transport header was
 * read). Returns 0 or XS_ERR(reason). */
static __always_inline int parse_packet(void *data, void *end, struct xs_pkt *p)
{
	struct hdr_cursor c = { .pos = data };
	int proto, ret;
	__u64 ext;

	proto = parse_ethhdr(&c, end, p);
	if (proto < 0)
		return proto;

	if (proto == ETH_P_IP) {
		proto = parse_iphdr(&c, end, p);
		if (proto < 0)
			return proto;
		p->proto = proto;
		if (p->frag == XS_FRAG_LATER) {
			p->cls = XS_C_IPV4_FRAG;
			return 0;
		}
		switch (proto) {
		case IPPROTO_TCP:
			p->cls = XS_C_IPV4_TCP;
			ret = parse_tcphdr(&c, end, p);
			break;
		case IPPROTO_UDP:
			p->cls = XS_C_IPV4_UDP;
			ret = parse_udphdr(&c, end, p);
			break;
		case IPPROTO_ICMP:
			p->cls = XS_C_IPV4_ICMP;
			ret = parse_icmp(&c, end, p, ICMP_ECHO, ICMP_ECHOREPLY,
					 XS_ERR(XS_E_ICMP_TRUNC));
			break;
		default:
			p->cls = XS_C_IPV4_OTHER;
			return 0;
		}
	} else if (proto == ETH_P_IPV6) {
		void *l3 = c.pos;

		proto = parse_ipv6hdr(&c, end, p);
		if (proto < 0)
			return proto;
		p->proto = proto;
		/* The payload length covers the extension headers walked. */
		ext = c.pos - l3 - sizeof(struct ipv6hdr);
		p->l4_len = p->l4_len > ext ? p->l4_len - ext : 0;
		if (p->frag == XS_FRAG_LATER) {
			p->cls = XS_C_IPV6_FRAG;
			return 0;
		}
		switch (proto) {
		case IPPROTO_TCP:
			p->cls = XS_C_IPV6_TCP;
			ret = parse_tcphdr(&c, end, p);
			break;
		case IPPROTO_UDP:
			p->cls = XS_C_IPV6_UDP;
			ret = parse_udphdr(&c, end, p);
			break;
		case IPPROTO_ICMPV6:
			p->cls = XS_C_IPV6_ICMP;
			ret = parse_icmp(&c, end, p, ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY,
					 XS_ERR(XS_E_ICMP6_TRUNC));
			break;
		default:
			p->cls = XS_C_IPV6_OTHER;
			return 0;
		}
	} else {
		p->cls = proto == ETH_P_ARP ? XS_C_ARP : XS_C_OTHER_L2;
		return 0;
	}
	if (ret < 0)
		return ret;
	p->l4 = 1;
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP)
		p->pl_off = (__u16)(c.pos - data);
	return 0;
}

#endif /* XS_PARSE_H */
