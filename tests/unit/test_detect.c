// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Every detector on synthetic ticks and events built here (no BPF, no
 * pcap): just under and just over each threshold, window edges, IPv6,
 * the alert life cycle, dedup, per-network overrides, what a spoofed flood
 * and a fast scanner must not raise, limits reported as lost evidence.
 * Every alert produced is validated against schema/alert.schema.json.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "engine.h"
#include "names.h"
#include "settings.h"
#include "xs_test.h"

#define T0 1000000000.0	/* 2001-09-09T01:46:40Z */
#define MAXEV 512
#define MAXKEYS 256

struct alert_ev {
	char rule[24], action[8], id[24], src[48], dst[48], unit[24], ruleset[48];
	int port;
	double ts, value, peak;
	bool incomplete;
	long long engine_overflow, over_budget;
};

struct harness {
	struct xs_settings s;
	struct xs_engine *e;
	double ts;		/* end of the last tick */
	double tick_s;
	struct xs_dst_entry dst[MAXKEYS];
	size_t ndst;
	struct xs_src_entry src[MAXKEYS];
	size_t nsrc;
	struct xs_global g;
	struct alert_ev ev[MAXEV];
	int nev;
	double secs;		/* the next tick's real length (0: nominal) */
	/* The kernel's watched keys (evidence), as the program keeps them. */
	struct xs_watch_key wk[XS_WATCH_MAX];
	struct xs_watch_val wv[XS_WATCH_MAX];
	size_t nw;
};

static FILE *jsonl;
static int harnesses;
static char jsonl_path[512];

static void on_alert(void *ctx, const struct xs_alert_out *a)
{
	struct harness *h = ctx;
	json_error_t err;
	json_t *d = json_loads(a->json, 0, &err), *x;
	struct alert_ev *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	fprintf(jsonl, "%s\n", a->json);
	CU_ASSERT_FATAL(h->nev < MAXEV);
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
	v->incomplete = json_is_true(json_object_get(x, "evidence_incomplete"));
	v->engine_overflow = json_integer_value(
		json_object_get(json_object_get(x, "loss"), "engine_overflow"));
	v->over_budget = json_integer_value(
		json_object_get(json_object_get(x, "loss"), "events_over_budget"));
	snprintf(v->ruleset, sizeof(v->ruleset), "%s",
		 json_string_value(json_object_get(json_object_get(d, "rule"), "ruleset")));
	json_decref(d);
}

static void h_init(struct harness *h, const char *yaml)
{
	struct xs_engine_opts o = { .settings = &h->s, .ifname = "test0", .on_alert = on_alert };

	memset(h, 0, sizeof(*h));
	o.ctx = h;
	CU_ASSERT_EQUAL_FATAL(xs_settings_init(&h->s), 0);
	/* Alert ids hash the host: a name per harness keeps them unique in
	 * the suite's file, whose timestamps repeat. */
	snprintf(h->s.alerts.hostname, sizeof(h->s.alerts.hostname), "sensor-%d", ++harnesses);
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
	h->ts = T0;
	h->e = xs_engine_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h->e);
}

static void h_free(struct harness *h)
{
	xs_engine_drain(h->e, h->ts);
	xs_engine_free(h->e);
	xs_settings_free(&h->s);
}

static struct xs_addr A(const char *s)
{
	struct xs_addr a;

	CU_ASSERT_EQUAL_FATAL(xs_addr_parse(s, &a), 0);
	return a;
}

/* The i-th address of 11.0.0.0/8 (or of 2001:db8:ff::/64 if v6). */
static struct xs_addr An(uint32_t i, bool v6)
{
	char b[64];

	if (v6)
		snprintf(b, sizeof(b), "2001:db8:ff::%x:%x", i >> 16, i & 0xffff);
	else
		snprintf(b, sizeof(b), "11.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255, i & 255);
	return A(b);
}

static struct xs_dst *h_dst(struct harness *h, const char *addr)
{
	struct xs_addr a = A(addr);
	size_t i;

	for (i = 0; i < h->ndst; i++)
		if (!memcmp(&h->dst[i].addr, &a, sizeof(a)))
			return &h->dst[i].v;
	CU_ASSERT_FATAL(h->ndst < MAXKEYS);
	memset(&h->dst[h->ndst], 0, sizeof(h->dst[0]));
	h->dst[h->ndst].addr = a;
	return &h->dst[h->ndst++].v;
}

static struct xs_src *h_src_a(struct harness *h, struct xs_addr a)
{
	size_t i;

