// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The flood family of issue 14 on synthetic ticks (tests/lib/xs_dharness):
 * synack_flood, ack_flood, volumetric's transfers, bursts (sub-tick slices)
 * for every flood rule, reflection on any source port, carpet_bombing.
 * Each threshold just under and just over, as the rule measures it (where
 * a sketch decides, "just" is one step of the sketch's estimate), and the
 * shapes that must raise one alert of the right rule or none: an iperf3
 * transfer, hping3's single-source SYN flood and its RSTs, a SYN flood's
 * backscatter, a busy server, a client of QUIC servers. Every alert is
 * validated against schema/alert.schema.json.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "names.h"
#include "xs_dharness.h"
#include "xs_test.h"

#define T0 XS_DH_T0

static FILE *jsonl;
static char jsonl_path[512];
static struct xs_dh H;	/* big: one at a time */

static struct xs_dh *init(const char *yaml)
{
	xs_dh_init(&H, yaml, jsonl);
	return &H;
}

/* The fewest items from base whose HyperLogLog estimate reaches want. */
static uint32_t hll_n_reaching(uint32_t base, double want)
{
	uint32_t n = 1;

	while (xs_dh_hll_est(base, n) < want)
		n++;
	return n;
}

static double bits_est(uint64_t b)
{
	int zeros = 64 - __builtin_popcountll(b);

	return 64 * log(64.0 / (zeros ? zeros : 1));
}

/* The fewest sources from base whose bitmap estimate reaches want. */
static uint32_t bits_n_reaching(uint32_t base, double want)
{
	uint32_t n = 1;

	while (bits_est(xs_dh_bits(base, n)) < want)
		n++;
	return n;
}

/* Out-of-state TCP into d: SYN-ACKs, ACK segments, RSTs, with their
 * sources (items base.. of the ACK/RST HyperLogLog). */
static void oos(struct xs_dst *d, uint32_t synack, uint32_t ack, uint32_t rst, uint32_t base,
		uint32_t nsrc)
{
	d->pkts += synack + ack + rst;
	d->tcp += synack + ack + rst;
	d->bytes += 60ull * (synack + ack + rst);
	d->synack += synack;
	d->ack += ack;
	d->ack_bytes += 60ull * ack;
	d->rst += rst;
	xs_dh_hll(d->hll_ack, base, nsrc);
}

/* ---- synack_flood --------------------------------------------------- */

static void test_synack_threshold(void)
{
	struct xs_dh *h = init(NULL);
	const struct xs_dh_alert *a;
	int t;

	/* 4,999 SYN-ACKs/s from 1,000 reflectors, the victim's own packets
	 * unseen (XDP on the victim). */
	for (t = 0; t < 5; t++) {
		oos(xs_dh_dst(h, "192.0.2.2"), 4999, 0, 0, 7000, 1000);
		xs_dh_tick(h);
	}
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, NULL), 0);
	/* 5,007 in the 6th: the 3-tick window holds 15,005, 5,001.7/s. */
	oos(xs_dh_dst(h, "192.0.2.2"), 5007, 0, 0, 7000, 1000);
	xs_dh_tick(h);
	CU_ASSERT_EQUAL_FATAL(xs_dh_count(h, "synack_flood", "start"), 1);
	a = xs_dh_first(h, "synack_flood", "start");
	CU_ASSERT_STRING_EQUAL(a->dst, "192.0.2.2");
	CU_ASSERT_STRING_EQUAL(a->src, "*");
	CU_ASSERT_DOUBLE_EQUAL(a->value, 15005 / 3.0, 0.01);
	CU_ASSERT_STRING_EQUAL(a->unit, "packets/s");
	CU_ASSERT_DOUBLE_EQUAL(a->ts, T0 + 6, 1e-9);
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), 1);
}

/* hping3 -SA --rand-source --flood: 150,000/s, each from a new address.
 * One alert, synack_flood: not also volumetric. */
static void test_synack_not_volumetric(void)
{
	struct xs_dh *h = init(NULL);
	int t;

	for (t = 0; t < 5; t++) {
		oos(xs_dh_dst(h, "192.0.2.2"), 150000, 0, 0, 150000 * t, 150000);
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "synack_flood", "start"), 1);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), 1);
}

