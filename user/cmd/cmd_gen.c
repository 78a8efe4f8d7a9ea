// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpstream gen: transmit a scenario (or a capture) onto an interface on
 * the fastest transmit path that works here (user/gen.h), and print what
 * was sent and how.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>

#include "cli.h"
#include "gen.h"
#include "loader.h"
#include "log.h"
#include "scenario.h"

#define GEN_SEGMENTS_MAX 32

struct gen_opts {
	const char *iface;
	const char *pcap;
	double speed;		/* pcap: 0 = top speed, 1 = original */
	enum xs_oversize over;
	enum xs_gen_tx tx;
	bool json, quiet;
};

struct gen_segment {
	struct xs_scn_params prm;
	const struct xs_scenario *sc;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void gen_usage(FILE *f)
{
	fprintf(f,
		"Usage: xdpstream gen -i IFACE SCENARIO [FLAGS] [+ SCENARIO [FLAGS]]...\n"
		"       xdpstream gen -i IFACE --pcap FILE [--speed original|top|X]\n"
		"Transmit a scenario's frames onto IFACE (the frames 'synth' would write, at\n"
		"the scenario's rate; --rate max for top speed), or push an Ethernet capture\n"
		"like tcpreplay. Segments joined by '+' play one after the other (--gap S of\n"
		"silence before one). Prints what was sent, on which path, and warns when the\n"
		"path could not keep the asked rate; Ctrl-C stops early and still prints it.\n"
		"Needs root.\n\n"
		"  -i, --interface IFACE  where to send (in this network namespace)\n"
		"      --tx PATH          how frames leave: auto (default: the first of live,\n"
		"                         xdp, packet that works here, tried without sending),\n"
		"                         live (live-frames XDP test runs, frames built in the\n"
		"                         kernel; refused by hardened kernels), packet (AF_PACKET\n"
		"                         TX ring, qdisc bypassed) or xdp (AF_XDP, copy mode)\n"
		"      --pcap FILE        send the frames of this capture (pcap or pcapng)\n"
		"      --speed SPEED      with --pcap: original (the capture's pace, default),\n"
		"                         top (as fast as possible) or a factor (10 = 10x faster)\n"
		"      --oversize WHAT    with --pcap, frames longer than the MTU: truncate\n"
		"                         (default: cut to MTU + Ethernet/VLAN headers) or skip\n"
		"  -j, --json             print the summary as one JSON object\n"
		"  -q, --quiet            print nothing\n"
		"  -v, --verbose          debug logging\n"
		"  -h, --help             this text\n\n");
	xs_scn_usage(f);
	fprintf(f, "\nExample: xdpstream gen -i veth0 syn_flood --rate 200000 --duration 5\n");
}

static int parse_segment(int argc, char **argv, struct gen_opts *o, struct gen_segment *s,
			 bool *named)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "pcap", required_argument, NULL, 1 },
		{ "speed", required_argument, NULL, 2 },
		{ "oversize", required_argument, NULL, 3 },
		{ "tx", required_argument, NULL, 4 },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		XS_SCN_LONGOPTS,
		{}
	};
	char *end;
	int c, r;

	xs_scn_params_init(&s->prm);
	optind = 0;
	while ((c = getopt_long(argc, argv, "i:jqvh" XS_SCN_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o->iface = optarg;
			break;
		case 1:
			o->pcap = optarg;
			break;
		case 2:
			if (!strcmp(optarg, "original")) {
				o->speed = 1;
				break;
			}
			if (!strcmp(optarg, "top")) {
				o->speed = 0;
				break;
			}
			errno = 0;
			o->speed = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->speed > 0) || o->speed > 1e6) {
				xs_err("--speed: expected original, top or a factor > 0, got '%s'",
				       optarg);
				return -1;
			}
			break;
		case 3:
			if (!strcmp(optarg, "truncate"))
				o->over = XS_OVERSIZE_TRUNCATE;
			else if (!strcmp(optarg, "skip"))
				o->over = XS_OVERSIZE_SKIP;
			else {
				xs_err("--oversize: expected truncate or skip, got '%s'", optarg);
				return -1;
			}
			break;
		case 4:
			if (xs_gen_tx_parse(optarg, &o->tx)) {
				xs_err("--tx: expected auto, live, packet or xdp, got '%s'", optarg);
				return -1;
			}
			break;
		case 'j':
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			xs_log_set_level(XS_LOG_DEBUG);
			break;
		case 'h':
			gen_usage(stdout);
			exit(XS_EXIT_OK);
		case 'r':
			if (!strcmp(optarg, "max")) {
				s->prm.rate = 0;
				s->prm.rate_set = true;
				break;
			}
			/* fall through */
		default:
			r = xs_scn_opt(c, optarg, &s->prm);
			if (r < 0)
				return -1;
			if (r > 0) {
				xs_err("see 'xdpstream gen --help'");
				return -1;
			}
			if (c == XS_SCN_O_AT) {
				xs_err("--at: gen plays segments one after the other: use --gap");
				return -1;
			}
		}
	}
	*named = optind < argc;
	if (optind + 1 < argc) {
		xs_err("unexpected argument '%s': join scenarios with '+'", argv[optind + 1]);
		return -1;
	}
	if (*named) {
		s->sc = xs_scenario_find(argv[optind]);
		if (!s->sc) {
			xs_err("unknown scenario '%s' (see 'xdpstream gen --help')", argv[optind]);
			return -1;
		}
	}
	return 0;
}

