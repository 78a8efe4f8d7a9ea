/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The collector owns the epoch: each tick it flips the generation the XDP
 * program writes, waits for in-flight programs to finish (an RCU grace
 * period, see xs_collector_flip), then reads the old generation summed
 * over CPUs and clears it. New-flow events come from the ring buffer.
 */
#ifndef XS_COLLECTOR_H
#define XS_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xs_abi.h"

struct xs_bpf;

struct ring_buffer;

struct xs_dst_entry {
	struct xs_addr addr;
	struct xs_dst v;	/* summed over CPUs; HLL registers max-merged */
};

struct xs_src_entry {
	struct xs_addr addr;
	struct xs_src v;
};

struct xs_fleet_tick;

/* One generation's aggregates. Arrays are owned by the collector and valid
 * until the next flip. */
struct xs_tick {
	__u32 epoch;
	double secs;		/* real seconds it covered (live: flip to flip);
				 * 0: exactly a tick (replay) */
	/* How long each sub-tick slice lasted, in seconds (set by the
	 * pipeline; 0: the slice was not used, or slices are off). */
	float slice_s[XS_SLICES];
	struct xs_global g;
	struct xs_dst_entry *dst;
	size_t ndst;
	struct xs_src_entry *src;
	size_t nsrc;
	/* The fleet's part (user/pipeline/fleet.h), or NULL: none is sent. */
	const struct xs_fleet_tick *fleet;
};

typedef void (*xs_event_fn)(void *ctx, const struct xs_flow_event *e);

struct xs_collector {
	int rt_fd, global_fd, totals_fd, refl_fd, fence_fd, fence_inner_fd;
	int ncpus;
	/* the per-address tables, mapped: ncpus * XS_GENS regions each of
	 * *buckets buckets (struct xs_tbucket) of XS_TABLE_WAYS slots */
	struct xs_dst_slot *dtab;
	struct xs_src_slot *stab;
	struct xs_tbucket *dtags, *stags;
	__u64 *dlist, *slist;	/* per region: a count, then the buckets used */
	__u32 dbuckets, sbuckets;
	size_t dtab_len, stab_len, dtags_len, stags_len, dlist_len, slist_len;
	__u32 *fps;		/* a bucket's fingerprints while it is merged */
	bool fence;		/* wait for in-flight programs after a flip */
	struct xs_runtime rt;
	struct xs_totals totals;	/* everything drained so far */
	struct ring_buffer *rb;
	xs_event_fn on_event;
	void *event_ctx;
	struct xs_global *pcpu_global;	/* per-CPU read buffer */
	/* watched keys (struct xs_watch_key): what the kernel map holds */
	int watch_fd, watch_srcs_fd;
	struct xs_watch_key *wkeys;
	size_t nwkeys;
	struct xs_watch_val *wbuf;	/* per-CPU read buffer */
	__u64 hkey[2];			/* the program's SipHash key: its bitmap bits */
	/* the tick's output arrays */
	struct xs_dst_entry *dst;
	size_t dst_cap;
	struct xs_src_entry *src;
	size_t src_cap;
};

/* fence: true when programs may run concurrently (live); replay runs the
 * program synchronously and needs none. on_event may be NULL. */
int xs_collector_init(struct xs_collector *c, struct xs_bpf *b, bool fence, xs_event_fn on_event,
		      void *event_ctx);
void xs_collector_free(struct xs_collector *c);

/* Run-time knobs. */
int xs_collector_set_budget(struct xs_collector *c, __u32 events_per_cpu_per_tick);
int xs_collector_set_flags(struct xs_collector *c, __u32 flags);
/* Ticks a flow is remembered without being seen (0: until evicted). */
/* Source admission (struct xs_runtime): after new sources per destination,
 * CPU and tick (0: admit every source), then 1 in 2^shift. */
int xs_collector_set_admission(struct xs_collector *c, __u16 after, __u8 shift);
int xs_collector_set_flow_ttl(struct xs_collector *c, __u32 ticks);
int xs_collector_set_reflector_ports(struct xs_collector *c, const __u16 *ports, size_t n);
/* The sub-tick slice the kernel counts packets in from now on (bursts);
 * a flip starts the next generation at slice 0. */
int xs_collector_set_slice(struct xs_collector *c, __u32 slice);

/* Sets the kernel's run-time flags in mask to bits (the others stay). */
int xs_collector_update_flags(struct xs_collector *c, __u32 mask, __u32 bits);

/* Evidence (issue 13): the kernel watches exactly keys[0..n) from now on
 * (new ones start at zero), their sources' bits set, IPv6 sources under
 * their /src6_prefix. */
int xs_collector_watch_set(struct xs_collector *c, const struct xs_watch_key *keys, size_t n,
			   unsigned int src6_prefix);
/* Each watched key's counts so far, summed over CPUs. */
typedef void (*xs_watch_fn)(void *ctx, const struct xs_watch_key *k, const struct xs_watch_val *v);
int xs_collector_watch_read(struct xs_collector *c, xs_watch_fn fn, void *ctx);

/* Deliver the events waiting in the ring buffer. Returns how many. */
int xs_collector_poll_events(struct xs_collector *c);
int xs_collector_events_fd(struct xs_collector *c);

/* Flip the epoch and drain the previous generation into *t (events of
 * that generation are delivered before it returns). */
int xs_collector_flip(struct xs_collector *c, struct xs_tick *t);

/* Everything counted so far by the instance whose maps these are: the
 * drained totals plus the generation being written (consistent: retries
 * while a drain is in progress). For `stats`. */
int xs_read_totals(int rt_fd, int totals_fd, int global_fd, int ncpus, struct xs_global *out,
		   __u32 *epoch);

/* Read one generation without clearing it. */
int xs_global_read(int global_fd, __u32 gen, int ncpus, struct xs_global *out);
void xs_global_add(struct xs_global *acc, const struct xs_global *g);
__u64 xs_global_total_pkts(const struct xs_global *g);
__u64 xs_global_total_bytes(const struct xs_global *g);

/* Distinct-count estimate from HyperLogLog registers. */
double xs_hll_estimate(const __u8 *regs, int nregs);
/* The same rounded to an integer, clamped to 2^53 (exact in a double
 * and in every JSON reader). */
uint64_t xs_hll_count(const __u8 *regs, int nregs);

#endif
