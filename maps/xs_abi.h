/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The kernel <-> userspace ABI of xdpstream: everything that crosses the
 * boundary through a map or the ring buffer is defined here, once, and
 * included by both bpf/ (clang -target bpf) and user/ (gcc).
 *
 * Rules: fixed-width types only, explicit padding, no bool/long/pointers,
 * a _Static_assert on every size.
 */
#ifndef XS_ABI_H
#define XS_ABI_H

#ifdef __bpf__
/* vmlinux.h provides __u8.. and __be16.. */
#else
#include <linux/types.h>
#endif

/* Two generations of every windowed aggregate: the kernel writes
 * gen = epoch & 1 while userspace drains the other one. */
#define XS_GENS 2

#define XS_VLAN_MAX_DEPTH 2	/* 802.1Q / 802.1ad tags followed */
/* IPv6 extension headers walked: as many as fit in the largest frame XDP
 * sees in one piece (a 4 KiB page, less Ethernet and IPv6 headers, 8
 * bytes each), so the walk goes as deep as the kernel's own and only the
 * frame's end stops it (bpf_loop: one verified iteration, any count). */
#define XS_FRAME_MAX 4096
#define XS_IPV6_EXT_MAX ((XS_FRAME_MAX - 14 - 40) / 8)

/* HyperLogLog registers kept per destination (distinct sources, distinct
 * destination ports). 32 registers: ~18% standard error, enough to tell
 * one source from a thousand, in 64 bytes. */
#define XS_HLL_BITS 5
#define XS_HLL_REGS (1 << XS_HLL_BITS)

/* Sub-tick slices: each tick is cut into XS_SLICES slices (userspace
 * advances xs_runtime.slice), and each destination counts its packets per
 * slice and per burst kind, so that a flood lasting a fraction of a tick
 * is seen at its own rate instead of diluted over the tick (the engine
 * measures rates over two adjacent slices, sliding by one). */
#define XS_SLICES 16
enum xs_burst_kind {
	XS_B_SYN = 0,		/* TCP SYN without ACK */
	XS_B_UDP,		/* UDP, and non-first fragments (which mostly carry UDP) */
	XS_B_ICMP,		/* ICMP and ICMPv6 */
	XS_B_OTHER,		/* the rest: TCP with ACK or RST, other protocols */
	XS_B_MAX
};

/* One class per packet, exclusive: the classes sum to the total. */
enum xs_class {
	XS_C_IPV4_TCP = 0,
	XS_C_IPV4_UDP,
	XS_C_IPV4_ICMP,
	XS_C_IPV4_OTHER,	/* other IP protocol (GRE, ESP, SCTP, ...) */
	XS_C_IPV4_FRAG,		/* non-first fragment: no L4 header */
	XS_C_IPV6_TCP,
	XS_C_IPV6_UDP,
	XS_C_IPV6_ICMP,		/* ICMPv6 */
	XS_C_IPV6_OTHER,
	XS_C_IPV6_FRAG,
	XS_C_ARP,
	XS_C_OTHER_L2,		/* any other EtherType */
	XS_C_MALFORMED,		/* truncated or invalid header: see enum xs_err */
	XS_C_MAX
};

/* Why a packet was counted as malformed. Each packet has at most one. */
enum xs_err {
	XS_E_ETH_TRUNC = 0,	/* shorter than an Ethernet header */
	XS_E_VLAN_TRUNC,	/* VLAN tag cut short */
	XS_E_VLAN_DEPTH,	/* more than XS_VLAN_MAX_DEPTH tags */
	XS_E_IPV4_TRUNC,	/* shorter than the IPv4 header (IHL included) */
	XS_E_IPV4_HDR,		/* version != 4, IHL < 5 or total length < IHL */
	XS_E_IPV6_TRUNC,	/* shorter than the fixed IPv6 header */
	XS_E_IPV6_HDR,		/* version != 6 */
	XS_E_IPV6_EXT_TRUNC,	/* extension header cut short */
	XS_E_IPV6_EXT_DEPTH,	/* more than XS_IPV6_EXT_MAX extension headers */
	XS_E_TCP_TRUNC,		/* TCP header (data offset included) cut short */
	XS_E_TCP_HDR,		/* data offset < 5 */
	XS_E_UDP_TRUNC,
	XS_E_ICMP_TRUNC,
	XS_E_ICMP6_TRUNC,
	XS_E_IPV6_V4MAPPED,	/* IPv4-mapped address in an IPv6 header (RFC 4291
				 * 2.5.5.2: never on the wire; Linux drops it) */
	XS_E_MAX
};

