// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpstream emit: sends synthetic alerts (and per-tick aggregates) through
 * the outputs of a configuration file, the same code path as the daemon,
 * at a steady rate; then waits for queues and spools to drain and prints
 * what each output delivered. For checking a SIEM or Kafka pipeline end to
 * end, and for the fault tests.
 *
 * Alert i belongs to alert k = i / per_alert, event id PREFIX-k, and is its
 * start (first), end (last) or an update. Tick t has fixed contents so a
 * consumer can check them: destinations 203.0.113.(j+1), j < 20, with
 * packets 10(j+1)+t and bytes 1000(20-j)+t; sources 198.51.100.(j+1),
 * j < 30, with packets 5((7j mod 30)+1) and bytes 100(j+1)+t; class totals
 * ipv4_tcp 1000(t+1) packets / 64000(t+1) bytes, ipv4_udp 500(t+1) /
 * 256000(t+1).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <jansson.h>

#include "clock.h"
#include "cli.h"
#include "collector.h"
#include "config.h"
#include "exitcode.h"
#include "log.h"
#include "parse.h"
#include "rfc3339.h"
#include "names.h"
#include "output.h"

struct emit_opts {
	const char *config;
	unsigned long long count, rate, ticks, tick_ms, per_alert, wait_s, linger_s;
	char prefix[64];
	struct xs_outputs *out;
};

static const char *const rules[] = { "syn_flood",  "udp_flood", "icmp_flood",
				     "volumetric", "reflection", "port_scan",
				     "host_sweep", "brute_force", "traffic_anomaly" };

static void emit_usage(FILE *f)
{
	fprintf(f,
		"Usage: xdpstream emit [-c FILE] [OPTIONS]\n"
		"Send synthetic alerts (and per-tick aggregates) through the outputs of a\n"
		"configuration file, at a steady rate, then wait for every queue and spool to\n"
		"drain and print what each output delivered (on stderr). Exit status 1 if any\n"
		"output failed or still holds messages.\n\n"
		"  -c, --config FILE     configuration with an outputs: section (default: stdout)\n"
		"  -n, --count N         alert events to send (default: 3)\n"
		"  -r, --rate N          alert events per second, 1..100000 (default: 10)\n"
		"      --per-alert N     events per alert: start, updates, end (default: 3)\n"
		"      --prefix P        event id prefix (default: emit-PID)\n"
		"  -T, --ticks N         synthetic ticks to send to the aggregates (default: 0)\n"
		"      --tick-ms MS      time between ticks (default: 1000)\n"
		"  -w, --wait S          wait up to S seconds for outputs to drain (default: 10)\n"
		"      --linger S        then stay S seconds more (metrics keep serving)\n"
		"  -v, --verbose         debug logging\n"
		"  -h, --help            this text\n");
}

static int parse_emit_opts(int argc, char **argv, struct emit_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "per-alert", required_argument, NULL, 1 },
		{ "prefix", required_argument, NULL, 2 },
		{ "ticks", required_argument, NULL, 'T' },
		{ "tick-ms", required_argument, NULL, 3 },
		{ "wait", required_argument, NULL, 'w' },
		{ "linger", required_argument, NULL, 4 },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->count = 3;
	o->rate = 10;
	o->per_alert = 3;
	o->tick_ms = 1000;
	o->wait_s = 10;
	snprintf(o->prefix, sizeof(o->prefix), "emit-%d", (int)getpid());
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:n:r:T:w:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'n':
			if (xs_parse_u64("--count", optarg, 0, 100000000, &o->count))
				return -1;
			break;
		case 'r':
			if (xs_parse_u64("--rate", optarg, 1, 100000, &o->rate))
				return -1;
			break;
		case 1:
			if (xs_parse_u64("--per-alert", optarg, 1, 1000, &o->per_alert))
				return -1;
			break;
		case 2:
			snprintf(o->prefix, sizeof(o->prefix), "%s", optarg);
			break;
		case 'T':
			if (xs_parse_u64("--ticks", optarg, 0, 10000000, &o->ticks))
				return -1;
			break;
		case 3:
			if (xs_parse_u64("--tick-ms", optarg, 10, 60000, &o->tick_ms))
				return -1;
			break;
		case 'w':
			if (xs_parse_u64("--wait", optarg, 0, 86400, &o->wait_s))
				return -1;
			break;
		case 4:
			if (xs_parse_u64("--linger", optarg, 0, 86400, &o->linger_s))
				return -1;
			break;
		case 'v':
			xs_log_set_level(XS_LOG_DEBUG);
			break;
		case 'h':
			emit_usage(stdout);
			exit(XS_EXIT_OK);
		default:
			xs_err("see 'xdpstream emit --help'");
			return -1;
		}
	}
	if (optind < argc) {
		xs_err("unexpected argument '%s' (see 'xdpstream emit --help')", argv[optind]);
		return -1;
	}
	return 0;
}

