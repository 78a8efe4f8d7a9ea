/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Address prefixes (CIDR), IPv4 and IPv6, in the ABI's 16-byte form. */
#ifndef XS_PREFIX_H
#define XS_PREFIX_H

#include <stdbool.h>
#include "xs_abi.h"

struct xs_prefix {
	struct xs_addr addr;	/* host bits cleared */
	__u32 len;		/* in bits of the 16-byte form: IPv4 /24 is 120 */
};

#define XS_PREFIX_STRLEN 52

/* "10.0.0.0/8", "2001:db8::/32", or an address alone (/32, /128).
 * Host bits must be zero ("10.0.0.1/8" is refused). Returns 0 or -1. */
int xs_prefix_parse(const char *s, struct xs_prefix *p);
const char *xs_prefix_str(const struct xs_prefix *p, char *buf);
bool xs_prefix_contains(const struct xs_prefix *p, const struct xs_addr *a);
bool xs_prefix_is_v4(const struct xs_prefix *p);
void xs_prefix_to_lpm(const struct xs_prefix *p, struct xs_lpm_key *k);
void xs_prefix_from_lpm(const struct xs_lpm_key *k, struct xs_prefix *p);

#endif
