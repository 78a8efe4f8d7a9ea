// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The fleet part of the aggregates (user/pipeline/fleet.c, bpf/fleet.h),
 * through the real program: the registers a sensor sends are exactly those
 * of SipHash-2-4 under the fleet key (the vectors' key, so the estimates
 * are the fleet application's), from events while a victim is new and
 * from the kernel's sketch once it is watched, even with no event at all;
 * counts, logins, targets and top sources with bounds that hold; lists cut
 * with omitted and floor; sketches past the message budget folded exactly;
 * seq and a daemon that adopts the kept maps; and every message valid
 * against schema/aggregates.schema.json.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "sinks/aggregates.h"
#include "fleet.h"
#include "fleet_hll.h"
#include "sinks/fleet_tick.h"
#include "names.h"
#include "settings.h"
#include "xs_siphash.h"
#include "xs_test.h"

#define KEY "000102030405060708090a0b0c0d0e0f"

struct env {
	struct xs_fixture fx;
	struct xs_settings s;
	struct xs_fleet *f;
	struct xs_tick t;
	size_t seen;		/* events handed to the fleet so far */
	double now;
};

static int setup(struct env *e, uint32_t watch, uint32_t items_max)
{
	struct xs_sizes sz;

	memset(e, 0, sizeof(*e));
	xs_sizes_default(&sz);
	sz.dst_entries = sz.src_entries = 4096;
	sz.flow_entries = 1 << 20;
	sz.fleet_watch = watch;
	if (xs_fixture_setup(&e->fx, &sz) || xs_settings_init(&e->s))
		return -1;
	e->s.fleet.aggregates = true;
	e->s.fleet.have_key = true;
	xs_sipkey_parse(KEY, &e->s.fleet.key);
	xs_sipkey_id(&e->s.fleet.key, e->s.fleet.key_id);
	e->s.fleet.watch = watch;
	e->s.fleet.items_max = items_max;
	e->f = xs_fleet_new(&e->s);
	if (!e->f || xs_fleet_attach(e->f, &e->fx.b, e->fx.col.ncpus) ||
	    xs_collector_set_flags(&e->fx.col, XS_RT_FLEET))
		return -1;
	e->now = 1800000000.0;
	return 0;
}

static void teardown(struct env *e)
{
	xs_fleet_free(e->f);
	xs_settings_free(&e->s);
	xs_fixture_teardown(&e->fx);
}

/* Ends a tick of one second: the flip, its events to the fleet, the build. */
static const struct xs_fleet_tick *tick(struct env *e)
{
	size_t i;

	CU_ASSERT_EQUAL_FATAL(xs_flip(&e->fx, &e->t), 0);
	for (i = e->seen; i < e->fx.nevents; i++)
		xs_fleet_on_event(e->f, &e->fx.events[i]);
	e->seen = e->fx.nevents;
	xs_fleet_tick(e->f, &e->t, e->now, e->now + 1);
	e->now += 1;
	CU_ASSERT_PTR_NOT_NULL_FATAL(e->t.fleet);
	return e->t.fleet;
}

static void addr_n(const char *base, uint32_t i, struct xs_addr *a)
{
	uint32_t x;

	xs_addr_parse(base, a);
	x = (uint32_t)a->a[12] << 24 | a->a[13] << 16 | a->a[14] << 8 | a->a[15];
	x += i;
	a->a[12] = x >> 24;
	a->a[13] = x >> 16;
	a->a[14] = x >> 8;
	a->a[15] = x;
}

/* n packets of one kind from base+first.. (each source once) to dst. */
static void send_n(struct env *e, const char *base, uint32_t first, uint32_t n, const char *dst,
		 uint8_t proto, uint16_t dport, uint8_t flags, int repeat)
{
	struct xs_pkt_spec s;
	uint32_t i;
	int r;

	for (i = 0; i < n; i++)
		for (r = 0; r < repeat; r++) {
			xs_pkt_spec_init(&s, "10.0.0.1", dst, proto, (uint16_t)(20000 + r + i % 1000),
					 dport);
			addr_n(base, first + i, &s.src);
			s.tcp_flags = flags;
			CU_ASSERT_EQUAL(xs_run_spec(&e->fx, &s, NULL), 2);
			/* The ring holds 65536 events: read it as the daemon would. */
			if (!(i % 4096))
				xs_collector_poll_events(&e->fx.col);
		}
}

static void expect_regs(uint8_t *reg, const char *base, uint32_t first, uint32_t n)
{
	struct xs_sipkey k;
	struct xs_addr a;
	uint32_t i;

	xs_sipkey_parse(KEY, &k);
	for (i = 0; i < n; i++) {
		addr_n(base, first + i, &a);
		xs_fhll_add(reg, 14, xs_siphash16(k.k0, k.k1, a.a));
	}
}

static const struct xs_fleet_item *find(const struct xs_fleet_tick *f, int l, const char *ip)
{
	struct xs_addr a;
	uint32_t i;

	xs_addr_parse(ip, &a);
	for (i = 0; i < f->l[l].n; i++)
		if (!memcmp(&f->l[l].items[i].addr, &a, sizeof(a)))
			return &f->l[l].items[i];
	return NULL;
}

static uint8_t *decode(const struct xs_fleet_sketch *h)
{
	uint8_t *r = calloc(1, (size_t)1 << h->p);

	CU_ASSERT_PTR_NOT_NULL_FATAL(h->b64);
	CU_ASSERT_EQUAL(xs_fhll_decode(h->b64, h->sparse, h->p, r), 0);
	return r;
}

static uint64_t count_of(const struct xs_fleet_sketch *h)
{
	uint8_t *r = decode(h);
	uint64_t n = xs_fhll_count(r, h->p);

	free(r);
	return n;
}

/* The JSON of the tick is valid against the schema (python3 jsonschema). */
static json_t *render_valid(struct env *e)
{
	char path[] = "/tmp/xs-fleet-agg.XXXXXX";
	char *js = xs_agg_json(&e->t, e->now, 1.0, "host-1", "sensor-1", 10);
	json_t *doc;
	int fd = mkstemp(path), rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(js);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, js, strlen(js)), (ssize_t)strlen(js));
	close(fd);
	rc = xs_sh("python3 -c 'import json, sys, jsonschema; "
		   "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))' "
		   "%s schema/aggregates.schema.json", path);
	CU_ASSERT_EQUAL(rc, 0);
	unlink(path);
	doc = json_loads(js, 0, NULL);
	free(js);
	return doc;
}

