// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"
#include "xs_plan_of.h"

int xs_plan_of(const char *scenario, const char *flags, struct xs_plan *p)
{
	static const struct option longopts[] = { XS_SCN_LONGOPTS, {} };
	char buf[512], *argv[64], *tok, *save;
	struct xs_scn_params prm;
	int argc = 0, c;

	snprintf(buf, sizeof(buf), "%s", flags);
	argv[argc++] = "test";
	for (tok = strtok_r(buf, " ", &save); tok && argc < 63; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	xs_scn_params_init(&prm);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, XS_SCN_SHORTOPTS, longopts, NULL)) != -1)
		if (xs_scn_opt(c, optarg, &prm))
			return -1;
	return xs_scenario_build(xs_scenario_find(scenario), &prm, p);
}
