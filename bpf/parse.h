/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parser: a cursor and one parse_* function per header, each with a
 * bounds check before every read (the shape of xdp-tools'
 * parsing_helpers.h). Functions return the next protocol (>= 0) or
 * XS_ERR(reason) (< 0); only the entry point turns that into a class.
 *
 * Hostile input (issue 13): the addresses are kept as soon as they are
 * read, so that an error further in (an L4 header cut short, an extension
 * header chain run past the frame) still leaves the packet to mitigation
 * and per-address accounting (p->addrs); the IPv6 extension header walk
 * goes as deep as the frame; and a first fragment too short for its L4
 * header (reassembly evasion: `nmap -f`) is told apart from a truncated
 * frame by the IP length, and parsed as far as it goes.
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
/* parse_ipv6hdr: the header chain runs past a first fragment's end. */
#define XS_CHAIN_SPLIT (-1000)

enum xs_frag { XS_FRAG_NONE = 0, XS_FRAG_FIRST, XS_FRAG_LATER };

/* pos and off move together: pos for reads (checked against the frame's
 * end), off for arithmetic on lengths. ip_end: offset where the IP
 * packet ends by its own length (beyond the frame when the frame is cut;
 * before it when Ethernet padding follows). */
struct hdr_cursor {
	void *pos;
	__u32 off;
	__u32 ip_end;
	__u32 len;		/* the frame's length */
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
	__u8 l4;		/* 1 if the L4 header (ports, TCP flags) was read */
	__u8 icmp_type;
	__u8 addrs;		/* 1 once the IP addresses are read */
	__u8 ports;		/* 1 if sport/dport were read (l4, or a tiny fragment) */
	__u8 tiny;		/* a first fragment too short for its L4 header */
	__u8 overlap;		/* a later fragment overwriting the TCP header */
	__u8 data;		/* TCP segment with payload */
	__u8 refl;		/* UDP from a reflector port (set by the entry point) */
	__u8 pad[3];
	__u32 len;		/* the frame's length */
	__u16 pl_off;		/* TCP/UDP payload: offset from the frame's start */
	__u16 pl_len;		/* and length, by the IP length (padding excluded) */
};

static __always_inline void cur_skip(struct hdr_cursor *c, __u32 n)
{
	c->pos += n;
	c->off += n;
}

/* Bytes of the IP packet left from the cursor, by the IP length. */
static __always_inline __u32 ip_left(const struct hdr_cursor *c)
{
	return c->ip_end > c->off ? c->ip_end - c->off : 0;
}

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
	cur_skip(c, sizeof(*eth));
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
		cur_skip(c, sizeof(*vh));
		p->vlans++;
	}
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD)
		return XS_ERR(XS_E_VLAN_DEPTH);
	return proto;
}

static __always_inline int parse_iphdr(struct hdr_cursor *c, void *end, struct xs_pkt *p)
{
	struct iphdr *iph = c->pos;
	__u32 hlen, tot;
	__u16 frag;

	if ((void *)(iph + 1) > end)
		return XS_ERR(XS_E_IPV4_TRUNC);
	if (iph->version != 4 || iph->ihl < 5)
		return XS_ERR(XS_E_IPV4_HDR);
	hlen = iph->ihl * 4;
	/* Options: the whole IHL must be in the frame. */
	if (c->pos + hlen > end)
		return XS_ERR(XS_E_IPV4_TRUNC);
	tot = bpf_ntohs(iph->tot_len);
	if (tot < hlen)
		return XS_ERR(XS_E_IPV4_HDR);

	addr_from_v4(&p->src, iph->saddr);
	addr_from_v4(&p->dst, iph->daddr);
	p->addrs = 1;
	c->ip_end = c->off + tot;
	cur_skip(c, hlen);

	frag = bpf_ntohs(iph->frag_off);
	if (frag & IP_OFFSET) {
		p->frag = XS_FRAG_LATER;
		/* Offset 8 of a TCP packet: rewrites the first fragment's
		 * flags and more (RFC 1858, section 3.2). */
		p->overlap = (frag & IP_OFFSET) == 1 && iph->protocol == IPPROTO_TCP;
	} else if (frag & IP_MF) {
		p->frag = XS_FRAG_FIRST;
	}
	return iph->protocol;
}

static __always_inline int is_ext_hdr(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_AH || nexthdr == IPPROTO_FRAGMENT;
}

/* The state of an IPv6 extension header walk (bpf_loop's context). */
struct ext_walk {
	struct xdp_md *ctx;
	__u32 off;		/* the next header, from the frame's start */
	__u32 end;		/* where the headers must end: frame or IP length */
	__u8 nexthdr;
	__u8 frag;		/* enum xs_frag */
	__u8 overlap;
	__u8 done;		/* 1: nexthdr is the upper layer */
	int err;		/* XS_ERR(...) or 0 */
};

