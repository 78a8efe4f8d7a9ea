// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Mirror mode (XS_RT_MIRROR): every frame is counted exactly as inline,
 * then dropped -- IP, malformed and non-IP frames alike; with the flag
 * cleared the same frames pass again.
 */
#include <netinet/in.h>
#include <linux/bpf.h>
#include <string.h>

#include "xs_test.h"

/* A SYN, a UDP datagram, a truncated TCP header, an ARP frame: their
 * verdicts in *v. */
static void send_mix(struct xs_fixture *f, int v[4])
{
	struct xs_pkt_spec s;
	uint8_t frame[XS_PKT_MAX];
	int len;

	xs_pkt_spec_init(&s, "192.0.2.1", "198.51.100.7", IPPROTO_TCP, 40000, 80);
	s.tcp_flags = XS_TCP_SYN;
	v[0] = xs_run_spec(f, &s, NULL);
	xs_pkt_spec_init(&s, "192.0.2.1", "198.51.100.7", IPPROTO_UDP, 40000, 53);
	s.payload = 18;
	v[1] = xs_run_spec(f, &s, NULL);
	xs_pkt_spec_init(&s, "192.0.2.1", "198.51.100.7", IPPROTO_TCP, 40000, 80);
	len = xs_pkt_build(&s, frame, sizeof(frame));
	v[2] = len > 0 ? xs_run_frame(f, frame, 14 + 20 + 10) : -1;
	memset(frame, 0, 60);
	memset(frame, 0xff, 6);
	frame[12] = 0x08;
	frame[13] = 0x06;	/* ARP */
	v[3] = xs_run_frame(f, frame, 60);
}

static void test_mirror(void)
{
	struct xs_fixture f;
	struct xs_tick t;
	const struct xs_dst_entry *d;
	int v[4], i;

	CU_ASSERT_FATAL(xs_fixture_setup(&f, NULL) == 0);
	CU_ASSERT_FATAL(xs_collector_set_flags(&f.col, XS_RT_MIRROR) == 0);
	send_mix(&f, v);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(v[i], XDP_DROP);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_TCP], 1);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_UDP], 1);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_MALFORMED], 1);
	CU_ASSERT_EQUAL(t.g.err[XS_E_TCP_TRUNC], 1);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_ARP], 1);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_TCP_SYN], 1);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_BLOCKED], 0);
	/* Aggregated and reported as inline: two flows, their destination. */
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 2);
	CU_ASSERT_EQUAL(f.nevents, 2);
	d = xs_find_dst(&t, "198.51.100.7");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->v.syn, 1);
	CU_ASSERT_EQUAL(d->v.udp, 1);

	/* Inline again. */
	CU_ASSERT_FATAL(xs_collector_set_flags(&f.col, 0) == 0);
	send_mix(&f, v);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(v[i], XDP_PASS);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_TCP] + t.g.pkts[XS_C_IPV4_UDP] +
				t.g.pkts[XS_C_MALFORMED] + t.g.pkts[XS_C_ARP],
			4);
	xs_fixture_teardown(&f);
}

static const struct xs_test tests[] = {
	{ "mirror mode: counted, then dropped; inline again without it", test_mirror },
};

XS_RUN_SUITE("mirror mode", tests)