/* Sources: one step of the estimate under 16, then at 16. */
static void synack_sources_case(uint32_t nsrc, int want)
{
	struct xs_dh *h = init(NULL);
	int t;

	for (t = 0; t < 3; t++) {
		oos(xs_dh_dst(h, "192.0.2.3"), 6000, 0, 0, 1000000, nsrc);
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "synack_flood", "start"), want);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), want);
}

static void test_synack_sources(void)
{
	uint32_t n = hll_n_reaching(1000000, 16);

	synack_sources_case(n - 1, 0);
	synack_sources_case(n, 1);
}

/* Only what the victim receives: SYN-ACKs must be half of its TCP
 * segments with ACK (its own connections bring their data too). */
static void synack_share_case(uint32_t ack, int want)
{
	struct xs_dh *h = init(NULL);
	int t;

	for (t = 0; t < 3; t++) {
		oos(xs_dh_dst(h, "192.0.2.4"), 6000, ack, 0, 7000, 500);
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "synack_flood", "start"), want);
}

static void test_synack_share(void)
{
	synack_share_case(6010, 0);	/* 49.96 % of the segments with ACK */
	synack_share_case(5990, 1);	/* 50.04 % */
}

/* A mirror port: the victim's own SYNs are seen, and SYN-ACKs up to them
 * are answers (whatever the share). */
static void synack_solicited_case(uint32_t victim_syn, int want)
{
	struct xs_dh *h = init(NULL);
	int t;

	for (t = 0; t < 3; t++) {
		struct xs_src *v = xs_dh_src(h, "192.0.2.5");

		oos(xs_dh_dst(h, "192.0.2.5"), 7000, 50000, 0, 7000, 500);
		v->syn = victim_syn;
		v->pkts = victim_syn + 50000;
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "synack_flood", "start"), want);
}

static void test_synack_solicited(void)
{
	synack_solicited_case(2001, 0);	/* 4,999 unsolicited/s */
	synack_solicited_case(2000, 1);	/* 5,000 */
}

/* Windows longer than every other flood rule's: the rings hold them. */
static void test_long_windows(void)
{
	struct xs_dh *h = init("rules: {synack_flood: {window_s: 20}}\n");
	int t;

	for (t = 0; t < 20; t++) {
		oos(xs_dh_dst(h, "192.0.2.2"), 5001, 0, 0, 7000, 1000);
		xs_dh_tick(h);
		CU_ASSERT_EQUAL(xs_dh_count(h, NULL, NULL), t < 19 ? 0 : 1);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL_FATAL(xs_dh_count(h, "synack_flood", "start"), 1);
	CU_ASSERT_DOUBLE_EQUAL(xs_dh_first(h, "synack_flood", "start")->value, 5001, 1e-6);
}

/* ---- ack_flood ------------------------------------------------------ */

/* Spoofed ACK segments, one per source, 4,999/s then 5,001/s. */
static void ack_rate_case(uint32_t pps, int want)
{
	struct xs_dh *h = init(NULL);
	int t;

	for (t = 0; t < 3; t++) {
		oos(xs_dh_dst(h, "192.0.2.6"), 0, pps, 0, pps * t, pps);
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "ack_flood", "start"), want);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), want);
}

static void test_ack_rate(void)
{
	ack_rate_case(4999, 0);
	ack_rate_case(5001, 1);
}

/* Packets per source: just at 2 (out of state) and just over. */
static void ack_per_source_case(uint32_t pkts, uint32_t nsrc, int want)
{
	struct xs_dh *h = init(NULL);

	oos(xs_dh_dst(h, "192.0.2.7"), 0, pkts / 2, pkts - pkts / 2, 1000, nsrc);
	xs_dh_tick(h);
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "ack_flood", "start"), want);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), want);
}

static void test_ack_per_source(void)
{
	double est = xs_dh_hll_est(1000, 9000);
	uint32_t at = (uint32_t)floor(2 * est);

	CU_ASSERT_FATAL(at >= 15000);	/* 5,000/s over the window */
	ack_per_source_case(at, 9000, 1);
	ack_per_source_case(at + 2, 9000, 0);
}

/* hping3 -S -i u10 from one host: 25,000 SYN/s, and its kernel answers
 * each SYN-ACK with a RST (source ports wrap). One alert, syn_flood, with
 * the attacker: the RSTs are neither an ACK flood nor a completed
 * handshake. */
