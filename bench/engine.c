// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The detection engine alone on one core: synthetic new-flow events as the
 * collector delivers them, a tick every 200,000 events (the default
 * budget of a 1 s tick). Three traffic shapes:
 *   spoof    a SYN flood from random sources to one service (every event
 *            a new key in every per-event table)
 *   clients  1,000 clients connecting again and again to 100 servers on
 *            3 ports (repeated keys, the brute-force counters busy)
 *   scan     one source probing random ports of 1,000 hosts
 * with the default limits, and with 1 million keys per table. Reported:
 * events/s for the events alone, and the time of one tick's work.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "engine.h"
#include "settings.h"

#define PER_TICK 200000

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void v4(struct xs_addr *a, uint32_t ip)
{
	memset(a, 0, sizeof(*a));
	a->a[10] = a->a[11] = 0xff;
	ip = htonl(ip);
	memcpy(&a->a[12], &ip, 4);
}

static void fill(struct xs_flow_event *ev, int shape, uint64_t *seed)
{
	int i;

	for (i = 0; i < PER_TICK; i++) {
		struct xs_flow_event *x = &ev[i];
		uint64_t r = xorshift(seed);

		x->proto = 6;
		x->tcp_flags = XS_TCP_SYN;
		if (shape == 0) {
			v4(&x->src, (uint32_t)r);
			v4(&x->dst, 0x0a000001);
			x->sport = htons((uint16_t)(r >> 32));
			x->dport = htons(80);
		} else if (shape == 1) {
			v4(&x->src, 0x0b000000 | (uint32_t)(r % 1000));
			v4(&x->dst, 0x0c000000 | (uint32_t)((r >> 16) % 100));
			x->sport = htons((uint16_t)(r >> 24));
			x->dport = htons((uint16_t)(443 + (r >> 40) % 3));
		} else {
			v4(&x->src, 0x0d000001);
			v4(&x->dst, 0x0e000000 | (uint32_t)(r % 1000));
			x->sport = htons(40000);
			x->dport = htons((uint16_t)(r >> 20));
		}
	}
}

static void on_alert(void *ctx, const struct xs_alert_out *a)
{
}

static void stat_of(double *v, int n, struct bench_stat *st)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (v[j] < v[i]) {
				double x = v[i];

				v[i] = v[j];
				v[j] = x;
			}
	st->min = v[0];
	st->median = v[n / 2];
	st->max = v[n - 1];
}

/* One run: returns events/s for the events alone and the mean tick time. */
static int run(int shape, uint32_t limit, int ticks, double *eps, double *tick_ms)
{
	struct xs_flow_event *ev = calloc(PER_TICK, sizeof(*ev));
	struct xs_engine_opts o = { .on_alert = on_alert };
	uint64_t seed = 88172645463325252ULL;
	struct xs_tick t = {};
	struct xs_settings s;
	struct xs_engine *e;
	double t_ev = 0, t_tick = 0, t0, ts = 1e9;
	int k, i;

	if (!ev || xs_settings_init(&s)) {
		free(ev);
		return -1;
	}
	if (limit)
		s.limits.pairs = s.limits.scan_keys = s.limits.sweep_keys = limit;
	o.settings = &s;
	e = xs_engine_new(&o);
	if (!e) {
		free(ev);
		xs_settings_free(&s);
		return -1;
	}
	for (k = 0; k < ticks; k++) {
		fill(ev, shape, &seed);
		t0 = now_s();
		for (i = 0; i < PER_TICK; i++)
			xs_engine_on_event(e, &ev[i]);
		t_ev += now_s() - t0;
		t0 = now_s();
		xs_engine_on_tick(e, &t, ts += 1);
		t_tick += now_s() - t0;
	}
	*eps = (double)PER_TICK * ticks / t_ev / 1e6;
	*tick_ms = t_tick * 1000 / ticks;
	xs_engine_free(e);
	xs_settings_free(&s);
	free(ev);
	return 0;
}

int bench_engine(struct bench_ctx *bc)
{
	static const char *const shapes[] = { "spoof", "clients", "scan" };
	int runs = bc->runs > 5 ? 5 : bc->runs, ticks = bc->quick ? 2 : 25, shape, l, i;
	uint32_t limits[2] = { 0, bc->quick ? 20000 : 1000000 };
	double eps[8] = {}, ms[8] = {};
	struct bench_stat st;
	char name[64];

	bench_section(bc, "engine", "Detection engine: new-flow events on one core");
	for (l = 0; l < 2; l++)
		for (shape = 0; shape < 3; shape++) {
			for (i = 0; i < runs; i++)
				if (run(shape, limits[l], ticks, &eps[i], &ms[i]))
					return -12;	/* -ENOMEM */
			snprintf(name, sizeof(name), "%s_%s_events", shapes[shape],
				 l ? (bc->quick ? "20k_keys" : "1M_keys") : "default_limits");
			stat_of(eps, runs, &st);
			bench_row(bc, name, &st, NULL, "M/s");
			snprintf(name, sizeof(name), "%s_%s_tick", shapes[shape],
				 l ? (bc->quick ? "20k_keys" : "1M_keys") : "default_limits");
			stat_of(ms, runs, &st);
			bench_row(bc, name, &st, NULL, "ms");
		}
	bench_section_end(bc);
	return 0;
}
