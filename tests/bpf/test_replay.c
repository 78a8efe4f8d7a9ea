// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Replay: captures written here (pcap with libpcap, pcapng by hand) run
 * through the XDP program and the engine: alerts from VLAN-tagged and
 * IPv6 traffic, frames longer than a test run takes, snapped frames,
 * out-of-order timestamps, a truncated file, a non-Ethernet link type, an
 * unreadable file, a year-long gap, and the same output on every run.
 */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"
#include "names.h"
#include "replay.h"
#include "xs_test.h"

#define TS0 1600000000	/* 2020-09-13T12:26:40Z */

static char dir[256];
static FILE *all_alerts;

struct out {
	char *json[256];
	int n;
	bool unrecorded;	/* a repeat: not written to the suite's file */
};

static void on_alert(void *ctx, const struct xs_alert_out *a)
{
	struct out *o = ctx;

	if (!o->unrecorded)
		fprintf(all_alerts, "%s\n", a->json);
	if (o->n < 256)
		o->json[o->n++] = strdup(a->json);
}

static void out_free(struct out *o)
{
	int i;

	for (i = 0; i < o->n; i++)
		free(o->json[i]);
	o->n = 0;
}

static int count(const struct out *o, const char *rule, const char *action)
{
	char r[64], a[64];
	int i, n = 0;

	snprintf(r, sizeof(r), "\"rule\":{\"name\":\"%s\"", rule);
	snprintf(a, sizeof(a), "\"action\":\"%s\"", action);
	for (i = 0; i < o->n; i++)
		if (strstr(o->json[i], r) && strstr(o->json[i], a))
			n++;
	return n;
}

struct writer {
	pcap_t *p;
	pcap_dumper_t *d;
};

static void w_open(struct writer *w, const char *path, int dlt)
{
	w->p = pcap_open_dead_with_tstamp_precision(dlt, 65535, PCAP_TSTAMP_PRECISION_MICRO);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w->p);
	w->d = pcap_dump_open(w->p, path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w->d);
}

static void w_frame(struct writer *w, double ts, const uint8_t *buf, int caplen, int len)
{
	struct pcap_pkthdr h = {};

	h.ts.tv_sec = (time_t)ts;
	h.ts.tv_usec = (suseconds_t)llround((ts - (double)(time_t)ts) * 1e6);
	h.caplen = caplen;
	h.len = len;
	pcap_dump((u_char *)w->d, &h, buf);
}

static void w_spec(struct writer *w, double ts, const struct xs_pkt_spec *s)
{
	uint8_t buf[XS_PKT_MAX];
	int n = xs_pkt_build(s, buf, sizeof(buf));

	CU_ASSERT_FATAL(n > 0);
	w_frame(w, ts, buf, n, n);
}

static void w_close(struct writer *w)
{
	pcap_dump_close(w->d);
	pcap_close(w->p);
}

static int replay(const char *path, const char *yaml, struct out *o, struct xs_replay_stats *st)
{
	struct xs_settings s;
	struct xs_replay_opts opt = { .path = path, .settings = &s, .on_alert = on_alert, .ctx = o };
	int ret;

	CU_ASSERT_EQUAL_FATAL(xs_settings_init(&s), 0);
	snprintf(s.alerts.hostname, sizeof(s.alerts.hostname), "replay-test");
	if (yaml) {
		char err[256];
		struct xs_cfg *cfg = xs_cfg_load_string("t.yaml", yaml, err, sizeof(err));

		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
		CU_ASSERT_EQUAL(xs_settings_apply(&s, cfg), 0);
		xs_cfg_free(cfg);
	}
	ret = xs_replay_run(&opt, st);
	xs_settings_free(&s);
	return ret;
}

static void path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/* 3 s of 3,000 SYN/s from spoofed sources to 10.0.0.1:80, every other
 * frame VLAN-tagged (one or two tags). */
static void write_synflood(const char *path)
{
	struct writer w;
	struct xs_pkt_spec s;
	char src[32];
	int i;

	w_open(&w, path, DLT_EN10MB);
	for (i = 0; i < 9000; i++) {
		snprintf(src, sizeof(src), "100.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255,
			 i & 255);
		xs_pkt_spec_init(&s, src, "10.0.0.1", IPPROTO_TCP, (uint16_t)(1024 + i), 80);
		s.tcp_flags = XS_TCP_SYN;
		s.nvlan = i % 3 == 1 ? 1 : i % 3 == 2 ? 2 : 0;
		s.vlan_tpid[0] = s.nvlan == 2 ? 0x88a8 : 0x8100;
		s.vlan_tpid[1] = 0x8100;
		s.vlan_id[0] = 10;
		s.vlan_id[1] = 20;
		w_spec(&w, TS0 + i / 3000.0, &s);
	}
	w_close(&w);
}

