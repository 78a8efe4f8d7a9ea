/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The engine's tables, for the engine and its detectors (user/detection/detectors/).
 *
 * From ticks (kernel aggregates):
 *   dst    victim address -> a ring of per-tick counts and HyperLogLogs
 *          (flood rules), EWMA baselines, top sources of its new flows
 * From flow events (first packet of each flow):
 *   pairs  (src, dst, proto, port) -> last tick seen, and which of the
 *          three "distinct" counts below it is counted in
 *   scans  (src, dst)            -> distinct ports          (port_scan)
 *   sweeps (src, proto, port)    -> distinct destinations   (host_sweep)
 *   svcs   (dst, proto, port)    -> distinct sources, new connections/s
 *          (traffic_anomaly; proto XS_PROTO_REFL: distinct reflectors)
 *   conns  (src, dst, TCP, port) -> connections per tick   (brute_force)
 *   logins (dst, TCP port)       -> distinct sources, connections, top
 *          sources and baseline (credential_stuffing, login ports)
 * From the sources' kernel counters:
 *   probers src                  -> distinct destinations of its probes,
 *          the kernel's sketch per tick (host_sweep, any service)
 *   sips   (client, server)      -> SIP requests and failures (sip_fraud)
 * A pair leaves a distinct count when the count's window no longer holds
 * its last tick; the sweep at each tick does that exactly. port_scan and
 * host_sweep count on each of their scales (XS_SCALES windows); a pair
 * stays in a scale longer than the one below it only while its parent
 * keeps pace with that scale's threshold (keep_floor), so that slow
 * windows hold suspects, not every client's every pair.
 */
#ifndef XS_ENGINE_INT_H
#define XS_ENGINE_INT_H

#include "alert.h"
#include "engine.h"
#include "htab.h"
#include "rules.h"
#include "window.h"

/* Pseudo-protocol of the per-victim "distinct reflectors" service key. */
#define XS_PROTO_REFL 255

/* Burst kinds of the engine: the kernel's (enum xs_burst_kind), all
 * packets, and all but the "other" kind (what is left once established
 * TCP is set aside). */
enum { XS_BK_ALL = XS_B_MAX, XS_BK_NOT_OTHER, XS_BK_N };

/* The flood family's part of a slot: out-of-state TCP, the majority UDP
 * source port, the peak rate of each burst kind over a sub-tick slice. */
struct xs_dflood {
	uint32_t synack, rst, ack, syn_out, pkts_out;	/* syn_out, pkts_out: the
							 * victim's own, seen as a source */
	uint16_t uport;		/* majority UDP source port */
	uint16_t pad;
	uint32_t uvotes;	/* its votes: a lower bound of its packets */
	uint32_t pad2;
	uint64_t usrc;		/* bitmap of the sources sending from it */
	uint64_t ack_bytes;
	uint8_t hll_ack[XS_HLL_REGS];
	float burst_pps[XS_BK_N];	/* the peak slice's rate */
	uint32_t burst_pkts[XS_BK_N];	/* and its packets */
};

/* Bursts are measured over XS_BURST_SLICES adjacent slices (tick / 8),
 * sliding by one slice: a burst as short as one slice is seen whole in
 * some window, a longer one at least half. The last slice of a tick
 * pairs with the first of the next (the carry). */
#define XS_BURST_SLICES 2
struct xs_bcarry {
	uint32_t n[XS_B_MAX];	/* the last slice's packets per kind */
	float len;		/* its length, seconds */
	uint32_t tick;		/* the tick it ended */
};

/* One tick (or slot) of a destination's counts. */
struct xs_dslot {
	uint32_t pkts, syn, synack_out, udp, icmp, frag, refl_pkts, tcp;
	uint64_t bytes, udp_bytes, icmp_bytes, frag_bytes, refl_bytes;
	uint8_t hll_src[XS_HLL_REGS];
	uint8_t hll_dport[XS_HLL_REGS];
	struct xs_dflood f;
};

