// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdpstream gen` into a veth lab with `xdpstream run` on the other side:
 * what the generator says it sent is what the sensor counted, exactly, for
 * a randomised spoofed SYN flood (distinct sources really vary: one new
 * flow each) and captures pushed at top speed (frames over the MTU
 * truncated or skipped as the README says), on every transmit path that
 * works here (--tx live, packet, xdp), and for a paced port scan, flood,
 * reflection and brute force on the path auto picks. The shared real
 * captures, pushed live, give the counters an offline run of the same
 * frames through the same program gives.
 */
#include <dirent.h>
#include <netinet/in.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "gen.h"
#include "names.h"
#include "pcapio.h"
#include "scenario.h"
#include "xs_decode.h"
#include "xs_plan_of.h"
#include "xs_lab.h"
#include "xs_test.h"

static struct xs_lab lab;
static bool works[XS_TX_N];
static pid_t daemon_pid;
static char logfile[256];
static bool ready;
static uint8_t frame[XS_GEN_FRAME_MAX];

/* The sensor's counters (everything since it started). */
static json_t *stats(void)
{
	static char out[65536];
	char cmd[512];
	json_t *j;

	snprintf(cmd, sizeof(cmd), "%s/xdpstream stats --json", xs_build_dir_abs());
	if (xs_lab_in_daemon(daemon_pid, out, sizeof(out), cmd))
		return NULL;
	j = json_loads(out, 0, NULL);
	return j;
}

static long long delta(json_t *after, json_t *before, const char *key)
{
	return json_integer_value(json_object_get(after, key)) -
	       json_integer_value(json_object_get(before, key));
}

/* Runs `xdpstream gen ARGS --json` in the attacker namespace. */
static json_t *gen(const char *args)
{
	static char out[65536];
	json_t *j;
	int st;

	st = xs_sh_out(out, sizeof(out), "ip netns exec %s %s/xdpstream gen -i %s %s --json",
		       lab.ns_a, xs_build_dir_abs(), lab.if_a, args);
	if (st) {
		printf("\n  gen %s: exit %d", args, st);
		return NULL;
	}
	j = json_loads(out, 0, NULL);
	if (!j)
		printf("\n  gen %s: not JSON: %s", args, out);
	return j;
}

static json_t *seg0(json_t *g)
{
	return json_array_get(json_object_get(g, "segments"), 0);
}

static long long num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void check(json_t *after, json_t *before, const char *key, long long want)
{
	long long got = delta(after, before, key);

	if (got != want)
		printf("\n  %s: sensor counted %lld, expected %lld", key, got, want);
	CU_ASSERT_EQUAL(got, want);
}

static int spawn_sensor(void);

static int suite_up(void)
{
	int old, t;

	if (geteuid() != 0)
		return 0;
	if (xs_lab_up(&lab, "gen"))
		return 0;
	old = xs_netns_enter(lab.ns_a);
	for (t = XS_TX_LIVE; t < XS_TX_N; t++)
		works[t] = xs_gen_tx_probe(lab.if_a, t) == 0;
	xs_netns_leave(old);
	return spawn_sensor();
}

/* The paths to run a test on: every one that works here. */
static int paths(enum xs_gen_tx *out)
{
	int t, n = 0;

	for (t = XS_TX_LIVE; t < XS_TX_N; t++)
		if (works[t])
			out[n++] = t;
		else
			printf("\n  --tx %s does not work here", xs_gen_tx_name(t));
	CU_ASSERT(works[XS_TX_PACKET]);
	return n;
}

/* The sensor daemon, with empty maps. */
static int spawn_sensor(void)
{
	char args[512], cfg[256];
	FILE *f;

	snprintf(logfile, sizeof(logfile), "%s/genlive.log", xs_tmpdir());
	/* A budget no run here spends: over it the flow table is not looked
	 * up, and counter_flows_new must count every new flow. So must source
	 * admission be off (bpf/account.h admit_src): past its bar a spoofed
	 * flood's sources outside the sample are not looked up either (and
	 * the offline runs below, in a test fixture, have it off). */
	snprintf(cfg, sizeof(cfg), "%s/genlive.yaml", xs_tmpdir());
	f = fopen(cfg, "w");
	if (!f || fputs("admission: {after: 0}\n", f) < 0 || fclose(f)) {
		xs_lab_down(&lab);
		return 0;
	}
	snprintf(args, sizeof(args),
		 "run -i %s --config %s --tick-ms 100 -q --flow-entries 1048576 "
		 "--event-budget 100000000",
		 lab.if_s, cfg);
	daemon_pid = xs_lab_start(&lab, args, logfile);
	if (daemon_pid < 0) {
		xs_lab_down(&lab);
		return 0;
	}
	ready = true;
	return 0;
}

