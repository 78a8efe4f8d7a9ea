// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The per-address tables (buckets of XS_TABLE_WAYS slots behind one line of
 * fingerprints) and their drain: a full bucket refuses new keys, counted,
 * while its keys go on counting; the CPUs' regions merge key by key, by a
 * sweep (a busy table) or by the lists (a quiet one); each drain empties
 * what it read, and a drain cut short leaves nothing for the next one.
 */
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xs_test.h"

/* One UDP packet from src to each of n destinations dst_base + i
 * (172.16.x.y). Returns how many the program passed. */
static int send_dsts(struct xs_fixture *f, const char *src, int first, int n)
{
	struct xs_pkt_spec s;
	char dst[32];
	int i, ok = 0;

	for (i = first; i < first + n; i++) {
		snprintf(dst, sizeof(dst), "172.16.%d.%d", i >> 8, i & 255);
		xs_pkt_spec_init(&s, src, dst, IPPROTO_UDP, 40000, 53);
		s.payload = 18;
		ok += xs_run_spec(f, &s, NULL) == 2;
	}
	return ok;
}

static bool on_cpu(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one) == 0;
}

static void all_cpus(void)
{
	cpu_set_t all;
	int i;

	CPU_ZERO(&all);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	sched_setaffinity(0, sizeof(all), &all);
}

/* 64 entries: 8 buckets (the least) of 15 slots. 1,000 destinations fill
 * every bucket; the 120 tracked ones keep counting. */
static void test_full_bucket(void)
{
	struct xs_fixture f;
	struct xs_sizes sz;
	struct xs_tick t;
	size_t i;

	xs_sizes_default(&sz);
	sz.dst_entries = 64;
	CU_ASSERT_FATAL(xs_fixture_setup(&f, &sz) == 0);
	CU_ASSERT_EQUAL(f.col.dbuckets, 8);
	on_cpu(0);
	CU_ASSERT_EQUAL(send_dsts(&f, "10.9.9.9", 0, 1000), 1000);
	CU_ASSERT_EQUAL(send_dsts(&f, "10.9.9.9", 0, 1000), 1000);
	all_cpus();
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.ndst, 8 * XS_TABLE_WAYS);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_DST_FULL], 2 * (1000 - 8 * XS_TABLE_WAYS));
	for (i = 0; i < t.ndst; i++)
		CU_ASSERT_EQUAL(t.dst[i].v.pkts, 2);
	/* The one source, on its own. */
	CU_ASSERT_EQUAL(t.nsrc, 1);
	CU_ASSERT_EQUAL(t.src[0].v.pkts, 2000);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_SRC_FULL], 0);
	/* Emptied by the drain: the next turn of this generation starts
	 * with every slot free. */
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.ndst, 0);
	on_cpu(0);
	CU_ASSERT_EQUAL(send_dsts(&f, "10.9.9.9", 5000, 100), 100);
	all_cpus();
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.ndst + t.g.cnt[XS_N_DST_FULL], 100);
	CU_ASSERT(t.ndst >= 8 * 9);	/* 100 keys: at most a few over 15 in a bucket */
	xs_fixture_teardown(&f);
}

/* The same keys on two CPUs merge into one entry each, their counters
 * summed; keys of one CPU alone stay as they are. quiet: few buckets
 * used (the lists are walked), else most (the table is swept). */
static void merge_two_cpus(bool quiet)
{
	struct xs_fixture f;
	struct xs_sizes sz;
	struct xs_tick t;
	const struct xs_dst_entry *e;
	int n = quiet ? 40 : 600, i;
	char a[32];

	if (libbpf_num_possible_cpus() < 2 || !on_cpu(1)) {
		printf("\n  SKIP: needs two CPUs\n");
		return;
	}
	xs_sizes_default(&sz);
	sz.dst_entries = quiet ? 65536 : 8192;
	sz.src_entries = 65536;
	CU_ASSERT_FATAL(xs_fixture_setup(&f, &sz) == 0);
	on_cpu(0);
	CU_ASSERT_EQUAL(send_dsts(&f, "10.1.1.1", 0, n), n);
	on_cpu(1);
	CU_ASSERT_EQUAL(send_dsts(&f, "10.1.1.2", 0, n), n);
	CU_ASSERT_EQUAL(send_dsts(&f, "10.1.1.2", 10000, n), n);
	all_cpus();
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_DST_FULL], 0);
	CU_ASSERT_EQUAL(t.ndst, 2 * (size_t)n);
	for (i = 0; i < n; i += quiet ? 1 : 7) {
		snprintf(a, sizeof(a), "172.16.%d.%d", i >> 8, i & 255);
		e = xs_find_dst(&t, a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->v.pkts, 2);
		CU_ASSERT_EQUAL(e->v.udp, 2);
		snprintf(a, sizeof(a), "172.16.%d.%d", (10000 + i) >> 8, (10000 + i) & 255);
		e = xs_find_dst(&t, a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->v.pkts, 1);
	}
	/* Both sources, each on its CPU. */
	CU_ASSERT_EQUAL(t.nsrc, 2);
	CU_ASSERT_EQUAL(xs_find_src(&t, "10.1.1.1")->v.pkts, (__u64)n);
	CU_ASSERT_EQUAL(xs_find_src(&t, "10.1.1.2")->v.pkts, 2 * (__u64)n);
	xs_fixture_teardown(&f);
}

