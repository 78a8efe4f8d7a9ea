// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Metrics during a live run: xdpstream attached to a veth with a metrics
 * output; a live-frames generator sends a known mix; the Prometheus
 * endpoint, scraped from the sensor's namespace, reports exactly what was
 * sent (packets and bytes by class, parse errors, counters), the map
 * sizes given on the command line, ticks and tick timing; promtool accepts
 * the format. SIGHUP (logrotate) leaves the daemon running.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "xs_lab.h"
#include "xs_test.h"

/* The value of one sample line "name{labels} value", or -1. */
static double sample(const char *text, const char *name)
{
	char key[256];
	const char *p;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(text, key);
	return p ? strtod(p + strlen(key), NULL) : -1;
}

static void expect(const char *text, const char *name, double want)
{
	double got = sample(text, name);

	if (got != want)
		printf("\n  %s = %.0f, expected %.0f", name, got, want);
	CU_ASSERT_EQUAL(got, want);
}

static int gen_send(struct xs_gen *g, struct xs_pkt_spec *s, int cut, unsigned long count)
{
	uint8_t buf[XS_PKT_MAX];
	int len = xs_pkt_build(s, buf, sizeof(buf));

	if (len <= 0)
		return -1;
	return xs_gen_send(g, buf, cut ? cut : len, count) ? -1 : len;
}

static void test_metrics_live(void)
{
	char cfg[256], log[256], args[512], cmd[1024], text[65536], path[256];
	int port = 26000 + getpid() % 1000, old, st, syn_len, udp_len;
	struct xs_pkt_spec s;
	struct xs_lab lab;
	struct xs_gen gen;
	FILE *f;
	pid_t pid;

	if (!xs_have_bpf())
		return;
	snprintf(cfg, sizeof(cfg), "%s/metrics.yaml", xs_tmpdir());
	snprintf(log, sizeof(log), "%s/metrics.log", xs_tmpdir());
	snprintf(path, sizeof(path), "%s/metrics.jsonl", xs_tmpdir());
	f = fopen(cfg, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "outputs:\n  - type: metrics\n    port: %d\n  - type: file\n    path: %s\n", port,
		path);
	fclose(f);
	CU_ASSERT_FATAL(xs_lab_up(&lab, "m") == 0);
	snprintf(args, sizeof(args),
		 "run -i %s --tick-ms 100 -q -c %s --dst-entries 1024 --src-entries 2048 "
		 "--flow-entries 4096",
		 lab.if_s, cfg);
	pid = xs_lab_start(&lab, args, log);
	if (pid < 0) {
		CU_FAIL("xdpstream did not attach");
		xs_lab_down(&lab);
		return;
	}

	old = xs_netns_enter(lab.ns_a);
	CU_ASSERT_FATAL(old >= 0);
	CU_ASSERT_FATAL(xs_gen_open(&gen, lab.if_a) == 0);
	xs_pkt_spec_init(&s, "10.1.0.1", "198.18.1.1", IPPROTO_TCP, 1000, 22);
	s.tcp_flags = XS_TCP_SYN;
	syn_len = gen_send(&gen, &s, 0, 30000);
	xs_pkt_spec_init(&s, "10.1.0.2", "198.18.1.2", IPPROTO_UDP, 123, 5000);
	s.payload = 200;
	udp_len = gen_send(&gen, &s, 0, 20000);
	xs_pkt_spec_init(&s, "10.1.0.3", "198.18.1.3", IPPROTO_UDP, 1, 2);
	CU_ASSERT(gen_send(&gen, &s, 14 + 20 + 4, 7000) > 0);	/* UDP header cut short */
	xs_gen_close(&gen);
	xs_netns_leave(old);
	CU_ASSERT_FATAL(syn_len > 0 && udp_len > 0);

	usleep(600000);	/* a few ticks */
	snprintf(cmd, sizeof(cmd),
		 "ip netns exec %s curl -sf http://127.0.0.1:%d/metrics > %s.txt && cat %s.txt",
		 lab.ns_s, port, log, log);
	st = xs_sh_out(text, sizeof(text), "%s", cmd);
	CU_ASSERT_EQUAL_FATAL(st, 0);
	expect(text, "xdpstream_packets_total{class=\"ipv4_tcp\"}", 30000);
	expect(text, "xdpstream_bytes_total{class=\"ipv4_tcp\"}", 30000.0 * syn_len);
	expect(text, "xdpstream_packets_total{class=\"ipv4_udp\"}", 20000);
	expect(text, "xdpstream_bytes_total{class=\"ipv4_udp\"}", 20000.0 * udp_len);
	expect(text, "xdpstream_packets_total{class=\"malformed\"}", 7000);
	expect(text, "xdpstream_parse_errors_total{reason=\"udp_trunc\"}", 7000);
	expect(text, "xdpstream_parse_errors_total{reason=\"tcp_trunc\"}", 0);
	expect(text, "xdpstream_tcp_packets_total{flags=\"syn\"}", 30000);
	expect(text, "xdpstream_reflector_source_port_packets_total", 20000);
	expect(text, "xdpstream_flows_new_total", 2);
	expect(text, "xdpstream_ringbuf_events_sent_total", 2);
	expect(text, "xdpstream_ringbuf_events_lost_total{reason=\"budget\"}", 0);
	expect(text, "xdpstream_map_capacity_entries{map=\"dst\"}", 1024);
	expect(text, "xdpstream_map_capacity_entries{map=\"src\"}", 2048);
	expect(text, "xdpstream_map_capacity_entries{map=\"flow\"}", 4096);
	expect(text, "xdpstream_tick_interval_seconds", 0.1);
	expect(text, "xdpstream_sink_up{sink=\"metrics\",type=\"metrics\"}", 1);
	expect(text, "xdpstream_sink_up{sink=\"file\",type=\"file\"}", 1);
	CU_ASSERT(sample(text, "xdpstream_ticks_total") >= 3);
	CU_ASSERT(sample(text, "xdpstream_tick_lag_seconds") >= 0);
	CU_ASSERT(sample(text, "xdpstream_tick_lag_seconds") < 0.1);
	CU_ASSERT(sample(text, "xdpstream_tick_drain_seconds") >= 0);
	if (!xs_sh("command -v promtool >/dev/null")) {
		CU_ASSERT_EQUAL(xs_sh("promtool check metrics < %s.txt", log), 0);
	} else {
		printf("\n  promtool not installed: format check skipped");
	}

	/* SIGHUP reopens the file output; the daemon keeps running. */
	kill(pid, SIGHUP);
	usleep(300000);
	CU_ASSERT_EQUAL(kill(pid, 0), 0);
	CU_ASSERT_EQUAL(xs_sh("grep -q 'output file: reopened %s' %s", path, log), 0);

	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGINT, 10000), 0);
	xs_lab_down(&lab);
	xs_sh("rm -f %s %s %s.txt %s", cfg, log, log, path);
}

static const struct xs_test tests[] = {
	{ "metrics scraped during a live run equal what was sent", test_metrics_live },
};

XS_RUN_SUITE("metrics on veth", tests)
