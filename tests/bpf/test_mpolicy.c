// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's mitigation policy against the real kernel tables: a rule's
 * block action drops the attacker, a flood's rate_limit protects the
 * victim, allowlisted attackers are spared, enforce off only reports, and
 * every change of the tables (rule, command, TTL) becomes one event,
 * validated against schema/mitigation.schema.json.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "mpolicy.h"
#include "names.h"
#include "output.h"
#include "settings.h"
#include "xs_test.h"

static struct xs_fixture fx;
static struct xs_mitig mt;
static struct xs_settings set;
static struct xs_mpolicy *pol;
static struct xs_outputs *out;
static char outfile[256];

static const char *yaml_fmt =
	"mitigation:\n"
	"  enforce: %s\n"
	"  allowlist: [198.51.100.0/24]\n"
	"rules:\n"
	"  port_scan:\n"
	"    action: block\n"
	"    action_ttl_s: 600\n"
	"  syn_flood:\n"
	"    threshold_pps: 20000\n"
	"    action: rate_limit\n"
	"outputs:\n"
	"  - type: file\n"
	"    path: %s\n"
	"    fsync_interval_ms: 0\n";

static int setup(bool enforce)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml), yaml_fmt, enforce ? "true" : "false", outfile);
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

static struct xs_alert_out alert(const char *rule, const char *action, const char *src,
				 const char *dst)
{
	struct xs_alert_out a = {
		.json = "{}", .rule = rule, .action = action, .event_id = "00112233445566aa",
		.src_ip = src, .dst_ip = dst, .dst_port = -1, .severity = 47, .ts = 1.7e9,
	};

	return a;
}

static int pkt(const char *src, const char *dst, uint8_t flags)
{
	struct xs_pkt_spec s;

	xs_pkt_spec_init(&s, src, dst, IPPROTO_TCP, 1234, 80);
	s.tcp_flags = flags;
	return xs_run_spec(&fx, &s, NULL);
}

/* The events written so far, one per line, as "action by reason". */
static int events(char lines[][160], int max)
{
	char buf[4096];
	FILE *f = fopen(outfile, "r");
	int n = 0;

	while (f && n < max && fgets(buf, sizeof(buf), f)) {
		char *act = strstr(buf, "\"action\":\""), *by = strstr(buf, "\"by\":\"");

		if (!act || !by)
			continue;
		snprintf(lines[n++], 160, "%.*s %.*s", (int)strcspn(act + 10, "\""), act + 10,
			 (int)strcspn(by + 6, "\""), by + 6);
	}
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
	snprintf(outfile, sizeof(outfile), "%s/mpolicy.jsonl", xs_tmpdir());
	CU_ASSERT_FATAL(xs_fixture_setup(&fx, NULL) == 0);
	CU_ASSERT_FATAL(xs_mitig_from_bpf(&mt, &fx.b) == 0);
}

