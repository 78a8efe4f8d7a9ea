// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fleet_mitigation: the fleet application's requests, as it writes them
 * (schema/fleet_mitigation.schema.json), read and applied through the real
 * kernel tables with a rule's safety: a rate limit protects the victim, a
 * block drops the source; an allowlisted source, a prefix broader than a
 * /24, an entry someone else made are refused; unblock removes only what
 * the same alert added; enforce off only reports; requests that do not
 * parse or are past their TTL change nothing. Every event "by": "fleet"
 * is valid against schema/mitigation.schema.json.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet_consumer.h"
#include "mpolicy.h"
#include "names.h"
#include "output.h"
#include "settings.h"
#include "xs_test.h"

#define NOW 1800000000.0	/* 2027-01-15T08:00:00Z */

static struct xs_fixture fx;
static struct xs_mitig mt;
static struct xs_settings set;
static struct xs_mpolicy *pol;
static struct xs_outputs *out;
static char outfile[64];

static int setup(bool enforce)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml),
		 "mitigation:\n  enforce: %s\n  allowlist: [198.51.100.0/24]\n"
		 "outputs:\n  - type: file\n    path: %s\n    fsync_interval_ms: 0\n",
		 enforce ? "true" : "false", outfile);
	unlink(outfile);
	if (xs_settings_init(&set) || xs_settings_load_string(&set, "test.yaml", yaml))
		return -1;
	out = xs_output_new();
	if (!out || xs_output_configure(out, set.root) || xs_output_open(out))
		return -1;
	pol = xs_mpolicy_new(&mt, &set, out);
	return pol ? 0 : -1;
}

static void teardown(void)
{
	xs_output_free(out);
	out = NULL;
	xs_mpolicy_free(pol);
	pol = NULL;
	xs_settings_free(&set);
}

/* A request as CorrelateProcessor.mitigate() writes it. */
static void req(char *buf, size_t n, const char *action, const char *id, const char *prefix,
		const char *ts, int ttl, const char *match, long pps)
{
	char extra[160] = "", limit[40] = "";

	if (pps >= 0)
		snprintf(limit, sizeof(limit), ",\"limit_pps\":%ld", pps);
	if (ttl >= 0)
		snprintf(extra, sizeof(extra), ",\"ttl_s\":%d,\"match\":\"%s\"%s", ttl, match, limit);
	snprintf(buf, n,
		 "{\"@timestamp\":\"%s\",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],"
		 "\"type\":[\"info\"],\"action\":\"%s\",\"id\":\"%s\",\"reason\":\"fleet syn_flood\","
		 "\"dataset\":\"xdpstream.fleet_mitigation\",\"module\":\"xdpstream\"},"
		 "\"rule\":{\"name\":\"syn_flood\"},\"observer\":{\"hostname\":\"fleet\","
		 "\"product\":\"xdpstream\",\"type\":\"fleet\"},\"xdpstream\":{\"mitigation\":"
		 "{\"prefix\":\"%s\",\"by\":\"fleet\",\"alert_id\":\"%s\"%s}}}",
		 ts, action, id, prefix, id, extra);
}

/* Parses and applies; returns xs_mpolicy_fleet's result, or 1 when the
 * request does not parse (2: expired). */
static int apply(const char *json)
{
	struct xs_fleet_req r;
	char why[200];
	int expired;

	if (xs_fleet_req_parse(json, strlen(json), NOW, &r, &expired, why, sizeof(why)))
		return expired ? 2 : 1;
	return xs_mpolicy_fleet(pol, &r, NOW);
}

static int pkt(const char *src, const char *dst, uint8_t flags)
{
	struct xs_pkt_spec s;

	xs_pkt_spec_init(&s, src, dst, IPPROTO_TCP, 1234, 80);
	s.tcp_flags = flags;
	return xs_run_spec(&fx, &s, NULL);
}

static int count_lines(const char *what)
{
	char buf[4096];
	FILE *f = fopen(outfile, "r");
	int n = 0;

	while (f && fgets(buf, sizeof(buf), f))
		n += strstr(buf, what) != NULL;
	if (f)
		fclose(f);
	return n;
}

static void test_setup(void)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);	/* one token bucket */
	snprintf(outfile, sizeof(outfile), "/tmp/xs-fleet-mitig-%d.jsonl", getpid());
	CU_ASSERT_FATAL(xs_fixture_setup(&fx, NULL) == 0);
	CU_ASSERT_FATAL(xs_mitig_from_bpf(&mt, &fx.b) == 0);
}

static void test_teardown(void)
{
	unlink(outfile);
	xs_fixture_teardown(&fx);
}

