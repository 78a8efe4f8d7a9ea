// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The engine's hash table and window helpers, against a reference. */
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "siphash.h"
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

/* ---- hash-collision floods (issue 13) ---- */

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t inv_mul(uint64_t a)
{
	uint64_t x = a;
	int i;

	for (i = 0; i < 6; i++)
		x *= 2 - a * x;
	return x;
}

/* The engine's old, public hash of a 16-byte key inverted: the second word
 * that gives the output out, for a fixed first word w0. */
static uint64_t old_hash_preimage(uint64_t w0, uint64_t out)
{
	const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
	uint64_t h0 = 0x9e3779b97f4a7c15ULL ^ 16, h1, h2 = out;

	h1 = rotl(h0 ^ (w0 * c1), 31) * c2;
	/* undo mix64 */
	h2 ^= h2 >> 33;
	h2 *= inv_mul(0xc4ceb9fe1a85ec53ULL);
	h2 ^= h2 >> 33;
	h2 *= inv_mul(0xff51afd7ed558ccdULL);
	h2 ^= h2 >> 33;
	/* h2 = rotl(h1 ^ w1 * c1, 31) * c2 */
	return (rotl(h2 * inv_mul(c2), 33) ^ h1) * inv_mul(c1);
}

/* 20,000 addresses that shared one bucket of every engine table under
 * the old hash (an IPv6 /64, the low word chosen): keyed, they spread. */
static void test_crafted_keys_spread(void)
{
	struct xs_htab t;
	uint64_t k[2];
	bool created;
	int i, ok = 0;

	CU_ASSERT_EQUAL_FATAL(xs_htab_init(&t, 16, 8, 32768), 0);
	k[0] = 0x0000ad0bb80d0120ULL;
	for (i = 0; i < 20000; i++) {
		k[1] = old_hash_preimage(k[0], 0xbeef | ((uint64_t)(i + 1) << 20));
		ok += xs_htab_insert(&t, k, xs_hash(k, 16), &created) != NULL;
	}
	printf("\n  20,000 keys crafted for the old hash: longest probe %u", t.longest);
	CU_ASSERT_EQUAL(ok, 20000);
	CU_ASSERT_EQUAL(t.overflow, 0);
	CU_ASSERT(t.longest < 64);
	xs_htab_free(&t);
}

/* With the key known (a test can know it; an attacker cannot), keys aimed
 * at one bucket: the first XS_HTAB_PROBE_MAX fill the cluster, the rest
 * are refused and counted, and no lookup walks further than the bound. */
static void test_probe_bound(void)
{
	struct xs_htab t;
	uint64_t (*keys)[2] = calloc(700, sizeof(*keys)), k[2] = { 7, 0 };
	bool created;
	int n = 0, i, inserted = 0, found = 0;

	xs_hash_set_key(0x1111, 0x2222);
	CU_ASSERT_EQUAL_FATAL(xs_htab_init(&t, 16, 8, 1536), 0);
	for (k[1] = 0; n < 700; k[1]++)
		if ((xs_hash(k, 16) & t.mask) == 99) {
			keys[n][0] = k[0];
			keys[n][1] = k[1];
			n++;
		}
	for (i = 0; i < n; i++)
		inserted += xs_htab_insert(&t, keys[i], xs_hash(keys[i], 16), &created) != NULL;
	CU_ASSERT_EQUAL(inserted, XS_HTAB_PROBE_MAX);
	CU_ASSERT_EQUAL(t.overflow, 700 - XS_HTAB_PROBE_MAX);
	CU_ASSERT_EQUAL(t.probe_refused, 700 - XS_HTAB_PROBE_MAX);
	CU_ASSERT_EQUAL(t.longest, XS_HTAB_PROBE_MAX - 1);
	for (i = 0; i < n; i++)
		found += xs_htab_find(&t, keys[i], xs_hash(keys[i], 16)) != NULL;
	CU_ASSERT_EQUAL(found, XS_HTAB_PROBE_MAX);
	/* Deleting from the cluster keeps every other entry findable. */
	for (i = 0; i < XS_HTAB_PROBE_MAX; i += 2)
		CU_ASSERT_EQUAL(xs_htab_delete(&t, keys[i], xs_hash(keys[i], 16)), 0);
	for (i = found = 0; i < XS_HTAB_PROBE_MAX; i++)
		found += xs_htab_find(&t, keys[i], xs_hash(keys[i], 16)) != NULL;
	CU_ASSERT_EQUAL(found, XS_HTAB_PROBE_MAX / 2);
	xs_htab_free(&t);
	free(keys);
}

