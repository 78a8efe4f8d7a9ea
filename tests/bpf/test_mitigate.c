// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Enforce mode in the XDP program: blocklisted sources are dropped and
 * counted (per entry and globally), allowlisted sources never are, TTLs
 * expire, and per-destination token buckets pass exactly their burst.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "mitigate.h"
#include "names.h"
#include "xs_test.h"

#define XDP_DROP 1
#define XDP_PASS 2

static struct xs_fixture fx;
static struct xs_mitig mt;

static int pkt(const char *src, const char *dst, int proto, uint8_t flags)
{
	struct xs_pkt_spec s;

	xs_pkt_spec_init(&s, src, dst, proto, 1234, 80);
	s.tcp_flags = flags;
	if (proto == IPPROTO_ICMP)
		s.icmp_type = 8;
	return xs_run_spec(&fx, &s, NULL);
}

static struct xs_prefix pfx(const char *s)
{
	struct xs_prefix p;

	CU_ASSERT_FATAL(xs_prefix_parse(s, &p) == 0);
	return p;
}

static void test_setup(void)
{
	cpu_set_t set;

	/* Token buckets are per CPU: run every packet on one. */
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CU_ASSERT_FATAL(sched_setaffinity(0, sizeof(set), &set) == 0);
	CU_ASSERT_FATAL(xs_fixture_setup(&fx, NULL) == 0);
	CU_ASSERT_FATAL(xs_mitig_from_bpf(&mt, &fx.b) == 0);
}

static void test_prefixes(void)
{
	struct xs_prefix p;
	struct xs_addr a;
	char buf[XS_PREFIX_STRLEN];

	CU_ASSERT_EQUAL(xs_prefix_parse("198.51.100.0/24", &p), 0);
	CU_ASSERT_EQUAL(p.len, 120);
	CU_ASSERT_STRING_EQUAL(xs_prefix_str(&p, buf), "198.51.100.0/24");
	xs_addr_parse("198.51.100.77", &a);
	CU_ASSERT(xs_prefix_contains(&p, &a));
	xs_addr_parse("198.51.101.1", &a);
	CU_ASSERT(!xs_prefix_contains(&p, &a));
	CU_ASSERT_EQUAL(xs_prefix_parse("198.51.100.1/24", &p), -1);	/* host bits */
	CU_ASSERT_EQUAL(xs_prefix_parse("198.51.100.0/33", &p), -1);
	CU_ASSERT_EQUAL(xs_prefix_parse("2001:db8::/32", &p), 0);
	CU_ASSERT_EQUAL(p.len, 32);
	CU_ASSERT_STRING_EQUAL(xs_prefix_str(&p, buf), "2001:db8::/32");
	CU_ASSERT_EQUAL(xs_prefix_parse("10.0.0.1", &p), 0);
	CU_ASSERT_STRING_EQUAL(xs_prefix_str(&p, buf), "10.0.0.1/32");
	CU_ASSERT_EQUAL(xs_prefix_parse("nonsense/8", &p), -1);
}

static void test_block_prefix(void)
{
	struct xs_prefix p = pfx("203.0.113.0/24");
	struct xs_block_info *bl;
	struct xs_tick t;
	int i, n;

	xs_flip(&fx, &t);
	CU_ASSERT_EQUAL_FATAL(xs_mitig_block(&mt, &p, 0, XS_BLOCK_BY_USER), 0);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(pkt("203.0.113.9", "192.0.2.1", IPPROTO_TCP, XS_TCP_SYN), XDP_DROP);
	CU_ASSERT_EQUAL(pkt("203.0.114.9", "192.0.2.1", IPPROTO_TCP, XS_TCP_SYN), XDP_PASS);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&fx, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_BLOCKED], 5);
	/* Dropped packets arrived (counted by class) but are aggregated
	 * nowhere else: only the passing packet reached the maps. */
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_TCP], 6);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_TCP_SYN], 1);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 1);
	CU_ASSERT_EQUAL(xs_find_dst(&t, "192.0.2.1")->v.pkts, 1);
	CU_ASSERT_PTR_NULL(xs_find_src(&t, "203.0.113.9"));

	n = xs_mitig_list_blocks(&mt, &bl);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(bl[0].v.hits, 5);
	CU_ASSERT_EQUAL(bl[0].v.bytes, 5 * 54);
	CU_ASSERT_EQUAL(bl[0].v.expires_ns, 0);
	free(bl);

	CU_ASSERT_EQUAL(xs_mitig_unblock(&mt, &p), 0);
	CU_ASSERT_EQUAL(pkt("203.0.113.9", "192.0.2.1", IPPROTO_TCP, XS_TCP_SYN), XDP_PASS);
	CU_ASSERT_EQUAL(xs_mitig_unblock(&mt, &p), -ENOENT);
}