static void send_alert(const struct emit_opts *o, unsigned long long i)
{
	unsigned long long k = i / o->per_alert, j = i % o->per_alert;
	const char *action = j == 0 ? "start" : j == o->per_alert - 1 ? "end" : "update";
	const char *rule = rules[k % (sizeof(rules) / sizeof(rules[0]))];
	char id[96], src[32], dst[32], ts[40], human[300];
	struct xs_alert_out a = {};
	json_t *doc;
	char *json;

	snprintf(id, sizeof(id), "%s-%llu", o->prefix, k);
	snprintf(src, sizeof(src), "198.51.100.%llu", k % 250 + 1);
	snprintf(dst, sizeof(dst), "203.0.113.%llu", k % 250 + 1);
	a.ts = xs_wall_s();
	xs_rfc3339(a.ts, 3, ts, sizeof(ts));
	a.severity = 20 + (int)((k * 17) % 80);
	a.dst_port = 80;
	doc = json_pack("{s:s, s:{s:s, s:s, s:s, s:i, s:I}, s:{s:s}, s:{s:s}, s:{s:s, s:i}, "
			"s:{s:s}, s:{s:s}, s:{s:b}}",
			"@timestamp", ts, "event", "kind", "alert", "action", action, "id", id,
			"severity", a.severity, "sequence", (json_int_t)i, "rule", "name", rule,
			"source", "ip", src, "destination", "ip", dst, "port", a.dst_port,
			"network", "transport", "tcp", "observer", "hostname", "emit", "xdpstream",
			"synthetic", 1);
	json = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!json)
		return;
	snprintf(human, sizeof(human), "%s %s %s -> %s:%d severity %d [%s] (synthetic #%llu)",
		 action, rule, src, dst, a.dst_port, a.severity, id, i);
	a.json = json;
	a.human = human;
	a.rule = rule;
	a.action = action;
	a.event_id = id;
	a.src_ip = src;
	a.dst_ip = dst;
	xs_output_alert(o->out, &a);
	free(json);
}

static void send_tick(const struct emit_opts *o, unsigned long long t)
{
	struct xs_dst_entry dst[20] = {};
	struct xs_src_entry src[30] = {};
	struct xs_tick tk = { .epoch = (__u32)(t + 1), .dst = dst, .ndst = 20, .src = src,
			      .nsrc = 30 };
	char ip[32];
	int j;

	tk.g.pkts[XS_C_IPV4_TCP] = 1000 * (t + 1);
	tk.g.bytes[XS_C_IPV4_TCP] = 64000 * (t + 1);
	tk.g.pkts[XS_C_IPV4_UDP] = 500 * (t + 1);
	tk.g.bytes[XS_C_IPV4_UDP] = 256000 * (t + 1);
	for (j = 0; j < 20; j++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", j + 1);
		xs_addr_parse(ip, &dst[j].addr);
		dst[j].v.pkts = 10 * (j + 1) + t;
		dst[j].v.bytes = 1000 * (20 - j) + t;
	}
	for (j = 0; j < 30; j++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", j + 1);
		xs_addr_parse(ip, &src[j].addr);
		src[j].v.pkts = 5 * ((7 * j) % 30 + 1);
		src[j].v.bytes = 100 * (j + 1) + t;
	}
	xs_output_tick(o->out, &tk, xs_wall_s(), o->tick_ms / 1000.0);
}

