// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Epoch flips: packets before a flip land in the old generation and
 * packets after it in the new one; across 1,000 flips, with the program
 * running concurrently on another CPU, nothing is lost or counted twice.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "xs_test.h"

#define FLIPS 1000

static void test_sequential_flips(void)
{
	struct xs_fixture f;
	struct xs_pkt_spec s;
	uint8_t buf[256];
	struct xs_tick t;
	int len, i, k;
	__u64 total = 0;

	CU_ASSERT_FATAL(xs_fixture_setup(&f, NULL) == 0);
	xs_pkt_spec_init(&s, "192.0.2.1", "198.51.100.7", IPPROTO_UDP, 1, 2);
	len = xs_pkt_build(&s, buf, sizeof(buf));
	for (i = 0; i < FLIPS; i++) {
		const struct xs_dst_entry *d;
		int n = i % 7 + 1;	/* a different count in each tick */

		for (k = 0; k < n; k++)
			CU_ASSERT_EQUAL(xs_run_frame(&f, buf, len), 2);
		CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
		CU_ASSERT_EQUAL(t.epoch, (__u32)i);
		CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_UDP], (__u64)n);
		CU_ASSERT_EQUAL(t.g.bytes[XS_C_IPV4_UDP], (__u64)n * len);
		d = xs_find_dst(&t, "198.51.100.7");
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		CU_ASSERT_EQUAL(d->v.pkts, (__u64)n);
		CU_ASSERT_EQUAL(t.ndst, 1);
		total += n;
	}
	CU_ASSERT_EQUAL(f.col.totals.g.pkts[XS_C_IPV4_UDP], total);
	/* Both generations are empty now. */
	CU_ASSERT_EQUAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(xs_global_total_pkts(&t.g), 0);
	CU_ASSERT_EQUAL(t.ndst, 0);
	xs_fixture_teardown(&f);
}

struct sender {
	int prog_fd;
	uint8_t buf[256];
	int len;
	atomic_int stop;
	__u64 sent;
};

static void *send_loop(void *arg)
{
	struct sender *s = arg;
	cpu_set_t set;

	/* Run on the other CPU where there is one, so that the program
	 * really runs while userspace flips. */
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!atomic_load(&s->stop)) {
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = s->buf,
				    .data_size_in = s->len, .repeat = 1);

		/* repeat = 1: on this kernel a test run with repeat > 1
		 * sleeps ~20 ms per call. */
		if (bpf_prog_test_run_opts(s->prog_fd, &opts) == 0)
			s->sent++;
	}
	return NULL;
}

static void test_concurrent_flips(void)
{
	struct xs_fixture f;
	struct xs_pkt_spec ps;
	struct sender snd = {};
	struct xs_tick t;
	pthread_t th;
	__u64 seen = 0, seen_dst = 0;
	int i, nonempty = 0;

	CU_ASSERT_FATAL(xs_fixture_setup(&f, NULL) == 0);
	f.col.fence = true;	/* as live: the program runs while we flip */
	xs_pkt_spec_init(&ps, "192.0.2.1", "198.51.100.7", IPPROTO_TCP, 1, 2);
	snd.len = xs_pkt_build(&ps, snd.buf, sizeof(snd.buf));
	snd.prog_fd = f.prog_fd;
	CU_ASSERT_FATAL(pthread_create(&th, NULL, send_loop, &snd) == 0);
	for (i = 0; i < FLIPS; i++) {
		const struct xs_dst_entry *d;
		__u64 n;

		CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
		n = t.g.pkts[XS_C_IPV4_TCP];
		d = xs_find_dst(&t, "198.51.100.7");
		/* Within one generation the global and per-destination counts
		 * agree: no packet straddles a flip. */
		CU_ASSERT_EQUAL(d ? d->v.pkts : 0, n);
		seen += n;
		seen_dst += d ? d->v.pkts : 0;
		nonempty += n > 0;
	}
	atomic_store(&snd.stop, 1);
	pthread_join(th, NULL);
	/* The last packets are in the current generation (and the one before
	 * it is empty): two more flips collect them. */
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
		seen += t.g.pkts[XS_C_IPV4_TCP];
	}
	printf("\n  %llu packets sent through %d flips (%d generations non-empty)",
	       (unsigned long long)snd.sent, FLIPS, nonempty);
	CU_ASSERT(snd.sent > 0);
	CU_ASSERT_EQUAL(seen, snd.sent);
	CU_ASSERT(nonempty > FLIPS / 10);
	xs_fixture_teardown(&f);
}

static const struct xs_test tests[] = {
	{ "1,000 flips: each generation holds exactly its packets", test_sequential_flips },
	{ "1,000 fenced flips while the program runs: nothing lost or doubled",
	  test_concurrent_flips },
};

XS_RUN_SUITE("epoch flip", tests)
