// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/random.h>

#include "siphash.h"

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
