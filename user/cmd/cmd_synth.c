// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpstream synth: write a labelled capture of one or more scenarios
 * (segments joined by "+"), merged by time, with libpcap.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "cli.h"
#include "exitcode.h"
#include "log.h"
#include "parse.h"
#include "pcapio.h"
#include "pktbuild.h"
#include "scenario.h"

#define SYNTH_SEGMENTS_MAX 32
#define SYNTH_START_DEFAULT 1704067200ULL /* 2024-01-01T00:00:00Z */

struct segment {
	struct xs_scn_params prm;
	const struct xs_scenario *sc;
	struct xs_plan plan;
	uint64_t start_ns;	/* after the capture's first instant */
	uint64_t n;		/* frames written */
	int frag;		/* bytes of IP payload per fragment, 0: none */
	bool built;
};

struct synth_opts {
	const char *output;
	unsigned long long start;
	bool json, quiet;
};

static void synth_usage(FILE *f)
{
	fprintf(f,
		"Usage: xdpstream synth SCENARIO -o FILE [FLAGS] [+ SCENARIO [FLAGS]]...\n"
		"Write the frames of a scenario to an Ethernet pcap (nanosecond timestamps)\n"
		"and print what was written, with the ground truth: the alert the traffic\n"
		"must raise (rule:attacker>victim, as in TRUTH.tsv) and the rules that must\n"
		"stay silent. Segments joined by '+' follow one another (--gap S between), or\n"
		"overlap (--at S); their frames are merged by time.\n\n"
		"  -o, --output FILE     the capture to write (replaced)\n"
		"      --start SECONDS   Unix time of the first frame (default %llu,\n"
		"                        2024-01-01T00:00:00Z)\n"
		"      --frag BYTES      cut every IP packet of this segment into fragments\n"
		"                        of BYTES bytes of payload (a multiple of 8; 8 is\n"
		"                        what 'nmap -f' sends: the TCP header split in 3)\n"
		"  -j, --json            print the summary as one JSON object\n"
		"  -q, --quiet           print nothing\n"
		"  -h, --help            this text\n\n",
		SYNTH_START_DEFAULT);
	xs_scn_usage(f);
	fprintf(f, "\nExample: xdpstream synth benign -d 5 + port_scan --gap 1 -o story.pcap\n");
}

/* Parses one segment's words (argv[0] is the command's name). */
static int parse_segment(int argc, char **argv, struct synth_opts *o, struct segment *s)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "start", required_argument, NULL, 1 },
		{ "frag", required_argument, NULL, 2 },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		XS_SCN_LONGOPTS,
		{}
	};
	int c, r;

	xs_scn_params_init(&s->prm);
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:jqh" XS_SCN_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 1:
			if (xs_parse_u64("--start", optarg, 0, 1ULL << 33, &o->start))
				return -1;
			break;
		case 2: {
			unsigned long long v;

			if (xs_parse_u64("--frag", optarg, 8, 1480, &v))
				return -1;
			if (v % 8) {
				xs_err("--frag: fragments carry multiples of 8 bytes, got %llu", v);
				return -1;
			}
			s->frag = (int)v;
			break;
		}
		case 'j':
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			synth_usage(stdout);
			exit(XS_EXIT_OK);
		default:
			r = xs_scn_opt(c, optarg, &s->prm);
			if (r < 0)
				return -1;
			if (r > 0) {
				xs_err("see 'xdpstream synth --help'");
				return -1;
			}
		}
	}
	if (optind >= argc) {
		xs_err("no scenario: name one (see 'xdpstream synth --help')");
		return -1;
	}
	if (optind + 1 < argc) {
		xs_err("unexpected argument '%s': join scenarios with '+'", argv[optind + 1]);
		return -1;
	}
	s->sc = xs_scenario_find(argv[optind]);
	if (!s->sc) {
		xs_err("unknown scenario '%s' (see 'xdpstream synth --help')", argv[optind]);
		return -1;
	}
	return 0;
}

/* Writes a frame, or its fragments of frag bytes each (the first keeps
 * the datagram's IPv4 identification; IPv6 gets one per datagram). */
