// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Source admission (bpf/account.h admit_src): once a destination's packets
 * have added admit_after new sources to a CPU's source table in a tick, a
 * new source reaching it is added only if its keyed hash is in the sample.
 * The destination's own counters stay exact, sources already known go on
 * counting, what is left out is counted, the flows of unadmitted sources
 * neither probe the flow table nor spend events, other destinations are
 * untouched, and the next tick starts again. Under a fixed secret the test
 * knows which sources the sample holds.
 */
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "xs_test.h"
#include "names.h"
#include "xs_hash.h"

#define AFTER 10
#define SHIFT 2		/* 1 in 4 */
#define SPOOFED 300
#define OTHERS (AFTER - 1)

static const struct xs_secret secret = { { 0x5eed2001, 0x5eed2002, 0x5eed2003, 0x5eed2004 } };
static struct xs_fixture f;

static int setup(void)
{
	int err;

	xs_bpf_set_secret(&secret);
	err = xs_fixture_setup(&f, NULL);
	xs_bpf_set_secret(NULL);
	return err;
}

static int teardown(void)
{
	xs_fixture_teardown(&f);
	return 0;
}

/* Whether the program's admission sample holds this source (the kernel's
 * arithmetic, bpf/sketch.h xs_hash_addr and admit_src, redone here). */
static bool sampled(const char *addr)
{
	struct xs_addr a;
	uint64_t w[2];

	CU_ASSERT_FATAL(xs_addr_parse(addr, &a) == 0);
	memcpy(w, a.a, 16);
	return !((xs_sip_2w(secret.k[0], secret.k[1], w[0], w[1]) >> 40) & ((1u << SHIFT) - 1));
}

static void pkt(const char *src, const char *dst, uint8_t proto, uint16_t sport, uint8_t flags)
{
	struct xs_pkt_spec s;

	xs_pkt_spec_init(&s, src, dst, proto, sport, proto == IPPROTO_TCP ? 80 : 53);
	s.tcp_flags = flags;
	CU_ASSERT_EQUAL(xs_run_spec(&f, &s, NULL), 2);	/* XDP_PASS */
}

static void spoofed_name(char *buf, size_t n, int i)
{
	snprintf(buf, n, "10.1.%d.%d", i >> 8, i & 255);
}

static void on_cpu0(bool on)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < (on ? 1 : CPU_SETSIZE); i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void test_flooded_destination(void)
{
	const char *victim = "198.18.0.10", *other = "198.18.0.20";
	char known[32], a[32];
	const struct xs_dst_entry *d;
	const struct xs_src_entry *s;
	struct xs_tick t;
	uint64_t in_sample = 0, acks_out = 0;
	int i;

	/* A known source the sample does not hold: found by its slot, not
	 * by luck. */
	for (i = 1; i < 255; i++) {
		snprintf(known, sizeof(known), "10.0.0.%d", i);
		if (!sampled(known))
			break;
	}
	CU_ASSERT_FATAL(i < 255);
	CU_ASSERT_FATAL(xs_collector_set_admission(&f.col, AFTER, SHIFT) == 0);
	on_cpu0(true);
	pkt(known, victim, IPPROTO_TCP, 1000, XS_TCP_SYN);
	for (i = 0; i < SPOOFED; i++) {
		spoofed_name(a, sizeof(a), i);
		pkt(a, victim, IPPROTO_TCP, 2000, XS_TCP_SYN);
		/* The first AFTER - 1 come before the bar (the known source
		 * was the first new one). */
		in_sample += i >= AFTER - 1 && sampled(a);
	}
	/* Its next SYNs: new flows of a source the table knows. */
	for (i = 1; i <= 5; i++)
		pkt(known, victim, IPPROTO_TCP, 1000 + i, XS_TCP_SYN);
	/* Out-of-state ACKs from new sources: the admitted ones are asked
	 * about in the flow table (bpf/probe.h), the others nowhere. */
	for (i = 0; i < 20; i++) {
		snprintf(a, sizeof(a), "10.3.0.%d", i);
		pkt(a, victim, IPPROTO_TCP, 3000, XS_TCP_ACK);
		acks_out += !sampled(a);
	}
	/* Another destination's new sources, fewer than the bar: none of
	 * the victim's business. */
	for (i = 0; i < OTHERS; i++) {
		snprintf(a, sizeof(a), "10.2.0.%d", i);
		pkt(a, other, IPPROTO_UDP, 4000, 0);
	}
	on_cpu0(false);
	printf("\n  %llu of %d spoofed sources past the bar in the sample, %llu of 20 ACK sources out",
	       (unsigned long long)in_sample, SPOOFED - (AFTER - 1), (unsigned long long)acks_out);
	/* The sample is a sample: neither all nor none (about a quarter). */
	CU_ASSERT(in_sample > 30 && in_sample < 120);

	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	d = xs_find_dst(&t, victim);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	/* The victim's counters are exact. */
	CU_ASSERT_EQUAL(d->v.pkts, 1 + SPOOFED + 5 + 20);
	CU_ASSERT_EQUAL(d->v.syn, 1 + SPOOFED + 5);
	CU_ASSERT_EQUAL(d->v.ack, 20);
	CU_ASSERT_EQUAL(d->v.new_src, AFTER + in_sample + (20 - acks_out));
	CU_ASSERT_EQUAL(d->v.unadmitted, SPOOFED - (AFTER - 1) - in_sample + acks_out);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_SRC_UNADMITTED], d->v.unadmitted);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_UNADMITTED], SPOOFED - (AFTER - 1) - in_sample + acks_out);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_SRC_FULL], 0);
	/* The known source, every packet. */
	s = xs_find_src(&t, known);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->v.pkts, 6);
	CU_ASSERT_EQUAL(s->v.syn, 6);
	/* Which spoofed sources have a slot: exactly the admitted ones. */
	for (i = 0; i < SPOOFED; i++) {
		spoofed_name(a, sizeof(a), i);
		s = xs_find_src(&t, a);
		CU_ASSERT_EQUAL(s != NULL, i < AFTER - 1 || sampled(a));
		if (s)
			CU_ASSERT_EQUAL(s->v.syn, 1);
	}
	CU_ASSERT_EQUAL(t.nsrc, 1 + (AFTER - 1) + in_sample + (20 - acks_out) + OTHERS);
	/* Flows: the known source's 6, the admitted spoofed SYNs and ACKs,
	 * the other destination's. */
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 6 + (AFTER - 1) + in_sample + (20 - acks_out) + OTHERS);
	d = xs_find_dst(&t, other);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->v.pkts, OTHERS);
	CU_ASSERT_EQUAL(d->v.new_src, OTHERS);
	CU_ASSERT_EQUAL(d->v.unadmitted, 0);

	/* The next tick starts again: AFTER new sources before the bar. */
	on_cpu0(true);
	for (i = 0; i < AFTER; i++) {
		spoofed_name(a, sizeof(a), 1000 + i);
		pkt(a, victim, IPPROTO_TCP, 2000, XS_TCP_SYN);
	}
	on_cpu0(false);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.nsrc, AFTER);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_SRC_UNADMITTED], 0);
	CU_ASSERT_EQUAL(xs_collector_set_admission(&f.col, 0, 0), 0);
}

