// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Payloads that look like the real thing to a person reading a capture
 * (tcpdump decodes the DNS ones); the detectors only read headers.
 */
#include <arpa/inet.h>
#include <string.h>

#include "scn.h"

/* Payloads are byte arrays: stores without alignment. */
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

static int put_name(uint8_t *b, const char *name)
{
	int n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		int l = dot ? (int)(dot - name) : (int)strlen(name);

		b[n++] = (uint8_t)l;
		memcpy(b + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	b[n++] = 0;
	return n;
}

int scn_dns_query_len(const char *name)
{
	return 12 + (int)strlen(name) + 2 + 4;
}

static int dns_head(uint8_t *b, uint16_t txid, uint16_t flags, uint16_t an, const char *name,
		    uint16_t qtype)
{
	int n;

	put16(b, txid);
	put16(b + 2, flags);
	put16(b + 4, 1);
	put16(b + 6, an);
	put16(b + 8, 0);
	put16(b + 10, 0);
	n = 12 + put_name(b + 12, name);
	put16(b + n, qtype);
	put16(b + n + 2, 1);	/* class IN */
	return n + 4;
}

int scn_dns_query(uint8_t *b, int size, uint16_t txid, const char *name, uint16_t qtype)
{
	if (size != scn_dns_query_len(name))
		return -1;
	dns_head(b, txid, 0x0100 /* RD */, 0, name, qtype);
	return 0;
}

/* TXT answers (name compressed to the question) fill the rest exactly. */
int scn_dns_response(uint8_t *b, int size, uint16_t txid, const char *name, uint16_t qtype)
{
	int n = scn_dns_query_len(name), an = 0, left;

	if (size < n)
		return -1;
	memset(b, 0, size);
	left = size - n;
	while (left >= 13) {
		int rdlen = left - 12 <= 256 ? left - 12 : 256;
		uint8_t *r = b + n;

		/* Leave either nothing or room for one more record. */
		if (left - 12 - rdlen > 0 && left - 12 - rdlen < 13)
			rdlen -= 13;
		if (rdlen < 1)
			break;
		put16(r, 0xc00c);
		put16(r + 2, 16);	/* TXT */
		put16(r + 4, 1);
		put32(r + 6, 3600);
		put16(r + 10, (uint16_t)rdlen);
		r[12] = (uint8_t)(rdlen - 1);
		memset(r + 13, 'a' + an % 26, rdlen - 1);
		n += 12 + rdlen;
		left -= 12 + rdlen;
		an++;
	}
	dns_head(b, txid, 0x8180 /* response, RD, RA */, (uint16_t)an, name, qtype);
	return 0;
}

void scn_ntp_monlist(uint8_t *b, int size)
{
	/* Mode 7 response, implementation XNTPD, MON_GETLIST_1, 72-byte items. */
	static const uint8_t head[8] = { 0xd7, 0x00, 0x03, 0x2a, 0x00, 0x06, 0x00, 0x48 };
	int i;

	memset(b, 0, size);
	memcpy(b, head, size < 8 ? size : 8);
	for (i = 8; i < size; i++)
		b[i] = (uint8_t)(i * 7);
}

void scn_snmp_response(uint8_t *b, int size)
{
	/* SEQUENCE { version 2c, community "public", GetResponse PDU ... } */
	static const uint8_t head[] = { 0x30, 0x82, 0, 0, 0x02, 0x01, 0x01, 0x04, 0x06,
					'p',  'u',  'b', 'l', 'i',  'c',  0xa2, 0x82 };
	int i;

	memset(b, 0, size);
	if (size < (int)sizeof(head) + 2)
		return;
	memcpy(b, head, sizeof(head));
	put16(b + 2, (uint16_t)(size - 4));
	put16(b + sizeof(head), (uint16_t)(size - sizeof(head) - 2));
	for (i = sizeof(head) + 2; i < size; i++)
		b[i] = (uint8_t)(0x20 + i % 90);
}

void scn_bacnet_ack(uint8_t *b, int size)
{
	/* BVLC original-unicast (0x81 0x0a, length), NPDU version 1, then a
	 * Complex-ACK (0x30) of ReadPropertyMultiple (service 14): the
	 * property list a controller sends back, padded with its values. */
	static const uint8_t head[] = { 0x81, 0x0a, 0, 0, 0x01, 0x00, 0x30, 0x01, 0x0e };
	int i;

	memset(b, 0, size);
	if (size < (int)sizeof(head))
		return;
	memcpy(b, head, sizeof(head));
	put16(b + 2, (uint16_t)size);
	for (i = sizeof(head); i < size; i++)
		b[i] = (uint8_t)(0x40 + i % 60);
}

void scn_tls_record(uint8_t *b, int size, uint8_t type, uint64_t seed)
{
	int i;

	memset(b, 0, size);
	if (size < 5)
		return;
	b[0] = type;
	b[1] = 0x03;
	b[2] = 0x03;
	put16(b + 3, (uint16_t)(size - 5));
	for (i = 5; i < size; i++) {
		if (i % 8 == 5)
			seed = xs_gen_mix64(seed + i);
		b[i] = (uint8_t)(seed >> (8 * ((i - 5) % 8)));
	}
	if (type == 0x16 && size > 5)
		b[5] = 0x01;	/* ClientHello */
}

void scn_text(uint8_t *b, int size, const char *text)
{
	int l = (int)strlen(text), i;

	for (i = 0; i < size; i++)
		b[i] = (uint8_t)text[i % l];
}
