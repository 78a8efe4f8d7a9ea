// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdpstream detach: remove a kept-attached instance (programs and pins). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "instance.h"
#include "log.h"

int cmd_detach(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dir = XS_PIN_DIR_DEFAULT;
	struct xs_instance inst;
	int c, lock, err, i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			dir = optarg;
			break;
		case 'h':
			printf("Usage: xdpstream detach [--pin-dir DIR]\n"
			       "Remove the XDP program an instance left attached (run --keep-attached)\n"
			       "from every interface, and its pinned maps (default DIR: %s).\n"
			       "A running daemon detaches by itself when stopped.\n",
			       XS_PIN_DIR_DEFAULT);
			return XS_EXIT_OK;
		default:
			xs_err("see 'xdpstream detach --help'");
			return XS_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		xs_err("unexpected argument '%s' (see 'xdpstream detach --help')", argv[optind]);
		return XS_EXIT_USAGE;
	}
	if ((err = xs_check_privileges()) || (err = xs_check_bpffs(dir)))
		return -err;
	lock = xs_instance_lock(dir);
	if (lock < 0) {
		if (lock == -XS_EXIT_BUSY)
			xs_err("a daemon is running with %s: stop it (it detaches when it exits)",
			       dir);
		return -lock;
	}
	err = xs_instance_find(dir, &inst);
	if (err) {
		xs_err("cannot inspect %s: %s", dir, strerror(-err));
		close(lock);
		return XS_EXIT_FAIL;
	}
	if (!inst.pinned && !inst.nifaces) {
		printf("nothing to detach: no xdpstream maps in %s\n", dir);
		rmdir(dir);
		close(lock);
		return XS_EXIT_OK;
	}
	err = xs_instance_detach(&inst, dir);
	for (i = 0; i < inst.nifaces && !err; i++)
		printf("detached from %s\n", inst.ifaces[i].name);
	if (!err)
		printf("removed the pins in %s\n", dir);
	close(lock);
	return err ? XS_EXIT_FAIL : XS_EXIT_OK;
}