static uint64_t write_frame(struct xs_pcap_out *out, uint64_t ts, const uint8_t *buf, int len,
			    int frag, uint64_t *bytes)
{
	static uint8_t piece[XS_GEN_FRAME_MAX];
	static uint32_t id6 = 0x1000;
	int l3 = 14, n, i, v, mtu;
	uint32_t id;

	while (frag && len >= l3 + 4 && ((buf[l3 - 2] == 0x81 || buf[l3 - 2] == 0x88) &&
					 (buf[l3 - 1] == 0x00 || buf[l3 - 1] == 0xa8)))
		l3 += 4;	/* 802.1Q / 802.1ad tags */
	v = len > l3 ? buf[l3] >> 4 : 0;
	mtu = (v == 4 ? 20 : 48) + frag;
	n = frag && (v == 4 || v == 6) ? xs_pkt_frag_count(buf, len, l3, mtu) : 1;
	if (n <= 1) {
		xs_pcap_out_write(out, ts, buf, (uint32_t)len);
		*bytes += (uint64_t)len;
		return 1;
	}
	id = v == 4 ? (uint32_t)(buf[l3 + 4] << 8 | buf[l3 + 5]) : id6++;
	for (i = 0; i < n; i++) {
		int plen = xs_pkt_fragment(buf, len, l3, mtu, i, id, piece, sizeof(piece));

		if (plen < 0)
			return i;
		xs_pcap_out_write(out, ts, piece, (uint32_t)plen);
		*bytes += (uint64_t)plen;
	}
	return (uint64_t)n;
}

/* Frames of all segments in time order (ties: the earlier segment). */
static int write_pcap(const char *path, struct segment *seg, int nseg, uint64_t start_s,
		      uint64_t *frames, uint64_t *bytes)
{
	static uint8_t buf[XS_GEN_FRAME_MAX];
	struct xs_pcap_out *out;
	char tmp[4096], err[256];
	int i, ret = 0;

	*frames = *bytes = 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	out = xs_pcap_out_open(tmp, err, sizeof(err));
	if (!out) {
		xs_err("cannot write %s: %s", tmp, err);
		return XS_EXIT_ENV;
	}
	for (;;) {
		uint64_t best_t = 0, t;
		int best = -1, len;

		for (i = 0; i < nseg; i++) {
			if (seg[i].n >= seg[i].plan.count)
				continue;
			t = seg[i].start_ns + xs_plan_time_ns(&seg[i].plan, seg[i].n);
			if (best < 0 || t < best_t) {
				best = i;
				best_t = t;
			}
		}
		if (best < 0)
			break;
		len = xs_plan_frame(&seg[best].plan, seg[best].n++, buf);
		*frames += write_frame(out, start_s * 1000000000ULL + best_t, buf, len,
				       seg[best].frag, bytes);
	}
	if (xs_pcap_out_close(out)) {
		xs_err("cannot write %s: %s", tmp, strerror(errno));
		ret = XS_EXIT_ENV;
	}
	if (!ret && rename(tmp, path)) {
		xs_err("cannot rename %s to %s: %s", tmp, path, strerror(errno));
		ret = XS_EXIT_ENV;
	}
	if (ret)
		unlink(tmp);
	return ret;
}