static int suite_down(void)
{
	if (!ready)
		return 0;
	if (xs_lab_stop(daemon_pid, SIGINT, 10000) != 0)
		xs_sh("cat %s >&2", logfile);
	xs_lab_down(&lab);
	unlink(logfile);
	ready = false;
	return 0;
}

static bool have_lab(void)
{
	if (!xs_have_bpf())
		return false;
	CU_ASSERT_FATAL(ready);
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The flows of a plan's frames (source and source port: victim and port
 * are fixed) that are not among the sorted seen[0..*nseen); adds them. */
static uint64_t new_flows(struct xs_plan *p, uint64_t *seen, uint64_t *nseen)
{
	uint64_t *keys = calloc(p->count, sizeof(*keys)), n, flows = 0, old = *nseen;

	CU_ASSERT_FATAL(keys != NULL);
	for (n = 0; n < p->count; n++) {
		struct xs_dec d;

		CU_ASSERT_FATAL(xs_decode(frame, xs_plan_frame(p, n, frame), &d) == 0);
		keys[n] = (uint64_t)xs_dec_low32(&d.src) << 16 | d.sport;
	}
	qsort(keys, p->count, sizeof(*keys), cmp_u64);
	for (n = 0; n < p->count; n++)
		if ((!n || keys[n] != keys[n - 1]) &&
		    !bsearch(&keys[n], seen, old, sizeof(*seen), cmp_u64)) {
			seen[(*nseen)++] = keys[n];
			flows++;
		}
	qsort(seen, *nseen, sizeof(*seen), cmp_u64);
	free(keys);
	return flows;
}

static void test_syn_flood(void)
{
	enum xs_gen_tx tx[XS_TX_N];
	json_t *b, *a, *g, *s;
	uint64_t *seen, nseen = 0;
	int i, n;

	if (!have_lab())
		return;
	n = paths(tx);
	seen = calloc((size_t)n * 200000, sizeof(*seen));
	CU_ASSERT_FATAL(seen != NULL);
	for (i = 0; i < n; i++) {
		char flags[128], args[256];
		struct xs_plan p;
		uint64_t flows;

		/* A seed of its own: (almost) every flow new to the sensor. */
		snprintf(flags, sizeof(flags), "-n 200000 -s 10.0.0.0/8 -p 443 -S %d", 11 + i);
		CU_ASSERT_FATAL(xs_plan_of("syn_flood", flags, &p) == 0);
		flows = new_flows(&p, seen, &nseen);
		xs_plan_free(&p);
		CU_ASSERT(flows > 199990);

		b = stats();
		snprintf(args, sizeof(args), "syn_flood %s --rate max --tx %s", flags,
			 xs_gen_tx_name(tx[i]));
		g = gen(args);
		a = stats();
		CU_ASSERT_FATAL(a && b && g);
		s = seg0(g);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "tx")),
				       xs_gen_tx_name(tx[i]));
		CU_ASSERT_EQUAL(num(s, "frames"), 200000);
		CU_ASSERT_EQUAL(num(s, "bytes"), 200000 * 54);
		CU_ASSERT_EQUAL(num(json_object_get(s, "kinds"), "tcp_syn"), 200000);
		CU_ASSERT_EQUAL(num(s, "tx_dropped"), 0);
		check(a, b, "packets", 200000);
		check(a, b, "packets_ipv4_tcp", 200000);
		check(a, b, "bytes_ipv4_tcp", 200000 * 54);
		check(a, b, "counter_tcp_syn", 200000);
		check(a, b, "counter_flows_new", (long long)flows);
		printf("\n  randomised SYN flood, --tx %s: %.0f frames/s", xs_gen_tx_name(tx[i]),
		       json_real_value(json_object_get(s, "rate_achieved")));
		json_decref(a);
		json_decref(b);
		json_decref(g);
	}
	free(seen);
}