/* One extension header; returns 1 to stop the walk. */
static long ext_step(__u32 i, void *arg)
{
	struct ext_walk *w = arg;
	void *data = (void *)(long)w->ctx->data;
	void *end = (void *)(long)w->ctx->data_end;
	__u32 off = w->off;
	struct ipv6_opt_hdr *oh;
	struct frag_hdr *fh;
	__u16 fo;

	if (!is_ext_hdr(w->nexthdr)) {
		w->done = 1;
		return 1;
	}
	/* Bound for the verifier: no frame is longer. */
	if (off > XS_FRAME_MAX) {
		w->err = XS_ERR(XS_E_IPV6_EXT_TRUNC);
		return 1;
	}
	oh = data + off;
	fh = data + off;
	if ((void *)(oh + 1) > end || off + sizeof(*oh) > w->end) {
		w->err = XS_ERR(XS_E_IPV6_EXT_TRUNC);
		return 1;
	}
	switch (w->nexthdr) {
	case IPPROTO_FRAGMENT:
		if ((void *)(fh + 1) > end || off + sizeof(*fh) > w->end) {
			w->err = XS_ERR(XS_E_IPV6_EXT_TRUNC);
			return 1;
		}
		w->nexthdr = fh->nexthdr;
		w->off = off + sizeof(*fh);
		fo = bpf_ntohs(fh->frag_off);
		if (fo & 0xFFF8) {
			/* A later fragment: what follows is payload. */
			w->frag = XS_FRAG_LATER;
			w->overlap = (fo >> 3) == 1 && fh->nexthdr == IPPROTO_TCP;
			w->done = 1;
			return 1;
		}
		if (fo & 1)	/* M: more fragments */
			w->frag = XS_FRAG_FIRST;
		return 0;
	case IPPROTO_AH:
		w->nexthdr = oh->nexthdr;
		w->off = off + (oh->hdrlen + 2) * 4;
		break;
	default:	/* hop-by-hop, routing, destination options */
		w->nexthdr = oh->nexthdr;
		w->off = off + (oh->hdrlen + 1) * 8;
		break;
	}
	/* Its length runs past the frame (or the IP packet): what follows
	 * cannot be read. */
	if (w->off > w->end) {
		w->err = XS_ERR(XS_E_IPV6_EXT_TRUNC);
		return 1;
	}
	return 0;
}

static __always_inline int is_v4mapped(const struct in6_addr *a)
{
	return !a->in6_u.u6_addr32[0] && !a->in6_u.u6_addr32[1] &&
	       a->in6_u.u6_addr32[2] == bpf_htonl(0xffff);
}

/* Walks the extension headers as deep as the frame goes; returns the
 * upper-layer protocol (or the fragment header's next header for a later
 * fragment). */
static __always_inline int parse_ipv6hdr(struct xdp_md *ctx, struct hdr_cursor *c, void *end,
					 struct xs_pkt *p)
{
	struct ipv6hdr *ip6h = c->pos;
	struct ext_walk w = {};
	__u32 plen;

	if ((void *)(ip6h + 1) > end)
		return XS_ERR(XS_E_IPV6_TRUNC);
	if (ip6h->version != 6)
		return XS_ERR(XS_E_IPV6_HDR);
	/* Would be counted against the IPv4 host of the same number. */
	if (is_v4mapped(&ip6h->saddr) || is_v4mapped(&ip6h->daddr))
		return XS_ERR(XS_E_IPV6_V4MAPPED);
	__builtin_memcpy(p->src.a, &ip6h->saddr, 16);
	__builtin_memcpy(p->dst.a, &ip6h->daddr, 16);
	p->addrs = 1;
	plen = bpf_ntohs(ip6h->payload_len);
	/* 0: a jumbogram (RFC 2675), as long as the frame. */
	c->ip_end = c->off + sizeof(*ip6h) + (plen ? plen : 0xffff);
	cur_skip(c, sizeof(*ip6h));
	if (!is_ext_hdr(ip6h->nexthdr))
		return ip6h->nexthdr;	/* the common case: no loop at all */

	w.ctx = ctx;
	w.off = c->off;
	w.end = c->ip_end < c->len ? c->ip_end : c->len;
	w.nexthdr = ip6h->nexthdr;
	bpf_loop(XS_IPV6_EXT_MAX, ext_step, &w, 0);
	p->frag = w.frag;
	p->overlap = w.overlap;
	if (w.err) {
		/* The chain runs past the end of a first fragment that the
		 * frame holds whole: split across fragments (RFC 7112 forbids
		 * it; evasion), not cut short. */
		if (w.frag == XS_FRAG_FIRST && c->ip_end <= c->len) {
			p->tiny = 1;
			p->proto = w.nexthdr;
			return XS_CHAIN_SPLIT;
		}
		return w.err;
	}
	if (!w.done)	/* more headers than fit in any frame */
		return XS_ERR(XS_E_IPV6_EXT_DEPTH);
	/* Bound for the verifier: the walk stopped inside the frame. */
	if (w.off > XS_FRAME_MAX)
		return XS_ERR(XS_E_IPV6_EXT_TRUNC);
	c->pos = (void *)(long)ctx->data + w.off;
	c->off = w.off;
	return w.nexthdr;
}