static void test_synflood_vlan(void)
{
	struct xs_replay_stats st;
	struct out o = {};
	char path[512];

	if (!xs_have_bpf())
		return;
	path_of(path, sizeof(path), "synflood.pcap");
	write_synflood(path);
	CU_ASSERT_EQUAL_FATAL(replay(path, NULL, &o, &st), 0);
	CU_ASSERT_EQUAL(st.frames, 9000);
	CU_ASSERT_EQUAL(st.ticks, 3);
	CU_ASSERT_EQUAL(st.totals.cnt[XS_N_TCP_SYN], 9000);
	CU_ASSERT_EQUAL(st.totals.cnt[XS_N_VLAN], 6000);
	CU_ASSERT_EQUAL(st.totals.cnt[XS_N_EV_SENT], 9000);
	CU_ASSERT_EQUAL(st.truncated + st.snapped + st.out_of_order, 0);
	CU_ASSERT_EQUAL(count(&o, "syn_flood", "start"), 1);
	CU_ASSERT_EQUAL(count(&o, "syn_flood", "end"), 1);
	CU_ASSERT_EQUAL(st.eng.alerts[XS_R_SYN_FLOOD], 1);
	/* 3,000 SYNs by the end of the first tick: 1,000/s over 3 s. */
	CU_ASSERT_PTR_NOT_NULL(strstr(o.json[0], "\"@timestamp\":\"2020-09-13T12:26:41.000Z\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(o.json[0], "\"destination\":{\"ip\":\"10.0.0.1\",\"port\":80}"));
	/* The next tick's samples give the fingerprint: an update at once. */
	CU_ASSERT_EQUAL_FATAL(o.n, 3);
	CU_ASSERT_PTR_NULL(strstr(o.json[0], "\"fingerprint\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(o.json[1], "\"action\":\"update\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(o.json[1], "\"fingerprint\":{\"match\":\"tcp unfragmented "
						 "dport 80 flags S len 40\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(o.json[2], "\"coverage\":1,\"collateral\":0,"));
	out_free(&o);
}

/* The same output on every run. */
static void test_deterministic(void)
{
	struct xs_replay_stats st;
	struct out a = { .unrecorded = true }, b = { .unrecorded = true };
	char path[512];
	int i;

	if (!xs_have_bpf())
		return;
	path_of(path, sizeof(path), "synflood.pcap");
	CU_ASSERT_EQUAL_FATAL(replay(path, NULL, &a, &st), 0);
	CU_ASSERT_EQUAL_FATAL(replay(path, NULL, &b, &st), 0);
	CU_ASSERT_EQUAL_FATAL(a.n, b.n);
	for (i = 0; i < a.n; i++)
		CU_ASSERT_STRING_EQUAL(a.json[i], b.json[i]);
	out_free(&a);
	out_free(&b);
}

/* An IPv6 scanner, 200 ports in 2 s; answers from the target too. */
static void test_ipv6_scan(void)
{
	struct xs_replay_stats st;
	struct writer w;
	struct xs_pkt_spec s;
	struct out o = {};
	char path[512];
	int p;

	if (!xs_have_bpf())
		return;
	path_of(path, sizeof(path), "scan6.pcap");
	w_open(&w, path, DLT_EN10MB);
	for (p = 1; p <= 200; p++) {
		xs_pkt_spec_init(&s, "2001:db8::bad", "2001:db8::1", IPPROTO_TCP, 50000,
				 (uint16_t)p);
		s.tcp_flags = XS_TCP_SYN;
		w_spec(&w, TS0 + p / 100.0, &s);
		xs_pkt_spec_init(&s, "2001:db8::1", "2001:db8::bad", IPPROTO_TCP, (uint16_t)p,
				 50000);
		s.tcp_flags = XS_TCP_RST | XS_TCP_ACK;
		w_spec(&w, TS0 + p / 100.0 + 0.001, &s);
	}
	w_close(&w);
	CU_ASSERT_EQUAL_FATAL(replay(path, NULL, &o, &st), 0);
	CU_ASSERT_EQUAL(st.frames, 400);
	CU_ASSERT_EQUAL(count(&o, "port_scan", "start"), 1);
	/* IPv6 sources count per /64 (ipv6_source_prefix): the alert names
	 * the prefix. */
	CU_ASSERT_EQUAL(o.n > 0 && strstr(o.json[0], "\"source\":{\"ip\":\"2001:db8::\"}") != NULL,
			1);
	CU_ASSERT_EQUAL(o.n > 0 && strstr(o.json[0], "\"source_prefix\":\"2001:db8::/64\"") != NULL,
			1);
	CU_ASSERT_EQUAL(count(&o, "port_scan", "end"), 1);
	CU_ASSERT_EQUAL(st.eng.alerts[XS_R_PORT_SCAN], 1);
	CU_ASSERT_EQUAL(st.eng.alert_events, (uint64_t)o.n);
	out_free(&o);
}

