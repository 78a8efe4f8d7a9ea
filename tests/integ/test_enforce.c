// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Enforce mode live, and SIGHUP: a SYN port scan raises an alert whose
 * block action waits for evidence the scanner is real, which a SYN scan
 * never gives (its address could be anyone's: issue 13); a brute force,
 * whose handshakes complete and carry data, is blocked by its rule and
 * dropped in the kernel (counted per entry and globally, reported as a
 * mitigation event); a reload that disables a rule takes effect without
 * detaching or losing a count; an invalid file changes nothing.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "xs_lab.h"
#include "xs_test.h"

static struct xs_lab lab;
static char cfg[256], alerts[256], logfile[256], out[16384];
static pid_t pid;

static void write_cfg(const char *scan_rule)
{
	FILE *f = fopen(cfg, "w");

	CU_ASSERT_FATAL(f != NULL);
	fprintf(f,
		"tick_ms: 100\n"
		"mitigation:\n"
		"  enforce: true\n"
		"rules:\n"
		"  brute_force:\n"
		"    action: block\n"
		"  port_scan:\n%s"
		"outputs:\n"
		"  - type: file\n"
		"    path: %s\n"
		"    fsync_interval_ms: 0\n",
		scan_rule, alerts);
	fclose(f);
}

static int in_daemon(const char *args)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s/xdpstream %s", xs_build_dir_abs(), args);
	return xs_lab_in_daemon(pid, out, sizeof(out), cmd);
}

static int gen(const char *args)
{
	return xs_sh_out(out, sizeof(out), "ip netns exec %s %s/xdpstream gen -i %s -q %s", lab.ns_a,
			 xs_build_dir_abs(), lab.if_a, args);
}

static int xdp_id(void)
{
	char buf[512], *p;

	xs_sh_out(buf, sizeof(buf), "ip -n %s -d link show %s", lab.ns_s, lab.if_s);
	p = strstr(buf, "prog/xdp id ");
	return p ? atoi(p + strlen("prog/xdp id ")) : 0;
}

static int count_lines(const char *pattern)
{
	char buf[64];

	xs_sh_out(buf, sizeof(buf), "grep -c '%s' %s", pattern, alerts);
	return atoi(buf);
}

/* Waits for the daemon's log to say something. */
static bool wait_log(const char *what, int ms)
{
	for (; ms > 0; ms -= 100) {
		if (!xs_sh("grep -q '%s' %s", what, logfile))
			return true;
		usleep(100000);
	}
	return false;
}

static void test_setup(void)
{
	char args[256];

	CU_ASSERT_FATAL(xs_have_bpf());
	CU_ASSERT_FATAL(xs_lab_up(&lab, "f") == 0);
	snprintf(cfg, sizeof(cfg), "%s/enforce.yaml", xs_tmpdir());
	snprintf(alerts, sizeof(alerts), "%s/enforce.jsonl", xs_tmpdir());
	snprintf(logfile, sizeof(logfile), "%s/enforce.log", xs_tmpdir());
	write_cfg("    threshold: 20\n    window_s: 1\n    action: block\n    action_ttl_s: 600\n");
	snprintf(args, sizeof(args), "run -i %s --config %s -q", lab.if_s, cfg);
	pid = xs_lab_spawn(&lab, args, logfile);
	CU_ASSERT_FATAL(xs_lab_wait_xdp(&lab, true, 10000) == 0);
}

static void test_scan_blocked(void)
{
	long long dropped;
	int i;

	/* 2,000 SYN probes at 1,000/s: the alert comes within a second, and
	 * the block waits for a handshake that never comes. */
	CU_ASSERT_EQUAL(gen("port_scan -s 203.0.113.66 -t 192.0.2.20 -p 1-2000 -r 1000 -n 2000"),
			0);
	for (i = 0; i < 30 && count_lines("waiting for evidence") < 1; i++)
		usleep(100000);
	CU_ASSERT(count_lines("\"name\":\"port_scan\"") >= 1);
	CU_ASSERT_EQUAL(count_lines("waiting for evidence"), 1);
	CU_ASSERT_EQUAL(count_lines("\"enforced\":true"), 0);
	CU_ASSERT_EQUAL(in_daemon("blocks --json"), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "203.0.113.66"));
	CU_ASSERT_EQUAL(in_daemon("stats --json"), 0);
	CU_ASSERT_EQUAL(xs_json_num(out, "counter_dropped_blocklist"), 0);
	CU_ASSERT_EQUAL(xs_json_num(out, "packets"), 2000);

	/* A brute force: 100 connections whose client completes the
	 * handshake and sends its login, 900 frames at 200/s. */
	CU_ASSERT_EQUAL(gen("brute_force -s 203.0.113.67 -t 192.0.2.22"), 0);
	for (i = 0; i < 30 && count_lines("\"enforced\":true") < 1; i++)
		usleep(100000);
	CU_ASSERT(count_lines("\"name\":\"brute_force\"") >= 1);
	CU_ASSERT_EQUAL(count_lines("\"enforced\":true"), 1);
	CU_ASSERT_EQUAL(in_daemon("blocks --json"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"prefix\":\"203.0.113.67/32\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"by\":\"rule\""));
	CU_ASSERT_EQUAL(in_daemon("stats --json"), 0);
	dropped = xs_json_num(out, "counter_dropped_blocklist");
	/* The connections after the block: dropped. */
	printf("\n  %lld of the brute force's 900 frames dropped", dropped);
	CU_ASSERT(dropped > 100 && dropped < 900);
	CU_ASSERT_EQUAL(xs_json_num(out, "packets"), 2900);
	CU_ASSERT_EQUAL(in_daemon("unblock 203.0.113.67"), 0);
}

