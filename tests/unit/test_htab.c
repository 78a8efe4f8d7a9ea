// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The engine's hash table and window helpers, against a reference. */
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "window.h"
#include "xs_test.h"

struct key {
	uint32_t a, b, c;
};

static void test_insert_find_delete(void)
{
	struct xs_htab t;
	struct key k = { 1, 2, 3 };
	bool created;
	void *e;

	CU_ASSERT_EQUAL_FATAL(xs_htab_init(&t, sizeof(k), 8, 100), 0);
	CU_ASSERT_PTR_NULL(xs_htab_find(&t, &k, xs_hash(&k, sizeof(k))));
	e = xs_htab_insert(&t, &k, xs_hash(&k, sizeof(k)), &created);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT(created);
	CU_ASSERT_EQUAL(*(uint64_t *)xs_htab_val(&t, e), 0);
	*(uint64_t *)xs_htab_val(&t, e) = 42;
	e = xs_htab_insert(&t, &k, xs_hash(&k, sizeof(k)), &created);
	CU_ASSERT(!created);
	CU_ASSERT_EQUAL(*(uint64_t *)xs_htab_val(&t, e), 42);
	CU_ASSERT_EQUAL(t.count, 1);
	CU_ASSERT_EQUAL(xs_htab_delete(&t, &k, xs_hash(&k, sizeof(k))), 0);
	CU_ASSERT_EQUAL(xs_htab_delete(&t, &k, xs_hash(&k, sizeof(k))), -ENOENT);
	CU_ASSERT_EQUAL(t.count, 0);
	xs_htab_free(&t);
}

static void test_limit_overflow(void)
{
	struct xs_htab t;
	struct key k = {};
	bool created;
	uint32_t i;

	CU_ASSERT_EQUAL_FATAL(xs_htab_init(&t, sizeof(k), 4, 1000), 0);
	for (i = 0; i < 1500; i++) {
		k.a = i;
		void *e = xs_htab_insert(&t, &k, xs_hash(&k, sizeof(k)), &created);

		CU_ASSERT_EQUAL(e != NULL, i < 1000);
	}
	CU_ASSERT_EQUAL(t.count, 1000);
	CU_ASSERT_EQUAL(t.overflow, 500);
	/* Existing keys are still found and updated at the limit. */
	k.a = 999;
	CU_ASSERT_PTR_NOT_NULL(xs_htab_insert(&t, &k, xs_hash(&k, sizeof(k)), &created));
	CU_ASSERT(!created);
	CU_ASSERT_EQUAL(t.overflow, 500);
	xs_htab_free(&t);
}

/* Random inserts and deletes, and deletion while iterating, against a
 * plain array: every key present is found, every absent one is not, and
 * an iteration visits each present entry exactly once. */
static void test_against_reference(void)
{
	enum { N = 5000 };
	static uint8_t present[N], seen[N], before[N];
	struct xs_htab t;
	struct xs_htab_iter it;
	struct key k = {};
	bool created;
	uint32_t i, round, live = 0;
	void *e;

	memset(present, 0, sizeof(present));
	CU_ASSERT_EQUAL_FATAL(xs_htab_init(&t, sizeof(k), 4, 4000), 0);
	srand(7);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 3000; i++) {
			k.a = (uint32_t)rand() % N;
			if (rand() % 3) {
				e = xs_htab_insert(&t, &k, xs_hash(&k, sizeof(k)), &created);
				if (e && created) {
					present[k.a] = 1;
					*(uint32_t *)xs_htab_val(&t, e) = k.a;
					live++;
				}
			} else if (!xs_htab_delete(&t, &k, xs_hash(&k, sizeof(k)))) {
				present[k.a] = 0;
				live--;
			}
		}
		CU_ASSERT_EQUAL(t.count, live);
		for (i = 0; i < N; i++) {
			k.a = i;
			e = xs_htab_find(&t, &k, xs_hash(&k, sizeof(k)));
			CU_ASSERT_EQUAL(e != NULL, present[i]);
			if (e)
				CU_ASSERT_EQUAL(*(uint32_t *)xs_htab_val(&t, e), i);
		}
		/* Iterate, deleting the odd keys. */
		memset(seen, 0, sizeof(seen));
		memcpy(before, present, sizeof(before));
		for (e = xs_htab_first(&t, &it); e; e = xs_htab_next(&t, &it)) {
			uint32_t a = ((struct key *)e)->a;

			CU_ASSERT(present[a]);
			CU_ASSERT_EQUAL(seen[a], 0);
			seen[a]++;
			if (a & 1) {
				xs_htab_iter_delete(&t, &it);
				present[a] = 0;
				live--;
			}
		}
		for (i = 0; i < N; i++)
			CU_ASSERT_EQUAL(seen[i], before[i]);
		CU_ASSERT_EQUAL(t.count, live);
		for (i = 0; i < N; i++) {
			k.a = i;
			CU_ASSERT_EQUAL(xs_htab_find(&t, &k, xs_hash(&k, sizeof(k))) != NULL,
					present[i]);
		}
	}
	xs_htab_free(&t);
}