static void test_merge_lists(void)
{
	merge_two_cpus(true);
}

static void test_merge_sweep(void)
{
	merge_two_cpus(false);
}

/* A daemon killed in the middle of a drain leaves a generation's buckets
 * in use: the next collector empties them before the generation is
 * written again, or those keys would come back with their old counts. */
static void test_cut_drain(void)
{
	struct xs_fixture f;
	struct xs_runtime rt;
	struct xs_tick t;
	__u32 zero = 0;

	CU_ASSERT_FATAL(xs_fixture_setup(&f, NULL) == 0);
	on_cpu(0);
	CU_ASSERT_EQUAL(send_dsts(&f, "10.2.2.2", 0, 50), 50);
	/* The flip without its drain: the epoch moves on, the buckets of
	 * generation 0 stay as they are. */
	CU_ASSERT_FATAL(bpf_map_lookup_elem(f.col.rt_fd, &zero, &rt) == 0);
	rt.epoch++;
	CU_ASSERT_FATAL(bpf_map_update_elem(f.col.rt_fd, &zero, &rt, BPF_ANY) == 0);
	xs_collector_free(&f.col);
	CU_ASSERT_FATAL(xs_collector_init(&f.col, &f.b, false, NULL, NULL) == 0);
	/* Generation 1 empty; then generation 0 again: only the new key. */
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.ndst, 0);
	CU_ASSERT_EQUAL(send_dsts(&f, "10.2.2.2", 1000, 1), 1);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.ndst, 1);
	CU_ASSERT_PTR_NOT_NULL(xs_find_dst(&t, "172.16.3.232"));
	all_cpus();
	xs_fixture_teardown(&f);
}

/* A source's slot remembers its last flow, so that the flow's next
 * packets skip the flow table; a slot claimed again by another source in a
 * later turn of the generation must not inherit it. 8 buckets of sources:
 * of 64 sources sending the flow that 10.3.3.3's slot remembered (same
 * destination, same ports), one takes that slot again. */
static void test_slot_flow_reset(void)
{
	struct xs_fixture f;
	struct xs_pkt_spec s;
	struct xs_sizes sz;
	struct xs_tick t;
	char src[32];
	int i, ok = 0;

	xs_sizes_default(&sz);
	sz.src_entries = 64;
	CU_ASSERT_FATAL(xs_fixture_setup(&f, &sz) == 0);
	on_cpu(0);
	xs_pkt_spec_init(&s, "10.3.3.3", "198.51.100.1", IPPROTO_UDP, 5000, 53);
	CU_ASSERT_EQUAL(xs_run_spec(&f, &s, NULL), 2);
	CU_ASSERT_EQUAL(xs_run_spec(&f, &s, NULL), 2);	/* known: its slot says so */
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 1);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);	/* the same generation again */
	f.nevents = 0;
	for (i = 0; i < 64; i++) {
		snprintf(src, sizeof(src), "10.4.4.%d", i);
		xs_pkt_spec_init(&s, src, "198.51.100.1", IPPROTO_UDP, 5000, 53);
		ok += xs_run_spec(&f, &s, NULL) == 2;
	}
	CU_ASSERT_EQUAL(ok, 64);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.nsrc, 64);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 64);
	CU_ASSERT_EQUAL(f.nevents, 64);
	all_cpus();
	xs_fixture_teardown(&f);
}

static const struct xs_test tests[] = {
	{ "a full bucket refuses new keys, counted; its keys go on counting", test_full_bucket },
	{ "two CPUs' keys merge, by the lists (a quiet table)", test_merge_lists },
	{ "two CPUs' keys merge, by a sweep (a busy table)", test_merge_sweep },
	{ "a drain cut short leaves nothing for the next", test_cut_drain },
	{ "a slot claimed again forgets its last owner's flow", test_slot_flow_reset },
};

XS_RUN_SUITE("per-address tables", tests)