	for (i = 0; i < h->nsrc; i++)
		if (!memcmp(&h->src[i].addr, &a, sizeof(a)))
			return &h->src[i].v;
	CU_ASSERT_FATAL(h->nsrc < MAXKEYS);
	memset(&h->src[h->nsrc], 0, sizeof(h->src[0]));
	h->src[h->nsrc].addr = a;
	return &h->src[h->nsrc++].v;
}

static struct xs_src *h_src(struct harness *h, const char *addr)
{
	return h_src_a(h, A(addr));
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

/* n distinct items (from `base` on) into HyperLogLog registers, the way
 * bpf/sketch.h does it. */
static void hll(uint8_t *regs, uint32_t base, uint32_t n)
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

static void h_event_a(struct harness *h, struct xs_addr src, struct xs_addr dst, uint8_t proto,
		      uint16_t sport, uint16_t dport, uint8_t flags)
{
	struct xs_flow_event ev = {};

	ev.src = src;
	ev.dst = dst;
	ev.sport = htons(sport);
	ev.dport = htons(dport);
	ev.proto = proto;
	ev.tcp_flags = flags;
	xs_engine_on_event(h->e, &ev);
}

static void h_event(struct harness *h, const char *src, const char *dst, uint8_t proto,
		    uint16_t sport, uint16_t dport, uint8_t flags)
{
	h_event_a(h, A(src), A(dst), proto, sport, dport, flags);
}

/* The source's packets in flows of (src, dst, proto, port), counted as
 * the program counts them: only in keys it watches. */
static void h_pair(struct harness *h, const char *src, const char *dst, uint8_t proto,
		   uint16_t port, uint64_t pkts, uint64_t data)
{
	struct xs_addr s = A(src), d = A(dst);
	size_t i;

	for (i = 0; i < h->nw; i++) {
		const struct xs_watch_key *k = &h->wk[i];

		if (memcmp(&k->src, &s, sizeof(s)))
			continue;
		if ((k->dport && (k->proto != proto || ntohs(k->dport) != port)) ||
		    (!xs_addr_is_zero(&k->dst) && memcmp(&k->dst, &d, sizeof(d))))
			continue;
		h->wv[i].pkts += pkts;
		h->wv[i].data += data;
	}
}

/* Ends the tick: delivers what was built, then clears it; the engine's
 * watched keys go to the "kernel" (kept counts for kept keys). */
static void h_tick(struct harness *h)
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
	t.secs = h->secs;
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

static void h_idle(struct harness *h, uint64_t n)
{
	h->ts += n * h->tick_s;
	xs_engine_idle(h->e, n, h->ts);
}

static int count(const struct harness *h, const char *rule, const char *action)
{
	int i, n = 0;

	for (i = 0; i < h->nev; i++)
		if ((!rule || !strcmp(h->ev[i].rule, rule)) &&
		    (!action || !strcmp(h->ev[i].action, action)))
			n++;
	return n;
}

static const struct alert_ev *first(const struct harness *h, const char *rule, const char *action)
{
	int i;

	for (i = 0; i < h->nev; i++)
		if (!strcmp(h->ev[i].rule, rule) && !strcmp(h->ev[i].action, action))
			return &h->ev[i];
	return NULL;
}

/* A SYN flood tick: syn SYNs to victim from nsrc sources on nports ports. */
static void syn_tick(struct harness *h, const char *victim, uint32_t syn, uint32_t nsrc,
		     uint32_t nports, uint16_t port)
{
	struct xs_dst *d = h_dst(h, victim);

	d->pkts += syn;
	d->bytes += 60ull * syn;
	d->tcp += syn;
	d->syn += syn;
	d->dport_sample = port;
	hll(d->hll_src, 1000000, nsrc);
	hll(d->hll_dport, port, nports);
}

static void test_syn_flood_threshold(void)
{
	struct harness h;
	const struct alert_ev *a;
	int i;

	h_init(&h, NULL);
	/* 999 SYN/s for 5 ticks: just under 1,000 SYN/s over the window. */
	for (i = 0; i < 5; i++) {
		syn_tick(&h, "10.0.0.1", 999, 1000, 1, 80);
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
	/* 1,005 in the 6th: the 3-tick window 4..6 holds 3,003: 1,001 SYN/s. */
	syn_tick(&h, "10.0.0.1", 1005, 1000, 1, 80);
	h_tick(&h);
	CU_ASSERT_EQUAL_FATAL(count(&h, "syn_flood", "start"), 1);
	a = first(&h, "syn_flood", "start");
	CU_ASSERT_STRING_EQUAL(a->dst, "10.0.0.1");
	CU_ASSERT_STRING_EQUAL(a->src, "*");	/* many sources: no attacker */
	CU_ASSERT_EQUAL(a->port, 80);
	CU_ASSERT_DOUBLE_EQUAL(a->value, 1001, 1e-9);
	CU_ASSERT_STRING_EQUAL(a->unit, "SYN/s");
	CU_ASSERT_DOUBLE_EQUAL(a->ts, T0 + 6, 1e-9);
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "end"), 1);
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 1);
}

/* 5,000 spoofed sources a tick, one SYN each, to one service: a flood on
 * the victim, and not a single per-source alert. */
static void test_spoofed_flood_no_per_source(void)
{
	struct harness h;
	uint32_t i, t, n = 0;

	h_init(&h, NULL);
	for (t = 0; t < 20; t++) {
		syn_tick(&h, "10.0.0.2", 5000, 5000, 1, 25565);
		for (i = 0; i < 5000; i++, n++) {
			h_event_a(&h, An(n, false), A("10.0.0.2"), 6, 1024 + n % 60000, 25565,
				  XS_TCP_SYN);
		}
		h_tick(&h);
	}
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 1);
	CU_ASSERT_STRING_EQUAL(first(&h, "syn_flood", "start")->src, "*");
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 1);
	CU_ASSERT_EQUAL(count(&h, "port_scan", NULL) + count(&h, "host_sweep", NULL) +
				count(&h, "brute_force", NULL) + count(&h, "traffic_anomaly", NULL),
			0);
}

/* One scanner at 2,500 SYN/s over thousands of ports: a port scan, not a
 * SYN flood. */
static void test_fast_scanner_is_port_scan(void)
{
	struct harness h;
	uint32_t t, p, port = 1;
	const struct alert_ev *a;

	h_init(&h, NULL);
	for (t = 0; t < 8; t++) {
		struct xs_dst *d = h_dst(&h, "192.168.1.1");

		d->pkts = d->tcp = d->syn = 2500;
		d->bytes = 2500 * 60;
		hll(d->hll_src, 7, 1);
		hll(d->hll_dport, port, 2500);
		for (p = 0; p < 2500; p++, port++)
			h_event(&h, "192.168.1.7", "192.168.1.1", 6, 40000, (uint16_t)port,
				XS_TCP_SYN);
		h_src(&h, "192.168.1.7")->syn = 2500;
		h_tick(&h);
	}
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", NULL), 0);
	CU_ASSERT_EQUAL_FATAL(count(&h, "port_scan", "start"), 1);
	a = first(&h, "port_scan", "start");
	CU_ASSERT_STRING_EQUAL(a->src, "192.168.1.7");
	CU_ASSERT_STRING_EQUAL(a->dst, "192.168.1.1");
	CU_ASSERT_DOUBLE_EQUAL(a->ts, T0 + 1, 1e-9);	/* 2,500 ports in the first tick */
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 1);
}