static void test_parse(void)
{
	struct xs_fleet_req r;
	char j[2048], why[200];
	int expired;

	req(j, sizeof(j), "rate_limit", "0011223344556677", "192.0.2.10/32",
	    "2027-01-15T07:59:00.500Z", 600, "syn", 3333);
	CU_ASSERT_EQUAL_FATAL(xs_fleet_req_parse(j, strlen(j), NOW, &r, &expired, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(r.action, XS_FA_LIMIT);
	CU_ASSERT_EQUAL(r.match, XS_LIM_SYN);
	CU_ASSERT_EQUAL(r.pps, 3333);
	CU_ASSERT_EQUAL(r.ttl_s, 541);	/* 600 s from 07:59:00.5, at 08:00:00 */
	CU_ASSERT_EQUAL(r.p.len, 128);
	CU_ASSERT_STRING_EQUAL(r.alert_id, "0011223344556677");
	CU_ASSERT_STRING_EQUAL(r.rule, "syn_flood");
	/* Past its TTL: skipped, not an error of the message. */
	req(j, sizeof(j), "block", "0011223344556677", "203.0.113.9/32", "2027-01-15T07:49:00.000Z",
	    600, "all", -1);
	CU_ASSERT_EQUAL(xs_fleet_req_parse(j, strlen(j), NOW, &r, &expired, why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(expired, 1);
	/* What the schema refuses, the sensor refuses. */
	req(j, sizeof(j), "drop", "0011223344556677", "203.0.113.9/32", "2027-01-15T08:00:00.000Z",
	    600, "all", -1);
	CU_ASSERT_EQUAL(xs_fleet_req_parse(j, strlen(j), NOW, &r, &expired, why, sizeof(why)), -1);
	req(j, sizeof(j), "block", "0011223344556677", "203.0.113.9/24", "2027-01-15T08:00:00.000Z",
	    600, "all", -1);
	CU_ASSERT_EQUAL(xs_fleet_req_parse(j, strlen(j), NOW, &r, &expired, why, sizeof(why)), -1);
	CU_ASSERT(strstr(why, "host bits") != NULL);
	req(j, sizeof(j), "block", "0011223344556677", "203.0.113.9/32", "2027-01-15T08:00:00.000Z",
	    600, "syn", -1);
	CU_ASSERT_EQUAL(xs_fleet_req_parse(j, strlen(j), NOW, &r, &expired, why, sizeof(why)), -1);
	req(j, sizeof(j), "block", "0011223344556677", "203.0.113.9/32", "2027-01-15T08:00:00.000Z",
	    -1, "all", -1);
	CU_ASSERT_EQUAL(xs_fleet_req_parse(j, strlen(j), NOW, &r, &expired, why, sizeof(why)), -1);
	CU_ASSERT(strstr(why, "ttl_s") != NULL);
	req(j, sizeof(j), "block", "0011223344556677", "203.0.113.9/32", "yesterday", 600, "all", -1);
	CU_ASSERT_EQUAL(xs_fleet_req_parse(j, strlen(j), NOW, &r, &expired, why, sizeof(why)), -1);
	req(j, sizeof(j), "block", "00112233445566", "203.0.113.9/32", "2027-01-15T08:00:00.000Z",
	    600, "all", -1);
	CU_ASSERT_EQUAL(xs_fleet_req_parse(j, strlen(j), NOW, &r, &expired, why, sizeof(why)), -1);
	CU_ASSERT_EQUAL(xs_fleet_req_parse("{\"event\":", 9, NOW, &r, &expired, why, sizeof(why)),
			-1);
	/* An unblock carries no TTL. */
	req(j, sizeof(j), "unblock", "0011223344556677", "203.0.113.9/32",
	    "2027-01-15T08:00:00.000Z", -1, "", -1);
	CU_ASSERT_EQUAL(xs_fleet_req_parse(j, strlen(j), NOW, &r, &expired, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(r.action, XS_FA_UNBLOCK);
}

static void test_enforced(void)
{
	struct xs_block_info *b = NULL;
	struct xs_limit_info *l = NULL;
	struct xs_prefix user;
	char j[2048];
	int i, passed = 0, n;

	if (!xs_have_bpf())
		return;
	CU_ASSERT_FATAL(setup(true) == 0);
	/* A flood's victim: its SYNs limited to 100/s on this sensor. */
	req(j, sizeof(j), "rate_limit", "0011223344556677", "192.0.2.10/32",
	    "2027-01-15T08:00:00.000Z", 600, "syn", 100);
	CU_ASSERT_EQUAL(apply(j), 0);
	n = xs_mitig_list_limits(&mt, &l);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(l[0].rate_pps, 100);
	CU_ASSERT_EQUAL(l[0].v.match, XS_LIM_SYN);
	free(l);
	for (i = 0; i < 1000; i++)
		passed += pkt("10.0.0.1", "192.0.2.10", XS_TCP_SYN) == 2;	/* XDP_PASS */
	/* This CPU's share of the burst, and what refills meanwhile. */
	CU_ASSERT(passed >= (100 + mt.ncpus - 1) / mt.ncpus &&
		  passed <= (100 + mt.ncpus - 1) / mt.ncpus + 10);
	CU_ASSERT_EQUAL(pkt("10.0.0.1", "192.0.2.10", XS_TCP_ACK), 2);	/* only SYNs */
	/* The same request again (a re-read): a new TTL, not a second event. */
	CU_ASSERT_EQUAL(apply(j), 0);

	/* A guesser's /24, blocked; the allowlisted network and the too broad
	 * prefix are not. */
	req(j, sizeof(j), "block", "8899aabbccddeeff", "203.0.113.0/24", "2027-01-15T08:00:00.000Z",
	    300, "all", -1);
	CU_ASSERT_EQUAL(apply(j), 0);
	CU_ASSERT_EQUAL(pkt("203.0.113.77", "192.0.2.20", XS_TCP_SYN), 1);	/* XDP_DROP */
	req(j, sizeof(j), "block", "8899aabbccddee00", "198.51.100.7/32",
	    "2027-01-15T08:00:00.000Z", 300, "all", -1);
	CU_ASSERT_EQUAL(apply(j), -EPERM);
	req(j, sizeof(j), "block", "8899aabbccddee01", "198.51.0.0/16", "2027-01-15T08:00:00.000Z",
	    300, "all", -1);
	CU_ASSERT_EQUAL(apply(j), -EPERM);
	CU_ASSERT_EQUAL(pkt("198.51.100.7", "192.0.2.20", XS_TCP_SYN), 2);
	/* Someone else's entry is left alone. */
	xs_prefix_parse("192.0.2.99/32", &user);
	CU_ASSERT_EQUAL(xs_mitig_block(&mt, &user, 0, XS_BLOCK_BY_USER), 0);
	xs_mpolicy_tick(pol, NOW);	/* reported as the user's */
	req(j, sizeof(j), "block", "8899aabbccddee02", "192.0.2.99/32", "2027-01-15T08:00:00.000Z",
	    300, "all", -1);
	CU_ASSERT_EQUAL(apply(j), -EPERM);
	req(j, sizeof(j), "unblock", "8899aabbccddee02", "192.0.2.99/32",
	    "2027-01-15T08:00:00.000Z", -1, "", -1);
	CU_ASSERT_EQUAL(apply(j), 0);
	n = xs_mitig_list_blocks(&mt, &b);
	CU_ASSERT_EQUAL(n, 2);	/* the fleet's /24 and the user's */
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(b[i].v.rule, b[i].prefix.len == 120 ? XS_BLOCK_BY_FLEET :
								     XS_BLOCK_BY_USER);
	free(b);
	/* The alert ended: what it added goes, once. */
	req(j, sizeof(j), "unblock", "8899aabbccddeeff", "203.0.113.0/24",
	    "2027-01-15T08:00:10.000Z", -1, "", -1);
	CU_ASSERT_EQUAL(apply(j), 0);
	CU_ASSERT_EQUAL(apply(j), 0);
	CU_ASSERT_EQUAL(pkt("203.0.113.77", "192.0.2.20", XS_TCP_SYN), 2);
	req(j, sizeof(j), "unlimit", "0011223344556677", "192.0.2.10/32",
	    "2027-01-15T08:00:10.000Z", -1, "", -1);
	CU_ASSERT_EQUAL(apply(j), 0);
	CU_ASSERT_EQUAL(xs_mitig_list_limits(&mt, &l), 0);
	free(l);
	xs_mpolicy_tick(pol, NOW + 1);
	xs_mitig_unblock(&mt, &user);
	xs_mpolicy_tick(pol, NOW + 2);
	xs_output_close(out);
	CU_ASSERT_EQUAL(count_lines("\"action\":\"rate_limit\""), 1);
	CU_ASSERT_EQUAL(count_lines("\"action\":\"unlimit\""), 1);
	CU_ASSERT_EQUAL(count_lines("\"by\":\"fleet\""), 4);
	CU_ASSERT_EQUAL(count_lines("\"alert_id\":\"8899aabbccddeeff\""), 2);
	CU_ASSERT_EQUAL(count_lines("\"reason\":\"fleet: the alert ended\""), 2);
	CU_ASSERT_EQUAL(count_lines("\"by\":\"user\""), 2);
	CU_ASSERT_EQUAL(xs_sh("python3 tests/tools/check_alerts.py schema/alert.schema.json %s",
			      outfile), 0);
	teardown();
}

static void test_enforce_off(void)
{
	struct xs_limit_info *l = NULL;
	char j[2048];

	if (!xs_have_bpf())
		return;
	CU_ASSERT_FATAL(setup(false) == 0);
	req(j, sizeof(j), "rate_limit", "0011223344556677", "192.0.2.10/32",
	    "2027-01-15T08:00:00.000Z", 600, "syn", 100);
	CU_ASSERT_EQUAL(apply(j), 0);
	CU_ASSERT_EQUAL(xs_mitig_list_limits(&mt, &l), 0);
	free(l);
	CU_ASSERT_EQUAL(pkt("10.0.0.1", "192.0.2.10", XS_TCP_SYN), 2);
	/* Still refused, reported or not. */
	req(j, sizeof(j), "block", "8899aabbccddee00", "198.51.100.7/32",
	    "2027-01-15T08:00:00.000Z", 300, "all", -1);
	CU_ASSERT_EQUAL(apply(j), -EPERM);
	/* Malformed and expired: nothing. */
	CU_ASSERT_EQUAL(apply("not json"), 1);
	req(j, sizeof(j), "rate_limit", "0011223344556678", "192.0.2.11/32",
	    "2027-01-15T07:00:00.000Z", 600, "syn", 100);
	CU_ASSERT_EQUAL(apply(j), 2);
	xs_output_close(out);
	CU_ASSERT_EQUAL(count_lines("\"enforced\":false"), 1);
	CU_ASSERT_EQUAL(count_lines("\"reason\":\"fleet alert, enforce mode off\""), 1);
	CU_ASSERT_EQUAL(count_lines("\"ttl_s\":600"), 1);
	CU_ASSERT_EQUAL(xs_sh("python3 tests/tools/check_alerts.py schema/alert.schema.json %s",
			      outfile), 0);
	teardown();
}

static void test_config(void)
{
	struct xs_settings s;

	CU_ASSERT_EQUAL(xs_settings_init(&s), 0);
	/* No kafka output to read requests from. */
	CU_ASSERT(xs_settings_load_string(&s, "t.yaml", "fleet_mitigation: true\n") > 0);
	xs_settings_free(&s);
	CU_ASSERT_EQUAL(xs_settings_init(&s), 0);
	CU_ASSERT_EQUAL(xs_settings_load_string(&s, "t.yaml",
						"fleet_mitigation: true\n"
						"fleet_hll_key: 000102030405060708090a0b0c0d0e0f\n"
						"outputs:\n  - type: kafka\n    brokers: 127.0.0.1:1\n"),
			0);
	CU_ASSERT(s.fleet.mitigation && s.fleet.aggregates && s.fleet.have_key);
	CU_ASSERT_STRING_EQUAL(s.fleet.key_id, "8f5b3fcf3e833f0a");
	CU_ASSERT_EQUAL(s.sizes.fleet_watch, 8);
	xs_settings_free(&s);
	CU_ASSERT_EQUAL(xs_settings_init(&s), 0);
	CU_ASSERT(xs_settings_load_string(&s, "t.yaml", "fleet_hll_key: 0001\n") > 0);
	xs_settings_free(&s);
	CU_ASSERT_EQUAL(xs_settings_init(&s), 0);
	/* Aggregates to no topic: no fleet part, no kernel memory for it. */
	CU_ASSERT_EQUAL(xs_settings_load_string(&s, "t.yaml",
						"fleet_hll_key: 000102030405060708090a0b0c0d0e0f\n"
						"fleet_hll_p: 12\n"
						"outputs:\n  - type: kafka\n    brokers: 127.0.0.1:1\n"
						"    aggregates_topic: \"\"\n"),
			0);
	CU_ASSERT(!s.fleet.aggregates);
	CU_ASSERT_EQUAL(s.fleet.p, 12);
	CU_ASSERT_EQUAL(s.sizes.fleet_watch, 0);
	xs_settings_free(&s);
	CU_ASSERT_EQUAL(xs_settings_init(&s), 0);
	CU_ASSERT(xs_settings_load_string(&s, "t.yaml", "fleet_hll_p: 15\n") > 0);
	xs_settings_free(&s);
}

static const struct xs_test tests[] = {
	{ "load", test_setup },
	{ "requests parse as the schema says; expired ones are skipped", test_parse },
	{ "enforced: limit, block, refusals, unblock only by the same alert", test_enforced },
	{ "enforce off: reported, not applied", test_enforce_off },
	{ "configuration", test_config },
	{ "unload", test_teardown },
};

XS_RUN_SUITE("fleet mitigation", tests)
