// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The kernel's per-destination counts for the flood family (bpf/account.h),
 * exact, through BPF_PROG_TEST_RUN: ACK segments and RSTs and the sources
 * of segments with ACK or RST; the majority vote of UDP source ports and the
 * bitmap of the sources sending from the winner; packets per sub-tick slice
 * and burst kind, saturating, and a flip starting again at slice 0.
 */
#include <math.h>
#include <netinet/in.h>
#include <string.h>
#include <bpf/bpf.h>

#include "xs_test.h"

static struct xs_fixture f;

/* The program under a fixed hashing secret: the sketches' exact estimates
 * below (3 sources in 32 registers) hold only if no two of the sources
 * share a register, which a random secret breaks about one run in ten
 * (1 - 31/32 * 30/32 = 9 % for three). The secret is no less secret for
 * the test; the code's arithmetic is what is checked. */
static int setup(void)
{
	int err;

	xs_bpf_set_secret(&(struct xs_secret){ { 0x5eed1001, 0x5eed1002, 0x5eed1003, 0x5eed1004 } });
	err = xs_fixture_setup(&f, NULL);
	xs_bpf_set_secret(NULL);
	return err;
}

static void tcp(const char *src, uint16_t sport, uint8_t flags, int n)
{
	struct xs_pkt_spec s;
	int i, len;

	xs_pkt_spec_init(&s, src, "10.1.0.1", IPPROTO_TCP, sport, 80);
	s.tcp_flags = flags;
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(xs_run_spec(&f, &s, &len), 2 /* XDP_PASS */);
}

static void udp(const char *src, uint16_t sport, uint16_t dport, int n)
{
	struct xs_pkt_spec s;
	int i, len;

	xs_pkt_spec_init(&s, src, "10.1.0.2", IPPROTO_UDP, sport, dport);
	s.payload = 100;
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(xs_run_spec(&f, &s, &len), 2);
}

