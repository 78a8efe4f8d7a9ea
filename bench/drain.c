// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The tick's userspace side: time to flip, fence, read and clear the maps
 * with 1 million tracked destinations (and as many sources), and the
 * kernel memory each tracked key costs.
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

/* Fills a per-CPU hash with n keys (each CPU's value non-zero). */
static int fill(int fd, __u32 n, size_t vsize, int ncpus)
{
	const __u32 chunk = 8192;
	struct xs_addr *keys = calloc(chunk, sizeof(*keys));
	char *vals = calloc((size_t)chunk * ncpus, vsize);
	__u32 i, j, cnt;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < (size_t)chunk * ncpus; i++)
		*(__u64 *)(vals + i * vsize) = 1;	/* pkts */
	for (i = 0; i < n; i += chunk) {
		cnt = n - i < chunk ? n - i : chunk;
		for (j = 0; j < cnt; j++) {
			__u32 k = i + j;

			keys[j].a[10] = keys[j].a[11] = 0xff;
			memcpy(&keys[j].a[12], &k, 4);
		}
		if (bpf_map_update_batch(fd, keys, vals, &cnt, NULL)) {
			err = -errno;
			break;
		}
	}
out:
	free(keys);
	free(vals);
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
		__u32 gen = col.rt.epoch & 1;
		double t0;

		err = fill(col.dst_fd[gen], keys, sizeof(struct xs_dst), col.ncpus);
		if (!err)
			err = fill(col.src_fd[gen], keys, sizeof(struct xs_src), col.ncpus);
		if (err)
			goto out;
		t0 = now_ms();
		err = xs_collector_flip(&col, &tick);
		t[i] = now_ms() - t0;
		if (err)
			goto out;
		if (tick.ndst != keys || tick.nsrc != keys) {
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
	bench_value(bc, "per_tracked_destination",
		    (double)map_memlock(col.dst_fd[0]) / keys, "bytes (per generation)");
	bench_value(bc, "per_tracked_source", (double)map_memlock(col.src_fd[0]) / keys,
		    "bytes (per generation)");
	bench_value(bc, "per_tracked_flow",
		    (double)map_memlock(bpf_map__fd(b.skel->maps.xs_flows)) / sz.flow_entries,
		    "bytes");
	bench_value(bc, "ring_buffer", (double)map_memlock(bpf_map__fd(b.skel->maps.xs_events)),
		    "bytes");
	bench_section_end(bc);
out:
	xs_collector_free(&col);
	xs_bpf_close(&b);
	return err;
}
