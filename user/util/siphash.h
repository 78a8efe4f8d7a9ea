/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Keyed hashing for the daemon's own tables (the engine's, the collector's
 * merge index): SipHash-1-3 (maps/xs_hash.h) under a process-wide key.
 * The daemon sets it from the instance's secret (struct xs_secret: k[2],
 * k[3]) when it loads or adopts the program; a process that never does
 * draws a random one at the first hash. Either way no one outside knows
 * which inputs collide.
 */
#ifndef XS_SIPHASH_UTIL_H
#define XS_SIPHASH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "xs_hash.h"

/* Sets the key; call before any table is filled (a table filled under
 * another key would lose its entries). */
void xs_hash_set_key(uint64_t k0, uint64_t k1);
const struct xs_sipkey *xs_hash_key(void);

/* SipHash-1-3 of len bytes under k (the reference byte order). */
uint64_t xs_siphash13(const struct xs_sipkey *k, const void *p, size_t len);

/* 16 bytes (an address) under the process key: the collector's fast path. */
static inline uint64_t xs_hash16(const void *p)
{
	const struct xs_sipkey *k = xs_hash_key();
	uint64_t w[2];

	memcpy(w, p, 16);
	return xs_sip_2w(k->k0, k->k1, w[0], w[1]);
}

/* Fills buf with n bytes from the kernel's random source; 0 or -errno. */
int xs_random_bytes(void *buf, size_t n);

/* SipHash-2-4 (Aumasson and Bernstein) of any length, and the fleet HLL
 * key (docs/fleet.md, "HyperLogLog"): 32 hex digits, read as two
 * little-endian halves k0 and k1; its id is the hash of the 23 ASCII bytes
 * "xdpstream fleet hll key", so sensors and the fleet application can
 * compare keys without showing them. */
uint64_t xs_siphash(const struct xs_sipkey *k, const void *data, size_t len);
/* 32 hex digits (either case) into *k; 0, or -1 if s is anything else. */
int xs_sipkey_parse(const char *s, struct xs_sipkey *k);
/* The key's id: 16 lowercase hex digits and a NUL into out[17]. */
void xs_sipkey_id(const struct xs_sipkey *k, char out[17]);

#endif
