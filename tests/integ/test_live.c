// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Live: xdpstream attached natively (and in skb mode) to the sensor end of
 * a veth pair; a live-frames generator in the other namespace sends a
 * known mix at full speed; the counters read back with `xdpstream stats`
 * equal what was sent, exactly. Then SIGINT: the interface is left clean.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "xs_lab.h"
#include "xs_test.h"

struct mix_item {
	const char *what;
	struct xs_pkt_spec s;
	int cut;		/* send only the first cut bytes (malformed) */
	unsigned long count;
};

static int build_mix(struct mix_item *m)
{
	int n = 0;

	m[n].what = "ipv4 tcp syn";
	xs_pkt_spec_init(&m[n].s, "10.0.0.1", "198.18.0.1", IPPROTO_TCP, 1000, 80);
	m[n].s.tcp_flags = XS_TCP_SYN;
	m[n++].count = 200000;

	m[n].what = "ipv4 udp from port 53";
	xs_pkt_spec_init(&m[n].s, "10.0.0.2", "198.18.0.1", IPPROTO_UDP, 53, 40000);
	m[n].s.payload = 400;
	m[n++].count = 100000;

	m[n].what = "icmp echo";
	xs_pkt_spec_init(&m[n].s, "10.0.0.3", "198.18.0.2", IPPROTO_ICMP, 0, 0);
	m[n].s.icmp_type = 8;
	m[n].s.icmp_id = 9;
	m[n++].count = 50000;

	m[n].what = "ipv6 tcp syn";
	xs_pkt_spec_init(&m[n].s, "2001:db8::1", "2001:db8::2", IPPROTO_TCP, 2000, 443);
	m[n].s.tcp_flags = XS_TCP_SYN;
	m[n++].count = 50000;

	m[n].what = "vlan udp";
	xs_pkt_spec_init(&m[n].s, "10.0.0.4", "198.18.0.3", IPPROTO_UDP, 5000, 6000);
	m[n].s.nvlan = 1;
	m[n].s.vlan_id[0] = 10;
	m[n++].count = 20000;

	m[n].what = "ipv4 later fragment";
	xs_pkt_spec_init(&m[n].s, "10.0.0.2", "198.18.0.1", IPPROTO_UDP, 53, 40000);
	m[n].s.frag_offset = 100;
	m[n].s.payload = 800;
	m[n++].count = 10000;

	m[n].what = "truncated tcp";
	xs_pkt_spec_init(&m[n].s, "10.0.0.5", "198.18.0.1", IPPROTO_TCP, 1, 2);
	m[n].cut = 14 + 20 + 10;
	m[n++].count = 5000;
	return n;
}

static void check(const char *json, const char *key, long long want)
{
	long long got = xs_json_num(json, key);

	if (got != want)
		printf("\n  %s = %lld, expected %lld", key, got, want);
	CU_ASSERT_EQUAL(got, want);
}

static void live_case(const char *mode, const char *tag)
{
	struct mix_item mix[8] = {};
	struct xs_lab lab;
	struct xs_gen gen;
	char args[256], out[8192], log[256];
	unsigned long total = 0;
	int n, i, old, st;
	pid_t pid;

	if (!xs_have_bpf())
		return;
	CU_ASSERT_FATAL(xs_lab_up(&lab, tag) == 0);
	if (!strcmp(mode, "skb"))
		/* Frames redirected into a veth need NAPI on the peer; with no
		 * native program there, GRO turns it on. */
		xs_sh("ip netns exec %s ethtool -K %s gro on >/dev/null 2>&1", lab.ns_s, lab.if_s);
	snprintf(log, sizeof(log), "%s/live-%s.log", xs_tmpdir(), mode);
	snprintf(args, sizeof(args), "run -i %s --mode %s --tick-ms 100 -q", lab.if_s, mode);
	pid = xs_lab_start(&lab, args, log);
	if (pid < 0) {
		CU_FAIL("xdpstream did not attach");
		xs_lab_down(&lab);
		return;
	}

	old = xs_netns_enter(lab.ns_a);
	CU_ASSERT_FATAL(old >= 0);
	CU_ASSERT_FATAL(xs_gen_open(&gen, lab.if_a) == 0);
	n = build_mix(mix);
	for (i = 0; i < n; i++) {
		uint8_t buf[XS_PKT_MAX];
		int len = xs_pkt_build(&mix[i].s, buf, sizeof(buf));

		CU_ASSERT_FATAL(len > 0);
		if (xs_gen_send(&gen, buf, mix[i].cut ? mix[i].cut : len, mix[i].count)) {
			printf("\n  sending %s failed", mix[i].what);
			CU_FAIL("live-frames send");
		}
		total += mix[i].count;
	}
	xs_gen_close(&gen);
	xs_netns_leave(old);

	usleep(500000);	/* a few ticks */
	/* After setup the daemon keeps only CAP_NET_ADMIN (to detach): its
	 * maps it uses through the descriptors it holds (issue 13). */
	snprintf(args, sizeof(args), "grep CapEff /proc/%d/status", (int)pid);
	xs_sh_out(out, sizeof(out), "%s", args);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "0000000000001000"));
	/* Pinned maps are for root only. */
	xs_lab_in_daemon(pid, out, sizeof(out),
			 "stat -c '%a' /sys/fs/bpf/xdpstream /sys/fs/bpf/xdpstream/xs_rt");
	CU_ASSERT_STRING_EQUAL(out, "700\n600\n");
	snprintf(args, sizeof(args), "%s/xdpstream stats --json", xs_build_dir_abs());
	st = xs_lab_in_daemon(pid, out, sizeof(out), args);
	CU_ASSERT_EQUAL(st, 0);
	check(out, "packets", total);
	check(out, "packets_ipv4_tcp", 200000);
	check(out, "bytes_ipv4_tcp", 200000LL * 54);
	check(out, "packets_ipv4_udp", 120000);
	check(out, "packets_ipv4_icmp", 50000);
	check(out, "packets_ipv6_tcp", 50000);
	check(out, "packets_ipv4_frag", 10000);
	check(out, "packets_malformed", 5000);
	check(out, "error_tcp_trunc", 5000);
	check(out, "counter_tcp_syn", 250000);
	check(out, "counter_reflector_src_port", 100000);
	check(out, "counter_vlan_tagged", 20000);
	check(out, "counter_flows_new", 5);
	check(out, "counter_events_sent", 5);
	check(out, "counter_events_lost_budget", 0);

	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGINT, 10000), 0);
	/* Detached: no XDP program left on the interface. */
	CU_ASSERT_EQUAL(xs_lab_wait_xdp(&lab, false, 0), 0);
	xs_lab_down(&lab);
	unlink(log);
}

static void test_live_native(void)
{
	live_case("native", "n");
}

static void test_live_skb(void)
{
	live_case("skb", "g");
}

static const struct xs_test tests[] = {
	{ "native attach on veth: counters equal what was sent", test_live_native },
	{ "skb (generic) attach on veth: counters equal what was sent", test_live_skb },
};

XS_RUN_SUITE("live on veth", tests)