static void test_kernel_sketch(void)
{
	struct env e;
	const struct xs_fleet_tick *f;
	const struct xs_fleet_item *v, *u;
	uint8_t *want = calloc(1, 1 << 14), *got;

	if (!xs_have_bpf())
		return;
	CU_ASSERT_FATAL(setup(&e, 1, 256) == 0);
	/* Tick 1: the victim is new: its sources come from the events. */
	send_n(&e, "10.1.0.0", 0, 3000, "198.51.100.7", IPPROTO_TCP, 80, XS_TCP_SYN, 1);
	send_n(&e, "10.3.0.0", 0, 20, "198.51.100.8", IPPROTO_TCP, 80, XS_TCP_SYN, 1);
	f = tick(&e);
	CU_ASSERT(f->hll);
	CU_ASSERT_STRING_EQUAL(f->key_id, "8f5b3fcf3e833f0a");
	v = find(f, XS_FL_VICTIMS, "198.51.100.7");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(v->packets, 3000);
	CU_ASSERT_EQUAL(v->syn, 3000);
	expect_regs(want, "10.1.0.0", 0, 3000);
	got = decode(&v->h1);
	CU_ASSERT_EQUAL(v->h1.p, 14);
	CU_ASSERT_EQUAL(memcmp(got, want, 1 << 14), 0);
	free(got);

	/* Tick 2: watched now (the busiest victim, fleet_watch 1), and no
	 * event at all: the kernel's sketch alone gives the same registers
	 * the events would have. The second victim is not watched. */
	CU_ASSERT_EQUAL(xs_collector_set_budget(&e.fx.col, 0), 0);
	send_n(&e, "10.2.0.0", 0, 3000, "198.51.100.7", IPPROTO_TCP, 80, XS_TCP_SYN, 1);
	send_n(&e, "10.3.0.0", 100, 50, "198.51.100.8", IPPROTO_TCP, 80, XS_TCP_SYN, 1);
	f = tick(&e);
	CU_ASSERT_EQUAL(e.t.g.cnt[XS_N_EV_SENT], 0);
	v = find(f, XS_FL_VICTIMS, "198.51.100.7");
	u = find(f, XS_FL_VICTIMS, "198.51.100.8");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	memset(want, 0, 1 << 14);
	expect_regs(want, "10.2.0.0", 0, 3000);
	got = decode(&v->h1);
	CU_ASSERT_EQUAL(memcmp(got, want, 1 << 14), 0);
	CU_ASSERT_EQUAL(xs_fhll_count(got, 14), xs_fhll_count(want, 14));
	free(got);
	CU_ASSERT_EQUAL(count_of(&u->h1), 0);	/* no event, not watched */
	/* The prefix's sources: the watched victim's sketch too. */
	CU_ASSERT_EQUAL(count_of(&find(f, XS_FL_VPREFIXES, "198.51.100.0")->h1),
			xs_fhll_count(want, 14));

	/* Tick 3: each source three times and established packets too (one
	 * hash per run of a source); events back on, same registers. */
	CU_ASSERT_EQUAL(xs_collector_set_budget(&e.fx.col, 1u << 30), 0);
	send_n(&e, "10.4.0.0", 0, 2000, "198.51.100.7", IPPROTO_TCP, 80, XS_TCP_ACK, 3);
	f = tick(&e);
	memset(want, 0, 1 << 14);
	expect_regs(want, "10.4.0.0", 0, 2000);
	v = find(f, XS_FL_VICTIMS, "198.51.100.7");
	CU_ASSERT_EQUAL(v->packets, 6000);
	CU_ASSERT_EQUAL(v->syn, 0);
	got = decode(&v->h1);
	CU_ASSERT_EQUAL(memcmp(got, want, 1 << 14), 0);
	free(got);
	json_decref(render_valid(&e));
	free(want);
	teardown(&e);
}