static void test_single_source_syn_with_rsts(void)
{
	struct xs_dh *h = init(NULL);
	const struct xs_dh_alert *a;
	int t;

	for (t = 0; t < 4; t++) {
		struct xs_dst *d = xs_dh_dst(h, "192.0.2.2");
		struct xs_src *s = xs_dh_src(h, "192.0.2.1");

		d->syn = 25000;
		oos(d, 0, 0, 25000, 77, 1);
		d->pkts += 25000;
		d->tcp += 25000;
		xs_dh_hll(d->hll_src, 77, 1);
		xs_dh_hll(d->hll_dport, 80, 1);
		d->dport_sample = 80;
		s->pkts = 50000;
		s->syn = 25000;
		s->rst = 25000;
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL_FATAL(xs_dh_count(h, "syn_flood", "start"), 1);
	a = xs_dh_first(h, "syn_flood", "start");
	CU_ASSERT_STRING_EQUAL(a->src, "192.0.2.1");
	CU_ASSERT_EQUAL(a->port, 80);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), 1);
}

/* A spoofed SYN flood's victim hears RSTs from the owners of the
 * addresses it answered: backscatter, the SYN flood's, not a second
 * attack. */
static void test_syn_flood_backscatter(void)
{
	struct xs_dh *h = init(NULL);
	int t;

	for (t = 0; t < 5; t++) {
		struct xs_dst *d = xs_dh_dst(h, "192.0.2.8");

		d->syn = 20000;
		d->pkts += 20000;
		d->tcp += 20000;
		xs_dh_hll(d->hll_src, 100000 * t, 20000);
		xs_dh_hll(d->hll_dport, 443, 1);
		oos(d, 0, 0, 6000, 100000 * t, 6000);
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "syn_flood", "start"), 1);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), 1);
}

/* A busy server: 2,000 clients' connections, 25 segments each a tick.
 * At 50,000/s nothing; at 200,000/s (a botnet's ACK flood looks the same)
 * volumetric, not ack_flood: each source sends many. */
static void busy_case(uint32_t per_client, const char *want)
{
	struct xs_dh *h = init(NULL);
	int t;

	for (t = 0; t < 3; t++) {
		oos(xs_dh_dst(h, "192.0.2.9"), 0, 2000 * per_client, 0, 5, 2000);
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "ack_flood", NULL), 0);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), want ? 1 : 0);
	if (want)
		CU_ASSERT_EQUAL(xs_dh_count(h, want, "start"), 1);
}

static void test_busy_server(void)
{
	busy_case(25, NULL);
	busy_case(100, "volumetric");
}

/* ---- volumetric: transfers ------------------------------------------ */

/* iperf3: 270,000 segments/s, 4 Gbit/s, from nsrc sources. */
static void transfer_case(const char *yaml, uint32_t nsrc, int want)
{
	struct xs_dh *h = init(yaml);
	int t;

	for (t = 0; t < 5; t++) {
		struct xs_dst *d = xs_dh_dst(h, "192.0.2.7");

		oos(d, 0, 270000, 0, 1000000, nsrc);
		d->bytes = d->ack_bytes = 270000ull * 1850;
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "volumetric", "start"), want);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), want);
}

static void test_transfer(void)
{
	uint32_t n = hll_n_reaching(1000000, 16.5);

	transfer_case(NULL, 1, 0);		/* one stream */
	transfer_case(NULL, n - 1, 0);		/* estimate 15: sixteen at most */
	transfer_case(NULL, n, 1);		/* more: not a transfer */
	transfer_case("rules: {volumetric: {transfer_max_sources: 0}}\n", 1, 1);
}

/* A transfer does not hide a flood next to it: its other packets count. */
static void test_transfer_and_flood(void)
{
	struct xs_dh *h = init("rules: {icmp_flood: {enabled: false}}\n");
	int t;

	for (t = 0; t < 3; t++) {
		struct xs_dst *d = xs_dh_dst(h, "192.0.2.7");

		oos(d, 0, 270000, 0, 1000000, 1);
		d->pkts += 100000;	/* ICMP, its own rule off */
		d->icmp = 100000;
		d->icmp_bytes = 100000ull * 98;
		d->bytes += d->icmp_bytes;
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "volumetric", "start"), 1);
	CU_ASSERT_DOUBLE_EQUAL(xs_dh_first(h, "volumetric", "start")->value, 100000, 1e-6);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), 1);
}

