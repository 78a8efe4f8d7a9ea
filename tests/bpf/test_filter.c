// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Watched victims in the XDP program (bpf/fingerprint.h, bpf/filter.h),
 * through BPF_PROG_TEST_RUN: with the table empty nothing is looked up;
 * a watched victim's packets are counted by class and sampled with the
 * right facts (TTL, IP length, fragment state, classes), deterministically
 * and within the tick's budget; its rules count what they match, drop it
 * only when asked, until their TTL, never from an allowlisted source, and
 * a dropped packet is still aggregated per destination (the alert goes
 * on). The userspace matcher agrees with the kernel's on every sample.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "clock.h"
#include "fingerprint.h"
#include "mitigate.h"
#include "names.h"
#include "victims.h"
#include "xs_test.h"

#define XDP_DROP 1
#define XDP_PASS 2
#define MAXS 4096

static struct xs_fixture fx;
static struct xs_victims vic;
static struct xs_fp_sample samples[MAXS];
static size_t nsamples;

static void on_sample(void *ctx, const struct xs_fp_sample *s, size_t size)
{
	if (nsamples < MAXS) {
		memset(&samples[nsamples], 0, sizeof(samples[0]));
		memcpy(&samples[nsamples], s, size < sizeof(*s) ? size : sizeof(*s));
		nsamples++;
	}
}

static void drain(void)
{
	xs_collector_poll_events(&fx.col);
}

static struct xs_addr addr(const char *s)
{
	struct xs_addr a;

	CU_ASSERT_FATAL(xs_addr_parse(s, &a) == 0);
	return a;
}

/* A UDP reply from port 53 of `payload` bytes, TTL ttl. */
static int dns(const char *src, const char *dst, int payload, uint8_t ttl, uint8_t *frame,
	       int *len)
{
	struct xs_pkt_spec s;

	xs_pkt_spec_init(&s, src, dst, IPPROTO_UDP, 53, 40000);
	s.payload = (uint16_t)payload;
	s.ttl = ttl;
	*len = xs_pkt_build(&s, frame, XS_PKT_MAX);
	return xs_run_frame(&fx, frame, (size_t)*len);
}

static int tcp(const char *src, const char *dst, uint8_t flags)
{
	struct xs_pkt_spec s;

	xs_pkt_spec_init(&s, src, dst, IPPROTO_TCP, 33000, 443);
	s.tcp_flags = flags;
	return xs_run_spec(&fx, &s, NULL);
}

static int later_fragment(const char *src, const char *dst, int payload)
{
	struct xs_pkt_spec s;

	xs_pkt_spec_init(&s, src, dst, IPPROTO_UDP, 0, 0);
	s.frag_offset = 185;
	s.payload = (uint16_t)payload;
	return xs_run_spec(&fx, &s, NULL);
}

static void test_setup(void)
{
	cpu_set_t set;

	/* Per-CPU counters and budgets: every run on one CPU. */
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CU_ASSERT_FATAL(sched_setaffinity(0, sizeof(set), &set) == 0);
	CU_ASSERT_FATAL(xs_fixture_setup(&fx, NULL) == 0);
	CU_ASSERT_FATAL(xs_victims_init(&vic, &fx.b, &fx.col, on_sample, NULL) == 0);
}

/* Nothing watched: the flag is off, nothing is counted or sampled. */
static void test_empty(void)
{
	struct xs_vstats vs;
	uint8_t frame[XS_PKT_MAX];
	int len;

	CU_ASSERT_EQUAL(fx.col.rt.flags & XS_RT_VICTIMS, 0);
	CU_ASSERT_EQUAL(dns("192.0.2.1", "198.18.0.10", 1000, 52, frame, &len), XDP_PASS);
	drain();
	CU_ASSERT_EQUAL(nsamples, 0);
	CU_ASSERT_EQUAL(xs_victims_stats(&vic, 0, &vs), 0);
	CU_ASSERT_EQUAL(vs.pkts[XS_LIM_ALL], 0);
}