/* One source, one port, 3,000 SYN/s: a flood, and that source is the
 * attacker. It sends nothing but SYNs: no brute force either. */
static void test_single_source_flood(void)
{
	struct harness h;
	uint32_t t, i, sp = 1024;
	const struct alert_ev *a;

	h_init(&h, NULL);
	for (t = 0; t < 4; t++) {
		syn_tick(&h, "10.0.0.3", 3000, 1, 1, 80);
		for (i = 0; i < 3000; i++)
			h_event(&h, "203.0.113.5", "10.0.0.3", 6, (uint16_t)sp++, 80, XS_TCP_SYN);
		h_src(&h, "203.0.113.5")->pkts = 3000;
		h_src(&h, "203.0.113.5")->syn = 3000;
		h_tick(&h);
	}
	h_free(&h);
	CU_ASSERT_EQUAL_FATAL(count(&h, "syn_flood", "start"), 1);
	a = first(&h, "syn_flood", "start");
	CU_ASSERT_STRING_EQUAL(a->src, "203.0.113.5");
	CU_ASSERT_DOUBLE_EQUAL(a->ts, T0 + 1, 1e-9);	/* 3,000 / 3 s */
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 1);
}

/* A victim that answers most SYNs (seen on a mirror port) and whose
 * handshakes complete (ACK segments from the SYNs' sources) is coping: a
 * flash crowd. Answers alone prove nothing: SYN cookies answer spoofed
 * SYNs too (issue 14, class 1), whose handshakes never complete. */
static void syn_answered_tick(struct harness *h, uint32_t synack, uint32_t ack, uint32_t acksrcs)
{
	struct xs_dst *d = h_dst(h, "10.0.0.4");

	syn_tick(h, "10.0.0.4", 2000, 500, 1, 443);
	d->pkts += ack;
	d->tcp += ack;
	d->ack += ack;
	hll(d->hll_ack, 1000000, acksrcs);	/* the SYNs' own sources */
	h_src(h, "10.0.0.4")->synack = synack;
	h_src(h, "10.0.0.4")->pkts = synack;
}

static void test_syn_answered(void)
{
	struct harness h;
	int t;

	h_init(&h, NULL);
	for (t = 0; t < 10; t++) {
		syn_answered_tick(&h, 1001, 1001, 500);	/* 50.05% answered and completed */
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
	/* The victim stops answering: the window holds 2,002 / 6,000. */
	syn_answered_tick(&h, 0, 1001, 500);
	h_tick(&h);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 1);
	CU_ASSERT_DOUBLE_EQUAL(first(&h, "syn_flood", "start")->ts, T0 + 11, 1e-9);
	h_free(&h);

	/* Every SYN answered (SYN cookies), handshakes just under half
	 * complete: 2,997 ACK segments for 6,000 SYNs in the window. */
	h_init(&h, NULL);
	for (t = 0; t < 3; t++) {
		syn_answered_tick(&h, 2000, t ? 999 : 1001, 500);
		h_tick(&h);
		CU_ASSERT_EQUAL(count(&h, NULL, NULL), t < 2 ? 0 : 1);
	}
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 1);
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 1);

	/* Twice as many ACK segments as SYNs, but from far fewer sources (100 of
	 * 500: a few established clients, not the SYNs' senders): a flood. */
	h_init(&h, NULL);
	for (t = 0; t < 2; t++) {
		syn_answered_tick(&h, 2000, 4000, 100);
		h_tick(&h);
	}
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 1);

	/* The sensor sees only what the victim receives (no SYN-ACK, no
	 * packet from it): completed handshakes alone decide. */
	h_init(&h, NULL);
	for (t = 0; t < 5; t++) {
		syn_answered_tick(&h, 0, 1000, 500);
		h.nsrc = 0;
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
	h_free(&h);
}

static void test_udp_flood_bps_ipv6(void)
{
	struct harness h;
	const struct alert_ev *a;
	int t;

	h_init(&h, NULL);
	/* 62.4 MB a tick: 499.2 Mbit/s, just under 500 (41,600 packets/s,
	 * under 50,000, from 3 sources: not the spread threshold either). */
	for (t = 0; t < 5; t++) {
		struct xs_dst *d = h_dst(&h, "2001:db8::1");

		d->pkts = d->udp = 41600;
		d->bytes = d->udp_bytes = 41600 * 1500;
		hll(d->hll_src, 50, 3);
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
	{
		struct xs_dst *d = h_dst(&h, "2001:db8::1");

		d->pkts = d->udp = 42000;
		d->bytes = d->udp_bytes = 42000 * 1500;	/* window: 500.8 Mbit/s */
		hll(d->hll_src, 50, 3);
		h_tick(&h);
	}
	CU_ASSERT_EQUAL_FATAL(count(&h, "udp_flood", "start"), 1);
	a = first(&h, "udp_flood", "start");
	CU_ASSERT_STRING_EQUAL(a->dst, "2001:db8::1");
	CU_ASSERT_STRING_EQUAL(a->unit, "bits/s");
	CU_ASSERT_DOUBLE_EQUAL(a->value, 500800000, 1);
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 1);
	h_free(&h);
}

/* One long flow (one event, before the victim was tracked): the attacker
 * is the one source that sent as much as the victim received; two such
 * sources, and nobody is named. */
