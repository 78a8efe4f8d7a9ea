// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The words of ExaBGP's text API for our routes, and the checks on a
 * FlowSpec match that RFC 8955 and RFC 8956 ask for. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exabgp.h"
#include "names.h"

struct sbuf {
	char *p;
	size_t len, used;
	bool full;
};

static void put(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->used)
		b->full = true;
	else
		b->used += (size_t)n;
}

/* " community [ a:b ]" then " large-community [ a:b:c ]", each followed
 * by end (";" inside a flow's then block). */
static void put_communities(struct sbuf *b, const struct xs_bgp_community *comm, int n,
			    const char *end)
{
	int i, k, large;

	for (large = 0; large <= 1; large++) {
		int first = 1;

		for (i = 0; i < n; i++) {
			if (comm[i].large != large)
				continue;
			put(b, "%s", first ? (large ? " large-community [" : " community [") : "");
			first = 0;
			for (k = 0; k < (large ? 3 : 2); k++)
				put(b, "%s%u", k ? ":" : " ", comm[i].v[k]);
		}
		if (!first)
			put(b, " ]%s", end);
	}
}

static void put_prefix(struct sbuf *b, const struct xs_prefix *p)
{
	char s[XS_PREFIX_STRLEN];

	put(b, "%s", xs_prefix_str(p, s));
}

int xs_exabgp_route_nlri(char *buf, size_t len, const struct xs_prefix *p)
{
	struct sbuf b = { buf, len, 0, false };

	put(&b, "route ");
	put_prefix(&b, p);
	return b.full ? -ENOSPC : 0;
}

int xs_exabgp_route(char *buf, size_t len, const struct xs_prefix *p, const struct xs_addr *nh,
		    const struct xs_bgp_community *comm, int ncomm)
{
	struct sbuf b = { buf, len, 0, false };
	char a[XS_ADDR_STRLEN];

	put(&b, "route ");
	put_prefix(&b, p);
	put(&b, " next-hop %s", xs_addr_str(nh, a));
	put_communities(&b, comm, ncomm, "");
	return b.full ? -ENOSPC : 0;
}

/* "name [ =53 >=400&<=520 ];" */
static void put_nums(struct sbuf *b, const char *name, const struct xs_bgp_nums *n, uint32_t max)
{
	int i;

	if (!n->n)
		return;
	put(b, " %s [", name);
	for (i = 0; i < n->n; i++) {
		const struct xs_bgp_range *r = &n->r[i];

		if (r->lo == r->hi)
			put(b, " =%u", r->lo);
		else if (r->lo == 0)
			put(b, " <=%u", r->hi);
		else if (r->hi == max)
			put(b, " >=%u", r->lo);
		else
			put(b, " >=%u&<=%u", r->lo, r->hi);
	}
	put(b, " ];");
}

/* A bitmask component as (value & mask) == bits: "=set&!clear", where
 * '=' is RFC 8955's match bit (all of these set) and '!' its not bit
 * (none of these set). */
static void put_bits(struct sbuf *b, const char *name, uint8_t bits, uint8_t mask,
		     const char *const names[8])
{
	uint8_t clear = mask & ~bits;
	int i, first;

	if (!mask)
		return;
	put(b, " %s [ ", name);
	if (bits) {
		put(b, "=");
		for (i = 0, first = 1; i < 8; i++)
			if (bits & (1u << i)) {
				put(b, "%s%s", first ? "" : "+", names[i]);
				first = 0;
			}
	}
	if (clear) {
		put(b, "%s!", bits ? "&" : "");
		for (i = 0, first = 1; i < 8; i++)
			if (clear & (1u << i)) {
				put(b, "%s%s", first ? "" : "+", names[i]);
				first = 0;
			}
	}
	put(b, " ];");
}

static const char *const tcp_names[8] = { "fin", "syn",    "rst", "push",
					  "ack", "urgent", "ece", "cwr" };
static const char *const frag_names[8] = { "dont-fragment", "is-fragment", "first-fragment",
					   "last-fragment" };

static void put_flow_prefix(struct sbuf *b, const char *name, const struct xs_prefix *p)
{
	put(b, " %s ", name);
	put_prefix(b, p);
	/* RFC 8956: an IPv6 prefix carries an offset. */
	put(b, "%s;", xs_prefix_is_v4(p) ? "" : "/0");
}

