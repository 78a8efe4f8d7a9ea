/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * An attack's fingerprint: the most selective match on header fields that
 * covers the attack's sampled packets and spares the victim's others.
 *
 * The attack's packets are the victim's packets of the alert's class (the
 * rate limits' classes: syn_flood SYNs, udp_flood UDP, icmp_flood ICMP,
 * reflection UDP from reflector ports and later fragments, volumetric
 * all); the others are the victim's remaining packets. A later fragment
 * has no ports, so a fingerprint has up to two clauses, one for the
 * packets that carry an L4 header and one for the later fragments that
 * trail them (as FlowSpec needs two rules for them). Each clause narrows,
 * field after field, while it keeps at least `coverage` of its packets:
 * protocol, fragment state, source and destination port, TCP flags, ICMP
 * type (the most frequent value, when it covers enough), then the packet
 * length (the narrowest range, trimmed only when that spares other
 * traffic or halves the range) and the TTL (only when it spares other
 * traffic). Pure and deterministic: the same samples give the same
 * fingerprint.
 */
#ifndef XS_FINGERPRINT_H
#define XS_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "prefix.h"
#include "speaker.h"
#include "xs_abi.h"

#define XS_FP_CLAUSES 2
#define XS_FP_STRLEN 160	/* xs_fp_str(): fits xs_fp_board_entry.match */

/* A sampled packet, as the fingerprint reads it. */
struct xs_fp_pkt {
	uint16_t sport, dport;	/* host order */
	uint16_t ip_len;
	uint8_t proto, tcp_flags, frag, ttl;	/* frag: XS_FPFR_* */
	uint8_t icmp_type;
	uint8_t l4;
	uint8_t cls_bits;	/* 1 << enum xs_limit_match of each class */
	uint8_t pad;
};

void xs_fp_pkt_from_sample(struct xs_fp_pkt *p, const struct xs_fp_sample *s);

struct xs_fingerprint {
	int n;				/* clauses; 0: none (no attack samples) */
	struct xs_fp_rule clause[XS_FP_CLAUSES];	/* cls and drop left 0 */
	uint32_t attack, other;		/* samples of the class, and the rest */
	uint32_t attack_hit, other_hit;	/* of which the fingerprint matches */
	double coverage;		/* attack_hit / attack */
	double collateral;		/* other_hit / other (0 without others) */
};

/* The fingerprint of the samples for class cls (enum xs_limit_match),
 * keeping at least `coverage` (0.5..1) of each clause's packets. */
void xs_fp_find(const struct xs_fp_pkt *s, size_t n, int cls, double coverage,
		struct xs_fingerprint *out);
/* Counts, coverage and collateral of fp over samples (as xs_fp_find does). */
void xs_fp_eval(struct xs_fingerprint *fp, const struct xs_fp_pkt *s, size_t n, int cls);

/* The kernel's rule_match() (bpf/filter.h), on a sample. */
bool xs_fp_rule_match(const struct xs_fp_rule *r, const struct xs_fp_pkt *p);
bool xs_fp_match(const struct xs_fingerprint *fp, const struct xs_fp_pkt *p);
bool xs_fp_same(const struct xs_fingerprint *a, const struct xs_fingerprint *b);

/* "udp sport 53 first-fragment len 1500 or udp later-fragment len 548-1500";
 * "any" for a clause without fields. Returns buf. */
const char *xs_fp_rule_str(const struct xs_fp_rule *r, char *buf, size_t len);
const char *xs_fp_str(const struct xs_fingerprint *fp, char *buf, size_t len);
/* The object of the alerts' xdpstream.fingerprint (a new reference). */
json_t *xs_fp_json(const struct xs_fingerprint *fp);
json_t *xs_fp_rule_json(const struct xs_fp_rule *r);

/* A clause as a FlowSpec match for the victim's host route. FlowSpec has
 * no TTL component: a TTL range is left out (the rule is wider). */
void xs_fp_to_bgp(const struct xs_fp_rule *r, const struct xs_addr *victim,
		  struct xs_bgp_match *m);

#endif