/* Frames longer than a test run takes are truncated and counted; frames
 * captured shorter than on the wire are counted; out-of-order timestamps
 * are counted and never move time backwards. */
static void test_quirks(void)
{
	struct xs_replay_stats st;
	struct writer w;
	struct xs_pkt_spec s;
	uint8_t buf[XS_PKT_MAX];
	struct out o = {};
	char path[512];
	int n;

	if (!xs_have_bpf())
		return;
	path_of(path, sizeof(path), "quirks.pcap");
	w_open(&w, path, DLT_EN10MB);
	xs_pkt_spec_init(&s, "10.0.0.5", "10.0.0.6", IPPROTO_UDP, 53, 4444);
	s.payload = 6000;	/* a GRO'd frame */
	n = xs_pkt_build(&s, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > XS_REPLAY_MAX_FRAME);
	w_frame(&w, TS0 + 0.0, buf, n, n);
	w_frame(&w, TS0 + 0.5, buf, n, n);
	s.payload = 100;
	n = xs_pkt_build(&s, buf, sizeof(buf));
	w_frame(&w, TS0 + 0.2, buf, n, n);	/* out of order, same tick */
	w_frame(&w, TS0 + 2.1, buf, 54, n);	/* snapped to 54 bytes */
	w_frame(&w, TS0 + 1.9, buf, n, n);	/* out of order, earlier tick */
	w_frame(&w, TS0 + 2.2, buf, 0, n);	/* nothing captured */
	w_close(&w);
	CU_ASSERT_EQUAL_FATAL(replay(path, NULL, &o, &st), 0);
	CU_ASSERT_EQUAL(st.frames, 5);
	CU_ASSERT_EQUAL(st.truncated, 2);
	CU_ASSERT_EQUAL(st.snapped, 1);
	CU_ASSERT_EQUAL(st.out_of_order, 2);
	CU_ASSERT_EQUAL(st.skipped[XS_SKIP_EMPTY], 1);
	CU_ASSERT_EQUAL(st.skipped[XS_SKIP_RUN_ERROR], 0);
	CU_ASSERT_EQUAL(st.ticks, 3);
	/* Every frame reached the program: 5 UDP from port 53. */
	CU_ASSERT_EQUAL(st.totals.pkts[XS_C_IPV4_UDP], 5);
	CU_ASSERT_EQUAL(st.totals.cnt[XS_N_REFLECT], 5);
	CU_ASSERT_EQUAL(st.totals.bytes[XS_C_IPV4_UDP], 2 * XS_REPLAY_MAX_FRAME + 54 + 2 * n);
	CU_ASSERT_DOUBLE_EQUAL(st.first_ts, TS0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(st.last_ts, TS0 + 2.2, 1e-6);
	CU_ASSERT_EQUAL(o.n, 0);
	out_free(&o);
}

/* A file cut in the middle of a record: what came before is replayed,
 * the cut is reported, no crash. */
static void test_truncated_file(void)
{
	struct xs_replay_stats st;
	struct writer w;
	struct xs_pkt_spec s;
	struct out o = {};
	char path[512];
	FILE *f;
	long size;
	int i;

	if (!xs_have_bpf())
		return;
	path_of(path, sizeof(path), "cut.pcap");
	w_open(&w, path, DLT_EN10MB);
	xs_pkt_spec_init(&s, "10.0.0.5", "10.0.0.6", IPPROTO_TCP, 1000, 22);
	s.payload = 100;
	for (i = 0; i < 100; i++)
		w_spec(&w, TS0 + i * 0.01, &s);
	w_close(&w);
	f = fopen(path, "r+");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(truncate(path, size - 30), 0);
	CU_ASSERT_EQUAL_FATAL(replay(path, NULL, &o, &st), 0);
	CU_ASSERT_EQUAL(st.frames, 99);
	CU_ASSERT(st.file_truncated);
	CU_ASSERT_PTR_NOT_NULL(strstr(st.read_error, "truncated"));
	out_free(&o);
}

static void test_not_ethernet_or_unreadable(void)
{
	struct xs_replay_stats st;
	struct writer w;
	struct out o = {};
	char path[512];
	uint8_t ip[40] = { 0x45 };

	if (!xs_have_bpf())
		return;
	path_of(path, sizeof(path), "raw.pcap");
	w_open(&w, path, DLT_RAW);
	w_frame(&w, TS0, ip, sizeof(ip), sizeof(ip));
	w_close(&w);
	CU_ASSERT_EQUAL(replay(path, NULL, &o, &st), -XS_EXIT_USAGE);
	CU_ASSERT_EQUAL(st.linktype, DLT_RAW);
	CU_ASSERT_EQUAL(st.frames, 0);
	path_of(path, sizeof(path), "absent.pcap");
	CU_ASSERT_EQUAL(replay(path, NULL, &o, &st), -XS_EXIT_USAGE);
	path_of(path, sizeof(path), "garbage.pcap");
	xs_sh("head -c 100 /dev/urandom > %s", path);
	CU_ASSERT_EQUAL(replay(path, NULL, &o, &st), -XS_EXIT_USAGE);
	CU_ASSERT_EQUAL(o.n, 0);
}

/* pcapng, written by hand: SHB, IDB (Ethernet, ns timestamps), EPBs. */
static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void test_pcapng(void)
{
	struct xs_replay_stats st;
	struct xs_pkt_spec s;
	uint8_t buf[XS_PKT_MAX];
	struct out o = {};
	char path[512], src[32];
	FILE *f;
	int i, n;

	if (!xs_have_bpf())
		return;
	path_of(path, sizeof(path), "sweep.pcapng");
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	/* Section header: type, length, byte-order magic, version 1.0,
	 * section length unknown, length again. */
	put32(f, 0x0a0d0d0a);
	put32(f, 28);
	put32(f, 0x1a2b3c4d);
	put32(f, 0x00000001);
	put32(f, 0xffffffff);
	put32(f, 0xffffffff);
	put32(f, 28);
	/* Interface: Ethernet, snaplen 65535, option if_tsresol = 9 (ns). */
	put32(f, 1);
	put32(f, 32);
	put32(f, 1);
	put32(f, 65535);
	put32(f, 9 | 1 << 16);	/* option 9, length 1 */
	put32(f, 9);		/* value 9, padded */
	put32(f, 0);		/* end of options */
	put32(f, 32);
	/* An ICMP echo sweep: 64 hosts in 0.64 s. */
	for (i = 0; i < 64; i++) {
		uint64_t ns = (uint64_t)TS0 * 1000000000ULL + (uint64_t)i * 10000000ULL;
		uint32_t pad;

		snprintf(src, sizeof(src), "10.0.0.%d", i + 1);
		xs_pkt_spec_init(&s, "10.0.0.128", src, IPPROTO_ICMP, 0, 0);
		s.icmp_type = 8;
		s.icmp_id = 7;
		n = xs_pkt_build(&s, buf, sizeof(buf));
		pad = (4 - n % 4) % 4;
		put32(f, 6);
		put32(f, 32 + n + pad);
		put32(f, 0);
		put32(f, (uint32_t)(ns >> 32));
		put32(f, (uint32_t)ns);
		put32(f, n);
		put32(f, n);
		fwrite(buf, 1, n, f);
		fwrite("\0\0\0", 1, pad, f);
		put32(f, 32 + n + pad);
	}
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(replay(path, NULL, &o, &st), 0);
	CU_ASSERT_EQUAL(st.frames, 64);
	CU_ASSERT_EQUAL(st.ticks, 1);
	CU_ASSERT_EQUAL(count(&o, "host_sweep", "start"), 1);
	CU_ASSERT_EQUAL(count(&o, "icmp_flood", "start"), 0);
	out_free(&o);
}

/* Two bursts a year apart: the gap's ticks advance the windows without
 * costing a tick's work each. */
static void test_sparse(void)
{
	struct xs_replay_stats st;
	struct writer w;
	struct xs_pkt_spec s;
	struct out o = {};
	char path[512];
	int p, b;

	if (!xs_have_bpf())
		return;
	path_of(path, sizeof(path), "sparse.pcap");
	w_open(&w, path, DLT_EN10MB);
	for (b = 0; b < 2; b++)
		for (p = 1; p <= 150; p++) {
			xs_pkt_spec_init(&s, "10.0.0.66", "10.0.0.77", IPPROTO_TCP, 40000,
					 (uint16_t)p);
			s.tcp_flags = XS_TCP_SYN;
			w_spec(&w, TS0 + b * 31536000.0 + p * 0.001, &s);
		}
	w_close(&w);
	CU_ASSERT_EQUAL_FATAL(replay(path, NULL, &o, &st), 0);
	CU_ASSERT_EQUAL(st.ticks, 31536001);
	CU_ASSERT(st.wall_s < 5);
	/* The flow table forgets nothing in a year without traffic: the same
	 * probes are not new flows, so no second scan is seen. */
	CU_ASSERT_EQUAL(st.totals.cnt[XS_N_FLOW_NEW], 150);
	CU_ASSERT_EQUAL(count(&o, "port_scan", "start"), 1);
	CU_ASSERT_EQUAL(count(&o, "port_scan", "end"), 1);
	out_free(&o);
}

/* A shorter tick from the configuration: more, shorter ticks. */
static void test_tick_from_config(void)
{
	struct xs_replay_stats st;
	struct out o = {};
	char path[512];

	if (!xs_have_bpf())
		return;
	path_of(path, sizeof(path), "synflood.pcap");
	CU_ASSERT_EQUAL_FATAL(replay(path, "tick_ms: 100\nalerts: {hostname: replay-test-100ms}\n",
				     &o, &st),
			      0);
	CU_ASSERT_EQUAL(st.ticks, 30);
	CU_ASSERT_EQUAL(count(&o, "syn_flood", "start"), 1);
	/* 3,000 SYNs by 12:26:41.0, the end of the 10th tick of 100 ms:
	 * 1,000/s over the 3 s window, the same time as with 1 s ticks. */
	CU_ASSERT(o.n && strstr(o.json[0], "\"@timestamp\":\"2020-09-13T12:26:41.000Z\""));
	out_free(&o);
}

static void test_schema(void)
{
	char path[512];

	fflush(all_alerts);
	path_of(path, sizeof(path), "alerts.jsonl");
	CU_ASSERT_EQUAL(xs_sh("python3 tests/tools/check_alerts.py schema/alert.schema.json %s "
			      "--min-alerts 5 >&2",
			      path),
			0);
}

static const struct xs_test tests[] = {
	{ "spoofed SYN flood, VLAN-tagged", test_synflood_vlan },
	{ "the same output on every run", test_deterministic },
	{ "IPv6 port scan", test_ipv6_scan },
	{ "long, snapped and out-of-order frames", test_quirks },
	{ "truncated file", test_truncated_file },
	{ "not Ethernet, unreadable, not a capture", test_not_ethernet_or_unreadable },
	{ "pcapng", test_pcapng },
	{ "a year without traffic", test_sparse },
	{ "tick length from the configuration", test_tick_from_config },
	{ "every alert matches the schema", test_schema },
};

static int suite_init(void)
{
	char path[512];

	xs_log_init(getenv("XS_TEST_VERBOSE") ? XS_LOG_DEBUG : XS_LOG_WARN);
	/* Inside the process's own temporary directory: removed at exit. */
	snprintf(dir, sizeof(dir), "%s/replay", xs_tmpdir());
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -1;
	path_of(path, sizeof(path), "alerts.jsonl");
	all_alerts = fopen(path, "w");
	return all_alerts ? 0 : -1;
}

static int suite_clean(void)
{
	if (all_alerts)
		fclose(all_alerts);
	all_alerts = NULL;
	return 0;
}

int main(void)
{
	return xs_test_main("replay", tests, sizeof(tests) / sizeof(tests[0]), suite_init,
			    suite_clean);
}
