// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The sinks' pieces that need no server: syslog bytes, top-N, aggregates
 * JSON, the spool file, the bounded queue, the file sink with SIGHUP
 * reopen, metrics text, and every bad sink configuration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "collector.h"
#include "config.h"
#include "log.h"
#include "names.h"
#include "output.h"
#include "sinks/aggregates.h"
#include "sinks/metrics.h"
#include "sinks/msgq.h"
#include "sinks/sink.h"
#include "sinks/spool.h"
#include "sinks/syslog_fmt.h"
#include "xs_test.h"

static struct xs_alert_out sample(const char *action, int severity)
{
	struct xs_alert_out a = {
		.json = "{\"rule\":{\"name\":\"syn_flood\"}}",
		.rule = "syn_flood",
		.action = action,
		.event_id = "e-1",
		.src_ip = "198.51.100.7",
		.dst_ip = "2001:db8::1",
		.dst_port = 443,
		.severity = severity,
		.ts = 1700000000.25,	/* 2023-11-14T22:13:20.25Z */
	};
	return a;
}

static void test_syslog_5424(void)
{
	struct xs_syslog_hdr h = { 16, "sensor-1", "xdpstream", 42, XS_SYSLOG_SD_ID };
	struct xs_alert_out a = sample("start", 75);
	char *m = NULL;
	const char *want = "<131>1 2023-11-14T22:13:20.250000Z sensor-1 xdpstream 42 syn_flood "
			   "[xdpstream@32473 rule=\"syn_flood\" action=\"start\" event_id=\"e-1\" "
			   "attacker=\"198.51.100.7\" victim=\"2001:db8::1\" victim_port=\"443\" "
			   "severity=\"75\"] {\"rule\":{\"name\":\"syn_flood\"}}";
	long n = xs_syslog_format(&h, &a, 1, 0, &m);

	CU_ASSERT_EQUAL(n, (long)strlen(want));
	CU_ASSERT_STRING_EQUAL(m, want);
	free(m);

	/* Octet counting: the byte count of the message, a space, the message. */
	n = xs_syslog_format(&h, &a, 1, 1, &m);
	CU_ASSERT_EQUAL(strtol(m, NULL, 10), (long)strlen(want));
	CU_ASSERT_STRING_EQUAL(strchr(m, ' ') + 1, want);
	CU_ASSERT_EQUAL(n, (long)(strlen(want) + 4));
	free(m);

	/* Escaping in SD values; absent attacker and port are left out;
	 * spaces in header fields become '_'. */
	a.src_ip = NULL;
	a.dst_port = -1;
	a.event_id = "a\"b]c\\d";
	h.app_name = "my app";
	n = xs_syslog_format(&h, &a, 1, 0, &m);
	CU_ASSERT_PTR_NOT_NULL(strstr(m, " my_app 42 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "event_id=\"a\\\"b\\]c\\\\d\" victim=\"2001:db8::1\" "
					 "severity=\"75\"]"));
	CU_ASSERT_PTR_NULL(strstr(m, "attacker="));
	CU_ASSERT_PTR_NULL(strstr(m, "victim_port="));
	free(m);
}