static void put_match(struct sbuf *b, const struct xs_bgp_match *m)
{
	bool v4 = xs_prefix_is_v4(&m->dst);

	put(b, "flow route { match {");
	put_flow_prefix(b, "destination", &m->dst);
	if (m->has_src)
		put_flow_prefix(b, "source", &m->src);
	put_nums(b, v4 ? "protocol" : "next-header", &m->proto, 255);
	put_nums(b, "port", &m->port, 65535);
	put_nums(b, "destination-port", &m->dport, 65535);
	put_nums(b, "source-port", &m->sport, 65535);
	put_nums(b, "icmp-type", &m->icmp_type, 255);
	put_nums(b, "icmp-code", &m->icmp_code, 255);
	put_bits(b, "tcp-flags", m->tcp_flags, m->tcp_mask, tcp_names);
	put_nums(b, "packet-length", &m->length, 65535);
	put_nums(b, v4 ? "dscp" : "traffic-class", &m->dscp, 63);
	put_bits(b, "fragment", m->frag, m->frag_mask, frag_names);
	if (!v4)
		put_nums(b, "flow-label", &m->flow_label, 0xfffff);
	put(b, " }");
}

int xs_exabgp_flow_nlri(char *buf, size_t len, const struct xs_bgp_match *m)
{
	struct sbuf b = { buf, len, 0, false };

	put_match(&b, m);
	put(&b, " }");
	return b.full ? -ENOSPC : 0;
}

int xs_exabgp_flow(char *buf, size_t len, const struct xs_bgp_match *m,
		   const struct xs_bgp_action *a, const struct xs_bgp_community *comm, int ncomm)
{
	struct sbuf b = { buf, len, 0, false };

	put_match(&b, m);
	if (a->kind == XS_BGP_RATE_LIMIT)
		put(&b, " then { rate-limit %llu;", (unsigned long long)a->bytes_per_s);
	else
		put(&b, " then { discard;");
	put_communities(&b, comm, ncomm, ";");
	put(&b, " } }");
	return b.full ? -ENOSPC : 0;
}

static int check_nums(const struct xs_bgp_nums *n, const char *name, uint32_t max, char *why,
		      size_t len)
{
	int i;

	if (n->n > XS_BGP_RANGES_MAX) {
		snprintf(why, len, "%s: at most %d ranges", name, XS_BGP_RANGES_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n->n; i++)
		if (n->r[i].lo > n->r[i].hi || n->r[i].hi > max) {
			snprintf(why, len, "%s: %u..%u is not a range within 0..%u", name,
				 n->r[i].lo, n->r[i].hi, max);
			return -EINVAL;
		}
	return 0;
}

int xs_exabgp_match_check(const struct xs_bgp_match *m, const struct xs_bgp_action *a,
			  char *why, size_t len)
{
	bool v4 = xs_prefix_is_v4(&m->dst);
	struct xs_prefix s;
	int err = 0;

	if (!v4 && m->dst.len > 128) {
		snprintf(why, len, "destination: not a prefix");
		return -EINVAL;
	}
	if (m->has_src) {
		s = m->src;
		if (xs_prefix_is_v4(&s) != v4 || s.len > 128) {
			snprintf(why, len, "source: not a prefix of the destination's family");
			return -EINVAL;
		}
	}
	err = err ?: check_nums(&m->proto, v4 ? "protocol" : "next header", 255, why, len);
	err = err ?: check_nums(&m->port, "port", 65535, why, len);
	err = err ?: check_nums(&m->dport, "destination port", 65535, why, len);
	err = err ?: check_nums(&m->sport, "source port", 65535, why, len);
	err = err ?: check_nums(&m->icmp_type, "ICMP type", 255, why, len);
	err = err ?: check_nums(&m->icmp_code, "ICMP code", 255, why, len);
	err = err ?: check_nums(&m->length, "packet length", 65535, why, len);
	err = err ?: check_nums(&m->dscp, "DSCP", 63, why, len);
	err = err ?: check_nums(&m->flow_label, "flow label", 0xfffff, why, len);
	if (err)
		return err;
	if (m->tcp_flags & ~m->tcp_mask) {
		snprintf(why, len, "TCP flags 0x%02x are outside their mask 0x%02x", m->tcp_flags,
			 m->tcp_mask);
		return -EINVAL;
	}
	if ((m->frag & ~m->frag_mask) || (m->frag_mask & 0xf0)) {
		snprintf(why, len, "fragment bits 0x%02x/0x%02x: only DF, IS, FF and LF exist",
			 m->frag, m->frag_mask);
		return -EINVAL;
	}
	if (!v4 && (m->frag_mask & XS_BGP_FRAG_DF)) {
		snprintf(why, len, "fragment: IPv6 has no don't-fragment bit (RFC 8956)");
		return -EINVAL;
	}
	if (v4 && m->flow_label.n) {
		snprintf(why, len, "flow label: IPv6 only");
		return -EINVAL;
	}
	if (a->kind == XS_BGP_RATE_LIMIT &&
	    (a->bytes_per_s < 1 || a->bytes_per_s > 1000000000000ULL)) {
		snprintf(why, len, "rate limit: 1..10^12 bytes/s (0 is discard)");
		return -EINVAL;
	}
	if (a->kind != XS_BGP_RATE_LIMIT && a->kind != XS_BGP_DISCARD) {
		snprintf(why, len, "unknown action %d", a->kind);
		return -EINVAL;
	}
	return 0;
}