/* Counters that are not one-per-packet. */
enum xs_cnt {
	XS_N_TCP_SYN = 0,	/* SYN without ACK */
	XS_N_TCP_SYNACK,
	XS_N_TCP_RST,
	XS_N_TCP_FIN,
	XS_N_VLAN,		/* packets with at least one VLAN tag */
	XS_N_IP_FRAG_FIRST,	/* first fragment (carries L4) */
	XS_N_REFLECT,		/* UDP from a well-known reflector source port */
	XS_N_FLOW_NEW,		/* flows first seen (event attempted) */
	XS_N_EV_SENT,		/* new-flow events submitted to the ring buffer */
	XS_N_EV_BUDGET,		/* events not sent: over the per-tick budget */
	XS_N_EV_RINGFULL,	/* events not sent: ring buffer full */
	XS_N_DST_FULL,		/* packets not tracked per destination: map full */
	XS_N_SRC_FULL,		/* packets not tracked per source: map full */
	XS_N_FLOW_FULL,		/* a live flow evicted for a new one (flow table full) */
	XS_N_DST_USED,		/* destination table slots claimed (this CPU, this gen) */
	XS_N_SRC_USED,		/* source table slots claimed */
	XS_N_BLOCKED,		/* dropped: source on the blocklist (enforce mode) */
	XS_N_RATE_LIMITED,	/* dropped: over a destination's rate limit */
	XS_N_FP_DROPPED,	/* dropped: a victim's fingerprint rule (action filter) */
	XS_N_FRAG_TINY,		/* first fragments too short for their L4 header
				 * (TCP < 20 bytes, UDP/ICMP < 8, or an IPv6
				 * header chain cut): reassembly evasion */
	XS_N_FRAG_OVERLAP,	/* TCP fragments at offset 8 that overwrite the
				 * TCP header of the first (RFC 1858) */
	XS_N_FRAG_DROPPED,	/* dropped: tiny or overlapping fragment (policy) */
	XS_N_SRC_UNADMITTED,	/* packets not tracked per source: a new source
				 * of a flooded destination, outside the sample */
	XS_N_FLOW_UNADMITTED,	/* of those, the ones that could start a flow:
				 * not looked up in the flow table */
	XS_N_MAX
};

/* Global counters for one generation, one per CPU (PERCPU_ARRAY, key = gen). */
struct xs_global {
	__u64 pkts[XS_C_MAX];
	__u64 bytes[XS_C_MAX];
	__u64 err[XS_E_MAX];
	__u64 cnt[XS_N_MAX];
};
_Static_assert(sizeof(struct xs_global) == 8 * (2 * XS_C_MAX + XS_E_MAX + XS_N_MAX),
	       "xs_global layout");

/* Running totals (ARRAY, one entry), written by userspace after each
 * drain: every generation before through_epoch is included. */
struct xs_totals {
	__u32 through_epoch;
	__u32 pad;
	struct xs_global g;
};
_Static_assert(sizeof(struct xs_totals) == 8 + sizeof(struct xs_global), "xs_totals layout");

/* An address; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so that one key
 * type serves both families. */
struct xs_addr {
	__u8 a[16];
};
_Static_assert(sizeof(struct xs_addr) == 16, "xs_addr size");

/* Per-destination aggregate for one generation (a slot of xs_dtab). */
struct xs_dst {
	__u64 pkts;
	__u64 bytes;		/* frame bytes, Ethernet header included */
	__u64 tcp;
	__u64 syn;		/* SYN without ACK */
	__u64 synack;		/* SYN+ACK received by this address */
	__u64 rst;
	__u64 udp;
	__u64 icmp;		/* ICMP and ICMPv6 */
	__u64 frag;		/* non-first fragments */
	__u64 refl_pkts;	/* UDP from a reflector source port */
	__u64 refl_bytes;
	__u64 frag_bytes;
	__u64 udp_bytes;	/* frame bytes of the udp packets */
	__u64 icmp_bytes;	/* frame bytes of the icmp packets */
	__u16 dport_sample;	/* a recent TCP/UDP destination port, host order */
	/* Source admission (bpf/account.h admit_src): sources this
	 * destination's packets added to the source table (saturating), and
	 * its packets whose new source was left out of it (saturating). */
	__u16 new_src;
	__u32 unadmitted;
	__u8 hll_src[XS_HLL_REGS];	/* distinct sources */
	__u8 hll_dport[XS_HLL_REGS];	/* distinct TCP/UDP destination ports */
	/* Flood family (out-of-state TCP, reflection on any port, bursts). */
	__u64 ack;		/* TCP with ACK, without SYN or RST */
	__u64 ack_bytes;
	__u64 usrc;		/* bitmap (linear counting) of the sources sending from uport */
	__u32 uvotes;		/* uport's majority votes: a lower bound of its packets */
	__u16 uport;		/* majority UDP source port (Boyer-Moore), host order */
	__u16 pad2;
	__u8 hll_ack[XS_HLL_REGS];	/* distinct sources of TCP segments with ACK or RST */
	__u16 burst[XS_SLICES * XS_B_MAX];	/* packets per slice and kind, saturating:
						 * two cache lines */
};
_Static_assert(sizeof(struct xs_dst) ==
		       14 * 8 + 8 + 2 * XS_HLL_REGS + 4 * 8 + XS_HLL_REGS + 2 * XS_SLICES * XS_B_MAX,
	       "xs_dst layout");

