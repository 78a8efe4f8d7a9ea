// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Random and mutated frames through the XDP program: every verdict is
 * XDP_PASS and the counters stay consistent with what was sent (classes
 * sum to the frames, bytes to their lengths, each malformed frame has one
 * reason, per-address aggregates cover exactly the IP frames). XS_FUZZ_N
 * sets the number of frames (make fuzz runs millions).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_test.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	/* xorshift64*: deterministic, seedable */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* A valid frame of a random kind, then mutated: random bytes flipped in
 * the headers, maybe truncated, maybe lengthened with garbage. */
static int make_frame(uint8_t *buf, size_t cap)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6,
					  47 };
	static const uint8_t exts[] = { 0, 43, 60, 44, 51 };
	struct xs_pkt_spec s;
	uint64_t r = next_rand();
	bool v6 = r & 1;
	int len, i, flips;

	xs_pkt_spec_init(&s, v6 ? "2001:db8::1" : "10.0.0.1", v6 ? "2001:db8::2" : "10.0.0.2",
			 protos[(r >> 1) % 5], r >> 8 & 0xffff, r >> 24 & 0xffff);
	if (v6 && s.proto == IPPROTO_ICMP)
		s.proto = IPPROTO_ICMPV6;
	if (!v6 && s.proto == IPPROTO_ICMPV6)
		s.proto = IPPROTO_ICMP;
	s.src.a[15] = r >> 40;
	s.dst.a[15] = r >> 48;
	s.tcp_flags = r >> 56;
	s.nvlan = (r >> 20) % 3;
	s.vlan_tpid[0] = (r >> 22) & 1 ? 0x88a8 : 0x8100;
	if (!v6) {
		s.ipv4_opt_words = (r >> 30) % 4;
		if ((r >> 33) % 4 == 0)
			s.frag_offset = (r >> 35) % 100;
		s.more_frags = (r >> 37) & 1;
	} else {
		s.nipv6_ext = (r >> 30) % 4;
		for (i = 0; i < s.nipv6_ext; i++)
			s.ipv6_ext[i] = exts[(r >> (33 + 3 * i)) % 5];
	}
	s.payload = next_rand() % 200;
	len = xs_pkt_build(&s, buf, cap);
	if (len < 0)
		return -1;
	r = next_rand();
	flips = r % 4;
	for (i = 0; i < flips; i++) {
		uint64_t x = next_rand();

		buf[x % (len < 80 ? len : 80)] ^= (uint8_t)(x >> 32) | 1;
	}
	if ((r >> 8) % 4 == 0)
		len = 14 + (int)((r >> 16) % (len - 13));	/* truncate (>= 14: see below) */
	else if ((r >> 8) % 8 == 1 && len + 64 < (int)cap) {
		for (i = 0; i < 64; i++)
			buf[len + i] = next_rand();
		len += 64;
	}
	return len;
}

static void test_fuzz_frames(void)
{
	const char *env = getenv("XS_FUZZ_N");
	long n = env ? atol(env) : 100000, i;
	struct xs_fixture f;
	struct xs_sizes sz;
	struct xs_tick t;
	uint8_t buf[XS_PKT_MAX];
	__u64 frames = 0, bytes = 0, ip = 0, errs = 0, dst_pkts = 0, src_pkts = 0, bad = 0;
	__u64 ip_addr = 0;
	size_t k;
	int c;

	xs_sizes_default(&sz);
	CU_ASSERT_FATAL(xs_fixture_setup(&f, &sz) == 0);
	xs_flip(&f, &t);
	for (i = 0; i < n; i++) {
		int len = make_frame(buf, sizeof(buf));

		/* Test runs refuse frames shorter than an Ethernet header. */
		if (len < 14)
			continue;
		if (xs_run_frame(&f, buf, len) != 2)
			bad++;
		frames++;
		bytes += len;
		if (i % 4096 == 4095)
			xs_collector_poll_events(&f.col);
	}
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(xs_global_total_pkts(&t.g), frames);
	CU_ASSERT_EQUAL(xs_global_total_bytes(&t.g), bytes);
	for (c = 0; c < XS_E_MAX; c++)
		errs += t.g.err[c];
	CU_ASSERT_EQUAL(errs, t.g.pkts[XS_C_MALFORMED]);
	for (c = 0; c < XS_C_ARP; c++)
		ip += t.g.pkts[c];
	for (k = 0; k < t.ndst; k++)
		dst_pkts += t.dst[k].v.pkts;
	for (k = 0; k < t.nsrc; k++)
		src_pkts += t.src[k].v.pkts;
	/* Every IP frame whose addresses were read reached the per-address
	 * maps (they are big enough not to fill): the well-formed ones, and
	 * the malformed ones refused after their addresses (issue 13). */
	for (c = XS_E_IPV6_EXT_TRUNC; c <= XS_E_ICMP6_TRUNC; c++)
		ip_addr += t.g.err[c];
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_DST_FULL] + t.g.cnt[XS_N_SRC_FULL], 0);
	CU_ASSERT_EQUAL(dst_pkts, ip + ip_addr);
	CU_ASSERT_EQUAL(src_pkts, ip + ip_addr);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW],
			t.g.cnt[XS_N_EV_SENT] + t.g.cnt[XS_N_EV_BUDGET] + t.g.cnt[XS_N_EV_RINGFULL]);
	CU_ASSERT_EQUAL(f.nevents, t.g.cnt[XS_N_EV_SENT]);
	printf("\n  %llu frames: %llu IP, %llu malformed, %llu flows", (unsigned long long)frames,
	       (unsigned long long)ip, (unsigned long long)t.g.pkts[XS_C_MALFORMED],
	       (unsigned long long)t.g.cnt[XS_N_FLOW_NEW]);
	xs_fixture_teardown(&f);
}

static const struct xs_test tests[] = {
	{ "random and mutated frames: counters stay consistent", test_fuzz_frames },
};

XS_RUN_SUITE("frame fuzzing", tests)
