// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Every transmit path of `xdpstream gen` that works here sends the frames
 * `synth` writes, byte for byte, in order, and nothing else: each frame is
 * captured on the receiving end of a veth pair (libpcap in the sensor's
 * namespace, behind an XDP_PASS program) and compared with xs_plan_frame()
 * for scenarios whose fields vary per frame (spoofed IPv4 and IPv6 floods,
 * 802.1Q tags, fragments, TCP connections, a benign mix), and with the
 * capture's own frames, cut to the MTU as the README says, for --pcap.
 * Besides: finding out which paths work sends nothing, and with
 * XS_GEN_DENY_LIVE=1 the live path is refused the way a kernel that
 * refuses live-frames runs refuses it, and auto sends on another path
 * (on AF_PACKET when XS_GEN_DENY_XDP=1 takes AF_XDP away too).
 */
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "gen.h"
#include "pcapio.h"
#include "xs_lab.h"
#include "xs_plan_of.h"
#include "xs_rxcap.h"
#include "xs_test.h"

static struct xs_lab lab;
static bool ready, works[XS_TX_N];
static int gen_cpu;

static int suite_up(void)
{
	cpu_set_t set;
	int old, t;

	if (geteuid() != 0 || xs_lab_up(&lab, "gf"))
		return 0;
	/* A native program at the receiving end gives the veth NAPI, without
	 * which it drops redirected frames; GRO stays off (nothing merged). */
	if (xs_sh("ip -n %s link set dev %s xdpdrv obj %s/xdp_pass.bpf.o sec xdp", lab.ns_s, lab.if_s,
		  xs_build_dir_abs())) {
		xs_lab_down(&lab);
		return 0;
	}
	old = xs_netns_enter(lab.ns_a);
	for (t = XS_TX_LIVE; t < XS_TX_N; t++)
		works[t] = xs_gen_tx_probe(lab.if_a, t) == 0;
	xs_netns_leave(old);
	/* The generator on one CPU, as the live suites run it. */
	sched_getaffinity(0, sizeof(set), &set);
	for (gen_cpu = 0; gen_cpu < CPU_SETSIZE && !CPU_ISSET(gen_cpu, &set); gen_cpu++)
		;
	ready = true;
	return 0;
}

static int suite_down(void)
{
	if (ready)
		xs_lab_down(&lab);
	ready = false;
	/* gen's stderr, and the capture of test_pcap if it stopped early */
	xs_sh("rm -f /tmp/xs-genframes-%d.err /tmp/xs-genframes-%d.pcap", getpid(), getpid());
	return 0;
}

static bool have_lab(void)
{
	if (!xs_have_bpf())
		return false;
	CU_ASSERT_FATAL(ready);
	return true;
}

/* `xdpstream gen --tx TX ARGS --json` in the attacker namespace (env:
 * variables to set first, or ""). Returns the summary, or NULL with the
 * exit status in *st. */
static json_t *gen(const char *env, enum xs_gen_tx tx, const char *args, int *st)
{
	static char out[65536];
	json_t *j;

	*st = xs_sh_out(out, sizeof(out),
			"%s ip netns exec %s taskset -c %d %s/xdpstream gen -i %s --tx %s %s --json "
			"2>/tmp/xs-genframes-%d.err",
			env, lab.ns_a, gen_cpu, xs_build_dir_abs(), lab.if_a, xs_gen_tx_name(tx),
			args, getpid());
	if (*st) {
		if (*env)
			return NULL;	/* a refusal the caller expects */
		printf("\n  gen --tx %s %s: exit %d: ", xs_gen_tx_name(tx), args, *st);
		fflush(stdout);
		xs_sh("cat /tmp/xs-genframes-%d.err", getpid());
		return NULL;
	}
	j = json_loads(out, 0, NULL);
	if (!j)
		printf("\n  gen %s: not JSON: %s", args, out);
	return j;
}

static long long num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The frames a test expects, in order. */
struct expect {
	const struct xs_plan *plan;	/* a scenario: frame n of its plan */
	uint8_t **frame;		/* or a list */
	int *len;
	uint64_t count;
	uint64_t dropped;		/* sent, but too long for the veth */
};

static int expected(const struct expect *e, uint64_t n, uint8_t *buf)
{
	if (e->plan)
		return xs_plan_frame(e->plan, n, buf);
	memcpy(buf, e->frame[n], e->len[n]);
	return e->len[n];
}

/* Reads what arrived and compares it with e: every frame equal, in order,
 * and no other. */