/* SIP messages on a SIP port (bpf/sip.h): requests by the first word of
 * the payload, failure answers by their status code. */
enum xs_sip_req {
	XS_SIP_REGISTER = 0,
	XS_SIP_INVITE,
	XS_SIP_OPTIONS,
	XS_SIP_OTHER,		/* any other method (ACK, BYE, MESSAGE, ...) */
	XS_SIP_REQ_MAX
};

enum xs_sip_fail {
	XS_SIP_F_AUTH = 0,	/* 401, 407: credentials wanted or wrong */
	XS_SIP_F_FORBIDDEN,	/* 403 */
	XS_SIP_F_NOTFOUND,	/* 404: no such user or extension */
	XS_SIP_F_OTHER,		/* any other 4xx, 5xx, 6xx */
	XS_SIP_FAIL_MAX
};

/* Per-source aggregate for one generation (a slot of xs_stab). The __u64
 * counters come first (userspace sums them over CPUs as one array), then
 * what every probe touches, then the SIP part, which only SIP messages
 * touch: a slot claimed for a new source zeroes the value up to sip_tag
 * (XS_SRC_ZERO), and the SIP part is zeroed by its first message of the
 * generation (sip_tag = the generation's tag, epoch + 1, then); userspace
 * reads it as zero while sip_tag differs from that tag. A spoofed flood's new
 * sources thus write two cache lines, not three. */
struct xs_src {
	__u64 pkts;
	__u64 bytes;
	__u64 syn;
	__u64 synack;		/* SYN+ACK sent by this address */
	__u64 rst;
	__u64 icmp_echo;	/* ICMP/ICMPv6 echo requests sent */
	__u64 frag_evasion;	/* tiny first and overlapping fragments sent */
	__u64 tcp_data;		/* TCP segments with payload sent */
	__u64 probes;		/* packets that can be a probe (bpf/probe.h) */
	__u8 hll_dst[XS_HLL_REGS];	/* distinct destinations of its probes */
	__u32 sip_tag;		/* the SIP part is this generation's when = epoch + 1 */
	__u32 sip_peer_msgs;	/* of those below, sent to sip_peer since it became the peer */
	__u32 sip_req[XS_SIP_REQ_MAX];	/* SIP requests sent, by method */
	__u32 sip_fail[XS_SIP_FAIL_MAX];	/* SIP failure answers sent */
	__u32 sip_peers;	/* times the peer changed (the first one included) */
	__u32 pad;
	struct xs_addr sip_peer;	/* where this address last sent a request or failure */
};
_Static_assert(sizeof(struct xs_src) == 9 * 8 + XS_HLL_REGS + 4 * (XS_SIP_REQ_MAX +
									 XS_SIP_FAIL_MAX + 4) +
						 16,
	       "xs_src layout");
#define XS_SRC_ZERO __builtin_offsetof(struct xs_src, sip_tag)

/*
 * Per-address tables: hash tables in mmapable ARRAYs, one region per CPU
 * and generation, so that the program increments without locks and
 * userspace reads a generation in place, without a syscall per entry.
 * A region is `buckets` buckets of XS_TABLE_WAYS slots: a key hashes to one
 * bucket, whose struct xs_tbucket -- one cache line -- holds how many of
 * its slots are used and a 32-bit fingerprint of each key, so that a
 * lookup, a claim and a miss in a full bucket all read one line before the
 * slot itself. Bucket b of region r is xs_dtags[r * buckets + b]; its
 * slots are xs_dtab[(r * buckets + b) * XS_TABLE_WAYS + i]. The same key
 * falls in the same bucket in every region, so the drain merges the CPUs'
 * regions bucket by bucket, and then empties each bucket it read (n = 0).
 * Each region's list (xs_dlist/xs_slist, __u64: its count, then bucket
 * numbers) names the buckets it started using, so a drain touches only
 * those. XS_N_DST_USED/XS_N_SRC_USED count the slots claimed.
 */
#define XS_TABLE_WAYS 15	/* slots per bucket; a key finding none free is "map full" */

