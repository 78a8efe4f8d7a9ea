// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The probe family of detectors (issue 14) on ticks and events built here:
 * port_scan, host_sweep and brute_force just under and just over each
 * threshold of each time scale (10 s, 60 s, 10 min), what counts as a
 * probe (ACK probes, UDP to high ports, answers), one alert per sweeping
 * source, the kernel's distinct-destination sketch, what separates
 * guessing from polling and from a SYN flood, credential_stuffing (floors,
 * evidence, baseline) and sip_fraud (requests, failures, which kind).
 * Every alert produced is validated against schema/alert.schema.json.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "xs_det.h"
#include "xs_test.h"

#define SYN XS_TCP_SYN
#define A det_a

/* ---- port_scan ------------------------------------------------------- */

/* n ports of one destination, one every `every` ticks (0: all in one tick),
 * with TCP flags (0: UDP from sport). */
static void ports(struct det *h, uint32_t n, uint32_t every, uint8_t flags, uint16_t sport)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		det_event(h, A("172.31.15.102"), A("198.124.152.15"), flags ? 6 : 17, sport,
			  (uint16_t)(1 + i), flags);
		if (every) {
			det_tick(h);
			if (every > 1)
				det_idle(h, every - 1);
		}
	}
	if (!every)
		det_tick(h);
}

/* Returns the alerts started; *a the first start. */
static int scan_run(uint32_t n, uint32_t every, uint8_t flags, uint16_t sport, double *window,
		    double *thr)
{
	struct det h;
	const struct det_alert *a;
	int r;

	det_init(&h, NULL);
	ports(&h, n, every, flags, sport);
	det_free(&h);
	r = det_alerts(&h, NULL);
	a = det_first(&h, "port_scan", "start");
	*window = a ? a->window_s : 0;
	*thr = a ? a->threshold : 0;
	if (a) {
		CU_ASSERT_STRING_EQUAL(a->src, "172.31.15.102");
		CU_ASSERT_STRING_EQUAL(a->dst, "198.124.152.15");
	}
	CU_ASSERT_EQUAL(det_alerts(&h, "port_scan"), r);
	det_done(&h);
	return r;
}

