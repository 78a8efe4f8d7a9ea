// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Per-destination bytes by protocol (udp_bytes, icmp_bytes), which the
 * udp_flood and icmp_flood rules turn into bits/s. */
#include <netinet/in.h>

#include "xs_test.h"

static struct xs_fixture f;

static void run(const char *src, const char *dst, int proto, int payload, int count,
		uint8_t icmp_type, int *len)
{
	struct xs_pkt_spec s;
	int i;

	xs_pkt_spec_init(&s, src, dst, proto, 5000, 6000);
	s.payload = payload;
	s.icmp_type = icmp_type;
	for (i = 0; i < count; i++)
		CU_ASSERT_EQUAL(xs_run_spec(&f, &s, len), 2 /* XDP_PASS */);
}

static void test_bytes_by_protocol(void)
{
	const struct xs_dst_entry *d;
	struct xs_tick t;
	int ludp, licmp, ltcp, l6udp, l6icmp, lfrag;
	struct xs_pkt_spec s;

	if (!xs_have_bpf())
		return;
	CU_ASSERT_EQUAL_FATAL(xs_fixture_setup(&f, NULL), 0);
	run("10.0.0.1", "10.0.0.9", IPPROTO_UDP, 500, 3, 0, &ludp);
	run("10.0.0.1", "10.0.0.9", IPPROTO_ICMP, 56, 2, 8, &licmp);
	run("10.0.0.1", "10.0.0.9", IPPROTO_TCP, 100, 4, 0, &ltcp);
	run("2001:db8::1", "2001:db8::9", IPPROTO_UDP, 1000, 2, 0, &l6udp);
	run("2001:db8::1", "2001:db8::9", IPPROTO_ICMPV6, 32, 5, 128, &l6icmp);
	/* A later fragment of UDP: no L4 header, counted as a fragment only. */
	xs_pkt_spec_init(&s, "10.0.0.1", "10.0.0.9", IPPROTO_UDP, 53, 4444);
	s.frag_offset = 185;
	s.payload = 700;
	CU_ASSERT_EQUAL(xs_run_spec(&f, &s, &lfrag), 2);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);

	d = xs_find_dst(&t, "10.0.0.9");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(ludp, 14 + 20 + 8 + 500);
	CU_ASSERT_EQUAL(d->v.udp, 3);
	CU_ASSERT_EQUAL(d->v.udp_bytes, 3ull * ludp);
	CU_ASSERT_EQUAL(d->v.icmp, 2);
	CU_ASSERT_EQUAL(d->v.icmp_bytes, 2ull * licmp);
	CU_ASSERT_EQUAL(d->v.frag, 1);
	CU_ASSERT_EQUAL(d->v.frag_bytes, (uint64_t)lfrag);
	CU_ASSERT_EQUAL(d->v.bytes, 3ull * ludp + 2ull * licmp + 4ull * ltcp + lfrag);

	d = xs_find_dst(&t, "2001:db8::9");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->v.udp_bytes, 2ull * l6udp);
	CU_ASSERT_EQUAL(d->v.icmp, 5);
	CU_ASSERT_EQUAL(d->v.icmp_bytes, 5ull * l6icmp);
	CU_ASSERT_EQUAL(d->v.bytes, 2ull * l6udp + 5ull * l6icmp);
	xs_fixture_teardown(&f);
}

static const struct xs_test tests[] = {
	{ "udp and icmp bytes per destination", test_bytes_by_protocol },
};

XS_RUN_SUITE("dst_bytes", tests)