static void test_allowlist(void)
{
	struct xs_prefix blk = pfx("10.0.0.0/8"), ok = pfx("10.1.2.0/24");

	CU_ASSERT_EQUAL_FATAL(xs_mitig_block(&mt, &blk, 0, XS_BLOCK_BY_RULE), 0);
	CU_ASSERT_EQUAL_FATAL(xs_mitig_allow(&mt, &ok), 0);
	CU_ASSERT_EQUAL(pkt("10.9.9.9", "192.0.2.1", IPPROTO_UDP, 0), XDP_DROP);
	CU_ASSERT_EQUAL(pkt("10.1.2.3", "192.0.2.1", IPPROTO_UDP, 0), XDP_PASS);
	CU_ASSERT(xs_mitig_allowed(&mt, &ok.addr));
	CU_ASSERT_EQUAL(xs_mitig_unblock(&mt, &blk), 0);
}

static void test_block_ipv6_and_ttl(void)
{
	struct xs_prefix p = pfx("2001:db8:bad::/48");
	struct xs_lpm_key k;
	struct xs_block v;
	int n;

	CU_ASSERT_EQUAL_FATAL(xs_mitig_block(&mt, &p, 600, XS_BLOCK_BY_USER), 0);
	CU_ASSERT_EQUAL(pkt("2001:db8:bad::1", "2001:db8::2", IPPROTO_TCP, XS_TCP_SYN), XDP_DROP);
	CU_ASSERT_EQUAL(pkt("2001:db8:bae::1", "2001:db8::2", IPPROTO_TCP, XS_TCP_SYN), XDP_PASS);
	/* Make it expire: the kernel stops applying it at once... */
	xs_prefix_to_lpm(&p, &k);
	CU_ASSERT_FATAL(bpf_map_lookup_elem(mt.block_fd, &k, &v) == 0);
	CU_ASSERT(v.expires_ns > xs_mono_ns() + 599000000000ULL);
	v.expires_ns = xs_mono_ns() - 1;
	CU_ASSERT_FATAL(bpf_map_update_elem(mt.block_fd, &k, &v, BPF_ANY) == 0);
	CU_ASSERT_EQUAL(pkt("2001:db8:bad::1", "2001:db8::2", IPPROTO_TCP, XS_TCP_SYN), XDP_PASS);
	/* ...and the daemon's sweep removes it. */
	n = xs_mitig_expire(&mt, xs_mono_ns(), NULL, NULL);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(bpf_map_lookup_elem(mt.block_fd, &k, &v), -ENOENT);
}