static double rate_of(uint64_t frames, double secs)
{
	return secs > 0 ? frames / secs : 0;
}

/* The path could not keep the pace asked: said on stderr, whatever the
 * output. */
static void warn_behind(const struct xs_gen_report *r, const char *what, const char *asked)
{
	if (r->behind)
		xs_warn("%s: the %s path could not keep %s: %.0f frames/s, the last frame %.2f s "
			"late",
			what, xs_gen_tx_name(r->tx), asked, rate_of(r->frames, r->seconds), r->late_s);
}

static void print_plan_report(const struct gen_opts *o, const struct xs_plan *p,
			      const struct xs_gen_report *r, json_t *arr)
{
	char kinds[1024], truth[200], asked[32];

	if (p->rate) {
		char want[64];

		snprintf(want, sizeof(want), "the %llu frames/s asked", (unsigned long long)p->rate);
		warn_behind(r, p->scenario, want);
	}
	if (o->json) {
		json_t *s = xs_plan_json(p, r->frames);

		json_object_set_new(s, "planned", json_integer((json_int_t)p->count));
		json_object_set_new(s, "seconds", json_real(r->seconds));
		json_object_set_new(s, "start_unix", json_real(r->start_unix));
		json_object_set_new(s, "rate_achieved", json_real(rate_of(r->frames, r->seconds)));
		json_object_set_new(s, "tx", json_string(xs_gen_tx_name(r->tx)));
		json_object_set_new(s, "rate_kept", json_boolean(!r->behind));
		json_object_set_new(s, "late_s", json_real(r->late_s));
		json_object_set_new(s, "tx_dropped", json_integer((json_int_t)r->tx_dropped));
		json_object_set_new(s, "tx_retried", json_integer((json_int_t)r->tx_retried));
		json_object_set_new(s, "interrupted", json_boolean(r->interrupted));
		json_array_append_new(arr, s);
		return;
	}
	if (o->quiet)
		return;
	xs_plan_kinds_str(p, r->frames, kinds, sizeof(kinds));
	if (p->rate)
		snprintf(asked, sizeof(asked), "%llu", (unsigned long long)p->rate);
	else
		snprintf(asked, sizeof(asked), "max");
	printf("sent %s on %s via %s: %llu frames (%llu %s), %llu bytes in %.3f s: %.0f frames/s "
	       "(asked %s%s), %.1f Mbit/s%s\n",
	       p->scenario, o->iface, xs_gen_tx_name(r->tx), (unsigned long long)r->frames,
	       (unsigned long long)((r->frames + p->cfg.unit - 1) / p->cfg.unit), p->unit_name,
	       (unsigned long long)r->bytes, r->seconds, rate_of(r->frames, r->seconds), asked,
	       r->behind ? ": NOT KEPT" : "", rate_of(r->bytes * 8, r->seconds) / 1e6,
	       r->interrupted ? " (interrupted)" : "");
	printf("  frames: %s\n", kinds);
	printf("  truth:  %s\n", xs_label_str(&p->label, truth, sizeof(truth)));
	if (r->tx_dropped)
		printf("  %s dropped %llu frames on transmit (its peer could not take them)\n",
		       o->iface, (unsigned long long)r->tx_dropped);
	if (r->tx_retried)
		printf("  %s refused %llu frames for a moment: each was sent again\n", o->iface,
		       (unsigned long long)r->tx_retried);
}

