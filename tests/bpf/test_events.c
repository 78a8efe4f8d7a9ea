// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * New-flow events: one per flow, whatever CPU and however often the flow
 * is seen; over the per-tick budget or with the ring full, every event
 * not delivered is counted, exactly.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "xs_test.h"

static int send_flows(struct xs_fixture *f, int first_port, int n)
{
	struct xs_pkt_spec s;
	int i, ok = 0;

	for (i = 0; i < n; i++) {
		xs_pkt_spec_init(&s, "192.0.2.1", "198.51.100.7", IPPROTO_TCP, first_port + i, 80);
		s.tcp_flags = XS_TCP_SYN;
		ok += xs_run_spec(f, &s, NULL) == 2;
	}
	return ok;
}

static void test_once_per_flow(void)
{
	static unsigned char seen[65536];
	struct xs_fixture f;
	struct xs_tick t;
	size_t i;
	int dup = 0;

	CU_ASSERT_FATAL(xs_fixture_setup(&f, NULL) == 0);
	CU_ASSERT_EQUAL(send_flows(&f, 10000, 500), 500);
	/* Each packet of these flows again, twice. */
	CU_ASSERT_EQUAL(send_flows(&f, 10000, 500), 500);
	CU_ASSERT_EQUAL(send_flows(&f, 10000, 500), 500);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_TCP], 1500);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 500);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_EV_SENT], 500);
	CU_ASSERT_EQUAL_FATAL(f.nevents, 500);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < f.nevents; i++) {
		int p = ntohs(f.events[i].sport);

		dup += seen[p]++ != 0;
		CU_ASSERT(p >= 10000 && p < 10500);
	}
	CU_ASSERT_EQUAL(dup, 0);
	/* In a later tick the flows are still known. */
	f.nevents = 0;
	CU_ASSERT_EQUAL(send_flows(&f, 10000, 500), 500);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(f.nevents, 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 0);
	xs_fixture_teardown(&f);
}

/* Over the budget the flow table is not looked up: the packet is counted
 * as an event lost to the budget, and a new flow is reported when it shows
 * again in a tick with budget left -- once, as ever. */
static void test_budget(void)
{
	static unsigned char seen[65536];
	struct xs_fixture f;
	struct xs_tick t;
	size_t i;
	int dup = 0;

	CU_ASSERT_FATAL(xs_fixture_setup(&f, NULL) == 0);
	CU_ASSERT_FATAL(xs_collector_set_budget(&f.col, 100) == 0);
	send_flows(&f, 20000, 300);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 100);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_EV_SENT], 100);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_EV_BUDGET], 200);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_EV_RINGFULL], 0);
	CU_ASSERT_EQUAL(f.nevents, 100);
	/* The budget is per tick: the next tick has a fresh one, and the 200
	 * flows not looked up are new in it. */
	CU_ASSERT_FATAL(xs_collector_set_budget(&f.col, 1000) == 0);
	send_flows(&f, 20000, 300);
	send_flows(&f, 30000, 50);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 250);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_EV_SENT], 250);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_EV_BUDGET], 0);
	CU_ASSERT_EQUAL_FATAL(f.nevents, 350);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < f.nevents; i++) {
		int p = ntohs(f.events[i].sport);

		dup += seen[p]++ != 0;
		CU_ASSERT((p >= 20000 && p < 20300) || (p >= 30000 && p < 30050));
	}
	CU_ASSERT_EQUAL(dup, 0);
	/* Budget 0 turns events off: no lookup, every such packet counted. */
	CU_ASSERT_FATAL(xs_collector_set_budget(&f.col, 0) == 0);
	f.nevents = 0;
	send_flows(&f, 40000, 10);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_EV_BUDGET], 10);
	CU_ASSERT_EQUAL(f.nevents, 0);
	xs_fixture_teardown(&f);
}

static void test_ring_full(void)
{
	struct xs_fixture f;
	struct xs_sizes sz;
	struct xs_tick t;

	xs_sizes_default(&sz);
	sz.dst_entries = sz.src_entries = 1024;
	sz.ringbuf_bytes = 4096;	/* one page: 63 records of 64 bytes */
	CU_ASSERT_FATAL(xs_fixture_setup(&f, &sz) == 0);
	send_flows(&f, 1000, 200);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 200);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_EV_SENT], 63);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_EV_RINGFULL], 137);
	CU_ASSERT_EQUAL(f.nevents, t.g.cnt[XS_N_EV_SENT]);
	/* Once drained the ring takes events again. */
	f.nevents = 0;
	send_flows(&f, 2000, 10);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_EV_SENT], 10);
	CU_ASSERT_EQUAL(f.nevents, 10);
	xs_fixture_teardown(&f);
}

static void test_flows_off(void)
{
	struct xs_fixture f;
	struct xs_tick t;

	CU_ASSERT_FATAL(xs_fixture_setup(&f, NULL) == 0);
	CU_ASSERT_FATAL(xs_collector_set_flags(&f.col, XS_RT_FLOWS_OFF) == 0);
	send_flows(&f, 1000, 20);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_TCP], 20);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 0);
	CU_ASSERT_EQUAL(f.nevents, 0);
	xs_fixture_teardown(&f);
}

static void test_flow_expiry(void)
{
	struct xs_fixture f;
	struct xs_tick t;
	int i;

	CU_ASSERT_FATAL(xs_fixture_setup(&f, NULL) == 0);
	CU_ASSERT_FATAL(xs_collector_set_flow_ttl(&f.col, 3) == 0);
	send_flows(&f, 5000, 10);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 10);
	/* Seen again within the ttl: still known, and refreshed. */
	for (i = 0; i < 3; i++) {
		xs_flip(&f, &t);
		send_flows(&f, 5000, 5);	/* the first 5 only */
		CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
		CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 0);
	}
	/* Four more quiet ticks: the 5 refreshed flows are still within
	 * the ttl of 3 ticks? No: 4 > 3, all 10 expired. */
	for (i = 0; i < 4; i++)
		xs_flip(&f, &t);
	f.nevents = 0;
	send_flows(&f, 5000, 10);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 10);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_FULL], 0);
	CU_ASSERT_EQUAL(f.nevents, 10);
	xs_fixture_teardown(&f);
}

static void test_flow_table_full(void)
{
	struct xs_fixture f;
	struct xs_sizes sz;
	struct xs_tick t;

	/* 64 slots, 8 probes each: 1,000 flows in one tick evict live ones,
	 * each eviction counted; every flow is still reported once. */
	xs_sizes_default(&sz);
	sz.dst_entries = sz.src_entries = 1024;
	sz.flow_entries = 64;
	CU_ASSERT_FATAL(xs_fixture_setup(&f, &sz) == 0);
	send_flows(&f, 1000, 1000);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 1000);
	CU_ASSERT_EQUAL(f.nevents, 1000);
	CU_ASSERT(t.g.cnt[XS_N_FLOW_FULL] >= 1000 - 64);
	CU_ASSERT(t.g.cnt[XS_N_FLOW_FULL] <= 1000);
	xs_fixture_teardown(&f);
}

static const struct xs_test tests[] = {
	{ "flows unseen for the ttl are forgotten", test_flow_expiry },
	{ "flow table full: the oldest flows are evicted, counted", test_flow_table_full },
	{ "one event per flow, never repeated", test_once_per_flow },
	{ "per-tick budget: over it no lookup, counted; reported in a later tick", test_budget },
	{ "ring buffer full: events not sent are counted", test_ring_full },
	{ "flow tracking off", test_flows_off },
};

XS_RUN_SUITE("new-flow events", tests)