struct xs_tbucket {
	__u32 n;			/* slots used, 0..XS_TABLE_WAYS */
	__u32 fp[XS_TABLE_WAYS];	/* fingerprints: the high half of the key's hash */
};
_Static_assert(sizeof(struct xs_tbucket) == 64, "xs_tbucket: one cache line");

struct xs_dst_slot {
	struct xs_addr key;
	struct xs_dst v;
};
_Static_assert(sizeof(struct xs_dst_slot) == 16 + sizeof(struct xs_dst), "xs_dst_slot layout");

/* A source's slot also remembers the last flow it started in this
 * generation on this CPU (the destination's hash and the flow key's last
 * word: ports and protocol; 0: none), so that the next packets of that
 * flow skip the flow table. */
struct xs_src_slot {
	struct xs_addr key;
	__u64 flow_dst;
	__u64 flow_ports;
	struct xs_src v;
};
_Static_assert(sizeof(struct xs_src_slot) == 32 + sizeof(struct xs_src), "xs_src_slot layout");

/* Flow table key (hashed, never stored). Ports are in network order;
 * for ICMP/ICMPv6, sport = type << 8 | code and dport = echo identifier
 * (0 for non-echo messages). */
struct xs_flow_key {
	struct xs_addr src;
	struct xs_addr dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 pad[3];
};
_Static_assert(sizeof(struct xs_flow_key) == 40, "xs_flow_key size");

/* A bucket of the flow table (xs_flowtab: an ARRAY shared by all CPUs),
 * one cache line: XS_FLOW_WAYS entries of fingerprint << 32 | seen, where
 * the fingerprint is the high half of the flow's hash (the low half picks
 * the bucket) and seen = epoch + 1 of the last tick the flow was seen in
 * (0: empty). A CPU claims an entry by compare-and-swap, so a flow is new
 * exactly once whichever CPU sees it; a flow not seen for flow_ttl ticks is
 * forgotten, and when all entries are live the oldest is evicted (an
 * approximate LRU). Two flows share an entry only if their 64-bit keyed
 * hashes agree on the bucket and the fingerprint. */
#define XS_FLOW_WAYS 8
struct xs_flow_bucket {
	__u64 e[XS_FLOW_WAYS];
};
_Static_assert(sizeof(struct xs_flow_bucket) == 64, "xs_flow_bucket: one cache line");

/* Ring buffer record: the first packet of a new flow. */
struct xs_flow_event {
	struct xs_addr src;
	struct xs_addr dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 tcp_flags;		/* flags byte of the first TCP packet, else 0 */
	__u8 cls;		/* enum xs_class */
	__u8 vlan;		/* number of VLAN tags */
	__u32 epoch;
	__u32 ifindex;
	__u32 len;		/* frame length */
	__u8 flags;		/* XS_EV_F_* */
	__u8 pad[3];
};
_Static_assert(sizeof(struct xs_flow_event) == 56, "xs_flow_event size");

/* The flow's first packet was a tiny first fragment: its ports are 0
 * when the fragment did not carry them, its TCP flags 0 when it did not
 * carry them (a reassembling host sees a whole segment there). */
#define XS_EV_F_TINY_FRAG (1u << 0)

/* Run-time knobs (ARRAY, one entry), written by userspace. */
struct xs_runtime {
	__u32 epoch;		/* current generation is epoch & 1 */
	__u32 ev_budget;	/* new-flow events per CPU per tick; 0 = none */
	__u32 flags;		/* XS_RT_* */
	__u32 flow_ttl;		/* ticks a flow is remembered unseen (0: until evicted) */
	__u32 slice;		/* sub-tick slice being written, 0..XS_SLICES-1 */
	/* Source admission (bpf/account.h admit_src): once a destination's
	 * packets added admit_after new sources to this CPU's source table in
	 * a tick (0: never), a new source reaching it is added only if its
	 * keyed hash falls in the sample of 1 in 2^admit_shift. */
	__u16 admit_after;
	__u8 admit_shift;	/* 0..15 */
	__u8 pad;
};
_Static_assert(sizeof(struct xs_runtime) == 24, "xs_runtime size");

