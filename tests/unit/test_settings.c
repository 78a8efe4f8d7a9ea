// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The configuration of run/replay: defaults, the sample file, overrides,
 * and errors with their lines. */
#include <string.h>

#include "names.h"
#include "settings.h"
#include "xs_test.h"

static struct xs_cfg *load(const char *yaml, struct xs_settings *s)
{
	char err[256];
	struct xs_cfg *cfg = xs_cfg_load_string("t.yaml", yaml, err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL_FATAL(xs_settings_init(s), 0);
	xs_settings_apply(s, cfg);
	return cfg;
}

/* The sample documents every key with its default: loading it changes
 * nothing. */
static void test_sample_is_defaults(void)
{
	struct xs_settings def, s;
	char err[256];
	struct xs_cfg *cfg = xs_cfg_load_file("config/xdpstream.yaml", err, sizeof(err));
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	CU_ASSERT_EQUAL_FATAL(xs_settings_init(&def), 0);
	CU_ASSERT_EQUAL_FATAL(xs_settings_init(&s), 0);
	CU_ASSERT_EQUAL(xs_settings_apply(&s, cfg), 0);
	for (i = 0; i < xs_cfg_nerrors(cfg); i++)
		printf("\n  %s", xs_cfg_error_at(cfg, i));
	CU_ASSERT_EQUAL(s.tick_ms, def.tick_ms);
	CU_ASSERT_EQUAL(s.event_budget, def.event_budget);
	CU_ASSERT_EQUAL(s.admit_after, def.admit_after);
	CU_ASSERT_EQUAL(s.admit_sample, def.admit_sample);
	CU_ASSERT_EQUAL(def.admit_after, 20000);
	CU_ASSERT_EQUAL(def.admit_sample, 16);
	CU_ASSERT(!s.mirror && !def.mirror);
	CU_ASSERT_EQUAL(s.nrefl_ports, def.nrefl_ports);
	CU_ASSERT_EQUAL(memcmp(s.refl_ports, def.refl_ports, sizeof(s.refl_ports)), 0);
	CU_ASSERT_EQUAL(memcmp(&s.sizes, &def.sizes, sizeof(s.sizes)), 0);
	CU_ASSERT_EQUAL(memcmp(&s.limits, &def.limits, sizeof(s.limits)), 0);
	CU_ASSERT_EQUAL(memcmp(&s.alerts, &def.alerts, sizeof(s.alerts)), 0);
	CU_ASSERT_EQUAL(memcmp(&s.mitigation->fp, &def.mitigation->fp, sizeof(s.mitigation->fp)), 0);
	CU_ASSERT_FALSE(s.mitigation->bgp.enabled);
	CU_ASSERT_EQUAL(s.rules->nprofiles, 1);
	CU_ASSERT_EQUAL(memcmp(&s.rules->prof[0], &def.rules->prof[0], sizeof(s.rules->prof[0])),
			0);
	CU_ASSERT(!s.fleet.have_key && !s.fleet.mitigation && !s.fleet.aggregates);
	CU_ASSERT_EQUAL(s.fleet.p, def.fleet.p);
	CU_ASSERT_EQUAL(s.fleet.items_max, def.fleet.items_max);
	CU_ASSERT_EQUAL(s.fleet.top_sources, def.fleet.top_sources);
	CU_ASSERT_EQUAL(s.fleet.watch, def.fleet.watch);
	CU_ASSERT_STRING_EQUAL(s.fleet.mitigation_topic, def.fleet.mitigation_topic);
	xs_cfg_free(cfg);
	xs_settings_free(&s);
	xs_settings_free(&def);
}

static const char *bad = "tick_ms: 5\n"			/* 1: out of range */
			 "rules:\n"				/* 2 */
			 "  syn_flod: {}\n"			/* 3: unknown rule */
			 "  port_scan:\n"			/* 4 */
			 "    threshhold: 3\n"			/* 5: unknown key */
			 "    window_s: abc\n"			/* 6: not a number */
			 "networks:\n"				/* 7 */
			 "  - name: x\n"			/* 8 */
			 "    cidrs: [10.0.0.0/33, '2001:db8::/32']\n"	/* 9: bad CIDR */
			 "    rules: {brute_force: {login_ports: [22, 70000]}}\n"	/* 10 */
			 "maps: {ringbuf_bytes: 5000}\n"	/* 11: not a power of two */
			 "outputs: [{type: stdout, bogus: 1}]\n"	/* 12: the sinks' own */
			 "admission: {after: 5000, sample: 12}\n"	/* 13: not a power of two */
			 "foo: 1\n";				/* 14: unknown */

static void test_errors_with_lines(void)
{
	static const char *const want[] = {
		"t.yaml:1: tick_ms: 5 is out of range (10..60000)",
		"t.yaml:13: admission.sample: must be a power of two (1, 2, 4, ... 32768)",
		"t.yaml:11: maps.ringbuf_bytes: must be a power of two (4096, 8192, ... 1073741824)",
		"t.yaml:3: rules.syn_flod: unknown rule (one of syn_flood, udp_flood, icmp_flood, "
		"volumetric, reflection, port_scan, host_sweep, brute_force, traffic_anomaly, "
		"synack_flood, ack_flood, carpet_bombing, credential_stuffing, sip_fraud, "
		"frag_evasion)",
		"t.yaml:6: rules.port_scan.window_s: expected a number, got 'abc'",
		"t.yaml:5: rules.port_scan.threshhold: unknown key",
		"t.yaml:9: networks[0].cidrs[0]: expected an address or CIDR like 10.0.0.0/8 or "
		"2001:db8::/32 (host bits zero), got '10.0.0.0/33'",
		"t.yaml:10: networks[0].rules.brute_force.login_ports[1]: 70000 is out of range "
		"(0..65535)",
		"t.yaml:12: outputs[0].bogus: unknown key",
		"t.yaml:14: foo: unknown key",
	};
	struct xs_settings s;
	struct xs_cfg *cfg = load(bad, &s);
	int i, n = xs_cfg_nerrors(cfg);

	CU_ASSERT_EQUAL(n, (int)(sizeof(want) / sizeof(want[0])));
	for (i = 0; i < n && i < (int)(sizeof(want) / sizeof(want[0])); i++) {
		if (strcmp(xs_cfg_error_at(cfg, i), want[i]))
			printf("\n  got  %s\n  want %s", xs_cfg_error_at(cfg, i), want[i]);
		CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, i), want[i]);
	}
	/* Bad values leave the defaults. */
	CU_ASSERT_EQUAL(s.tick_ms, 1000);
	CU_ASSERT_EQUAL(s.sizes.ringbuf_bytes, 4u << 20);
	CU_ASSERT_DOUBLE_EQUAL(s.rules->prof[0].scan.window_s, 60, 0);
	xs_cfg_free(cfg);
	xs_settings_free(&s);
}

