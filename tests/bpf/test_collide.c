// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Hash-collision floods (issue 13, item 3), performed: IPv6 sources crafted
 * with the free low 64 bits of one /64 so that they share a bucket under
 * the hashes the project used before it keyed them (reproduced below as
 * the attacker computes them: public, invertible), then sent through the
 * program and drained. With keyed hashing they spread like any other
 * sources: the kernel tracks every one of them, the collector's merge
 * drain merges them bucket by bucket, the distinct-source sketch counts
 * dozens, not 2.6e19. Also: the program's slots follow SipHash under the
 * secret kept in xs_secret, and two loads draw different secrets.
 */
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpstream.skel.h"
#include "names.h"
#include "siphash.h"
#include "xs_test.h"

#define N_CRAFTED 20000
#define GOLDEN 0x9e3779b97f4a7c15ULL

/* ---- the attacker's model of the old, unkeyed hashes ---------------- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t inv_mul(uint64_t a)
{
	uint64_t x = a;	/* Newton's iteration: the inverse of an odd a mod 2^64 */
	int i;

	for (i = 0; i < 6; i++)
		x *= 2 - a * x;
	return x;
}

/* x ^= x >> 33 undoes itself: 33 >= 32. */
static uint64_t mix64_inv(uint64_t x)
{
	x ^= x >> 33;
	x *= inv_mul(0xc4ceb9fe1a85ec53ULL);
	x ^= x >> 33;
	x *= inv_mul(0xff51afd7ed558ccdULL);
	x ^= x >> 33;
	return x;
}

/* The program's old address hash: mix64(lo ^ mix64(hi + golden)). A source
 * whose old hash is h, in the /64 hi. */
static void kernel_preimage(uint64_t hi, uint64_t h, struct xs_addr *a)
{
	uint64_t lo = mix64_inv(h) ^ mix64(hi + GOLDEN);

	memcpy(&a->a[0], &hi, 8);
	memcpy(&a->a[8], &lo, 8);
}

/* The collector's old merge-index hash: x = lo ^ hi * golden, then
 * x ^= x >> 33; x *= C; x ^= x >> 33. */
static void index_preimage(uint64_t hi, uint64_t h, struct xs_addr *a)
{
	uint64_t x = h, lo;

	x ^= x >> 33;
	x *= inv_mul(0xff51afd7ed558ccdULL);
	x ^= x >> 33;
	lo = x ^ (hi * GOLDEN);
	memcpy(&a->a[0], &hi, 8);
	memcpy(&a->a[8], &lo, 8);
}

/* ---- sending and draining --------------------------------------------- */

static struct xs_fixture fx;
static bool loaded;

static void setup(void)
{
	struct xs_sizes sz;

	cpu_set_t set;

	if (loaded)
		return;
	/* One CPU: its region is the one to look at. */
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CU_ASSERT_FATAL(sched_setaffinity(0, sizeof(set), &set) == 0);
	/* A fixed secret: the attacker does not know it either way, and the
	 * sketch's estimate below is then the same on every run. */
	xs_bpf_set_secret(&(struct xs_secret){ { 0x5eed0001, 0x5eed0002, 0x5eed0003, 0x5eed0004 } });
	xs_sizes_default(&sz);
	sz.src_entries = 65536;
	sz.dst_entries = 1024;
	sz.flow_entries = 65536;
	CU_ASSERT_FATAL(xs_fixture_setup(&fx, &sz) == 0);
	xs_bpf_set_secret(NULL);
	loaded = true;
}

static const uint64_t prefix_hi = 0x0000ad0bb80d0120ULL;	/* 2001:db8:bad::/64 */