/* ---- bursts ----------------------------------------------------------- */

/* A tick whose packets of one burst kind all fall in slice 2. */
static struct xs_dst *burst_tick(struct xs_dh *h, const char *victim, int kind, uint32_t n)
{
	struct xs_dst *d = xs_dh_dst(h, victim);

	d->pkts += n;
	d->burst[2 * XS_B_MAX + kind] = (uint16_t)n;
	return d;
}

static void udp_burst_case(uint32_t n, int want)
{
	struct xs_dh *h = init(NULL);
	const struct xs_dh_alert *a;
	struct xs_dst *d;

	xs_dh_slices(h, true);
	d = burst_tick(h, "192.0.2.20", XS_B_UDP, n);
	d->udp = n;
	d->udp_bytes = d->bytes = 342ull * n;
	xs_dh_hll(d->hll_src, 1, 1);
	xs_dh_tick(h);
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "udp_flood", "start"), want);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), want);
	if (!want)
		return;
	a = xs_dh_first(h, "udp_flood", "start");
	CU_ASSERT_DOUBLE_EQUAL(a->value, n / 0.125, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(a->threshold, 50000, 1e-9);
	CU_ASSERT_PTR_NOT_NULL(strstr(a->json, "\"burst_packets\":6250"));
}

static void test_udp_burst(void)
{
	udp_burst_case(6249, 0);	/* 49,992/s over 125 ms */
	udp_burst_case(6250, 1);	/* 50,000/s: 6,250 packets in one instant */
}

/* SYNs from 500 sources in one slice: the rate is far over 1,000/s either
 * way; the slice's packets decide. */
static void syn_burst_case(uint32_t n, int want)
{
	struct xs_dh *h = init(NULL);
	struct xs_dst *d;

	xs_dh_slices(h, true);
	d = burst_tick(h, "192.0.2.21", XS_B_SYN, n);
	d->syn = d->tcp = n;
	xs_dh_hll(d->hll_src, 100, 500);
	xs_dh_hll(d->hll_dport, 80, 1);
	xs_dh_tick(h);
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "syn_flood", "start"), want);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), want);
}

static void test_syn_burst(void)
{
	syn_burst_case(999, 0);
	syn_burst_case(1000, 1);
}

/* Slices measure real time: without slices nothing is a burst; a window
 * cut short (a late timer) never counts as shorter than a nominal one
 * (125 ms); a long slice (a late tick) counts as long as it was. */
static void slice_len_case(float len, uint32_t n, int want)
{
	struct xs_dh *h = init(NULL);
	struct xs_dst *d;

	xs_dh_slices(h, false);
	h->slice_s[0] = len;
	d = xs_dh_dst(h, "192.0.2.22");
	d->pkts = d->udp = n;
	d->burst[XS_B_UDP] = (uint16_t)n;
	xs_dh_hll(d->hll_src, 1, 1);
	xs_dh_tick(h);
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "udp_flood", "start"), want);
}

static void test_slice_lengths(void)
{
	slice_len_case(0, 60000, 0);		/* no slices: 20,000/s over 3 s */
	slice_len_case(0.05f, 6000, 0);		/* 48,000/s over a nominal window */
	slice_len_case(0.25f, 12499, 0);	/* 49,996/s */
	slice_len_case(0.25f, 12500, 1);	/* 50,000/s */
}

/* A burst that straddles two slices, or two ticks, is seen whole: rates
 * are measured over two adjacent slices (125 ms), sliding by one, and the
 * last slice of a tick pairs with the first of the next. 6,250 UDP
 * packets in all: 50,000/s. */
static void straddle_case(bool across_ticks, uint32_t n, int want)
{
	struct xs_dh *h = init(NULL);
	struct xs_dst *d;
	int t;

	xs_dh_slices(h, true);
	for (t = 0; t < 2; t++) {
		uint32_t part = t ? n - n / 2 : n / 2;

		d = xs_dh_dst(h, "192.0.2.25");
		d->pkts = d->udp = across_ticks ? part : (t ? 0 : n);
		xs_dh_hll(d->hll_src, 1, 1);
		if (across_ticks) {
			d->burst[(t ? 0 : XS_SLICES - 1) * XS_B_MAX + XS_B_UDP] = (uint16_t)part;
		} else if (!t) {
			d->burst[5 * XS_B_MAX + XS_B_UDP] = (uint16_t)(n / 2);
			d->burst[6 * XS_B_MAX + XS_B_UDP] = (uint16_t)(n - n / 2);
		}
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "udp_flood", "start"), want);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), want);
}