static void test_paced(void)
{
	json_t *b, *a, *g, *s;
	double secs;

	if (!have_lab())
		return;
	/* 5,000 ports at 20,000 a second: a call per frame, on time. */
	b = stats();
	g = gen("port_scan -p 1-5000 -r 20000");
	a = stats();
	CU_ASSERT_FATAL(a && b && g);
	s = seg0(g);
	secs = json_real_value(json_object_get(s, "seconds"));
	CU_ASSERT_EQUAL(num(s, "frames"), 5000);
	CU_ASSERT(secs > 0.24 && secs < 0.5);
	check(a, b, "packets_ipv4_tcp", 5000);
	check(a, b, "counter_tcp_syn", 5000);
	check(a, b, "counter_flows_new", 5000);
	json_decref(a);
	json_decref(b);
	json_decref(g);

	/* A flood at 100k/s for one second: chunks of 100 ms. */
	b = stats();
	g = gen("udp_flood -r 100000 -d 1 --payload 18");
	a = stats();
	CU_ASSERT_FATAL(a && b && g);
	s = seg0(g);
	secs = json_real_value(json_object_get(s, "seconds"));
	CU_ASSERT_EQUAL(num(s, "frames"), 100000);
	CU_ASSERT(secs > 0.85 && secs < 1.5);
	check(a, b, "packets_ipv4_udp", 100000);
	check(a, b, "bytes_ipv4_udp", 100000 * 60);
	json_decref(a);
	json_decref(b);
	json_decref(g);

	/* Reflection with fragments and a brute force, one after the other. */
	b = stats();
	g = gen("dns_reflection -n 30000 -r 200000 + brute_force -p 2222 -n 90 -r 5000");
	a = stats();
	CU_ASSERT_FATAL(a && b && g);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(g, "segments")), 2);
	check(a, b, "packets_ipv4_udp", 10000);
	check(a, b, "packets_ipv4_frag", 20000);
	check(a, b, "counter_ip_frag_first", 10000);
	check(a, b, "counter_reflector_src_port", 10000);
	check(a, b, "packets_ipv4_tcp", 90);
	check(a, b, "counter_tcp_synack", 10);
	check(a, b, "counter_tcp_fin", 20);
	json_decref(a);
	json_decref(b);
	json_decref(g);
}

/* A capture with frames that fit, frames over the MTU (some VLAN-tagged,
 * whose tag does not count), and runts. */
static void write_capture(const char *path, uint64_t *frames, uint64_t *over, uint64_t *runts,
			  uint64_t *bytes_trunc, uint64_t *bytes_skip)
{
	struct xs_pcap_out *o;
	struct xs_plan p;
	struct xs_pkt_spec s;
	char err[256];
	uint64_t n;
	int i;

	*frames = *over = *runts = *bytes_trunc = *bytes_skip = 0;
	o = xs_pcap_out_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_FATAL(xs_plan_of("benign", "-n 3000", &p) == 0);
	for (n = 0; n < p.count; n++) {
		int len = xs_plan_frame(&p, n, frame);

		xs_pcap_out_write(o, n * 1000, frame, len);
		(*frames)++;
		*bytes_trunc += len;
		*bytes_skip += len;
	}
	xs_plan_free(&p);
	for (i = 0; i < 300; i++) {
		static uint8_t big[9216];
		int len, vlan = i % 3 == 0, fit;

		xs_pkt_spec_init(&s, "192.0.2.7", "198.18.0.99", IPPROTO_UDP, 5000, 6000);
		/* 2542 bytes, or 1512..1516 (+4 tagged): some fit, some not. */
		s.payload = (uint16_t)(i % 2 ? 2500 : 1470 + i % 5);
		s.nvlan = vlan;
		s.vlan_id[0] = 8;
		len = xs_pkt_build(&s, big, sizeof(big));
		fit = 14 + 4 * vlan + 1500;
		xs_pcap_out_write(o, 3000000 + i * 1000, big, len);
		(*frames)++;
		if (len > fit) {
			(*over)++;
			*bytes_trunc += fit;
		} else {
			*bytes_trunc += len;
			*bytes_skip += len;
		}
	}
	for (i = 0; i < 2; i++) {
		xs_pcap_out_write(o, 4000000 + i, frame, 10);
		(*frames)++;
		(*runts)++;
	}
	CU_ASSERT_FATAL(xs_pcap_out_close(o) == 0);
}

