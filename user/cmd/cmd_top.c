// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdpstream top: the top destinations and sources of the last tick,
 * refreshed every second; q quits. */
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "instance.h"
#include "log.h"
#include "names.h"
#include "status.h"

static void rate(double v, const char *unit, char *buf, size_t n)
{
	const char *p = "";

	if (v >= 1e9) {
		v /= 1e9;
		p = "G";
	} else if (v >= 1e6) {
		v /= 1e6;
		p = "M";
	} else if (v >= 1e3) {
		v /= 1e3;
		p = "k";
	}
	snprintf(buf, n, "%.1f%s%s", v, p, unit);
}

static void table(const char *title, const struct xs_top_entry *e, __u32 n, double secs)
{
	char a[XS_ADDR_STRLEN], pps[16], bps[16];
	__u32 i;

	printf("%-40s %12s %12s %10s\n", title, "packets/s", "bits/s", "SYN/s");
	for (i = 0; i < n; i++) {
		rate(e[i].pkts / secs, "", pps, sizeof(pps));
		rate(e[i].bytes * 8 / secs, "", bps, sizeof(bps));
		printf("%-40s %12s %12s %10.0f\n", xs_addr_str(&e[i].addr, a), pps, bps,
		       e[i].syn / secs);
	}
}

static int show(const char *dir, bool clear)
{
	struct xs_status st;
	struct xs_fp_board board;
	struct xs_top top;
	double secs;
	int err;

	if ((err = xs_read_pinned(dir, "xs_status", &st)) ||
	    (err = xs_read_pinned(dir, "xs_top", &top)))
		return err;
	secs = st.last_secs_x1000 ? st.last_secs_x1000 / 1000.0 : 1;
	if (clear)
		printf("\033[H\033[2J");
	printf("xdpstream top: epoch %u, tick %.3f s (q quits)\n\n", top.epoch, secs);
	table("destination", top.dst, top.ndst < XS_TOP_N ? top.ndst : XS_TOP_N, secs);
	printf("\n");
	table("source", top.src, top.nsrc < XS_TOP_N ? top.nsrc : XS_TOP_N, secs);
	if (!xs_board_read(dir, &board)) {
		printf("\n");
		xs_board_print(stdout, &board);
	}
	fflush(stdout);
	return 0;
}

int cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "once", no_argument, NULL, '1' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dir = XS_PIN_DIR_DEFAULT;
	struct termios saved, raw;
	bool once = !isatty(STDOUT_FILENO), tty = isatty(STDIN_FILENO);
	int c, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:1h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			dir = optarg;
			break;
		case '1':
			once = true;
			break;
		case 'h':
			printf("Usage: xdpstream top [--pin-dir DIR] [--once]\n"
			       "Live view of the top destinations and sources (last tick) and of the\n"
			       "flood alerts' fingerprints, refreshed every second; q quits. --once\n"
			       "(or output not a terminal) prints once.\n");
			return XS_EXIT_OK;
		default:
			xs_err("see 'xdpstream top --help'");
			return XS_EXIT_USAGE;
		}
	}
	if ((err = xs_check_privileges()))
		return -err;
	if (once)
		return -show(dir, false);
	if (tty) {
		tcgetattr(STDIN_FILENO, &saved);
		raw = saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	for (;;) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		char ch = 0;

		if ((err = show(dir, true)))
			break;
		if (poll(&pfd, 1, 1000) > 0 && (read(STDIN_FILENO, &ch, 1) != 1 || ch == 'q'))
			break;
	}
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return -err;
}