/* A first fragment that cannot hold the L4 header's minimum (min): a
 * reassembly evasion (RFC 1858, RFC 3128). What it carries is read: the
 * ports from 4 bytes on, TCP flags from 14. */
static __always_inline int parse_tiny(struct hdr_cursor *c, void *end, struct xs_pkt *p,
				      __u32 avail)
{
	__u8 *h = c->pos;

	p->tiny = 1;
	if (avail >= 4 && (void *)(h + 4) <= end) {
		__builtin_memcpy(&p->sport, h, 2);
		__builtin_memcpy(&p->dport, h + 2, 2);
		p->ports = 1;
	}
	if (p->proto == IPPROTO_TCP && avail >= 14 && (void *)(h + 14) <= end) {
		p->tcp_flags = h[13];
		p->l4 = 1;	/* ports and flags: what the rest needs */
	}
	return 0;
}

static __always_inline int parse_tcphdr(struct hdr_cursor *c, void *end, struct xs_pkt *p)
{
	struct tcphdr *th = c->pos;
	__u32 avail = ip_left(c), hlen;

	if (p->frag == XS_FRAG_FIRST && avail < sizeof(*th))
		return parse_tiny(c, end, p, avail);
	if ((void *)(th + 1) > end || avail < sizeof(*th))
		return XS_ERR(XS_E_TCP_TRUNC);
	if (th->doff < 5)
		return XS_ERR(XS_E_TCP_HDR);
	hlen = th->doff * 4;
	/* A first fragment's options may go on in the next fragment. */
	if (p->frag != XS_FRAG_FIRST && (c->pos + hlen > end || avail < hlen))
		return XS_ERR(XS_E_TCP_TRUNC);
	p->sport = th->source;
	p->dport = th->dest;
	/* Flags byte (offset 13): CWR ECE URG ACK PSH RST SYN FIN. */
	p->tcp_flags = ((__u8 *)th)[13];
	p->data = avail > hlen;
	p->ports = 1;
	/* The payload by the IP length: a first fragment's is what it holds. */
	p->pl_off = (__u16)(c->off + hlen);
	p->pl_len = avail > hlen ? (__u16)(avail - hlen) : 0;
	return 0;
}

static __always_inline int parse_udphdr(struct hdr_cursor *c, void *end, struct xs_pkt *p)
{
	struct udphdr *uh = c->pos;
	__u32 avail = ip_left(c);

	if (p->frag == XS_FRAG_FIRST && avail < sizeof(*uh))
		return parse_tiny(c, end, p, avail);
	if ((void *)(uh + 1) > end || avail < sizeof(*uh))
		return XS_ERR(XS_E_UDP_TRUNC);
	p->sport = uh->source;
	p->dport = uh->dest;
	p->ports = 1;
	p->pl_off = (__u16)(c->off + sizeof(*uh));
	p->pl_len = (__u16)(avail - sizeof(*uh));
	return 0;
}

/* ICMP and ICMPv6 share the first 8 bytes: type, code, checksum, then the
 * echo identifier and sequence. Flow "ports": type<<8|code, echo id. */
static __always_inline int parse_icmp(struct hdr_cursor *c, void *end, struct xs_pkt *p,
				      __u8 echo_req, __u8 echo_rep, int trunc_err)
{
	__u8 *h = c->pos;
	__u32 avail = ip_left(c);

	if (p->frag == XS_FRAG_FIRST && avail < 8) {
		p->tiny = 1;
		return 0;
	}
	if ((void *)(h + 8) > end || avail < 8)
		return trunc_err;
	p->icmp_type = h[0];
	p->sport = bpf_htons((__u16)h[0] << 8 | h[1]);
	if (h[0] == echo_req || h[0] == echo_rep)
		p->dport = *(__be16 *)(h + 4);
	p->ports = 1;
	return 0;
}

/* The whole packet: sets p->cls (and p->l4 when the transport header was
 * read, p->addrs once the addresses were). Returns 0 or XS_ERR(reason);
 * with p->addrs set, an error still leaves the addresses to account. */
static __always_inline int parse_packet(struct xdp_md *ctx, void *data, void *end,
					struct xs_pkt *p)
{
	struct hdr_cursor c = { .pos = data, .len = end - data };
	int proto, ret;

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
		proto = parse_ipv6hdr(ctx, &c, end, p);
		if (proto == XS_CHAIN_SPLIT) {
			/* A header chain split across fragments: an IPv6
			 * packet of unknown upper layer, and a tiny fragment. */
			p->cls = XS_C_IPV6_OTHER;
			return 0;
		}
		if (proto < 0)
			return proto;
		p->proto = proto;
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
	if (!p->tiny)
		p->l4 = 1;
	return 0;
}

#endif /* XS_PARSE_H */