static void test_rate_limit(void)
{
	struct xs_prefix p = pfx("192.0.2.50/32");
	struct xs_limit_info *li;
	int i, passed = 0, ncpus = mt.ncpus;
	int burst = 10, per_cpu = (burst + ncpus - 1) / ncpus;

	/* 1 packet/s, bucket of 10: a burst of 40 SYNs at once lets through
	 * this CPU's share of the bucket, exactly. */
	CU_ASSERT_EQUAL_FATAL(xs_mitig_limit(&mt, &p, 1, burst, XS_LIM_SYN, 0), 0);
	for (i = 0; i < 40; i++)
		passed += pkt("198.51.100.1", "192.0.2.50", IPPROTO_TCP, XS_TCP_SYN) == XDP_PASS;
	CU_ASSERT_EQUAL(passed, per_cpu);
	/* Other traffic to the same host is not limited by a SYN limit. */
	for (i = 0; i < 20; i++)
		CU_ASSERT_EQUAL(pkt("198.51.100.1", "192.0.2.50", IPPROTO_UDP, 0), XDP_PASS);
	CU_ASSERT_EQUAL_FATAL(xs_mitig_list_limits(&mt, &li), 1);
	CU_ASSERT_EQUAL(li[0].passed, (__u64)per_cpu);
	CU_ASSERT_EQUAL(li[0].dropped, (__u64)(40 - per_cpu));
	CU_ASSERT_EQUAL(li[0].v.match, XS_LIM_SYN);
	CU_ASSERT_EQUAL(li[0].rate_pps, (__u64)ncpus);	/* 1 rounded up per CPU */
	free(li);
	CU_ASSERT_EQUAL(xs_mitig_unlimit(&mt, &p), 0);
	CU_ASSERT_EQUAL(pkt("198.51.100.1", "192.0.2.50", IPPROTO_TCP, XS_TCP_SYN), XDP_PASS);
}

static void test_rate_limit_refill(void)
{
	struct xs_prefix p = pfx("192.0.2.0/24");
	int i, passed = 0;

	/* 1,000,000 packets/s: every test run is at least a microsecond
	 * apart on one CPU, so nothing is dropped... */
	CU_ASSERT_EQUAL_FATAL(xs_mitig_limit(&mt, &p, 1000000 * mt.ncpus, mt.ncpus, XS_LIM_ALL, 0),
			      0);
	for (i = 0; i < 200; i++) {
		passed += pkt("198.51.100.1", "192.0.2.77", IPPROTO_UDP, 0) == XDP_PASS;
		usleep(5);
	}
	CU_ASSERT_EQUAL(passed, 200);
	CU_ASSERT_EQUAL(xs_mitig_unlimit(&mt, &p), 0);
}

/* A frame from src to dst: a TCP SYN behind ext IPv6 Destination Options
 * headers, or cut to cut bytes, or the 8-byte first fragment of one. */
static int run_crafted(const char *src, int ext, int cut, bool tiny)
{
	uint8_t b[XS_PKT_MAX], f[XS_PKT_MAX];
	struct xs_pkt_spec s;
	int n, v6 = strchr(src, ':') != NULL;

	xs_pkt_spec_init(&s, src, v6 ? "2001:db8::2" : "192.0.2.1", IPPROTO_TCP, 1234, 22);
	s.tcp_flags = XS_TCP_SYN;
	s.payload = 16;
	for (s.nipv6_ext = 0; s.nipv6_ext < ext; s.nipv6_ext++)
		s.ipv6_ext[s.nipv6_ext] = 60;
	n = xs_pkt_build(&s, b, sizeof(b));
	if (tiny) {
		n = xs_pkt_fragment(b, n, 14, (v6 ? 48 : 20) + 8, 0, 7, f, sizeof(f));
		return xs_run_frame(&fx, f, n);
	}
	return xs_run_frame(&fx, b, cut ? cut : n);
}

/* Issue 13: a header the parser refuses or must walk far must not hide a
 * blocked source. */