#define XS_RT_FLOWS_OFF (1u << 0)	/* skip flow tracking and events */
#define XS_RT_VICTIMS (1u << 1)		/* xs_victims is not empty: look destinations up */
#define XS_RT_FP_HEADERS (1u << 2)	/* samples carry the packet's first bytes (pcaps) */
#define XS_RT_DROP_FRAG_EVASION (1u << 3)	/* enforce: drop tiny/overlapping fragments */
/* Which shapes of xs_watch keys exist (the program looks up only those). */
#define XS_RT_WATCH_EXACT (1u << 4)	/* (src, dst, dport, proto) */
#define XS_RT_WATCH_PAIR (1u << 5)	/* (src, dst, 0, 0) */
#define XS_RT_WATCH_SVC (1u << 6)	/* (src, ::, dport, proto) */
#define XS_RT_WATCH_ANY (XS_RT_WATCH_EXACT | XS_RT_WATCH_PAIR | XS_RT_WATCH_SVC)
/* Bits 8-15: the prefix length IPv6 sources are watched under (the
 * engine counts them per /64 by default); 0 or 128: the address itself. */
#define XS_RT_SRC6_SHIFT 8
#define XS_RT_SRC6_MASK (0xffu << XS_RT_SRC6_SHIFT)
#define XS_RT_FLEET (1u << 7)		/* fleet sketches (bpf/fleet.h) may watch victims */
/* Mirror mode (run --mirror): the frames are copies from a SPAN or TAP port;
 * each is counted, then dropped (XDP_DROP), so no skb is built. Above
 * the IPv6 prefix length's bits 8-15. */
#define XS_RT_MIRROR (1u << 16)

/* Mitigation (enforce mode). Both tables are LPM tries keyed by prefix, so
 * an empty table costs one cheap lookup per packet. IPv4 prefixes are
 * stored IPv4-mapped: prefixlen = 96 + the IPv4 length. */
struct xs_lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};
_Static_assert(sizeof(struct xs_lpm_key) == 20, "xs_lpm_key size");

/* Blocklist entry (LPM_TRIE on the source). Hits are atomic adds: the
 * entry is shared, and only blocked traffic touches it. */
struct xs_block {
	__u64 expires_ns;	/* CLOCK_MONOTONIC; 0 = never */
	__u64 created_ns;
	__u64 hits;		/* packets dropped */
	__u64 bytes;
	__u32 rule;		/* who added it: XS_BLOCK_BY_* */
	__u32 pad;
};
_Static_assert(sizeof(struct xs_block) == 40, "xs_block size");

#define XS_BLOCKLIST_MAX 4096	/* xs_blocklist entries */

#define XS_BLOCK_BY_USER 0	/* xdpstream block */
#define XS_BLOCK_BY_RULE 1	/* an alert's block action */
#define XS_BLOCK_BY_FLEET 2	/* a request of the fleet application (fleet_mitigation) */

/* What a rate limit applies to. */
enum xs_limit_match {
	XS_LIM_ALL = 0,
	XS_LIM_SYN,		/* TCP SYN without ACK */
	XS_LIM_UDP,
	XS_LIM_ICMP,
	XS_LIM_REFLECT,		/* UDP from reflector ports and later fragments */
	XS_LIM_MAX
};

/* Rate limit on a destination prefix (LPM_TRIE); its token bucket lives
 * in xs_limit_state[slot], per CPU. */
struct xs_limit {
	__u64 expires_ns;	/* 0 = never */
	__u32 match;		/* enum xs_limit_match */
	__u32 slot;
};
_Static_assert(sizeof(struct xs_limit) == 16, "xs_limit size");

/* Per-CPU token bucket: each CPU gets rate/ncpus (userspace divides), so
 * no locks. Tokens are in packet-nanoseconds (1e9 = one packet). */
struct xs_limit_state {
	__u64 rate_pps;		/* this CPU's share */
	__u64 burst;		/* packets */
	__u64 tokens;
	__u64 last_ns;
	__u64 passed;
	__u64 dropped;
};
_Static_assert(sizeof(struct xs_limit_state) == 48, "xs_limit_state size");

/* Reflector source ports: a bitmap over the 65536 UDP ports (ARRAY of one
 * 8 KiB entry), filled by userspace from the configured list. */
#define XS_PORT_BITMAP_WORDS (65536 / 64)
struct xs_port_bitmap {
	__u64 w[XS_PORT_BITMAP_WORDS];
};
_Static_assert(sizeof(struct xs_port_bitmap) == 8192, "xs_port_bitmap size");

/* The mitigation commands' journal (ARRAY, mmapable, XS_MLOG_LEN records,
 * a ring by seq): `xdpstream block` and friends append what they did, so
 * that the daemon reports every change as an event even when it lasted
 * less than a tick. Userspace only. */
#define XS_MLOG_LEN 256
enum xs_mlog_op { XS_MLOG_BLOCK = 1, XS_MLOG_UNBLOCK, XS_MLOG_LIMIT, XS_MLOG_UNLIMIT };
struct xs_mlog_rec {
	__u64 seq;		/* 0: empty; the record's slot is seq % XS_MLOG_LEN */
	__u64 time_ns;		/* CLOCK_MONOTONIC */
	struct xs_lpm_key key;
	__u32 op;		/* enum xs_mlog_op */
	__u32 ttl_s;
	__u32 match;		/* limits: enum xs_limit_match */
	__u64 pps;		/* limits */
};
_Static_assert(sizeof(struct xs_mlog_rec) == 56, "xs_mlog_rec size");