/* Every packet of a watched victim counted by class and sampled, with the
 * facts the fingerprint reads. */
static void test_sample_facts(void)
{
	struct xs_addr v4 = addr("198.18.0.10"), v6 = addr("2001:db8:18::10");
	uint8_t frame[XS_PKT_MAX];
	struct xs_vstats vs;
	struct xs_pkt_spec s;
	int slot, len, slot6;

	slot = xs_victims_watch(&vic, &v4, 1, 1000);
	CU_ASSERT_FATAL(slot >= 0);
	CU_ASSERT(fx.col.rt.flags & XS_RT_VICTIMS);
	nsamples = 0;
	CU_ASSERT_EQUAL(dns("192.0.2.1", "198.18.0.10", 1200, 52, frame, &len), XDP_PASS);
	CU_ASSERT_EQUAL(dns("192.0.2.1", "198.18.0.11", 1200, 52, frame, &len), XDP_PASS);
	CU_ASSERT_EQUAL(tcp("203.0.113.5", "198.18.0.10", XS_TCP_SYN), XDP_PASS);
	CU_ASSERT_EQUAL(later_fragment("192.0.2.2", "198.18.0.10", 600), XDP_PASS);
	drain();
	CU_ASSERT_EQUAL_FATAL(nsamples, 3);
	/* The DNS reply: UDP from a reflector port, 20 + 8 + 1200 bytes of IP. */
	CU_ASSERT_EQUAL(samples[0].proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(samples[0].sport, 53);
	CU_ASSERT_EQUAL(samples[0].dport, 40000);
	CU_ASSERT_EQUAL(samples[0].ip_len, 1228);
	CU_ASSERT_EQUAL(samples[0].len, 14 + 1228);
	CU_ASSERT_EQUAL(samples[0].ttl, 52);
	CU_ASSERT_EQUAL(samples[0].frag, XS_FPFR_NONE);
	CU_ASSERT_EQUAL(samples[0].cls_bits,
			1u << XS_LIM_ALL | 1u << XS_LIM_UDP | 1u << XS_LIM_REFLECT);
	CU_ASSERT_EQUAL(samples[0].caplen, 0);	/* no headers asked for */
	CU_ASSERT_EQUAL(samples[1].proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(samples[1].tcp_flags, XS_TCP_SYN);
	CU_ASSERT_EQUAL(samples[1].ttl, 64);
	CU_ASSERT_EQUAL(samples[1].cls_bits, 1u << XS_LIM_ALL | 1u << XS_LIM_SYN);
	CU_ASSERT_EQUAL(samples[2].frag, XS_FPFR_LATER);
	CU_ASSERT_EQUAL(samples[2].l4, 0);
	CU_ASSERT_EQUAL(samples[2].ip_len, 620);
	CU_ASSERT_EQUAL(samples[2].cls_bits, 1u << XS_LIM_ALL | 1u << XS_LIM_REFLECT);
	CU_ASSERT_EQUAL(xs_victims_stats(&vic, slot, &vs), 0);
	CU_ASSERT_EQUAL(vs.pkts[XS_LIM_ALL], 3);
	CU_ASSERT_EQUAL(vs.pkts[XS_LIM_UDP], 1);
	CU_ASSERT_EQUAL(vs.pkts[XS_LIM_SYN], 1);
	CU_ASSERT_EQUAL(vs.pkts[XS_LIM_REFLECT], 2);
	CU_ASSERT_EQUAL(vs.pkts[XS_LIM_ICMP], 0);
	CU_ASSERT_EQUAL(vs.sampled, 3);

	/* The headers, for pcaps: the frame's first XS_FP_SNAP bytes. */
	CU_ASSERT_EQUAL(xs_victims_set_headers(&vic, true), 0);
	nsamples = 0;
	dns("192.0.2.1", "198.18.0.10", 1200, 52, frame, &len);
	drain();
	CU_ASSERT_EQUAL_FATAL(nsamples, 1);
	CU_ASSERT_EQUAL(samples[0].caplen, XS_FP_SNAP);
	CU_ASSERT(!memcmp(samples[0].data, frame, XS_FP_SNAP));
	CU_ASSERT_EQUAL(xs_victims_set_headers(&vic, false), 0);

	/* IPv6: the payload length and the hop limit. */
	slot6 = xs_victims_watch(&vic, &v6, 1, 1000);
	CU_ASSERT_FATAL(slot6 >= 0 && slot6 != slot);
	nsamples = 0;
	xs_pkt_spec_init(&s, "2001:db8:99::1", "2001:db8:18::10", IPPROTO_UDP, 123, 5000);
	s.payload = 440;
	s.ttl = 57;
	CU_ASSERT_EQUAL(xs_run_spec(&fx, &s, NULL), XDP_PASS);
	drain();
	CU_ASSERT_EQUAL_FATAL(nsamples, 1);
	CU_ASSERT_EQUAL(samples[0].ip_len, 448);
	CU_ASSERT_EQUAL(samples[0].ttl, 57);
	CU_ASSERT(!memcmp(&samples[0].victim, &v6, sizeof(v6)));
	CU_ASSERT_EQUAL(xs_victims_unwatch(&vic, &v6), 0);
	CU_ASSERT_EQUAL(xs_victims_unwatch(&vic, &v4), 0);
	CU_ASSERT_EQUAL(fx.col.rt.flags & XS_RT_VICTIMS, 0);
}

/* A packet malformed after its addresses (a TCP header cut short) still
 * reaches its victim's counters and rules (issue 13), with the facts of
 * its own IP version: its class says "malformed", not which. */
static void test_malformed_watched(void)
{
	struct xs_addr v4 = addr("198.18.0.10"), v6 = addr("2001:db8:18::10");
	uint8_t frame[XS_PKT_MAX];
	struct xs_pkt_spec s;
	struct xs_vstats vs;
	int slot, slot6;

	slot = xs_victims_watch(&vic, &v4, 1, 1000);
	slot6 = xs_victims_watch(&vic, &v6, 1, 1000);
	CU_ASSERT_FATAL(slot >= 0 && slot6 >= 0);
	nsamples = 0;
	/* IPv4: 10 of TCP's 20 bytes, the IP length saying so. */
	xs_pkt_spec_init(&s, "203.0.113.5", "198.18.0.10", IPPROTO_TCP, 33000, 443);
	s.tcp_flags = XS_TCP_SYN;
	s.ttl = 52;
	CU_ASSERT_FATAL(xs_pkt_build(&s, frame, XS_PKT_MAX) > 14 + 30);
	frame[14 + 2] = 0;
	frame[14 + 3] = 30;
	CU_ASSERT_EQUAL(xs_run_frame(&fx, frame, 14 + 30), XDP_PASS);
	/* IPv6: 4 of UDP's 8 bytes. */
	xs_pkt_spec_init(&s, "2001:db8:99::1", "2001:db8:18::10", IPPROTO_UDP, 123, 5000);
	s.ttl = 57;
	CU_ASSERT_FATAL(xs_pkt_build(&s, frame, XS_PKT_MAX) > 14 + 44);
	frame[14 + 4] = 0;
	frame[14 + 5] = 4;
	CU_ASSERT_EQUAL(xs_run_frame(&fx, frame, 14 + 44), XDP_PASS);
	drain();
	CU_ASSERT_EQUAL_FATAL(nsamples, 2);
	CU_ASSERT_EQUAL(samples[0].proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(samples[0].l4, 0);
	CU_ASSERT_EQUAL(samples[0].ttl, 52);
	CU_ASSERT_EQUAL(samples[0].ip_len, 30);
	CU_ASSERT_EQUAL(samples[0].cls_bits, 1u << XS_LIM_ALL);
	CU_ASSERT_EQUAL(samples[1].ttl, 57);
	CU_ASSERT_EQUAL(samples[1].ip_len, 4);
	CU_ASSERT_EQUAL(samples[1].l4, 0);
	CU_ASSERT(!memcmp(&samples[1].victim, &v6, sizeof(v6)));
	CU_ASSERT_EQUAL(xs_victims_stats(&vic, slot, &vs), 0);
	CU_ASSERT_EQUAL(vs.pkts[XS_LIM_ALL], 1);
	CU_ASSERT_EQUAL(vs.pkts[XS_LIM_SYN], 0);
	CU_ASSERT_EQUAL(xs_victims_unwatch(&vic, &v6), 0);
	CU_ASSERT_EQUAL(xs_victims_unwatch(&vic, &v4), 0);
}

/* One in `every`, the same packets on every run, at most the budget per
 * tick (a new tick starts again). */
static void test_sampling(void)
{
	struct xs_addr v = addr("198.18.0.20");
	uint8_t frame[XS_PKT_MAX], picked[2][1000];
	struct xs_vstats vs;
	struct xs_victim e;
	struct xs_tick t;
	int run, i, len, slot;
	size_t n[2];

	for (run = 0; run < 2; run++) {
		slot = xs_victims_watch(&vic, &v, 8, 100000);
		CU_ASSERT_FATAL(slot >= 0);
		nsamples = 0;
		for (i = 0; i < 1000; i++) {
			dns("192.0.2.1", "198.18.0.20", 100 + i, 52, frame, &len);
			drain();
			picked[run][i] = nsamples && samples[nsamples - 1].ip_len == 128 + i;
		}
		n[run] = nsamples;
		CU_ASSERT_EQUAL(xs_victims_unwatch(&vic, &v), 0);
	}
	CU_ASSERT(!memcmp(picked[0], picked[1], sizeof(picked[0])));
	/* 1 in 8 of 1000: 125 expected; a binomial within 5 sigma. */
	CU_ASSERT(n[0] >= 70 && n[0] <= 180);

	slot = xs_victims_watch(&vic, &v, 1, 10);
	CU_ASSERT_FATAL(slot >= 0);
	nsamples = 0;
	for (i = 0; i < 25; i++)
		dns("192.0.2.1", "198.18.0.20", 300, 52, frame, &len);
	drain();
	CU_ASSERT_EQUAL(nsamples, 10);
	CU_ASSERT_EQUAL(xs_victims_stats(&vic, slot, &vs), 0);
	CU_ASSERT_EQUAL(vs.sampled, 10);
	CU_ASSERT_EQUAL(vs.lost, 15);
	CU_ASSERT_EQUAL(vs.pkts[XS_LIM_ALL], 25);
	CU_ASSERT_EQUAL(xs_flip(&fx, &t), 0);	/* a new tick: a new budget */
	dns("192.0.2.1", "198.18.0.20", 300, 52, frame, &len);
	drain();
	CU_ASSERT_EQUAL(nsamples, 11);
	/* No sampling at all. */
	CU_ASSERT_EQUAL(xs_victims_get(&vic, &v, &e), 0);
	e.sample_every = 0;
	CU_ASSERT_EQUAL(xs_victims_put(&vic, &v, &e), 0);
	dns("192.0.2.1", "198.18.0.20", 300, 52, frame, &len);
	drain();
	CU_ASSERT_EQUAL(nsamples, 11);
	CU_ASSERT_EQUAL(xs_victims_unwatch(&vic, &v), 0);
}

/* Rules: count what matches by class, drop only when asked, until the
 * TTL, never an allowlisted source; what they drop is still aggregated. */
static void test_rules(void)
{
	struct xs_addr v = addr("198.18.0.30");
	struct xs_mitig mt;
	struct xs_prefix allow;
	uint8_t frame[XS_PKT_MAX];
	struct xs_vstats vs;
	struct xs_victim e;
	struct xs_tick t;
	const struct xs_dst_entry *d;
	struct xs_global g0;
	int slot, len, i;

	slot = xs_victims_watch(&vic, &v, 0, 0);
	CU_ASSERT_FATAL(slot >= 0);
	CU_ASSERT_EQUAL(xs_victims_get(&vic, &v, &e), 0);
	/* Rule 0: UDP from port 53, 1000..1500 bytes of IP: drop, class reflect. */
	e.rule[0] = (struct xs_fp_rule){ .fields = XS_FPF_PROTO | XS_FPF_SPORT | XS_FPF_LEN,
					 .proto = IPPROTO_UDP, .sport_lo = 53, .sport_hi = 53,
					 .len_lo = 1000, .len_hi = 1500, .cls = XS_LIM_REFLECT,
					 .drop = 1 };
	/* Rule 1: later fragments, count only. */
	e.rule[1] = (struct xs_fp_rule){ .fields = XS_FPF_FRAG, .frag = XS_FPFR_LATER,
					 .cls = XS_LIM_REFLECT };
	e.nrules = 2;
	CU_ASSERT_EQUAL(xs_victims_put(&vic, &v, &e), 0);
	xs_flip(&fx, &t);
	memcpy(&g0, &fx.col.totals.g, sizeof(g0));

	CU_ASSERT_EQUAL(dns("192.0.2.1", "198.18.0.30", 1200, 52, frame, &len), XDP_DROP);
	CU_ASSERT_EQUAL(dns("192.0.2.1", "198.18.0.30", 60, 52, frame, &len), XDP_PASS);
	CU_ASSERT_EQUAL(dns("192.0.2.1", "198.18.0.31", 1200, 52, frame, &len), XDP_PASS);
	CU_ASSERT_EQUAL(tcp("203.0.113.5", "198.18.0.30", XS_TCP_SYN), XDP_PASS);
	CU_ASSERT_EQUAL(later_fragment("192.0.2.2", "198.18.0.30", 1000), XDP_PASS);
	/* A later fragment has no port: rule 0 never matches it. */
	CU_ASSERT_EQUAL(xs_victims_stats(&vic, slot, &vs), 0);
	CU_ASSERT_EQUAL(vs.hits[0][0], 1);
	CU_ASSERT_EQUAL(vs.hits[0][1], 0);
	CU_ASSERT_EQUAL(vs.hits[1][0], 1);
	CU_ASSERT_EQUAL(vs.dropped, 1);
	CU_ASSERT_EQUAL(vs.pkts[XS_LIM_ALL], 4);
	/* The dropped reply is aggregated per destination as if it passed. */
	CU_ASSERT_EQUAL(xs_flip(&fx, &t), 0);
	d = xs_find_dst(&t, "198.18.0.30");
	CU_ASSERT_FATAL(d != NULL);
	CU_ASSERT_EQUAL(d->v.pkts, 4);
	CU_ASSERT_EQUAL(d->v.refl_pkts, 2);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FP_DROPPED], 1);

	/* Count only: the same reply passes, and is counted. */
	e.rule[0].drop = 0;
	CU_ASSERT_EQUAL(xs_victims_put(&vic, &v, &e), 0);
	CU_ASSERT_EQUAL(dns("192.0.2.1", "198.18.0.30", 1200, 52, frame, &len), XDP_PASS);
	/* A rule of another class: the match counts as not the attack's. */
	e.rule[0].drop = 1;
	e.rule[0].cls = XS_LIM_SYN;
	CU_ASSERT_EQUAL(xs_victims_put(&vic, &v, &e), 0);
	CU_ASSERT_EQUAL(dns("192.0.2.1", "198.18.0.30", 1200, 52, frame, &len), XDP_DROP);
	CU_ASSERT_EQUAL(xs_victims_stats(&vic, slot, &vs), 0);
	CU_ASSERT_EQUAL(vs.hits[0][0], 2);
	CU_ASSERT_EQUAL(vs.hits[0][1], 1);
	CU_ASSERT_EQUAL(vs.dropped, 2);

	/* Past its TTL a rule counts and drops nothing. */
	e.expires_ns = xs_mono_ns() - 1;
	CU_ASSERT_EQUAL(xs_victims_put(&vic, &v, &e), 0);
	CU_ASSERT_EQUAL(dns("192.0.2.1", "198.18.0.30", 1200, 52, frame, &len), XDP_PASS);
	e.expires_ns = xs_mono_ns() + 60000000000ULL;
	CU_ASSERT_EQUAL(xs_victims_put(&vic, &v, &e), 0);
	CU_ASSERT_EQUAL(dns("192.0.2.1", "198.18.0.30", 1200, 52, frame, &len), XDP_DROP);

	/* An allowlisted source is never dropped. */
	CU_ASSERT_EQUAL(xs_mitig_from_bpf(&mt, &fx.b), 0);
	CU_ASSERT_EQUAL(xs_prefix_parse("192.0.2.0/24", &allow), 0);
	CU_ASSERT_EQUAL(xs_mitig_allow(&mt, &allow), 0);
	CU_ASSERT_EQUAL(dns("192.0.2.1", "198.18.0.30", 1200, 52, frame, &len), XDP_PASS);
	CU_ASSERT_EQUAL(dns("192.0.3.1", "198.18.0.30", 1200, 52, frame, &len), XDP_DROP);

	/* A TTL range and TCP flags. */
	e.rule[0] = (struct xs_fp_rule){ .fields = XS_FPF_PROTO | XS_FPF_TCP | XS_FPF_DPORT |
						   XS_FPF_TTL,
					 .proto = IPPROTO_TCP, .tcp_flags = XS_TCP_SYN,
					 .tcp_mask = 0xff, .dport_lo = 443, .dport_hi = 443,
					 .ttl_lo = 60, .ttl_hi = 64, .cls = XS_LIM_SYN, .drop = 1 };
	e.nrules = 1;
	CU_ASSERT_EQUAL(xs_victims_put(&vic, &v, &e), 0);
	CU_ASSERT_EQUAL(tcp("203.0.113.5", "198.18.0.30", XS_TCP_SYN), XDP_DROP);
	CU_ASSERT_EQUAL(tcp("203.0.113.5", "198.18.0.30", XS_TCP_SYN | XS_TCP_ACK), XDP_PASS);
	CU_ASSERT_EQUAL(tcp("203.0.113.5", "198.18.0.30", XS_TCP_SYN | 0x40), XDP_PASS);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(dns("192.0.3.1", "198.18.0.30", 1200, 52, frame, &len), XDP_PASS);
	CU_ASSERT_EQUAL(xs_victims_unwatch(&vic, &v), 0);
	CU_ASSERT_EQUAL(dns("192.0.3.1", "198.18.0.30", 1200, 52, frame, &len), XDP_PASS);
	xs_flip(&fx, &t);
}

/* The userspace matcher and the kernel's agree on every sample. */
static void test_matchers_agree(void)
{
	static const struct xs_fp_rule rules[] = {
		{ .fields = XS_FPF_PROTO | XS_FPF_SPORT, .proto = IPPROTO_UDP, .sport_lo = 53,
		  .sport_hi = 53 },
		{ .fields = XS_FPF_FRAG | XS_FPF_LEN, .frag = XS_FPFR_LATER | XS_FPFR_FIRST,
		  .len_lo = 100, .len_hi = 700 },
		{ .fields = XS_FPF_PROTO | XS_FPF_TCP | XS_FPF_TTL, .proto = IPPROTO_TCP,
		  .tcp_flags = XS_TCP_SYN, .tcp_mask = XS_TCP_SYN | XS_TCP_ACK, .ttl_lo = 40,
		  .ttl_hi = 80 },
		{ .fields = XS_FPF_ICMP, .icmp_type = 8 },
		{ .fields = XS_FPF_DPORT, .dport_lo = 1000, .dport_hi = 50000 },
	};
	struct xs_addr v = addr("198.18.0.40");
	uint8_t frame[XS_PKT_MAX];
	struct xs_pkt_spec s;
	struct xs_victim e;
	size_t k, bad = 0;
	int i, r;

	CU_ASSERT_FATAL(xs_victims_watch(&vic, &v, 1, 100000) >= 0);
	CU_ASSERT_EQUAL(xs_victims_get(&vic, &v, &e), 0);
	for (r = 0; r < 5; r++)
		e.rule[r] = rules[r];
	e.nrules = 5;
	CU_ASSERT_EQUAL(xs_victims_put(&vic, &v, &e), 0);
	nsamples = 0;
	srand(7);
	for (i = 0; i < 600; i++) {
		static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP };
		int len;

		xs_pkt_spec_init(&s, "192.0.2.9", "198.18.0.40", protos[rand() % 3],
				 (uint16_t)(rand() % 2 ? 53 : rand() % 65536),
				 (uint16_t)(rand() % 65536));
		s.tcp_flags = (uint8_t)(rand() % 32);
		s.icmp_type = (uint8_t)(rand() % 2 ? 8 : 0);
		s.ttl = (uint8_t)(1 + rand() % 255);
		s.payload = (uint16_t)(rand() % 900);
		if (rand() % 4 == 0) {
			s.frag_offset = (uint16_t)(rand() % 3 ? 100 : 0);
			s.more_frags = 1;
		}
		len = xs_pkt_build(&s, frame, sizeof(frame));
		CU_ASSERT_FATAL(len > 0);
		xs_run_frame(&fx, frame, (size_t)len);
	}
	drain();
	CU_ASSERT_EQUAL_FATAL(nsamples, 600);
	for (k = 0; k < nsamples; k++) {
		struct xs_fp_pkt p;
		uint8_t mine = 0;

		xs_fp_pkt_from_sample(&p, &samples[k]);
		for (r = 0; r < 5; r++)
			if (xs_fp_rule_match(&rules[r], &p))
				mine |= 1u << r;
		bad += mine != samples[k].rules_hit;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(xs_victims_unwatch(&vic, &v), 0);
}

/* A daemon that starts forgets what an earlier one watched (the last test:
 * vic is stale after it). */
static void test_init_empties(void)
{
	struct xs_addr v = addr("198.18.0.50");
	struct xs_collector col;
	struct xs_victims again;
	struct xs_victim e;

	CU_ASSERT_FATAL(xs_victims_watch(&vic, &v, 1, 10) >= 0);
	CU_ASSERT_EQUAL_FATAL(xs_victims_get(&vic, &v, &e), 0);
	CU_ASSERT_EQUAL_FATAL(xs_collector_init(&col, &fx.b, false, NULL, NULL), 0);
	CU_ASSERT(col.rt.flags & XS_RT_VICTIMS);
	CU_ASSERT_EQUAL_FATAL(xs_victims_init(&again, &fx.b, &col, on_sample, NULL), 0);
	CU_ASSERT_EQUAL(xs_victims_get(&again, &v, &e), -ENOENT);
	CU_ASSERT_EQUAL(col.rt.flags & XS_RT_VICTIMS, 0);
	xs_victims_free(&again);
	xs_collector_free(&col);
}

static void test_teardown(void)
{
	xs_victims_free(&vic);
	xs_fixture_teardown(&fx);
}

static const struct xs_test tests[] = {
	{ "load", test_setup },
	{ "an empty table: nothing looked up", test_empty },
	{ "samples carry the facts", test_sample_facts },
	{ "a packet malformed after its addresses is watched too", test_malformed_watched },
	{ "deterministic sampling within the budget", test_sampling },
	{ "rules count, drop, expire, spare the allowlist", test_rules },
	{ "userspace and kernel matchers agree", test_matchers_agree },
	{ "a new daemon empties the table", test_init_empties },
	{ "teardown", test_teardown },
};

XS_RUN_SUITE("filter", tests)
