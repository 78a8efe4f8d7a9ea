// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpstream-bench [--quick] [--out FILE] [SECTION...]
 * Sections: pktcost, drain (and fleet: the fleet part of a tick), engine,
 * collide (default: all). Prints a table and writes the
 * figures (min/median/max and their baselines) as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "bench.h"
#include "log.h"

static void machine(json_t *root)
{
	struct utsname u;
	char model[256] = "unknown", line[512], date[64];
	time_t now = time(NULL);
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10)) {
			char *c = strchr(line, ':');

			snprintf(model, sizeof(model), "%s", c ? c + 2 : line);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	uname(&u);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_set_new(root, "machine",
			    json_pack("{s:s,s:s,s:s,s:i,s:s}", "hostname", u.nodename, "kernel",
				      u.release, "cpu", model, "cpus", (int)sysconf(_SC_NPROCESSORS_ONLN),
				      "date", date));
	printf("machine: %s, %s, %ld CPUs, %s\n", model, u.release,
	       sysconf(_SC_NPROCESSORS_ONLN), date);
}

int main(int argc, char **argv)
{
	struct bench_ctx bc = { .repeat = 1000000, .runs = 7 };
	const char *out = NULL;
	bool want_pkt = false, want_drain = false, want_engine = false, want_collide = false;
	bool want_fleet = false, any = false;
	int i, err = 0;

	xs_log_init(XS_LOG_WARN);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			bc.quick = true;
			bc.repeat = 10000;
			bc.runs = 3;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "pktcost")) {
			want_pkt = any = true;
		} else if (!strcmp(argv[i], "drain")) {
			want_drain = any = true;
		} else if (!strcmp(argv[i], "engine")) {
			want_engine = any = true;
		} else if (!strcmp(argv[i], "collide")) {
			want_collide = any = true;
		} else if (!strcmp(argv[i], "fleet")) {
			want_fleet = any = true;	/* drain runs it too */
		} else {
			fprintf(stderr, "usage: xdpstream-bench [--quick] [--out FILE] "
					"[pktcost] [drain] [engine] [collide] [fleet]\n");
			return 2;
		}
	}
	if (!any)
		want_pkt = want_drain = want_engine = want_collide = true;
	bc.root = json_object();
	machine(bc.root);
	if (want_pkt && !err)
		err = bench_pktcost(&bc);
	if (want_drain && !err)
		err = bench_drain(&bc);
	if ((want_drain || want_fleet) && !err)
		err = bench_fleet_tick(&bc);
	if (want_engine && !err)
		err = bench_engine(&bc);
	if (want_collide && !err)
		err = bench_collide(&bc);
	if (err)
		fprintf(stderr, "xdpstream-bench: failed: %s\n", strerror(-err));
	if (out && json_dump_file(bc.root, out, JSON_INDENT(2) | JSON_SORT_KEYS))
		fprintf(stderr, "xdpstream-bench: cannot write %s\n", out);
	json_decref(bc.root);
	return err ? 1 : 0;
}
