// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdpstream replay: a capture through the XDP program and the engine. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcode.h"
#include "log.h"
#include "names.h"
#include "output.h"
#include "enforce.h"
#include "replay.h"

static void replay_usage(FILE *f)
{
	fprintf(f,
		"Usage: xdpstream replay FILE [OPTIONS]\n"
		"Run a pcap or pcapng capture (Ethernet) through the XDP program and the\n"
		"detection engine, ticks driven by the capture's timestamps. Alerts go to\n"
		"stdout as JSON lines (and to the configured outputs); a summary goes to\n"
		"stderr.\n\n"
		"  -c, --config FILE       configuration (default: built-in defaults)\n"
		"  -e, --enforce           then, for each flood and reflection alert, the\n"
		"                          fingerprint of its victim's packets and, counted by\n"
		"                          the XDP program, how many of the attack's packets it\n"
		"                          would drop and how many others it would hit\n"
		"      --report FILE       write that as JSON to FILE (implies --enforce)\n"
		"  -s, --speed SPEED       top (default: as fast as possible), original (the\n"
		"                          capture's pace, e.g. to feed a SIEM or test a\n"
		"                          sink) or a factor (10 = ten times faster)\n"
		"  -q, --quiet             no summary\n"
		"  -v, --verbose           debug logging, libbpf included\n"
		"  -h, --help              this text\n");
}

static void print_summary(const char *path, const struct xs_replay_stats *st, double tick_s)
{
	static const char *const skip_names[XS_SKIP_MAX] = { "kernel refused the test run",
							     "empty" };
	uint64_t alerts = 0;
	int i;

	fprintf(stderr, "replay: %s: %llu frames, %llu bytes, %llu ticks of %gs (%.3fs of capture) "
			"in %.3fs: %.0f frames/s (and %.3fs to load the program)\n",
		path, (unsigned long long)st->frames, (unsigned long long)st->bytes,
		(unsigned long long)st->ticks, tick_s, st->last_ts - st->first_ts, st->wall_s,
		st->wall_s > 0 ? st->frames / st->wall_s : 0, st->load_s);
	fprintf(stderr, "replay: alerts:");
	for (i = 0; i < XS_R_MAX; i++)
		if (st->eng.alerts[i]) {
			fprintf(stderr, " %s %llu", xs_rule_names[i],
				(unsigned long long)st->eng.alerts[i]);
			alerts += st->eng.alerts[i];
		}
	fprintf(stderr, "%s (%llu alert events)\n", alerts ? "" : " none",
		(unsigned long long)st->eng.alert_events);
	fprintf(stderr,
		"replay: frames truncated to %d bytes: %llu, shorter than on the wire: %llu, "
		"out-of-order timestamps: %llu\n",
		XS_REPLAY_MAX_FRAME, (unsigned long long)st->truncated,
		(unsigned long long)st->snapped, (unsigned long long)st->out_of_order);
	for (i = 0; i < XS_SKIP_MAX; i++)
		if (st->skipped[i])
			fprintf(stderr, "replay: frames skipped (%s): %llu\n", skip_names[i],
				(unsigned long long)st->skipped[i]);
	fprintf(stderr,
		"replay: new-flow events: %llu sent, %llu over budget, %llu ring full; "
		"malformed packets: %llu\n",
		(unsigned long long)st->totals.cnt[XS_N_EV_SENT],
		(unsigned long long)st->totals.cnt[XS_N_EV_BUDGET],
		(unsigned long long)st->totals.cnt[XS_N_EV_RINGFULL],
		(unsigned long long)st->totals.pkts[XS_C_MALFORMED]);
	if (st->read_error[0])
		fprintf(stderr, "replay: warning: reading stopped early%s: %s\n",
			st->file_truncated ? " (the capture is truncated)" : "", st->read_error);
}

int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "enforce", no_argument, NULL, 'e' },
		{ "report", required_argument, NULL, 1 },
		{ "speed", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *config = NULL, *path, *report = NULL;
	struct xs_enforce *enf = NULL;
	bool enforce = false;
	struct xs_replay_stats st;
	struct xs_outputs *out;
	struct xs_settings s;
	bool quiet = false;
	double speed = 0;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:es:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'e':
			enforce = true;
			break;
		case 1:
			report = optarg;
			enforce = true;
			break;
		case 's': {
			char *end;

			if (!strcmp(optarg, "top"))
				speed = 0;
			else if (!strcmp(optarg, "original"))
				speed = 1;
			else if ((speed = strtod(optarg, &end)) <= 0 || *end || end == optarg ||
				 speed > 1e6) {
				xs_err("--speed: expected top, original or a factor such as 10, got '%s'",
				       optarg);
				return XS_EXIT_USAGE;
			}
			break;
		}
		case 'q':
			quiet = true;
			break;
		case 'v':
			xs_log_set_level(XS_LOG_DEBUG);
			break;
		case 'h':
			replay_usage(stdout);
			return XS_EXIT_OK;
		default:
			xs_err("see 'xdpstream replay --help'");
			return XS_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		xs_err(optind == argc ? "no capture: pass FILE (see 'xdpstream replay --help')"
				      : "one capture at a time (see 'xdpstream replay --help')");
		return XS_EXIT_USAGE;
	}
	path = argv[optind];
	if (xs_settings_init(&s))
		return XS_EXIT_FAIL;
	if (config && xs_settings_load(&s, config)) {
		xs_settings_free(&s);
		return XS_EXIT_USAGE;	/* each error logged, one line each */
	}
	out = xs_output_new();
	if (!out || xs_output_configure(out, s.root) || xs_output_open(out)) {
		xs_output_free(out);
		xs_settings_free(&s);
		return XS_EXIT_FAIL;
	}
	if (enforce && !(enf = calloc(1, sizeof(*enf)))) {
		xs_output_free(out);
		xs_settings_free(&s);
		return XS_EXIT_FAIL;
	}
	struct xs_replay_opts o = {
		.path = path,
		.settings = &s,
		.out = out,
		.speed = speed,
		.enforce = enf,
	};
	ret = xs_replay_run(&o, &st);
	xs_output_free(out);
	if (!ret && !quiet)
		print_summary(path, &st, s.tick_ms / 1000.0);
	if (!ret && enf && !quiet)
		xs_enforce_print(enf, stderr);
	if (!ret && report) {
		json_t *j = xs_enforce_json(enf);

		if (json_dump_file(j, report, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) {
			xs_err("--report: cannot write %s", report);
			ret = -XS_EXIT_ENV;
		}
		json_decref(j);
	}
	free(enf);
	xs_settings_free(&s);
	return ret ? -ret : XS_EXIT_OK;
}