static void test_syslog_3164_and_severity(void)
{
	struct xs_syslog_hdr h = { 4, "h", "xdpstream", 7, XS_SYSLOG_SD_ID };
	struct xs_alert_out a = sample("update", 95);
	char *m = NULL;

	setenv("TZ", "UTC", 1);
	tzset();
	CU_ASSERT(xs_syslog_format(&h, &a, 0, 0, &m) > 0);
	CU_ASSERT_STRING_EQUAL(m, "<34>Nov 14 22:13:20 xdpstream[7]: {\"rule\":{\"name\":\"syn_flood\"}}");
	free(m);

	CU_ASSERT_EQUAL(xs_syslog_severity(&a), 2);	/* 95: crit */
	a.severity = 90;
	CU_ASSERT_EQUAL(xs_syslog_severity(&a), 2);
	a.severity = 89;
	CU_ASSERT_EQUAL(xs_syslog_severity(&a), 3);	/* err */
	a.severity = 70;
	CU_ASSERT_EQUAL(xs_syslog_severity(&a), 3);
	a.severity = 69;
	CU_ASSERT_EQUAL(xs_syslog_severity(&a), 4);	/* warning */
	a.severity = 40;
	CU_ASSERT_EQUAL(xs_syslog_severity(&a), 4);
	a.severity = 39;
	CU_ASSERT_EQUAL(xs_syslog_severity(&a), 5);	/* notice */
	a.severity = 99;
	a.action = "end";
	CU_ASSERT_EQUAL(xs_syslog_severity(&a), 5);	/* an end is news */
	CU_ASSERT_EQUAL(xs_syslog_facility("kern"), 0);
	CU_ASSERT_EQUAL(xs_syslog_facility("authpriv"), 10);
	CU_ASSERT_EQUAL(xs_syslog_facility("local7"), 23);
	CU_ASSERT_EQUAL(xs_syslog_facility("local8"), -1);
}

static int rank_int(const void *ctx, size_t a, size_t b)
{
	const int *v = ctx;

	if (v[a] != v[b])
		return v[a] > v[b] ? -1 : 1;
	return a < b ? -1 : a > b;
}

static void test_top_n(void)
{
	int v[1000];
	size_t out[50], ref[1000], i, j, m;

	srand(7);
	for (i = 0; i < 1000; i++)
		v[i] = rand() % 300;	/* many ties */
	for (i = 0; i < 1000; i++)
		ref[i] = i;
	/* Reference: a full insertion sort by the same rank. */
	for (i = 1; i < 1000; i++)
		for (j = i; j > 0 && rank_int(v, ref[j], ref[j - 1]) < 0; j--) {
			size_t t = ref[j];

			ref[j] = ref[j - 1];
			ref[j - 1] = t;
		}
	m = xs_top_n(1000, 50, out, rank_int, v);
	CU_ASSERT_EQUAL(m, 50);
	for (i = 0; i < 50; i++)
		CU_ASSERT_EQUAL(out[i], ref[i]);
	/* Fewer items than k: all of them, sorted. */
	m = xs_top_n(3, 50, out, rank_int, v);
	CU_ASSERT_EQUAL(m, 3);
	CU_ASSERT(rank_int(v, out[0], out[1]) < 0 && rank_int(v, out[1], out[2]) < 0);
	CU_ASSERT_EQUAL(xs_top_n(1000, 0, out, rank_int, v), 0);
}