/* Written by the daemon each tick into pinned ARRAY maps, for `status`
 * and `top` (no kernel access: they live in the BPF object only so that
 * they are pinned and found with the rest). */
#define XS_STATUS_SINKS 8
struct xs_sink_status {
	char name[24];		/* e.g. "kafka:xdpstream.alerts" */
	__u32 up;		/* 1 = delivering */
	__u32 pad;
	__u64 sent;
	__u64 failed;
	__u64 queued;
	__u64 spooled;
};
_Static_assert(sizeof(struct xs_sink_status) == 64, "xs_sink_status size");

struct xs_status {
	__u64 start_time;	/* seconds since the Unix epoch */
	__u64 last_tick_time;	/* same clock */
	__u64 ticks;
	__u32 pid;
	__u32 tick_ms;
	__u32 tick_lag_us;	/* last tick: how late the drain finished */
	__u32 nsinks;
	__u64 dst_entries;	/* last tick: tracked destinations / capacity */
	__u64 dst_capacity;
	__u64 src_entries;
	__u64 src_capacity;
	__u64 flow_capacity;
	__u64 alerts_active;
	struct xs_global last;	/* last tick's counters */
	__u64 last_secs_x1000;	/* its length, in ms */
	struct xs_sink_status sinks[XS_STATUS_SINKS];
};

/* Top talkers of the last tick (ARRAY, XS_TOP_N entries each for
 * destinations and sources, by packets). */
#define XS_TOP_N 20
struct xs_top_entry {
	struct xs_addr addr;
	__u64 pkts;
	__u64 bytes;
	__u64 syn;
	__u64 pad;
};
_Static_assert(sizeof(struct xs_top_entry) == 48, "xs_top_entry size");

struct xs_top {
	__u32 epoch;
	__u32 ndst;
	__u32 nsrc;
	__u32 pad;
	struct xs_top_entry dst[XS_TOP_N];
	struct xs_top_entry src[XS_TOP_N];
};

/*
 * Evidence that a source is real before a rule blocks it (issue 13): what
 * it sends in the flows of an alert, counted only for keys userspace
 * watches (PERCPU_HASH xs_watch, at most XS_WATCH_MAX keys), and only for
 * sources whose bit is set in xs_watch_srcs (bit = the source's keyed
 * hash & 0xffff), so that other traffic pays one array lookup. A spoofer
 * sends SYNs; a real client completes handshakes (ACK without SYN or
 * RST) and sends data. Counters are cumulative; userspace takes deltas.
 */
#define XS_WATCH_MAX 1024
struct xs_watch_key {
	struct xs_addr src;
	struct xs_addr dst;	/* all zero: any destination (XS_RT_WATCH_SVC) */
	__be16 dport;		/* 0 with proto 0: any port (XS_RT_WATCH_PAIR) */
	__u8 proto;
	__u8 pad;
	__u32 pad2;
};
_Static_assert(sizeof(struct xs_watch_key) == 40, "xs_watch_key size");

struct xs_watch_val {
	__u64 pkts;
	__u64 bytes;
	__u64 syn;		/* SYN without ACK */
	__u64 ack;		/* TCP with ACK, without SYN or RST */
	__u64 data;		/* TCP segments with payload */
};
_Static_assert(sizeof(struct xs_watch_val) == 40, "xs_watch_val size");

/* The instance's hashing secret (ARRAY, one entry, pinned with the other
 * maps; userspace only). k[0], k[1] key the program's hashes (the loader
 * copies them into its read-only data before load); k[2], k[3] the
 * daemon's own tables. A daemon that adopts a running program reads the
 * secret back from here. */
struct xs_secret {
	__u64 k[4];
};
_Static_assert(sizeof(struct xs_secret) == 32, "xs_secret size");

/*
 * Fingerprints and per-victim drop rules (bpf/fingerprint.h, bpf/filter.h).
 * A victim under a flood or reflection alert is watched: an entry of
 * xs_victims, looked up per packet only while the table is not empty
 * (XS_RT_VICTIMS). Its packets are counted by class, sampled into the
 * xs_fp_ring ring buffer (one in sample_every, at most sample_budget per
 * CPU and tick, deterministic: a per-CPU xorshift), and checked against its
 * rules, which count what they match and drop it when asked to.
 */