static void test_ring_window(void)
{
	struct xs_wgeom g;
	uint32_t ring[16], head = UINT32_MAX, id, sum, now;

	/* 10-tick windows fit in 11 one-tick slots. */
	xs_wgeom_init(&g, 10, 64);
	CU_ASSERT_EQUAL(g.gran, 1);
	CU_ASSERT_EQUAL(g.nslots, 11);
	/* 600-tick windows: slots of 10 ticks. */
	xs_wgeom_init(&g, 600, 64);
	CU_ASSERT_EQUAL(g.gran, 10);
	CU_ASSERT_EQUAL(g.nslots, 61);

	xs_wgeom_init(&g, 5, 16);
	memset(ring, 0xff, sizeof(ring));
	/* One unit at each tick 1..20; a 5-tick window always holds 5. */
	for (now = 1; now <= 20; now++) {
		xs_ring_advance(ring, sizeof(ring[0]), &g, &head, xs_wslot_id(&g, now));
		ring[head % g.nslots]++;
		if (now == 1)
			CU_ASSERT_EQUAL(ring[head % g.nslots], 1);	/* zeroed first */
		sum = 0;
		for (id = xs_wfirst_id(&g, now, 5); id <= head; id++) {
			uint32_t *s = xs_ring_slot(ring, sizeof(ring[0]), &g, head, id);

			if (s)
				sum += *s;
		}
		CU_ASSERT_EQUAL(sum, now < 5 ? now : 5);
	}
	/* A jump longer than the ring clears it. */
	xs_ring_advance(ring, sizeof(ring[0]), &g, &head, xs_wslot_id(&g, 100));
	for (id = xs_wfirst_id(&g, 100, 5); id <= 100; id++) {
		uint32_t *s = xs_ring_slot(ring, sizeof(ring[0]), &g, head, id);

		CU_ASSERT(!s || *s == 0);
	}
}

static void test_topk_and_ewma(void)
{
	struct xs_topk t = {};
	struct xs_addr a[6] = {};
	struct xs_ewma e = {};
	int idx[XS_TOPK], i, n;

	for (i = 0; i < 6; i++)
		a[i].a[15] = (uint8_t)i;
	/* a[0] 10 times, a[1] 5 times, then a[2..5] once each. */
	for (i = 0; i < 10; i++)
		xs_topk_add(&t, &a[0]);
	for (i = 0; i < 5; i++)
		xs_topk_add(&t, &a[1]);
	for (i = 2; i < 6; i++)
		xs_topk_add(&t, &a[i]);
	n = xs_topk_sorted(&t, idx);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(memcmp(&t.a[idx[0]], &a[0], sizeof(a[0])), 0);
	CU_ASSERT_EQUAL(t.n[idx[0]] - t.err[idx[0]], 10);
	CU_ASSERT_EQUAL(memcmp(&t.a[idx[1]], &a[1], sizeof(a[1])), 0);
	CU_ASSERT_EQUAL(t.n[idx[1]] - t.err[idx[1]], 5);

	for (i = 0; i < 1000; i++)
		xs_ewma_add(&e, i % 2 ? 110 : 90, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(e.mean, 100, 1.5);
	CU_ASSERT_DOUBLE_EQUAL(e.var, 100, 5);	/* stddev 10 */
}

static const struct xs_test tests[] = {
	{ "insert, find, delete", test_insert_find_delete },
	{ "limit: refused and counted", test_limit_overflow },
	{ "random operations against a reference", test_against_reference },
	{ "ring windows slide by whole ticks", test_ring_window },
	{ "space-saving top-k and EWMA", test_topk_and_ewma },
};

XS_RUN_SUITE("htab", tests)
