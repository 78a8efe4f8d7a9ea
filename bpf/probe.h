/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What can be a probe: packets that touch a host or a service rather than
 * answer or continue a conversation. They feed each source's sketch of
 * distinct destinations (account_src), whatever the flags, and out-of-state
 * ACKs become new-flow events like a SYN does.
 *   TCP   SYN without ACK; FIN, NULL, Xmas (no SYN, ACK or RST); a bare ACK
 *         (no SYN, no RST, no payload) that belongs to no known connection:
 *         an ACK scan or an ACK ping. SYN-ACK and RST answer; a segment
 *         with payload is data.
 *   UDP   a request to a service port (below 1024, or a reflector port):
 *         the services a sweep looks for. Traffic between unprivileged
 *         ports (peer-to-peer, media, DHT) says nothing about sweeping and
 *         stays out of the sketch; the engine still judges its new flows.
 *   ICMP  echo requests.
 */
#ifndef XS_BPF_PROBE_H
#define XS_BPF_PROBE_H

#include "maps.h"
#include "parse.h"
#include "account.h"
#include "flowtab.h"
#include "mitigate.h"

enum { XS_PRB_NONE = 0, XS_PRB_YES, XS_PRB_ACK };

static __always_inline int udp_service_port(__be16 port)
{
	return bpf_ntohs(port) < 1024 || is_reflector_port(port);
}

/* From the packet alone: XS_PRB_ACK means "a probe unless the flow table
 * knows its connection" (probe_ack decides). */
static __always_inline int probe_kind(const struct xs_pkt *p, int refl)
{
	__u8 f = p->tcp_flags;

	if (!p->l4)
		return XS_PRB_NONE;
	switch (p->proto) {
	case IPPROTO_TCP:
		if ((f & (XS_TCP_SYN | XS_TCP_ACK)) == XS_TCP_SYN)
			return XS_PRB_YES;
		if (!(f & (XS_TCP_SYN | XS_TCP_ACK | XS_TCP_RST)))
			return XS_PRB_YES;
		if ((f & (XS_TCP_SYN | XS_TCP_ACK | XS_TCP_RST)) == XS_TCP_ACK && !p->pl_len)
			return XS_PRB_ACK;
		return XS_PRB_NONE;
	case IPPROTO_UDP:
		/* A service answering (from its port to a client's) is not a
		 * request: refl says the source port is a reflector's. */
		if (!refl && udp_service_port(p->dport))
			return XS_PRB_YES;
		if (bpf_ntohs(p->dport) < 1024)
			return XS_PRB_YES; /* even from a service port: 53 -> 53 */
		return XS_PRB_NONE;
	case IPPROTO_ICMP:
		return p->icmp_type == ICMP_ECHO ? XS_PRB_YES : XS_PRB_NONE;
	case IPPROTO_ICMPV6:
		return p->icmp_type == ICMPV6_ECHO_REQUEST ? XS_PRB_YES : XS_PRB_NONE;
	}
	return XS_PRB_NONE;
}

/* A bare ACK: known to the flow table in either direction (the SYN of its
 * connection went through it, or, on a link that carries both directions,
 * the other side's) it continues a connection; otherwise it is a probe,
 * recorded as a new flow and reported like one. Returns 1 for a probe. */
static __always_inline int probe_ack(struct xdp_md *ctx, struct xs_global *g,
				     const struct xs_runtime *rt, __u32 epoch, struct xs_pkt *p,
				     __u64 len, __u64 hsrc, __u64 hdst)
{
	/* The reverse direction's hash, only where it is looked up. */
	__u64 rports = (__u64)p->dport | (__u64)p->sport << 16 | (__u64)p->proto << 32;

	/* Known (refreshed), or another CPU is recording it right now. */
	if (!flow_insert(g, rt, epoch + 1, xs_hash_flow(hsrc, hdst, flow_ports(p))))
		return 0;
	/* New this way: the answer side of a connection seen the other way
	 * is now recorded too, so that its next ACKs stop here above. Only
	 * a segment from the lower port can be a server's (a probe comes
	 * from a client's port): the other half of an ACK flood or scan does
	 * not pay for the second lookup. */
	if (bpf_ntohs(p->sport) < bpf_ntohs(p->dport) &&
	    (flow_known(rt, epoch + 1, xs_hash_flow(hdst, hsrc, rports)) ||
	     /* A blocked client's segments are dropped before the flow
	      * table sees them: what answers it is no probe (enforce mode
	      * would otherwise block the server it attacked). */
	     blocked_addr(&p->dst)))
		return 0;
	flow_report(ctx, g, rt, epoch, p, len);
	return 1;
}

#endif /* XS_BPF_PROBE_H */