struct xs_dtrack {
	uint32_t ring;		/* index of its ring in the slab */
	uint32_t head;		/* newest slot id */
	uint32_t last_active;	/* last tick with traffic */
	uint32_t first_tick;
	uint16_t dport;		/* a recent destination port */
	uint8_t prof;
	uint8_t anomalous;	/* above its baseline at the last tick */
	uint32_t pad;
	uint64_t tick_pkts, tick_bytes;	/* this tick (0 if none) */
	struct xs_ewma pps, bps;	/* baseline of the per-tick rates */
	struct xs_topk top;	/* sources of its new flows */
	struct xs_bcarry carry;	/* bursts across the tick's edge */
};

/* Window sums of a destination. */
struct xs_dsum {
	double secs;
	uint64_t pkts, syn, synack_out, udp, icmp, frag, refl_pkts, tcp;
	uint64_t bytes, udp_bytes, icmp_bytes, frag_bytes, refl_bytes;
	uint8_t hll_src[XS_HLL_REGS];
	uint8_t hll_dport[XS_HLL_REGS];
	/* The flood family: sums, and over the window: */
	uint64_t synack, rst, ack, ack_bytes, syn_out, pkts_out;
	uint8_t hll_ack[XS_HLL_REGS];
	uint16_t uport;		/* the UDP source port with the most votes */
	uint64_t uport_pkts;	/* its votes: a lower bound of its packets */
	uint64_t usrc;		/* the sources seen sending from it */
	float burst_pps[XS_BK_N];	/* the peak slice of each kind */
	uint32_t burst_pkts[XS_BK_N];
};

struct xs_pkey {
	struct xs_addr src, dst;
	uint16_t port;		/* host order */
	uint8_t proto;
	uint8_t pad;
};

/* Which distinct counts a pair is in: port_scan and host_sweep once per
 * scale (bit << scale), the service's sources (traffic_anomaly or
 * reflection), a login service's sources (credential_stuffing). */
#define XS_IN_SCAN 0x0007
#define XS_IN_SWEEP 0x0038
#define XS_IN_SVC 0x0040
#define XS_IN_LOGIN 0x0080
#define XS_IN_SCAN_AT(sc) (1u << (sc))
#define XS_IN_SWEEP_AT(sc) (8u << (sc))

struct xs_pval {
	uint32_t last;		/* last tick seen */
	uint32_t conn_tick;	/* tick of its last connection attempt, 0: none */
	uint8_t dprof, sprof;
	uint16_t in;		/* XS_IN_*: the distinct counts it is in */
	uint8_t hits;		/* events seen (saturates): 1 = a single packet */
};

struct xs_scan_key {
	struct xs_addr src, dst;
};

struct xs_scan_val {
	uint32_t count[XS_SCALES];	/* distinct ports in each scale's window */
	uint32_t udp[XS_SCALES];	/* of them, UDP */
	uint32_t first;		/* tick it was created */
	uint32_t last;		/* tick a port last joined */
	uint16_t udp_sport;	/* the source port of the last UDP port joined */
	uint16_t udp_sports;	/* times it changed (saturating) */
	uint8_t prof;
	uint8_t nports;
	uint16_t ports[XS_FIND_PORTS];	/* the last new ports */
};

struct xs_sweep_key {
	struct xs_addr src;
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};

struct xs_sweep_val {
	uint32_t count[XS_SCALES];	/* distinct destinations in each window */
	uint32_t last;		/* tick a destination last joined */
	uint8_t prof;
	uint8_t pad[3];
};

/* A login service (credential_stuffing). */
struct xs_login_key {
	struct xs_addr dst;
	uint16_t port;
	uint16_t pad;
};

struct xs_login_val {
	uint32_t count;		/* distinct sources in the window */
	uint32_t head;		/* newest slot of ring */
	uint32_t conns_tick;	/* connections this tick */
	uint32_t first;		/* tick it was created */
	uint8_t prof;
	uint8_t anomalous;
	uint16_t pad;
	struct xs_ewma fast, slow;	/* connections/s: over the window, over baseline_s */
	struct xs_topk top;	/* sources by connections */
	uint16_t ring[];	/* connections per slot (lgeom) */
};

