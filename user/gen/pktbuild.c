// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "names.h"
#include "pktbuild.h"

uint32_t xs_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t xs_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

int xs_pkt_spec_init(struct xs_pkt_spec *s, const char *src, const char *dst, uint8_t proto,
		     uint16_t sport, uint16_t dport)
{
	static const uint8_t dmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
	static const uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

	memset(s, 0, sizeof(*s));
	memcpy(s->dmac, dmac, 6);
	memcpy(s->smac, smac, 6);
	s->proto = proto;
	s->sport = sport;
	s->dport = dport;
	if (xs_addr_parse(src, &s->src) || xs_addr_parse(dst, &s->dst))
		return -1;
	return 0;
}

/* Frames are byte arrays: store multi-byte fields without alignment. */
static void put16(uint8_t *p, uint16_t v)
{
	v = htons(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static size_t l4_hdr_len(const struct xs_pkt_spec *s, uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 20 + s->tcp_optlen;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 8;
	default:
		return 0;
	}
}

/* Fills the L4 header at l4 (payload after it already zeroed) and its
 * checksum; pseudo is the pseudo-header sum (0 for ICMPv4). */
static void build_l4(const struct xs_pkt_spec *s, uint8_t proto, uint8_t *l4, size_t l4len,
		     uint32_t pseudo)
{
	uint16_t csum;

	switch (proto) {
	case IPPROTO_TCP:
		put16(l4 + 0, s->sport);
		put16(l4 + 2, s->dport);
		put32(l4 + 4, s->seq);
		put32(l4 + 8, s->ack);
		l4[12] = (uint8_t)((5 + s->tcp_optlen / 4) << 4);
		l4[13] = s->tcp_flags;
		put16(l4 + 14, s->window ? s->window : 64240);
		memcpy(l4 + 20, s->tcp_opt, s->tcp_optlen);
		csum = xs_csum_fold(xs_csum_add(pseudo, l4, l4len));
		memcpy(l4 + 16, &csum, 2);
		break;
	case IPPROTO_UDP:
		put16(l4 + 0, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)l4len);
		csum = xs_csum_fold(xs_csum_add(pseudo, l4, l4len));
		memcpy(l4 + 6, &csum, 2);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4[0] = s->icmp_type;
		l4[1] = s->icmp_code;
		put16(l4 + 4, s->icmp_id);
		put16(l4 + 6, s->icmp_seq);
		csum = xs_csum_fold(xs_csum_add(pseudo, l4, l4len));
		memcpy(l4 + 2, &csum, 2);
		break;
	}
}

int xs_pkt_build(const struct xs_pkt_spec *s, uint8_t *buf, size_t cap)
{
	return xs_pkt_build_layout(s, buf, cap, NULL);
}

int xs_pkt_build_layout(const struct xs_pkt_spec *s, uint8_t *buf, size_t cap,
			struct xs_pkt_layout *lay)
{
	uint8_t proto = s->proto ? s->proto : IPPROTO_TCP;
	int v4 = xs_addr_is_v4(&s->src) && xs_addr_is_v4(&s->dst);
	int later_frag = s->frag_offset != 0;
	size_t hlen = later_frag ? 0 : l4_hdr_len(s, proto);
	size_t l4len = hlen + s->payload;
	size_t off = 12, iphlen, extlen = 0, total;
	uint16_t ethertype = s->ethertype ? s->ethertype : v4 ? 0x0800 : 0x86DD;
	uint32_t pseudo;
	uint8_t *ip, *l4;
	int i;

	if (s->nvlan < 0 || s->nvlan > 2 || s->ipv4_opt_words > 10 || s->nipv6_ext < 0 ||
	    s->nipv6_ext > 8 || s->tcp_optlen > 40 || s->tcp_optlen % 4)
		return -1;
	iphlen = v4 ? 20 + 4 * s->ipv4_opt_words : 40;
	if (!v4) {
		for (i = 0; i < s->nipv6_ext; i++)
			extlen += 8;
	}
	total = 14 + 4 * s->nvlan + iphlen + extlen + l4len;
	if (total > cap)
		return -1;
	memset(buf, 0, total);
	memcpy(buf, s->dmac, 6);
	memcpy(buf + 6, s->smac, 6);
	for (i = 0; i < s->nvlan; i++) {
		put16(buf + off, s->vlan_tpid[i] ? s->vlan_tpid[i] : 0x8100);
		put16(buf + off + 2, s->vlan_id[i] & 0x0fff);
		off += 4;
	}
	put16(buf + off, ethertype);
	off += 2;
	ip = buf + off;
	if (lay) {
		lay->l3 = (uint16_t)off;
		lay->l4 = (uint16_t)(off + iphlen + extlen);
		lay->data = (uint16_t)(lay->l4 + hlen);
		lay->len = (uint16_t)total;
	}
	if (s->data)
		memcpy(buf + total - s->payload, s->data, s->payload);