static void test_block_behind_headers(void)
{
	struct xs_prefix p6 = pfx("2001:db8:bad::66"), p4 = pfx("203.0.113.66");
	struct xs_tick t;

	xs_flip(&fx, &t);
	CU_ASSERT_EQUAL_FATAL(xs_mitig_block(&mt, &p6, 0, XS_BLOCK_BY_USER), 0);
	CU_ASSERT_EQUAL_FATAL(xs_mitig_block(&mt, &p4, 0, XS_BLOCK_BY_USER), 0);
	CU_ASSERT_EQUAL(run_crafted("2001:db8:bad::66", 0, 0, false), XDP_DROP);
	CU_ASSERT_EQUAL(run_crafted("2001:db8:bad::66", 7, 0, false), XDP_DROP);
	CU_ASSERT_EQUAL(run_crafted("2001:db8:bad::66", 8, 0, false), XDP_DROP);
	/* Cut inside the TCP header, or a tiny first fragment. */
	CU_ASSERT_EQUAL(run_crafted("2001:db8:bad::66", 7, 14 + 40 + 56 + 10, false), XDP_DROP);
	CU_ASSERT_EQUAL(run_crafted("2001:db8:bad::66", 0, 0, true), XDP_DROP);
	CU_ASSERT_EQUAL(run_crafted("203.0.113.66", 0, 14 + 20 + 10, false), XDP_DROP);
	CU_ASSERT_EQUAL(run_crafted("203.0.113.66", 0, 0, true), XDP_DROP);
	/* Another source behind the same headers passes. */
	CU_ASSERT_EQUAL(run_crafted("2001:db8:bad::67", 7, 0, false), XDP_PASS);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&fx, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_BLOCKED], 7);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_MALFORMED], 2);
	CU_ASSERT_EQUAL(xs_mitig_unblock(&mt, &p6), 0);
	CU_ASSERT_EQUAL(xs_mitig_unblock(&mt, &p4), 0);
}

/* Enforce mode's fragment policy: off by default, then tiny first
 * fragments and TCP fragments at offset 8 are dropped, counted, and an
 * allowlisted source is spared. */
static void test_frag_policy(void)
{
	struct xs_prefix ok = pfx("198.51.100.99");
	struct xs_tick t;

	xs_flip(&fx, &t);
	CU_ASSERT_EQUAL(run_crafted("198.51.100.1", 0, 0, true), XDP_PASS);
	CU_ASSERT_EQUAL_FATAL(xs_collector_set_flags(&fx.col, XS_RT_DROP_FRAG_EVASION), 0);
	CU_ASSERT_EQUAL(run_crafted("198.51.100.1", 0, 0, true), XDP_DROP);
	CU_ASSERT_EQUAL(run_crafted("2001:db8:5::1", 0, 0, true), XDP_DROP);
	CU_ASSERT_EQUAL(run_crafted("198.51.100.1", 0, 0, false), XDP_PASS);
	{
		uint8_t b[XS_PKT_MAX], f[XS_PKT_MAX];
		struct xs_pkt_spec s;
		int n;

		xs_pkt_spec_init(&s, "198.51.100.1", "192.0.2.1", IPPROTO_TCP, 1234, 22);
		s.payload = 32;
		n = xs_pkt_build(&s, b, sizeof(b));
		n = xs_pkt_fragment(b, n, 14, 28, 1, 9, f, sizeof(f));	/* offset 8 */
		CU_ASSERT_EQUAL(xs_run_frame(&fx, f, n), XDP_DROP);
		n = xs_pkt_fragment(b, xs_pkt_build(&s, b, sizeof(b)), 14, 28, 2, 9, f, sizeof(f));
		CU_ASSERT_EQUAL(xs_run_frame(&fx, f, n), XDP_PASS);	/* offset 16 */
	}
	CU_ASSERT_EQUAL_FATAL(xs_mitig_allow(&mt, &ok), 0);
	CU_ASSERT_EQUAL(run_crafted("198.51.100.99", 0, 0, true), XDP_PASS);
	CU_ASSERT_EQUAL_FATAL(xs_collector_set_flags(&fx.col, 0), 0);
	CU_ASSERT_EQUAL(run_crafted("198.51.100.1", 0, 0, true), XDP_PASS);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&fx, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FRAG_DROPPED], 3);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FRAG_TINY], 3);	/* the ones that passed */
}

