// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <unistd.h>

#include "hostname.h"

const char *xs_hostname(void)
{
	static char name[256];

	/* gethostname() need not terminate a truncated name. */
	if (!name[0] && (gethostname(name, sizeof(name) - 1) || !name[0]))
		snprintf(name, sizeof(name), "localhost");
	return name;
}