	if (s->ethertype && s->ethertype != 0x0800 && s->ethertype != 0x86DD) {
		/* Non-IP EtherType: the rest is payload. */
		return (int)total;
	}
	if (v4) {
		uint16_t fo = (s->frag_offset & 0x1fff) | (s->more_frags ? 0x2000 : 0);
		uint16_t csum;

		ip[0] = 0x40 | (uint8_t)(iphlen / 4);
		put16(ip + 2, (uint16_t)(iphlen + l4len));
		put16(ip + 4, s->ip_id ? s->ip_id : 0x1234);
		put16(ip + 6, fo);
		ip[8] = s->ttl ? s->ttl : 64;
		ip[9] = proto;
		memcpy(ip + 12, &s->src.a[12], 4);
		memcpy(ip + 16, &s->dst.a[12], 4);
		/* Options: NOPs then an end-of-list. */
		if (s->ipv4_opt_words) {
			memset(ip + 20, 1, 4 * s->ipv4_opt_words - 1);
			ip[iphlen - 1] = 0;
		}
		csum = xs_csum_fold(xs_csum_add(0, ip, iphlen));
		memcpy(ip + 10, &csum, 2);
		l4 = ip + iphlen;
		pseudo = xs_csum_add(0, ip + 12, 8);
		pseudo += proto + (uint32_t)l4len;
		if (proto == IPPROTO_ICMP)
			pseudo = 0;
	} else {
		uint8_t *ext = ip + 40;
		uint8_t next;

		put32(ip, 6u << 28);
		put16(ip + 4, (uint16_t)(extlen + l4len));
		ip[6] = s->nipv6_ext ? s->ipv6_ext[0] : proto;
		ip[7] = s->ttl ? s->ttl : 64;
		memcpy(ip + 8, s->src.a, 16);
		memcpy(ip + 24, s->dst.a, 16);
		for (i = 0; i < s->nipv6_ext; i++, ext += 8) {
			next = i + 1 < s->nipv6_ext ? s->ipv6_ext[i + 1] : proto;
			ext[0] = next;
			if (s->ipv6_ext[i] == 44) {
				uint16_t fo = (uint16_t)(s->frag_offset << 3) | (s->more_frags ? 1 : 0);

				put16(ext + 2, fo);
				put32(ext + 4, 0xabcd);
			} else {
				ext[1] = 0;	/* length 8 bytes; padding follows */
				if (s->ipv6_ext[i] != 43) {
					ext[2] = 1;	/* PadN option */
					ext[3] = 4;
				}
			}
		}
		l4 = ext;
		pseudo = xs_csum_add(0, ip + 8, 32);
		pseudo += (uint32_t)l4len + proto;
	}
	if (!later_frag)
		build_l4(s, proto, l4, l4len, pseudo);
	return (int)total;
}

int xs_pkt_tcp_syn_opts(uint8_t *opt, uint16_t mss, uint32_t tsval)
{
	/* MSS, SACK permitted, timestamps, NOP, window scale 7. */
	opt[0] = 2;
	opt[1] = 4;
	opt[2] = mss >> 8;
	opt[3] = mss & 0xff;
	opt[4] = 4;
	opt[5] = 2;
	opt[6] = 8;
	opt[7] = 10;
	put32(opt + 8, tsval);
	put32(opt + 12, 0);
	opt[16] = 1;
	opt[17] = 3;
	opt[18] = 3;
	opt[19] = 7;
	return 20;
}

static int ip_version(const uint8_t *pkt, int len, int l3)
{
	return l3 + 1 <= len ? pkt[l3] >> 4 : 0;
}

int xs_pkt_frag_count(const uint8_t *pkt, int len, int l3, int mtu)
{
	int v = ip_version(pkt, len, l3), hl = v == 4 ? 20 : 40, per;

	if ((v != 4 && v != 6) || len < l3 + hl)
		return -1;
	if (len - l3 <= mtu)
		return 1;
	/* Data per fragment: a multiple of 8; IPv6 adds a fragment header. */
	per = (mtu - hl - (v == 6 ? 8 : 0)) & ~7;
	if (per <= 0)
		return -1;
	return (len - l3 - hl + per - 1) / per;
}

int xs_pkt_fragment(const uint8_t *pkt, int len, int l3, int mtu, int i, uint32_t id,
		    uint8_t *out, size_t cap)
{
	int n = xs_pkt_frag_count(pkt, len, l3, mtu), v = ip_version(pkt, len, l3);
	int hl = v == 4 ? 20 : 40, per, dlen, doff, flen;
	uint8_t *ip = out + l3;

	if (n < 0 || i < 0 || i >= n)
		return -1;
	if (n == 1) {
		if ((size_t)len > cap)
			return -1;
		memcpy(out, pkt, len);
		return len;
	}
	per = (mtu - hl - (v == 6 ? 8 : 0)) & ~7;
	doff = i * per;
	dlen = len - l3 - hl - doff < per ? len - l3 - hl - doff : per;
	flen = l3 + hl + (v == 6 ? 8 : 0) + dlen;
	if ((size_t)flen > cap)
		return -1;
	memcpy(out, pkt, l3 + hl);
	if (v == 4) {
		uint16_t fo = (uint16_t)(doff / 8) | (i + 1 < n ? 0x2000 : 0), csum;

		memcpy(ip + hl, pkt + l3 + hl + doff, dlen);
		put16(ip + 2, (uint16_t)(hl + dlen));
		put16(ip + 4, (uint16_t)id);
		put16(ip + 6, fo);
		ip[10] = ip[11] = 0;
		csum = xs_csum_fold(xs_csum_add(0, ip, hl));
		memcpy(ip + 10, &csum, 2);
	} else {
		uint8_t *fh = ip + hl;
		uint16_t fo = (uint16_t)(doff & ~7) | (i + 1 < n ? 1 : 0);

		fh[0] = pkt[l3 + 6];	/* next header: the original upper layer */
		fh[1] = 0;
		put16(fh + 2, fo);
		put32(fh + 4, id);
		ip[6] = 44;
		put16(ip + 4, (uint16_t)(8 + dlen));
		memcpy(fh + 8, pkt + l3 + hl + doff, dlen);
	}
	return flen;
}