/* The allowlist protects from rate limits too. */
static void test_allowlist_rate_limit(void)
{
	struct xs_prefix p = pfx("192.0.2.60/32"), ok = pfx("198.51.100.99");
	int i, passed = 0, allowed = 0;

	CU_ASSERT_EQUAL_FATAL(xs_mitig_allow(&mt, &ok), 0);
	CU_ASSERT_EQUAL_FATAL(xs_mitig_limit(&mt, &p, 1, 1, XS_LIM_ALL, 0), 0);
	for (i = 0; i < 20; i++) {
		passed += pkt("198.51.100.1", "192.0.2.60", IPPROTO_UDP, 0) == XDP_PASS;
		allowed += pkt("198.51.100.99", "192.0.2.60", IPPROTO_UDP, 0) == XDP_PASS;
	}
	CU_ASSERT_EQUAL(passed, 1);
	CU_ASSERT_EQUAL(allowed, 20);
	CU_ASSERT_EQUAL(xs_mitig_unlimit(&mt, &p), 0);
}

/* A token bucket at 1.84e9 packets/s per CPU, idle for 10 s: elapsed x
 * rate is 2^64 + 6.3e9, which wrapped to 6 packets' worth (issue 13). A
 * full bucket is due, whatever the rate. */
static void test_rate_limit_no_overflow(void)
{
	struct xs_prefix p = pfx("192.0.2.61/32");
	struct xs_limit_info *li;
	struct xs_limit_state *st = calloc(mt.ncpus, sizeof(*st));
	int i, n, passed = 0;
	__u32 slot;

	CU_ASSERT_FATAL(st != NULL);
	CU_ASSERT_EQUAL_FATAL(xs_mitig_limit(&mt, &p, 1000, 1000, XS_LIM_ALL, 0), 0);
	n = xs_mitig_list_limits(&mt, &li);
	CU_ASSERT_FATAL(n >= 1);
	slot = li[0].v.slot;
	for (i = 0; i < n; i++)
		if (li[i].prefix.len == p.len && !memcmp(&li[i].prefix.addr, &p.addr, 16))
			slot = li[i].v.slot;
	free(li);
	for (i = 0; i < mt.ncpus; i++) {
		st[i].rate_pps = st[i].burst = 1844674408ULL;
		st[i].last_ns = xs_mono_ns() - 100000000000ULL;	/* idle 100 s: 10 s counted */
	}
	CU_ASSERT_FATAL(bpf_map_update_elem(mt.state_fd, &slot, st, BPF_ANY) == 0);
	for (i = 0; i < 20; i++)
		passed += pkt("198.51.100.1", "192.0.2.61", IPPROTO_UDP, 0) == XDP_PASS;
	CU_ASSERT_EQUAL(passed, 20);
	CU_ASSERT_EQUAL(xs_mitig_unlimit(&mt, &p), 0);
	free(st);
}

static void test_teardown(void)
{
	xs_fixture_teardown(&fx);
}

static const struct xs_test tests[] = {
	{ "load", test_setup },
	{ "prefixes: parse, print, contain", test_prefixes },
	{ "block a source prefix: dropped, counted, aggregated nowhere", test_block_prefix },
	{ "allowlisted sources are never dropped", test_allowlist },
	{ "ipv6 block with a ttl; expiry", test_block_ipv6_and_ttl },
	{ "rate limit: exactly the burst passes", test_rate_limit },
	{ "rate limit: the bucket refills", test_rate_limit_refill },
	{ "a blocked source behind extension headers, cut headers, fragments", test_block_behind_headers },
	{ "fragment policy: tiny and overlapping fragments dropped", test_frag_policy },
	{ "allowlisted sources are never rate-limited", test_allowlist_rate_limit },
	{ "token bucket: no overflow at high rates", test_rate_limit_no_overflow },
	{ "unload", test_teardown },
};

XS_RUN_SUITE("mitigation", tests)