static void test_lists(void)
{
	struct env e;
	const struct xs_fleet_tick *f;
	const struct xs_fleet_item *v, *h, *l, *p, *sp;
	json_t *doc, *x;
	uint32_t j;

	if (!xs_have_bpf())
		return;
	CU_ASSERT_FATAL(setup(&e, 8, 256) == 0);
	/* A heavy source: 40 connections to the victim's web server, 10 to
	 * a login service next door; 500 spoofed SYNs; a UDP client. */
	uint8_t *want = calloc(1, 1 << 14);

	send_n(&e, "203.0.113.9", 0, 1, "198.51.100.7", IPPROTO_TCP, 80, XS_TCP_SYN, 40);
	send_n(&e, "203.0.113.9", 0, 1, "198.51.100.9", IPPROTO_TCP, 22, XS_TCP_SYN, 10);
	send_n(&e, "10.5.0.0", 0, 500, "198.51.100.7", IPPROTO_TCP, 80, XS_TCP_SYN, 1);
	send_n(&e, "203.0.113.10", 0, 1, "198.51.100.7", IPPROTO_UDP, 53, 0, 5);
	f = tick(&e);

	v = find(f, XS_FL_VICTIMS, "198.51.100.7");
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_EQUAL(f->l[XS_FL_VICTIMS].items[0].packets, 545);
	CU_ASSERT_EQUAL(v->packets, 545);
	CU_ASSERT_EQUAL(v->syn, 540);
	expect_regs(want, "203.0.113.9", 0, 2);	/* .9 and .10 */
	expect_regs(want, "10.5.0.0", 0, 500);
	CU_ASSERT_EQUAL(count_of(&v->h1), xs_fhll_count(want, 14));
	/* Top sources: the heavy one first; the truth (40) within its bounds. */
	CU_ASSERT_EQUAL_FATAL(v->ntop, 8);
	{
		const struct xs_fleet_top *t = &f->tops[v->top];
		struct xs_addr a;

		xs_addr_parse("203.0.113.9", &a);
		CU_ASSERT_EQUAL(memcmp(&t[0].addr, &a, sizeof(a)), 0);
		CU_ASSERT_EQUAL(t[0].count, 50);	/* all its packets */
		CU_ASSERT_EQUAL(t[0].error, 10);	/* at least its 40 connections */
		xs_addr_parse("203.0.113.10", &a);
		CU_ASSERT_EQUAL(memcmp(&t[1].addr, &a, sizeof(a)), 0);
		CU_ASSERT_EQUAL(t[1].count, 5);
		CU_ASSERT_EQUAL(t[1].error, 0);	/* five flows of one packet */
		for (j = 2; j < 8; j++) {
			CU_ASSERT_EQUAL(t[j].count, 1);
			CU_ASSERT_EQUAL(t[j].error, 0);
		}
		/* The spoofed sources are ranked by address. */
		xs_addr_parse("10.5.0.5", &a);
		CU_ASSERT_EQUAL(memcmp(&t[7].addr, &a, sizeof(a)), 0);
		CU_ASSERT_EQUAL(v->top_floor, 1);
	}
	/* The login service and its guesser. */
	CU_ASSERT_EQUAL(f->l[XS_FL_LOGINS].n, 1);
	l = &f->l[XS_FL_LOGINS].items[0];
	CU_ASSERT_EQUAL(l->port, 22);
	CU_ASSERT_EQUAL(l->attempts, 10);
	CU_ASSERT_EQUAL(count_of(&l->h1), 1);
	h = find(f, XS_FL_SOURCES, "203.0.113.9");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(f->l[XS_FL_SOURCES].items[0].packets, 50);
	CU_ASSERT_EQUAL(h->syn, 50);
	CU_ASSERT_EQUAL(h->attempts, 10);
	CU_ASSERT_EQUAL(count_of(&h->h1), 2);	/* (victim, 80, tcp), (neighbour, 22, tcp) */
	CU_ASSERT_EQUAL(f->l[XS_FL_SOURCES].n, 256);
	CU_ASSERT_EQUAL(f->l[XS_FL_SOURCES].omitted, 246);
	CU_ASSERT_EQUAL(f->l[XS_FL_SOURCES].floor, 1);
	/* Prefixes. */
	p = find(f, XS_FL_VPREFIXES, "198.51.100.0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->packets, 555);
	CU_ASSERT_EQUAL(count_of(&p->h2), 2);
	CU_ASSERT_EQUAL(count_of(&p->h1), xs_fhll_count(want, 14));
	sp = find(f, XS_FL_SPREFIXES, "203.0.113.0");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
	CU_ASSERT_EQUAL(sp->packets, 55);
	CU_ASSERT_EQUAL(sp->attempts, 10);
	CU_ASSERT_EQUAL(count_of(&sp->h1), 3);	/* + (victim, 53, udp) */
	CU_ASSERT_EQUAL(find(f, XS_FL_SPREFIXES, "10.5.0.0")->packets, 256);
	CU_ASSERT_EQUAL(find(f, XS_FL_SPREFIXES, "10.5.1.0")->packets, 244);

	doc = render_valid(&e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	x = json_object_get(doc, "xdpstream");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(x, "schema_version")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(x, "tick"), "start_us")),
			1800000000000000LL);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(x, "tick"), "length_us")),
			1000000);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
				       json_object_get(json_object_get(x, "fleet"), "hll"), "key_id")),
			       "8f5b3fcf3e833f0a");
	json_decref(doc);
	free(want);
	teardown(&e);
}

