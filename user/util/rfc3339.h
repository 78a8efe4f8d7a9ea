/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The one timestamp format of every output: RFC 3339, UTC. */
#ifndef XS_RFC3339_H
#define XS_RFC3339_H

#include <stddef.h>

/* ts (seconds since the epoch) with digits (3 or 6) fractional digits,
 * rounded: "2021-04-28T10:30:26.000Z" / "2021-04-28T10:30:26.000000Z". */
void xs_rfc3339(double ts, int digits, char *buf, size_t len);

#endif