static void test_burst_straddles(void)
{
	straddle_case(false, 6249, 0);
	straddle_case(false, 6250, 1);
	straddle_case(true, 6249, 0);
	straddle_case(true, 6250, 1);
}

/* ICMP and volume have bursts too; the kind is the rule's. */
static void test_other_bursts(void)
{
	struct xs_dh *h = init(NULL);
	struct xs_dst *d;

	xs_dh_slices(h, true);
	d = burst_tick(h, "192.0.2.23", XS_B_ICMP, 1000);	/* 8,000/s */
	d->icmp = 1000;
	d = burst_tick(h, "192.0.2.24", XS_B_OTHER, 12500);	/* 100,000/s: GRE, say */
	xs_dh_tick(h);
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "icmp_flood", "start"), 1);
	CU_ASSERT_STRING_EQUAL(xs_dh_first(h, "icmp_flood", "start")->dst, "192.0.2.23");
	CU_ASSERT_EQUAL(xs_dh_count(h, "volumetric", "start"), 1);
	CU_ASSERT_STRING_EQUAL(xs_dh_first(h, "volumetric", "start")->dst, "192.0.2.24");
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), 2);
}

/* ---- reflection on any port ------------------------------------------ */

/* Ten ticks of UDP to a victim: udp packets, of which votes provably from
 * port, sent by nrefl sources; frag trailing fragments. */
static void any_port_case(uint16_t port, uint32_t udp, uint32_t votes, uint32_t nrefl,
			  uint32_t frag, int want)
{
	struct xs_dh *h = init(NULL);
	const struct xs_dh_alert *a;
	int t;

	for (t = 0; t < 10; t++) {
		struct xs_dst *d = xs_dh_dst(h, "192.0.2.30");

		d->pkts = udp + frag;
		d->udp = udp;
		d->udp_bytes = 1200ull * udp;
		d->frag = frag;
		d->frag_bytes = 1000ull * frag;
		d->bytes = d->udp_bytes + d->frag_bytes;
		d->uport = port;
		d->uvotes = votes;
		d->usrc = xs_dh_bits(500, nrefl);
		xs_dh_hll(d->hll_src, 500, nrefl);
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "reflection", "start"), want);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), want);
	if (!want)
		return;
	a = xs_dh_first(h, "reflection", "start");
	CU_ASSERT_STRING_EQUAL(a->dst, "192.0.2.30");
	CU_ASSERT_STRING_EQUAL(a->src, "*");
	CU_ASSERT_DOUBLE_EQUAL(a->threshold, 1000, 1e-9);
}

static void test_reflection_any_port(void)
{
	uint32_t n = bits_n_reaching(500, 20);

	/* WS-Discovery: replies and fragments, 999/s then 1,000/s. */
	any_port_case(3702, 980, 980, 200, 19, 0);
	any_port_case(3702, 980, 980, 200, 20, 1);
	/* BACnet: the port must provably carry half of the UDP. */
	any_port_case(47808, 2000, 999, 200, 0, 0);
	any_port_case(47808, 2000, 1000, 200, 0, 1);
	/* Reflectors, one step of the bitmap's estimate under 20, then 20. */
	any_port_case(3283, 5000, 5000, n - 1, 0, 0);
	any_port_case(3283, 5000, 5000, n, 0, 1);
	/* A client of many QUIC servers: never reflection. */
	any_port_case(443, 5000, 5000, 200, 0, 0);
}

/* A burst from one port: 2,000 replies in 125 ms, nothing else in ten
 * seconds (200/s over the window). */
