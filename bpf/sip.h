/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * SIP on its port (5060, UDP or TCP, either side): the first word of the
 * payload says what a message is. A request starts with its method
 * ("REGISTER sip:..."); an answer with "SIP/2.0 " and a status code. Per
 * source: requests by method, failure answers by code (401/407, 403, 404,
 * other 4xx-6xx), and the peer they went to with how many, so that the
 * engine can name the pair (sip_fraud). Reading 12 bytes at a fixed place,
 * on one port only: the rest of the traffic pays one comparison.
 */
#ifndef XS_BPF_SIP_H
#define XS_BPF_SIP_H

#include "parse.h"
#include "account.h"

#define XS_SIP_PORT 5060
/* Payloads further into the frame are not read (headers are far shorter). */
#define XS_SIP_OFF_MASK 511

/* Eight characters as the __u64 an 8-byte load of them gives. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define XS_C8(a, b, c, d, e, f, g, h)                                                              \
	((__u64)(a) | (__u64)(b) << 8 | (__u64)(c) << 16 | (__u64)(d) << 24 | (__u64)(e) << 32 |   \
	 (__u64)(f) << 40 | (__u64)(g) << 48 | (__u64)(h) << 56)
#define XS_LOW7 0x00ffffffffffffffULL
#else
#define XS_C8(a, b, c, d, e, f, g, h)                                                              \
	((__u64)(h) | (__u64)(g) << 8 | (__u64)(f) << 16 | (__u64)(e) << 24 | (__u64)(d) << 32 |   \
	 (__u64)(c) << 40 | (__u64)(b) << 48 | (__u64)(a) << 56)
#define XS_LOW7 0xffffffffffffff00ULL
#endif

static __always_inline int sip_port(const struct xs_pkt *p)
{
	return p->l4 && (p->proto == IPPROTO_UDP || p->proto == IPPROTO_TCP) &&
	       (p->sport == bpf_htons(XS_SIP_PORT) || p->dport == bpf_htons(XS_SIP_PORT));
}

static __always_inline int is_upper(__u8 c)
{
	return c >= 'A' && c <= 'Z';
}

/* Counts the message into s (the sender's slot, whose tag is tag). */
static __always_inline void account_sip(struct xdp_md *ctx, struct xs_src *s,
					const struct xs_pkt *p, __u32 tag)
{
	/* Fresh packet pointers: the verifier checks this access on its own. */
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 off = p->pl_off;
	__u8 *pl, c0, c1, c2;
	__u64 w;

	if (p->pl_len < 12 || off > XS_SIP_OFF_MASK)
		return;
	/* Bounded in the register that is added (the verifier marks a packet
	 * range only for offsets it knows to be small). */
	asm volatile("" : "+r"(off)); /* keep the mask: the check alone is lost */
	off &= XS_SIP_OFF_MASK;
	pl = data + off;
	if ((void *)(pl + 12) > end)
		return;
	__builtin_memcpy(&w, pl, 8);
	/* The SIP part is zeroed by the generation's first message. */
	if (s->sip_tag != tag) {
		__builtin_memset(&s->sip_tag, 0, sizeof(*s) - XS_SRC_ZERO);
		s->sip_tag = tag;
	}
	if (w == XS_C8('S', 'I', 'P', '/', '2', '.', '0', ' ')) {
		c0 = pl[8];
		c1 = pl[9];
		c2 = pl[10];
		if (c0 < '4' || c0 > '6' || c1 < '0' || c1 > '9' || c2 < '0' || c2 > '9')
			return; /* provisional, success, redirect: not counted */
		if (c0 == '4' && c1 == '0' && (c2 == '1' || c2 == '7'))
			s->sip_fail[XS_SIP_F_AUTH]++;
		else if (c0 == '4' && c1 == '0' && c2 == '3')
			s->sip_fail[XS_SIP_F_FORBIDDEN]++;
		else if (c0 == '4' && c1 == '0' && c2 == '4')
			s->sip_fail[XS_SIP_F_NOTFOUND]++;
		else
			s->sip_fail[XS_SIP_F_OTHER]++;
	} else if (w == XS_C8('R', 'E', 'G', 'I', 'S', 'T', 'E', 'R') && pl[8] == ' ') {
		s->sip_req[XS_SIP_REGISTER]++;
	} else if ((w & XS_LOW7) == (XS_C8('I', 'N', 'V', 'I', 'T', 'E', ' ', 0) & XS_LOW7)) {
		s->sip_req[XS_SIP_INVITE]++;
	} else if (w == XS_C8('O', 'P', 'T', 'I', 'O', 'N', 'S', ' ')) {
		s->sip_req[XS_SIP_OPTIONS]++;
	} else if (is_upper(pl[0]) && is_upper(pl[1]) && is_upper(pl[2])) {
		s->sip_req[XS_SIP_OTHER]++; /* ACK, BYE, CANCEL, MESSAGE, ... */
	} else {
		return;
	}
	if (!addr_eq(&s->sip_peer, &p->dst)) {
		s->sip_peer = p->dst;
		s->sip_peers++;
		s->sip_peer_msgs = 0;
	}
	s->sip_peer_msgs++;
}

#endif /* XS_BPF_SIP_H */
