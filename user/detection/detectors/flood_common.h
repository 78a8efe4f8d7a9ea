/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the flood rules share. Each flood is a test on a victim's window
 * sums (struct xs_dsum; xs_*_maybe first, on the counts alone, so that the
 * sketches are merged only where the test could pass): one address's (the host rules) or one prefix's
 * (carpet_bombing runs every test on its prefixes' sums). A test passes on
 * the window's mean rate, or on a burst: the peak rate of a sub-tick slice
 * (tick / XS_SLICES long) of the rule's kind of packets, when that slice
 * holds at least burst_min_packets (a 25 ms flood at 400,000 packets/s is
 * a flood; a handful of packets in one instant is not).
 */
#ifndef XS_FLOOD_COMMON_H
#define XS_FLOOD_COMMON_H

#include <math.h>
#include "engine_int.h"

/* What a passing test saw. */
struct xs_flood_hit {
	double value;		/* observed: the window's rate, or the burst's */
	const char *unit;
	double threshold;
	bool burst;		/* decided on a slice */
	uint32_t burst_pkts;	/* the slice's packets */
	double srcs;		/* distinct sources (its sketch) */
};

static inline void xs_hit_init(struct xs_flood_hit *h, double value, const char *unit,
			       double threshold, double srcs)
{
	h->value = value;
	h->unit = unit;
	h->threshold = threshold;
	h->burst = false;
	h->burst_pkts = 0;
	h->srcs = srcs;
}

/* The peak slice of kind at threshold_pps or more, with min packets. */
static inline bool xs_burst_over(const struct xs_dsum *s, int kind, double threshold_pps,
				 uint32_t min_pkts)
{
	return threshold_pps > 0 && s->burst_pkts[kind] >= min_pkts &&
	       s->burst_pps[kind] >= threshold_pps;
}

static inline void xs_hit_burst(struct xs_flood_hit *h, const struct xs_dsum *s, int kind,
				double threshold_pps)
{
	h->value = s->burst_pps[kind];
	h->unit = "packets/s";
	h->threshold = threshold_pps;
	h->burst = true;
	h->burst_pkts = s->burst_pkts[kind];
}

/* Linear counting over the 64-bit bitmap of sources: exact enough up to
 * a hundred or so, saturating at 64 ln 64 = 266 (all bits set). */
static inline double xs_bits_estimate(uint64_t bits)
{
	int zeros = 64 - __builtin_popcountll(bits);

	return 64 * log(64.0 / (zeros ? zeros : 1));
}

/*
 * udp_flood, icmp_flood, volumetric (and their prefix forms): pkts or
 * bytes over the window at threshold_pps or threshold_bps whatever the
 * sources, or at spread_threshold_pps from min_sources distinct sources or
 * more (spoofed or distributed: no single heavy flow, such as a download,
 * looks like that); or a burst of kind.
 */
/* Whether the counts could pass xs_rate_test, before the sketches are
 * merged (the common case: no). */
static inline bool xs_rate_maybe(const struct xs_p_flood *p, const struct xs_dsum *s,
				 uint64_t pkts, uint64_t bytes, int kind)
{
	double pps = pkts / s->secs, bps = bytes * 8.0 / s->secs;

	return p->enabled &&
	       ((pkts && p->threshold_pps > 0 && pps >= p->threshold_pps) ||
		(pkts && p->threshold_bps > 0 && bps >= p->threshold_bps) ||
		(pkts && p->spread_threshold_pps > 0 && pps >= p->spread_threshold_pps) ||
		xs_burst_over(s, kind, p->threshold_pps, p->burst_min_packets));
}

static inline bool xs_rate_test(const struct xs_p_flood *p, const struct xs_dsum *s,
				uint64_t pkts, uint64_t bytes, int kind, struct xs_flood_hit *h)
{
	double pps = pkts / s->secs, bps = bytes * 8.0 / s->secs, srcs;

	if (!xs_rate_maybe(p, s, pkts, bytes, kind))
		return false;
	srcs = xs_hll_estimate(s->hll_src, XS_HLL_REGS);
	if (pkts && p->threshold_pps > 0 && pps >= p->threshold_pps) {
		xs_hit_init(h, pps, "packets/s", p->threshold_pps, srcs);
		return true;
	}
	if (pkts && p->threshold_bps > 0 && bps >= p->threshold_bps) {
		xs_hit_init(h, bps, "bits/s", p->threshold_bps, srcs);
		return true;
	}
	if (pkts && p->spread_threshold_pps > 0 && pps >= p->spread_threshold_pps &&
	    srcs >= p->min_sources) {
		xs_hit_init(h, pps, "packets/s", p->spread_threshold_pps, srcs);
		return true;
	}
	if (xs_burst_over(s, kind, p->threshold_pps, p->burst_min_packets)) {
		xs_hit_init(h, 0, NULL, 0, srcs);
		xs_hit_burst(h, s, kind, p->threshold_pps);
		return true;
	}
	return false;
}

/*
 * syn_flood: SYNs at threshold_pps or more (or a burst of them), from
 * min_sources sources or more, or from fewer to at most max_ports ports
 * (few sources reaching many ports is a scan: port_scan's), and not a
 * flash crowd. A flash crowd completes its handshakes: every SYN is
 * followed by ACK segments from its source, so ACK segments number at
 * least min_completed_ratio of the SYNs and come from at least that share
 * of their sources; and, when the victim's own SYN-ACKs are seen (a mirror
 * port), it answers at least min_answered_ratio of them. A victim
 * answering every SYN is no proof of health: SYN cookies answer spoofed
 * SYNs too, whose handshakes never complete.
 */
static inline bool xs_syn_maybe(const struct xs_rule_params *rp, const struct xs_dsum *s)
{
	return rp->syn.enabled && s->syn &&
	       (s->syn / s->secs >= rp->syn.threshold_pps ||
		xs_burst_over(s, XS_B_SYN, rp->syn.threshold_pps, rp->syn.burst_min_packets));
}

static inline bool xs_syn_test(const struct xs_rule_params *rp, const struct xs_dsum *s,
			       struct xs_flood_hit *h, double *answered, double *completed)
{
	double rate = s->syn / s->secs, srcs, ports, acksrcs, done;

	if (!rp->syn.enabled || !s->syn)
		return false;
	if (rate >= rp->syn.threshold_pps) {
		xs_hit_init(h, rate, "SYN/s", rp->syn.threshold_pps, 0);
	} else if (xs_burst_over(s, XS_B_SYN, rp->syn.threshold_pps, rp->syn.burst_min_packets)) {
		xs_hit_init(h, 0, NULL, 0, 0);
		xs_hit_burst(h, s, XS_B_SYN, rp->syn.threshold_pps);
		h->unit = "SYN/s";
	} else {
		return false;
	}
	srcs = h->srcs = xs_hll_estimate(s->hll_src, XS_HLL_REGS);
	ports = xs_hll_estimate(s->hll_dport, XS_HLL_REGS);
	if (srcs < rp->syn.min_sources && ports > rp->syn.max_ports)
		return false;	/* few sources, many ports: a scan */
	*answered = (double)s->synack_out / s->syn;
	acksrcs = xs_hll_estimate(s->hll_ack, XS_HLL_REGS);
	done = (double)s->ack / s->syn;
	if (srcs > 0 && acksrcs / srcs < done)
		done = acksrcs / srcs;
	*completed = done;
	if (done >= rp->syn.min_completed_ratio &&
	    (!s->pkts_out || *answered >= rp->syn.min_answered_ratio))
		return false;	/* a flash crowd */
	return true;
}

/*
 * synack_flood: SYN-ACKs the victim never asked for. When its own SYNs are
 * seen (a mirror port), those beyond them; when only what it receives is
 * seen, SYN-ACKs that make at least min_share of the TCP segments with ACK
 * it receives: connections it opened itself bring more than their
 * SYN-ACK (the data, the FIN), a reflection brings nothing else. At
 * threshold_pps or more (or a burst), from min_sources sources or more:
 * reflectors, or spoofed.
 */
static inline bool xs_synack_maybe(const struct xs_rule_params *rp, const struct xs_dsum *s)
{
	uint64_t n = s->synack > s->syn_out ? s->synack - s->syn_out : 0;

	return rp->synack.enabled && n &&
	       (n / s->secs >= rp->synack.threshold_pps ||
		(n >= rp->synack.burst_min_packets &&
		 xs_burst_over(s, XS_B_OTHER, rp->synack.threshold_pps,
			       rp->synack.burst_min_packets)));
}

static inline bool xs_synack_test(const struct xs_rule_params *rp, const struct xs_dsum *s,
				  struct xs_flood_hit *h, double *unsolicited)
{
	uint64_t n = s->synack > s->syn_out ? s->synack - s->syn_out : 0;
	double rate = n / s->secs, srcs;

	*unsolicited = (double)n;
	if (!rp->synack.enabled || !n)
		return false;
	if (rate >= rp->synack.threshold_pps) {
		xs_hit_init(h, rate, "packets/s", rp->synack.threshold_pps, 0);
	} else if (xs_burst_over(s, XS_B_OTHER, rp->synack.threshold_pps,
				 rp->synack.burst_min_packets) &&
		   n >= rp->synack.burst_min_packets) {
		xs_hit_init(h, 0, NULL, 0, 0);
		xs_hit_burst(h, s, XS_B_OTHER, rp->synack.threshold_pps);
	} else {
		return false;
	}
	if (!s->syn_out && (double)s->synack < rp->synack.min_share * (s->synack + s->ack))
		return false;	/* its own connections' answers */
	srcs = h->srcs = xs_hll_estimate(s->hll_ack, XS_HLL_REGS);
	return srcs >= rp->synack.min_sources;
}

/*
 * ack_flood: TCP segments that only make sense inside a connection (ACK
 * without SYN, or RST) at threshold_pps or more (or a burst), from
 * min_sources sources or more, each sending at most max_pkts_per_source
 * of them on average over the window: outside any connection (spoofed,
 * one or two each), where every real connection sends several (its
 * handshake's ACK, its data, its FIN). RSTs answering the victim's own
 * SYNs (when seen) do not count.
 */
static inline bool xs_ack_maybe(const struct xs_rule_params *rp, const struct xs_dsum *s)
{
	uint64_t rst = s->rst > s->syn_out ? s->rst - s->syn_out : 0, n = s->ack + rst;

	return rp->ack.enabled && n &&
	       (n / s->secs >= rp->ack.threshold_pps ||
		(n >= rp->ack.burst_min_packets &&
		 xs_burst_over(s, XS_B_OTHER, rp->ack.threshold_pps, rp->ack.burst_min_packets)));
}

static inline bool xs_ack_test(const struct xs_rule_params *rp, const struct xs_dsum *s,
			       struct xs_flood_hit *h, double *per_source)
{
	uint64_t rst = s->rst > s->syn_out ? s->rst - s->syn_out : 0, n = s->ack + rst;
	double rate = n / s->secs, srcs;

	if (!rp->ack.enabled || !n)
		return false;
	if (rate >= rp->ack.threshold_pps) {
		xs_hit_init(h, rate, "packets/s", rp->ack.threshold_pps, 0);
	} else if (xs_burst_over(s, XS_B_OTHER, rp->ack.threshold_pps, rp->ack.burst_min_packets) &&
		   n >= rp->ack.burst_min_packets) {
		xs_hit_init(h, 0, NULL, 0, 0);
		xs_hit_burst(h, s, XS_B_OTHER, rp->ack.threshold_pps);
	} else {
		return false;
	}
	srcs = h->srcs = xs_hll_estimate(s->hll_ack, XS_HLL_REGS);
	*per_source = srcs > 0 ? n / srcs : n;
	return srcs >= rp->ack.min_sources && *per_source <= rp->ack.max_pkts_per_source;
}

/*
 * volumetric: everything to the victim, except the TCP segments of
 * established connections when they come from at most
 * transfer_max_sources sources: a download, a backup, a replica at full
 * speed is a transfer, not an attack (its peers completed a handshake,
 * which spoofed sources cannot; a flood of ACK segments from many sources
 * is ack_flood's, or volumetric's from a botnet).
 */
static inline bool xs_vol_maybe(const struct xs_rule_params *rp, const struct xs_dsum *s)
{
	/* Leaving transfers out can only lower the counts. */
	return xs_rate_maybe(&rp->vol, s, s->pkts, s->bytes, XS_BK_ALL);
}

static inline bool xs_vol_test(const struct xs_rule_params *rp, const struct xs_dsum *s,
			       struct xs_flood_hit *h, bool *transfer)
{
	uint64_t pkts = s->pkts, bytes = s->bytes;

	*transfer = false;
	if (!xs_vol_maybe(rp, s))
		return false;
	*transfer = rp->vol.transfer_max_sources && s->ack &&
		    xs_hll_estimate(s->hll_ack, XS_HLL_REGS) < rp->vol.transfer_max_sources + 0.5;
	if (*transfer) {
		pkts -= s->ack < pkts ? s->ack : pkts;
		bytes -= s->ack_bytes < bytes ? s->ack_bytes : bytes;
	}
	return xs_rate_test(&rp->vol, s, pkts, bytes, *transfer ? XS_BK_NOT_OTHER : XS_BK_ALL, h);
}

/* The finding's common evidence for a victim address or prefix. */
static inline void xs_hit_details(struct xs_finding *f, const struct xs_flood_hit *h,
				  const struct xs_dsum *s)
{
	f->value = h->value;
	f->unit = h->unit;
	f->threshold = h->threshold;
	xs_finding_detail(f, "distinct_sources", round(h->srcs));
	if (h->burst) {
		xs_finding_detail(f, "burst_packets", h->burst_pkts);
		xs_finding_detail(f, "burst_ms", round(h->burst_pkts / h->value * 1000));
	}
	(void)s;
}

/* Reports a flood on a victim address: the finding, its top sources, and
 * the attacker when there is one source. */
static inline void xs_flood_report(struct xs_det_ctx *c, const struct xs_dtrack *d,
				   const struct xs_addr *victim, int rule, uint8_t proto,
				   const struct xs_flood_hit *h, const struct xs_dsum *s, uint32_t n,
				   struct xs_finding *f)
{
	f->has_dst = true;
	f->src_in_key = false;
	f->dst = *victim;
	f->proto = proto;
	xs_det_top(c, d, f);
	if (h->srcs < 1.5)
		f->has_src = xs_det_sole_source(c, d, f, &f->src);
	xs_hit_details(f, h, s);
	xs_det_report(c, f, d->prof, n);
}

/* udp_flood, icmp_flood and volumetric on a victim address. */
static inline bool xs_flood_check(struct xs_det_ctx *c, const struct xs_dtrack *d,
				  const struct xs_addr *victim, const struct xs_p_flood *p,
				  int rule, uint8_t proto, uint64_t pkts, uint64_t bytes,
				  const struct xs_dsum *s, uint32_t n, int kind)
{
	struct xs_flood_hit h;
	struct xs_finding f;

	if (!xs_rate_test(p, s, pkts, bytes, kind, &h))
		return false;
	xs_finding_init(&f, rule);
	xs_finding_detail(&f, "packets_per_s", round(pkts / s->secs));
	xs_finding_detail(&f, "bits_per_s", round(bytes * 8.0 / s->secs));
	xs_flood_report(c, d, victim, rule, proto, &h, s, n, &f);
	return true;
}

#endif