static void test_reflection_burst(void)
{
	struct xs_dh *h = init(NULL);
	struct xs_dst *d;

	xs_dh_slices(h, true);
	d = burst_tick(h, "192.0.2.31", XS_B_UDP, 2000);
	d->udp = 2000;
	d->udp_bytes = d->bytes = 2000ull * 1200;
	d->uport = 10001;
	d->uvotes = 2000;
	d->usrc = xs_dh_bits(900, 300);
	xs_dh_hll(d->hll_src, 900, 300);
	xs_dh_tick(h);
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "reflection", "start"), 1);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), 1);
}

/* ---- carpet_bombing ---------------------------------------------------- */

/* hosts addresses of 198.51.100.0/24 (or 2001:db8:1:2::/64), pps UDP
 * packets/s each from 100 sources of its own; the first address gets
 * first_pps from 10 sources instead if first_pps is not 0. */
static void carpet_udp(struct xs_dh *h, bool v6, uint32_t hosts, uint32_t pps, uint32_t first_pps,
		       int t)
{
	uint32_t i;

	for (i = 0; i < hosts; i++) {
		char a[64];
		struct xs_dst *d;
		bool first = i == 0 && first_pps;
		uint32_t n = first ? first_pps : pps;

		if (v6)
			snprintf(a, sizeof(a), "2001:db8:1:2::%x", i + 1);
		else
			snprintf(a, sizeof(a), "198.51.100.%u", i);
		d = xs_dh_dst(h, a);
		d->pkts = d->udp = n;
		d->udp_bytes = d->bytes = 80ull * n;
		xs_dh_hll(d->hll_src, 100000 * t + 100 * i, first ? 10 : 100);
	}
}

static void test_carpet_udp(void)
{
	struct xs_dh *h = init(NULL);
	const struct xs_dh_alert *a;
	int t;

	/* hping3 --udp --rand-source --rand-dest: 64,000/s over a /24. */
	for (t = 0; t < 4; t++) {
		carpet_udp(h, false, 256, 250, 0, t);
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL_FATAL(xs_dh_count(h, "carpet_bombing", "start"), 1);
	a = xs_dh_first(h, "carpet_bombing", "start");
	CU_ASSERT_STRING_EQUAL(a->dst, "198.51.100.0");
	CU_ASSERT_STRING_EQUAL(a->prefix, "198.51.100.0/24");
	CU_ASSERT_STRING_EQUAL(a->as_rule, "udp_flood");
	CU_ASSERT_EQUAL(a->ntopdst, 4);
	/* The first tick: 64,000 over the 3 s window, from 25,600 sources:
	 * over udp_flood's spread bar (20,000/s from 64 sources or more). */
	CU_ASSERT_DOUBLE_EQUAL(a->value, 64000 / 3.0, 1e-3);
	CU_ASSERT_DOUBLE_EQUAL(a->threshold, 20000, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(a->ts, T0 + 1, 1e-9);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), 1);
}

/* 21,000/s from many sources (over udp_flood's spread bar of 20,000),
 * over 15 and 16 addresses. */
static void carpet_hosts_case(uint32_t hosts, int want)
{
	struct xs_dh *h = init(NULL);
	int t;

	for (t = 0; t < 3; t++) {
		carpet_udp(h, false, hosts, 21000 / hosts, 0, t);
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "carpet_bombing", "start"), want);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), want);
}

static void test_carpet_hosts(void)
{
	carpet_hosts_case(15, 0);
	carpet_hosts_case(16, 1);
}

/* The busiest address at 50 % of the network's packets, then just over
 * (each address under its own bars: 10 sources at the busiest, 22,800/s;
 * the network's sum over udp_flood's spread bar). Over half at one
 * address, the flood is aimed at it, not at the network: not carpet
 * bombing (and under that host's own bars, nothing). */
static void carpet_share_case(uint32_t first, int want)
{
	struct xs_dh *h = init(NULL);
	int t;

	for (t = 0; t < 3; t++) {
		carpet_udp(h, false, 20, 1200, first, t);	/* 19 x 1,200 + first */
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, "carpet_bombing", "start"), want);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), want);
}

static void test_carpet_share(void)
{
	carpet_share_case(22800, 1);	/* 22,800 of 45,600 */
	carpet_share_case(22802, 0);
}

/* An IPv6 /64: SYNs to 32 addresses, 40/s each (1,280/s), from spoofed
 * sources, answered by nobody. */
