// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

void xs_fp_pkt_from_sample(struct xs_fp_pkt *p, const struct xs_fp_sample *s)
{
	memset(p, 0, sizeof(*p));
	p->sport = s->sport;
	p->dport = s->dport;
	p->ip_len = s->ip_len;
	p->proto = s->proto;
	p->tcp_flags = s->tcp_flags;
	p->frag = s->frag;
	p->ttl = s->ttl;
	p->icmp_type = s->icmp_type;
	p->l4 = s->l4;
	p->cls_bits = s->cls_bits;
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_;
}

static bool is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP_ || proto == IPPROTO_ICMPV6_;
}

bool xs_fp_rule_match(const struct xs_fp_rule *r, const struct xs_fp_pkt *p)
{
	uint8_t f = r->fields;

	if ((f & XS_FPF_PROTO) && p->proto != r->proto)
		return false;
	if ((f & XS_FPF_FRAG) && !(r->frag & p->frag))
		return false;
	if ((f & XS_FPF_LEN) && (p->ip_len < r->len_lo || p->ip_len > r->len_hi))
		return false;
	if ((f & XS_FPF_TTL) && (p->ttl < r->ttl_lo || p->ttl > r->ttl_hi))
		return false;
	if (!(f & (XS_FPF_SPORT | XS_FPF_DPORT | XS_FPF_TCP | XS_FPF_ICMP)))
		return true;
	if (!p->l4)
		return false;
	if (f & (XS_FPF_SPORT | XS_FPF_DPORT)) {
		if (!has_ports(p->proto))
			return false;
		if ((f & XS_FPF_SPORT) && (p->sport < r->sport_lo || p->sport > r->sport_hi))
			return false;
		if ((f & XS_FPF_DPORT) && (p->dport < r->dport_lo || p->dport > r->dport_hi))
			return false;
	}
	if ((f & XS_FPF_TCP) &&
	    (p->proto != IPPROTO_TCP_ || (p->tcp_flags & r->tcp_mask) != r->tcp_flags))
		return false;
	if ((f & XS_FPF_ICMP) && (!is_icmp(p->proto) || p->icmp_type != r->icmp_type))
		return false;
	return true;
}

bool xs_fp_match(const struct xs_fingerprint *fp, const struct xs_fp_pkt *p)
{
	int i;

	for (i = 0; i < fp->n; i++)
		if (xs_fp_rule_match(&fp->clause[i], p))
			return true;
	return false;
}

static bool in_class(const struct xs_fp_pkt *p, int cls)
{
	return (p->cls_bits >> cls) & 1;
}

void xs_fp_eval(struct xs_fingerprint *fp, const struct xs_fp_pkt *s, size_t n, int cls)
{
	size_t i;

	fp->attack = fp->other = fp->attack_hit = fp->other_hit = 0;
	for (i = 0; i < n; i++) {
		bool a = in_class(&s[i], cls), hit = xs_fp_match(fp, &s[i]);

		if (a) {
			fp->attack++;
			fp->attack_hit += hit;
		} else {
			fp->other++;
			fp->other_hit += hit;
		}
	}
	fp->coverage = fp->attack ? (double)fp->attack_hit / fp->attack : 0;
	fp->collateral = fp->other ? (double)fp->other_hit / fp->other : 0;
}

/* ---- The search ---- */

/* The working set of one clause: the part's samples still matched, and
 * the victim's other samples still matched (what the clause would hit). */
struct work {
	const struct xs_fp_pkt **in, **oth;
	size_t nin, noth;
	size_t part;		/* the part's size */
	size_t need;		/* samples the clause must keep */
	uint32_t *vals;		/* scratch */
};

/* Keeps the samples r matches. */
static void narrow(struct work *w, const struct xs_fp_rule *r)
{
	size_t i, k;

	for (i = k = 0; i < w->nin; i++)
		if (xs_fp_rule_match(r, w->in[i]))
			w->in[k++] = w->in[i];
	w->nin = k;
	for (i = k = 0; i < w->noth; i++)
		if (xs_fp_rule_match(r, w->oth[i]))
			w->oth[k++] = w->oth[i];
	w->noth = k;
}