static void test_aggregates_json(void)
{
	struct xs_dst_entry dst[3] = {};
	struct xs_src_entry src[2] = {};
	struct xs_tick t = { .epoch = 9, .dst = dst, .ndst = 3, .src = src, .nsrc = 2 };
	json_t *doc, *x, *top;
	char *s;

	xs_addr_parse("10.0.0.1", &dst[0].addr);
	dst[0].v.pkts = 5;
	dst[0].v.bytes = 9000;
	xs_addr_parse("10.0.0.2", &dst[1].addr);
	dst[1].v.pkts = 50;
	dst[1].v.bytes = 100;
	dst[1].v.syn = 49;
	xs_addr_parse("2001:db8::2", &dst[2].addr);
	dst[2].v.pkts = 50;	/* tie with 10.0.0.2: the lower address first */
	dst[2].v.bytes = 200;
	xs_addr_parse("192.0.2.1", &src[0].addr);
	src[0].v.pkts = 1;
	src[0].v.bytes = 60;
	xs_addr_parse("192.0.2.2", &src[1].addr);
	src[1].v.pkts = 2;
	src[1].v.bytes = 50;
	t.g.pkts[XS_C_IPV4_TCP] = 100;
	t.g.bytes[XS_C_IPV4_TCP] = 6400;
	t.g.pkts[XS_C_IPV6_UDP] = 5;
	t.g.bytes[XS_C_IPV6_UDP] = 500;
	t.g.err[XS_E_TCP_TRUNC] = 3;
	t.g.cnt[XS_N_TCP_SYN] = 49;

	s = xs_agg_json(&t, 1700000000.5, 0.5, "host-a", "sensor-a", 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NULL(strchr(s, '\n'));
	doc = json_loads(s, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(doc, "@timestamp")),
			       "2023-11-14T22:13:20.500000Z");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(doc, "event"),
							   "duration")),
			500000000);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_object_get(doc, "observer"),
								 "name")),
			       "sensor-a");
	x = json_object_get(doc, "xdpstream");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(x, "schema_version")), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(x, "epoch")), 9);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(x, "totals"), "packets")),
			105);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(x, "totals"), "bytes")),
			6900);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
				json_object_get(json_object_get(json_object_get(x, "totals"),
								"classes"),
						"ipv6_udp"),
				"bytes")),
			500);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
				json_object_get(json_object_get(x, "totals"), "parse_errors"),
				"tcp_trunc")),
			3);
	top = json_object_get(json_object_get(x, "destinations"), "top_by_packets");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(x, "destinations"),
							   "tracked")),
			3);
	CU_ASSERT_EQUAL_FATAL(json_array_size(top), 2);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(top, 0), "ip")),
			       "10.0.0.2");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(top, 0), "syn")), 49);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(top, 1), "ip")),
			       "2001:db8::2");
	top = json_object_get(json_object_get(x, "destinations"), "top_by_bytes");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(top, 0), "ip")),
			       "10.0.0.1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(top, 1), "ip")),
			       "2001:db8::2");
	top = json_object_get(json_object_get(x, "sources"), "top_by_bytes");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(top, 0), "ip")),
			       "192.0.2.1");
	top = json_object_get(json_object_get(x, "sources"), "top_by_packets");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(top, 0), "ip")),
			       "192.0.2.2");
	json_decref(doc);
	free(s);
}

