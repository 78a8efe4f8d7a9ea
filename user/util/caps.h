/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Dropping the capabilities the daemon no longer needs after setup. */
#ifndef XS_CAPS_H
#define XS_CAPS_H

#include <stdint.h>

/* Keeps only the capabilities in keep (a mask of 1 << CAP_*) in the
 * effective, permitted and inheritable sets, and sets no_new_privs.
 * Returns 0 or -errno. */
int xs_caps_limit(uint64_t keep);
/* The effective set now. */
uint64_t xs_caps_effective(void);

/* Becomes user (and its primary group, no supplementary groups), keeping
 * the capabilities in keep (PR_SET_KEEPCAPS across setresuid), then as
 * xs_caps_limit(keep). Call before any thread exists: credentials and
 * capabilities are per thread, and a thread started earlier keeps its
 * own. Returns 0 or -errno (-ENOENT: no such user). */
int xs_caps_become(const char *user, uint64_t keep);

#endif