/* Random keys at the limit's 3/4 load never come near the bound: the
 * longest probe of a million inserts, measured. */
static void test_probe_bound_margin(void)
{
	struct xs_htab t;
	uint64_t k[2] = { 0, 0 };
	bool created;
	uint32_t i;

	CU_ASSERT_EQUAL_FATAL(xs_htab_init(&t, 16, 8, 786431), 0);	/* 3/4 of 2^20 slots */
	for (i = 0; i < t.limit; i++) {
		k[1] = i;
		xs_htab_insert(&t, k, xs_hash(k, 16), &created);
	}
	printf("\n  %zu random keys at load %.2f: longest probe %u", t.count,
	       (double)t.count / (t.mask + 1), t.longest);
	CU_ASSERT_EQUAL(t.overflow, 0);
	CU_ASSERT(t.longest < XS_HTAB_PROBE_MAX / 2);
	xs_htab_free(&t);
}

static void test_siphash_vectors(void)
{
	/* SipHash-1-3 with the zero key is what CPython 3.11 hashes bytes
	 * with when PYTHONHASHSEED=0 (sys.hash_info: siphash13): these are
	 * hash(bytes(range(n))) for n = 1, 8, 15, 16. */
	static const struct {
		int n;
		uint64_t h;
	} py[] = {
		{ 1, 0x68a914128e01e473ULL },
		{ 8, 0xead411e67ebe2eeaULL },
		{ 15, 0xf30eb725bb91c9eaULL },
		{ 16, 0x8972188433a5c5b7ULL },
	};
	struct xs_sipkey zero = { 0, 0 }, key = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	struct xs_sip st;
	uint8_t msg[16];
	size_t i;

	for (i = 0; i < 16; i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(py) / sizeof(py[0]); i++)
		CU_ASSERT_EQUAL(xs_siphash13(&zero, msg, py[i].n), py[i].h);
	/* The rounds themselves, as SipHash-2-4, against the reference
	 * vector for key 00..0f and the empty message. */
	xs_sip_init(&st, key.k0, key.k1);
	st.v3 ^= 0;
	xs_sip_round(&st);
	xs_sip_round(&st);
	st.v0 ^= 0;
	st.v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		xs_sip_round(&st);
	CU_ASSERT_EQUAL(st.v0 ^ st.v1 ^ st.v2 ^ st.v3, 0x726fdb47dd0e0e31ULL);
	/* The word forms (the program's) agree with the byte form. */
	{
		uint64_t w[2];

		memcpy(w, msg, 16);
		CU_ASSERT_EQUAL(xs_sip_2w(key.k0, key.k1, w[0], w[1]), xs_siphash13(&key, msg, 16));
		CU_ASSERT_EQUAL(xs_sip_1w(key.k0, key.k1, w[0]), xs_siphash13(&key, msg, 8));
	}
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
	{ "keys crafted for the old hash spread", test_crafted_keys_spread },
	{ "the probe bound: refused, counted, lookups bounded", test_probe_bound },
	{ "the probe bound is far from random keys' probes", test_probe_bound_margin },
	{ "siphash-1-3 vectors", test_siphash_vectors },
	{ "ring windows slide by whole ticks", test_ring_window },
	{ "space-saving top-k and EWMA", test_topk_and_ewma },
};

XS_RUN_SUITE("htab", tests)
