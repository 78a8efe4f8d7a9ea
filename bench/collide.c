// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Hash-collision flood against the drain (issue 13): IPv6 sources whose
 * low 64 bits are chosen so that they share one bucket of the merge index
 * under the collector's old, public hash, next to as many random sources,
 * each seen on every CPU and placed where the program puts it (its keyed
 * bucket). With the old hash the drain grew quadratically with their
 * number; keyed, the crafted ones cost what random ones do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpstream.skel.h"
#include "bench.h"
#include "collector.h"
#include "loader.h"
#include "xs_hash.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t inv_mul(uint64_t a)
{
	uint64_t x = a;
	int i;

	for (i = 0; i < 6; i++)
		x *= 2 - a * x;
	return x;
}

/* The attacker's preimage under the old index hash (x = lo ^ hi * golden,
 * x ^= x >> 33, x *= C, x ^= x >> 33): bucket bits fixed, the rest i. */
static void crafted(uint64_t hi, uint32_t i, struct xs_addr *a)
{
	uint64_t x = 0x5678 | ((uint64_t)(i + 1) << 24), lo;

	x ^= x >> 33;
	x *= inv_mul(0xff51afd7ed558ccdULL);
	x ^= x >> 33;
	lo = x ^ (hi * 0x9e3779b97f4a7c15ULL);
	memcpy(&a->a[0], &hi, 8);
	memcpy(&a->a[8], &lo, 8);
}

static void random_addr(uint64_t hi, uint32_t i, struct xs_addr *a)
{
	uint64_t lo = (uint64_t)i * 0x9e3779b97f4a7c15ULL + 12345;

	lo ^= lo >> 29;
	memcpy(&a->a[0], &hi, 8);
	memcpy(&a->a[8], &lo, 8);
}

/* n sources in the current generation of every CPU's region, each in the
 * bucket the program would put it in (its keyed hash under the loaded
 * secret: struct xs_tbucket). Returns how many found a slot (a full
 * bucket refuses the rest, as the program does), or -errno. */
static int fill(struct xs_collector *c, const struct xs_secret *key, __u32 n, bool attack)
{
	__u32 gen = c->rt.epoch & 1, nb = c->sbuckets, i, placed = 0;
	struct xs_global *g = calloc(c->ncpus, sizeof(*g));
	uint64_t hi = 0x0000ad0bb80d0120ULL;
	int cpu, err = 0;

	if (!g)
		return -ENOMEM;
	for (cpu = 0; cpu < c->ncpus; cpu++) {
		size_t region = (size_t)cpu * XS_GENS + gen;
		__u64 *l = c->slist + region * (nb + 1);

		placed = 0;
		for (i = 0; i < n; i++) {
			struct xs_addr a;
			uint64_t w[2], h;
			struct xs_tbucket *bk;
			struct xs_src_slot *s;
			__u32 b;

			if (attack)
				crafted(hi, i, &a);
			else
				random_addr(hi, i, &a);
			memcpy(w, a.a, 16);
			h = xs_sip_2w(key->k[0], key->k[1], w[0], w[1]);
			b = (__u32)(((h & 0xffffffffULL) * nb) >> 32);
			bk = &c->stags[region * nb + b];
			if (bk->n >= XS_TABLE_WAYS)
				continue;
			s = &c->stab[(region * nb + b) * XS_TABLE_WAYS + bk->n];
			memset(s, 0, sizeof(*s));
			s->key = a;
			s->v.pkts = 1;
			bk->fp[bk->n] = (__u32)(h >> 32);
			if (!bk->n++)
				l[1 + l[0]++] = b;
			placed++;
		}
		g[cpu].cnt[XS_N_SRC_USED] = placed;
	}
	if (bpf_map_update_elem(c->global_fd, &gen, g, BPF_ANY))
		err = -errno;
	free(g);
	return err ? err : (int)placed;
}

int bench_collide(struct bench_ctx *bc)
{
	static const __u32 sizes[] = { 10000, 20000, 40000 };
	struct xs_collector col = {};
	struct xs_bpf b = {};
	struct xs_sizes sz;
	struct xs_tick tick;
	int k, i, err, runs = bc->quick ? 1 : 3, nk = bc->quick ? 1 : 3;

	xs_sizes_default(&sz);
	sz.src_entries = 65536;
	sz.dst_entries = 1024;
	err = xs_bpf_load(&b, &sz);
	if (err)
		return err;
	err = xs_collector_init(&col, &b, true, NULL, NULL);
	if (err)
		goto out;
	bench_section(bc, "collide", "Drain with sources crafted for the old merge-index hash (ms)");
	for (k = 0; k < nk; k++) {
		struct bench_stat st[2];

		for (i = 0; i < 2; i++) {
			double t[4], t0;
			__u32 placed;
			int r;

			for (r = 0; r < runs; r++) {
				err = fill(&col, &b.secret, sizes[k], i == 1);
				if (err < 0)
					goto out;
				placed = (__u32)err;
				t0 = now_ms();
				err = xs_collector_flip(&col, &tick);
				t[r] = now_ms() - t0;
				if (err)
					goto out;
				if (tick.nsrc != placed) {
					fprintf(stderr, "drained %zu sources, expected %u\n", tick.nsrc,
						placed);
					err = -EIO;
					goto out;
				}
				xs_collector_flip(&col, &tick);
			}
			/* runs <= 3: sort by hand */
			for (r = 1; r < runs; r++)
				for (int q = r; q > 0 && t[q] < t[q - 1]; q--) {
					double x = t[q];

					t[q] = t[q - 1];
					t[q - 1] = x;
				}
			st[i] = (struct bench_stat){ t[0], t[runs / 2], t[runs - 1] };
		}
		{
			char name[64];

			snprintf(name, sizeof(name), "crafted_%u_sources", sizes[k]);
			bench_row(bc, name, &st[1], &st[0], "ms");
		}
	}
	bench_section_end(bc);
out:
	xs_collector_free(&col);
	xs_bpf_close(&b);
	return err;
}