static void compare(struct xs_rxcap *c, const struct expect *e, const char *what)
{
	static uint8_t want[XS_GEN_FRAME_MAX];
	uint64_t n, differ = 0;
	const uint8_t *got;
	int len = 0, wlen, extra = 0;

	for (n = 0; n < e->count; n++) {
		len = xs_rxcap_next(c, &got, 2000);
		if (len <= 0)
			break;
		wlen = expected(e, n, want);
		if (len != wlen || memcmp(got, want, len)) {
			int i = 0;

			while (i < len && i < wlen && got[i] == want[i])
				i++;
			if (!differ++)
				printf("\n  %s: frame %llu differs: %d bytes, expected %d; first at "
				       "byte %d",
				       what, (unsigned long long)n, len, wlen, i);
		}
	}
	while (xs_rxcap_next(c, &got, 300) > 0)
		extra++;
	if (n < e->count)
		printf("\n  %s: %llu of %llu frames arrived", what, (unsigned long long)n,
		       (unsigned long long)e->count);
	if (extra)
		printf("\n  %s: %d frames more than sent", what, extra);
	CU_ASSERT_EQUAL(n, e->count);
	CU_ASSERT_EQUAL(differ, 0);
	CU_ASSERT_EQUAL(extra, 0);
	CU_ASSERT_EQUAL(xs_rxcap_dropped(c), 0);
}

/* One run of gen on path tx, captured and compared. */
static void run_case(enum xs_gen_tx tx, const char *args, const struct expect *e)
{
	struct xs_rxcap *c = xs_rxcap_open(lab.ns_s, lab.if_s);
	char what[256];
	json_t *j, *s;
	int st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	snprintf(what, sizeof(what), "--tx %s %s", xs_gen_tx_name(tx), args);
	j = gen("", tx, args, &st);
	CU_ASSERT_PTR_NOT_NULL(j);
	if (j) {
		/* The scenario's summary, or the capture's. */
		s = json_object_get(j, "segments") ? json_array_get(json_object_get(j, "segments"), 0)
						   : j;
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "tx")),
				       xs_gen_tx_name(tx));
		CU_ASSERT_EQUAL(num(s, "frames"), (long long)(e->count + e->dropped));
		/* Too long for the veth: counted on the userspace paths; the
		 * veth drops them on the live path without counting. */
		if (tx == XS_TX_LIVE) {
			CU_ASSERT(num(s, "tx_dropped") == 0 ||
				  num(s, "tx_dropped") == (long long)e->dropped);
		} else {
			CU_ASSERT_EQUAL(num(s, "tx_dropped"), (long long)e->dropped);
		}
		compare(c, e, what);
	}
	json_decref(j);
	xs_rxcap_close(c);
}

/* Scenarios whose frames vary in every field gen varies. */
static const struct {
	const char *scenario, *flags;
} cases[] = {
	{ "syn_flood", "-n 4000 -s 10.0.0.0/8 -p 443 -S 5" },
	{ "syn_flood", "-n 3000 -s 2001:db8:a::/64 -t 2001:db8::1 -S 6" },
	{ "udp_flood", "-n 3000 --vlan 42 --payload 100" },
	{ "dns_reflection", "-n 3000" },
	{ "brute_force", "-p 2222 -n 900" },
	{ "benign", "-n 2000" },
};

static void test_scenarios(void)
{
	int t, paths = 0;
	size_t i;

	if (!have_lab())
		return;
	CU_ASSERT(works[XS_TX_PACKET]);
	for (t = XS_TX_LIVE; t < XS_TX_N; t++) {
		if (!works[t]) {
			printf("\n  --tx %s does not work here: its frames are not compared",
			       xs_gen_tx_name(t));
			continue;
		}
		paths++;
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct expect e = {};
			struct xs_plan p;
			char args[512];

			CU_ASSERT_FATAL(xs_plan_of(cases[i].scenario, cases[i].flags, &p) == 0);
			e.plan = &p;
			e.count = p.count;
			snprintf(args, sizeof(args), "%s %s --rate max", cases[i].scenario,
				 cases[i].flags);
			run_case(t, args, &e);
			xs_plan_free(&p);
		}
	}
	printf("\n  %d paths send what synth writes", paths);
}

/* A capture: frames that fit, frames over the MTU (802.1Q-tagged ones,
 * whose tag does not count, among them), QinQ frames, short frames and
 * runts. Fills e with what must arrive: runts skipped, the rest cut to
 * 14 + 4 per tag + 1500 bytes. */
