// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's mitigation policy against the real kernel tables: a rule's
 * block action drops the attacker, a flood's rate_limit protects the
 * victim, allowlisted attackers are spared, enforce off only reports, and
 * every change of the tables (rule, command, TTL) becomes one event,
 * validated against schema/mitigation.schema.json.
 */
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "engine.h"
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
	"%s"
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

/* extra: more mitigation keys (two-space indented lines). */
static int setup_with(bool enforce, const char *extra)
{
	char yaml[2048];

	snprintf(yaml, sizeof(yaml), yaml_fmt, enforce ? "true" : "false", extra, outfile);
	if (xs_settings_init(&set) || xs_settings_load_string(&set, "test.yaml", yaml))
		return -1;
	out = xs_output_new();
	if (!out || xs_output_configure(out, set.root) || xs_output_open(out))
		return -1;
	pol = xs_mpolicy_new(&mt, &set, out);
	return pol ? 0 : -1;
}

/* The policy's checks of the table itself: evidence off, as before
 * issue 13 (the evidence has tests of its own below). */
static int setup(bool enforce)
{
	return setup_with(enforce, "  require_evidence: false\n");
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

/* ---- issue 13: spoofed packets must not get innocents blocked ---- */

static struct xs_engine *eng;
static struct xs_watch_key wkeys[XS_WATCH_MAX];

static void feed(void *ctx, const struct xs_watch_key *k, const struct xs_watch_val *v)
{
	xs_engine_watch_counts(ctx, k, v);
}

/* One tick of the pipeline's evidence loop against the real program: the
 * kernel's counts into the engine, the policy, the engine's choice of
 * watched keys into the kernel. */
static void evidence_tick(double ts)
{
	size_t n;

	xs_collector_watch_read(&fx.col, feed, eng);
	xs_engine_on_tick(eng, NULL, ts);
	xs_mpolicy_tick(pol, ts);
	n = xs_engine_watch_keys(eng, wkeys, XS_WATCH_MAX);
	CU_ASSERT_EQUAL(xs_collector_watch_set(&fx.col, wkeys, n, 64), 0);
	xs_engine_watch_synced(eng, wkeys, n);
}

static int segment(const char *src, const char *dst, uint16_t sport, uint8_t flags, int payload)
{
	struct xs_pkt_spec s;

	xs_pkt_spec_init(&s, src, dst, IPPROTO_TCP, sport, 22);
	s.tcp_flags = flags;
	s.payload = payload;
	return xs_run_spec(&fx, &s, NULL);
}

/* A brute-force alert names 203.0.113.53 (a spoofed SYN flood borrowed it):
 * no handshake ever completes in its flows, nothing is blocked. The same
 * alert for a real client: its ACKs and data show, the block follows. */
static void test_block_needs_evidence(void)
{
	struct xs_engine_opts eo = { .settings = &set };
	struct xs_alert_out a = alert("brute_force", "start", "203.0.113.53", "198.18.0.10");
	struct xs_mpolicy_stats st;
	struct xs_block_info *bl;
	int i, n;

	unlink(outfile);
	CU_ASSERT_FATAL(setup_with(true, "") == 0);
	CU_ASSERT_EQUAL(set.mitigation->require_evidence, true);
	eo.settings = &set;
	eng = xs_engine_new(&eo);
	CU_ASSERT_FATAL(eng != NULL);
	xs_mpolicy_set_engine(pol, eng);
	set.rules->prof[0].act[XS_R_BRUTE_FORCE].action = XS_ACT_BLOCK;
	a.dst_port = 22;
	a.proto = 6;
	xs_mpolicy_on_alert(pol, &a);
	CU_ASSERT_EQUAL(xs_mitig_list_blocks(&mt, &bl), 0);
	free(bl);
	/* The spoofed flood goes on: SYNs, and the sources' real traffic
	 * elsewhere (to another host) changes nothing. */
	for (i = 0; i < 5; i++) {
		evidence_tick(1.7e9 + i);
		CU_ASSERT_EQUAL(segment("203.0.113.53", "198.18.0.10", 40000 + i, XS_TCP_SYN, 0), 2);
		CU_ASSERT_EQUAL(segment("203.0.113.53", "198.18.0.99", 53, XS_TCP_ACK, 100), 2);
	}
	evidence_tick(1.7e9 + 5);
	CU_ASSERT_EQUAL(xs_mitig_list_blocks(&mt, &bl), 0);
	free(bl);
	xs_mpolicy_get_stats(pol, &st);
	CU_ASSERT_EQUAL(st.blocks, 0);
	CU_ASSERT_EQUAL(st.no_evidence, 1);
	/* A real client: the handshake's last ACK, then data. */
	CU_ASSERT_EQUAL(segment("203.0.113.53", "198.18.0.10", 40100, XS_TCP_ACK, 0), 2);
	CU_ASSERT_EQUAL(segment("203.0.113.53", "198.18.0.10", 40100, XS_TCP_ACK | XS_TCP_PSH, 40), 2);
	evidence_tick(1.7e9 + 6);
	n = xs_mitig_list_blocks(&mt, &bl);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(bl[0].v.rule, XS_BLOCK_BY_RULE);
	free(bl);
	CU_ASSERT_EQUAL(segment("203.0.113.53", "198.18.0.10", 40200, XS_TCP_SYN, 0), 1);
	xs_mpolicy_get_stats(pol, &st);
	CU_ASSERT_EQUAL(st.blocks, 1);
	{
		struct xs_prefix p;

		xs_prefix_parse("203.0.113.53", &p);
		CU_ASSERT_EQUAL(xs_mitig_unblock(&mt, &p), 0);
	}
	/* An IPv6 attacker counted per /64: blocked per /64, on evidence from
	 * any address of it. */
	a = alert("brute_force", "start", "2001:db8:bad::", "2001:db8:18::10");
	a.event_id = "00112233445566bb";
	a.dst_port = 22;
	a.proto = 6;
	a.src_plen = 64;
	xs_mpolicy_on_alert(pol, &a);
	evidence_tick(1.7e9 + 7);
	CU_ASSERT_EQUAL(segment("2001:db8:bad::77", "2001:db8:18::10", 40300, XS_TCP_ACK, 10), 2);
	evidence_tick(1.7e9 + 8);
	n = xs_mitig_list_blocks(&mt, &bl);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(bl[0].prefix.len, 64);
	free(bl);
	CU_ASSERT_EQUAL(segment("2001:db8:bad::1234", "2001:db8:18::10", 1, XS_TCP_SYN, 0), 1);
	{
		struct xs_prefix p;

		xs_prefix_parse("2001:db8:bad::/64", &p);
		CU_ASSERT_EQUAL(xs_mitig_unblock(&mt, &p), 0);
	}
	xs_collector_watch_set(&fx.col, NULL, 0, 64);
	xs_engine_free(eng);
	eng = NULL;
	teardown();
	CU_ASSERT_EQUAL(xs_sh("python3 tests/tools/check_alerts.py schema/alert.schema.json %s",
			      outfile),
			0);
}

/* The sensor's own networks (here: loopback's 127.0.0.0/8) are never
 * blocked by a rule, evidence or not. */
static void test_exempt_local(void)
{
	struct xs_alert_out a = alert("port_scan", "start", "127.0.0.5", "192.0.2.1");
	struct xs_mpolicy_stats st;
	struct xs_block_info *bl;

	unlink(outfile);
	CU_ASSERT_FATAL(setup(true) == 0);
	xs_mpolicy_on_alert(pol, &a);
	CU_ASSERT_EQUAL(xs_mitig_list_blocks(&mt, &bl), 0);
	free(bl);
	xs_mpolicy_get_stats(pol, &st);
	CU_ASSERT_EQUAL(st.exempt, 1);
	CU_ASSERT_EQUAL(xs_sh("grep -q \"sensor's own\" %s", outfile), 0);
	teardown();
	/* Turned off: blocked like any. */
	CU_ASSERT_FATAL(setup_with(true, "  require_evidence: false\n  exempt_local: false\n") == 0);
	xs_mpolicy_on_alert(pol, &a);
	CU_ASSERT_EQUAL(xs_mitig_list_blocks(&mt, &bl), 1);
	free(bl);
	{
		struct xs_prefix p;

		xs_prefix_parse("127.0.0.5", &p);
		CU_ASSERT_EQUAL(xs_mitig_unblock(&mt, &p), 0);
	}
	teardown();
}

static struct xs_alert_out scan_from(int i, char *src, char *id)
{
	struct xs_alert_out a;

	sprintf(src, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	sprintf(id, "%016x", i + 1);
	a = alert("port_scan", "start", src, "192.0.2.1");
	a.event_id = id;
	return a;
}

/* 4,096 attackers (real ones, or spoofed with evidence off): rules hold
 * at most rule_blocks_max (3,072) entries, and the rest of the 4,096-entry
 * blocklist stays free for `xdpstream block`. */
static void test_rule_block_quota(void)
{
	struct xs_mpolicy_stats st;
	struct xs_block_info *bl;
	char src[32], id[32];
	int i, n, manual = 0;

	unlink(outfile);
	CU_ASSERT_FATAL(setup_with(true, "  require_evidence: false\n"
					 "  rule_blocks_per_minute: 100000\n") == 0);
	CU_ASSERT_EQUAL(set.mitigation->rule_blocks_max, 3072);
	for (i = 0; i < XS_BLOCKLIST_MAX; i++) {
		struct xs_alert_out a = scan_from(i, src, id);

		xs_mpolicy_on_alert(pol, &a);
	}
	xs_mpolicy_get_stats(pol, &st);
	CU_ASSERT_EQUAL(st.blocks, 3072);
	CU_ASSERT_EQUAL(st.over_quota, XS_BLOCKLIST_MAX - 3072);
	for (i = 0; i < XS_BLOCKLIST_MAX - 3072; i++) {
		struct xs_prefix p;

		sprintf(src, "172.16.%d.%d", i >> 8, i & 255);
		xs_prefix_parse(src, &p);
		manual += xs_mitig_block(&mt, &p, 0, XS_BLOCK_BY_USER) == 0;
	}
	CU_ASSERT_EQUAL(manual, XS_BLOCKLIST_MAX - 3072);
	/* The quota counts what is in the table: a tick recounts. */
	xs_mpolicy_tick(pol, 1.7e9);
	{
		struct xs_alert_out a = scan_from(XS_BLOCKLIST_MAX + 1, src, id);

		xs_mpolicy_on_alert(pol, &a);
	}
	xs_mpolicy_get_stats(pol, &st);
	CU_ASSERT_EQUAL(st.blocks, 3072);
	n = xs_mitig_list_blocks(&mt, &bl);
	CU_ASSERT_EQUAL(n, XS_BLOCKLIST_MAX);
	for (i = 0; i < n; i++)
		xs_mitig_unblock(&mt, &bl[i].prefix);
	free(bl);
	teardown();
}

/* rule_blocks_per_minute: 6 is one block per 10 s (a bucket of ten
 * seconds' worth); the others wait and are made as tokens come. */
static void test_rule_block_rate(void)
{
	struct xs_mpolicy_stats st;
	struct xs_block_info *bl;
	char src[8][32], id[8][32];
	int i, n;

	unlink(outfile);
	CU_ASSERT_FATAL(setup_with(true, "  require_evidence: false\n"
					 "  rule_blocks_per_minute: 6\n") == 0);
	for (i = 0; i < 5; i++) {
		struct xs_alert_out a = scan_from(i, src[i], id[i]);

		xs_mpolicy_on_alert(pol, &a);
	}
	CU_ASSERT_EQUAL(xs_mitig_list_blocks(&mt, &bl), 1);
	free(bl);
	xs_mpolicy_tick(pol, 1.7e9 + 5);	/* half a token */
	CU_ASSERT_EQUAL(xs_mitig_list_blocks(&mt, &bl), 1);
	free(bl);
	xs_mpolicy_tick(pol, 1.7e9 + 10);
	CU_ASSERT_EQUAL(xs_mitig_list_blocks(&mt, &bl), 2);
	free(bl);
	/* A long pause buys no burst: one per ten seconds. */
	xs_mpolicy_tick(pol, 1.7e9 + 40);
	CU_ASSERT_EQUAL(xs_mitig_list_blocks(&mt, &bl), 3);
	free(bl);
	xs_mpolicy_tick(pol, 1.7e9 + 50);
	xs_mpolicy_tick(pol, 1.7e9 + 60);
	n = xs_mitig_list_blocks(&mt, &bl);
	CU_ASSERT_EQUAL(n, 5);
	for (i = 0; i < n; i++)
		xs_mitig_unblock(&mt, &bl[i].prefix);
	free(bl);
	xs_mpolicy_get_stats(pol, &st);
	CU_ASSERT_EQUAL(st.blocks, 5);
	CU_ASSERT(st.over_rate >= 4);
	teardown();
}

static volatile int racing;
static volatile long raced_drops, raced_runs;

/* Another CPU sends from an allowlisted source inside a blocked prefix. */
static void *race_packets(void *arg)
{
	struct xs_pkt_spec sp;
	uint8_t buf[XS_PKT_MAX];
	int len;

	cpu_set_t cpus;

	(void)arg;
	/* The other CPU, where there is one: a real race. */
	CPU_ZERO(&cpus);
	CPU_SET(1, &cpus);
	pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	xs_pkt_spec_init(&sp, "198.51.100.9", "192.0.2.1", IPPROTO_TCP, 1234, 80);
	len = xs_pkt_build(&sp, buf, sizeof(buf));
	while (racing) {
		if (xs_run_frame(&fx, buf, len) == 1)
			raced_drops++;
		raced_runs++;
	}
	return NULL;
}

/* A reload replaces the allowlist without a moment where it is empty
 * (issue 13): a source it protects before and after is never dropped
 * meanwhile; what the new list leaves out goes. */
static void test_allowlist_reload(void)
{
	struct xs_settings s2;
	struct xs_prefix blk, other;
	struct xs_addr a;
	pthread_t th;
	int i;

	unlink(outfile);
	CU_ASSERT_FATAL(setup(true) == 0);
	xs_prefix_parse("198.51.100.0/24", &blk);
	CU_ASSERT_EQUAL_FATAL(xs_mitig_block(&mt, &blk, 0, XS_BLOCK_BY_USER), 0);
	racing = 1;
	raced_drops = raced_runs = 0;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, race_packets, NULL) == 0);
	for (i = 0; i < 2000; i++)
		xs_mpolicy_configure(pol, &set);
	racing = 0;
	pthread_join(th, NULL);
	printf("\n  %ld packets during 2,000 reloads, %ld dropped", raced_runs, raced_drops);
	CU_ASSERT(raced_runs > 1000);
	CU_ASSERT_EQUAL(raced_drops, 0);
	/* A new list: the old prefix leaves, the new one comes. */
	CU_ASSERT_FATAL(xs_settings_init(&s2) == 0);
	CU_ASSERT_FATAL(xs_settings_load_string(&s2, "t2.yaml",
						"mitigation:\n  allowlist: [203.0.113.0/24]\n") == 0);
	xs_mpolicy_configure(pol, &s2);
	xs_addr_parse("198.51.100.9", &a);
	CU_ASSERT(!xs_mitig_allowed(&mt, &a));
	xs_prefix_parse("203.0.113.0/24", &other);
	CU_ASSERT(xs_mitig_allowed(&mt, &other.addr));
	CU_ASSERT_EQUAL(pkt("198.51.100.9", "192.0.2.1", XS_TCP_SYN), 1);
	xs_mpolicy_configure(pol, &set);
	CU_ASSERT_EQUAL(xs_mitig_unblock(&mt, &blk), 0);
	teardown();
	xs_settings_free(&s2);
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
	{ "blocks need evidence: a spoofed source never, a real one yes", test_block_needs_evidence },
	{ "the sensor's own networks are never blocked by a rule", test_exempt_local },
	{ "rules hold at most their share of the blocklist", test_rule_block_quota },
	{ "rules block at most rule_blocks_per_minute", test_rule_block_rate },
	{ "a reload never empties the allowlist", test_allowlist_reload },
	{ "bad actions and allowlists are configuration errors", test_config_errors },
	{ "unload", test_teardown },
};

XS_RUN_SUITE("mitigation policy", tests)
