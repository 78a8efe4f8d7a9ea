// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The engine alone on one core: synthetic new-flow events as the
 * collector would deliver them, a tick every `per_tick` events.
 *   engine_events [spoof|clients|scan] [EVENTS] [LIMIT]
 * spoof: a SYN flood from random sources to one service; clients: 1,000
 * clients repeatedly connecting to 100 servers on 3 ports; scan: one
 * source probing random ports of 1,000 hosts. LIMIT sets the per-event
 * tables' limits (pairs, scan_keys, sweep_keys; default: the defaults).
 * Prints events/s for the events alone and with the ticks' work, and the
 * time of one tick.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "settings.h"

static void on_alert(void *ctx, const struct xs_alert_out *a)
{
	(*(unsigned long long *)ctx)++;
}

static double now(void)
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

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "spoof";
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 0) : 10000000, per_tick = 200000;
	uint64_t seed = 88172645463325252ULL, done = 0, i;
	unsigned long long alerts = 0;
	struct xs_engine_stats st;
	struct xs_flow_event *ev;
	struct xs_settings s;
	struct xs_engine *e;
	struct xs_tick t = {};
	double ts = 1e9, t0, t_ev = 0, t_tick = 0;
	int m = !strcmp(mode, "clients") ? 1 : !strcmp(mode, "scan") ? 2 : 0;

	if (xs_settings_init(&s))
		return 1;
	if (argc > 3)
		s.limits.pairs = s.limits.scan_keys = s.limits.sweep_keys = atoi(argv[3]);
	struct xs_engine_opts o = { .settings = &s, .on_alert = on_alert, .ctx = &alerts };
	e = xs_engine_new(&o);
	ev = calloc(per_tick, sizeof(*ev));
	if (!e || !ev)
		return 1;
	while (done < n) {
		for (i = 0; i < per_tick; i++) {
			struct xs_flow_event *x = &ev[i];
			uint64_t r = xorshift(&seed);

			x->proto = 6;
			x->tcp_flags = 2;
			if (m == 0) {
				v4(&x->src, (uint32_t)r);
				v4(&x->dst, 0x0a000001);
				x->sport = htons((uint16_t)(r >> 32));
				x->dport = htons(80);
			} else if (m == 1) {
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
		t0 = now();
		for (i = 0; i < per_tick; i++)
			xs_engine_on_event(e, &ev[i]);
		t_ev += now() - t0;
		t0 = now();
		ts += 1;
		xs_engine_on_tick(e, &t, ts);
		t_tick += now() - t0;
		done += per_tick;
	}
	xs_engine_get_stats(e, &st);
	printf("%s: %llu events: %.2f M events/s (%.2f M/s with the ticks), %.2f ms per tick; "
	       "refused at limits: %llu pairs; %llu alert events\n",
	       mode, (unsigned long long)done, done / t_ev / 1e6, done / (t_ev + t_tick) / 1e6,
	       t_tick * 1000 / (double)(done / per_tick), (unsigned long long)st.overflow_pairs,
	       alerts);
	xs_engine_free(e);
	xs_settings_free(&s);
	free(ev);
	return 0;
}