static size_t count(const struct work *w, const struct xs_fp_rule *r, bool other)
{
	const struct xs_fp_pkt **v = other ? w->oth : w->in;
	size_t i, n = 0, len = other ? w->noth : w->nin;

	for (i = 0; i < len; i++)
		n += xs_fp_rule_match(r, v[i]);
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The working set's values of a field, sorted, in w->vals. */
static void values(struct work *w, uint32_t (*get)(const struct xs_fp_pkt *))
{
	size_t i;

	for (i = 0; i < w->nin; i++)
		w->vals[i] = get(w->in[i]);
	qsort(w->vals, w->nin, sizeof(*w->vals), cmp_u32);
}

/* The most frequent value of a field (ties: the smallest) and its count. */
static uint32_t mode(struct work *w, uint32_t (*get)(const struct xs_fp_pkt *), size_t *cnt)
{
	uint32_t best = 0;
	size_t i, run = 0;

	values(w, get);
	*cnt = 0;
	for (i = 0; i < w->nin; i++) {
		run = i && w->vals[i] == w->vals[i - 1] ? run + 1 : 1;
		if (run > *cnt) {
			*cnt = run;
			best = w->vals[i];
		}
	}
	return best;
}

/* The narrowest range holding k of the sorted values (ties: the lowest). */
static void window(const uint32_t *v, size_t n, size_t k, uint32_t *lo, uint32_t *hi)
{
	size_t i, best = 0;

	if (!k || k > n)
		k = n;
	for (i = 1; i + k <= n; i++)
		if (v[i + k - 1] - v[i] < v[best + k - 1] - v[best])
			best = i;
	*lo = v[best];
	*hi = v[best + k - 1];
}

static uint32_t get_proto(const struct xs_fp_pkt *p) { return p->proto; }
static uint32_t get_frag(const struct xs_fp_pkt *p) { return p->frag; }
static uint32_t get_sport(const struct xs_fp_pkt *p) { return p->sport; }
static uint32_t get_dport(const struct xs_fp_pkt *p) { return p->dport; }
static uint32_t get_flags(const struct xs_fp_pkt *p) { return p->tcp_flags; }
static uint32_t get_flags_main(const struct xs_fp_pkt *p) { return p->tcp_flags & 0x17; }
static uint32_t get_icmp(const struct xs_fp_pkt *p) { return p->icmp_type; }
static uint32_t get_len(const struct xs_fp_pkt *p) { return p->ip_len; }
static uint32_t get_ttl(const struct xs_fp_pkt *p) { return p->ttl; }

/* Adds the field to r if the working set keeps enough, and narrows. */
static bool try_add(struct work *w, struct xs_fp_rule *r, const struct xs_fp_rule *with)
{
	if (count(w, with, false) < w->need)
		return false;
	*r = *with;
	narrow(w, r);
	return true;
}

/* A numeric range (length, TTL): the whole range of the set, or the
 * narrowest one the budget allows, whichever is worth it. only_if_spares:
 * add it only when it spares other traffic (TTL). */
static void add_range(struct work *w, struct xs_fp_rule *r, uint8_t field,
		      uint32_t (*get)(const struct xs_fp_pkt *), bool only_if_spares)
{
	struct xs_fp_rule full = *r, trim;
	uint32_t lo, hi, tlo, thi;
	size_t keep;

	if (!w->nin)
		return;
	values(w, get);
	lo = w->vals[0];
	hi = w->vals[w->nin - 1];
	/* What may still be given up: the clause keeps need of its part. */
	keep = w->need > w->part - w->nin ? w->need - (w->part - w->nin) : 1;
	window(w->vals, w->nin, keep, &tlo, &thi);
	full.fields |= field;
	trim = full;
	if (field == XS_FPF_LEN) {
		full.len_lo = (uint16_t)lo, full.len_hi = (uint16_t)hi;
		trim.len_lo = (uint16_t)tlo, trim.len_hi = (uint16_t)thi;
	} else {
		full.ttl_lo = (uint8_t)lo, full.ttl_hi = (uint8_t)hi;
		trim.ttl_lo = (uint8_t)tlo, trim.ttl_hi = (uint8_t)thi;
	}
	/* Trimming gives packets of the attack up: only for a reason. */
	if ((tlo != lo || thi != hi) &&
	    (count(w, &trim, true) < count(w, &full, true) || 2 * (thi - tlo) < hi - lo))
		full = trim;
	if (only_if_spares && count(w, &full, true) == w->noth)
		return;
	*r = full;
	narrow(w, r);
}

static void grow(struct work *w, bool later, struct xs_fp_rule *r)
{
	struct xs_fp_rule t;
	uint32_t v;
	size_t n;

	memset(r, 0, sizeof(*r));
	if (later) {
		r->fields = XS_FPF_FRAG;
		r->frag = XS_FPFR_LATER;
		narrow(w, r);
	}
	v = mode(w, get_proto, &n);
	t = *r;
	t.fields |= XS_FPF_PROTO;
	t.proto = (uint8_t)v;
	try_add(w, r, &t);
	if (!later) {
		/* Unfragmented or first fragments (the ones with a header);
		 * at least never a later fragment, so that the clauses are
		 * apart and their counts add up. */
		v = mode(w, get_frag, &n);
		t = *r;
		t.fields |= XS_FPF_FRAG;
		t.frag = (uint8_t)v;
		if (!try_add(w, r, &t)) {
			t.frag = XS_FPFR_NONE | XS_FPFR_FIRST;
			try_add(w, r, &t);
		}
	}
	if (!later && (r->fields & XS_FPF_PROTO) && has_ports(r->proto)) {
		v = mode(w, get_sport, &n);
		t = *r;
		t.fields |= XS_FPF_SPORT;
		t.sport_lo = t.sport_hi = (uint16_t)v;
		try_add(w, r, &t);
		v = mode(w, get_dport, &n);
		t = *r;
		t.fields |= XS_FPF_DPORT;
		t.dport_lo = t.dport_hi = (uint16_t)v;
		try_add(w, r, &t);
	}
	if (!later && (r->fields & XS_FPF_PROTO) && r->proto == IPPROTO_TCP_) {
		/* The whole flags byte, else SYN, ACK, RST and FIN alone. */
		v = mode(w, get_flags, &n);
		t = *r;
		t.fields |= XS_FPF_TCP;
		t.tcp_flags = (uint8_t)v;
		t.tcp_mask = 0xff;
		if (!try_add(w, r, &t)) {
			v = mode(w, get_flags_main, &n);
			t.tcp_flags = (uint8_t)v;
			t.tcp_mask = 0x17;
			try_add(w, r, &t);
		}
	}
	if (!later && (r->fields & XS_FPF_PROTO) && is_icmp(r->proto)) {
		v = mode(w, get_icmp, &n);
		t = *r;
		t.fields |= XS_FPF_ICMP;
		t.icmp_type = (uint8_t)v;
		try_add(w, r, &t);
	}
	add_range(w, r, XS_FPF_LEN, get_len, false);
	add_range(w, r, XS_FPF_TTL, get_ttl, true);
}

void xs_fp_find(const struct xs_fp_pkt *s, size_t n, int cls, double coverage,
		struct xs_fingerprint *out)
{
	const struct xs_fp_pkt **attack = NULL, **other = NULL, **in = NULL, **oth = NULL;
	size_t na = 0, no = 0, nlater = 0, i, part;
	struct work w = {};
	int later;

	memset(out, 0, sizeof(*out));
	if (coverage < 0.5)
		coverage = 0.5;
	if (coverage > 1)
		coverage = 1;
	attack = calloc(n + 1, sizeof(*attack));
	other = calloc(n + 1, sizeof(*other));
	in = calloc(n + 1, sizeof(*in));
	oth = calloc(n + 1, sizeof(*oth));
	w.vals = calloc(n + 1, sizeof(*w.vals));
	if (!attack || !other || !in || !oth || !w.vals)
		goto out;
	for (i = 0; i < n; i++) {
		if (in_class(&s[i], cls)) {
			attack[na++] = &s[i];
			nlater += s[i].frag == XS_FPFR_LATER;
		} else {
			other[no++] = &s[i];
		}
	}
	if (!na)
		goto out;
	/* One clause for the packets with an L4 header, one for the later
	 * fragments; a part too small to matter is left out. */
	for (later = 0; later <= 1; later++) {
		part = later ? nlater : na - nlater;
		if (!part || (double)part < (1 - coverage) / 2 * (double)na)
			continue;
		w.in = in;
		w.oth = oth;
		w.nin = w.noth = 0;
		for (i = 0; i < na; i++)
			if ((attack[i]->frag == XS_FPFR_LATER) == later)
				in[w.nin++] = attack[i];
		for (i = 0; i < no; i++)
			oth[w.noth++] = other[i];
		w.part = part;
		w.need = (size_t)ceil(coverage * (double)part - 1e-9);
		if (!w.need)
			w.need = 1;
		grow(&w, later, &out->clause[out->n++]);
	}
	xs_fp_eval(out, s, n, cls);
out:
	free(attack);
	free(other);
	free(in);
	free(oth);
	free(w.vals);
}

bool xs_fp_same(const struct xs_fingerprint *a, const struct xs_fingerprint *b)
{
	return a->n == b->n && !memcmp(a->clause, b->clause, a->n * sizeof(a->clause[0]));
}

/* ---- Text, JSON, FlowSpec ---- */

static const char flag_letters[8] = { 'F', 'S', 'R', 'P', 'A', 'U', 'E', 'C' };

static void flags_str(uint8_t f, char *buf)
{
	int i, k = 0;

	for (i = 0; i < 8; i++)
		if (f & (1u << i))
			buf[k++] = flag_letters[i];
	if (!k)
		buf[k++] = '-';	/* none set */
	buf[k] = '\0';
}

static const char *proto_name(uint8_t p, char *buf)
{
	switch (p) {
	case IPPROTO_TCP_:
		return "tcp";
	case IPPROTO_UDP_:
		return "udp";
	case IPPROTO_ICMP_:
		return "icmp";
	case IPPROTO_ICMPV6_:
		return "ipv6-icmp";
	}
	snprintf(buf, 16, "proto %u", p);
	return buf;
}

#define PUT(...)                                                                         \
	do {                                                                             \
		if (k < len)                                                             \
			k += (size_t)snprintf(buf + k, len - k, __VA_ARGS__);            \
	} while (0)

static void range(char *buf, size_t len, size_t *kk, const char *name, uint32_t lo, uint32_t hi)
{
	size_t k = *kk;

	if (lo == hi)
		PUT("%s%s %u", k ? " " : "", name, lo);
	else
		PUT("%s%s %u-%u", k ? " " : "", name, lo, hi);
	*kk = k;
}

const char *xs_fp_rule_str(const struct xs_fp_rule *r, char *buf, size_t len)
{
	static const char *const frag_names[3] = { "unfragmented", "first-fragment",
						   "later-fragment" };
	char tmp[16], fl[10], ms[10];
	size_t k = 0;
	int i, first = 1;

	buf[0] = '\0';
	if (r->fields & XS_FPF_PROTO)
		PUT("%s", proto_name(r->proto, tmp));
	if (r->fields & XS_FPF_FRAG) {
		PUT("%s", k ? " " : "");
		for (i = 0; i < 3; i++)
			if (r->frag & (1u << i)) {
				PUT("%s%s", first ? "" : "|", frag_names[i]);
				first = 0;
			}
	}
	if (r->fields & XS_FPF_SPORT)
		range(buf, len, &k, "sport", r->sport_lo, r->sport_hi);
	if (r->fields & XS_FPF_DPORT)
		range(buf, len, &k, "dport", r->dport_lo, r->dport_hi);
	if (r->fields & XS_FPF_TCP) {
		flags_str(r->tcp_flags, fl);
		flags_str(r->tcp_mask, ms);
		if (r->tcp_mask == 0xff)
			PUT("%sflags %s", k ? " " : "", fl);
		else
			PUT("%sflags %s/%s", k ? " " : "", fl, ms);
	}
	if (r->fields & XS_FPF_ICMP)
		PUT("%sicmp-type %u", k ? " " : "", r->icmp_type);
	if (r->fields & XS_FPF_LEN)
		range(buf, len, &k, "len", r->len_lo, r->len_hi);
	if (r->fields & XS_FPF_TTL)
		range(buf, len, &k, "ttl", r->ttl_lo, r->ttl_hi);
	if (!k)
		PUT("any");
	return buf;
}

const char *xs_fp_str(const struct xs_fingerprint *fp, char *buf, size_t len)
{
	char c[XS_FP_STRLEN];
	size_t k = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < fp->n; i++)
		PUT("%s%s", i ? " or " : "", xs_fp_rule_str(&fp->clause[i], c, sizeof(c)));
	if (k >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);	/* cut, and says so */
	return buf;
}