/* Lists cut at items_max; past the message budget, sketches folded exactly. */
static void test_cut_and_budget(void)
{
	struct env e;
	const struct xs_fleet_tick *f;
	const struct xs_fleet_list *V;
	uint8_t *want = calloc(1, 1 << 14), *folded = calloc(1, 1 << 14), *got;
	size_t total = 0;
	char dst[32];
	uint32_t i, n;
	int folded_seen = 0;

	if (!xs_have_bpf())
		return;
	CU_ASSERT_FATAL(setup(&e, 8, 24) == 0);
	/* 30 victims, victim i from 6000 + i sources of its own: each sketch
	 * dense (22 KB of base64), more than the budget holds at p = 14. */
	for (i = 0; i < 30; i++) {
		snprintf(dst, sizeof(dst), "198.18.%u.1", i);
		send_n(&e, i % 2 ? "10.64.0.0" : "10.128.0.0", i * 8192, 6000 + i, dst, IPPROTO_UDP, 53,
		     0, 1);
	}
	f = tick(&e);
	V = &f->l[XS_FL_VICTIMS];
	CU_ASSERT_EQUAL_FATAL(V->n, 24);
	CU_ASSERT_EQUAL(V->omitted, 6);
	CU_ASSERT_EQUAL(V->floor, 6005);	/* the busiest left out: victim 5 */
	CU_ASSERT_EQUAL(V->items[0].packets, 6029);
	for (i = 0; i < V->n; i++) {
		n = 6029 - i;
		memset(want, 0, 1 << 14);
		expect_regs(want, (29 - i) % 2 ? "10.64.0.0" : "10.128.0.0", (29 - i) * 8192, n);
		got = decode(&V->items[i].h1);
		if (V->items[i].h1.p == 14) {
			CU_ASSERT_EQUAL(memcmp(got, want, 1 << 14), 0);
			CU_ASSERT(!folded_seen);	/* full precision first, then folded */
		} else {
			folded_seen++;
			CU_ASSERT(V->items[i].h1.p >= 4);
			memset(folded, 0, 1 << 14);
			xs_fhll_fold_into(folded, V->items[i].h1.p, want, 14);
			CU_ASSERT_EQUAL(memcmp(got, folded, (size_t)1 << V->items[i].h1.p), 0);
		}
		total += strlen(V->items[i].h1.b64);
		free(got);
	}
	CU_ASSERT(folded_seen > 0);
	CU_ASSERT(total <= 512 * 1024);
	{
		char *js = xs_agg_json(&e.t, e.now, 1.0, "h", "s", 10);

		CU_ASSERT(strlen(js) < 1000000);	/* librdkafka's message.max.bytes */
		free(js);
	}
	json_decref(render_valid(&e));
	free(want);
	free(folded);
	teardown(&e);
}

