// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "log.h"
#include "parse.h"

int xs_parse_u64(const char *flag, const char *s, unsigned long long min,
		 unsigned long long max, unsigned long long *out)
{
	uint64_t v;

	if (xs_strtou64(s, &v) || v < min || v > max) {
		xs_err("%s: expected an integer from %llu to %llu, got '%s'", flag, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}
