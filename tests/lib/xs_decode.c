// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <string.h>

#include "xs_decode.h"

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t sum16(uint32_t s, const uint8_t *p, int n)
{
	int i;

	for (i = 0; i + 1 < n; i += 2)
		s += be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint32_t xs_dec_low32(const struct xs_addr *a)
{
	return be32(&a->a[12]);
}

int xs_dec_l4_valid(const struct xs_dec *d, const uint8_t *l4, int n)
{
	uint32_t s = 0;

	if (d->proto == 1)	/* ICMPv4: no pseudo-header */
		return fold(sum16(0, l4, n)) == 0xffff;
	if (d->v4)
		s = sum16(s, &d->src.a[12], 4) + sum16(0, &d->dst.a[12], 4);
	else
		s = sum16(s, d->src.a, 16) + sum16(0, d->dst.a, 16);
	s += d->proto + (uint32_t)n;
	return fold(sum16(s, l4, n)) == 0xffff;
}

int xs_decode(const uint8_t *f, int len, struct xs_dec *d)
{
	int off = 14, iplen;
	uint16_t et;

	memset(d, 0, sizeof(*d));
	d->len = len;
	d->l4_ok = -1;
	if (len < 14)
		return -1;
	et = be16(f + 12);
	while ((et == 0x8100 || et == 0x88a8) && d->nvlan < 2 && len >= off + 4) {
		d->vlan[d->nvlan++] = be16(f + off) & 0x0fff;
		et = be16(f + off + 2);
		off += 4;
	}
	d->l3 = off;
	if (et == 0x0800) {
		int ihl;
		uint16_t fo;

		if (len < off + 20 || f[off] >> 4 != 4)
			return -1;
		ihl = (f[off] & 15) * 4;
		d->v4 = true;
		d->ip_ok = fold(sum16(0, f + off, ihl)) == 0xffff;
		iplen = be16(f + off + 2);
		d->ip_id = be16(f + off + 4);
		fo = be16(f + off + 6);
		d->frag_off = (uint16_t)((fo & 0x1fff) * 8);
		d->mf = fo & 0x2000;
		d->proto = f[off + 9];
		memset(d->src.a, 0, 10);
		d->src.a[10] = d->src.a[11] = 0xff;
		d->dst = d->src;
		memcpy(&d->src.a[12], f + off + 12, 4);
		memcpy(&d->dst.a[12], f + off + 16, 4);
		d->l4 = off + ihl;
		iplen -= ihl;
	} else if (et == 0x86dd) {
		if (len < off + 40 || f[off] >> 4 != 6)
			return -1;
		d->v6 = true;
		d->ip_ok = true;
		iplen = be16(f + off + 4);
		d->proto = f[off + 6];
		memcpy(d->src.a, f + off + 8, 16);
		memcpy(d->dst.a, f + off + 24, 16);
		d->l4 = off + 40;
		if (d->proto == 44) {	/* fragment header */
			uint16_t fo = be16(f + off + 42);

			d->proto = f[off + 40];
			d->frag_off = fo & 0xfff8;
			d->mf = fo & 1;
			d->frag_id = be32(f + off + 44);
			d->l4 += 8;
			iplen -= 8;
		}
	} else {
		return -1;
	}
	d->frag = d->frag_off || d->mf;
	d->has_l4 = !d->frag_off;
	if (!d->has_l4)
		return 0;
	switch (d->proto) {
	case 6:
		if (len < d->l4 + 20)
			return -1;
		d->sport = be16(f + d->l4);
		d->dport = be16(f + d->l4 + 2);
		d->seq = be32(f + d->l4 + 4);
		d->ack = be32(f + d->l4 + 8);
		d->tcp_flags = f[d->l4 + 13];
		d->data = d->l4 + (f[d->l4 + 12] >> 4) * 4;
		break;
	case 17:
		if (len < d->l4 + 8)
			return -1;
		d->sport = be16(f + d->l4);
		d->dport = be16(f + d->l4 + 2);
		d->data = d->l4 + 8;
		break;
	case 1:
	case 58:
		if (len < d->l4 + 8)
			return -1;
		d->icmp_type = f[d->l4];
		d->icmp_id = be16(f + d->l4 + 4);
		d->icmp_seq = be16(f + d->l4 + 6);
		d->data = d->l4 + 8;
		break;
	default:
		d->data = d->l4;
	}
	d->data_len = len - d->data;
	/* The L4 checksum covers the whole datagram: checkable unfragmented. */
	if (!d->frag && d->l4 + iplen == len &&
	    (d->proto == 6 || d->proto == 17 || d->proto == 1 || d->proto == 58))
		d->l4_ok = xs_dec_l4_valid(d, f + d->l4, iplen);
	return 0;
}