static void udp_single_case(bool second_heavy, const char *want_src)
{
	struct harness h;
	int t;

	h_init(&h, NULL);
	h_event(&h, "198.51.100.9", "10.0.5.5", 17, 5000, 6000, 0);
	for (t = 0; t < 2; t++) {
		struct xs_dst *d = h_dst(&h, "10.0.5.5");

		d->pkts = d->udp = 300000;
		d->bytes = d->udp_bytes = 300000ull * 64;
		hll(d->hll_src, 9, 1);
		h_src(&h, "198.51.100.9")->pkts = 300000;
		h_src(&h, "203.0.113.1")->pkts = second_heavy ? 400000 : 10;
		h_tick(&h);
	}
	h_free(&h);
	CU_ASSERT_EQUAL_FATAL(count(&h, "udp_flood", "start"), 1);
	CU_ASSERT_STRING_EQUAL(first(&h, "udp_flood", "start")->src, want_src);
	/* Still one alert once the attacker can no longer be told (the
	 * window holds the flood, the ticks are empty): it keeps its name. */
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 1);
	CU_ASSERT_STRING_EQUAL(first(&h, "udp_flood", "end")->src, want_src);
}

static void test_udp_single_flow(void)
{
	udp_single_case(false, "198.51.100.9");
	udp_single_case(true, "*");
}

/* UDP from many sources: a lower bar (spread_threshold_pps) than one heavy
 * flow (threshold_pps). */
static void udp_spread_case(uint32_t pps, uint32_t nsrc, int want)
{
	struct harness h;
	int t;

	h_init(&h, NULL);
	for (t = 0; t < 3; t++) {
		struct xs_dst *d = h_dst(&h, "10.0.6.6");

		d->pkts = d->udp = pps;
		d->bytes = d->udp_bytes = 100ull * pps;
		hll(d->hll_src, 1000 * t, nsrc);
		hll(d->hll_dport, 1000 * t, 1000);
		h_tick(&h);
	}
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "udp_flood", "start"), want);
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), want);
}

static void test_udp_spread(void)
{
	udp_spread_case(25000, 300, 1);		/* spoofed or distributed */
	udp_spread_case(19900, 300, 0);		/* under 20,000 */
	udp_spread_case(25000, 20, 0);		/* few sources: 50,000 needed */
	udp_spread_case(49900, 1, 0);
	udp_spread_case(50000, 1, 1);
}

static void test_icmp_flood_pps_ipv6(void)
{
	struct harness h;
	int t;

	h_init(&h, NULL);
	for (t = 0; t < 5; t++) {
		struct xs_dst *d = h_dst(&h, "2001:db8::2");

		d->pkts = d->icmp = 4999;
		d->bytes = d->icmp_bytes = 4999 * 100;
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
	{
		struct xs_dst *d = h_dst(&h, "2001:db8::2");

		d->pkts = d->icmp = 5004;
		d->bytes = d->icmp_bytes = 5004 * 100;	/* window: 5,000.7/s */
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, "icmp_flood", "start"), 1);
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 1);
	h_free(&h);
}

/* Volumetric, unless a specific flood rule already has the victim. */
static void test_volumetric_defers(void)
{
	struct harness h;
	int t;

	h_init(&h, NULL);
	for (t = 0; t < 5; t++) {
		struct xs_dst *d = h_dst(&h, "10.0.1.1");

		d->pkts = d->tcp = 100000;	/* ACKs: no rule but volumetric */
		d->bytes = 100000 * 64;
		syn_tick(&h, "10.0.1.2", 200000, 5000, 1, 80);
		h_dst(&h, "10.0.1.2")->bytes = 200000 * 60;
		h_tick(&h);
	}
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "volumetric", "start"), 1);
	CU_ASSERT_STRING_EQUAL(first(&h, "volumetric", "start")->dst, "10.0.1.1");
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 1);
	CU_ASSERT_STRING_EQUAL(first(&h, "syn_flood", "start")->dst, "10.0.1.2");
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 2);
}

/* Reflection: pps (replies + trailing fragments) and distinct reflectors. */
static void reflection_case(uint32_t reflectors, uint32_t refl, uint32_t frag, bool want)
{
	struct harness h;
	uint32_t t, i;

	h_init(&h, NULL);
	for (t = 0; t < 10; t++) {
		struct xs_dst *d = h_dst(&h, "10.10.10.10");

		d->pkts = d->udp = refl / 10;
		d->refl_pkts = refl / 10;
		d->frag = frag / 10;
		d->pkts += frag / 10;
		d->bytes = d->refl_bytes = 1400ull * refl / 10;
		d->frag_bytes = 1000ull * frag / 10;
		if (t == 0)
			for (i = 0; i < reflectors; i++)
				h_event_a(&h, An(i, false), A("10.10.10.10"), 17, 53, 4444, 0);
		h_tick(&h);
	}
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "reflection", "start"), want);
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), want);
}

static void test_reflection(void)
{
	reflection_case(19, 1000, 0, false);	/* one reflector short */
	reflection_case(20, 1000, 0, true);
	reflection_case(100, 490, 0, false);	/* 49 pps */
	reflection_case(100, 500, 0, true);	/* 50 pps */
	reflection_case(100, 300, 190, false);	/* fragments count: 49 pps */
	reflection_case(100, 300, 200, true);	/* 50 pps */
}

/* port_scan: 99 / 100 ports, and the window's edge (60 ticks). */
static void scan_case(uint32_t first_ports, uint32_t gap, uint32_t later_ports, int want,
		      double want_ts)
{
	struct harness h;
	uint32_t p, port = 1;
	const struct alert_ev *a;

	h_init(&h, NULL);
	for (p = 0; p < first_ports; p++)
		h_event(&h, "172.31.15.102", "198.124.152.15", 6, 61000, (uint16_t)port++,
			XS_TCP_SYN);
	h_tick(&h);
	if (gap > 1)
		h_idle(&h, gap - 1);
	for (p = 0; p < later_ports; p++)
		h_event(&h, "172.31.15.102", "198.124.152.15", 6, 61000, (uint16_t)port++,
			XS_TCP_SYN);
	h_tick(&h);
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "port_scan", "start"), want);
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), want);
	a = first(&h, "port_scan", "start");
	if (want && a) {
		CU_ASSERT_DOUBLE_EQUAL(a->ts, want_ts, 1e-9);
		CU_ASSERT_STRING_EQUAL(a->src, "172.31.15.102");
	}
}

