// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The configuration core: typed getters, ranges, unknown keys, lines. */
#include <string.h>

#include "config.h"
#include "xs_test.h"

static const char *doc = "tick_ms: 500\n"		/* line 1 */
			 "name: sensor-1\n"		/* 2 */
			 "enabled: yes\n"		/* 3 */
			 "ratio: 0.25\n"		/* 4 */
			 "rules:\n"			/* 5 */
			 "  syn_flood:\n"		/* 6 */
			 "    threshold_pps: 20000\n"	/* 7 */
			 "    windwo_ticks: 5\n"	/* 8: misspelt */
			 "ports: [53, 123, 70000]\n"	/* 9 */
			 "mode: fast\n";		/* 10 */

static void test_getters_and_errors(void)
{
	static const char *const modes[] = { "monitor", "enforce", NULL };
	char err[256], name[32] = "default";
	struct xs_cfg *cfg = xs_cfg_load_string("test.yaml", doc, err, sizeof(err));
	xs_node root, rules, syn, ports;
	uint64_t tick = 1000, thr = 0, window = 3, port;
	double ratio = 0;
	bool enabled = false;
	int mode = 0, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	root = xs_cfg_root(cfg);
	CU_ASSERT_EQUAL(xs_cfg_u64(root, "tick_ms", 10, 60000, &tick), 0);
	CU_ASSERT_EQUAL(tick, 500);
	CU_ASSERT_EQUAL(xs_cfg_str(root, "name", name, sizeof(name)), 0);
	CU_ASSERT_STRING_EQUAL(name, "sensor-1");
	CU_ASSERT_EQUAL(xs_cfg_bool(root, "enabled", &enabled), 0);
	CU_ASSERT(enabled);
	CU_ASSERT_EQUAL(xs_cfg_double(root, "ratio", 0, 1, &ratio), 0);
	CU_ASSERT_DOUBLE_EQUAL(ratio, 0.25, 1e-12);
	/* Absent: the default stays. */
	CU_ASSERT_EQUAL(xs_cfg_u64(root, "absent", 0, 10, &window), 0);
	CU_ASSERT_EQUAL(window, 3);

	rules = xs_cfg_get_map(root, "rules");
	CU_ASSERT_EQUAL(xs_cfg_map_len(rules), 1);
	CU_ASSERT_STRING_EQUAL(xs_cfg_map_key(rules, 0), "syn_flood");
	syn = xs_cfg_map_val(rules, 0);
	CU_ASSERT_EQUAL(xs_cfg_u64(syn, "threshold_pps", 1, 1000000000, &thr), 0);
	CU_ASSERT_EQUAL(thr, 20000);
	CU_ASSERT_EQUAL(xs_cfg_u64(syn, "window_ticks", 1, 3600, &window), 0);
	CU_ASSERT_EQUAL(xs_cfg_check_unknown(syn), 1);

	ports = xs_cfg_get_seq(root, "ports");
	CU_ASSERT_EQUAL(xs_cfg_seq_len(ports), 3);
	for (i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(xs_cfg_node_u64(xs_cfg_seq_at(ports, i), 0, 65535, &port), 0);
	CU_ASSERT_EQUAL(xs_cfg_node_u64(xs_cfg_seq_at(ports, 2), 0, 65535, &port), -1);
	CU_ASSERT_EQUAL(xs_cfg_enum(root, "mode", modes, &mode), -1);
	CU_ASSERT_EQUAL(xs_cfg_check_unknown(root), 0);

	CU_ASSERT_EQUAL_FATAL(xs_cfg_nerrors(cfg), 3);
	CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, 0),
			       "test.yaml:8: rules.syn_flood.windwo_ticks: unknown key");
	CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, 1),
			       "test.yaml:9: ports[2]: 70000 is out of range (0..65535)");
	CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, 2),
			       "test.yaml:10: mode: expected one of monitor, enforce, got 'fast'");
	xs_cfg_free(cfg);
}

static void test_bad_values(void)
{
	char err[256];
	struct xs_cfg *cfg = xs_cfg_load_string("b.yaml", "a: -1\nb: 12x\nc: maybe\nd: [1]\n",
						 err, sizeof(err));
	xs_node root;
	uint64_t v = 7;
	bool b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	root = xs_cfg_root(cfg);
	CU_ASSERT_EQUAL(xs_cfg_u64(root, "a", 0, 10, &v), -1);
	CU_ASSERT_EQUAL(xs_cfg_u64(root, "b", 0, 100, &v), -1);
	CU_ASSERT_EQUAL(v, 7);
	CU_ASSERT_EQUAL(xs_cfg_bool(root, "c", &b), -1);
	CU_ASSERT_EQUAL(xs_cfg_u64(root, "d", 0, 100, &v), -1);
	CU_ASSERT_EQUAL_FATAL(xs_cfg_nerrors(cfg), 4);
	CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, 0),
			       "b.yaml:1: a: expected a non-negative integer, got '-1'");
	CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, 2),
			       "b.yaml:3: c: expected true or false, got 'maybe'");
	CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, 3), "b.yaml:4: d: expected an integer");
	xs_cfg_free(cfg);
}

static void test_syntax_error(void)
{
	char err[256] = "";
	struct xs_cfg *cfg = xs_cfg_load_string("s.yaml", "a: 1\nb: [1, 2\nc: 3\n", err,
						 sizeof(err));

	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT(strncmp(err, "s.yaml:", 7) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "YAML syntax error"));
	cfg = xs_cfg_load_file("/nonexistent/x.yaml", err, sizeof(err));
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_STRING_EQUAL(err, "/nonexistent/x.yaml: cannot read the configuration: No such "
				    "file or directory");
}

/* YAML aliases (issue 13): `outputs: &a [*a, *a]` is a list inside
 * itself, which every walk of the document followed forever; a billion
 * laughs shares nodes exponentially. Both are refused at once, naming the
 * line; so is any alias (the configuration has no use for them). */
static void test_aliases_refused(void)
{
	static const char *const docs[] = {
		"outputs: &a [*a, *a]\n",
		"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
		"tick_ms: &t 100\nevent_budget: *t\n",
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct xs_cfg *cfg = xs_cfg_load_string("a.yaml", docs[i], err, sizeof(err));

		CU_ASSERT_PTR_NULL(cfg);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "a.yaml:1: YAML aliases (*name) are not supported"));
		xs_cfg_free(cfg);
	}
	/* An anchor alone is harmless. */
	{
		struct xs_cfg *cfg = xs_cfg_load_string("a.yaml", "tick_ms: &t 100\n", err, sizeof(err));

		CU_ASSERT_PTR_NOT_NULL(cfg);
		xs_cfg_free(cfg);
	}
}

static const struct xs_test tests[] = {
	{ "typed getters, unknown keys, ranges, lines", test_getters_and_errors },
	{ "bad values name key and line", test_bad_values },
	{ "syntax error and unreadable file", test_syntax_error },
	{ "YAML aliases are refused at once", test_aliases_refused },
};

XS_RUN_SUITE("config core", tests)