static int gen_pcap(const struct gen_opts *o, struct xs_gen *g)
{
	struct xs_gen_report r;
	int ret = xs_gen_pcap(g, o->pcap, o->speed, o->over, &stop, &r);

	if (ret)
		return ret;
	if (o->speed > 0) {
		char want[64];

		snprintf(want, sizeof(want), "the capture's pace (x%g)", o->speed);
		warn_behind(&r, o->pcap, want);
	}
	if (o->json) {
		json_t *j = json_object();

		json_object_set_new(j, "interface", json_string(o->iface));
		json_object_set_new(j, "pcap", json_string(o->pcap));
		json_object_set_new(j, "speed", json_real(o->speed));
		json_object_set_new(j, "read", json_integer((json_int_t)r.read));
		json_object_set_new(j, "frames", json_integer((json_int_t)r.frames));
		json_object_set_new(j, "bytes", json_integer((json_int_t)r.bytes));
		json_object_set_new(j, "truncated", json_integer((json_int_t)r.truncated));
		json_object_set_new(j, "skipped", json_integer((json_int_t)r.skipped));
		json_object_set_new(j, "seconds", json_real(r.seconds));
		json_object_set_new(j, "start_unix", json_real(r.start_unix));
		json_object_set_new(j, "rate_achieved", json_real(rate_of(r.frames, r.seconds)));
		json_object_set_new(j, "tx", json_string(xs_gen_tx_name(r.tx)));
		json_object_set_new(j, "rate_kept", json_boolean(!r.behind));
		json_object_set_new(j, "late_s", json_real(r.late_s));
		json_object_set_new(j, "tx_dropped", json_integer((json_int_t)r.tx_dropped));
		json_object_set_new(j, "tx_retried", json_integer((json_int_t)r.tx_retried));
		json_object_set_new(j, "interrupted", json_boolean(r.interrupted));
		json_dumpf(j, stdout, JSON_COMPACT);
		printf("\n");
		json_decref(j);
	} else if (!o->quiet) {
		printf("sent %s on %s via %s: %llu of %llu frames, %llu bytes in %.3f s: %.0f "
		       "frames/s%s%s\n",
		       o->pcap, o->iface, xs_gen_tx_name(r.tx), (unsigned long long)r.frames,
		       (unsigned long long)r.read, (unsigned long long)r.bytes, r.seconds,
		       rate_of(r.frames, r.seconds), r.behind ? " (behind the capture's pace)" : "",
		       r.interrupted ? " (interrupted)" : "");
		printf("  truncated to the MTU: %llu; skipped: %llu (%s)\n",
		       (unsigned long long)r.truncated, (unsigned long long)r.skipped,
		       o->over == XS_OVERSIZE_SKIP ? "longer than the MTU, or shorter than 14 bytes"
						   : "shorter than 14 bytes");
		if (r.tx_dropped)
			printf("  %s dropped %llu frames on transmit\n", o->iface,
			       (unsigned long long)r.tx_dropped);
		if (r.tx_retried)
			printf("  %s refused %llu frames for a moment: each was sent again\n",
			       o->iface, (unsigned long long)r.tx_retried);
	}
	return r.interrupted ? XS_EXIT_FAIL : XS_EXIT_OK;
}