static void test_port_scan(void)
{
	scan_case(99, 1, 0, 0, 0);
	scan_case(100, 1, 0, 1, T0 + 1);
	scan_case(50, 59, 50, 1, T0 + 60);	/* ticks 1 and 60: one window */
	scan_case(50, 60, 50, 0, 0);		/* ticks 1 and 61: never together */
}

static void test_port_scan_answers_do_not_count(void)
{
	struct harness h;
	uint32_t p;

	h_init(&h, NULL);
	/* The scanned host's SYN-ACKs and RSTs, and UDP from a low port. */
	for (p = 1; p <= 500; p++) {
		h_event(&h, "192.168.1.1", "192.168.1.7", 6, (uint16_t)p, 40000,
			p % 2 ? (XS_TCP_SYN | XS_TCP_ACK) : (XS_TCP_RST | XS_TCP_ACK));
		h_event(&h, "192.168.1.1", "192.168.1.8", 17, (uint16_t)p, 40000, 0);
	}
	h_tick(&h);
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
}

static void sweep_case(uint8_t proto, uint16_t port, uint32_t ndst, bool v6, int want)
{
	struct harness h;
	uint32_t i;
	const struct alert_ev *a;
	const char *src = v6 ? "2001:db8::80" : "10.0.0.128";

	h_init(&h, NULL);
	for (i = 0; i < ndst; i++) {
		if (proto == 6)
			h_event_a(&h, A(src), An(i, v6), 6, 50000, port, XS_TCP_SYN);
		else
			h_event_a(&h, A(src), An(i, v6), proto, (uint16_t)((v6 ? 128 : 8) << 8),
				  77, 0);
	}
	h_tick(&h);
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "host_sweep", "start"), want);
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), want);
	a = first(&h, "host_sweep", "start");
	if (a) {
		/* IPv6 sources count per /64: the alert names the prefix. */
		CU_ASSERT_STRING_EQUAL(a->src, v6 ? "2001:db8::" : src);
		CU_ASSERT_STRING_EQUAL(a->dst, "*");
		CU_ASSERT_EQUAL(a->port, proto == 6 ? port : -1);
	}
}

static void test_host_sweep(void)
{
	sweep_case(1, 0, 31, false, 0);		/* ICMP echo */
	sweep_case(1, 0, 32, false, 1);
	sweep_case(58, 0, 32, true, 1);		/* ICMPv6 echo */
	sweep_case(6, 445, 31, false, 0);	/* any port */
	sweep_case(6, 445, 32, true, 1);
	sweep_case(6, 80, 99, false, 0);	/* a client port */
	sweep_case(6, 80, 100, false, 1);
}

/* brute_force: tests/unit/test_probes.c (every scale, the evidence). */

/* start, an update every 10 s while it goes on (peak and current), end
 * after 30 quiet seconds; then a new attack is a new alert. */
static void test_lifecycle(void)
{
	struct harness h;
	const struct alert_ev *s, *e;
	int t, i;
	double last_fire;

	h_init(&h, NULL);
	for (t = 1; t <= 25; t++) {
		syn_tick(&h, "10.0.0.9", 10000 + t * 100, 5000, 1, 80);
		h_tick(&h);
	}
	last_fire = h.ts;
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 1);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "update"), 2);
	for (i = 0; i < h.nev; i++)
		if (!strcmp(h.ev[i].action, "update"))
			CU_ASSERT(h.ev[i].ts == T0 + 11 || h.ev[i].ts == T0 + 21);
	/* Quiet from tick 26: still firing while the window holds the flood
	 * (ticks 26 and 27), then 30 s of quiet. */
	for (t = 0; t < 31; t++)
		h_tick(&h);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "end"), 0);
	h_tick(&h);
	CU_ASSERT_EQUAL_FATAL(count(&h, "syn_flood", "end"), 1);
	s = first(&h, "syn_flood", "start");
	e = first(&h, "syn_flood", "end");
	CU_ASSERT_STRING_EQUAL(s->id, e->id);
	CU_ASSERT_DOUBLE_EQUAL(e->ts, last_fire + 2 + 30, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(e->peak, (10000.0 * 3 + 100 * (23 + 24 + 25)) / 3, 1e-6);
	/* Again: a new alert, a new id. */
	syn_tick(&h, "10.0.0.9", 50000, 5000, 1, 80);
	h_tick(&h);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 2);
	CU_ASSERT_STRING_NOT_EQUAL(h.ev[h.nev - 1].id, s->id);
	h_free(&h);
}

static const char *overrides =
	"networks:\n"
	"  - name: lab\n"
	"    cidrs: [10.9.0.0/16, '2001:db8:9::/48']\n"
	"    rules:\n"
	"      syn_flood: {threshold_pps: 100}\n"
	"  - name: lab-core\n"
	"    cidrs: [10.9.9.0/24]\n"
	"    rules:\n"
	"      syn_flood: {enabled: false}\n";

static void test_network_overrides(void)
{
	struct harness h;
	int t, i;
	bool v4 = false, v6 = false;

	h_init(&h, overrides);
	for (t = 0; t < 5; t++) {
		syn_tick(&h, "10.9.1.1", 200, 50, 1, 22);	/* in lab: 100 SYN/s */
		syn_tick(&h, "10.8.1.1", 200, 50, 1, 22);	/* default: 1,000 */
		syn_tick(&h, "2001:db8:9::5", 200, 50, 1, 22);
		syn_tick(&h, "10.9.9.9", 5000, 50, 1, 22);	/* longest prefix: off */
		h_tick(&h);
	}
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 2);
	for (i = 0; i < h.nev; i++) {
		if (strcmp(h.ev[i].action, "start"))
			continue;
		CU_ASSERT_STRING_EQUAL(h.ev[i].ruleset, "lab");
		v4 |= !strcmp(h.ev[i].dst, "10.9.1.1");
		v6 |= !strcmp(h.ev[i].dst, "2001:db8:9::5");
	}
	CU_ASSERT(v4 && v6);
}