static void test_pcap_top_speed(void)
{
	uint64_t frames, over, runts, bt, bs;
	enum xs_gen_tx tx[XS_TX_N];
	char path[256], args[384];
	json_t *b, *a, *g;
	int i, n;

	if (!have_lab())
		return;
	snprintf(path, sizeof(path), "%s/genlive.pcap", xs_tmpdir());
	write_capture(path, &frames, &over, &runts, &bt, &bs);
	CU_ASSERT(over > 150 && over < 300);

	n = paths(tx);
	for (i = 0; i < n; i++) {
		const char *t = xs_gen_tx_name(tx[i]);

		b = stats();
		snprintf(args, sizeof(args), "--pcap %s --speed top --tx %s", path, t);
		g = gen(args);
		a = stats();
		CU_ASSERT_FATAL(a && b && g);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(g, "tx")), t);
		CU_ASSERT_EQUAL(num(g, "read"), frames);
		CU_ASSERT_EQUAL(num(g, "frames"), frames - runts);
		CU_ASSERT_EQUAL(num(g, "truncated"), over);
		CU_ASSERT_EQUAL(num(g, "skipped"), runts);
		CU_ASSERT_EQUAL(num(g, "bytes"), bt);
		CU_ASSERT_EQUAL(num(g, "tx_dropped"), 0);
		check(a, b, "packets", (long long)(frames - runts));
		check(a, b, "bytes", (long long)bt);
		check(a, b, "counter_vlan_tagged", 100);
		json_decref(a);
		json_decref(b);
		json_decref(g);

		b = stats();
		snprintf(args, sizeof(args), "--pcap %s --speed top --oversize skip --tx %s", path,
			 t);
		g = gen(args);
		a = stats();
		CU_ASSERT_FATAL(a && b && g);
		CU_ASSERT_EQUAL(num(g, "frames"), frames - runts - over);
		CU_ASSERT_EQUAL(num(g, "truncated"), 0);
		CU_ASSERT_EQUAL(num(g, "skipped"), runts + over);
		check(a, b, "packets", (long long)(frames - runts - over));
		check(a, b, "bytes", (long long)bs);
		json_decref(a);
		json_decref(b);
		json_decref(g);
	}
	unlink(path);
}

static const char *shared_pcaps(void)
{
	/* From the repository root: a clone next to shared/, or a worktree
	 * one level further down. */
	static const char *const dirs[] = { "../shared/pcaps", "../../shared/pcaps" };
	const char *env = getenv("XS_PCAPS");
	size_t i;

	if (env)
		return access(env, R_OK) ? NULL : env;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!access(dirs[i], R_OK))
			return dirs[i];
	return NULL;
}

/* Live and offline agree: each real capture pushed at top speed is counted
 * as its frames (cut the same way) run through the same program. */
