/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * SipHash-2-4 (Aumasson and Bernstein) of any length, and the fleet HLL
 * key (docs/fleet.md, "HyperLogLog"): 32 hex digits, read as two
 * little-endian halves k0 and k1; its id is the hash of the 23 ASCII bytes
 * "xdpstream fleet hll key", so sensors and the fleet application can
 * compare keys without showing them.
 */
#ifndef XS_SIPHASH_UTIL_H
#define XS_SIPHASH_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct xs_sipkey {
	uint64_t k0, k1;
};

uint64_t xs_siphash(const struct xs_sipkey *k, const void *data, size_t len);
/* 32 hex digits (either case) into *k; 0, or -1 if s is anything else. */
int xs_sipkey_parse(const char *s, struct xs_sipkey *k);
/* The key's id: 16 lowercase hex digits and a NUL into out[17]. */
void xs_sipkey_id(const struct xs_sipkey *k, char out[17]);

#endif
