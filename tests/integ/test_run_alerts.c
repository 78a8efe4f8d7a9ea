// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdpstream run` detects live: attached to the sensor end of a veth
 * pair, with a configuration file; a live-frames generator in the other
 * namespace sends a UDP flood (one long flow) and a port scan. The alerts
 * come out on stdout while it runs (the flood named after its single
 * source, the ingress interface named), and SIGINT ends the open ones.
 * Every alert line is valid against the schema.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "xs_lab.h"
#include "xs_test.h"

static int wait_for(const char *log, const char *pattern, int timeout_ms)
{
	int waited;

	for (waited = 0; waited < timeout_ms; waited += 100) {
		if (xs_sh("grep -q '%s' %s", pattern, log) == 0)
			return 0;
		usleep(100000);
	}
	return -1;
}

static void test_run_alerts(void)
{
	struct xs_lab lab;
	struct xs_gen gen;
	struct xs_pkt_spec s;
	uint8_t buf[XS_PKT_MAX];
	char args[512], log[256], cfg[256], alerts[256], pat[256];
	int old, len, p;
	pid_t pid;
	FILE *f;

	if (!xs_have_bpf())
		return;
	snprintf(log, sizeof(log), "%s/run-alerts.log", xs_tmpdir());
	snprintf(cfg, sizeof(cfg), "%s/run-alerts.yaml", xs_tmpdir());
	snprintf(alerts, sizeof(alerts), "%s/run-alerts.jsonl", xs_tmpdir());
	f = fopen(cfg, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "tick_ms: 100\n"
		   "alerts: {hostname: live-test, cooldown_s: 60}\n"
		   "rules:\n"
		   "  udp_flood: {window_s: 1}\n"
		   "  port_scan: {threshold: 50}\n");
	fclose(f);
	CU_ASSERT_FATAL(xs_lab_up(&lab, "r") == 0);
	snprintf(args, sizeof(args), "run -i %s -q --config %s", lab.if_s, cfg);
	pid = xs_lab_start(&lab, args, log);
	if (pid < 0) {
		CU_FAIL("xdpstream did not attach");
		xs_lab_down(&lab);
		return;
	}

	old = xs_netns_enter(lab.ns_a);
	CU_ASSERT_FATAL(old >= 0);
	CU_ASSERT_FATAL(xs_gen_open(&gen, lab.if_a) == 0);
	/* 300,000 UDP frames of one flow, at millions a second. */
	xs_pkt_spec_init(&s, "10.0.0.1", "198.18.0.1", IPPROTO_UDP, 5000, 6000);
	s.payload = 100;
	len = xs_pkt_build(&s, buf, sizeof(buf));
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL(xs_gen_send(&gen, buf, len, 300000), 0);
	/* A scan: 80 ports, one SYN each. */
	for (p = 1; p <= 80; p++) {
		xs_pkt_spec_init(&s, "10.0.0.7", "198.18.0.2", IPPROTO_TCP, 40000, (uint16_t)p);
		s.tcp_flags = XS_TCP_SYN;
		len = xs_pkt_build(&s, buf, sizeof(buf));
		CU_ASSERT_EQUAL(xs_gen_send(&gen, buf, len, 1), 0);
	}
	xs_gen_close(&gen);
	xs_netns_leave(old);

	/* Alerts while it runs. */
	CU_ASSERT_EQUAL(wait_for(log, "\"action\":\"start\".*\"rule\":{\"name\":\"udp_flood\"", 5000),
			0);
	CU_ASSERT_EQUAL(wait_for(log, "\"action\":\"start\".*\"rule\":{\"name\":\"port_scan\"", 5000),
			0);
	CU_ASSERT_EQUAL(xs_sh("grep '\"name\":\"udp_flood\"' %s | grep -q "
			      "'\"source\":{\"ip\":\"10.0.0.1\"},\"destination\":{\"ip\":\"198.18.0.1\"}'",
			      log),
			0);
	snprintf(pat, sizeof(pat), "\"ingress\":{\"interface\":{\"name\":\"%s\"}}", lab.if_s);
	CU_ASSERT_EQUAL(xs_sh("grep -q '%s' %s", pat, log), 0);
	CU_ASSERT_EQUAL(xs_sh("grep '\"name\":\"port_scan\"' %s | grep -q "
			      "'\"source\":{\"ip\":\"10.0.0.7\"},\"destination\":{\"ip\":\"198.18.0.2\"}'",
			      log),
			0);
	/* SIGINT: the open alerts end ("stopped"), then it detaches. */
	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGINT, 10000), 0);
	CU_ASSERT_EQUAL(xs_sh("grep -c '\"action\":\"end\".*\"reason\":\"stopped\"' %s | grep -qx 2",
			      log),
			0);
	CU_ASSERT_EQUAL(xs_lab_wait_xdp(&lab, false, 0), 0);
	xs_sh("grep '^{' %s > %s", log, alerts);
	CU_ASSERT_EQUAL(xs_sh("python3 tests/tools/check_alerts.py schema/alert.schema.json %s "
			      "--min-alerts 2 >&2",
			      alerts),
			0);
	if (CU_get_number_of_failures())
		xs_sh("cat %s >&2", log);
	xs_lab_down(&lab);
	unlink(log);
	unlink(cfg);
	unlink(alerts);
}

static const struct xs_test tests[] = {
	{ "run: live alerts on stdout, ended at exit", test_run_alerts },
};

XS_RUN_SUITE("run alerts", tests)