/* One UDP packet from each source to one victim; drains the tick. */
static void send_all(const struct xs_addr *src, int n, struct xs_tick *t)
{
	struct xs_pkt_spec s;
	int i;

	xs_flip(&fx, t);
	xs_pkt_spec_init(&s, "2001:db8::1", "2001:db8:18::10", IPPROTO_UDP, 40000, 53);
	for (i = 0; i < n; i++) {
		s.src = src[i];
		CU_ASSERT_EQUAL(xs_run_spec(&fx, &s, NULL), 2);
		if (i % 4096 == 4095)
			xs_collector_poll_events(&fx.col);
	}
	CU_ASSERT_EQUAL_FATAL(xs_flip(&fx, t), 0);
}

/* 20,000 sources on one slot of the program's old hash (a region of
 * 65,536 slots, 16 probes): unkeyed, all but 16 were "map full" and their
 * packets counted per source nowhere; keyed, all are tracked. */
static void test_kernel_table(void)
{
	struct xs_addr *src = calloc(N_CRAFTED, sizeof(*src));
	struct xs_tick t;
	int i;

	setup();
	CU_ASSERT_FATAL(src != NULL);
	for (i = 0; i < N_CRAFTED; i++)
		kernel_preimage(prefix_hi, 0x1234 | ((uint64_t)(i + 1) << 16), &src[i]);
	send_all(src, N_CRAFTED, &t);
	printf("\n  crafted for the program's old hash: %zu sources tracked, %llu map full",
	       t.nsrc, (unsigned long long)t.g.cnt[XS_N_SRC_FULL]);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_SRC_FULL], 0);
	CU_ASSERT_EQUAL(t.nsrc, N_CRAFTED);
	free(src);
}

/* 20,000 sources on one bucket of the collector's old index: unkeyed, the
 * drain probed ~n^2/2 slots (0.2 s -> 0.72 s at 40,000 in the issue). The
 * drain has no index of its own now: a key falls in the same bucket of
 * every CPU's region, so it is merged with the other keys of that bucket
 * only (at most CPUs * XS_TABLE_WAYS of them, fingerprints first), and the
 * bucket is the program's keyed one. All of them are tracked and merged,
 * each into one entry. */
static void test_merge_index(void)
{
	struct xs_addr *src = calloc(N_CRAFTED, sizeof(*src));
	struct xs_tick t;
	int i;

	setup();
	CU_ASSERT_FATAL(src != NULL);
	for (i = 0; i < N_CRAFTED; i++)
		index_preimage(prefix_hi, 0x5678 | ((uint64_t)(i + 1) << 20), &src[i]);
	send_all(src, N_CRAFTED, &t);
	printf("\n  crafted for the old merge index: %zu sources merged, %llu map full",
	       t.nsrc, (unsigned long long)t.g.cnt[XS_N_SRC_FULL]);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_SRC_FULL], 0);
	CU_ASSERT_EQUAL(t.nsrc, N_CRAFTED);
	free(src);
}

/* 32 sources whose old hash puts rank 60 in each of the 32 registers of
 * the victim's distinct-source sketch: an estimate of 2.6e19 sources. */
static void test_hll_inflation(void)
{
	struct xs_addr src[XS_HLL_REGS];
	const struct xs_dst_entry *d;
	struct xs_tick t;
	double est;
	int i;

	setup();
	for (i = 0; i < XS_HLL_REGS; i++)
		kernel_preimage(prefix_hi, (uint64_t)i, &src[i]);	/* rest = 0: rank 60 */
	send_all(src, XS_HLL_REGS, &t);
	d = xs_find_dst(&t, "2001:db8:18::10");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	est = xs_hll_estimate(d->v.hll_src, XS_HLL_REGS);
	printf("\n  32 sources crafted for rank 60: estimate %.0f", est);
	CU_ASSERT(est >= 16 && est <= 64);
	/* And an integer whatever the registers hold: clamped, defined. */
	{
		uint8_t regs[XS_HLL_REGS];

		memset(regs, 60, sizeof(regs));
		CU_ASSERT(xs_hll_estimate(regs, XS_HLL_REGS) > 2.5e19);
		CU_ASSERT_EQUAL(xs_hll_count(regs, XS_HLL_REGS), 9007199254740992ULL);
		memset(regs, 0, sizeof(regs));
		CU_ASSERT_EQUAL(xs_hll_count(regs, XS_HLL_REGS), 0);
	}
}

