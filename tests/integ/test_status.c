// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdpstream status` and `top` against a running daemon. */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "loader.h"
#include "xs_lab.h"
#include "xs_test.h"

static struct xs_lab lab;
static pid_t pid;
static char out[16384];

static int in_daemon(const char *args)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s/xdpstream %s", xs_build_dir_abs(), args);
	return xs_lab_in_daemon(pid, out, sizeof(out), cmd);
}

static long long ticks(void)
{
	if (in_daemon("status --json"))
		return -1;
	return xs_json_num(out, "ticks");
}

static void send_to(const char *dst, unsigned long n)
{
	struct xs_pkt_spec s;
	struct xs_gen g;
	uint8_t buf[256];
	int len;

	xs_pkt_spec_init(&s, "10.9.9.9", dst, IPPROTO_UDP, 1000, 2000);
	len = xs_pkt_build(&s, buf, sizeof(buf));
	CU_ASSERT_FATAL(xs_gen_open(&g, lab.if_a) == 0);
	CU_ASSERT(xs_gen_send(&g, buf, len, n) == 0);
	xs_gen_close(&g);
}

static void test_status_and_top(void)
{
	char args[256], *a, *b, *c;
	long long t0;
	int old, i;

	CU_ASSERT_FATAL(xs_have_bpf());
	CU_ASSERT_FATAL(xs_lab_up(&lab, "s") == 0);
	snprintf(args, sizeof(args), "run -i %s -m native -t 3000 -q", lab.if_s);
	pid = xs_lab_spawn(&lab, args, "/dev/null");
	CU_ASSERT_FATAL(xs_lab_wait_xdp(&lab, true, 10000) == 0);
	/* Right after a tick, send everything: it all lands in the next one. */
	for (i = 0; i < 100 && (t0 = ticks()) < 1; i++)
		usleep(100000);
	CU_ASSERT_FATAL(t0 >= 1);
	old = xs_netns_enter(lab.ns_a);
	send_to("198.18.0.1", 30000);
	send_to("198.18.0.2", 20000);
	send_to("198.18.0.3", 10000);
	xs_netns_leave(old);
	for (i = 0; i < 100 && ticks() < t0 + 1; i++)
		usleep(100000);

	CU_ASSERT_EQUAL(in_daemon("status --json"), 0);
	CU_ASSERT_EQUAL(xs_json_num(out, "pid"), pid);
	CU_ASSERT_EQUAL(xs_json_num(out, "dst_entries"), 3);
	CU_ASSERT_EQUAL(xs_json_num(out, "src_entries"), 1);
	CU_ASSERT_EQUAL(xs_json_num(out, "dst_capacity"), 65536);
	CU_ASSERT_EQUAL(xs_json_num(out, "tick_ms"), 3000);
	CU_ASSERT(xs_json_num(out, "program_id") > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"mode\":\"native\""));
	snprintf(args, sizeof(args), "\"name\":\"%s\"", lab.if_s);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, args));
	/* 60,000 packets in a tick of about 3 s. */
	CU_ASSERT(xs_json_num(out, "pps") > 15000 && xs_json_num(out, "pps") < 25000);

	CU_ASSERT_EQUAL(in_daemon("top --once"), 0);
	a = strstr(out, "198.18.0.1");
	b = strstr(out, "198.18.0.2");
	c = strstr(out, "198.18.0.3");
	CU_ASSERT(a && b && c && a < b && b < c);	/* by packets, descending */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "10.9.9.9"));

	CU_ASSERT_EQUAL(in_daemon("status"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "destinations 3/65536"));

	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGTERM, 10000), 0);
	xs_lab_down(&lab);
}

/* A sink's name is the configuration's: quotes and backslashes in it must
 * not break `status --json` (issue 13). */
static void test_status_json_escaped(void)
{
	char args[512], cfg[256], alerts[256], cmd[600];
	FILE *f;

	CU_ASSERT_FATAL(xs_have_bpf());
	CU_ASSERT_FATAL(xs_lab_up(&lab, "s") == 0);
	snprintf(cfg, sizeof(cfg), "%s/status.yaml", xs_tmpdir());
	snprintf(alerts, sizeof(alerts), "%s/status.jsonl", xs_tmpdir());
	f = fopen(cfg, "w");
	CU_ASSERT_FATAL(f != NULL);
	fprintf(f, "outputs:\n  - type: file\n    name: 'a\"},\\x\t'\n    path: %s\n", alerts);
	fclose(f);
	snprintf(args, sizeof(args), "run -i %s -t 200 -q -c %s", lab.if_s, cfg);
	pid = xs_lab_spawn(&lab, args, "/dev/null");
	CU_ASSERT_FATAL(xs_lab_wait_xdp(&lab, true, 10000) == 0);
	usleep(600000);
	CU_ASSERT_EQUAL(in_daemon("status --json"), 0);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys; d=json.loads(sys.argv[1]); "
		 "sys.exit(d[\"sinks\"][0][\"name\"] != \"a\\\"},\\\\x\\t\")' '%s'",
		 out);
	CU_ASSERT_EQUAL(xs_sh("%s", cmd), 0);
	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGTERM, 10000), 0);
	xs_lab_down(&lab);
}

static const struct xs_test tests[] = {
	{ "status and top report the last tick", test_status_and_top },
	{ "status --json escapes names", test_status_json_escaped },
};

XS_RUN_SUITE("status and top", tests)