int cmd_gen(int argc, char **argv)
{
	static struct gen_segment seg[GEN_SEGMENTS_MAX];
	int start[GEN_SEGMENTS_MAX], len[GEN_SEGMENTS_MAX], nseg, i, ret;
	struct gen_opts o = { .speed = 1 };
	struct sigaction sa = { .sa_handler = on_signal };
	json_t *arr = NULL;
	struct xs_gen g;
	bool named = false, any = false;

	nseg = xs_scn_segments(argc - 1, argv + 1, start, len, GEN_SEGMENTS_MAX);
	if (nseg <= 0) {
		if (argc < 2)
			gen_usage(stderr);
		else
			xs_err("empty segment or more than %d: write SCENARIO [FLAGS] + SCENARIO "
			       "[FLAGS]",
			       GEN_SEGMENTS_MAX);
		return XS_EXIT_USAGE;
	}
	for (i = 0; i < nseg; i++) {
		char *sub[256];
		int subc = xs_scn_segment_argv(argv[0], argv + 1 + start[i], len[i], sub,
					       sizeof(sub) / sizeof(sub[0]));

		if (subc < 0 || parse_segment(subc, sub, &o, &seg[i], &named))
			return XS_EXIT_USAGE;
		any |= named;
		if (!named && !(o.pcap && nseg == 1)) {
			xs_err("no scenario in segment %d: name one, or pass --pcap FILE", i + 1);
			return XS_EXIT_USAGE;
		}
	}
	if (!o.iface) {
		xs_err("no interface: pass -i IFACE (see 'xdpstream gen --help')");
		return XS_EXIT_USAGE;
	}
	if (o.pcap && any) {
		xs_err("--pcap sends a capture: drop the scenario name, or drop --pcap");
		return XS_EXIT_USAGE;
	}
	if ((ret = -xs_check_privileges()))
		return ret;
	if (!if_nametoindex(o.iface)) {
		xs_err("unknown interface '%s': see 'ip link' for the names here", o.iface);
		return XS_EXIT_ENV;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = xs_gen_open_tx(&g, o.iface, o.pcap ? XS_GEN_PCAP_BATCH : XS_PLAN_KINDS, o.tx);
	if (ret)
		return ret == -ENODEV ? XS_EXIT_ENV : o.tx == XS_TX_AUTO ? XS_EXIT_LOAD : XS_EXIT_ENV;
	if (o.pcap) {
		ret = gen_pcap(&o, &g);
		xs_gen_close(&g);
		return ret;
	}

	arr = json_array();
	for (i = 0; i < nseg && !stop; i++) {
		struct xs_gen_report r;
		struct xs_plan p;

		ret = xs_scenario_build(seg[i].sc, &seg[i].prm, &p);
		if (ret)
			break;
		if (seg[i].prm.gap > 0) {
			struct timespec ts = { (time_t)seg[i].prm.gap,
					       (long)(fmod(seg[i].prm.gap, 1.0) * 1e9) };

			nanosleep(&ts, NULL);
		}
		ret = xs_gen_play(&g, &p, &stop, &r) ? XS_EXIT_FAIL : XS_EXIT_OK;
		print_plan_report(&o, &p, &r, arr);
		xs_plan_free(&p);
		if (ret)
			break;
		if (r.interrupted)
			ret = XS_EXIT_FAIL;
	}
	if (o.json) {
		json_t *root = json_object();

		json_object_set_new(root, "interface", json_string(o.iface));
		json_object_set_new(root, "tx", json_string(xs_gen_tx_name(g.tx)));
		json_object_set_new(root, "segments", arr);
		json_dumpf(root, stdout, JSON_COMPACT);
		printf("\n");
		json_decref(root);
	} else {
		json_decref(arr);
	}
	xs_gen_close(&g);
	return ret;
}
