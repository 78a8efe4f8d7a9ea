/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Every map of the xdpstream program, and its load-time knobs. The
 * structs are the kernel/user ABI (maps/xs_abi.h); the feature headers
 * (account.h, flowtab.h, mitigate.h) read and write these maps, and
 * loader/loader.c sizes them before load.
 */
#ifndef XS_BPF_MAPS_H
#define XS_BPF_MAPS_H

#include "xs_abi.h"

/* Sizes are placeholders: the loader sets them from the configuration
 * (bpf_map__set_max_entries) before load. */

/* Run-time knobs and the epoch, written by the daemon (one entry). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_runtime);
} xs_rt SEC(".maps");

/* Per-class packets and bytes, parse errors and counters: one per generation. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_GENS);
	__type(key, __u32);
	__type(value, struct xs_global);
} xs_global SEC(".maps");

/* UDP source ports whose replies count as reflection (a 65536-bit bitmap). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_port_bitmap);
} xs_refl_ports SEC(".maps");

/* The program's SipHash key (maps/xs_hash.h): random per instance, set by
 * the loader before load and kept in xs_secret for a daemon that adopts
 * the program. Every table bucket, fingerprint and sketch register is
 * drawn from it, so no one without it can aim at a bucket. */
const volatile __u64 xs_hkey0 = 0;
const volatile __u64 xs_hkey1 = 0;

/* Where the secret is kept (see struct xs_secret); the program never
 * reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_secret);
} xs_secret SEC(".maps");

/* Per-address tables (see maps/xs_abi.h): buckets per region, set by the
 * loader; the maps hold possible CPUs * XS_GENS regions. */
const volatile __u32 xs_dst_buckets = 5462;
const volatile __u32 xs_src_buckets = 5462;

/* Per-destination counters and sketches: the slots of every region. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_dst_slot);
} xs_dtab SEC(".maps");

/* The xs_dtab buckets' lines: slots used and fingerprints. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);	/* and so line-aligned */
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_tbucket);
} xs_dtags SEC(".maps");

/* Per region: how many xs_dtab buckets it started using, then which, so
 * the drain skips the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);	/* arrays space values 8 bytes apart anyway */
} xs_dlist SEC(".maps");

/* Per-source counters: the slots of every region. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_src_slot);
} xs_stab SEC(".maps");

/* The xs_stab buckets' lines. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_tbucket);
} xs_stags SEC(".maps");

/* The xs_stab buckets each region started using. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xs_slist SEC(".maps");

/* The fence: userspace rewrites a slot of this map-in-map after each
 * epoch flip, and the kernel answers only after an RCU grace period
 * (maybe_wait_bpf_programs() in kernel/bpf/syscall.c), so no program
 * still runs with the old epoch. The program never reads it. */
struct xs_fence_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xs_fence0 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct xs_fence_inner);
} xs_fence SEC(".maps") = {
	.values = { &xs_fence0 },
};

/* Flows span windows, so the flow table is not per generation. Shared (not
 * per-CPU) so that a flow is new exactly once whichever CPU sees it; see
 * struct xs_flow_bucket. An LRU_HASH would do the same at several times the
 * cost of an insert, and new flows are what a spoofed flood is made of. */
const volatile __u32 xs_flow_buckets = 32768;

/* The flow table: one bucket (one cache line) per flow's hash. Mmapable,
 * so line-aligned, and so that the benchmark can evict it from the caches
 * (bench/pktcost.c: the cold case); the daemon never maps it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct xs_flow_bucket);
} xs_flowtab SEC(".maps");

/* New-flow events (struct xs_flow_event) to the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} xs_events SEC(".maps");

/* Mitigation: sources to drop and destinations to rate-limit, by prefix.
 * Empty unless a user or a rule in enforce mode adds entries. */
/* Sources to drop, with a TTL and hit counters. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XS_BLOCKLIST_MAX);
	__type(key, struct xs_lpm_key);
	__type(value, struct xs_block);
} xs_blocklist SEC(".maps");

/* Never dropped, whatever the blocklist says (value unused). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct xs_lpm_key);
	__type(value, __u32);
} xs_allowlist SEC(".maps");

/* Destinations to rate-limit: rate, burst, what matches, its state slot. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 256);
	__type(key, struct xs_lpm_key);
	__type(value, struct xs_limit);
} xs_limits SEC(".maps");

/* Each limit's token bucket on each CPU, and what it passed and dropped. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct xs_limit_state);
} xs_limit_state SEC(".maps");

/* Evidence counters of watched service pairs (see struct xs_watch_key);
 * keys are inserted and removed by userspace only. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, XS_WATCH_MAX);
	__type(key, struct xs_watch_key);
	__type(value, struct xs_watch_val);
} xs_watch SEC(".maps");

/* Sources with a watched key: bit (keyed hash & 0xffff) of the source. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_port_bitmap);
} xs_watch_srcs SEC(".maps");

/* Victims under a flood or reflection alert: sampling and drop rules
 * (bpf/fingerprint.h, bpf/filter.h). Looked up per packet only while
 * userspace says it is not empty (XS_RT_VICTIMS). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_VICTIMS_MAX);
	__type(key, struct xs_addr);
	__type(value, struct xs_victim);
} xs_victims SEC(".maps");

/* Each watched victim's counters, per CPU (index: xs_victim.slot). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_VICTIMS_MAX);
	__type(key, __u32);
	__type(value, struct xs_vstats);
} xs_vstats SEC(".maps");

/* Sampled packets of watched victims (struct xs_fp_sample), apart from
 * the new-flow events so that neither starves the other. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 21);
} xs_fp_ring SEC(".maps");

/* Fingerprints and BGP routes for `status` and `top`, written by the
 * daemon each tick; the program never reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_fp_board);
} xs_fp_board SEC(".maps");

/* Written only by userspace: running totals, so that `xdpstream stats`
 * and a restarted daemon see the whole history. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_totals);
} xs_totals SEC(".maps");

/* The mitigation commands' journal (see struct xs_mlog_rec). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XS_MLOG_LEN);
	__type(key, __u32);
	__type(value, struct xs_mlog_rec);
} xs_mlog SEC(".maps");

/* For `xdpstream status`, written by the daemon each tick. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_status);
} xs_status SEC(".maps");

/* The last tick's top destinations and sources, for `xdpstream top`. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_top);
} xs_top SEC(".maps");

#endif /* XS_BPF_MAPS_H */
