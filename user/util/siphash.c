// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "siphash.h"
#include "xs_siphash.h"

static struct xs_sipkey key;
static bool key_set;

int xs_random_bytes(void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom((char *)buf + got, n - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		got += (size_t)r;
	}
	return 0;
}

void xs_hash_set_key(uint64_t k0, uint64_t k1)
{
	key.k0 = k0;
	key.k1 = k1;
	key_set = true;
}

const struct xs_sipkey *xs_hash_key(void)
{
	if (!key_set) {
		/* getrandom() only fails before the pool is initialised or
		 * without the syscall: nothing here can do without a key. */
		if (xs_random_bytes(&key, sizeof(key)))
			abort();
		key_set = true;
	}
	return &key;
}

uint64_t xs_siphash13(const struct xs_sipkey *k, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t last = (uint64_t)len << 56, w;
	struct xs_sip s;
	size_t i;

	xs_sip_init(&s, k->k0, k->k1);
	for (; len >= 8; len -= 8, b += 8) {
		memcpy(&w, b, 8);
		xs_sip_word(&s, w);
	}
	for (i = 0; i < len; i++)
		last |= (uint64_t)b[i] << (8 * i);
	return xs_sip_final(&s, last);
}

uint64_t xs_siphash(const struct xs_sipkey *k, const void *data, size_t len)
{
	const uint8_t *m = data;
	uint64_t v0 = k->k0 ^ 0x736f6d6570736575ULL, v1 = k->k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k->k0 ^ 0x6c7967656e657261ULL, v3 = k->k1 ^ 0x7465646279746573ULL;
	uint64_t b = (uint64_t)len << 56, w;
	size_t i, end = len - len % 8;

	for (i = 0; i < end; i += 8) {
		w = xs_sip_le64(m + i);
		v3 ^= w;
		XS_SIP_ROUND(v0, v1, v2, v3);
		XS_SIP_ROUND(v0, v1, v2, v3);
		v0 ^= w;
	}
	for (i = len; i > end; i--)
		b |= (uint64_t)m[i - 1] << (8 * (i - 1 - end));
	v3 ^= b;
	XS_SIP_ROUND(v0, v1, v2, v3);
	XS_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		XS_SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int xs_sipkey_parse(const char *s, struct xs_sipkey *k)
{
	uint8_t key[16];
	int i, hi, lo;

	if (strlen(s) != 32)
		return -1;
	for (i = 0; i < 16; i++) {
		hi = hexval(s[2 * i]);
		lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	k->k0 = xs_sip_le64(key);
	k->k1 = xs_sip_le64(key + 8);
	return 0;
}

void xs_sipkey_id(const struct xs_sipkey *k, char out[17])
{
	static const char text[] = "xdpstream fleet hll key";

	snprintf(out, 17, "%016llx", (unsigned long long)xs_siphash(k, text, sizeof(text) - 1));
}
