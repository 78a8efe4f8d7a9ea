// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "log.h"

static const struct xs_cmd cmds[] = {
	{ "run", cmd_run, "attach to interfaces and watch live traffic" },
	{ "stats", cmd_stats, "print the counters of a running instance" },
	{ "replay", cmd_replay, "run a capture through the program and print its alerts" },
	{ "check-config", cmd_check_config, "check a configuration file and list its errors" },
	{ "status", cmd_status, "interfaces, uptime, rates, map fill, losses, sink health" },
	{ "top", cmd_top, "live view of the top destinations and sources" },
	{ "block", cmd_block, "drop traffic from a source prefix (running instance)" },
	{ "unblock", cmd_unblock, "remove a block" },
	{ "limit", cmd_limit, "rate-limit traffic to a destination prefix" },
	{ "unlimit", cmd_unlimit, "remove a rate limit" },
	{ "blocks", cmd_blocks, "list blocks and rate limits with their hits" },
	{ "detach", cmd_detach, "remove a program left attached (run --keep-attached)" },
	{ "emit", cmd_emit, "send synthetic alerts through the configured outputs" },
	{ "synth", cmd_synth, "write a labelled capture of attack or benign scenarios" },
	{ "gen", cmd_gen, "transmit a scenario or a capture onto an interface" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: xdpstream COMMAND [OPTIONS]\n\nCommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'xdpstream COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	xs_log_init(XS_LOG_INFO);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? XS_EXIT_USAGE : XS_EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	xs_err("unknown command '%s' (see 'xdpstream --help')", argv[1]);
	return XS_EXIT_USAGE;
}