static const char *good = "tick_ms: 100\n"
			  "event_budget: 1000\n"
			  "mirror: yes\n"
			  "admission: {after: 5000, sample: 64}\n"
			  "reflector_ports: [53, 3702]\n"
			  "limits: {pairs: 1000, track_min_pps: 0}\n"
			  "alerts: {cooldown_s: 5, update_interval_s: 2, hostname: edge-1}\n"
			  "rules:\n"
			  "  syn_flood: {threshold_pps: 2000, window_s: 2.5}\n"
			  "  brute_force:\n"
			  "    login_ports: [2222, 22, 2222]\n"
			  "  traffic_anomaly:\n"
			  "    enabled: no\n"
			  "networks:\n"
			  "  - name: dmz\n"
			  "    cidrs: [192.0.2.0/24, '2001:db8:1::/48']\n"
			  "    rules:\n"
			  "      syn_flood: {threshold_pps: 50}\n"
			  "  - name: dmz-web\n"
			  "    cidrs: [192.0.2.80/28, 192.0.2.99]\n"
			  "    rules:\n"
			  "      port_scan: {enabled: false}\n";

static void test_values_and_overrides(void)
{
	struct xs_settings s;
	struct xs_cfg *cfg = load(good, &s);
	const struct xs_ruleset *rs;
	struct xs_addr a;

	CU_ASSERT_EQUAL(xs_cfg_nerrors(cfg), 0);
	rs = s.rules;
	CU_ASSERT_EQUAL(s.tick_ms, 100);
	CU_ASSERT_EQUAL(s.event_budget, 1000);
	CU_ASSERT_EQUAL(s.admit_after, 5000);
	CU_ASSERT_EQUAL(s.admit_sample, 64);
	CU_ASSERT(s.mirror);
	CU_ASSERT_EQUAL(s.nrefl_ports, 2);
	CU_ASSERT_EQUAL(s.refl_ports[1], 3702);
	CU_ASSERT_EQUAL(s.limits.pairs, 1000);
	CU_ASSERT_EQUAL(s.limits.track_min_pps, 0);
	CU_ASSERT_STRING_EQUAL(s.alerts.hostname, "edge-1");
	CU_ASSERT_DOUBLE_EQUAL(s.alerts.cooldown_s, 5, 0);
	CU_ASSERT_DOUBLE_EQUAL(rs->prof[0].syn.threshold_pps, 2000, 0);
	CU_ASSERT_DOUBLE_EQUAL(rs->prof[0].syn.window_s, 2.5, 0);
	CU_ASSERT(!rs->prof[0].anom.enabled);
	/* Port lists: sorted, duplicates dropped, replacing the default. */
	CU_ASSERT_EQUAL(rs->prof[0].brute.login_ports.n, 2);
	CU_ASSERT(xs_ports_has(&rs->prof[0].brute.login_ports, 2222));
	CU_ASSERT(!xs_ports_has(&rs->prof[0].brute.login_ports, 21));

	CU_ASSERT_EQUAL(rs->nprofiles, 3);
	CU_ASSERT_STRING_EQUAL(rs->prof_name[1], "dmz");
	/* A group starts from the (configured) defaults. */
	CU_ASSERT_DOUBLE_EQUAL(rs->prof[1].syn.threshold_pps, 50, 0);
	CU_ASSERT_DOUBLE_EQUAL(rs->prof[1].syn.window_s, 2.5, 0);
	CU_ASSERT(!rs->prof[1].anom.enabled);
	CU_ASSERT(rs->prof[1].scan.enabled);
	CU_ASSERT_DOUBLE_EQUAL(rs->prof[2].syn.threshold_pps, 2000, 0);
	CU_ASSERT(!rs->prof[2].scan.enabled);

	xs_addr_parse("192.0.2.7", &a);
	CU_ASSERT_EQUAL(xs_ruleset_profile(rs, &a), 1);
	xs_addr_parse("192.0.2.85", &a);	/* in both: the longer prefix */
	CU_ASSERT_EQUAL(xs_ruleset_profile(rs, &a), 2);
	xs_addr_parse("192.0.2.99", &a);	/* a bare address is a /32 */
	CU_ASSERT_EQUAL(xs_ruleset_profile(rs, &a), 2);
	xs_addr_parse("192.0.3.1", &a);
	CU_ASSERT_EQUAL(xs_ruleset_profile(rs, &a), 0);
	xs_addr_parse("2001:db8:1:ffff::1", &a);
	CU_ASSERT_EQUAL(xs_ruleset_profile(rs, &a), 1);
	xs_addr_parse("2001:db8:2::1", &a);
	CU_ASSERT_EQUAL(xs_ruleset_profile(rs, &a), 0);
	xs_cfg_free(cfg);
	xs_settings_free(&s);
}