#define XS_VICTIMS_MAX 64	/* victims watched at once */
#define XS_FP_RULES 8		/* rules per victim */
#define XS_FP_SNAP 128		/* packet bytes a sample keeps (the headers) */

/* What a rule matches besides the victim: bits of xs_fp_rule.fields. */
#define XS_FPF_PROTO (1u << 0)	/* IP protocol / IPv6 next header */
#define XS_FPF_SPORT (1u << 1)	/* TCP/UDP source port range */
#define XS_FPF_DPORT (1u << 2)	/* TCP/UDP destination port range */
#define XS_FPF_LEN (1u << 3)	/* IP length range (IPv4 total length, IPv6 payload length) */
#define XS_FPF_TTL (1u << 4)	/* TTL / hop limit range */
#define XS_FPF_TCP (1u << 5)	/* (TCP flags & tcp_mask) == tcp_flags */
#define XS_FPF_FRAG (1u << 6)	/* fragment state in the frag set */
#define XS_FPF_ICMP (1u << 7)	/* ICMP / ICMPv6 type */

/* Fragment states (bits of xs_fp_rule.frag and xs_fp_sample.frag). */
#define XS_FPFR_NONE (1u << 0)	/* not a fragment */
#define XS_FPFR_FIRST (1u << 1)	/* first fragment: carries the L4 header */
#define XS_FPFR_LATER (1u << 2)	/* later fragment: no L4 header, never matches ports */

/* One rule: a packet to the victim matches when every field set matches. */
struct xs_fp_rule {
	__u16 sport_lo, sport_hi;	/* host order, inclusive */
	__u16 dport_lo, dport_hi;
	__u16 len_lo, len_hi;
	__u8 fields;		/* XS_FPF_* */
	__u8 proto;
	__u8 tcp_flags, tcp_mask;
	__u8 frag;		/* XS_FPFR_* states that match */
	__u8 ttl_lo, ttl_hi;
	__u8 icmp_type;
	__u8 cls;		/* enum xs_limit_match: which matches are the attack's */
	__u8 drop;		/* 1: XDP_DROP what matches (enforce); 0: count only */
	__u8 pad[2];
};
_Static_assert(sizeof(struct xs_fp_rule) == 24, "xs_fp_rule size");

/* A watched victim (xs_victims: HASH, key struct xs_addr). */
struct xs_victim {
	__u32 slot;		/* its counters: xs_vstats[slot] */
	__u32 sample_every;	/* sample one packet in this many, on average; 0: none */
	__u32 sample_budget;	/* at most this many samples per CPU and tick */
	__u32 nrules;
	__u64 expires_ns;	/* CLOCK_MONOTONIC: rules stop dropping then; 0 = never */
	struct xs_fp_rule rule[XS_FP_RULES];
};
_Static_assert(sizeof(struct xs_victim) == 24 + 24 * XS_FP_RULES, "xs_victim size");

/* A watched victim's counters on one CPU (xs_vstats: PERCPU_ARRAY, one
 * per slot). Userspace zeroes a slot before it hands it out. */
struct xs_vstats {
	__u64 pkts[XS_LIM_MAX];	/* its packets by class (XS_LIM_ALL: every one) */
	__u64 sampled;		/* samples sent */
	__u64 lost;		/* samples not sent: over the budget or the ring full */
	__u64 dropped;		/* packets its rules dropped */
	__u64 hits[XS_FP_RULES][2];	/* rule i matched: [0] of the rule's class, [1] not */
	__u32 tick_epoch;	/* the tick tick_samples counts */
	__u32 tick_samples;
	__u32 rng;		/* the sampler's xorshift32 state (never 0) */
	__u32 pad;
};
_Static_assert(sizeof(struct xs_vstats) == 8 * (XS_LIM_MAX + 3 + 2 * XS_FP_RULES) + 16,
	       "xs_vstats layout");

/* A sampled packet (ring buffer xs_fp_ring). Records end after hdr[] when
 * XS_RT_FP_HEADERS is off (caplen 0). */
struct xs_fp_sample {
	struct xs_addr victim;
	__u64 ktime_ns;		/* CLOCK_MONOTONIC */
	__u32 epoch;
	__u32 len;		/* frame length */
	__u16 sport, dport;	/* host order; ICMP: type << 8 | code, echo id */
	__u16 ip_len;		/* IPv4 total length, IPv6 payload length */
	__u16 caplen;		/* bytes in data */
	__u8 proto, tcp_flags, frag, ttl;	/* frag: XS_FPFR_* */
	__u8 cls_bits;		/* 1 << enum xs_limit_match for each class it is in */
	__u8 l4;		/* the L4 header was parsed */
	__u8 icmp_type;
	__u8 rules_hit;		/* bit i: rule i matched */
	__u8 dropped;		/* a rule dropped it */
	__u8 vlans;
	__u8 pad[6];
	__u8 data[XS_FP_SNAP];
};
_Static_assert(sizeof(struct xs_fp_sample) == 56 + XS_FP_SNAP, "xs_fp_sample size");