static void test_shared_pcaps_live_equals_offline(void)
{
	static const char *const keys[] = { "counter_tcp", "counter_vlan", "counter_ip_frag",
					     "counter_reflector", "counter_flows_new",
					     "counter_flow_map_full" };
	const char *dir = shared_pcaps();
	struct xs_fixture f;
	struct xs_sizes sz;
	struct xs_tick t;
	struct xs_global off = {};
	struct dirent **ents;
	json_t *b, *a;
	uint64_t total = 0;
	int n, i, k, files = 0;

	if (!have_lab())
		return;
	if (!dir) {
		printf("\n  SKIP: no shared captures (../shared/pcaps absent; set XS_PCAPS)");
		return;
	}
	/* Flow counts depend on what the flow table already holds: both runs
	 * start from an empty table of the same size, big enough that no
	 * flow is evicted (evictions pick the flow seen longest ago, and live
	 * ticks make that differ from an offline run). */
	CU_ASSERT_EQUAL(xs_lab_stop(daemon_pid, SIGINT, 10000), 0);
	ready = false;
	CU_ASSERT_FATAL(spawn_sensor() == 0 && ready);
	xs_sizes_default(&sz);
	sz.flow_entries = 1048576;
	CU_ASSERT_FATAL(xs_fixture_setup(&f, &sz) == 0);
	{
		static const __u16 refl[] = { 53, 123, 161, 1900, 389, 11211, 19 };

		/* The daemon's default reflector ports. */
		CU_ASSERT_FATAL(xs_collector_set_reflector_ports(&f.col, refl, 7) == 0);
	}
	b = stats();
	n = scandir(dir, &ents, NULL, alphasort);
	CU_ASSERT_FATAL(n >= 0);
	for (i = 0; i < n; i++) {
		char path[1024], args[1200], err[256];
		struct xs_pcap_in *in;
		const uint8_t *data;
		uint32_t caplen, len;
		uint64_t ts;
		json_t *g;
		size_t l = strlen(ents[i]->d_name);

		if (l < 5 || strcmp(ents[i]->d_name + l - 5, ".pcap")) {
			free(ents[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		free(ents[i]);
		in = xs_pcap_in_open(path, err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		while (xs_pcap_in_next(in, &data, &caplen, &len, &ts) == 1) {
			int hdr = 14, fit;

			while (hdr + 4 <= (int)caplen && hdr < 22 &&
			       ((data[hdr - 2] << 8 | data[hdr - 1]) == 0x8100 ||
				(data[hdr - 2] << 8 | data[hdr - 1]) == 0x88a8))
				hdr += 4;
			fit = (int)caplen < hdr + 1500 ? (int)caplen : hdr + 1500;
			if (fit >= 14) {
				xs_run_frame(&f, data, fit);
				total++;
			}
		}
		xs_pcap_in_close(in);
		snprintf(args, sizeof(args), "--pcap %s --speed top", path);
		g = gen(args);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		json_decref(g);
		files++;
	}
	free(ents);
	a = stats();
	CU_ASSERT_FATAL(a && b);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	off = t.g;
	check(a, b, "packets", (long long)total);
	/* Every counter the kernel keeps per packet, except those that depend
	 * on tick boundaries (per-tick map sizes, event budgets). */
	for (k = 0; k < XS_C_MAX; k++) {
		char key[64];

		snprintf(key, sizeof(key), "packets_%s", xs_class_names[k]);
		check(a, b, key, (long long)off.pkts[k]);
		snprintf(key, sizeof(key), "bytes_%s", xs_class_names[k]);
		check(a, b, key, (long long)off.bytes[k]);
	}
	for (k = 0; k < XS_E_MAX; k++) {
		char key[64];

		snprintf(key, sizeof(key), "error_%s", xs_err_names[k]);
		check(a, b, key, (long long)off.err[k]);
	}
	for (k = 0; k < XS_N_MAX; k++) {
		char key[64];
		size_t m;

		snprintf(key, sizeof(key), "counter_%s", xs_cnt_names[k]);
		for (m = 0; m < sizeof(keys) / sizeof(keys[0]); m++)
			if (!strncmp(key, keys[m], strlen(keys[m])))
				break;
		if (m < sizeof(keys) / sizeof(keys[0]))
			check(a, b, key, (long long)off.cnt[k]);
	}
	printf("\n  %d captures, %llu frames: live counters equal offline", files,
	       (unsigned long long)total);
	json_decref(a);
	json_decref(b);
	xs_fixture_teardown(&f);
}

static const struct xs_test tests[] = {
	{ "randomised spoofed SYN flood, every path: every frame and flow counted",
	  test_syn_flood },
	{ "paced scan, flood, reflection and brute force: exact counts", test_paced },
	{ "capture at top speed, every path: oversize truncated or skipped, runts skipped",
	  test_pcap_top_speed },
	{ "shared captures live: counters equal an offline run",
	  test_shared_pcaps_live_equals_offline },
};

int main(void)
{
	/* One lab and one sensor for the suite. */
	return xs_test_main("gen into a veth lab, counted by xdpstream run", tests,
			    sizeof(tests) / sizeof(tests[0]), suite_up, suite_down);
}
