// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "aggregates.h"
#include "collector.h"
#include "fleet_tick.h"
#include "names.h"
#include "rfc3339.h"
#include "sink.h"

/* Heap of the k best seen so far, worst at the root. */
static void sift_down(size_t *h, size_t n, size_t i,
		      int (*rank)(const void *ctx, size_t a, size_t b), const void *ctx)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i, t;

		if (l < n && rank(ctx, h[l], h[w]) > 0)
			w = l;
		if (r < n && rank(ctx, h[r], h[w]) > 0)
			w = r;
		if (w == i)
			return;
		t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

size_t xs_top_n(size_t n, size_t k, size_t *out, int (*rank)(const void *ctx, size_t a, size_t b),
		const void *ctx)
{
	size_t m = 0, i, t;

	if (!k)
		return 0;
	for (i = 0; i < n; i++) {
		if (m < k) {
			size_t c = m++;

			/* sift up */
			out[c] = i;
			while (c && rank(ctx, out[c], out[(c - 1) / 2]) > 0) {
				t = out[c];
				out[c] = out[(c - 1) / 2];
				out[(c - 1) / 2] = t;
				c = (c - 1) / 2;
			}
		} else if (rank(ctx, i, out[0]) < 0) {
			out[0] = i;
			sift_down(out, m, 0, rank, ctx);
		}
	}
	/* Heap sort: repeatedly move the worst to the end. */
	for (i = m; i > 1; i--) {
		t = out[0];
		out[0] = out[i - 1];
		out[i - 1] = t;
		sift_down(out, i - 1, 0, rank, ctx);
	}
	return m;
}

/* More first; ties by address, lower first, so the output is stable. */
#define RANK(name, type, field)                                                                    \
	static int name(const void *ctx, size_t a, size_t b)                                      \
	{                                                                                          \
		const type *e = ctx;                                                               \
		if (e[a].v.field != e[b].v.field)                                                  \
			return e[a].v.field > e[b].v.field ? -1 : 1;                               \
		return memcmp(&e[a].addr, &e[b].addr, sizeof(e[a].addr));                         \
	}
RANK(dst_by_pkts, struct xs_dst_entry, pkts)
RANK(dst_by_bytes, struct xs_dst_entry, bytes)
RANK(src_by_pkts, struct xs_src_entry, pkts)
RANK(src_by_bytes, struct xs_src_entry, bytes)

static json_t *dst_json(const struct xs_dst_entry *e)
{
	char ip[XS_ADDR_STRLEN];

	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "ip", xs_addr_str(&e->addr, ip), "packets", (json_int_t)e->v.pkts,
			 "bytes", (json_int_t)e->v.bytes, "tcp", (json_int_t)e->v.tcp, "syn",
			 (json_int_t)e->v.syn, "synack", (json_int_t)e->v.synack, "rst",
			 (json_int_t)e->v.rst, "udp", (json_int_t)e->v.udp, "icmp",
			 (json_int_t)e->v.icmp, "fragments", (json_int_t)e->v.frag,
			 "reflector_packets", (json_int_t)e->v.refl_pkts, "reflector_bytes",
			 (json_int_t)e->v.refl_bytes, "distinct_sources",
			 (json_int_t)xs_hll_count(e->v.hll_src, XS_HLL_REGS),
			 "distinct_ports",
			 (json_int_t)xs_hll_count(e->v.hll_dport, XS_HLL_REGS));
}

static json_t *src_json(const struct xs_src_entry *e)
{
	char ip[XS_ADDR_STRLEN];

	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "ip", xs_addr_str(&e->addr, ip),
			 "packets", (json_int_t)e->v.pkts, "bytes", (json_int_t)e->v.bytes, "syn",
			 (json_int_t)e->v.syn, "synack", (json_int_t)e->v.synack, "rst",
			 (json_int_t)e->v.rst, "icmp_echo", (json_int_t)e->v.icmp_echo);
}