static const char *anomaly_cfg = "rules:\n"
				 "  traffic_anomaly:\n"
				 "    warmup_s: 60\n"
				 "    baseline_s: 30\n"
				 "    dst_floor_pps: 1000\n";

static void steady(struct harness *h, const char *victim, uint32_t pps)
{
	struct xs_dst *d = h_dst(h, victim);

	d->pkts = d->tcp = pps;
	d->bytes = 100ull * pps;
	hll(d->hll_src, 1, 20);
}

static void test_traffic_anomaly(void)
{
	struct harness h;
	const struct alert_ev *a;
	int t;

	/* Before the warm-up nothing is anomalous. */
	h_init(&h, anomaly_cfg);
	for (t = 0; t < 30; t++) {
		steady(&h, "10.0.2.1", 500 + (t % 2) * 20);
		h_tick(&h);
	}
	for (t = 0; t < 5; t++) {
		steady(&h, "10.0.2.1", 20000);
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
	h_free(&h);

	/* After it: below the floor, nothing; far above the baseline, an alert. */
	h_init(&h, anomaly_cfg);
	for (t = 0; t < 70; t++) {
		steady(&h, "10.0.2.1", 500 + (t % 2) * 20);
		h_tick(&h);
	}
	for (t = 0; t < 5; t++) {
		steady(&h, "10.0.2.1", 950);
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
	for (t = 0; t < 5; t++) {
		steady(&h, "10.0.2.1", 20000);
		h_tick(&h);
	}
	CU_ASSERT_EQUAL_FATAL(count(&h, "traffic_anomaly", "start"), 1);
	a = first(&h, "traffic_anomaly", "start");
	CU_ASSERT_STRING_EQUAL(a->dst, "10.0.2.1");
	CU_ASSERT_STRING_EQUAL(a->unit, "packets/s");
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 1);
}

/* Distributed password guessing: many sources, one attempt each, against
 * one login service, far above that service's normal connection rate. */
static void test_service_anomaly(void)
{
	struct harness h;
	const struct alert_ev *a;
	uint32_t t, i, n = 0;

	h_init(&h, anomaly_cfg);
	for (t = 0; t < 70; t++) {
		if (t % 4 == 0)
			h_event(&h, "198.51.100.1", "10.0.3.1", 6, (uint16_t)(30000 + t), 22,
				XS_TCP_SYN);
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
	for (t = 0; t < 10; t++) {
		for (i = 0; i < 30; i++, n++)
			h_event_a(&h, An(n, false), A("10.0.3.1"), 6, 40000, 22, XS_TCP_SYN);
		h_tick(&h);
	}
	h_free(&h);
	CU_ASSERT_EQUAL_FATAL(count(&h, "traffic_anomaly", "start"), 1);
	a = first(&h, "traffic_anomaly", "start");
	CU_ASSERT_STRING_EQUAL(a->dst, "10.0.3.1");
	CU_ASSERT_EQUAL(a->port, 22);
	CU_ASSERT_STRING_EQUAL(a->unit, "connections/s");
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 1);
}

/* Millions of idle ticks cost next to nothing, and time still passes. */
static void test_idle_is_cheap(void)
{
	struct harness h;
	struct timespec a, b;
	uint32_t p;

	h_init(&h, NULL);
	for (p = 1; p <= 200; p++)
		h_event(&h, "10.1.1.1", "10.1.1.2", 6, 1000, (uint16_t)p, XS_TCP_SYN);
	h_tick(&h);
	CU_ASSERT_EQUAL(count(&h, "port_scan", "start"), 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	h_idle(&h, 100000000);	/* three years of 1 s ticks */
	clock_gettime(CLOCK_MONOTONIC, &b);
	CU_ASSERT((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < 0.5);
	CU_ASSERT_EQUAL(count(&h, "port_scan", "end"), 1);
	/* The same scan again, after the gap: a new alert. */
	for (p = 1; p <= 200; p++)
		h_event(&h, "10.1.1.1", "10.1.1.2", 6, 1000, (uint16_t)p, XS_TCP_SYN);
	h_tick(&h);
	CU_ASSERT_EQUAL(count(&h, "port_scan", "start"), 2);
	CU_ASSERT_DOUBLE_EQUAL(h.ev[h.nev - 1].ts, T0 + 100000002, 1e-6);
	h_free(&h);
}

/* Ten-millisecond ticks and a gap of 2^33 of them (2.7 years): tick
 * numbers wrap around, and detection carries on the same. */
static void test_idle_wraps(void)
{
	struct harness h;
	uint32_t p;
	int r;

	h_init(&h, "tick_ms: 10\n"
		   "limits: {pairs: 1024, scan_keys: 1024, sweep_keys: 1024, services: 1024}\n");
	for (r = 0; r < 2; r++) {
		syn_tick(&h, "10.2.2.2", 100, 50, 1, 80);	/* 10,000 SYN/s for 10 ms */
		for (p = 1; p <= 200; p++)
			h_event(&h, "10.2.2.1", "10.2.2.2", 6, 1000, (uint16_t)p, XS_TCP_SYN);
		h_tick(&h);
		h_idle(&h, 1ull << 33);
	}
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "port_scan", "start"), 2);
	CU_ASSERT_EQUAL(count(&h, "port_scan", "end"), 2);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 0);	/* 200 SYN/s over 5 s */
	CU_ASSERT_EQUAL(count(&h, NULL, "start"), 2);
}

/* Limits: keys refused are counted and the alert says its evidence may be
 * incomplete; so do the kernel's lost events. */
