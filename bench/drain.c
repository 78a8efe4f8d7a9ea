// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The tick's userspace side: time to flip, fence, read and merge the
 * tables with 1 million tracked destinations and as many sources, each on
 * every CPU, and the kernel memory each tracked key costs. The tables are
 * filled by the program itself (xdp_bench_seq in front of it: repetition n
 * of a test run is 10.0.0.0 + n -> 172.16.0.0 + n), one test run per CPU,
 * so that every key sits where the kernel puts it.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpstream.skel.h"
#include "xdp_bench.skel.h"
#include "bench.h"
#include "collector.h"
#include "loader.h"
#include "pktbuild.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* This thread's CPU time: on a shared machine, the wall time of a tick
 * also counts the other processes that ran meanwhile. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* n packets on every CPU, each from a source and to a destination of its
 * own (the same n of each on every CPU: RSS spreads one address's flows
 * over all of them). */
static int fill(struct xs_collector *c, struct xdp_bench_bpf *seq, __u32 n)
{
	int fd = bpf_program__fd(seq->progs.xdp_bench_seq);
	int ctr = bpf_map__fd(seq->maps.xs_bench_ctr);
	__u8 frame[XS_PKT_MAX];
	struct xs_pkt_spec s;
	cpu_set_t was, one;
	__u32 zero = 0;
	int cpu, len, err = 0;

	xs_pkt_spec_init(&s, "10.0.0.1", "172.16.0.1", IPPROTO_UDP, 40000, 53);
	s.payload = 18;
	len = xs_pkt_build(&s, frame, sizeof(frame));
	if (len <= 0)
		return -EINVAL;
	sched_getaffinity(0, sizeof(was), &was);
	for (cpu = 0; cpu < c->ncpus && !err; cpu++) {
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
				    .repeat = n);

		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			continue;	/* a possible CPU that is not online */
		if (bpf_map_update_elem(ctr, &zero, &zero, BPF_ANY) ||
		    bpf_prog_test_run_opts(fd, &o))
			err = -errno;
	}
	sched_setaffinity(0, sizeof(was), &was);
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

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int bench_drain(struct bench_ctx *bc)
{
	const __u32 keys = bc->quick ? 20000 : 1000000;
	struct xdp_bench_bpf *seq = NULL;
	struct xs_collector col = {};
	struct xs_bpf b = {};
	struct xs_sizes sz;
	struct xs_tick tick;
	struct bench_stat st;
	double t[16], tc[16];
	int runs = bc->quick ? 1 : 5, i, err, zero = 0, full_fd;
	size_t k;

	xs_sizes_default(&sz);
	/* Room for the keys with a few buckets over 12, as a table sized for
	 * its traffic has. */
	sz.dst_entries = sz.src_entries = keys / 2 * 3;
	err = xs_bpf_load(&b, &sz);
	if (err)
		return err;
	err = xs_collector_init(&col, &b, true, NULL, NULL);
	if (!err)
		err = xs_collector_set_flags(&col, XS_RT_FLOWS_OFF);	/* the tables only */
	seq = xdp_bench_bpf__open_and_load();
	if (!seq) {
		err = err ? err : -EINVAL;
		goto out;
	}
	full_fd = xs_bpf_prog_fd(&b);
	if (!err && bpf_map_update_elem(bpf_map__fd(seq->maps.xs_bench_next), &zero, &full_fd,
					BPF_ANY))
		err = -errno;
	if (err)
		goto out;
	bench_section(bc, "tick", "Tick processing: flip, fence, read and clear");
	for (i = 0; i < runs; i++) {
		double t0, c0;
		__u64 lost;

		err = fill(&col, seq, keys);
		if (err)
			goto out;
		t0 = now_ms();
		c0 = cpu_ms();
		err = xs_collector_flip(&col, &tick);
		tc[i] = cpu_ms() - c0;
		t[i] = now_ms() - t0;
		if (err)
			goto out;
		/* Every key on every CPU, but those a full bucket refused
		 * (counted: the same keys on every CPU, filled alike). */
		lost = tick.g.cnt[XS_N_DST_FULL] / col.ncpus;
		if (tick.ndst + lost != keys ||
		    tick.nsrc + tick.g.cnt[XS_N_SRC_FULL] / col.ncpus != keys ||
		    lost > keys / 100) {
			fprintf(stderr, "drained %zu/%zu keys (%llu refused), expected %u\n",
				tick.ndst, tick.nsrc, (unsigned long long)lost, keys);
			err = -EIO;
			goto out;
		}
		for (k = 0; k < tick.ndst; k++)
			if (tick.dst[k].v.pkts != (__u64)col.ncpus)
				break;
		if (k < tick.ndst) {
			fprintf(stderr, "a destination counted %llu packets, expected %d\n",
				(unsigned long long)tick.dst[k].v.pkts, col.ncpus);
			err = -EIO;
			goto out;
		}
		xs_collector_flip(&col, &tick);	/* back to the same generation parity */
	}
	qsort(t, runs, sizeof(t[0]), cmp_d);
	st.min = t[0];
	st.median = t[runs / 2];
	st.max = t[runs - 1];
	bench_row(bc, bc->quick ? "tick_20k_dst_20k_src" : "tick_1M_dst_1M_src", &st, NULL, "ms");
	qsort(tc, runs, sizeof(tc[0]), cmp_d);
	st.min = tc[0];
	st.median = tc[runs / 2];
	st.max = tc[runs - 1];
	bench_row(bc, bc->quick ? "tick_20k_dst_20k_src_cpu" : "tick_1M_dst_1M_src_cpu", &st, NULL,
		  "ms");
	bench_section_end(bc);

	bench_section(bc, "kernel_memory", "Kernel map memory (memlock)");
	/* Per configured entry of one CPU's region in one generation: the
	 * slots, the buckets' lines and the lists. */
	bench_value(bc, "per_tracked_destination",
		    (double)(map_memlock(bpf_map__fd(b.skel->maps.xs_dtab)) +
			     map_memlock(bpf_map__fd(b.skel->maps.xs_dtags)) +
			     map_memlock(bpf_map__fd(b.skel->maps.xs_dlist))) /
			    sz.dst_entries / (col.ncpus * XS_GENS),
		    "bytes (per CPU and generation)");
	bench_value(bc, "per_tracked_source",
		    (double)(map_memlock(bpf_map__fd(b.skel->maps.xs_stab)) +
			     map_memlock(bpf_map__fd(b.skel->maps.xs_stags)) +
			     map_memlock(bpf_map__fd(b.skel->maps.xs_slist))) /
			    sz.src_entries / (col.ncpus * XS_GENS),
		    "bytes (per CPU and generation)");
	bench_value(bc, "per_tracked_flow",
		    (double)map_memlock(bpf_map__fd(b.skel->maps.xs_flowtab)) / sz.flow_entries,
		    "bytes");
	bench_value(bc, "ring_buffer", (double)map_memlock(bpf_map__fd(b.skel->maps.xs_events)),
		    "bytes");
	bench_section_end(bc);
out:
	xdp_bench_bpf__destroy(seq);
	xs_collector_free(&col);
	xs_bpf_close(&b);
	return err;
}