static json_t *top_list(const void *arr, size_t n, int top, size_t *idx,
			int (*rank)(const void *, size_t, size_t), int dst)
{
	json_t *a = json_array();
	size_t m = xs_top_n(n, top, idx, rank, arr), i;

	for (i = 0; i < m; i++)
		json_array_append_new(a, dst ? dst_json(&((const struct xs_dst_entry *)arr)[idx[i]])
					     : src_json(&((const struct xs_src_entry *)arr)[idx[i]]));
	return a;
}

/* ---- version 2: the fleet part (docs/fleet.md) ---- */

static json_t *sketch_json(const struct xs_fleet_sketch *h)
{
	return json_pack("{s:i, s:s}", "p", h->p, h->sparse ? "s" : "d", h->b64);
}

static void put_sketch(json_t *o, const char *name, const struct xs_fleet_sketch *h)
{
	if (h->b64)
		json_object_set_new(o, name, sketch_json(h));
}

static void put_counts(json_t *o, const struct xs_fleet_item *it)
{
	json_object_set_new(o, "packets", json_integer((json_int_t)it->packets));
	json_object_set_new(o, "bytes", json_integer((json_int_t)it->bytes));
	json_object_set_new(o, "syn", json_integer((json_int_t)it->syn));
}

static json_t *fleet_item(const struct xs_fleet_tick *f, int l, const struct xs_fleet_item *it)
{
	char ip[XS_ADDR_STRLEN], pfx[XS_ADDR_STRLEN + 4];
	json_t *o = json_object(), *tops, *items;
	uint32_t i;

	xs_addr_str(&it->addr, ip);
	snprintf(pfx, sizeof(pfx), "%s/%d", ip, xs_addr_is_v4(&it->addr) ? 24 : 64);
	switch (l) {
	case XS_FL_VICTIMS:
		json_object_set_new(o, "ip", json_string(ip));
		put_counts(o, it);
		put_sketch(o, "sources_hll", &it->h1);
		items = json_array();
		for (i = 0; i < it->ntop; i++) {
			const struct xs_fleet_top *t = &f->tops[it->top + i];
			char a[XS_ADDR_STRLEN];

			json_array_append_new(items, json_pack("{s:s, s:I, s:I}", "ip",
							       xs_addr_str(&t->addr, a), "count",
							       (json_int_t)t->count, "error",
							       (json_int_t)t->error));
		}
		tops = json_pack("{s:o, s:I}", "items", items, "floor", (json_int_t)it->top_floor);
		json_object_set_new(o, "top_sources", tops);
		break;
	case XS_FL_VPREFIXES:
		json_object_set_new(o, "prefix", json_string(pfx));
		put_counts(o, it);
		put_sketch(o, "victims_hll", &it->h2);
		put_sketch(o, "sources_hll", &it->h1);
		break;
	case XS_FL_LOGINS:
		json_object_set_new(o, "ip", json_string(ip));
		json_object_set_new(o, "port", json_integer(it->port));
		json_object_set_new(o, "attempts", json_integer((json_int_t)it->attempts));
		put_sketch(o, "sources_hll", &it->h1);
		break;
	default:
		json_object_set_new(o, l == XS_FL_SOURCES ? "ip" : "prefix",
				    json_string(l == XS_FL_SOURCES ? ip : pfx));
		put_counts(o, it);
		json_object_set_new(o, "login_attempts", json_integer((json_int_t)it->attempts));
		put_sketch(o, "targets_hll", &it->h1);
	}
	return o;
}

static json_t *fleet_json(const struct xs_fleet_tick *f)
{
	static const char *const names[XS_FL_MAX] = { "victims", "victim_prefixes", "logins",
						      "sources", "source_prefixes" };
	json_t *o = json_object();
	uint32_t i;
	int l;

	if (f->hll)
		json_object_set_new(o, "hll", json_pack("{s:s, s:s}", "hash", "siphash-2-4",
							 "key_id", f->key_id));
	for (l = 0; l < XS_FL_MAX; l++) {
		const struct xs_fleet_list *L = &f->l[l];
		json_t *items = json_array();

		for (i = 0; i < L->n; i++)
			json_array_append_new(items, fleet_item(f, l, &L->items[i]));
		json_object_set_new(o, names[l],
				    json_pack("{s:o, s:I, s:I}", "items", items, "omitted",
					      (json_int_t)L->omitted, "floor", (json_int_t)L->floor));
	}
	return o;
}

