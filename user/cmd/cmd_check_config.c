// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdpstream check-config: every error of a configuration file, with its
 * line; exit 2 if there is any. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "log.h"
#include "settings.h"

int cmd_check_config(int argc, char **argv)
{
	struct xs_settings s;
	int n;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("Usage: xdpstream check-config FILE\n"
		       "Print every error of the configuration file as FILE:LINE: key: problem;\n"
		       "exit 0 when it is valid, 2 otherwise.\n");
		return XS_EXIT_OK;
	}
	if (argc != 2) {
		xs_err("usage: xdpstream check-config FILE");
		return XS_EXIT_USAGE;
	}
	if (xs_settings_init(&s))
		return XS_EXIT_FAIL;
	n = xs_settings_load(&s, argv[1]);
	xs_settings_free(&s);
	if (n) {
		if (n > 0)
			fprintf(stderr, "%s: %d error%s\n", argv[1], n, n == 1 ? "" : "s");
		return XS_EXIT_USAGE;
	}
	printf("%s: ok\n", argv[1]);
	return XS_EXIT_OK;
}