static void print_summary(const struct synth_opts *o, struct segment *seg, int nseg,
			  uint64_t frames, uint64_t bytes, uint64_t end_ns)
{
	int i;

	if (o->json) {
		json_t *root = json_object(), *arr = json_array();

		for (i = 0; i < nseg; i++) {
			json_t *s = xs_plan_json(&seg[i].plan, seg[i].plan.count);

			json_object_set_new(s, "start_s", json_real(seg[i].start_ns / 1e9));
			json_object_set_new(s, "end_s", json_real((seg[i].start_ns +
								   xs_plan_duration_ns(&seg[i].plan)) /
								  1e9));
			json_array_append_new(arr, s);
		}
		json_object_set_new(root, "file", json_string(o->output));
		json_object_set_new(root, "frames", json_integer((json_int_t)frames));
		json_object_set_new(root, "bytes", json_integer((json_int_t)bytes));
		json_object_set_new(root, "duration_s", json_real(end_ns / 1e9));
		json_object_set_new(root, "start", json_integer((json_int_t)o->start));
		json_object_set_new(root, "segments", arr);
		json_dumpf(root, stdout, JSON_COMPACT);
		printf("\n");
		json_decref(root);
		return;
	}
	printf("wrote %s: %llu frames, %llu bytes, %.3f s\n", o->output, (unsigned long long)frames,
	       (unsigned long long)bytes, end_ns / 1e9);
	for (i = 0; i < nseg; i++) {
		const struct xs_plan *p = &seg[i].plan;
		char kinds[1024], truth[200];

		xs_plan_kinds_str(p, p->count, kinds, sizeof(kinds));
		printf("  [%d] %-16s %8.3f-%.3f s  %llu frames (%llu %s) at %llu/s, seed %llu\n",
		       i + 1, p->scenario, seg[i].start_ns / 1e9,
		       (seg[i].start_ns + xs_plan_duration_ns(p)) / 1e9,
		       (unsigned long long)p->count,
		       (unsigned long long)((p->count + p->cfg.unit - 1) / p->cfg.unit),
		       p->unit_name, (unsigned long long)p->rate, (unsigned long long)p->cfg.seed);
		printf("      frames: %s%s\n", kinds, seg[i].frag ? " (each IP packet in fragments)" : "");
		printf("      truth:  %s", xs_label_str(&p->label, truth, sizeof(truth)));
		if (p->label.forbid[0])
			printf("  (silent: %s)", p->label.forbid);
		printf("\n");
	}
}

int cmd_synth(int argc, char **argv)
{
	static struct segment seg[SYNTH_SEGMENTS_MAX];
	int start[SYNTH_SEGMENTS_MAX], len[SYNTH_SEGMENTS_MAX], nseg, i, ret = XS_EXIT_USAGE;
	struct synth_opts o = { .start = SYNTH_START_DEFAULT };
	uint64_t frames, bytes, end_ns = 0, prev_end = 0;

	nseg = xs_scn_segments(argc - 1, argv + 1, start, len, SYNTH_SEGMENTS_MAX);
	if (nseg <= 0) {
		if (argc < 2)
			synth_usage(stderr);
		else
			xs_err("empty segment or more than %d: write SCENARIO [FLAGS] + SCENARIO "
			       "[FLAGS]",
			       SYNTH_SEGMENTS_MAX);
		return XS_EXIT_USAGE;
	}
	for (i = 0; i < nseg; i++) {
		char *sub[256];
		int subc = xs_scn_segment_argv(argv[0], argv + 1 + start[i], len[i], sub,
					       sizeof(sub) / sizeof(sub[0]));

		memset(&seg[i], 0, sizeof(seg[i]));
		if (subc < 0 || parse_segment(subc, sub, &o, &seg[i]))
			return XS_EXIT_USAGE;
	}
	if (!o.output) {
		xs_err("no output file: pass -o FILE.pcap");
		return XS_EXIT_USAGE;
	}
	for (i = 0; i < nseg; i++) {
		const struct xs_scn_params *p = &seg[i].prm;

		ret = xs_scenario_build(seg[i].sc, p, &seg[i].plan);
		if (ret)
			goto out;
		seg[i].built = true;
		seg[i].start_ns = p->at_set ? (uint64_t)llround(p->at * 1e9)
					    : prev_end + (uint64_t)llround(p->gap * 1e9);
		prev_end = seg[i].start_ns + xs_plan_duration_ns(&seg[i].plan);
		if (prev_end > end_ns)
			end_ns = prev_end;
	}
	ret = write_pcap(o.output, seg, nseg, o.start, &frames, &bytes);
	if (!ret && !o.quiet)
		print_summary(&o, seg, nseg, frames, bytes, end_ns);
out:
	for (i = 0; i < nseg; i++)
		if (seg[i].built)
			xs_plan_free(&seg[i].plan);
	return ret;
}
