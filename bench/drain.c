// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The tick's userspace side: time to flip, fence, read and merge the
 * tables with 1 million tracked destinations and as many sources, each on
 * every CPU, and the kernel memory each tracked key costs.
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

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Fills the current generation as the program would with n destinations
 * and n sources, each seen on every CPU (RSS spreads one address's flows
 * over all of them): slots claimed, listed, counted. */
static int fill(struct xs_collector *c, __u32 n)
{
	__u32 gen = c->rt.epoch & 1, tag = c->rt.epoch + 1, i;
	struct xs_global *g = calloc(c->ncpus, sizeof(*g));
	int cpu, err = 0;

	if (!g)
		return -ENOMEM;
	for (cpu = 0; cpu < c->ncpus; cpu++) {
		size_t dbase = (size_t)(cpu * XS_GENS + gen) * c->dslots;
		size_t sbase = (size_t)(cpu * XS_GENS + gen) * c->sslots;

		for (i = 0; i < n; i++) {
			struct xs_dst_slot *d = &c->dtab[dbase + i];
			struct xs_src_slot *s = &c->stab[sbase + i];

			memset(&d->key, 0, sizeof(d->key));
			d->key.a[10] = d->key.a[11] = 0xff;
			memcpy(&d->key.a[12], &i, 4);
			d->tag = tag;
			memset(&d->v, 0, sizeof(d->v));
			d->v.pkts = 1;
			c->dlist[dbase + i] = i;
			s->key = d->key;
			s->tag = tag;
			memset(&s->v, 0, sizeof(s->v));
			s->v.pkts = 1;
			c->slist[sbase + i] = i;
		}
		g[cpu].cnt[XS_N_DST_USED] = n;
		g[cpu].cnt[XS_N_SRC_USED] = n;
	}
	if (bpf_map_update_elem(c->global_fd, &gen, g, BPF_ANY))
		err = -errno;
	free(g);
	return err;
}

/* memlock of a map from /proc/self/fdinfo: the kernel's own accounting. */
static long long map_memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

int bench_drain(struct bench_ctx *bc)
{
	const __u32 keys = bc->quick ? 20000 : 1000000;
	double t[16], sorted[16];
	struct xs_collector col = {};
	struct xs_bpf b = {};
	struct xs_sizes sz;
	struct xs_tick tick;
	struct bench_stat st;
	int runs = bc->quick ? 1 : 5, i, j, err;

	xs_sizes_default(&sz);
	sz.dst_entries = sz.src_entries = keys;
	err = xs_bpf_load(&b, &sz);
	if (err)
		return err;
	err = xs_collector_init(&col, &b, true, NULL, NULL);
	if (err)
		goto out;
	bench_section(bc, "tick", "Tick processing: flip, fence, read and clear");
	for (i = 0; i < runs; i++) {
		double t0;

		err = fill(&col, keys);
		if (err)
			goto out;
		t0 = now_ms();
		err = xs_collector_flip(&col, &tick);
		t[i] = now_ms() - t0;
		if (err)
			goto out;
		if (tick.ndst != keys || tick.nsrc != keys ||
		    tick.dst[keys - 1].v.pkts != (__u64)col.ncpus) {
			fprintf(stderr, "drained %zu/%zu keys, expected %u\n", tick.ndst, tick.nsrc,
				keys);
			err = -EIO;
			goto out;
		}
		xs_collector_flip(&col, &tick);	/* back to the same generation parity */
	}
	memcpy(sorted, t, sizeof(t));
	for (i = 0; i < runs; i++)
		for (j = i + 1; j < runs; j++)
			if (sorted[j] < sorted[i]) {
				double x = sorted[i];

				sorted[i] = sorted[j];
				sorted[j] = x;
			}
	st.min = sorted[0];
	st.median = sorted[runs / 2];
	st.max = sorted[runs - 1];
	bench_row(bc, bc->quick ? "tick_20k_dst_20k_src" : "tick_1M_dst_1M_src", &st, NULL, "ms");
	bench_section_end(bc);

	bench_section(bc, "kernel_memory", "Kernel map memory (memlock)");
	/* Per slot of one CPU's region in one generation. */
	bench_value(bc, "per_tracked_destination",
		    (double)map_memlock(bpf_map__fd(b.skel->maps.xs_dtab)) / col.dslots /
			    (col.ncpus * XS_GENS),
		    "bytes (per CPU and generation)");
	bench_value(bc, "per_tracked_source",
		    (double)map_memlock(bpf_map__fd(b.skel->maps.xs_stab)) / col.sslots /
			    (col.ncpus * XS_GENS),
		    "bytes (per CPU and generation)");
	bench_value(bc, "per_tracked_flow",
		    (double)map_memlock(bpf_map__fd(b.skel->maps.xs_flowtab)) /
			    xs_table_slots(sz.flow_entries),
		    "bytes");
	bench_value(bc, "ring_buffer", (double)map_memlock(bpf_map__fd(b.skel->maps.xs_events)),
		    "bytes");
	bench_section_end(bc);
out:
	xs_collector_free(&col);
	xs_bpf_close(&b);
	return err;
}
