/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The one integer parser: command-line flags and configuration values
 * accept the same spellings (decimal, 0x hex, 0 octal; no sign). */
#ifndef XS_PARSE_H
#define XS_PARSE_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* The whole of s as a non-negative integer. Returns 0, or -1 (errno is
 * ERANGE when too large, EINVAL otherwise). Inline: the configuration
 * reader uses it without the logger (the config fuzzer links it alone). */
static inline int xs_strtou64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		if (!errno)
			errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

/* Parses a non-negative integer flag value in [min, max]; on error logs
 * "--flag: ..." and returns -1. */
int xs_parse_u64(const char *flag, const char *s, unsigned long long min,
		 unsigned long long max, unsigned long long *out);

#endif
