// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <math.h>
#include <string.h>
#include <jansson.h>

#include "collector.h"
#include "names.h"
#include "xs_dharness.h"
#include "xs_test.h"

static int harnesses;

static void on_alert(void *ctx, const struct xs_alert_out *a)
{
	struct xs_dh *h = ctx;
	json_error_t err;
	json_t *d = json_loads(a->json, 0, &err), *x;
	struct xs_dh_alert *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	if (h->jsonl)
		fprintf(h->jsonl, "%s\n", a->json);
	CU_ASSERT_FATAL(h->nev < XS_DH_MAXEV);
	v = &h->ev[h->nev++];
	memset(v, 0, sizeof(*v));
	snprintf(v->rule, sizeof(v->rule), "%s", a->rule);
	snprintf(v->action, sizeof(v->action), "%s", a->action);
	snprintf(v->id, sizeof(v->id), "%s", a->event_id);
	snprintf(v->src, sizeof(v->src), "%s", a->src_ip ? a->src_ip : "*");
	snprintf(v->dst, sizeof(v->dst), "%s", a->dst_ip ? a->dst_ip : "*");
	snprintf(v->json, sizeof(v->json), "%s", a->json);
	v->port = a->dst_port;
	v->ts = a->ts;
	x = json_object_get(d, "xdpstream");
	v->value = json_number_value(json_object_get(json_object_get(x, "observed"), "value"));
	snprintf(v->unit, sizeof(v->unit), "%s",
		 json_string_value(json_object_get(json_object_get(x, "observed"), "unit")));
	v->peak = json_number_value(json_object_get(x, "peak"));
	v->threshold = json_number_value(json_object_get(x, "threshold"));
	if (json_object_get(x, "destination_prefix"))
		snprintf(v->prefix, sizeof(v->prefix), "%s",
			 json_string_value(json_object_get(x, "destination_prefix")));
	if (json_object_get(x, "as_rule"))
		snprintf(v->as_rule, sizeof(v->as_rule), "%s",
			 json_string_value(json_object_get(x, "as_rule")));
	v->ntopdst = (int)json_array_size(json_object_get(x, "top_destinations"));
	json_decref(d);
}

void xs_dh_init(struct xs_dh *h, const char *yaml, FILE *jsonl)
{
	struct xs_engine_opts o = { .settings = &h->s, .ifname = "test0", .on_alert = on_alert };

	memset(h, 0, sizeof(*h));
	h->jsonl = jsonl;
	o.ctx = h;
	CU_ASSERT_EQUAL_FATAL(xs_settings_init(&h->s), 0);
	/* Alert ids hash the host: a name per harness keeps them unique in
	 * the suite's file, whose timestamps repeat. */
	snprintf(h->s.alerts.hostname, sizeof(h->s.alerts.hostname), "floods-%d", ++harnesses);
	if (yaml) {
		char err[256];
		struct xs_cfg *cfg = xs_cfg_load_string("test.yaml", yaml, err, sizeof(err));

		CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
		if (xs_settings_apply(&h->s, cfg))
			printf("\n  config error: %s", xs_cfg_error_at(cfg, 0));
		CU_ASSERT_EQUAL_FATAL(xs_cfg_nerrors(cfg), 0);
		xs_cfg_free(cfg);
	}
	h->tick_s = h->s.tick_ms / 1000.0;
	h->ts = XS_DH_T0;
	h->e = xs_engine_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->e);
}

void xs_dh_free(struct xs_dh *h)
{
	xs_engine_drain(h->e, h->ts);
	xs_engine_free(h->e);
	xs_settings_free(&h->s);
}

struct xs_addr xs_dh_addr(const char *s)
{
	struct xs_addr a;

	CU_ASSERT_EQUAL_FATAL(xs_addr_parse(s, &a), 0);
	return a;
}

struct xs_dst *xs_dh_dst_a(struct xs_dh *h, struct xs_addr a)
{
	size_t i;

	for (i = 0; i < h->ndst; i++)
		if (!memcmp(&h->dst[i].addr, &a, sizeof(a)))
			return &h->dst[i].v;
	CU_ASSERT_FATAL(h->ndst < XS_DH_MAXKEYS);
	memset(&h->dst[h->ndst], 0, sizeof(h->dst[0]));
	h->dst[h->ndst].addr = a;
	return &h->dst[h->ndst++].v;
}