/* seq is the start, or one more than the last when the clock went back;
 * a second daemon on the kept maps starts where the first stopped. */
static void test_seq_and_adopt(void)
{
	struct env e;
	struct xs_fleet *g;
	struct xs_settings s2;
	const struct xs_fleet_tick *f;
	uint8_t *want = calloc(1, 1 << 14), *got;

	if (!xs_have_bpf())
		return;
	CU_ASSERT_FATAL(setup(&e, 8, 256) == 0);
	f = tick(&e);
	CU_ASSERT_EQUAL(f->seq, 1800000000000000ULL);
	e.now -= 5;	/* the clock stepped back */
	f = tick(&e);
	CU_ASSERT_EQUAL(f->seq, 1800000000000001ULL);
	CU_ASSERT_EQUAL(f->start_us, 1799999996000000ULL);
	send_n(&e, "10.9.0.0", 0, 100, "198.51.100.7", IPPROTO_TCP, 80, XS_TCP_SYN, 1);
	f = tick(&e);	/* the victim is watched from here on */
	/* A new daemon with the same key adopts: it resumes at the last
	 * flip, and the sketch being filled carries on (the events of the
	 * tick before it started are lost). */
	CU_ASSERT_EQUAL(xs_collector_set_budget(&e.fx.col, 0), 0);
	send_n(&e, "10.10.0.0", 0, 300, "198.51.100.7", IPPROTO_TCP, 80, XS_TCP_SYN, 1);
	g = xs_fleet_new(&e.s);
	CU_ASSERT_EQUAL_FATAL(xs_fleet_attach(g, &e.fx.b, e.fx.col.ncpus), 0);
	CU_ASSERT_DOUBLE_EQUAL(xs_fleet_resume_time(g), 1799999998.0, 1e-6);
	xs_fleet_free(e.f);
	e.f = g;
	f = tick(&e);
	CU_ASSERT(f->seq > 1800000000000001ULL);
	expect_regs(want, "10.10.0.0", 0, 300);
	got = decode(&find(f, XS_FL_VICTIMS, "198.51.100.7")->h1);
	CU_ASSERT_EQUAL(memcmp(got, want, 1 << 14), 0);
	free(got);
	/* Another key: what the sketches hold is not merged. */
	xs_settings_init(&s2);
	s2.fleet = e.s.fleet;
	xs_sipkey_parse("ffeeddccbbaa99887766554433221100", &s2.fleet.key);
	send_n(&e, "10.11.0.0", 0, 300, "198.51.100.7", IPPROTO_TCP, 80, XS_TCP_SYN, 1);
	g = xs_fleet_new(&s2);
	CU_ASSERT_EQUAL_FATAL(xs_fleet_attach(g, &e.fx.b, e.fx.col.ncpus), 0);
	xs_fleet_free(e.f);
	e.f = g;
	f = tick(&e);
	CU_ASSERT_EQUAL(find(f, XS_FL_VICTIMS, "198.51.100.7")->packets, 300);
	CU_ASSERT_EQUAL(count_of(&find(f, XS_FL_VICTIMS, "198.51.100.7")->h1), 0);
	xs_settings_free(&s2);
	free(want);
	teardown(&e);
}

static const struct xs_test tests[] = {
	{ "kernel sketch of a watched victim = SipHash registers, without events", test_kernel_sketch },
	{ "counts, logins, targets, top sources within their bounds, valid JSON", test_lists },
	{ "lists cut with omitted and floor; sketches past the budget folded", test_cut_and_budget },
	{ "seq when the clock goes back; a daemon adopting the kept maps", test_seq_and_adopt },
};

XS_RUN_SUITE("fleet", tests)
