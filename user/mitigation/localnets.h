/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The sensor's own networks: the prefixes of its interfaces' addresses
 * and the routes it reaches without a gateway. Rules never block a source
 * in them (mitigation.exempt_local): a spoofed attack "from" the sensor's
 * own subnet must not cut it off from its neighbours, its gateway or its
 * management host. Read at start and at each reload.
 */
#ifndef XS_LOCALNETS_H
#define XS_LOCALNETS_H

#include "prefix.h"

#define XS_LOCALNETS_MAX 256

/* Fills out (at most max); returns how many, or -errno. */
int xs_localnets_read(struct xs_prefix *out, int max);

#endif