static void test_carpet_v6_syn(void)
{
	struct xs_dh *h = init(NULL);
	const struct xs_dh_alert *a;
	uint32_t i;
	int t;

	for (t = 0; t < 3; t++) {
		for (i = 0; i < 32; i++) {
			char s[64];
			struct xs_dst *d;

			snprintf(s, sizeof(s), "2001:db8:1:2::%x", 0x100 + i);
			d = xs_dh_dst(h, s);
			d->pkts = d->tcp = d->syn = 40;
			d->bytes = 40 * 74;
			xs_dh_hll(d->hll_src, 10000 * t + 40 * i, 40);
			xs_dh_hll(d->hll_dport, 443, 1);
		}
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL_FATAL(xs_dh_count(h, "carpet_bombing", "start"), 1);
	a = xs_dh_first(h, "carpet_bombing", "start");
	CU_ASSERT_STRING_EQUAL(a->dst, "2001:db8:1:2::");
	CU_ASSERT_STRING_EQUAL(a->prefix, "2001:db8:1:2::/64");
	CU_ASSERT_STRING_EQUAL(a->as_rule, "syn_flood");
	CU_ASSERT_STRING_EQUAL(a->unit, "SYN/s");
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, "start"), 1);
}

/* A busy network is not carpet bombed: 64 servers with 20,000 segments/s
 * each of their clients' connections (1.28 M/s, 500 clients each). */
static void test_carpet_busy_network(void)
{
	struct xs_dh *h = init(NULL);
	uint32_t i;
	int t;

	for (t = 0; t < 3; t++) {
		for (i = 0; i < 64; i++) {
			char s[32];

			snprintf(s, sizeof(s), "198.51.100.%u", i + 1);
			oos(xs_dh_dst(h, s), 0, 20000, 0, 1000 * i, 500);
		}
		xs_dh_tick(h);
	}
	xs_dh_free(h);
	CU_ASSERT_EQUAL(xs_dh_count(h, NULL, NULL), 0);
}

static void test_schema(void)
{
	fflush(jsonl);
	CU_ASSERT_EQUAL(xs_sh("python3 tests/tools/check_alerts.py schema/alert.schema.json %s "
			      "--min-alerts 20 >&2",
			      jsonl_path),
			0);
}

static const struct xs_test tests[] = {
	{ "synack_flood: just under and just over", test_synack_threshold },
	{ "synack_flood: hping3 -SA, not also volumetric", test_synack_not_volumetric },
	{ "synack_flood: sources", test_synack_sources },
	{ "synack_flood: share of the segments with ACK", test_synack_share },
	{ "synack_flood: the victim's own SYNs", test_synack_solicited },
	{ "synack_flood: a 20 s window", test_long_windows },
	{ "ack_flood: rate", test_ack_rate },
	{ "ack_flood: packets per source", test_ack_per_source },
	{ "one source's SYNs and its RSTs: syn_flood only", test_single_source_syn_with_rsts },
	{ "a SYN flood's RST backscatter: syn_flood only", test_syn_flood_backscatter },
	{ "a busy server: not ack_flood", test_busy_server },
	{ "volumetric: transfers", test_transfer },
	{ "volumetric: a transfer next to a flood", test_transfer_and_flood },
	{ "bursts: UDP", test_udp_burst },
	{ "bursts: SYN, the slice's packets", test_syn_burst },
	{ "bursts: slice lengths", test_slice_lengths },
	{ "bursts: across slices and ticks", test_burst_straddles },
	{ "bursts: ICMP and volume", test_other_bursts },
	{ "reflection: any source port", test_reflection_any_port },
	{ "reflection: a burst from one port", test_reflection_burst },
	{ "carpet_bombing: UDP over a /24", test_carpet_udp },
	{ "carpet_bombing: hosts", test_carpet_hosts },
	{ "carpet_bombing: the busiest host's share", test_carpet_share },
	{ "carpet_bombing: SYNs over an IPv6 /64", test_carpet_v6_syn },
	{ "carpet_bombing: a busy network", test_carpet_busy_network },
	{ "every alert above matches the schema", test_schema },
};

static int suite_init(void)
{
	snprintf(jsonl_path, sizeof(jsonl_path), "%s/test-alerts-floods-%d.jsonl", xs_build_dir(),
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
	return xs_test_main("floods", tests, sizeof(tests) / sizeof(tests[0]), suite_init,
			    suite_clean);
}
