// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "names.h"
#include "xs_det.h"
#include "xs_test.h"

static FILE *jsonl;
static char jsonl_path[512];
static int harnesses;

int det_log_open(const char *suite)
{
	snprintf(jsonl_path, sizeof(jsonl_path), "%s/test-alerts-%s-%d.jsonl", xs_build_dir(),
		 suite, getpid());
	jsonl = fopen(jsonl_path, "w");
	return jsonl ? 0 : -1;
}

void det_log_close(void)
{
	if (!jsonl)
		return;
	fclose(jsonl);
	jsonl = NULL;
	if (!getenv("XS_KEEP_ALERTS"))
		unlink(jsonl_path);
}

bool det_schema_ok(int min_alerts)
{
	fflush(jsonl);
	return xs_sh("python3 tests/tools/check_alerts.py schema/alert.schema.json %s "
		     "--min-alerts %d >&2",
		     jsonl_path, min_alerts) == 0;
}

static void on_alert(void *ctx, const struct xs_alert_out *a)
{
	struct det *h = ctx;
	json_error_t err;
	json_t *d = json_loads(a->json, 0, &err), *x, *o;
	struct det_alert *v;
	char *s;
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	if (jsonl)
		fprintf(jsonl, "%s\n", a->json);
	if (h->nev == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->ev = realloc(h->ev, h->cap * sizeof(*h->ev));
		CU_ASSERT_PTR_NOT_NULL_FATAL(h->ev);
	}
	v = &h->ev[h->nev++];
	memset(v, 0, sizeof(*v));
	snprintf(v->rule, sizeof(v->rule), "%s", a->rule);
	snprintf(v->action, sizeof(v->action), "%s", a->action);
	snprintf(v->id, sizeof(v->id), "%s", a->event_id);
	snprintf(v->src, sizeof(v->src), "%s", a->src_ip ? a->src_ip : "*");
	snprintf(v->dst, sizeof(v->dst), "%s", a->dst_ip ? a->dst_ip : "*");
	v->port = a->dst_port;
	v->ts = a->ts;
	x = json_object_get(d, "xdpstream");
	v->value = json_number_value(json_object_get(json_object_get(x, "observed"), "value"));
	snprintf(v->unit, sizeof(v->unit), "%s",
		 json_string_value(json_object_get(json_object_get(x, "observed"), "unit")));
	v->peak = json_number_value(json_object_get(x, "peak"));
	v->threshold = json_number_value(json_object_get(x, "threshold"));
	v->window_s = json_number_value(json_object_get(x, "window_s"));
	v->incomplete = json_is_true(json_object_get(x, "evidence_incomplete"));
	if (json_is_string(json_object_get(x, "kind")))
		snprintf(v->kind, sizeof(v->kind), "%s",
			 json_string_value(json_object_get(x, "kind")));
	o = json_object_get(x, "ports_sample");
	for (i = 0; i < json_array_size(o) && i < 8; i++)
		v->ports[v->nports++] = (int)json_integer_value(json_array_get(o, i));
	s = json_dumps(json_object_get(x, "details"), JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s) {
		snprintf(v->details, sizeof(v->details), "%s", s);
		free(s);
	}
	json_decref(d);
}

void det_init(struct det *h, const char *yaml)
{
	struct xs_engine_opts o = {.settings = &h->s, .ifname = "test0", .on_alert = on_alert};

	memset(h, 0, sizeof(*h));
	o.ctx = h;
	h->dst = calloc(DET_MAXKEYS, sizeof(*h->dst));
	h->src = calloc(DET_MAXKEYS, sizeof(*h->src));
	CU_ASSERT_FATAL(h->dst && h->src);
	CU_ASSERT_EQUAL_FATAL(xs_settings_init(&h->s), 0);
	/* Alert ids hash the host: a name per harness keeps them unique in
	 * the suite's file, whose timestamps repeat. */
	snprintf(h->s.alerts.hostname, sizeof(h->s.alerts.hostname), "det-%d", ++harnesses);
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
	h->ts = DET_T0;
	h->e = xs_engine_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->e);
}

void det_free(struct det *h)
{
	xs_engine_drain(h->e, h->ts);
	xs_engine_free(h->e);
	xs_settings_free(&h->s);
	free(h->dst);
	free(h->src);
	h->e = NULL;
	h->dst = NULL;
	h->src = NULL;
}

void det_done(struct det *h)
{
	free(h->ev);
	h->ev = NULL;
	h->nev = h->cap = 0;
}

struct xs_addr det_a(const char *s)
{
	struct xs_addr a;

	CU_ASSERT_EQUAL_FATAL(xs_addr_parse(s, &a), 0);
	return a;
}

struct xs_addr det_an(uint32_t i, bool v6)
{
	char b[64];

	if (v6)
		snprintf(b, sizeof(b), "2001:db8:ff::%x:%x", i >> 16, i & 0xffff);
	else
		snprintf(b, sizeof(b), "11.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	return det_a(b);
}

struct xs_dst *det_dst(struct det *h, struct xs_addr a)
{
	size_t i;