static void test_cidr(void)
{
	struct xs_prefix c;
	struct xs_addr a;

	/* Host bits must be zero: 10.1.2.3/8 is refused, not masked. */
	CU_ASSERT_EQUAL(xs_prefix_parse("10.1.2.3/8", &c), -1);
	CU_ASSERT_EQUAL(xs_prefix_parse("10.0.0.0/8", &c), 0);
	CU_ASSERT_EQUAL(c.len, 104);
	xs_addr_parse("10.200.0.1", &a);
	CU_ASSERT(xs_prefix_contains(&c, &a));
	xs_addr_parse("11.0.0.1", &a);
	CU_ASSERT(!xs_prefix_contains(&c, &a));
	/* An IPv4 prefix never matches IPv6 addresses and vice versa. */
	xs_addr_parse("::a01:203", &a);
	CU_ASSERT(!xs_prefix_contains(&c, &a));
	CU_ASSERT_EQUAL(xs_prefix_parse("0.0.0.0/0", &c), 0);
	xs_addr_parse("2001:db8::1", &a);
	CU_ASSERT(!xs_prefix_contains(&c, &a));
	CU_ASSERT_EQUAL(xs_prefix_parse("2001:db8::/29", &c), 0);
	xs_addr_parse("2001:dbf:ffff::1", &a);
	CU_ASSERT(xs_prefix_contains(&c, &a));
	xs_addr_parse("2001:dc0::1", &a);
	CU_ASSERT(!xs_prefix_contains(&c, &a));
	CU_ASSERT_EQUAL(xs_prefix_parse("2001:db8::/129", &c), -1);
	CU_ASSERT_EQUAL(xs_prefix_parse("10.0.0.0/", &c), -1);
	CU_ASSERT_EQUAL(xs_prefix_parse("foo", &c), -1);
}

/* The multi-scale rules' `scales`: a network replaces the list, a
 * threshold left out is off, and the mistakes one can make. */