/* What the daemon publishes each tick about fingerprints and BGP for
 * `status` and `top` (xs_fp_board: ARRAY, one entry; userspace only). */
#define XS_FP_BOARD_N 16
struct xs_fp_board_entry {
	struct xs_addr victim;
	char alert_id[24];
	char rule[24];
	char match[160];	/* the fingerprint, as text ("" while sampling) */
	__u32 coverage_ppm;	/* share of the attack's samples it matches, parts per million */
	__u32 collateral_ppm;	/* share of the victim's other samples it matches */
	__u32 actions;		/* 1 << enum xs_action taken */
	__u32 routes;		/* BGP routes announced for it */
	__u64 samples;		/* samples of the victim so far */
	__u64 dropped;		/* packets its filter rules dropped */
};
_Static_assert(sizeof(struct xs_fp_board_entry) == 16 + 24 + 24 + 160 + 16 + 16,
	       "xs_fp_board_entry size");

struct xs_fp_board {
	__u32 n;		/* entries used */
	__u32 watched;		/* victims in xs_victims */
	__u32 bgp_state;	/* enum xs_bgp_state; 0: closed (no BGP) */
	__u32 bgp_active;	/* routes announced */
	__u64 bgp_announced, bgp_withdrawn, bgp_refused;
	struct xs_fp_board_entry e[XS_FP_BOARD_N];
};

/* TCP flag bits as in the header's 14th byte. */
#define XS_TCP_FIN 0x01
#define XS_TCP_SYN 0x02
#define XS_TCP_RST 0x04
#define XS_TCP_PSH 0x08
#define XS_TCP_ACK 0x10

/*
 * Fleet HyperLogLog (docs/fleet.md): for the few victims userspace watches
 * (the top destinations by packets of the last tick), the source of every
 * packet goes into a sketch of 2^XS_FLEET_P registers, hashed with
 * SipHash-2-4 under the fleet's key so that the sketches of every sensor
 * merge. Unwatched destinations cost one load and a bit test.
 */
#define XS_FLEET_P 14
#define XS_FLEET_REGS (1 << XS_FLEET_P)
#define XS_FLEET_WATCH 8	/* victims watched at once */
#define XS_FLEET_BUCKET(ad)	/* a watched address's bit in the filter */                       \
	((((__u32)(ad)->a[12] << 24 | (__u32)(ad)->a[13] << 16 | (__u32)(ad)->a[14] << 8 |          \
	   (__u32)(ad)->a[15]) * 0x9e3779b1u) >> 26)

/* One generation's watch list. Userspace fills a slot (addr, then on, then
 * the filter bit) only while the slot is off, and clears slots only in the
 * generation it has just drained. */
struct xs_fleet_watch {
	__u64 filter;		/* bit XS_FLEET_BUCKET(addr) of every slot on; 0: none */
	__u8 on[XS_FLEET_WATCH];	/* slot i watches addr[i] */
	struct xs_addr addr[XS_FLEET_WATCH];
};
_Static_assert(sizeof(struct xs_fleet_watch) == 16 + 16 * XS_FLEET_WATCH, "xs_fleet_watch layout");

/* The fleet's control (ARRAY, one entry, mmapable). */
struct xs_fleet_ctl {
	__u64 k0, k1;		/* SipHash key (fleet_hll_key, little-endian halves) */
	struct xs_fleet_watch gen[XS_GENS];
	/* Userspace only, for a daemon that adopts a kept program: */
	__u64 last_flip_us;	/* wall clock of the last flip: the next tick's start */
	__u64 last_seq;		/* tick.seq of the last tick sent */
};
_Static_assert(sizeof(struct xs_fleet_ctl) == 16 + XS_GENS * sizeof(struct xs_fleet_watch) + 16,
	       "xs_fleet_ctl layout");

/* A watched victim's sketch on one CPU in one generation (xs_fleet_hll:
 * an ARRAY, mmapable, slot (cpu * XS_GENS + gen) * XS_FLEET_WATCH + i). */
struct xs_fleet_hll {
	__u32 have_last;	/* last is set */
	__u32 pad;
	struct xs_addr last;	/* the source added last: not hashed again */
	__u8 reg[XS_FLEET_REGS];
};
_Static_assert(sizeof(struct xs_fleet_hll) == 24 + XS_FLEET_REGS, "xs_fleet_hll layout");

#endif /* XS_ABI_H */