	for (i = 0; i < h->ndst; i++)
		if (!memcmp(&h->dst[i].addr, &a, sizeof(a)))
			return &h->dst[i].v;
	CU_ASSERT_FATAL(h->ndst < DET_MAXKEYS);
	memset(&h->dst[h->ndst], 0, sizeof(h->dst[0]));
	h->dst[h->ndst].addr = a;
	return &h->dst[h->ndst++].v;
}

struct xs_src *det_src(struct det *h, struct xs_addr a)
{
	size_t i;

	for (i = 0; i < h->nsrc; i++)
		if (!memcmp(&h->src[i].addr, &a, sizeof(a)))
			return &h->src[i].v;
	CU_ASSERT_FATAL(h->nsrc < DET_MAXKEYS);
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

void det_hll(uint8_t *regs, uint32_t base, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint64_t x = mix64((uint64_t)(base + i) * 0x9e3779b97f4a7c15ULL + 1);
		uint64_t rest = x >> XS_HLL_BITS;
		uint8_t rank = rest ? (uint8_t)(__builtin_ctzll(rest) + 1) : 64 - XS_HLL_BITS + 1;

		if (regs[x & (XS_HLL_REGS - 1)] < rank)
			regs[x & (XS_HLL_REGS - 1)] = rank;
	}
}

void det_event(struct det *h, struct xs_addr src, struct xs_addr dst, uint8_t proto, uint16_t sport,
	       uint16_t dport, uint8_t tcp_flags)
{
	struct xs_flow_event ev = {};

	ev.src = src;
	ev.dst = dst;
	ev.sport = htons(sport);
	ev.dport = htons(dport);
	ev.proto = proto;
	ev.tcp_flags = tcp_flags;
	xs_engine_on_event(h->e, &ev);
}

void det_pair(struct det *h, struct xs_addr src, struct xs_addr dst, uint16_t port, uint64_t pkts,
	      uint64_t data)
{
	size_t i;

	for (i = 0; i < h->nw; i++) {
		const struct xs_watch_key *k = &h->wk[i];

		if (memcmp(&k->src, &src, sizeof(src)))
			continue;
		if ((k->dport && (k->proto != 6 || ntohs(k->dport) != port)) ||
		    (!xs_addr_is_zero(&k->dst) && memcmp(&k->dst, &dst, sizeof(dst))))
			continue;
		h->wv[i].pkts += pkts;
		h->wv[i].data += data;
	}
}

void det_tick(struct det *h)
{
	struct xs_watch_key keys[XS_WATCH_MAX];
	struct xs_watch_val vals[XS_WATCH_MAX];
	struct xs_tick t = {};
	size_t i, j, n;

	for (i = 0; i < h->ndst; i++) {
		h->g.pkts[XS_C_IPV4_TCP] += h->dst[i].v.pkts;
		h->g.bytes[XS_C_IPV4_TCP] += h->dst[i].v.bytes;
	}
	t.g = h->g;
	t.dst = h->dst;
	t.ndst = h->ndst;
	t.src = h->src;
	t.nsrc = h->nsrc;
	h->ts += h->tick_s;
	for (i = 0; i < h->nw; i++)
		xs_engine_watch_counts(h->e, &h->wk[i], &h->wv[i]);
	xs_engine_on_tick(h->e, &t, h->ts);
	h->ndst = h->nsrc = 0;
	memset(&h->g, 0, sizeof(h->g));
	n = xs_engine_watch_keys(h->e, keys, XS_WATCH_MAX);
	for (i = 0; i < n; i++) {
		memset(&vals[i], 0, sizeof(vals[i]));
		for (j = 0; j < h->nw; j++)
			if (!memcmp(&keys[i], &h->wk[j], sizeof(keys[i])))
				vals[i] = h->wv[j];
	}
	memcpy(h->wk, keys, n * sizeof(keys[0]));
	memcpy(h->wv, vals, n * sizeof(vals[0]));
	h->nw = n;
	xs_engine_watch_synced(h->e, keys, n);
}

void det_idle(struct det *h, uint64_t n)
{
	h->ts += n * h->tick_s;
	xs_engine_idle(h->e, n, h->ts);
}

int det_count(const struct det *h, const char *rule, const char *action)
{
	int i, n = 0;

	for (i = 0; i < h->nev; i++)
		if ((!rule || !strcmp(h->ev[i].rule, rule)) &&
		    (!action || !strcmp(h->ev[i].action, action)))
			n++;
	return n;
}

const struct det_alert *det_first(const struct det *h, const char *rule, const char *action)
{
	int i;

	for (i = 0; i < h->nev; i++)
		if ((!rule || !strcmp(h->ev[i].rule, rule)) &&
		    (!action || !strcmp(h->ev[i].action, action)))
			return &h->ev[i];
	return NULL;
}

int det_alerts(const struct det *h, const char *rule)
{
	return det_count(h, rule, "start");
}
