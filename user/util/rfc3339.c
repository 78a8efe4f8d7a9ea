// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "rfc3339.h"

void xs_rfc3339(double ts, int digits, char *buf, size_t len)
{
	long long scale = digits == 6 ? 1000000 : 1000, frac;
	time_t sec = (time_t)floor(ts);
	struct tm tm;

	frac = llround((ts - (double)sec) * (double)scale);
	if (frac >= scale) {
		sec++;
		frac -= scale;
	}
	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%0*lldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, digits == 6 ? 6 : 3,
		 frac);
}
