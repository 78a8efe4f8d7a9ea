// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Helpers shared by the subcommands. */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"
#include "log.h"

int xs_parse_u64(const char *flag, const char *s, unsigned long long min,
		 unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		xs_err("%s: expected an integer from %llu to %llu, got '%s'", flag, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}