char *xs_agg_json(const struct xs_tick *t, double ts, double secs, const char *hostname,
		  const char *sensor, int top_n)
{
	json_t *doc, *classes = json_object(), *errs = json_object(), *cnts = json_object();
	size_t *idx = calloc(top_n > 0 ? top_n : 1, sizeof(*idx));
	char tsbuf[40];
	char *out = NULL;
	int i;

	if (!idx || !classes || !errs || !cnts)
		goto out;
	for (i = 0; i < XS_C_MAX; i++)
		json_object_set_new(classes, xs_class_names[i],
				    json_pack("{s:I, s:I}", "packets", (json_int_t)t->g.pkts[i],
					      "bytes", (json_int_t)t->g.bytes[i]));
	for (i = 0; i < XS_E_MAX; i++)
		json_object_set_new(errs, xs_err_names[i], json_integer(t->g.err[i]));
	for (i = 0; i < XS_N_MAX; i++)
		json_object_set_new(cnts, xs_cnt_names[i], json_integer(t->g.cnt[i]));
	if (t->fleet)
		json_object_set_new(cnts, "fleet_events_dropped",
				    json_integer((json_int_t)t->fleet->events_dropped));
	xs_rfc3339(ts, 6, tsbuf, sizeof(tsbuf));
	doc = json_pack(
		"{s:s, s:{s:s, s:s, s:I}, s:{s:s, s:s}, s:{s:i, s:I, s:f, s:{s:I, s:I, s:o, s:o, "
		"s:o}, s:{s:I, s:o, s:o}, s:{s:I, s:o, s:o}}}",
		"@timestamp", tsbuf, "event", "kind", "metric", "dataset", "xdpstream.aggregates",
		"duration", (json_int_t)(secs * 1e9 + 0.5), "observer", "hostname", hostname, "name",
		sensor, "xdpstream", "schema_version", t->fleet ? 2 : XS_AGG_SCHEMA_VERSION, "epoch",
		(json_int_t)t->epoch, "interval_s", secs, "totals", "packets",
		(json_int_t)xs_global_total_pkts(&t->g), "bytes",
		(json_int_t)xs_global_total_bytes(&t->g), "classes", classes, "parse_errors", errs,
		"counters", cnts, "destinations", "tracked", (json_int_t)t->ndst, "top_by_packets",
		top_list(t->dst, t->ndst, top_n, idx, dst_by_pkts, 1), "top_by_bytes",
		top_list(t->dst, t->ndst, top_n, idx, dst_by_bytes, 1), "sources", "tracked",
		(json_int_t)t->nsrc, "top_by_packets",
		top_list(t->src, t->nsrc, top_n, idx, src_by_pkts, 0), "top_by_bytes",
		top_list(t->src, t->nsrc, top_n, idx, src_by_bytes, 0));
	classes = errs = cnts = NULL;	/* owned by doc (or freed by json_pack on error) */
	if (doc && t->fleet) {
		const struct xs_fleet_tick *f = t->fleet;
		json_t *x = json_object_get(doc, "xdpstream");

		json_object_set_new(x, "tick", json_pack("{s:I, s:I, s:I}", "seq", (json_int_t)f->seq,
							  "start_us", (json_int_t)f->start_us,
							  "length_us", (json_int_t)f->length_us));
		json_object_set_new(x, "fleet", fleet_json(f));
	}
	if (doc) {
		out = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(6));
		json_decref(doc);
	}
out:
	json_decref(classes);
	json_decref(errs);
	json_decref(cnts);
	free(idx);
	return out;
}