static json_t *pair(uint32_t lo, uint32_t hi)
{
	return json_pack("[II]", (json_int_t)lo, (json_int_t)hi);
}

json_t *xs_fp_rule_json(const struct xs_fp_rule *r)
{
	static const char *const frag_names[3] = { "none", "first", "later" };
	json_t *o = json_object(), *a;
	char fl[10];
	int i;

	if (r->fields & XS_FPF_PROTO)
		json_object_set_new(o, "protocol", json_integer(r->proto));
	if (r->fields & XS_FPF_FRAG) {
		a = json_array();
		for (i = 0; i < 3; i++)
			if (r->frag & (1u << i))
				json_array_append_new(a, json_string(frag_names[i]));
		json_object_set_new(o, "fragment", a);
	}
	if (r->fields & XS_FPF_SPORT)
		json_object_set_new(o, "source_port", pair(r->sport_lo, r->sport_hi));
	if (r->fields & XS_FPF_DPORT)
		json_object_set_new(o, "destination_port", pair(r->dport_lo, r->dport_hi));
	if (r->fields & XS_FPF_TCP) {
		flags_str(r->tcp_flags, fl);
		json_object_set_new(o, "tcp_flags", json_string(fl));
		flags_str(r->tcp_mask, fl);
		json_object_set_new(o, "tcp_flags_mask", json_string(fl));
	}
	if (r->fields & XS_FPF_ICMP)
		json_object_set_new(o, "icmp_type", json_integer(r->icmp_type));
	if (r->fields & XS_FPF_LEN)
		json_object_set_new(o, "length", pair(r->len_lo, r->len_hi));
	if (r->fields & XS_FPF_TTL)
		json_object_set_new(o, "ttl", pair(r->ttl_lo, r->ttl_hi));
	return o;
}