static void test_loss_reported(void)
{
	struct harness h;
	uint32_t p;
	const struct alert_ev *a;

	h_init(&h, "limits: {pairs: 150}\n");
	for (p = 1; p <= 300; p++)
		h_event(&h, "10.1.1.1", "10.1.1.2", 6, 1000, (uint16_t)p, XS_TCP_SYN);
	h.g.cnt[XS_N_EV_BUDGET] = 77;
	h_tick(&h);
	h_free(&h);
	a = first(&h, "port_scan", "start");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT(a->incomplete);
	CU_ASSERT_EQUAL(a->over_budget, 77);
	CU_ASSERT(a->engine_overflow >= 100);
	CU_ASSERT(a->value <= 150 && a->value >= 100);
}

/* ---- issue 13: hostile input ---- */

/* `synth syn_flood -s 192.0.2.53 -t 198.18.0.10 -p 20-26 -r 4 -d 40`: 160
 * bare SYNs from one borrowed address to seven ports, 23 per port; the
 * address's real owner meanwhile sends plenty elsewhere. The old guard
 * divided the source's packets to everyone by its connections to one
 * service and raised four brute_force alerts naming it. */
static void test_spoofed_brute_force(void)
{
	struct harness h;
	uint32_t i, t;

	h_init(&h, NULL);
	for (t = 0, i = 0; t < 40; t++) {
		uint32_t k;

		for (k = 0; k < 4; k++, i++) {
			uint16_t port = (uint16_t)(20 + i % 7);

			h_event(&h, "192.0.2.53", "198.18.0.10", 6, (uint16_t)(30000 + i), port,
				XS_TCP_SYN);
			h_pair(&h, "192.0.2.53", "198.18.0.10", 6, port, 1, 0);	/* the SYN */
		}
		h_src(&h, "192.0.2.53")->pkts = 5000;	/* its own traffic elsewhere */
		h_tick(&h);
	}
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "brute_force", NULL), 0);
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
}

/* A scanner takes a new address inside its /64 for every probe: one
 * source per /64 for the per-source rules (and the alert names the /64);
 * counted per address (ipv6_source_prefix: 128), it raises nothing. */
static void test_ipv6_rotation(void)
{
	struct harness h;
	const struct alert_ev *a;
	char src[64];
	uint32_t p;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		h_init(&h, pass ? "ipv6_source_prefix: 128\n" : NULL);
		for (p = 1; p <= 300; p++) {
			snprintf(src, sizeof(src), "2001:db8:bad:1:%x:%x::1", p * 7919 & 0xffff, p);
			h_event(&h, src, "2001:db8:18::10", 6, 40000, (uint16_t)p, XS_TCP_SYN);
		}
		h_tick(&h);
		h_free(&h);
		if (pass) {
			CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(count(&h, "port_scan", "start"), 1);
		a = first(&h, "port_scan", "start");
		CU_ASSERT_STRING_EQUAL(a->src, "2001:db8:bad:1::");
		CU_ASSERT_EQUAL(a->value, 300);
		CU_ASSERT_EQUAL(xs_sh("grep -q '\"source_prefix\":\"2001:db8:bad:1::/64\"' %s",
				      jsonl_path),
				0);
	}
}

/* Smoke screen: a spoofed flood (one SYN per source, 5,000 a tick) fills
 * the pair, scan and sweep tables; a brute force and a port scan at the
 * same time must still find room: single-packet pairs make way. */
static void test_smoke_screen(void)
{
	struct harness h;
	struct xs_engine_stats st;
	uint32_t t, i, sp = 0, port = 1;

	h_init(&h, "limits: {pairs: 4096, scan_keys: 4096, sweep_keys: 4096}\n");
	for (t = 0; t < 10; t++) {
		for (i = 0; i < 5000; i++)
			h_event_a(&h, An(t * 5000 + i, false), A("198.18.0.10"), 6,
				  (uint16_t)(1024 + i), 80, XS_TCP_SYN);
		for (i = 0; i < 3; i++, sp++) {
			h_event(&h, "203.0.113.7", "198.18.0.11", 6, (uint16_t)(40000 + sp), 22,
				XS_TCP_SYN);
			h_pair(&h, "203.0.113.7", "198.18.0.11", 6, 22, 12, 4);
		}
		for (i = 0; i < 20; i++, port++)
			h_event(&h, "203.0.113.8", "198.18.0.12", 6, 50000, (uint16_t)port,
				XS_TCP_SYN);
		syn_tick(&h, "198.18.0.10", 5000, 5000, 1, 80);
		h_tick(&h);
	}
	xs_engine_get_stats(h.e, &st);
	printf("\n  %llu single-packet pairs evicted, %llu refused",
	       (unsigned long long)st.evicted_pairs, (unsigned long long)st.overflow_pairs);
	h_free(&h);
	CU_ASSERT(st.evicted_pairs > 40000);
	CU_ASSERT_EQUAL(count(&h, "brute_force", "start"), 1);
	CU_ASSERT_EQUAL(count(&h, "port_scan", "start"), 1);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 1);
}

/* The daemon stalls 3 s (a disk, a name lookup): its next drain holds 4 s
 * of a steady 800 SYN/s. Counted as one second, that is 3,200/s, and the
 * 3-second window says 1,600 SYN/s: a flood, and in enforce mode a rate
 * limit on a busy innocent. Divided by the time it covered, 800. A real
 * flood through a stall is still one. */
