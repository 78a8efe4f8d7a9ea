// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdpstream status: how a running instance is doing, at a glance. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "instance.h"
#include "log.h"
#include "names.h"
#include "status.h"

static void duration(__u64 s, char *buf, size_t n)
{
	if (s >= 86400)
		snprintf(buf, n, "%llud%02lluh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, n, "%lluh%02llum", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, n, "%llum%02llus", s / 60, s % 60);
}

/* A JSON string: a sink's name comes from the configuration and an
 * interface's from the system; neither may break the document (issue 13).
 * Bytes outside ASCII are written as \u00XX: valid JSON whatever they are. */
static void json_str(const char *v, size_t max)
{
	size_t i;

	putchar('"');
	for (i = 0; i < max && v[i]; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dir = XS_PIN_DIR_DEFAULT;
	struct xs_instance inst;
	struct xs_status st;
	struct xs_fp_board board;
	bool have_board;
	__u64 pkts = 0, bytes = 0, lost, errs = 0;
	double secs;
	bool json = false;
	char up[32];
	int c, i, err;

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
			printf("Usage: xdpstream status [--pin-dir DIR] [--json]\n"
			       "Attached interfaces and mode, program id, uptime, last tick's rates,\n"
			       "map fill, events lost, sink health, the BGP session and the flood\n"
			       "alerts' fingerprints of the running instance.\n");
			return XS_EXIT_OK;
		default:
			xs_err("see 'xdpstream status --help'");
			return XS_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		xs_err("unexpected argument '%s' (see 'xdpstream status --help')", argv[optind]);
		return XS_EXIT_USAGE;
	}
	if ((err = xs_check_privileges()))
		return -err;
	if ((err = xs_read_pinned(dir, "xs_status", &st)))
		return -err;
	/* An instance of an older build has no board. */
	have_board = xs_board_read(dir, &board) == 0;
	if ((err = xs_instance_find(dir, &inst))) {
		xs_err("cannot inspect %s: %s", dir, strerror(-err));
		return XS_EXIT_FAIL;
	}
	for (i = 0; i < XS_C_MAX; i++) {
		pkts += st.last.pkts[i];
		bytes += st.last.bytes[i];
	}
	for (i = 0; i < XS_E_MAX; i++)
		errs += st.last.err[i];
	lost = st.last.cnt[XS_N_EV_BUDGET] + st.last.cnt[XS_N_EV_RINGFULL];
	secs = st.last_secs_x1000 ? st.last_secs_x1000 / 1000.0 : 1;
	duration(time(NULL) - st.start_time, up, sizeof(up));
	if (json) {
		printf("{\"pid\":%u,\"uptime_s\":%llu,\"tick_ms\":%u,\"ticks\":%llu,\"tick_lag_us\":%u,"
		       "\"program_id\":%u,\"interfaces\":[",
		       st.pid, (unsigned long long)(time(NULL) - st.start_time), st.tick_ms,
		       (unsigned long long)st.ticks, st.tick_lag_us, inst.prog_id);
		for (i = 0; i < inst.nifaces; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(inst.ifaces[i].name, sizeof(inst.ifaces[i].name));
			printf(",\"mode\":\"%s\"}", xs_mode_name(inst.ifaces[i].mode));
		}
		printf("],\"pps\":%.0f,\"bps\":%.0f,\"malformed_ps\":%.0f,\"dst_entries\":%llu,"
		       "\"dst_capacity\":%llu,\"src_entries\":%llu,\"src_capacity\":%llu,"
		       "\"flow_capacity\":%llu,\"events_ps\":%.0f,\"events_lost_ps\":%.0f,"
		       "\"alerts_active\":%llu,\"sinks\":[",
		       pkts / secs, bytes * 8 / secs, errs / secs,
		       (unsigned long long)st.dst_entries, (unsigned long long)st.dst_capacity,
		       (unsigned long long)st.src_entries, (unsigned long long)st.src_capacity,
		       (unsigned long long)st.flow_capacity, st.last.cnt[XS_N_EV_SENT] / secs,
		       lost / secs, (unsigned long long)st.alerts_active);
		for (i = 0; i < (int)st.nsinks && i < XS_STATUS_SINKS; i++) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(st.sinks[i].name, sizeof(st.sinks[i].name));
			printf(",\"up\":%s,\"sent\":%llu,\"failed\":%llu,"
			       "\"queued\":%llu,\"spooled\":%llu}",
			       st.sinks[i].up ? "true" : "false",
			       (unsigned long long)st.sinks[i].sent,
			       (unsigned long long)st.sinks[i].failed,
			       (unsigned long long)st.sinks[i].queued,
			       (unsigned long long)st.sinks[i].spooled);
		}
		printf("]");
		if (have_board)
			xs_board_print_json(stdout, &board);
		printf("}\n");
		return XS_EXIT_OK;
	}
	printf("xdpstream pid %u, up %s, tick %u ms (last drain %u us), %llu ticks\n", st.pid, up,
	       st.tick_ms, st.tick_lag_us, (unsigned long long)st.ticks);
	printf("program id %u on", inst.prog_id);
	for (i = 0; i < inst.nifaces; i++)
		printf("%s %s (%s%s)", i ? "," : "", inst.ifaces[i].name,
		       xs_mode_name(inst.ifaces[i].mode),
		       inst.ifaces[i].dispatcher ? ", libxdp dispatcher" : "");
	printf("%s\n", inst.nifaces ? "" : " no interface");
	printf("last tick: %.0f packets/s, %.1f Mbit/s, %.0f malformed/s\n", pkts / secs,
	       bytes * 8 / secs / 1e6, errs / secs);
	printf("maps: destinations %llu/%llu, sources %llu/%llu (map full: %llu/%llu packets), "
	       "flows LRU %llu\n",
	       (unsigned long long)st.dst_entries, (unsigned long long)st.dst_capacity,
	       (unsigned long long)st.src_entries, (unsigned long long)st.src_capacity,
	       (unsigned long long)st.last.cnt[XS_N_DST_FULL],
	       (unsigned long long)st.last.cnt[XS_N_SRC_FULL],
	       (unsigned long long)st.flow_capacity);
	printf("events: %.0f/s sent, %.0f/s lost (budget %llu, ring full %llu in the last tick)\n",
	       st.last.cnt[XS_N_EV_SENT] / secs, lost / secs,
	       (unsigned long long)st.last.cnt[XS_N_EV_BUDGET],
	       (unsigned long long)st.last.cnt[XS_N_EV_RINGFULL]);
	printf("alerts active: %llu\n", (unsigned long long)st.alerts_active);
	for (i = 0; i < (int)st.nsinks && i < XS_STATUS_SINKS; i++)
		printf("sink %-24s %-4s sent %llu, failed %llu, queued %llu, spooled %llu\n",
		       st.sinks[i].name, st.sinks[i].up ? "up" : "DOWN",
		       (unsigned long long)st.sinks[i].sent, (unsigned long long)st.sinks[i].failed,
		       (unsigned long long)st.sinks[i].queued, (unsigned long long)st.sinks[i].spooled);
	if (have_board)
		xs_board_print(stdout, &board);
	return XS_EXIT_OK;
}
