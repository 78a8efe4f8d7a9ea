// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Output layer: for now, alerts as JSON lines on stdout (the human form
 * when stdout is a terminal). Sinks plug in here. */
#include <stdio.h>
#include <unistd.h>

#include "output.h"

static bool tty;

int xs_output_configure(xs_node root)
{
	return 0;
}

int xs_output_open(void)
{
	tty = isatty(STDOUT_FILENO);
	return 0;
}

void xs_output_alert(const struct xs_alert_out *a)
{
	if (tty && a->human)
		printf("%s\n", a->human);
	else
		printf("%s\n", a->json);
	fflush(stdout);
}

void xs_output_tick(const struct xs_tick *t, double ts, double secs)
{
}

void xs_output_service(void)
{
}

void xs_output_close(void)
{
	fflush(stdout);
}