/* A source whose probes reach many destinations (kernel sketch). */
struct xs_prober_val {
	uint32_t head;
	uint32_t last;		/* last tick with probes */
	uint8_t prof;
	uint8_t pad[7];
	uint8_t hll[][XS_HLL_REGS];	/* a sketch per slot (pgeom) */
};

struct xs_sip_key {
	struct xs_addr client, server;
};

/* One slot of a SIP pair's ring. */
struct xs_sip_slot {
	uint16_t req[XS_SIP_REQ_MAX];
	uint16_t fail[XS_SIP_FAIL_MAX];
};

struct xs_sip_val {
	uint32_t head;
	uint32_t first;
	uint8_t prof;
	uint8_t pad[7];
	struct xs_sip_slot ring[];	/* (sgeom) */
};

/* A source's host_sweep findings of one tick, merged: one alert per
 * sweeping source, whatever the services. */
struct xs_sweeper {
	double value, threshold, window_s;
	uint8_t prof;
	uint8_t proto;		/* 0: several */
	uint8_t nports;
	uint8_t any;		/* the kernel's sketch fired */
	int port;		/* -1: several or none */
	uint16_t ports[XS_FIND_PORTS];
};

struct xs_svc_key {
	struct xs_addr dst;
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};

struct xs_svc_val {
	uint32_t count;		/* distinct sources in the window */
	uint32_t conns_tick;	/* new connections this tick */
	uint32_t first;		/* tick it was created */
	uint8_t prof;
	uint8_t anomalous;
	uint16_t pad;
	struct xs_ewma fast;	/* over the rule's window: "now" */
	struct xs_ewma slow;	/* over baseline_s: "normal" */
};

/* Connections per slot in two rings: a fine one (cgeom) for the windows
 * it spans, a coarse one (cgeom_long) for longer windows. */
struct xs_conn_val {
	uint32_t head;		/* newest slot id, fine ring */
	uint32_t head_long;	/* newest slot id, coarse ring */
	uint32_t sum[XS_SCALES];	/* connections in each scale's window */
	uint32_t conns;		/* connections since it was created */
	uint32_t first;
	uint64_t wpkts;		/* packets in the pair's flows since it is watched */
	uint64_t wdata;		/* of them, TCP segments with payload */
	uint32_t wconns0;	/* conns when the watch began */
	uint8_t prof;
	uint8_t watched;	/* the kernel counts its flows' packets */
	uint8_t pad[2];
	uint16_t ring[];	/* fine slots, then coarse slots */
};

/* Evidence of a watched key (user/detection/evidence.c): the kernel's
 * cumulative counts at the last read, this tick's, and all since the
 * watch began. */
struct xs_evid_val {
	struct xs_watch_val last, tick, total;
	uint32_t since;		/* tick it entered the kernel (0: not there) */
	uint32_t until;		/* wanted until this tick */
	uint32_t prio;		/* who gets the kernel's XS_WATCH_MAX keys */
	uint32_t pad;
};

/* A source that sent tiny or overlapping fragments (frag_evasion): its
 * per-tick counts in a ring of fgeom (frag_evasion's longest window), and the last destination one of them started a flow to. */
struct xs_frag_val {
	uint32_t head;		/* newest slot id */
	uint32_t sum;		/* fragments in the rule's window */
	uint32_t first;		/* tick it was created */
	uint8_t prof;		/* the source's network group */
	uint8_t has_dst;
	uint16_t pad;
	struct xs_addr dst;
	uint32_t ring[];
};

/* An event waiting in the engine's queue: its pair key and hashes. */
struct xs_prep {
	struct xs_pkey k;	/* its source under ipv6_source_prefix */
	struct xs_addr src;	/* the source itself */
	uint8_t kind;
	uint16_t sport;		/* host order */
	uint64_t h, h_scan, h_sweep;
};