static void test_stall(void)
{
	struct harness h;
	int i;

	h_init(&h, NULL);
	for (i = 0; i < 5; i++) {
		syn_tick(&h, "10.0.0.9", 800, 1000, 1, 80);
		h_tick(&h);
	}
	syn_tick(&h, "10.0.0.9", 4 * 800, 1000, 1, 80);
	h.secs = 4;
	h_tick(&h);
	h.secs = 0;
	for (i = 0; i < 3; i++) {
		syn_tick(&h, "10.0.0.9", 800, 1000, 1, 80);
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
	/* 1,200/s, through another stall. */
	syn_tick(&h, "10.0.0.9", 4 * 1200, 1000, 1, 80);
	h.secs = 4;
	h_tick(&h);
	h.secs = 0;
	syn_tick(&h, "10.0.0.9", 1200, 1000, 1, 80);
	h_tick(&h);
	h_free(&h);
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 1);
}

/* The same at 100 ms ticks, where the flood windows sit on two-tick slots
 * (the longest flood window sets the granularity): a window's sum starts
 * at its oldest slot's first tick, one tick before the window every other
 * tick. Divided by the window's nominal 3 s, the stall's drain (3 s of
 * traffic) in that extra tick, past the stall time the window counted,
 * made 4,800 SYNs in "3 s": 1,600 SYN/s, an alert for a steady 800
 * (integ/test_hostile found it 1 run in 2). The steady rate just under
 * the threshold shows the same bias without a stall: 31 ticks of 99 SYNs
 * over 3 s is 1,023 SYN/s. */
static void test_stall_slot_edge(void)
{
	static const char yaml[] = "tick_ms: 100\n";
	struct harness h;
	int i, k;

	for (k = 0; k < 2; k++) {	/* the stall on an even, then an odd tick */
		h_init(&h, yaml);
		for (i = 0; i < 40 + k; i++) {
			syn_tick(&h, "10.0.0.9", 80, 1000, 1, 80);
			h_tick(&h);
		}
		syn_tick(&h, "10.0.0.9", 31 * 80, 1000, 1, 80);
		h.secs = 3.1;
		h_tick(&h);
		h.secs = 0;
		for (i = 0; i < 60; i++) {
			syn_tick(&h, "10.0.0.9", 80, 1000, 1, 80);
			h_tick(&h);
		}
		CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
		h_free(&h);
	}
	h_init(&h, yaml);
	for (i = 0; i < 100; i++) {
		syn_tick(&h, "10.0.0.9", 99, 1000, 1, 80);
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, NULL, NULL), 0);
	/* 1,010 SYN/s is a flood still. */
	for (i = 0; i < 31; i++) {
		syn_tick(&h, "10.0.0.9", 101, 1000, 1, 80);
		h_tick(&h);
	}
	CU_ASSERT_EQUAL(count(&h, "syn_flood", "start"), 1);
	h_free(&h);
}

static void test_schema(void)
{
	char cmd[1024];

	fflush(jsonl);
	snprintf(cmd, sizeof(cmd),
		 "python3 tests/tools/check_alerts.py schema/alert.schema.json %s --min-alerts 20",
		 jsonl_path);
	CU_ASSERT_EQUAL(xs_sh("%s >&2", cmd), 0);
}

static const struct xs_test tests[] = {
	{ "syn_flood: just under and just over", test_syn_flood_threshold },
	{ "spoofed flood: victim alert, no per-source alerts", test_spoofed_flood_no_per_source },
	{ "one scanner at 2,500 SYN/s: port_scan, not syn_flood", test_fast_scanner_is_port_scan },
	{ "one source, one port: syn_flood with the attacker", test_single_source_flood },
	{ "syn_flood: answered SYNs", test_syn_answered },
	{ "udp_flood: bits/s edge, IPv6 victim", test_udp_flood_bps_ipv6 },
	{ "udp_flood: the attacker of a single long flow", test_udp_single_flow },
	{ "udp_flood: many sources, a lower bar", test_udp_spread },
	{ "icmp_flood: packets/s edge, IPv6 victim", test_icmp_flood_pps_ipv6 },
	{ "volumetric defers to specific floods", test_volumetric_defers },
	{ "reflection: rate, fragments, reflectors", test_reflection },
	{ "port_scan: threshold and window edge", test_port_scan },
	{ "port_scan: answers do not count", test_port_scan_answers_do_not_count },
	{ "host_sweep: echo, ports, client ports, IPv6", test_host_sweep },
	{ "alert life cycle: start, updates, end, new id", test_lifecycle },
	{ "per-network overrides, IPv4 and IPv6", test_network_overrides },
	{ "traffic_anomaly: warm-up, floor, baseline", test_traffic_anomaly },
	{ "traffic_anomaly: distributed password guessing", test_service_anomaly },
	{ "idle ticks are cheap", test_idle_is_cheap },
	{ "tick numbers wrap in a long gap", test_idle_wraps },
	{ "limits and lost events are reported", test_loss_reported },
	{ "a spoofed SYN flood from one address: no brute force", test_spoofed_brute_force },
	{ "an IPv6 scanner rotating inside its /64", test_ipv6_rotation },
	{ "smoke screen: a spoofed flood does not hide a brute force", test_smoke_screen },
	{ "a stall of the daemon does not make a flood", test_stall },
	{ "a stall at a window slot edge, 100 ms ticks", test_stall_slot_edge },
	{ "every alert above matches the schema", test_schema },
};

static int suite_init(void)
{
	snprintf(jsonl_path, sizeof(jsonl_path), "%s/test-alerts-detect-%d.jsonl", xs_build_dir(),
		 getpid());
	jsonl = fopen(jsonl_path, "w");
	if (!jsonl)
		return -1;
	/* Kept for a look with XS_KEEP_ALERTS, else removed however the suite ends. */
	if (!getenv("XS_KEEP_ALERTS"))
		xs_track_path(jsonl_path);
	return 0;
}

static int suite_clean(void)
{
	if (jsonl)
		fclose(jsonl);
	jsonl = NULL;
	if (!getenv("XS_KEEP_ALERTS"))
		unlink(jsonl_path);
	return 0;
}

int main(void)
{
	return xs_test_main("detect", tests, sizeof(tests) / sizeof(tests[0]), suite_init,
			    suite_clean);
}