static void test_scales(void)
{
	static const char *yaml = "rules:\n"
				  "  port_scan: {scales: [{window_s: 300, threshold: 150}]}\n"
				  "networks:\n"
				  "  - name: lab\n"
				  "    cidrs: [10.0.0.0/8]\n"
				  "    rules:\n"
				  "      brute_force: {scales: [{window_s: 5, login_threshold: 6}]}\n"
				  "      host_sweep: {scales: []}\n";
	static const char *bad_scales =
		"rules:\n"									/* 1 */
		"  port_scan: {scales: [{window_s: 1}, {window_s: 2}, {window_s: 3}]}\n"	/* 2 */
		"  host_sweep: {scales: [{threshold: 3}]}\n"					/* 3 */
		"  brute_force: {scales: [{window_s: 9, client_threshold: 3}]}\n"		/* 4 */
		"  credential_stuffing: {scales: 5}\n";					/* 5 */
	static const char *const want[] = {
		"t.yaml:2: rules.port_scan.scales: at most 2 scales besides the rule's own window",
		"t.yaml:3: rules.host_sweep.scales[0]: a scale needs its window_s",
		"t.yaml:4: rules.brute_force.scales[0].client_threshold: unknown key",
		"t.yaml:5: rules.credential_stuffing.scales: unknown key",
	};
	struct xs_scale sc[XS_SCALES];
	struct xs_settings s;
	struct xs_cfg *cfg = load(yaml, &s);
	const struct xs_ruleset *rs = s.rules;
	int i, n;

	CU_ASSERT_EQUAL(xs_cfg_nerrors(cfg), 0);
	n = xs_rule_scales(&rs->prof[0], XS_R_PORT_SCAN, sc);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_DOUBLE_EQUAL(sc[0].window_s, 60, 0);
	CU_ASSERT_EQUAL(sc[0].threshold, 100);
	CU_ASSERT_DOUBLE_EQUAL(sc[1].window_s, 300, 0);
	CU_ASSERT_EQUAL(sc[1].threshold, 150);
	n = xs_rule_scales(&rs->prof[1], XS_R_BRUTE_FORCE, sc);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_DOUBLE_EQUAL(sc[1].window_s, 5, 0);
	CU_ASSERT_EQUAL(sc[1].login_threshold, 6);
	CU_ASSERT_EQUAL(sc[1].threshold, 0);	/* left out: off */
	CU_ASSERT_EQUAL(xs_rule_scales(&rs->prof[1], XS_R_HOST_SWEEP, sc), 1);
	CU_ASSERT_EQUAL(xs_rule_scales(&rs->prof[0], XS_R_HOST_SWEEP, sc), 3);
	CU_ASSERT_DOUBLE_EQUAL(xs_ruleset_max_window(rs, XS_R_HOST_SWEEP), 600, 0);
	xs_cfg_free(cfg);
	xs_settings_free(&s);

	cfg = load(bad_scales, &s);
	CU_ASSERT_EQUAL(xs_cfg_nerrors(cfg), 4);
	for (i = 0; i < xs_cfg_nerrors(cfg) && i < 4; i++) {
		if (strcmp(xs_cfg_error_at(cfg, i), want[i]))
			printf("\n  got  %s\n  want %s", xs_cfg_error_at(cfg, i), want[i]);
		CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, i), want[i]);
	}
	/* The defaults stay where the value was refused. */
	CU_ASSERT_EQUAL(xs_rule_scales(&s.rules->prof[0], XS_R_PORT_SCAN, sc), 2);
	CU_ASSERT_DOUBLE_EQUAL(sc[1].window_s, 600, 0);
	xs_cfg_free(cfg);
	xs_settings_free(&s);
}