#define XS_EV_BATCH 16

/* Per-tick totals and loss counters, kept for the longest window. */
struct xs_loss_slot {
	struct xs_loss l;
	uint64_t pkts, bytes;	/* all traffic */
	double late_s;		/* real time beyond its ticks' length (a stall) */
};

/* A victim prefix (IPv4 /24, IPv6 /64: carpet bombing): a ring of the sums
 * of its addresses' counts, and who sends to it. */
struct xs_pslot {
	struct xs_dslot d;
	uint32_t hosts;		/* addresses with traffic, the most in one tick */
	float top_share;	/* the busiest address's share of the packets, the
				 * highest in one tick */
};

#define XS_PFX_TOP 4
struct xs_ptrack {
	uint32_t ring;		/* index of its ring in the prefix slab */
	uint32_t head;
	uint32_t last_active;
	uint8_t prof;
	uint8_t ntop;
	uint16_t pad;
	struct xs_topk top;	/* sources of its new flows */
	struct xs_addr top_dst[XS_PFX_TOP];	/* its busiest addresses, last tick */
	uint32_t top_dst_pkts[XS_PFX_TOP];
	uint32_t slices[XS_SLICES * XS_B_MAX];	/* the tick being folded, per slice */
	struct xs_bcarry carry;
};

/* The multi-scale rules, their scales sorted by window (shortest first). */
enum { XS_MS_SCAN = 0, XS_MS_SWEEP, XS_MS_BRUTE, XS_MS_MAX };

struct xs_mscale {
	uint32_t n;		/* scales in use */
	uint32_t win[XS_SCALES];	/* in ticks */
	struct xs_scale sc[XS_SCALES];	/* thresholds (window_s as configured) */
};

struct xs_engine {
	struct xs_settings set;		/* a copy; rules shared with the caller */
	const struct xs_ruleset *rs;
	double tick_s;
	double tick_secs;		/* the tick being ended: its real length */
	uint32_t now;			/* the tick being filled */
	uint64_t ticks;			/* ticks ended */
	double ts;			/* end of the last tick */
	uint32_t win[XS_PROFILES_MAX][XS_R_MAX];	/* window per profile and rule, in ticks */
	struct xs_mscale ms[XS_PROFILES_MAX][XS_MS_MAX];
	uint32_t max_win;		/* longest window of any rule */
	bool any_profiles;		/* network groups exist */

	struct xs_wgeom dgeom;		/* destination rings */
	struct xs_htab dst;
	struct xs_dslot *slab;		/* destinations x dgeom.nslots slots */
	uint32_t *slab_free;
	uint32_t nslab_free;

	struct xs_htab pairs, scans, sweeps, svcs, conns;
	struct xs_htab frags;		/* sources of tiny/overlapping fragments */
	struct xs_htab evid;		/* watched keys: evidence a source is real */
	size_t watched;			/* of which in the kernel */
	struct xs_wgeom cgeom;		/* connection rings: the fine one */
	struct xs_wgeom cgeom_long;	/* and the coarse one (nslots 0: none) */
	uint32_t cfine_max;		/* longest window the fine ring serves */

	struct xs_htab logins;		/* credential_stuffing */
	struct xs_wgeom lgeom_login;
	struct xs_htab probers;		/* host_sweep, the kernel's sketch */
	struct xs_wgeom pgeom;
	struct xs_htab sips;		/* sip_fraud */
	struct xs_wgeom sgeom;
	struct xs_htab sweepers;	/* this tick's sweeping sources */

	struct xs_htab srcidx;		/* this tick's sources: addr -> index */
	const struct xs_tick *tick;	/* the tick being ended (NULL: idle) */

	struct xs_wgeom lgeom;		/* loss ring */
	struct xs_wgeom fgeom;		/* frag_evasion rings */
	uint32_t lhead;
	struct xs_loss_slot *loss;
	uint64_t last_overflow;		/* engine overflows counted so far */