static void write_capture(const char *path, struct expect *e)
{
	static uint8_t frame[9216];
	struct xs_pcap_out *o;
	struct xs_plan p;
	struct xs_pkt_spec s;
	char err[256];
	uint64_t n, ts = 0;
	int i, k = 0, len;

	o = xs_pcap_out_open(path, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_FATAL(xs_plan_of("benign", "-n 1000", &p) == 0);
	e->frame = calloc(1000 + 400, sizeof(*e->frame));
	e->len = calloc(1000 + 400, sizeof(*e->len));
	CU_ASSERT_FATAL(e->frame && e->len);
	for (n = 0; n < p.count + 400; n++) {
		if (n < p.count) {
			len = xs_plan_frame(&p, n, frame);
		} else {
			i = (int)(n - p.count);
			xs_pkt_spec_init(&s, "192.0.2.7", "198.18.0.99", IPPROTO_UDP, 5000, 6000);
			/* 2542 bytes, or 1512..1516 before tags */
			s.payload = (uint16_t)(i % 2 ? 2500 : 1470 + i % 5);
			s.nvlan = i % 4 == 0 ? 1 : i % 4 == 2 ? 2 : 0;
			s.vlan_tpid[0] = s.nvlan == 2 ? 0x88a8 : 0x8100;
			s.vlan_tpid[1] = 0x8100;
			s.vlan_id[0] = 8;
			s.vlan_id[1] = 9;
			if (s.nvlan == 2)
				/* QinQ that fits a veth (MTU + 18 bytes at most),
				 * and some cut to MTU + 22, that a veth drops */
				s.payload = (uint16_t)(i % 40 == 22 ? 2000 : i % 8 == 2 ? 1466 : 300);
			len = xs_pkt_build(&s, frame, sizeof(frame));
			if (i % 50 == 5)
				len = 30;	/* short, but an Ethernet header */
		}
		CU_ASSERT_FATAL(len > 0);
		xs_pcap_out_write(o, ts, frame, len);
		ts += 1000;
		if (xs_gen_fit_len(frame, len, 1500) > 1518) {
			e->dropped++;
			continue;
		}
		e->len[k] = xs_gen_fit_len(frame, len, 1500);
		e->frame[k] = malloc(e->len[k]);
		CU_ASSERT_FATAL(e->frame[k] != NULL);
		memcpy(e->frame[k], frame, e->len[k]);
		k++;
		if (n % 100 == 7) {
			xs_pcap_out_write(o, ts, frame, 10);	/* a runt: skipped */
			ts += 1000;
		}
	}
	xs_plan_free(&p);
	CU_ASSERT_FATAL(xs_pcap_out_close(o) == 0);
	e->count = k;
}

static void test_pcap(void)
{
	struct expect e = {};
	char path[128], args[256];
	uint64_t cut = 0, i;
	int t;

	if (!have_lab())
		return;
	snprintf(path, sizeof(path), "/tmp/xs-genframes-%d.pcap", getpid());
	write_capture(path, &e);
	for (i = 0; i < e.count; i++)
		cut += e.len[i] > 1500;
	CU_ASSERT(cut > 100);
	for (t = XS_TX_LIVE; t < XS_TX_N; t++) {
		if (!works[t])
			continue;
		snprintf(args, sizeof(args), "--pcap %s --speed top", path);
		run_case(t, args, &e);
		/* At the capture's pace (1,000 frames/s, 100 times faster). */
		snprintf(args, sizeof(args), "--pcap %s --speed 100", path);
		run_case(t, args, &e);
	}
	for (i = 0; i < e.count; i++)
		free(e.frame[i]);
	free(e.frame);
	free(e.len);
	unlink(path);
}

/* Packets an interface counted, in a namespace. */
static long long if_count(const char *ns, const char *ifname, const char *stat)
{
	char out[64];

	if (xs_sh_out(out, sizeof(out), "ip netns exec %s cat /sys/class/net/%s/statistics/%s", ns,
		      ifname, stat))
		return -1;
	return atoll(out);
}

static void test_probe_and_deny(void)
{
	long long tx0, rx0;
	json_t *j;
	int old, t, st;

	if (!have_lab())
		return;
	/* Finding out which paths work sends nothing (the live path's probe
	 * is a live-frames run of a program that drops its frame). */
	tx0 = if_count(lab.ns_a, lab.if_a, "tx_packets");
	rx0 = if_count(lab.ns_s, lab.if_s, "rx_packets");
	old = xs_netns_enter(lab.ns_a);
	CU_ASSERT_FATAL(old >= 0);
	for (t = XS_TX_LIVE; t < XS_TX_N; t++)
		CU_ASSERT_EQUAL(xs_gen_tx_probe(lab.if_a, t) == 0, works[t]);
	xs_netns_leave(old);
	usleep(100000);
	CU_ASSERT(tx0 >= 0 && rx0 >= 0);
	CU_ASSERT_EQUAL(if_count(lab.ns_a, lab.if_a, "tx_packets"), tx0);
	CU_ASSERT_EQUAL(if_count(lab.ns_s, lab.if_s, "rx_packets"), rx0);

	/* As CI: --tx live fails with the kernel's EPERM, sending nothing. */
	j = gen("XS_GEN_DENY_LIVE=1", XS_TX_LIVE, "syn_flood -n 10", &st);
	CU_ASSERT_PTR_NULL(j);
	CU_ASSERT_EQUAL(st, 4);
	CU_ASSERT_EQUAL(xs_sh("grep -q 'live-frames test runs are refused here (Operation not "
			      "permitted)' /tmp/xs-genframes-%d.err",
			      getpid()),
			0);
	CU_ASSERT_EQUAL(if_count(lab.ns_s, lab.if_s, "rx_packets"), rx0);
	json_decref(j);
	/* ...and auto sends on another path, saying which. */
	j = gen("XS_GEN_DENY_LIVE=1", XS_TX_AUTO, "syn_flood -n 10", &st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_NOT_EQUAL(json_string_value(json_object_get(j, "tx")), "live");
	CU_ASSERT_EQUAL(num(json_array_get(json_object_get(j, "segments"), 0), "frames"), 10);
	json_decref(j);
	usleep(100000);
	CU_ASSERT_EQUAL(if_count(lab.ns_s, lab.if_s, "rx_packets"), rx0 + 10);
	/* Without AF_XDP either, auto sends on AF_PACKET. */
	j = gen("XS_GEN_DENY_LIVE=1 XS_GEN_DENY_XDP=1", XS_TX_AUTO, "syn_flood -n 10", &st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "tx")), "packet");
	json_decref(j);
	/* Without them, auto takes live where the kernel allows it. */
	j = gen("", XS_TX_AUTO, "syn_flood -n 10", &st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	if (works[XS_TX_LIVE] && !getenv("XS_GEN_DENY_LIVE"))
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "tx")), "live");
	json_decref(j);
	xs_sh("rm -f /tmp/xs-genframes-%d.err", getpid());
}

