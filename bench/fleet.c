// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The fleet part of a tick (user/pipeline/fleet.c) in the worst shape the
 * event budget allows: a spoofed SYN flood, every event a new source of
 * one victim (200,000 of them: the default budget at 1 s ticks), as many
 * sources in the kernel's table; then the aggregates message it makes.
 * In CPU milliseconds of the thread.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "fleet.h"
#include "settings.h"
#include "sinks/aggregates.h"

/* CPU time, not wall time: what the daemon's core spends, whatever else
 * the machine runs. */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void v4(struct xs_addr *a, uint32_t x)
{
	memset(a, 0, sizeof(*a));
	a->a[10] = a->a[11] = 0xff;
	x = htonl(x);
	memcpy(&a->a[12], &x, 4);
}

int bench_fleet_tick(struct bench_ctx *bc)
{
	uint32_t n = bc->quick ? 20000 : 200000, i, epoch = 7;
	int runs = bc->quick ? 1 : 5, r, err = -1;
	struct xs_dst_entry dst = { 0 };
	struct xs_src_entry *src = calloc(n, sizeof(*src));
	struct xs_settings s;
	struct xs_fleet *f = NULL;
	struct bench_stat st = { 1e300, 0, 0 }, js = { 1e300, 0, 0 };
	double t[8], u[8];
	size_t bytes = 0;

	if (!src || xs_settings_init(&s))
		goto out;
	s.fleet.aggregates = s.fleet.have_key = true;
	xs_sipkey_parse("000102030405060708090a0b0c0d0e0f", &s.fleet.key);
	xs_sipkey_id(&s.fleet.key, s.fleet.key_id);
	f = xs_fleet_new(&s);
	if (!f)
		goto out;
	v4(&dst.addr, 0xc6120014);	/* 198.18.0.20 */
	dst.v.pkts = dst.v.syn = dst.v.tcp = n;
	for (i = 0; i < n; i++) {
		v4(&src[i].addr, 0x0a000000 + i * 7);
		src[i].v.pkts = src[i].v.syn = 1;
	}
	bench_section(bc, "fleet_tick", "The fleet part of a tick: a spoofed flood's events");
	for (r = 0; r < runs && r < 8; r++) {
		struct xs_tick tick = { .epoch = epoch, .dst = &dst, .ndst = 1, .src = src, .nsrc = n };
		struct xs_flow_event e = { .proto = 6, .tcp_flags = XS_TCP_SYN, .dport = htons(80) };
		double t0;
		char *js_doc;

		e.dst = dst.addr;
		e.epoch = epoch;
		for (i = 0; i < n; i++) {
			e.src = src[i].addr;
			e.sport = htons((uint16_t)(1024 + i));
			xs_fleet_on_event(f, &e);
		}
		t0 = now_ms();
		xs_fleet_tick(f, &tick, 1.8e9 + r, 1.8e9 + r + 1);
		t[r] = now_ms() - t0;
		if (!tick.fleet)
			goto out;
		t0 = now_ms();
		js_doc = xs_agg_json(&tick, 1.8e9 + r + 1, 1.0, "bench", "bench", 10);
		u[r] = now_ms() - t0;
		bytes = js_doc ? strlen(js_doc) : 0;
		free(js_doc);
		epoch++;
	}
	for (r = 0; r < runs; r++) {
		st.min = t[r] < st.min ? t[r] : st.min;
		st.max = t[r] > st.max ? t[r] : st.max;
		js.min = u[r] < js.min ? u[r] : js.min;
		js.max = u[r] > js.max ? u[r] : js.max;
	}
	/* The median of a few runs: sort them. */
	for (r = 1; r < runs; r++)
		for (i = r; i > 0 && t[i] < t[i - 1]; i--) {
			double x = t[i];

			t[i] = t[i - 1];
			t[i - 1] = x;
		}
	for (r = 1; r < runs; r++)
		for (i = r; i > 0 && u[i] < u[i - 1]; i--) {
			double x = u[i];

			u[i] = u[i - 1];
			u[i - 1] = x;
		}
	st.median = t[runs / 2];
	js.median = u[runs / 2];
	bench_row(bc, bc->quick ? "build_20k_events" : "build_200k_events", &st, NULL, "cpu ms");
	bench_row(bc, "render_json", &js, NULL, "cpu ms");
	bench_value(bc, "message", (double)bytes, "bytes");
	bench_section_end(bc);
	err = 0;
out:
	xs_fleet_free(f);
	xs_settings_free(&s);
	free(src);
	return err;
}
