/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Stable names of the ABI's enums, used by stats, logs and metrics. */
#ifndef XS_NAMES_H
#define XS_NAMES_H

#include "xs_abi.h"

extern const char *const xs_class_names[XS_C_MAX];
extern const char *const xs_err_names[XS_E_MAX];
extern const char *const xs_cnt_names[XS_N_MAX];

/* "10.0.0.1" or "2001:db8::1" (IPv4-mapped addresses print as IPv4). */
#define XS_ADDR_STRLEN 46
const char *xs_addr_str(const struct xs_addr *a, char *buf);
int xs_addr_parse(const char *s, struct xs_addr *a);
int xs_addr_is_v4(const struct xs_addr *a);
/* :: (all zero): "any address" in keys that can leave it out. */
int xs_addr_is_zero(const struct xs_addr *a);

#endif