	struct xs_ewma total_pps, total_bps;
	uint8_t total_anomalous;
	uint64_t tick_pkts, tick_bytes;

	/* Victim prefixes (user/detection/prefixes.c). */
	struct xs_htab pfx;		/* prefix -> struct xs_ptrack */
	struct xs_pslot *pslab;
	uint32_t *pslab_free;
	uint32_t npslab_free;
	struct xs_htab pfx_tick;	/* this tick's prefixes: hosts and packets */
	void **pfx_of;			/* each of the tick's destinations: its pfx_tick entry */
	size_t pfx_of_cap;
	uint64_t pfx_lost;		/* destinations worth a window whose prefix the
					 * scratch table refused */

	uint16_t refl_bitmap[4096];	/* reflector ports, 65536 bits */
	uint64_t rng;			/* eviction samples (deterministic) */
	uint64_t evicted;		/* single-packet pairs evicted for others */
	struct xs_alert_mgr *alerts;
	uint64_t events;
	struct xs_prep q[XS_EV_BATCH];	/* events not yet processed */
	int nq;
};

/* What a detector sees. */
struct xs_det_ctx {
	struct xs_engine *e;
	uint32_t now;
	double ts;
};

struct xs_detector {
	int rule;		/* enum xs_rule */
	void (*eval)(struct xs_det_ctx *c);
};

/* Sources of tiny or overlapping fragments (user/detection/fragsrc.c):
 * the tick's per-source counts in, the window slid, events' victims. */
void xs_frag_fold(struct xs_engine *e, const struct xs_tick *t);
void xs_frag_slide(struct xs_engine *e);
void xs_frag_event(struct xs_engine *e, const struct xs_flow_event *ev);

/* Evidence (user/detection/evidence.c): wanting a key for ticks at
 * priority prio; the brute-force candidates' watches, each tick. */
void xs_evid_want(struct xs_engine *e, const struct xs_watch_key *k, uint32_t ticks,
		  uint32_t prio);
const struct xs_evid_val *xs_evid_find(const struct xs_engine *e, const struct xs_watch_key *k);
void xs_evid_tick(struct xs_engine *e);
/* The watch key of a (source, destination, TCP port) service pair. */
void xs_evid_key_service(struct xs_watch_key *k, const struct xs_addr *src,
			 const struct xs_addr *dst, uint8_t proto, uint16_t port);

/* The key a source is counted under by the per-source rules: an IPv6
 * address stands for its /N (settings: ipv6_source_prefix), so that a
 * scanner rotating addresses inside its /64 is still one source. */
void xs_engine_src_key(const struct xs_engine *e, struct xs_addr *a);

/* One line per detector: user/detection/detectors/registry.c. */
extern const struct xs_detector *const xs_detectors[];
extern const int xs_ndetectors;

/* Victim prefixes (prefixes.c), called by the engine. */
int xs_prefixes_init(struct xs_engine *e);
void xs_prefixes_free(struct xs_engine *e);
/* Folds the tick's destinations into their prefixes. */
void xs_prefixes_fold(struct xs_engine *e, const struct xs_tick *t);
/* A new flow's source, for its destination's prefix. */
void xs_prefixes_event(struct xs_engine *e, const struct xs_addr *src, const struct xs_addr *dst);
/* Forgets prefixes idle past every window. */
void xs_prefixes_expire(struct xs_engine *e);
/* The prefix of an address: /24 for IPv4, /64 for IPv6 (host bits zero). */
void xs_prefix_of(const struct xs_addr *a, struct xs_addr *out);

/* Adds one slot to window sums (the flood family's parts too): counts,
 * sketches, or both. */
