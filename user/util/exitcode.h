/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Exit codes a user can act on, one per kind of remedy (docs/running.md
 * "Exit codes"). Functions that fail for a reason the user can fix return
 * the negative code; the command returns it. */
#ifndef XS_EXITCODE_H
#define XS_EXITCODE_H

enum xs_exit {
	XS_EXIT_OK = 0,
	XS_EXIT_FAIL = 1,	/* runtime failure */
	XS_EXIT_USAGE = 2,	/* bad flag or configuration value */
	XS_EXIT_PERM = 3,	/* not root / missing capability */
	XS_EXIT_ENV = 4,	/* interface missing, bpffs not mounted, ... */
	XS_EXIT_LOAD = 5,	/* verifier rejection or load failure */
	XS_EXIT_BUSY = 6,	/* another XDP program or instance is in the way */
};

#endif