static void test_spool(void)
{
	char path[256];
	struct xs_spool sp;
	struct xs_spool_rec *r = NULL;
	uint64_t done[] = { 3, 7 };
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/spool", xs_tmpdir());
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(xs_spool_open(&sp, path, 1 << 20), 0);
	CU_ASSERT_EQUAL(sp.count, 0);
	/* Out of order on purpose (a late delivery report). */
	CU_ASSERT_EQUAL(xs_spool_append(&sp, 7, "t.a", "k7", "{\"x\":7}", 7), 0);
	CU_ASSERT_EQUAL(xs_spool_append(&sp, 3, "t.a", "k3", "{\"x\":3}", 7), 0);
	CU_ASSERT_EQUAL(xs_spool_append(&sp, 5, "t.b", "", "{\"x\":5}", 7), 0);
	CU_ASSERT_EQUAL(xs_spool_append(&sp, 9, "t.a", "k9", "{\"x\":9}", 7), 0);
	CU_ASSERT_EQUAL(sp.count, 4);
	CU_ASSERT_EQUAL(xs_spool_load(&sp, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_EQUAL(r[0].seq, 3);
	CU_ASSERT_STRING_EQUAL(r[0].key, "k3");
	CU_ASSERT_EQUAL(r[1].seq, 5);
	CU_ASSERT_STRING_EQUAL(r[1].topic, "t.b");
	CU_ASSERT_STRING_EQUAL(r[1].key, "");
	CU_ASSERT_EQUAL(r[3].seq, 9);
	CU_ASSERT_STRING_EQUAL(r[3].payload, "{\"x\":9}");
	xs_spool_free_recs(r, n);

	CU_ASSERT_EQUAL(xs_spool_remove(&sp, done, 2), 0);
	CU_ASSERT_EQUAL(sp.count, 2);
	/* Appends after a rewrite go to the new file. */
	CU_ASSERT_EQUAL(xs_spool_append(&sp, 11, "t.a", "k11", "{}", 2), 0);
	xs_spool_close(&sp);

	/* A crash mid-append leaves a torn line: dropped on reading. */
	f = fopen(path, "a");
	fputs("12\tt.a\tk12\t{\"tor", f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(xs_spool_open(&sp, path, 1 << 20), 0);
	CU_ASSERT_EQUAL(sp.count, 3);
	CU_ASSERT_EQUAL(sp.max_seq, 11);
	CU_ASSERT_EQUAL(xs_spool_load(&sp, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(r[0].seq, 5);
	CU_ASSERT_EQUAL(r[1].seq, 9);
	CU_ASSERT_EQUAL(r[2].seq, 11);
	xs_spool_free_recs(r, n);
	xs_spool_close(&sp);

	/* Markers: records in a transaction in doubt, numbered in seq order
	 * from the marker's txseq by its owner; a later marker wins; txseq 0
	 * cancels; a rewrite drops them all. The spool holds 5, 9, 11 here, and opening
	 * it cut the torn line off: what is appended now is a line of its own
	 * (glued to the torn one, it would be read as a 4th record). */
	CU_ASSERT_EQUAL_FATAL(xs_spool_open(&sp, path, 1 << 20), 0);
	CU_ASSERT_EQUAL(sp.marks, 0);
	CU_ASSERT_EQUAL(xs_spool_mark(&sp, 9, 2, 100, 0xa1), 0);
	CU_ASSERT_EQUAL(xs_spool_load(&sp, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(r[0].txseq, 0);
	CU_ASSERT_EQUAL(r[0].txowner, 0);
	CU_ASSERT_EQUAL(r[1].txseq, 100);
	CU_ASSERT_EQUAL(r[1].txowner, 0xa1);
	CU_ASSERT_EQUAL(r[2].txseq, 101);
	xs_spool_free_recs(r, n);
	/* 5 and 9 again, by another owner; 11 settled. */
	CU_ASSERT_EQUAL(xs_spool_mark(&sp, 5, 2, 200, 0xfedcba9876543210ULL), 0);
	CU_ASSERT_EQUAL(xs_spool_mark(&sp, 11, 1, 0, 0), 0);
	CU_ASSERT_EQUAL(sp.marks, 3);
	CU_ASSERT_EQUAL(sp.count, 3);
	xs_spool_close(&sp);
	/* What a restart reads back. */
	CU_ASSERT_EQUAL_FATAL(xs_spool_open(&sp, path, 1 << 20), 0);
	CU_ASSERT_EQUAL(sp.marks, 3);
	CU_ASSERT_EQUAL(sp.count, 3);
	CU_ASSERT_EQUAL(xs_spool_load(&sp, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(r[0].txseq, 200);
	CU_ASSERT_EQUAL(r[1].txseq, 201);
	CU_ASSERT_EQUAL(r[1].txowner, 0xfedcba9876543210ULL);
	CU_ASSERT_EQUAL(r[2].txseq, 0);
	CU_ASSERT_EQUAL(r[2].txowner, 0);
	xs_spool_free_recs(r, n);
	/* A marker whose records are not there yet (written first) covers
	 * those appended after it. */
	CU_ASSERT_EQUAL(xs_spool_mark(&sp, 12, 2, 300, 0xa1), 0);
	CU_ASSERT_EQUAL(xs_spool_append(&sp, 12, "t.a", "k12", "{}", 2), 0);
	CU_ASSERT_EQUAL(xs_spool_append(&sp, 13, "t.a", "k13", "{}", 2), 0);
	CU_ASSERT_EQUAL(xs_spool_load(&sp, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_EQUAL(r[3].txseq, 300);
	CU_ASSERT_EQUAL(r[4].txseq, 301);
	xs_spool_free_recs(r, n);
	/* A rewrite: records 5 and 12 done, every marker gone. */
	{
		uint64_t gone[] = { 5, 12 };

		CU_ASSERT_EQUAL(xs_spool_remove(&sp, gone, 2), 0);
	}
	CU_ASSERT_EQUAL(sp.marks, 0);
	CU_ASSERT_EQUAL(sp.count, 3);
	CU_ASSERT_EQUAL(xs_spool_load(&sp, &r, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(r[0].seq, 9);
	CU_ASSERT_EQUAL(r[1].seq, 11);
	CU_ASSERT_EQUAL(r[2].seq, 13);
	CU_ASSERT(r[0].txseq == 0 && r[1].txseq == 0 && r[2].txseq == 0);
	xs_spool_free_recs(r, n);
	xs_spool_close(&sp);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	{
		char line[256];
		int hashes = 0;

		while (fgets(line, sizeof(line), f))
			hashes += line[0] == '#';
		CU_ASSERT_EQUAL(hashes, 0);
	}
	fclose(f);

	/* The size bound. */
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(xs_spool_open(&sp, path, 40), 0);
	CU_ASSERT_EQUAL(xs_spool_append(&sp, 1, "t", "k", "0123456789", 10), 0);
	CU_ASSERT_EQUAL(xs_spool_append(&sp, 2, "t", "k", "0123456789012345678901234", 25),
			-ENOSPC);
	CU_ASSERT_EQUAL(sp.count, 1);
	xs_spool_close(&sp);
	unlink(path);
}

static void test_msgq(void)
{
	struct xs_msgq q;
	int i;

	CU_ASSERT_EQUAL_FATAL(xs_msgq_init(&q, 3), 0);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(xs_msgq_push(&q, strdup("x"), 1), 0);
	CU_ASSERT_EQUAL(xs_msgq_push(&q, (char *)"y", 1), -1);	/* full: not taken */
	xs_msgq_pop(&q);
	CU_ASSERT_EQUAL(xs_msgq_push(&q, strdup("z"), 1), 0);	/* wraps around */
	CU_ASSERT_STRING_EQUAL(xs_msgq_at(&q, 2)->buf, "z");
	CU_ASSERT_PTR_NULL(xs_msgq_at(&q, 3));
	xs_msgq_free(&q);
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int c, n = 0;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void test_file_sink_reopen(void)
{
	char path[256], moved[272], yaml[512], err[256];
	struct xs_alert_out a = sample("start", 50);
	struct xs_outputs *out = xs_output_new();
	struct xs_cfg *cfg;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	xs_log_init(XS_LOG_ERROR);
	snprintf(path, sizeof(path), "%s/file.jsonl", xs_tmpdir());
	snprintf(moved, sizeof(moved), "%s.1", path);
	unlink(path);
	unlink(moved);
	snprintf(yaml, sizeof(yaml),
		 "outputs:\n  - type: file\n    path: %s\n    fsync_interval_ms: 0\n", path);
	cfg = xs_cfg_load_string("f.yaml", yaml, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(xs_output_configure(out, xs_cfg_root(cfg)), 0);
	CU_ASSERT_EQUAL_FATAL(xs_cfg_nerrors(cfg), 0);
	CU_ASSERT_EQUAL_FATAL(xs_output_open(out), 0);
	xs_output_alert(out, &a);
	xs_output_alert(out, &a);
	/* logrotate: move the file, then SIGHUP. */
	CU_ASSERT_EQUAL(rename(path, moved), 0);
	xs_output_alert(out, &a);	/* still into the moved file */
	xs_output_reopen(out);
	xs_output_alert(out, &a);
	xs_output_close(out);
	CU_ASSERT_EQUAL(count_lines(moved), 3);
	CU_ASSERT_EQUAL(count_lines(path), 1);
	CU_ASSERT(xs_output_all_delivered(out));
	xs_output_free(out);
	xs_cfg_free(cfg);
	unlink(path);
	unlink(moved);
}

/* A reload (issue 13): the new outputs open before the old close; one
 * that cannot open leaves the running ones untouched (they go on
 * delivering); an unchanged one is kept; the set's descriptor stays. */
static void test_reload_outputs(void)
{
	char a_path[64], b_path[64], yaml[512], err[256];
	struct xs_alert_out a = sample("start", 50);
	struct xs_outputs *out = xs_output_new();
	struct xs_cfg *c1, *c2, *c3;
	const struct xs_sink *kept;
	int efd;

	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	xs_log_init(XS_LOG_ERROR);
	snprintf(a_path, sizeof(a_path), "/tmp/xs-reload-a-%d.jsonl", getpid());
	snprintf(b_path, sizeof(b_path), "/tmp/xs-reload-b-%d.jsonl", getpid());
	unlink(a_path);
	unlink(b_path);
	snprintf(yaml, sizeof(yaml),
		 "outputs:\n  - type: file\n    path: %s\n  - type: file\n    name: keep\n"
		 "    path: %s.keep\n",
		 a_path, a_path);
	c1 = xs_cfg_load_string("1.yaml", yaml, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c1);
	CU_ASSERT_EQUAL(xs_output_configure(out, xs_cfg_root(c1)), 0);
	CU_ASSERT_EQUAL_FATAL(xs_output_open(out), 0);
	efd = xs_output_fd(out);
	kept = xs_out_sink(out, 1);
	xs_output_alert(out, &a);

	/* A new file output in a directory that does not exist: refused. */
	snprintf(yaml, sizeof(yaml),
		 "outputs:\n  - type: file\n    path: /nonexistent-xs/x.jsonl\n  - type: file\n"
		 "    name: keep\n    path: %s.keep\n",
		 a_path);
	c2 = xs_cfg_load_string("2.yaml", yaml, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
	CU_ASSERT_NOT_EQUAL(xs_output_replace(out, xs_cfg_root(c2)), 0);
	CU_ASSERT_EQUAL(xs_output_fd(out), efd);
	CU_ASSERT_EQUAL(xs_out_nsinks(out), 2);
	xs_output_alert(out, &a);	/* the running outputs still deliver */
	CU_ASSERT_EQUAL(count_lines(a_path), 2);

	/* A good one: b replaces a; "keep" is unchanged and kept. */
	snprintf(yaml, sizeof(yaml),
		 "outputs:\n  - type: file\n    path: %s\n  - type: file\n    name: keep\n"
		 "    path: %s.keep\n",
		 b_path, a_path);
	c3 = xs_cfg_load_string("3.yaml", yaml, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c3);
	CU_ASSERT_EQUAL(xs_output_replace(out, xs_cfg_root(c3)), 0);
	CU_ASSERT_EQUAL(xs_output_fd(out), efd);
	CU_ASSERT_PTR_EQUAL(xs_out_sink(out, 1), kept);
	xs_output_alert(out, &a);
	xs_output_service(out);	/* the old one held nothing: closed */
	xs_output_close(out);
	CU_ASSERT_EQUAL(count_lines(a_path), 2);
	CU_ASSERT_EQUAL(count_lines(b_path), 1);
	{
		char keep[80];

		snprintf(keep, sizeof(keep), "%s.keep", a_path);
		CU_ASSERT_EQUAL(count_lines(keep), 3);
		unlink(keep);
	}
	xs_output_free(out);
	xs_cfg_free(c1);
	xs_cfg_free(c2);
	xs_cfg_free(c3);
	unlink(a_path);
	unlink(b_path);
}

static void test_metrics_text(void)
{
	struct xs_metrics_state m = {};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	m.total.pkts[XS_C_IPV4_UDP] = 12;
	m.total.bytes[XS_C_IPV4_UDP] = 1200;
	m.total.err[XS_E_UDP_TRUNC] = 4;
	m.total.cnt[XS_N_EV_RINGFULL] = 6;
	m.ndst = 3;
	xs_metrics_count_alert(&m, "port_scan", "start");
	xs_metrics_count_alert(&m, "port_scan", "start");
	xs_metrics_count_alert(&m, "weird\"rule", "end");
	xs_metrics_render(f, &m);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "# TYPE xdpstream_packets_total counter\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nxdpstream_packets_total{class=\"ipv4_udp\"} 12\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nxdpstream_bytes_total{class=\"ipv4_udp\"} 1200\n"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(text, "\nxdpstream_parse_errors_total{reason=\"udp_trunc\"} 4\n"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(text, "\nxdpstream_ringbuf_events_lost_total{reason=\"ringbuf_full\"} 6\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nxdpstream_map_entries{map=\"dst\"} 3\n"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(text, "\nxdpstream_alerts_total{rule=\"port_scan\",action=\"start\"} 2\n"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(text, "\nxdpstream_alerts_total{rule=\"weird\\\"rule\",action=\"end\"} 1\n"));
	/* One HELP/TYPE per family even when its samples are split. */
	{
		const char *p = strstr(text, "# TYPE xdpstream_tcp_packets_total counter\n");

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_PTR_NULL(strstr(p + 1, "# TYPE xdpstream_tcp_packets_total"));
	}
	free(text);
}

/* Each bad configuration gives exactly one error, naming file, line, key. */
static void test_config_errors(void)
{
	static const struct {
		const char *yaml, *want;
	} cases[] = {
		{ "outputs:\n  - type: syslog\n    transport: tcp\n    prot: 514\n",
		  "bad.yaml:4: outputs[0].prot: unknown key" },
		{ "outputs:\n  - type: syslog\n    port: 70000\n",
		  "bad.yaml:3: outputs[0].port: 70000 is out of range (1..65535)" },
		{ "outputs:\n  - type: syslog\n    facility: local9\n",
		  "bad.yaml:3: outputs[0].facility: expected kern, user, mail, daemon, auth, syslog, "
		  "lpr, news, uucp, cron, authpriv, ftp, ntp, audit, alert, clock or local0..local7, "
		  "got 'local9'" },
		{ "outputs:\n  - type: kafka\n    brokers: 'localhost:9092,broker2'\n",
		  "bad.yaml:3: outputs[0].brokers: 'broker2' is not host:port" },
		{ "outputs:\n  - type: kafka\n    brokers: 'localhost:99999'\n",
		  "bad.yaml:3: outputs[0].brokers: 'localhost:99999': port must be 1..65535" },
		{ "outputs:\n  - type: kafka\n    brokers: 'k:9092'\n    security:\n"
		  "      protocol: ssl\n      ca_file: /nonexistent/ca.pem\n",
		  "bad.yaml:6: outputs[0].security.ca_file: cannot read '/nonexistent/ca.pem': No "
		  "such file or directory" },
		{ "outputs:\n  - type: kafka\n    brokers: 'k:9092'\n    properties:\n"
		  "      no.such.property: 1\n",
		  "bad.yaml:5: outputs[0].properties.no.such.property: librdkafka refuses "
		  "no.such.property=1: No such configuration property: \"no.such.property\"" },
		{ "outputs:\n  - type: kafka\n    topic: x\n",
		  "bad.yaml:2: outputs[0]: missing 'brokers:' (host:port[,host:port...])" },
		{ "outputs:\n  - type: kafka\n    brokers: 'k:9092'\n    delivery_timeout_ms: 900000\n",
		  "bad.yaml:4: outputs[0].delivery_timeout_ms: 900000 is out of range (1000..600000)" },
		{ "outputs:\n  - type: kafka\n    brokers: 'k:9092'\n    transaction_ms: 5\n",
		  "bad.yaml:4: outputs[0].transaction_ms: 5 is out of range (10..60000)" },
		{ "outputs:\n  - type: metrics\n    listen: localhost\n",
		  "bad.yaml:3: outputs[0].listen: expected an IPv4 or IPv6 address (127.0.0.1, "
		  "0.0.0.0, ::), got 'localhost'" },
		{ "outputs:\n  - type: metrics\n    port: 0\n",
		  "bad.yaml:3: outputs[0].port: 0 is out of range (1..65535)" },
		{ "outputs:\n  - type: file\n", "bad.yaml:2: outputs[0]: missing 'path:' (the file "
						"to append alerts to)" },
		{ "outputs:\n  - type: pigeon\n", "bad.yaml:2: outputs[0].type: expected one of "
						 "stdout, file, syslog, kafka, metrics, got "
						 "'pigeon'" },
		{ "outputs:\n  - path: /tmp/x\n", "bad.yaml:2: outputs[0]: missing 'type:' (stdout, "
						 "file, syslog, kafka or metrics)" },
		{ "outputs:\n  - type: stdout\n  - type: file\n    name: stdout\n    path: /tmp/x\n",
		  "bad.yaml:4: outputs[1].name: another output is already named 'stdout'" },
		{ "outputs:\n  - type: stdout\n    format: xml\n",
		  "bad.yaml:3: outputs[0].format: expected one of auto, json, human, got 'xml'" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xs_cfg *cfg = xs_cfg_load_string("bad.yaml", cases[i].yaml, err, sizeof(err));
		struct xs_outputs *out = xs_output_new();

		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
		CU_ASSERT_NOT_EQUAL(xs_output_configure(out, xs_cfg_root(cfg)), 0);
		if (xs_cfg_nerrors(cfg) != 1 || strcmp(xs_cfg_error_at(cfg, 0), cases[i].want))
			printf("\n  case %zu: %d errors, first: %s", i, xs_cfg_nerrors(cfg),
			       xs_cfg_error_at(cfg, 0));
		CU_ASSERT_EQUAL(xs_cfg_nerrors(cfg), 1);
		if (xs_cfg_nerrors(cfg))
			CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, 0), cases[i].want);
		xs_output_free(out);	/* release the sinks */
		xs_cfg_free(cfg);
	}
}

static void test_config_good(void)
{
	const char *yaml = "outputs:\n"
			   "  - type: stdout\n"
			   "  - type: syslog\n"
			   "    transport: udp\n"
			   "  - type: syslog\n"
			   "    transport: tcp\n"
			   "    facility: auth\n"
			   "  - type: kafka\n"
			   "    brokers: 'a:9092, b:9093'\n"
			   "    spool: ''\n"
			   "    security: {protocol: sasl_ssl, sasl_mechanism: PLAIN,\n"
			   "               sasl_username: u, sasl_password: p}\n"
			   "    properties: {compression.type: lz4, linger.ms: 20}\n"
			   "  - type: metrics\n"
			   "    listen: '::1'\n";
	char err[256];
	struct xs_cfg *cfg = xs_cfg_load_string("good.yaml", yaml, err, sizeof(err));
	struct xs_outputs *out = xs_output_new();
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(xs_output_configure(out, xs_cfg_root(cfg)), 0);
	for (i = 0; i < xs_cfg_nerrors(cfg); i++)
		printf("\n  %s", xs_cfg_error_at(cfg, i));
	CU_ASSERT_EQUAL(xs_cfg_nerrors(cfg), 0);
	xs_output_free(out);
	xs_cfg_free(cfg);
}

/* The sample in config/ is what users copy: it must load as it is. */
static void test_config_example(void)
{
	char err[256];
	struct xs_cfg *cfg = xs_cfg_load_file("config/outputs.example.yaml", err, sizeof(err));
	struct xs_outputs *out = xs_output_new();
	int i;

	if (!cfg)
		printf("\n  %s", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL(xs_output_configure(out, xs_cfg_root(cfg)), 0);
	CU_ASSERT_EQUAL(xs_cfg_check_unknown(xs_cfg_root(cfg)), 0);
	for (i = 0; i < xs_cfg_nerrors(cfg); i++)
		printf("\n  %s", xs_cfg_error_at(cfg, i));
	CU_ASSERT_EQUAL(xs_cfg_nerrors(cfg), 0);
	xs_output_free(out);
	xs_cfg_free(cfg);
}

static const struct xs_test tests[] = {
	{ "syslog RFC 5424 bytes, SD escaping, octet counting", test_syslog_5424 },
	{ "syslog BSD form for /dev/log; severity and facility maps", test_syslog_3164_and_severity },
	{ "top-N selection equals a full sort, ties by address", test_top_n },
	{ "aggregates JSON: totals, classes, top lists", test_aggregates_json },
	{ "spool: append, sorted load, remove, torn line, bound, transaction markers", test_spool },
	{ "bounded message queue", test_msgq },
	{ "file sink: JSON lines, reopen after logrotate moves the file", test_file_sink_reopen },
	{ "reload: new outputs first, a failing one changes nothing", test_reload_outputs },
	{ "metrics text: values, labels, escaping", test_metrics_text },
	{ "bad sink configs: one line naming file, line and key", test_config_errors },
	{ "several sinks at once, TLS/SASL and properties pass through", test_config_good },
	{ "config/outputs.example.yaml loads without an error", test_config_example },
};

XS_RUN_SUITE("sinks", tests)