/* The program's buckets are SipHash-1-3 of the address under the secret
 * it keeps in xs_secret: one source into an empty region lands in the
 * bucket the hash's low half picks, remembered by its high half. Two
 * loads draw two secrets; a fixed one is used as given. */
static void test_secret(void)
{
	struct xs_secret kept = {}, fixed = { { 1, 2, 3, 4 } };
	struct xs_addr a;
	struct xs_tick t;
	struct xs_bpf other = {};
	struct xs_sizes sz;
	uint64_t w[2], h;
	__u32 zero = 0, bucket, cpu_region;
	int fd;

	setup();
	fd = bpf_map__fd(fx.b.skel->maps.xs_secret);
	CU_ASSERT_FATAL(bpf_map_lookup_elem(fd, &zero, &kept) == 0);
	CU_ASSERT_EQUAL(memcmp(&kept, &fx.b.secret, sizeof(kept)), 0);
	CU_ASSERT_EQUAL(kept.k[0], 0x5eed0001);
	CU_ASSERT_EQUAL(fx.b.skel->rodata->xs_hkey0, kept.k[0]);
	CU_ASSERT_EQUAL(fx.b.skel->rodata->xs_hkey1, kept.k[1]);

	xs_addr_parse("2001:db8:77::1", &a);
	send_all(&a, 1, &t);
	CU_ASSERT_EQUAL_FATAL(t.nsrc, 1);
	memcpy(w, a.a, 16);
	h = xs_sip_2w(kept.k[0], kept.k[1], w[0], w[1]);
	bucket = (__u32)(((h & 0xffffffffULL) * fx.col.sbuckets) >> 32);
	/* The region this CPU wrote for the drained generation: its list
	 * (count, emptied by the drain, then buckets) names the bucket, whose
	 * line keeps the fingerprint (the drain resets only its count). */
	cpu_region = (__u32)(sched_getcpu() * XS_GENS + (t.epoch & 1));
	CU_ASSERT_EQUAL(fx.col.slist[(size_t)cpu_region * (fx.col.sbuckets + 1) + 1], bucket);
	CU_ASSERT_EQUAL(fx.col.stags[(size_t)cpu_region * fx.col.sbuckets + bucket].fp[0],
			(__u32)(h >> 32));

	xs_sizes_default(&sz);
	CU_ASSERT_FATAL(xs_bpf_load(&other, &sz) == 0);
	CU_ASSERT_NOT_EQUAL(memcmp(&other.secret, &kept, sizeof(kept)), 0);
	xs_bpf_close(&other);
	xs_bpf_set_secret(&fixed);
	CU_ASSERT_FATAL(xs_bpf_load(&other, &sz) == 0);
	xs_bpf_set_secret(NULL);
	CU_ASSERT_EQUAL(memcmp(&other.secret, &fixed, sizeof(fixed)), 0);
	CU_ASSERT_EQUAL(other.skel->rodata->xs_hkey0, 1);
	xs_bpf_close(&other);
	/* The daemon's tables use the other half of the last loaded secret. */
	CU_ASSERT_EQUAL(xs_hash_key()->k0, 3);
	CU_ASSERT_EQUAL(xs_hash_key()->k1, 4);
}

static void test_cleanup(void)
{
	if (loaded)
		xs_fixture_teardown(&fx);
	loaded = false;
}

static const struct xs_test tests[] = {
	{ "sources crafted for the program's old hash are all tracked", test_kernel_table },
	{ "sources crafted for the old merge index: short probes", test_merge_index },
	{ "sources crafted for rank 60 do not inflate the sketch", test_hll_inflation },
	{ "the secret: random, kept, used by the program", test_secret },
	{ "cleanup", test_cleanup },
};

XS_RUN_SUITE("hash-collision floods", tests)