void xs_dsum_add(struct xs_dsum *s, const struct xs_dslot *sl);
void xs_dsum_add_counts(struct xs_dsum *s, const struct xs_dslot *sl);
void xs_dsum_add_hlls(struct xs_dsum *s, const struct xs_dslot *sl);
/* Adds a tick's kernel counts for one destination to a slot. */
void xs_dslot_fold(struct xs_dslot *s, const struct xs_dst *v);
/* The slot's burst peaks from the tick's per-slice counts (XS_SLICES x
 * kinds) and the slices' lengths, over windows of XS_BURST_SLICES slices
 * (one never counts as shorter than nominal, tick / XS_SLICES each); the
 * carry holds the last slice of the tick before (used if it is tick
 * now - 1) and is set to this one's. */
void xs_dslot_bursts(struct xs_dslot *s, const uint32_t *slices, const float *slice_s,
		     double tick_s, struct xs_bcarry *carry, uint32_t now);

/* Helpers for detectors. */
const struct xs_rule_params *xs_det_params(const struct xs_det_ctx *c, int prof);
uint32_t xs_det_window(const struct xs_det_ctx *c, int prof, int rule);
void xs_det_dst_sum(const struct xs_det_ctx *c, const struct xs_dtrack *d, uint32_t nticks,
		    struct xs_dsum *s);
/* The same in two steps, so that the sketches are merged only for the
 * destinations whose counts could pass a rule (most cannot): counts (the
 * HyperLogLogs left empty), then the HyperLogLogs into the same sums. */
void xs_det_dst_counts(const struct xs_det_ctx *c, const struct xs_dtrack *d, uint32_t nticks,
		       struct xs_dsum *s);
void xs_det_dst_hlls(const struct xs_det_ctx *c, const struct xs_dtrack *d, uint32_t nticks,
		     struct xs_dsum *s);
/* Fills the finding's common parts (window, loss, network) and reports it. */
void xs_det_report(struct xs_det_ctx *c, struct xs_finding *f, int prof, uint32_t nticks);
/* Adds the destination's top sources to the finding. */
void xs_det_top(const struct xs_det_ctx *c, const struct xs_dtrack *d, struct xs_finding *f);
/* When a destination's traffic has one source (its HyperLogLog says so),
 * which: the top source of its new flows, else the one source that sent
 * at least as many packets this tick as the destination received (a
 * single long flow sends one event, perhaps before the destination was
 * tracked). False when it cannot tell. */
bool xs_det_sole_source(const struct xs_det_ctx *c, const struct xs_dtrack *d,
			const struct xs_finding *f, struct xs_addr *out);
const struct xs_dtrack *xs_det_find_dst(const struct xs_det_ctx *c, const struct xs_addr *a);
/* Real seconds that a sum of the last nticks ticks over ring geometry g
 * covers: whole slots, so from the oldest slot's first tick (up to
 * gran - 1 ticks more than nticks), plus what stalls of the daemon added
 * in those ticks (a late drain covers more than a tick). */
double xs_det_window_secs(const struct xs_det_ctx *c, const struct xs_wgeom *g,
			  uint32_t nticks);
/* Total packets and bytes over the last nticks ticks. */
void xs_det_total_sum(const struct xs_det_ctx *c, uint32_t nticks, uint64_t *pkts,
		      uint64_t *bytes);
/* A source's counters in this tick (NULL if absent). */
const struct xs_src *xs_det_tick_src(const struct xs_det_ctx *c, const struct xs_addr *a);
/* The threshold of scale sc for a service: host_sweep's client or other,
 * brute_force's login, web or other (0: off). */
uint32_t xs_sweep_threshold(const struct xs_rule_params *p, const struct xs_scale *sc,
			    uint8_t proto, uint16_t port);
uint32_t xs_brute_threshold(const struct xs_rule_params *p, const struct xs_scale *sc,
			    uint16_t port);
/* Whether a login service meets credential_stuffing's floors (enough
 * sources and connections in its window): the class is stuffing, and
 * traffic_anomaly leaves it to that rule. */
bool xs_stuffing_floors(const struct xs_det_ctx *c, const struct xs_addr *dst, uint16_t port);

#endif