static void test_block_by_rule(void)
{
	struct xs_alert_out a = alert("port_scan", "start", "203.0.113.5", "192.0.2.1");
	struct xs_mpolicy_stats st;
	struct xs_block_info *bl;
	char ev[8][160];
	int n;

	unlink(outfile);
	CU_ASSERT_FATAL(setup(true) == 0);
	xs_mpolicy_on_alert(pol, &a);
	CU_ASSERT_EQUAL(pkt("203.0.113.5", "192.0.2.1", XS_TCP_SYN), 1);	/* XDP_DROP */
	CU_ASSERT_EQUAL(pkt("203.0.113.6", "192.0.2.1", XS_TCP_SYN), 2);
	n = xs_mitig_list_blocks(&mt, &bl);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(bl[0].v.rule, XS_BLOCK_BY_RULE);
	CU_ASSERT(bl[0].v.expires_ns > xs_mono_ns() + 590ULL * 1000000000ULL);
	free(bl);
	/* An update renews it; it does not add a second entry or event. */
	a.action = "update";
	xs_mpolicy_on_alert(pol, &a);
	xs_mpolicy_tick(pol, 1.7e9);
	xs_mpolicy_tick(pol, 1.7e9 + 1);
	n = events(ev, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(ev[0], "block rule");
	/* Removed by a command: an unblock event, attributed to the user. */
	{
		struct xs_prefix p;

		xs_prefix_parse("203.0.113.5", &p);
		CU_ASSERT_EQUAL(xs_mitig_unblock(&mt, &p), 0);
	}
	xs_mpolicy_tick(pol, 1.7e9 + 2);
	n = events(ev, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(ev[1], "unblock rule");
	xs_mpolicy_get_stats(pol, &st);
	CU_ASSERT_EQUAL(st.blocks, 1);
	CU_ASSERT_EQUAL(st.events, 2);
	teardown();
	CU_ASSERT_EQUAL(xs_sh("python3 tests/tools/check_alerts.py schema/alert.schema.json %s",
			      outfile),
			0);
}

static void test_allowlist_and_no_attacker(void)
{
	struct xs_alert_out a = alert("port_scan", "start", "198.51.100.9", "192.0.2.1");
	struct xs_mpolicy_stats st;
	struct xs_block_info *bl;

	unlink(outfile);
	CU_ASSERT_FATAL(setup(true) == 0);
	xs_mpolicy_on_alert(pol, &a);	/* allowlisted */
	a.src_ip = NULL;		/* no attacker named */
	xs_mpolicy_on_alert(pol, &a);
	CU_ASSERT_EQUAL(xs_mitig_list_blocks(&mt, &bl), 0);
	free(bl);
	xs_mpolicy_get_stats(pol, &st);
	CU_ASSERT_EQUAL(st.skipped, 2);
	CU_ASSERT_EQUAL(st.blocks, 0);
	/* The allowlist is in the kernel too: a block by hand spares it. */
	{
		struct xs_prefix p;

		xs_prefix_parse("198.51.100.0/24", &p);
		CU_ASSERT_EQUAL(xs_mitig_block(&mt, &p, 0, XS_BLOCK_BY_USER), 0);
		CU_ASSERT_EQUAL(pkt("198.51.100.9", "192.0.2.1", XS_TCP_SYN), 2);
		CU_ASSERT_EQUAL(xs_mitig_unblock(&mt, &p), 0);
	}
	teardown();
}

static void test_rate_limit_and_expiry(void)
{
	struct xs_alert_out a = alert("syn_flood", "start", NULL, "192.0.2.77");
	struct xs_limit_info *li;
	struct xs_lpm_key k;
	struct xs_limit v;
	struct xs_prefix p;
	char ev[8][160];
	int n;

	unlink(outfile);
	CU_ASSERT_FATAL(setup(true) == 0);
	xs_mpolicy_on_alert(pol, &a);
	n = xs_mitig_list_limits(&mt, &li);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(li[0].v.match, XS_LIM_SYN);
	/* limit_pps unset: the rule's threshold, split over the CPUs. */
	CU_ASSERT_EQUAL(li[0].rate_pps, (__u64)((20000 + mt.ncpus - 1) / mt.ncpus * mt.ncpus));
	free(li);
	xs_mpolicy_tick(pol, 1.7e9);
	/* The TTL runs out: the kernel stops applying it, the sweep removes it
	 * and says why. */
	xs_prefix_parse("192.0.2.77", &p);
	xs_prefix_to_lpm(&p, &k);
	CU_ASSERT_FATAL(bpf_map_lookup_elem(mt.limit_fd, &k, &v) == 0);
	v.expires_ns = xs_mono_ns() - 1;
	CU_ASSERT_FATAL(bpf_map_update_elem(mt.limit_fd, &k, &v, BPF_ANY) == 0);
	xs_mpolicy_tick(pol, 1.7e9 + 1);
	n = events(ev, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(ev[0], "rate_limit rule");
	CU_ASSERT_STRING_EQUAL(ev[1], "unlimit rule");
	CU_ASSERT_EQUAL(xs_sh("grep -c 'ttl expired' %s | grep -qx 1", outfile), 0);
	teardown();
	CU_ASSERT_EQUAL(xs_sh("python3 tests/tools/check_alerts.py schema/alert.schema.json %s",
			      outfile),
			0);
}

static void test_enforce_off_reports_only(void)
{
	struct xs_alert_out a = alert("port_scan", "start", "203.0.113.5", "192.0.2.1");
	struct xs_mpolicy_stats st;
	struct xs_block_info *bl;
	char ev[8][160];

	unlink(outfile);
	CU_ASSERT_FATAL(setup(false) == 0);
	xs_mpolicy_on_alert(pol, &a);
	a.action = "update";
	xs_mpolicy_on_alert(pol, &a);	/* reported once per alert */
	CU_ASSERT_EQUAL(xs_mitig_list_blocks(&mt, &bl), 0);
	free(bl);
	CU_ASSERT_EQUAL(pkt("203.0.113.5", "192.0.2.1", XS_TCP_SYN), 2);
	xs_mpolicy_get_stats(pol, &st);
	CU_ASSERT_EQUAL(st.not_enforced, 1);
	teardown();
	CU_ASSERT_EQUAL_FATAL(events(ev, 8), 1);
	CU_ASSERT_STRING_EQUAL(ev[0], "block rule");
	CU_ASSERT_EQUAL(xs_sh("grep -c '\"enforced\":false' %s | grep -qx 1", outfile), 0);
	CU_ASSERT_EQUAL(xs_sh("python3 tests/tools/check_alerts.py schema/alert.schema.json %s",
			      outfile),
			0);
}

static void test_config_errors(void)
{
	struct xs_settings s;

	CU_ASSERT_FATAL(xs_settings_init(&s) == 0);
	CU_ASSERT(xs_settings_load_string(&s, "bad.yaml",
					  "rules:\n  port_scan:\n    action: rate_limit\n") == 1);
	xs_settings_free(&s);
	CU_ASSERT_FATAL(xs_settings_init(&s) == 0);
	CU_ASSERT(xs_settings_load_string(&s, "bad.yaml",
					  "mitigation:\n  allowlist: [10.0.0.1/8]\n") == 1);
	xs_settings_free(&s);
	CU_ASSERT_FATAL(xs_settings_init(&s) == 0);
	CU_ASSERT(xs_settings_load_string(&s, "bad.yaml", "rules:\n  brute_force:\n    action: "
							  "ban\n") == 1);
	xs_settings_free(&s);
}

static void test_teardown(void)
{
	unlink(outfile);
	xs_fixture_teardown(&fx);
}

static const struct xs_test tests[] = {
	{ "load", test_setup },
	{ "a rule's block action drops the attacker; one event each way", test_block_by_rule },
	{ "allowlisted or unnamed attackers are not blocked", test_allowlist_and_no_attacker },
	{ "a flood's rate limit; the TTL expires it, with an event", test_rate_limit_and_expiry },
	{ "enforce off: the action is reported, not applied", test_enforce_off_reports_only },
	{ "bad actions and allowlists are configuration errors", test_config_errors },
	{ "unload", test_teardown },
};

XS_RUN_SUITE("mitigation policy", tests)
