// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdpstream stats: the counters of a running instance, from its pinned maps. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "collector.h"
#include "instance.h"
#include "loader.h"
#include "log.h"
#include "names.h"

static void stats_usage(FILE *f)
{
	fprintf(f,
		"Usage: xdpstream stats [--pin-dir DIR] [--json]\n"
		"Print the counters of the instance whose maps are pinned in DIR\n"
		"(default: %s): everything since it started, the tick in progress included.\n\n"
		"  -p, --pin-dir DIR   pin directory of the instance\n"
		"  -j, --json          one JSON object instead of a table\n"
		"  -h, --help          this text\n",
		XS_PIN_DIR_DEFAULT);
}

static void print_group(const char *title, const char *const *names, const __u64 *v, int n,
			bool json, bool *first)
{
	int i;

	for (i = 0; i < n; i++) {
		if (json)
			printf("%s\"%s_%s\":%llu", *first ? "" : ",", title, names[i],
			       (unsigned long long)v[i]);
		else
			printf("  %-8s %-26s %llu\n", title, names[i], (unsigned long long)v[i]);
		*first = false;
	}
}

int cmd_stats(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dir = XS_PIN_DIR_DEFAULT;
	struct xs_global total = {};
	__u32 epoch = 0;
	int rt_fd = -1, g_fd = -1, tot_fd = -1, c, ret = XS_EXIT_ENV, ncpus;
	bool json = false, first = true;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			dir = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			stats_usage(stdout);
			return XS_EXIT_OK;
		default:
			xs_err("see 'xdpstream stats --help'");
			return XS_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		xs_err("unexpected argument '%s' (see 'xdpstream stats --help')", argv[optind]);
		return XS_EXIT_USAGE;
	}
	if ((ret = -xs_check_privileges()))
		return ret;
	ret = XS_EXIT_ENV;
	if ((rt_fd = xs_open_pinned(dir, "xs_rt")) < 0 || (g_fd = xs_open_pinned(dir, "xs_global")) < 0 ||
	    (tot_fd = xs_open_pinned(dir, "xs_totals")) < 0)
		goto out;
	ncpus = libbpf_num_possible_cpus();
	c = xs_read_totals(rt_fd, tot_fd, g_fd, ncpus, &total, &epoch);
	if (c) {
		xs_err("cannot read the pinned maps in %s: %s", dir, strerror(-c));
		goto out;
	}
	if (json)
		printf("{\"epoch\":%u,\"packets\":%llu,\"bytes\":%llu,", epoch,
		       (unsigned long long)xs_global_total_pkts(&total),
		       (unsigned long long)xs_global_total_bytes(&total));
	else
		printf("epoch %u, %llu packets, %llu bytes\n", epoch,
		       (unsigned long long)xs_global_total_pkts(&total),
		       (unsigned long long)xs_global_total_bytes(&total));
	print_group("packets", xs_class_names, total.pkts, XS_C_MAX, json, &first);
	print_group("bytes", xs_class_names, total.bytes, XS_C_MAX, json, &first);
	print_group("error", xs_err_names, total.err, XS_E_MAX, json, &first);
	print_group("counter", xs_cnt_names, total.cnt, XS_N_MAX, json, &first);
	if (json)
		printf("}\n");
	ret = XS_EXIT_OK;
out:
	if (rt_fd >= 0)
		close(rt_fd);
	if (g_fd >= 0)
		close(g_fd);
	if (tot_fd >= 0)
		close(tot_fd);
	return ret;
}