static void test_out_of_state_tcp(void)
{
	const struct xs_dst_entry *d;
	struct xs_tick t;

	if (!xs_have_bpf())
		return;
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	tcp("10.9.0.1", 1000, XS_TCP_ACK, 3);
	tcp("10.9.0.1", 1000, XS_TCP_ACK | XS_TCP_PSH, 2);
	tcp("10.9.0.1", 1000, XS_TCP_ACK | XS_TCP_FIN, 1);
	tcp("10.9.0.2", 1001, XS_TCP_RST, 2);
	tcp("10.9.0.2", 1001, XS_TCP_RST | XS_TCP_ACK, 1);
	tcp("10.9.0.3", 1002, XS_TCP_SYN | XS_TCP_ACK, 4);
	tcp("10.9.0.4", 1003, XS_TCP_SYN, 5);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	d = xs_find_dst(&t, "10.1.0.1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->v.tcp, 18);
	CU_ASSERT_EQUAL(d->v.ack, 6);	/* ACK without SYN or RST */
	CU_ASSERT_EQUAL(d->v.ack_bytes, 6ull * (14 + 20 + 20));
	CU_ASSERT_EQUAL(d->v.rst, 3);
	CU_ASSERT_EQUAL(d->v.synack, 4);
	CU_ASSERT_EQUAL(d->v.syn, 5);
	/* Segments with ACK or RST came from three sources; the SYN's (and
	 * the RST-only's) are in hll_src, as before. */
	CU_ASSERT_EQUAL((int)(xs_hll_estimate(d->v.hll_ack, XS_HLL_REGS) + 0.5), 3);
	CU_ASSERT_EQUAL((int)(xs_hll_estimate(d->v.hll_src, XS_HLL_REGS) + 0.5), 2);
	xs_fixture_teardown(&f);
}

static void test_udp_majority_port(void)
{
	const struct xs_dst_entry *d;
	struct xs_tick t;
	char a[32];
	int i;

	if (!xs_have_bpf())
		return;
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	/* 3 replies from port 1234 first, then 12 from 3702 (6 sources),
	 * and SIP peers on 5060 <-> 5060, which do not vote. */
	udp("10.8.0.1", 1234, 40000, 3);
	for (i = 0; i < 6; i++) {
		snprintf(a, sizeof(a), "10.7.0.%d", i + 1);
		udp(a, 3702, 40000 + i, 2);
	}
	udp("10.6.0.1", 5060, 5060, 4);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	d = xs_find_dst(&t, "10.1.0.2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->v.udp, 19);
	/* 1234 wins 3 votes, loses them to 3702's first 3, then 3702 takes
	 * over with 9 votes left: a lower bound of its 12 packets. */
	CU_ASSERT_EQUAL(d->v.uport, 3702);
	CU_ASSERT_EQUAL(d->v.uvotes, 9);
	/* The bitmap holds the sources that voted for 3702 since it took over
	 * (from 10.7.0.2's second packet on): every one but 10.7.0.1. */
	CU_ASSERT(d->v.usrc != 0);
	CU_ASSERT(__builtin_popcountll(d->v.usrc) <= 5);
	xs_fixture_teardown(&f);
}

/* Runs one frame of spec n times in one test run. */
static void repeat(const struct xs_pkt_spec *s, int n)
{
	uint8_t frame[XS_PKT_MAX];
	int len = xs_pkt_build(s, frame, sizeof(frame));
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
			    .repeat = n);

	CU_ASSERT_EQUAL(bpf_prog_test_run_opts(f.prog_fd, &o), 0);
}

static void test_slices(void)
{
	const struct xs_dst_entry *d;
	struct xs_pkt_spec su, ss, si;
	struct xs_tick t;
	int k, j;

	if (!xs_have_bpf())
		return;
	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	xs_pkt_spec_init(&su, "10.5.0.1", "10.1.0.3", IPPROTO_UDP, 5000, 53);
	xs_pkt_spec_init(&ss, "10.5.0.1", "10.1.0.3", IPPROTO_TCP, 5000, 80);
	ss.tcp_flags = XS_TCP_SYN;
	xs_pkt_spec_init(&si, "10.5.0.1", "10.1.0.3", IPPROTO_ICMP, 0, 0);
	si.icmp_type = 8;
	repeat(&su, 2);				/* slice 0 */
	CU_ASSERT_EQUAL(xs_collector_set_slice(&f.col, 3), 0);
	repeat(&su, 70000);			/* saturates at 65,535 */
	repeat(&ss, 5);
	CU_ASSERT_EQUAL(xs_collector_set_slice(&f.col, XS_SLICES - 1), 0);
	repeat(&si, 7);
	CU_ASSERT_EQUAL(xs_collector_set_slice(&f.col, 200), 0);	/* clamped to the last */
	repeat(&si, 1);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	d = xs_find_dst(&t, "10.1.0.3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->v.pkts, 70015);
	for (j = 0; j < XS_SLICES; j++)
		for (k = 0; k < XS_B_MAX; k++) {
			uint16_t want = 0;

			if (j == 0 && k == XS_B_UDP)
				want = 2;
			else if (j == 3 && k == XS_B_UDP)
				want = 0xffff;
			else if (j == 3 && k == XS_B_SYN)
				want = 5;
			else if (j == XS_SLICES - 1 && k == XS_B_ICMP)
				want = 8;
			CU_ASSERT_EQUAL(d->v.burst[j * XS_B_MAX + k], want);
		}
	/* The flip starts the next generation at slice 0. */
	repeat(&ss, 1);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	d = xs_find_dst(&t, "10.1.0.3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->v.burst[XS_B_SYN], 1);
	xs_fixture_teardown(&f);
}

static const struct xs_test tests[] = {
	{ "ACK segments, RSTs and their sources", test_out_of_state_tcp },
	{ "the majority UDP source port and its sources", test_udp_majority_port },
	{ "packets per slice and kind", test_slices },
};

XS_RUN_SUITE("dst_floods", tests)