static int arm(int fd, unsigned long long ns)
{
	struct itimerspec its = {
		.it_interval = { ns / 1000000000ULL, ns % 1000000000ULL },
		.it_value = { ns / 1000000000ULL, ns % 1000000000ULL },
	};

	return timerfd_settime(fd, 0, &its, NULL);
}

static int emit_loop(const struct emit_opts *o)
{
	unsigned long long sent = 0, ticks = 0, exp;
	int efd, sfd, afd, tfd, ofd = xs_output_fd(o->out), n, i;
	struct epoll_event ev = { .events = EPOLLIN }, evs[8];
	double drain_until = 0, linger_until = 0;
	bool stop = false;
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	afd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	efd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || afd < 0 || tfd < 0 || efd < 0 || arm(afd, 1000000000ULL / o->rate) ||
	    arm(tfd, o->tick_ms * 1000000ULL)) {
		xs_err("cannot set up the event loop: %s", strerror(errno));
		return -XS_EXIT_FAIL;
	}
	ev.data.fd = sfd;
	epoll_ctl(efd, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = afd;
	epoll_ctl(efd, EPOLL_CTL_ADD, afd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(efd, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.fd = ofd;
	if (ofd >= 0)
		epoll_ctl(efd, EPOLL_CTL_ADD, ofd, &ev);

	while (!stop) {
		bool done = sent >= o->count && ticks >= o->ticks;

		if (done && !drain_until)
			drain_until = xs_wall_s() + o->wait_s;
		xs_output_service(o->out);
		if (done && !linger_until && (xs_output_idle(o->out) || xs_wall_s() >= drain_until)) {
			if (!o->linger_s)
				break;
			xs_info("emit: drained; lingering %llu s", o->linger_s);
			linger_until = xs_wall_s() + o->linger_s;
		}
		if (linger_until && xs_wall_s() >= linger_until)
			break;
		n = epoll_wait(efd, evs, 8, done ? 100 : -1);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP)
					xs_output_reopen(o->out);
				else
					stop = true;
			} else if (fd == afd) {
				if (read(afd, &exp, sizeof(exp)) != sizeof(exp))
					continue;
				while (exp-- && sent < o->count)
					send_alert(o, sent++);
			} else if (fd == tfd) {
				if (read(tfd, &exp, sizeof(exp)) != sizeof(exp))
					continue;
				if (ticks < o->ticks)
					send_tick(o, ticks++);
			}
		}
	}
	close(efd);
	close(tfd);
	close(afd);
	close(sfd);
	xs_info("emit: %llu alert events, %llu ticks sent to the outputs", sent, ticks);
	return 0;
}

int cmd_emit(int argc, char **argv)
{
	struct emit_opts o;
	struct xs_cfg *cfg = NULL;
	char err[600];
	int ret, i, bad = 0;

	if (parse_emit_opts(argc, argv, &o))
		return XS_EXIT_USAGE;
	if (o.config) {
		cfg = xs_cfg_load_file(o.config, err, sizeof(err));
		if (!cfg) {
			xs_err("%s", err);
			return XS_EXIT_USAGE;
		}
	}
	o.out = xs_output_new();
	if (!o.out) {
		xs_cfg_free(cfg);
		return XS_EXIT_FAIL;
	}
	xs_output_configure(o.out, cfg ? xs_cfg_root(cfg) : (xs_node){ 0 });
	if (cfg && xs_cfg_nerrors(cfg)) {
		for (i = 0; i < xs_cfg_nerrors(cfg); i++)
			xs_err("%s", xs_cfg_error_at(cfg, i));
		xs_output_free(o.out);
		xs_cfg_free(cfg);
		return XS_EXIT_USAGE;
	}
	if (xs_output_open(o.out)) {
		xs_output_free(o.out);
		xs_cfg_free(cfg);
		return XS_EXIT_ENV;
	}
	ret = -emit_loop(&o);
	xs_output_close(o.out);
	xs_output_print_stats(o.out, stderr);
	if (!ret && !xs_output_all_delivered(o.out))
		bad = 1;
	xs_output_free(o.out);
	xs_cfg_free(cfg);
	return ret ? ret : bad ? XS_EXIT_FAIL : XS_EXIT_OK;
}