static void test_port_scan_scales(void)
{
	double w, t;

	/* 60 s: 100 ports. */
	CU_ASSERT_EQUAL(scan_run(99, 0, SYN, 61000, &w, &t), 0);
	CU_ASSERT_EQUAL(scan_run(100, 0, SYN, 61000, &w, &t), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 60, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(t, 100, 1e-9);
	/* 10 min: 200 ports, one every 3 s (20 a minute: never 100 in 60 s). */
	CU_ASSERT_EQUAL(scan_run(199, 3, SYN, 61000, &w, &t), 0);
	CU_ASSERT_EQUAL(scan_run(200, 3, SYN, 61000, &w, &t), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 600, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(t, 200, 1e-9);
	/* One every 7 s: 9 a minute, under the slow scale's pace (half its
	 * threshold pro rata, 10): never remembered past the minute. */
	CU_ASSERT_EQUAL(scan_run(400, 7, SYN, 61000, &w, &t), 0);
}

/* What is a probe: an ACK no connection knows (an ACK scan), UDP to high
 * ports from an unprivileged one; not a service's answers. */
static void test_port_scan_probes(void)
{
	double w, t;

	CU_ASSERT_EQUAL(scan_run(100, 0, XS_TCP_ACK, 61000, &w, &t), 1); /* nmap -sA */
	CU_ASSERT_EQUAL(scan_run(100, 0, XS_TCP_FIN, 61000, &w, &t), 1);
	CU_ASSERT_EQUAL(scan_run(100, 0, XS_TCP_SYN | XS_TCP_ACK, 61000, &w, &t), 0);
	CU_ASSERT_EQUAL(scan_run(100, 0, XS_TCP_RST | XS_TCP_ACK, 61000, &w, &t), 0);
	/* UDP from 61000 to ports 1..100 and from 40000 to 65000..65099
	 * (above the source port, as nmap's 65024 often is). */
	CU_ASSERT_EQUAL(scan_run(100, 0, 0, 61000, &w, &t), 1);
	{
		struct det h;
		uint32_t i;

		det_init(&h, NULL);
		for (i = 0; i < 100; i++)
			det_event(&h, A("10.9.9.9"), A("10.9.9.10"), 17, 40000,
				  (uint16_t)(65000 + i), 0);
		/* A resolver's answers to 500 client ports, an SSDP reply
		 * flood: answers, not probes. */
		for (i = 0; i < 500; i++) {
			det_event(&h, A("10.9.9.53"), A("10.9.9.10"), 17, 53, (uint16_t)(30000 + i),
				  0);
			det_event(&h, A("10.9.9.54"), A("10.9.9.10"), 17, 1900,
				  (uint16_t)(30000 + i), 0);
		}
		det_tick(&h);
		det_free(&h);
		CU_ASSERT_EQUAL(det_alerts(&h, "port_scan"), 1);
		CU_ASSERT_STRING_EQUAL(det_first(&h, "port_scan", "start")->src, "10.9.9.9");
		CU_ASSERT_EQUAL(det_alerts(&h, NULL), 1);
		det_done(&h);
	}
}

/* UDP ports from one source port (a scanner): 50 in 60 s; from a new
 * source port each (media sessions): the common 100. */
static int udp_run(uint32_t n, uint32_t per_tick, bool new_sport)
{
	struct det h;
	const struct det_alert *a;
	uint32_t i;
	int r;

	det_init(&h, NULL);
	for (i = 0; i < n; i++) {
		det_event(&h, A("192.0.2.1"), A("192.0.2.2"), 17,
			  (uint16_t)(new_sport ? 20000 + i : 56502), (uint16_t)(30000 + 7 * i), 0);
		if ((i + 1) % per_tick == 0)
			det_tick(&h);
	}
	det_tick(&h);
	det_free(&h);
	r = det_alerts(&h, NULL);
	CU_ASSERT_EQUAL(det_alerts(&h, "port_scan"), r);
	a = det_first(&h, "port_scan", "start");
	if (a) {
		CU_ASSERT_DOUBLE_EQUAL(a->window_s, 60, 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(a->threshold, new_sport ? 100 : 50, 1e-9);
	}
	det_done(&h);
	return r;
}

static void test_port_scan_udp(void)
{
	CU_ASSERT_EQUAL(udp_run(49, 1, false), 0);
	CU_ASSERT_EQUAL(udp_run(50, 1, false), 1); /* 50 s */
	CU_ASSERT_EQUAL(udp_run(99, 2, true), 0);
	CU_ASSERT_EQUAL(udp_run(100, 2, true), 1);
	/* nmap's top 100 at the pace of the ICMP rate limit: 63 s. */
	CU_ASSERT_EQUAL(udp_run(100, 1, false) + udp_run(60, 1, true), 1);
}

/* A finished scan's alert ends a cooldown after its 60 s window, not
 * after the 10 min one; the window edge of the 60 s scale. */
static void test_port_scan_ends(void)
{
	struct det h;
	double w, t;

	det_init(&h, NULL);
	ports(&h, 200, 0, SYN, 61000);
	det_free(&h);
	CU_ASSERT_EQUAL(det_alerts(&h, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(det_first(&h, "port_scan", "end"));
	/* Fired through tick 60 (the ports' last tick in the window), quiet
	 * for 30 s. */
	CU_ASSERT_DOUBLE_EQUAL(det_first(&h, "port_scan", "end")->ts, DET_T0 + 90, 1e-9);
	det_done(&h);

	/* 50 + 50 ports 59 and 60 ticks apart. */
	det_init(&h, NULL);
	ports(&h, 50, 0, SYN, 61000);
	det_idle(&h, 58);
	det_event(&h, A("172.31.15.102"), A("198.124.152.15"), 6, 61000, 1000, SYN);
	ports(&h, 0, 0, SYN, 61000);
	det_free(&h);
	CU_ASSERT_EQUAL(det_alerts(&h, NULL), 0); /* 51 */
	det_done(&h);
	(void)w;
	(void)t;
}

/* ---- host_sweep ------------------------------------------------------ */

/* n destinations from one source on proto/port: one every `every` ticks
 * (0: all in one tick; negative: -every a tick); TCP with flags. */
static void hosts(struct det *h, const char *src, uint32_t n, int every, uint8_t proto,
		  uint16_t port, uint8_t flags)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (proto == 1)
			det_event(h, A(src), det_an(i, false), 1, 8 << 8, 77, 0);
		else
			det_event(h, A(src), det_an(i, false), proto, 50000, port, flags);
		if (every > 0) {
			det_tick(h);
			if (every > 1)
				det_idle(h, every - 1);
		} else if (every < 0 && (i + 1) % -every == 0) {
			det_tick(h);
		}
	}
	if (every <= 0)
		det_tick(h);
}

static int sweep_run(uint32_t n, int every, uint8_t proto, uint16_t port, uint8_t flags,
		     double *window)
{
	struct det h;
	const struct det_alert *a;
	int r;

	det_init(&h, NULL);
	hosts(&h, "10.0.0.128", n, every, proto, port, flags);
	det_free(&h);
	r = det_alerts(&h, NULL);
	CU_ASSERT_EQUAL(det_alerts(&h, "host_sweep"), r);
	a = det_first(&h, "host_sweep", "start");
	*window = a ? a->window_s : 0;
	if (a) {
		CU_ASSERT_STRING_EQUAL(a->src, "10.0.0.128");
		CU_ASSERT_STRING_EQUAL(a->dst, "*");
		CU_ASSERT_EQUAL(a->port, proto == 1 ? -1 : port);
	}
	det_done(&h);
	return r;
}

static void test_host_sweep_scales(void)
{
	double w;

	/* 10 s: 32 (100 on a client port). */
	CU_ASSERT_EQUAL(sweep_run(31, 0, 6, 445, SYN, &w), 0);
	CU_ASSERT_EQUAL(sweep_run(32, 0, 6, 445, SYN, &w), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 10, 1e-9);
	CU_ASSERT_EQUAL(sweep_run(99, 0, 6, 80, SYN, &w), 0);
	CU_ASSERT_EQUAL(sweep_run(100, 0, 6, 80, SYN, &w), 1);
	/* 60 s: 64, two hosts a second (20 in any 10 s). */
	CU_ASSERT_EQUAL(sweep_run(63, -2, 6, 23, SYN, &w), 0);
	CU_ASSERT_EQUAL(sweep_run(64, -2, 6, 23, SYN, &w), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 60, 1e-9);
	/* 10 min: 128, a Mirai-like scanner at a host every 3 s. */
	CU_ASSERT_EQUAL(sweep_run(127, 3, 6, 23, SYN, &w), 0);
	CU_ASSERT_EQUAL(sweep_run(128, 3, 6, 23, SYN, &w), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 600, 1e-9);
	CU_ASSERT_EQUAL(sweep_run(128, 3, 1, 0, 0, &w), 1); /* slow ping sweep */
	/* Clients reach many web servers: no longer scales on client ports. */
	CU_ASSERT_EQUAL(sweep_run(300, 1, 6, 443, SYN, &w), 0);
	/* Any probe: ACK pings, UDP to a service (svmap: 5060 -> 5060). */
	CU_ASSERT_EQUAL(sweep_run(100, 0, 6, 80, XS_TCP_ACK, &w), 1);
	CU_ASSERT_EQUAL(sweep_run(32, 0, 17, 5060, 0, &w), 1);
}

/* masscan over a /24 on four ports: one sweep, one alert. */
static void test_host_sweep_one_alert(void)
{
	static const uint16_t p[] = {22, 80, 443, 3389};
	const struct det_alert *a;
	struct det h;
	uint32_t i, j;

	det_init(&h, NULL);
	for (j = 0; j < 4; j++)
		for (i = 0; i < 256; i++)
			det_event(&h, A("192.0.2.1"), det_an(i, false), 6, 61000, p[j], SYN);
	det_tick(&h);
	for (i = 0; i < 5; i++) { /* it goes on */
		for (j = 0; j < 4; j++)
			det_event(&h, A("192.0.2.1"), det_an(1000 + i, false), 6, 61000, p[j], SYN);
		det_tick(&h);
	}
	det_free(&h);
	CU_ASSERT_EQUAL(det_alerts(&h, NULL), 1);
	a = det_first(&h, "host_sweep", "start");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->port, -1); /* several services */
	CU_ASSERT_EQUAL(a->nports, 4);
	CU_ASSERT_DOUBLE_EQUAL(a->value, 256, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(a->threshold, 32, 1e-9);
	det_done(&h);
}

/* The kernel's sketch of a source's probed destinations: a sweep seen
 * without its flows (over the event budget, or a port per host). */
static int sketch_run(uint32_t n, const char *yaml, bool *from_sketch)
{
	struct det h;
	struct xs_src *s;
	int r;

	det_init(&h, yaml);
	s = det_src(&h, A("10.7.7.7"));
	s->pkts = s->probes = n;
	det_hll(s->hll_dst, 5000, n);
	det_tick(&h);
	det_free(&h);
	r = det_alerts(&h, NULL);
	CU_ASSERT_EQUAL(det_alerts(&h, "host_sweep"), r);
	*from_sketch =
	    r && strstr(det_first(&h, "host_sweep", "start")->details, "\"from_kernel_sketch\":1");
	det_done(&h);
	return r;
}

static void test_host_sweep_sketch(void)
{
	uint8_t regs[XS_HLL_REGS] = {0};
	char yaml[128];
	bool k;
	int est;

	CU_ASSERT_EQUAL(sketch_run(1000, NULL, &k), 1);
	CU_ASSERT(k);
	CU_ASSERT_EQUAL(sketch_run(40, NULL, &k), 0);
	/* Just under and over any_threshold, in the sketch's own estimate. */
	det_hll(regs, 5000, 300);
	est = (int)round(xs_hll_estimate(regs, XS_HLL_REGS));
	snprintf(yaml, sizeof(yaml), "rules: {host_sweep: {any_threshold: %d}}\n", est + 1);
	CU_ASSERT_EQUAL(sketch_run(300, yaml, &k), 0);
	snprintf(yaml, sizeof(yaml), "rules: {host_sweep: {any_threshold: %d}}\n", est);
	CU_ASSERT_EQUAL(sketch_run(300, yaml, &k), 1);
	CU_ASSERT_EQUAL(sketch_run(1000, "rules: {host_sweep: {any_threshold: 0}}\n", &k), 0);
}

/* ---- brute_force ----------------------------------------------------- */

struct conn_spec {
	uint16_t port;
	uint32_t n, every; /* connections, one every `every` ticks (0: one tick) */
	uint32_t pkts;	   /* the source's packets per connection */
	uint32_t data2;	   /* its segments with payload per two connections */
};

static int brute_run(const struct conn_spec *c, const char *yaml, double *window)
{
	struct det h;
	const struct det_alert *a;
	uint32_t i;
	int r;

	det_init(&h, yaml);
	for (i = 0; i < c->n; i++) {
		struct xs_src *s = det_src(&h, A("147.32.80.40"));
		uint32_t data = c->data2 / 2 + (i % 2 ? c->data2 % 2 : 0);

		det_event(&h, A("147.32.80.40"), A("147.32.80.37"), 6, (uint16_t)(40000 + i),
			  c->port, SYN);
		s->pkts += c->pkts;
		s->tcp_data += data;
		/* The same, in the pair's flows: what the evidence reads. */
		det_pair(&h, A("147.32.80.40"), A("147.32.80.37"), c->port, c->pkts, data);
		if (c->every) {
			det_tick(&h);
			if (c->every > 1)
				det_idle(&h, c->every - 1);
		} else if (i == c->n / 2) {
			/* "One tick": two, so that the kernel counts the
			 * second half in the candidate's flows. */
			det_tick(&h);
		}
	}
	if (!c->every)
		det_tick(&h);
	det_free(&h);
	r = det_alerts(&h, NULL);
	CU_ASSERT_EQUAL(det_alerts(&h, "brute_force"), r);
	a = det_first(&h, "brute_force", "start");
	*window = a ? a->window_s : 0;
	if (a) {
		CU_ASSERT_STRING_EQUAL(a->src, "147.32.80.40");
		CU_ASSERT_STRING_EQUAL(a->dst, "147.32.80.37");
		CU_ASSERT_EQUAL(a->port, c->port);
	}
	det_done(&h);
	return r;
}

static int brute(uint16_t port, uint32_t n, uint32_t every, double *w)
{
	struct conn_spec c = {port, n, every, 20, 8};

	return brute_run(&c, NULL, w);
}

static void test_brute_force_scales(void)
{
	double w;

	/* Login port, 10 s: 10 (Mirai's 11 telnet logins in 1.3 s). */
	CU_ASSERT_EQUAL(brute(23, 9, 0, &w), 0);
	CU_ASSERT_EQUAL(brute(23, 10, 0, &w), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 10, 1e-9);
	/* 60 s: 20, one every 3 s (at most 4 in 10 s). */
	CU_ASSERT_EQUAL(brute(22, 19, 3, &w), 0);
	CU_ASSERT_EQUAL(brute(22, 20, 3, &w), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 60, 1e-9);
	/* 10 min: 25, one every 24 s (hydra -t 1 against sshd: one every 20 s). */
	CU_ASSERT_EQUAL(brute(22, 24, 24, &w), 0);
	CU_ASSERT_EQUAL(brute(22, 25, 24, &w), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 600, 1e-9);
	/* Slow guessing at ten connections a minute (hydra -t 4). */
	CU_ASSERT_EQUAL(brute(22, 40, 6, &w), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 600, 1e-9);
	/* Any other port: 20 / 40 / 50. */
	CU_ASSERT_EQUAL(brute(902, 19, 0, &w), 0);
	CU_ASSERT_EQUAL(brute(902, 20, 0, &w), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 10, 1e-9);
	CU_ASSERT_EQUAL(brute(902, 39, 1, &w), 0);
	CU_ASSERT_EQUAL(brute(902, 40, 1, &w), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 60, 1e-9);
	CU_ASSERT_EQUAL(brute(902, 49, 12, &w), 0);
	CU_ASSERT_EQUAL(brute(902, 50, 12, &w), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 600, 1e-9);
}

/* What a guess costs: packets beyond connect-and-close, and data. */
static void test_brute_force_evidence(void)
{
	struct conn_spec c = {22, 30, 0, 4, 8};
	double w;

	CU_ASSERT_EQUAL(brute_run(&c, NULL, &w), 0); /* 4 packets each */
	c.pkts = 5;
	CU_ASSERT_EQUAL(brute_run(&c, NULL, &w), 1);
	c.pkts = 20;
	c.data2 = 0; /* a SYN flood's SYN and RST, a banner grab */
	CU_ASSERT_EQUAL(brute_run(&c, NULL, &w), 0);
	c.data2 = 1; /* one every other connection: 0.5 each */
	CU_ASSERT_EQUAL(brute_run(&c, NULL, &w), 1);
	c.data2 = 0;
	CU_ASSERT_EQUAL(brute_run(&c, "rules: {brute_force: {min_data_per_conn: 0}}\n", &w), 1);
}

/* Guessing or polling: on a web port a connection is a request. 100
 * short connections a second for two minutes, a request each: silent by
 * default, brute_force only where web_threshold is set. */
static void test_poller_is_not_guessing(void)
{
	struct conn_spec c = {80, 100, 0, 6, 2};
	struct det h;
	uint32_t t, i, n = 0;
	double w;

	det_init(&h, NULL);
	for (t = 0; t < 120; t++) {
		struct xs_src *s = det_src(&h, A("192.0.2.1"));

		for (i = 0; i < 100; i++, n++)
			det_event(&h, A("192.0.2.1"), A("192.0.2.5"), 6,
				  (uint16_t)(1024 + n % 60000), 80, SYN);
		s->pkts = 600;
		s->tcp_data = 100;
		det_tick(&h);
	}
	det_free(&h);
	CU_ASSERT_EQUAL(det_alerts(&h, NULL), 0);
	det_done(&h);
	c.n = 200;
	CU_ASSERT_EQUAL(brute_run(&c, NULL, &w), 0);
	CU_ASSERT_EQUAL(brute_run(&c, "rules: {brute_force: {web_threshold: 200}}\n", &w), 1);
	CU_ASSERT_DOUBLE_EQUAL(w, 60, 1e-9);
	c.n = 199;
	CU_ASSERT_EQUAL(brute_run(&c, "rules: {brute_force: {web_threshold: 200}}\n", &w), 0);
}

/* One source's SYN flood at port 22: its kernel resets every SYN-ACK and
 * its source ports wrap (no new flows, packets go on): a flood, never a
 * brute force. */
static void test_syn_flood_is_not_guessing(void)
{
	struct det h;
	uint32_t t, i;

	det_init(&h, NULL);
	for (t = 0; t < 20; t++) {
		struct xs_src *s = det_src(&h, A("192.0.2.1"));

		if (t < 3)
			for (i = 0; i < 20000; i++)
				det_event(&h, A("192.0.2.1"), A("192.0.2.2"), 6,
					  (uint16_t)(t * 20000 + i), 22, SYN);
		s->pkts = 50000; /* SYN and RST */
		s->syn = s->rst = 25000;
		det_tick(&h);
	}
	det_free(&h);
	CU_ASSERT_EQUAL(det_alerts(&h, "brute_force"), 0);
	det_done(&h);
}

/* The main window alone (`scales: []`): connections 61 ticks apart never
 * share it. */
static void test_brute_force_window(void)
{
	struct det h;
	uint32_t i, b;

	det_init(&h, "rules: {brute_force: {scales: []}}\n");
	for (b = 0; b < 3; b++) {
		struct xs_src *s = det_src(&h, A("192.168.56.1"));

		for (i = 0; i < 10; i++)
			det_event(&h, A("192.168.56.1"), A("192.168.56.101"), 6,
				  (uint16_t)(50000 + 100 * b + i), 21, SYN);
		s->pkts = 100;
		s->tcp_data = 20;
		det_pair(&h, A("192.168.56.1"), A("192.168.56.101"), 21, 100, 20);
		det_tick(&h); /* ticks 1, 61, 62 */
		if (!b)
			det_idle(&h, 59);
		if (b == 1)
			CU_ASSERT_EQUAL(det_alerts(&h, NULL), 0);
	}
	CU_ASSERT_EQUAL(det_alerts(&h, "brute_force"), 1);
	det_free(&h);
	det_done(&h);
}

/* ---- credential_stuffing --------------------------------------------- */

/* nsrc sources, each with per connections to dst:port, spread over 30
 * ticks; the victim's packets per SYN `ratio` (0: untracked). */
static int stuff_run(uint32_t nsrc, uint32_t per, uint16_t port, uint32_t ratio, const char *yaml,
		     const struct det_alert **out, struct det *h)
{
	uint32_t t, i, r, n = 0, total = nsrc * per;

	det_init(h, yaml);
	for (t = 0; t < 30; t++) {
		uint32_t upto = (t + 1) * total / 30;

		for (; n < upto; n++) {
			i = n % nsrc;
			r = n / nsrc;
			det_event(h, det_an(i, false), A("192.0.2.3"), 6, (uint16_t)(40000 + r),
				  port, SYN);
			det_src(h, det_an(i, false))->pkts += 20;
			det_src(h, det_an(i, false))->tcp_data += 2;
			det_pair(h, det_an(i, false), A("192.0.2.3"), port, 20, 2);
		}
		if (ratio) {
			struct xs_dst *d = det_dst(h, A("192.0.2.3"));

			d->syn = 100;
			d->tcp = d->pkts = d->syn * ratio;
		}
		det_tick(h);
	}
	det_free(h);
	*out = det_first(h, "credential_stuffing", "start");
	return det_alerts(h, NULL);
}

static void test_credential_stuffing(void)
{
	const struct det_alert *a;
	struct det h;

	/* Floors: 32 sources, 64 connections in 60 s. */
	CU_ASSERT_EQUAL(stuff_run(32, 2, 22, 0, NULL, &a, &h), 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->dst, "192.0.2.3");
	CU_ASSERT_EQUAL(a->port, 22);
	CU_ASSERT_STRING_EQUAL(a->src, "*");
	CU_ASSERT_DOUBLE_EQUAL(a->value, 64, 1e-9);
	CU_ASSERT(strstr(a->details, "\"distinct_sources\":32") != NULL);
	det_done(&h);
	CU_ASSERT_EQUAL(stuff_run(31, 3, 22, 0, NULL, &a, &h), 0); /* 93 connections */
	det_done(&h);
	CU_ASSERT_EQUAL(stuff_run(63, 1, 22, 0, NULL, &a, &h), 0); /* 63 */
	det_done(&h);
	CU_ASSERT_EQUAL(stuff_run(64, 1, 993, 12, NULL, &a, &h), 1); /* IMAPS, real sessions */
	det_done(&h);
	/* Not a login port; a SYN flood (one packet per SYN) is no login. */
	CU_ASSERT_EQUAL(stuff_run(64, 2, 80, 0, NULL, &a, &h), 0);
	det_done(&h);
	CU_ASSERT_EQUAL(stuff_run(64, 2, 22, 1, NULL, &a, &h), 0);
	CU_ASSERT_EQUAL(det_alerts(&h, NULL), 0);
	det_done(&h);
	/* One source over the bar is brute_force's, not this. */
	CU_ASSERT_EQUAL(stuff_run(1, 64, 22, 0, NULL, &a, &h), 1);
	CU_ASSERT_EQUAL(det_alerts(&h, "brute_force"), 1);
	CU_ASSERT_PTR_NULL(a);
	det_done(&h);
}

/* Once learnt, a service's normal is not stuffing, a jump above it is. */
static void test_credential_stuffing_baseline(void)
{
	struct det h;
	uint32_t t, i, n = 0, extra = 0;

	det_init(&h, "rules: {credential_stuffing: {k: 2}}\n");
	/* 40 min of 1 or 3 logins a second from 20 regulars (below the
	 * floor of 32 sources: nothing while it learns; four of the
	 * baseline's time constants), then 200 s of the same rate from 50
	 * (over the floors, not over its normal). */
	for (t = 0; t < 2600; t++) {
		for (i = 0; i < (t % 2 ? 3u : 1u); i++, n++)
			det_event(&h, det_an(n % (t < 2400 ? 20 : 50), false), A("192.0.2.3"), 6,
				  (uint16_t)(1024 + n % 60000), 22, SYN);
		det_tick(&h);
	}
	CU_ASSERT_EQUAL(det_alerts(&h, NULL), 0);
	/* Then 64 newcomers on top, 2 more logins a second. */
	for (t = 0; t < 60; t++) {
		for (i = 0; i < (t % 2 ? 3u : 1u); i++, n++)
			det_event(&h, det_an(n % 50, false), A("192.0.2.3"), 6,
				  (uint16_t)(1024 + n % 60000), 22, SYN);
		for (i = 0; i < 2; i++, extra++)
			det_event(&h, det_an(1000 + extra % 64, false), A("192.0.2.3"), 6,
				  (uint16_t)(1024 + extra), 22, SYN);
		det_tick(&h);
	}
	det_free(&h);
	CU_ASSERT_EQUAL(det_alerts(&h, "credential_stuffing"), 1);
	CU_ASSERT_EQUAL(det_alerts(&h, NULL), 1);
	det_done(&h);
}

/* ---- sip_fraud ------------------------------------------------------- */

/* One tick: src sent req[] requests and fail[] failure answers, to peer
 * (npeers peers, msgs of them to the last one). */
static void sip_tick(struct det *h, const char *src, const char *peer, const uint32_t *req,
		     const uint32_t *fail, uint32_t npeers, uint32_t msgs)
{
	struct xs_src *s = det_src(h, A(src));
	int j;

	for (j = 0; j < XS_SIP_REQ_MAX; j++)
		s->sip_req[j] += req ? req[j] : 0;
	for (j = 0; j < XS_SIP_FAIL_MAX; j++)
		s->sip_fail[j] += fail ? fail[j] : 0;
	s->sip_peer = A(peer);
	s->sip_peers = npeers;
	s->sip_peer_msgs = msgs;
	s->pkts += msgs;
	det_tick(h);
}

static int sip_run(const uint32_t *req, const uint32_t *fail, bool server, const char **kind)
{
	static char k[32];
	const struct det_alert *a;
	uint32_t n = 0;
	struct det h;
	int j, r;

	for (j = 0; j < XS_SIP_REQ_MAX; j++)
		n += req ? req[j] : 0;
	for (j = 0; j < XS_SIP_FAIL_MAX; j++)
		n += fail ? fail[j] : 0;
	det_init(&h, NULL);
	if (server)
		sip_tick(&h, "192.0.2.4", "192.0.2.1", req, fail, 1, n);
	else
		sip_tick(&h, "192.0.2.1", "192.0.2.4", req, fail, 1, n);
	det_free(&h);
	r = det_alerts(&h, NULL);
	CU_ASSERT_EQUAL(det_alerts(&h, "sip_fraud"), r);
	a = det_first(&h, "sip_fraud", "start");
	k[0] = 0;
	if (a) {
		/* Always the client as the attacker, the server as the victim. */
		CU_ASSERT_STRING_EQUAL(a->src, "192.0.2.1");
		CU_ASSERT_STRING_EQUAL(a->dst, "192.0.2.4");
		CU_ASSERT_EQUAL(a->port, 5060);
		snprintf(k, sizeof(k), "%s", a->kind);
	}
	*kind = k;
	det_done(&h);
	return r;
}

static void test_sip_fraud(void)
{
	uint32_t reg99[XS_SIP_REQ_MAX] = {99}, reg100[XS_SIP_REQ_MAX] = {100};
	uint32_t inv[XS_SIP_REQ_MAX] = {10, 90, 0, 0};
	uint32_t nf19[XS_SIP_FAIL_MAX] = {0, 0, 19, 0}, nf20[XS_SIP_FAIL_MAX] = {0, 0, 20, 0};
	uint32_t auth20[XS_SIP_FAIL_MAX] = {18, 2, 0, 0};
	const char *k;

	/* Requests alone (an inline sensor): 100 a minute. */
	CU_ASSERT_EQUAL(sip_run(reg99, NULL, false, &k), 0);
	CU_ASSERT_EQUAL(sip_run(reg100, NULL, false, &k), 1);
	CU_ASSERT_STRING_EQUAL(k, "register_requests");
	CU_ASSERT_EQUAL(sip_run(inv, NULL, false, &k), 1);
	CU_ASSERT_STRING_EQUAL(k, "invite_requests");
	/* The server's failures, when seen: 20 a minute, and which. */
	CU_ASSERT_EQUAL(sip_run(NULL, nf19, true, &k), 0);
	CU_ASSERT_EQUAL(sip_run(NULL, nf20, true, &k), 1);
	CU_ASSERT_STRING_EQUAL(k, "extension_scan");
	CU_ASSERT_EQUAL(sip_run(NULL, auth20, true, &k), 1);
	CU_ASSERT_STRING_EQUAL(k, "password_guessing");
}

/* A sweep of servers (one OPTIONS each) is no pair's fraud; requests 70
 * ticks apart never share the window, 30 apart do. */
static void test_sip_fraud_pairs_and_window(void)
{
	uint32_t opt[XS_SIP_REQ_MAX] = {0, 0, 256, 0}, reg[XS_SIP_REQ_MAX] = {60};
	struct det h;

	det_init(&h, NULL);
	sip_tick(&h, "192.0.2.1", "198.51.100.255", opt, NULL, 256, 1);
	det_free(&h);
	CU_ASSERT_EQUAL(det_alerts(&h, NULL), 0);
	det_done(&h);

	det_init(&h, NULL);
	sip_tick(&h, "192.0.2.1", "192.0.2.4", reg, NULL, 1, 60);
	det_idle(&h, 69);
	sip_tick(&h, "192.0.2.1", "192.0.2.4", reg, NULL, 1, 60);
	det_free(&h);
	CU_ASSERT_EQUAL(det_alerts(&h, NULL), 0);
	det_done(&h);

	det_init(&h, NULL);
	sip_tick(&h, "192.0.2.1", "192.0.2.4", reg, NULL, 1, 60);
	det_idle(&h, 29);
	sip_tick(&h, "192.0.2.1", "192.0.2.4", reg, NULL, 1, 60);
	det_free(&h);
	CU_ASSERT_EQUAL(det_alerts(&h, "sip_fraud"), 1);
	CU_ASSERT_DOUBLE_EQUAL(det_first(&h, "sip_fraud", "start")->value, 120, 1e-9);
	det_done(&h);
}

static void test_schema(void)
{
	CU_ASSERT(det_schema_ok(30));
}

static const struct xs_test tests[] = {
    {"port_scan: 60 s and 10 min scales, the pace kept", test_port_scan_scales},
    {"port_scan: ACK, FIN and UDP probes; answers", test_port_scan_probes},
    {"port_scan: a finished scan ends; window edge", test_port_scan_ends},
    {"port_scan: UDP from one source port, from many", test_port_scan_udp},
    {"host_sweep: 10 s, 60 s, 10 min; client ports; ACK and UDP", test_host_sweep_scales},
    {"host_sweep: four ports of a /24 are one alert", test_host_sweep_one_alert},
    {"host_sweep: the kernel's sketch", test_host_sweep_sketch},
    {"brute_force: 10 s, 60 s, 10 min, login and other ports", test_brute_force_scales},
    {"brute_force: packets and data per connection", test_brute_force_evidence},
    {"brute_force: a web poller is not guessing", test_poller_is_not_guessing},
    {"brute_force: a wrapping single-source SYN flood", test_syn_flood_is_not_guessing},
    {"brute_force: window edge", test_brute_force_window},
    {"credential_stuffing: floors, ports, evidence", test_credential_stuffing},
    {"credential_stuffing: above a learnt baseline", test_credential_stuffing_baseline},
    {"sip_fraud: requests, failures, kind", test_sip_fraud},
    {"sip_fraud: sweeps and window edge", test_sip_fraud_pairs_and_window},
    {"every alert above matches the schema", test_schema},
};

static int suite_init(void)
{
	return det_log_open("probes");
}

static int suite_clean(void)
{
	det_log_close();
	return 0;
}

int main(void)
{
	return xs_test_main("probes", tests, sizeof(tests) / sizeof(tests[0]), suite_init,
			    suite_clean);
}