/* The commands against the running instance, and their events. */
static void test_block_commands(void)
{
	int i;

	CU_ASSERT_EQUAL(in_daemon("block 203.0.113.200 --ttl 60"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "blocked 203.0.113.200/32 for 60 s"));
	CU_ASSERT_EQUAL(in_daemon("limit 192.0.2.0/24 --pps 1000 --match udp"), 0);
	CU_ASSERT_EQUAL(in_daemon("blocks --json"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"prefix\":\"203.0.113.200/32\",\"hits\":0,"
					   "\"bytes\":0,\"by\":\"user\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"prefix\":\"192.0.2.0/24\",\"match\":\"udp\","
					   "\"pps\":1000"));
	/* Mistakes: one line each, exit 2. */
	CU_ASSERT_EQUAL(in_daemon("block 10.1.2.3/8 2>&1"), XS_EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "zero host bits"));
	CU_ASSERT_EQUAL(in_daemon("unblock 198.51.100.1 2>&1"), XS_EXIT_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "is not blocked"));
	CU_ASSERT_EQUAL(in_daemon("limit 192.0.2.1 2>&1"), XS_EXIT_USAGE);
	CU_ASSERT_EQUAL(in_daemon("unblock 203.0.113.200"), 0);
	CU_ASSERT_EQUAL(in_daemon("unlimit 192.0.2.0/24"), 0);
	/* The daemon turns each change into an event, attributed to the user. */
	for (i = 0; i < 30 && count_lines("\"action\":\"unlimit\"") < 1; i++)
		usleep(100000);
	CU_ASSERT_EQUAL(count_lines("203.0.113.200"), 2);	/* block, unblock */
	CU_ASSERT_EQUAL(count_lines("\"action\":\"rate_limit\""), 1);
	CU_ASSERT_EQUAL(count_lines("\"action\":\"unlimit\""), 1);
	CU_ASSERT(count_lines("\"by\":\"user\"") >= 4);
}

static void test_reload(void)
{
	long long before;
	int id = xdp_id();

	CU_ASSERT_EQUAL(in_daemon("stats --json"), 0);
	before = xs_json_num(out, "packets");
	/* The rule off: a new scanner raises nothing. */
	write_cfg("    enabled: false\n");
	kill(pid, SIGHUP);
	CU_ASSERT(wait_log("reloaded", 5000));
	CU_ASSERT_EQUAL(gen("port_scan -s 203.0.113.77 -t 192.0.2.21 -p 1-300 -r 1000 -n 300"), 0);
	usleep(1500000);
	CU_ASSERT_EQUAL(count_lines("203.0.113.77"), 0);
	/* Attached all along, and nothing recounted. */
	CU_ASSERT_EQUAL(xdp_id(), id);
	CU_ASSERT_EQUAL(in_daemon("stats --json"), 0);
	CU_ASSERT_EQUAL(xs_json_num(out, "packets"), before + 300);
	/* An invalid file: one line per error, the running configuration stays. */
	write_cfg("    thresold: 5\n");
	kill(pid, SIGHUP);
	CU_ASSERT(wait_log("reload of .* failed", 5000));
	CU_ASSERT(wait_log("rules.port_scan.thresold: unknown key", 100));
	CU_ASSERT_EQUAL(kill(pid, 0), 0);
}

static void test_teardown(void)
{
	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGTERM, 10000), 0);
	CU_ASSERT_EQUAL(xs_sh("python3 tests/tools/check_alerts.py schema/alert.schema.json %s",
			      alerts),
			0);
	xs_lab_down(&lab);
	unlink(cfg);
	unlink(alerts);
	if (!getenv("XS_KEEP_LOGS"))
		unlink(logfile);
}

static const struct xs_test tests[] = {
	{ "set up: daemon in enforce mode", test_setup },
	{ "a SYN scan is not blocked; a brute force with handshakes is", test_scan_blocked },
	{ "block, unblock, limit, unlimit, blocks: effects and events", test_block_commands },
	{ "SIGHUP: a new configuration applies, nothing detached or lost", test_reload },
	{ "stop; every alert and event valid", test_teardown },
};

XS_RUN_SUITE("enforce mode and reload", tests)