/* Actions: one or a list; the fingerprint's need what they use. */
static void test_actions(void)
{
	static const struct {
		const char *yaml, *err;
	} bad[] = {
		{ "rules: {port_scan: {action: filter}}\n",
		  "t.yaml:1: rules.port_scan.action: filter protects a flood's victim: it applies to "
		  "syn_flood, udp_flood, icmp_flood, volumetric and reflection" },
		{ "rules: {syn_flood: {action: [block, rate_limit]}}\n",
		  "t.yaml:1: rules.syn_flood.action[1]: block and rate_limit exclude each other: "
		  "choose one" },
		{ "rules: {syn_flood: {action: [none, filter]}}\n",
		  "t.yaml:1: rules.syn_flood.action[0]: none stands alone: leave it out of a list" },
		{ "rules: {syn_flood: {action: drop}}\n",
		  "t.yaml:1: rules.syn_flood.action: expected one of none, block, rate_limit, filter, "
		  "flowspec, blackhole, got 'drop'" },
		{ "rules:\n  reflection: {action: flowspec}\n",
		  "t.yaml:2: rules: reflection: flowspec and blackhole announce routes: configure "
		  "mitigation.bgp (see config/bgp.example.yaml)" },
		{ "mitigation: {fingerprint: {enabled: false}}\nrules: {udp_flood: {action: filter}}\n",
		  "t.yaml:2: rules: udp_flood: filter and flowspec act on the fingerprint: "
		  "mitigation.fingerprint.enabled must be true" },
		{ "mitigation: {fingerprint: {coverage: 0.2}}\n",
		  "t.yaml:1: mitigation.fingerprint.coverage: 0.2 is out of range (0.5..1)" },
		{ "mitigation: {fingerprint: {pcap_dir: pcaps}}\n",
		  "t.yaml:1: mitigation.fingerprint.pcap_dir: give an absolute path "
		  "(/var/lib/xdpstream/pcap)" },
	};
	struct xs_settings s;
	struct xs_cfg *cfg;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg = load(bad[i].yaml, &s);
		CU_ASSERT_EQUAL(xs_cfg_nerrors(cfg), 1);
		if (xs_cfg_nerrors(cfg) >= 1 && strcmp(xs_cfg_error_at(cfg, 0), bad[i].err))
			printf("\n  got  %s\n  want %s", xs_cfg_error_at(cfg, 0), bad[i].err);
		if (xs_cfg_nerrors(cfg) >= 1)
			CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, 0), bad[i].err);
		xs_cfg_free(cfg);
		xs_settings_free(&s);
	}

	cfg = load("mitigation:\n"
		   "  allowlist: [198.18.0.53, 2001:db8::/32]\n"
		   "  fingerprint: {samples_per_tick: 100, coverage: 0.95, pcap_dir: /tmp/p}\n"
		   "  bgp: {local_as: 64513, peer_as: 64512, local_address: 198.51.100.2,\n"
		   "        peer_address: 198.51.100.1, announce_prefixes: [198.18.0.0/15]}\n"
		   "rules:\n"
		   "  reflection: {action: [filter, flowspec, blackhole], flowspec_rate_bytes_s: 1e5}\n"
		   "  syn_flood: {action: [rate_limit, filter]}\n"
		   "  port_scan: {action: [block]}\n",
		   &s);
	CU_ASSERT_EQUAL(xs_cfg_nerrors(cfg), 0);
	CU_ASSERT_EQUAL(s.rules->prof[0].act[XS_R_REFLECTION].action, XS_ACT_NONE);
	CU_ASSERT_EQUAL(s.rules->prof[0].act[XS_R_REFLECTION].fp_actions,
			1u << XS_ACT_FILTER | 1u << XS_ACT_FLOWSPEC | 1u << XS_ACT_BLACKHOLE);
	CU_ASSERT_DOUBLE_EQUAL(s.rules->prof[0].act[XS_R_REFLECTION].flowspec_rate, 1e5, 0);
	CU_ASSERT_EQUAL(s.rules->prof[0].act[XS_R_SYN_FLOOD].action, XS_ACT_RATE_LIMIT);
	CU_ASSERT_EQUAL(s.rules->prof[0].act[XS_R_SYN_FLOOD].fp_actions, 1u << XS_ACT_FILTER);
	CU_ASSERT_EQUAL(s.rules->prof[0].act[XS_R_PORT_SCAN].action, XS_ACT_BLOCK);
	CU_ASSERT_EQUAL(s.mitigation->fp.samples_per_tick, 100);
	CU_ASSERT_DOUBLE_EQUAL(s.mitigation->fp.coverage, 0.95, 0);
	CU_ASSERT_STRING_EQUAL(s.mitigation->fp.pcap_dir, "/tmp/p");
	CU_ASSERT(s.mitigation->bgp.enabled);
	/* The allowlist is the speaker's too. */
	CU_ASSERT_EQUAL(s.mitigation->bgp.nallow, 2);
	CU_ASSERT_EQUAL(memcmp(s.mitigation->bgp.allow, s.mitigation->allow,
			       2 * sizeof(s.mitigation->allow[0])), 0);
	xs_cfg_free(cfg);
	xs_settings_free(&s);
}

static const struct xs_test tests[] = {
	{ "actions: lists, and what they need", test_actions },
	{ "the sample config holds the defaults", test_sample_is_defaults },
	{ "errors name the key and the line", test_errors_with_lines },
	{ "values, port lists and per-network overrides", test_values_and_overrides },
	{ "scales of the multi-scale rules: values and errors", test_scales },
	{ "CIDR parsing and matching", test_cidr },
};

XS_RUN_SUITE("settings", tests)