/* Off (after 0): every new source is added, however many. */
static void test_off(void)
{
	struct xs_tick t;
	char a[32];
	int i;

	CU_ASSERT_FATAL(xs_collector_set_admission(&f.col, 0, SHIFT) == 0);
	on_cpu0(true);
	for (i = 0; i < SPOOFED; i++) {
		spoofed_name(a, sizeof(a), i);
		pkt(a, "198.18.0.10", IPPROTO_TCP, 2000, XS_TCP_SYN);
	}
	on_cpu0(false);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.nsrc, SPOOFED);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_SRC_UNADMITTED] + t.g.cnt[XS_N_FLOW_UNADMITTED], 0);
	CU_ASSERT_EQUAL(xs_find_dst(&t, "198.18.0.10")->v.new_src, SPOOFED);
}

/* What admission is for beyond the cost: a spoofed flood of 10,000
 * sources into a table of 4,096 fills it, and then a scanner anywhere else
 * has no slot (src_map_full): every per-source rule is blind. Admitted
 * by sample, the flood leaves the table open. */
static int others_tracked(bool admission)
{
	struct xs_tick t;
	char a[32];
	int i, found = 0;

	/* A bar above the other destination's 100 new sources. */
	CU_ASSERT_FATAL(xs_collector_set_admission(&f.col, admission ? 200 : 0, 4) == 0);
	on_cpu0(true);
	for (i = 0; i < 10000; i++) {
		snprintf(a, sizeof(a), "10.%d.%d.%d", 100 + (i >> 16), (i >> 8) & 255, i & 255);
		pkt(a, "198.18.0.10", IPPROTO_TCP, 2000, XS_TCP_SYN);
	}
	for (i = 0; i < 100; i++) {
		snprintf(a, sizeof(a), "10.4.0.%d", i);
		pkt(a, "198.18.0.30", IPPROTO_UDP, 4000, 0);
	}
	on_cpu0(false);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(xs_find_dst(&t, "198.18.0.10")->v.syn, 10000);
	for (i = 0; i < 100; i++) {
		snprintf(a, sizeof(a), "10.4.0.%d", i);
		found += xs_find_src(&t, a) != NULL;
	}
	printf("\n  admission %s: %zu sources tracked, %llu packets in src_map_full, "
	       "%d of the other destination's 100 sources tracked",
	       admission ? "on" : "off", t.nsrc, (unsigned long long)t.g.cnt[XS_N_SRC_FULL], found);
	if (admission)
		CU_ASSERT_EQUAL(t.g.cnt[XS_N_SRC_FULL], 0);
	CU_ASSERT_EQUAL(xs_collector_set_admission(&f.col, 0, 0), 0);
	return found;
}

static void test_table_stays_open(void)
{
	CU_ASSERT_EQUAL(others_tracked(false), 0);
	CU_ASSERT_EQUAL(others_tracked(true), 100);
}

static const struct xs_test tests[] = {
	{ "a flooded destination admits a sample of new sources, exactly counted", test_flooded_destination },
	{ "admission off: every new source is added", test_off },
	{ "a spoofed flood leaves the source table open for everyone else", test_table_stays_open },
};

int main(void)
{
	return xs_test_main("admission", tests, sizeof(tests) / sizeof(tests[0]), setup, teardown);
}