/* Asked more than any path sends (40 M frames/s through one CPU), gen says
 * so: a warning, NOT KEPT in the text, rate_kept false in the JSON; at a
 * rate it can keep, none of it. */
static void test_rate_not_kept(void)
{
	static char out[4096];
	json_t *j, *s;
	int st;

	if (!have_lab())
		return;
	j = gen("", XS_TX_AUTO, "udp_flood -n 400000 -r 40000000", &st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	s = json_array_get(json_object_get(j, "segments"), 0);
	CU_ASSERT_EQUAL(num(s, "frames"), 400000);
	CU_ASSERT(json_is_false(json_object_get(s, "rate_kept")));
	CU_ASSERT(json_real_value(json_object_get(s, "late_s")) > 0.02);
	CU_ASSERT_EQUAL(xs_sh("grep -q 'warning: udp_flood: the %s path could not keep the 40000000 "
			      "frames/s asked' /tmp/xs-genframes-%d.err",
			      json_string_value(json_object_get(j, "tx")), getpid()),
			0);
	json_decref(j);
	st = xs_sh_out(out, sizeof(out),
		       "ip netns exec %s taskset -c %d %s/xdpstream gen -i %s udp_flood -n 400000 "
		       "-r 40000000 2>/dev/null",
		       lab.ns_a, gen_cpu, xs_build_dir_abs(), lab.if_a);
	CU_ASSERT_EQUAL(st, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "(asked 40000000: NOT KEPT)"));

	j = gen("", XS_TX_AUTO, "udp_flood -n 2000 -r 10000", &st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	s = json_array_get(json_object_get(j, "segments"), 0);
	CU_ASSERT(json_is_true(json_object_get(s, "rate_kept")));
	CU_ASSERT_EQUAL(xs_sh("grep -q warning /tmp/xs-genframes-%d.err", getpid()), 1);
	json_decref(j);
	xs_sh("rm -f /tmp/xs-genframes-%d.err", getpid());
}

int main(void)
{
	static const struct xs_test tests[] = {
		{ "probing sends nothing; XS_GEN_DENY_LIVE refuses live as the kernel would",
		  test_probe_and_deny },
		{ "every working path sends synth's frames, byte for byte", test_scenarios },
		{ "--pcap on every working path: the capture's frames, cut to the MTU", test_pcap },
		{ "a rate the path cannot keep is said, never sent slower in silence",
		  test_rate_not_kept },
	};
	CU_pSuite s;
	unsigned int fails;
	size_t i;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("gen's transmit paths send identical frames", suite_up, suite_down);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		CU_add_test(s, tests[i].name, tests[i].fn);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}