/* A share to 4 decimals; 0 and 1 as integers, as the alerts write them. */
static json_t *share(double v)
{
	double r = round(v * 10000) / 10000;

	return r == floor(r) ? json_integer((json_int_t)r) : json_real(r);
}

json_t *xs_fp_json(const struct xs_fingerprint *fp)
{
	char text[XS_FP_STRLEN];
	json_t *o = json_object(), *c = json_array();
	int i;

	json_object_set_new(o, "match", json_string(xs_fp_str(fp, text, sizeof(text))));
	for (i = 0; i < fp->n; i++)
		json_array_append_new(c, xs_fp_rule_json(&fp->clause[i]));
	json_object_set_new(o, "clauses", c);
	json_object_set_new(o, "coverage", share(fp->coverage));
	json_object_set_new(o, "collateral", share(fp->collateral));
	json_object_set_new(o, "samples", json_pack("{sIsI}", "attack", (json_int_t)fp->attack,
						    "other", (json_int_t)fp->other));
	return o;
}

void xs_fp_to_bgp(const struct xs_fp_rule *r, const struct xs_addr *victim,
		  struct xs_bgp_match *m)
{
	struct xs_prefix dst = { .addr = *victim, .len = 128 };

	xs_bgp_match_init(m, &dst);
	if (r->fields & XS_FPF_PROTO)
		xs_bgp_nums_add(&m->proto, r->proto, r->proto);
	if (r->fields & XS_FPF_SPORT)
		xs_bgp_nums_add(&m->sport, r->sport_lo, r->sport_hi);
	if (r->fields & XS_FPF_DPORT)
		xs_bgp_nums_add(&m->dport, r->dport_lo, r->dport_hi);
	if (r->fields & XS_FPF_TCP) {
		m->tcp_flags = r->tcp_flags;
		m->tcp_mask = r->tcp_mask;
	}
	if (r->fields & XS_FPF_ICMP)
		xs_bgp_nums_add(&m->icmp_type, r->icmp_type, r->icmp_type);
	if (r->fields & XS_FPF_LEN)
		xs_bgp_nums_add(&m->length, r->len_lo, r->len_hi);
	if (r->fields & XS_FPF_FRAG) {
		/* RFC 8955 4.2.2.12: IsF is a fragment other than the first
		 * (offset not 0), FF the first (offset 0, MF set). */
		switch (r->frag) {
		case XS_FPFR_NONE:
			m->frag = 0;
			m->frag_mask = XS_BGP_FRAG_IS | XS_BGP_FRAG_FIRST;
			break;
		case XS_FPFR_FIRST:
			m->frag = m->frag_mask = XS_BGP_FRAG_FIRST;
			break;
		case XS_FPFR_LATER:
			m->frag = m->frag_mask = XS_BGP_FRAG_IS;
			break;
		case XS_FPFR_NONE | XS_FPFR_FIRST:	/* not a later fragment */
			m->frag = 0;
			m->frag_mask = XS_BGP_FRAG_IS;
			break;
		default:
			break;
		}
	}
}
