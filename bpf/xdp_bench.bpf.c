// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benchmark front ends: make every repetition of a test run a new flow,
 * then tail-call the program under test. xdp_bench_rand: a random IPv4
 * source address and TCP/UDP source port (measured against itself
 * tail-calling xdp_pass, so the randomisation cost cancels out).
 * xdp_bench_seq: repetition n comes from 10.0.0.0 + n and goes to
 * 172.16.0.0 + n (n < 2^24, counted in xs_bench_ctr), so that a test run of
 * N repetitions puts N destinations and N sources in the tables, as the
 * traffic of a busy tick would (bench/drain.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xs_bench_next SEC(".maps");

/* Repetitions of xdp_bench_seq so far (userspace resets it). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xs_bench_ctr SEC(".maps");

SEC("xdp")
int xdp_bench_seq(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	__u32 zero = 0, *n = bpf_map_lookup_elem(&xs_bench_ctr, &zero);

	if (n && (void *)(iph + 1) <= data_end && eth->h_proto == bpf_htons(0x0800)) {
		iph->saddr = bpf_htonl(0x0a000000 | (*n & 0x00ffffff));
		iph->daddr = bpf_htonl(0xac000000 | (*n & 0x00ffffff));
		(*n)++;
	}
	bpf_tail_call(ctx, &xs_bench_next, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int xdp_bench_rand(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = (void *)(eth + 1);
	__be16 *ports = (void *)(iph + 1);

	/* Plain IPv4 without options, TCP or UDP: what the bench sends. */
	if ((void *)(ports + 2) <= data_end && eth->h_proto == bpf_htons(0x0800)) {
		__u32 r = bpf_get_prandom_u32();

		iph->saddr = bpf_htonl(0x0a000000 | (r & 0x00ffffff));	/* 10.0.0.0/8 */
		ports[0] = bpf_htons(1024 + (r >> 24) * 251 % 64000);
	}
	bpf_tail_call(ctx, &xs_bench_next, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