struct xs_dst *xs_dh_dst(struct xs_dh *h, const char *addr)
{
	return xs_dh_dst_a(h, xs_dh_addr(addr));
}

struct xs_src *xs_dh_src(struct xs_dh *h, const char *addr)
{
	struct xs_addr a = xs_dh_addr(addr);
	size_t i;

	for (i = 0; i < h->nsrc; i++)
		if (!memcmp(&h->src[i].addr, &a, sizeof(a)))
			return &h->src[i].v;
	CU_ASSERT_FATAL(h->nsrc < XS_DH_MAXKEYS);
	memset(&h->src[h->nsrc], 0, sizeof(h->src[0]));
	h->src[h->nsrc].addr = a;
	return &h->src[h->nsrc++].v;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t item(uint32_t i)
{
	return mix64((uint64_t)i * 0x9e3779b97f4a7c15ULL + 1);
}

void xs_dh_hll(uint8_t *regs, uint32_t base, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint64_t x = item(base + i), rest = x >> XS_HLL_BITS;
		uint8_t rank = rest ? (uint8_t)(__builtin_ctzll(rest) + 1) : 64 - XS_HLL_BITS + 1;

		if (regs[x & (XS_HLL_REGS - 1)] < rank)
			regs[x & (XS_HLL_REGS - 1)] = rank;
	}
}

double xs_dh_hll_est(uint32_t base, uint32_t n)
{
	uint8_t r[XS_HLL_REGS] = {};

	xs_dh_hll(r, base, n);
	return xs_hll_estimate(r, XS_HLL_REGS);
}

uint64_t xs_dh_bits(uint32_t base, uint32_t n)
{
	uint64_t b = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		b |= 1ULL << (item(base + i) >> 58);
	return b;
}

void xs_dh_event(struct xs_dh *h, const char *src, const char *dst, uint8_t proto,
		 uint16_t sport, uint16_t dport, uint8_t flags)
{
	struct xs_flow_event ev = {};

	ev.src = xs_dh_addr(src);
	ev.dst = xs_dh_addr(dst);
	ev.sport = htons(sport);
	ev.dport = htons(dport);
	ev.proto = proto;
	ev.tcp_flags = flags;
	xs_engine_on_event(h->e, &ev);
}

void xs_dh_slices(struct xs_dh *h, bool on)
{
	int i;

	for (i = 0; i < XS_SLICES; i++)
		h->slice_s[i] = on ? (float)(h->tick_s / XS_SLICES) : 0;
}

void xs_dh_tick(struct xs_dh *h)
{
	struct xs_tick t = {};
	size_t i;

	for (i = 0; i < h->ndst; i++) {
		h->g.pkts[XS_C_IPV4_TCP] += h->dst[i].v.pkts;
		h->g.bytes[XS_C_IPV4_TCP] += h->dst[i].v.bytes;
	}
	t.g = h->g;
	t.dst = h->dst;
	t.ndst = h->ndst;
	t.src = h->src;
	t.nsrc = h->nsrc;
	memcpy(t.slice_s, h->slice_s, sizeof(t.slice_s));
	h->ts += h->tick_s;
	xs_engine_on_tick(h->e, &t, h->ts);
	h->ndst = h->nsrc = 0;
	memset(&h->g, 0, sizeof(h->g));
}

void xs_dh_idle(struct xs_dh *h, uint64_t n)
{
	h->ts += n * h->tick_s;
	xs_engine_idle(h->e, n, h->ts);
}

int xs_dh_count(const struct xs_dh *h, const char *rule, const char *action)
{
	int i, n = 0;

	for (i = 0; i < h->nev; i++)
		if ((!rule || !strcmp(h->ev[i].rule, rule)) &&
		    (!action || !strcmp(h->ev[i].action, action)))
			n++;
	return n;
}

const struct xs_dh_alert *xs_dh_first(const struct xs_dh *h, const char *rule, const char *action)
{
	int i;

	for (i = 0; i < h->nev; i++)
		if (!strcmp(h->ev[i].rule, rule) && !strcmp(h->ev[i].action, action))
			return &h->ev[i];
	return NULL;
}
