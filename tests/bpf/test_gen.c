// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The generator program computes, frame for frame, what synth writes (the
 * same plan, interpreted in BPF and in C); and synthesised frames run
 * through the real XDP program give the exact counters the scenario
 * implies.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "names.h"
#include "scenario.h"
#include "xdp_gen.skel.h"
#include "xs_decode.h"
#include "xs_plan_of.h"
#include "xs_test.h"

static uint8_t frame[XS_GEN_FRAME_MAX], out[4096];

static const struct {
	const char *scenario, *flags;
} cases[] = {
	{ "syn_flood", "-n 3000 -S 5" },
	{ "syn_flood", "-n 1000 -s 2001:db8:a::/64 -t 2001:db8::1 -p 443 --vlan 3" },
	{ "udp_flood", "-n 1000 -p 1-1000 --payload 1" },
	{ "udp_flood", "-n 100 -s 10.0.0.1 --sport 7 -p 9" },
	{ "icmp_flood", "-n 1000 --vlan 4094" },
	{ "icmp_flood", "-n 500 -s 2001:db8:a::/100 -t 2001:db8::1" },
	{ "dns_reflection", "-n 3000" },
	{ "dns_reflection", "-n 900 -s 2001:db8:64::/112 -t 2001:db8::10 --payload 4000" },
	{ "ntp_reflection", "-n 500" },
	{ "snmp_reflection", "-n 1000 --vlan 9" },
	{ "port_scan", "-p 1-65535 -n 3000 --sport 1024-2047" },
	{ "port_scan", "-p 1-1000 -s 2001:db8:bad::66 -t 2001:db8::1" },
	{ "host_sweep", "-t 10.0.0.0/8 -n 2000 --order random" },
	{ "host_sweep", "--probe tcp -p 22 -t 2001:db8:18:1::/100 -s 2001:db8:bad::66 -n 1000" },
	{ "brute_force", "-p 2222 -n 2700" },
	{ "brute_force", "-s 2001:db8:bad::66 -t 2001:db8::1 -p 21 -n 900 --vlan 12" },
	{ "benign", "-n 3000 --vlan 100" },
	{ "benign", "-n 1500 --family 6" },
};

/* Compares the program's frame n with the plan's. Returns 1 if equal. */
static int same(struct xs_gen *g, const struct xs_plan *p, uint64_t n)
{
	int verdict, l = xs_plan_frame(p, n, frame);
	int k = xs_gen_frame(g, p, n, out, sizeof(out), &verdict);

	if (k != l || memcmp(frame, out, l) || verdict != XDP_REDIRECT) {
		printf("\n  %s frame %llu differs (len %d/%d, verdict %d)", p->scenario,
		       (unsigned long long)n, k, l, verdict);
		return 0;
	}
	return 1;
}

static void test_bpf_equals_user(void)
{
	size_t i;

	if (!xs_have_bpf())
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct xs_gen g;
		struct xs_plan p;
		uint64_t n, bad = 0;

		CU_ASSERT_FATAL(xs_plan_of(cases[i].scenario, cases[i].flags, &p) == 0);
		CU_ASSERT_FATAL(xs_gen_open_prog(&g, "lo", XS_PLAN_KINDS) == 0);
		CU_ASSERT_FATAL(xs_gen_load_plan(&g, &p) == 0);
		for (n = 0; n < p.count; n++)
			bad += !same(&g, &p, n) && bad < 5;
		/* Far into a long run: 64-bit frame numbers. */
		for (n = 0; n < 50; n++)
			bad += !same(&g, &p, 5000000000ULL + n * 7919);
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(g.skel->bss->xs_gen_st.errors, 0);
		xs_gen_close(&g);
		xs_plan_free(&p);
	}
}

/* A template shorter than the test frame, or a bad plan: counted, aborted. */
static void test_bpf_bad_plan(void)
{
	struct xs_gen g;
	struct xs_plan p;
	int verdict;

	if (!xs_have_bpf())
		return;
	CU_ASSERT_FATAL(xs_plan_of("syn_flood", "-n 10", &p) == 0);
	CU_ASSERT_FATAL(xs_gen_open_prog(&g, "lo", XS_PLAN_KINDS) == 0);
	p.cfg.unit = 0;
	CU_ASSERT_FATAL(xs_gen_load_plan(&g, &p) == 0);
	xs_gen_frame(&g, &p, 0, out, sizeof(out), &verdict);
	CU_ASSERT_EQUAL(verdict, XDP_ABORTED);
	CU_ASSERT_EQUAL(g.skel->bss->xs_gen_st.errors, 1);
	p.cfg.unit = 1;
	p.cfg.kind[0] = 7;	/* no such template: an empty one */
	CU_ASSERT_FATAL(xs_gen_load_plan(&g, &p) == 0);
	xs_gen_frame(&g, &p, 0, out, sizeof(out), &verdict);
	CU_ASSERT_EQUAL(verdict, XDP_ABORTED);
	CU_ASSERT_EQUAL(g.skel->bss->xs_gen_st.errors, 2);
	xs_gen_close(&g);
	/* A path that computes frames in userspace refuses the plan before
	 * it sends. */
	CU_ASSERT_FATAL(xs_gen_open_tx(&g, "lo", XS_PLAN_KINDS, XS_TX_PACKET) == 0);
	CU_ASSERT_EQUAL(xs_gen_load_plan(&g, &p), -EINVAL);
	p.cfg.unit = 0;
	CU_ASSERT_EQUAL(xs_gen_load_plan(&g, &p), -EINVAL);
	xs_gen_close(&g);
	xs_plan_free(&p);
}

/* The flow key of xs_abi.h, from the test decoder. */
struct flow {
	struct xs_addr src, dst;
	uint16_t sport, dport;
	uint8_t proto;
};

static int cmp_flow(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct flow));
}

static int cmp_addr(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct xs_addr));
}

struct expect {
	uint64_t flows, sources, bytes;
};

/* Runs every frame through xdpstream; counts the distinct flows and
 * sources among them on the side. */
static void run_plan(struct xs_fixture *f, const struct xs_plan *p, struct expect *e)
{
	struct flow *fl = calloc(p->count, sizeof(*fl));
	struct xs_addr *src = calloc(p->count, sizeof(*src));
	uint64_t n, nf = 0, bad = 0;

	CU_ASSERT_FATAL(fl && src);
	memset(e, 0, sizeof(*e));
	for (n = 0; n < p->count; n++) {
		int len = xs_plan_frame(p, n, frame);
		struct xs_dec d;

		bad += xs_run_frame(f, frame, len) != XDP_PASS;
		e->bytes += len;
		CU_ASSERT_FATAL(xs_decode(frame, len, &d) == 0);
		src[n] = d.src;
		/* A TCP segment with ACK does not start a flow (README). */
		if (!d.has_l4 || (d.proto == 6 && (d.tcp_flags & XS_TCP_ACK)))
			continue;
		memset(&fl[nf], 0, sizeof(fl[nf]));
		fl[nf].src = d.src;
		fl[nf].dst = d.dst;
		fl[nf].proto = d.proto;
		if (d.proto == 1 || d.proto == 58) {
			fl[nf].sport = (uint16_t)(d.icmp_type << 8);
			fl[nf].dport = (d.icmp_type == 8 || d.icmp_type == 0 || d.icmp_type == 128 ||
					d.icmp_type == 129)
					       ? d.icmp_id
					       : 0;
		} else {
			fl[nf].sport = d.sport;
			fl[nf].dport = d.dport;
		}
		nf++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	qsort(fl, nf, sizeof(*fl), cmp_flow);
	for (n = 0; n < nf; n++)
		e->flows += !n || cmp_flow(&fl[n], &fl[n - 1]);
	qsort(src, p->count, sizeof(*src), cmp_addr);
	for (n = 0; n < p->count; n++)
		e->sources += !n || cmp_addr(&src[n], &src[n - 1]);
	free(fl);
	free(src);
}

static void setup(struct xs_fixture *f)
{
	struct xs_sizes sz;

	xs_sizes_default(&sz);
	sz.dst_entries = 65536;
	sz.src_entries = 65536;
	sz.flow_entries = 262144;
	CU_ASSERT_FATAL(xs_fixture_setup(f, &sz) == 0);
}

static void test_counters_floods(void)
{
	struct xs_fixture f;
	struct xs_tick t;
	struct xs_plan p;
	struct expect e;
	const struct xs_dst_entry *d;

	if (!xs_have_bpf())
		return;
	setup(&f);
	CU_ASSERT_FATAL(xs_plan_of("syn_flood", "-n 5000 -s 10.1.0.0/16 -t 198.18.0.10 -p 8080 -S 2",
				&p) == 0);
	run_plan(&f, &p, &e);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_TCP], 5000);
	CU_ASSERT_EQUAL(t.g.bytes[XS_C_IPV4_TCP], 5000 * 54);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_TCP_SYN], 5000);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_MALFORMED], 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], e.flows);
	CU_ASSERT(e.flows > 4990);
	CU_ASSERT_EQUAL(t.nsrc, e.sources);	/* spoofed sources, one entry each */
	CU_ASSERT(e.sources > 4800);
	CU_ASSERT_EQUAL(t.ndst, 1);
	d = xs_find_dst(&t, "198.18.0.10");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->v.pkts, 5000);
	CU_ASSERT_EQUAL(d->v.syn, 5000);
	CU_ASSERT_EQUAL(d->v.synack, 0);
	CU_ASSERT_EQUAL(d->v.dport_sample, 8080);
	xs_plan_free(&p);

	CU_ASSERT_FATAL(xs_plan_of("icmp_flood", "-n 700 -s 2001:db8:a::/64 -t 2001:db8::1 --vlan 5",
				&p) == 0);
	run_plan(&f, &p, &e);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV6_ICMP], 700);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_VLAN], 700);
	CU_ASSERT_EQUAL(t.g.bytes[XS_C_IPV6_ICMP], e.bytes);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], e.flows);
	d = xs_find_dst(&t, "2001:db8::1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->v.icmp, 700);
	CU_ASSERT_EQUAL(t.nsrc, e.sources);
	xs_plan_free(&p);
	xs_fixture_teardown(&f);
}

static void test_counters_reflection(void)
{
	struct xs_fixture f;
	struct xs_tick t;
	struct xs_plan p;
	struct expect e;
	const struct xs_dst_entry *d;
	uint64_t later;

	if (!xs_have_bpf())
		return;
	setup(&f);
	CU_ASSERT_FATAL(xs_plan_of("dns_reflection", "-n 3000 -S 4", &p) == 0);
	later = 1000ULL * (p.tmpl[1].len + p.tmpl[2].len);
	run_plan(&f, &p, &e);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_UDP], 1000);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_FRAG], 2000);
	CU_ASSERT_EQUAL(t.g.bytes[XS_C_IPV4_FRAG], later);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_IP_FRAG_FIRST], 1000);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_REFLECT], 1000);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], e.flows);
	d = xs_find_dst(&t, "198.18.0.10");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(d->v.pkts, 3000);
	CU_ASSERT_EQUAL(d->v.refl_pkts, 1000);
	CU_ASSERT_EQUAL(d->v.frag, 2000);
	CU_ASSERT_EQUAL(d->v.frag_bytes, later);
	CU_ASSERT_EQUAL(d->v.bytes, e.bytes);
	xs_plan_free(&p);
	xs_fixture_teardown(&f);
}

static void test_counters_recon(void)
{
	struct xs_fixture f;
	struct xs_tick t;
	struct xs_plan p;
	struct expect e;
	const struct xs_src_entry *s;

	if (!xs_have_bpf())
		return;
	setup(&f);
	CU_ASSERT_FATAL(xs_plan_of("port_scan", "-p 1-1024", &p) == 0);
	run_plan(&f, &p, &e);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_TCP_SYN], 1024);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 1024);
	CU_ASSERT_EQUAL(e.flows, 1024);
	s = xs_find_src(&t, "203.0.113.66");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->v.syn, 1024);
	CU_ASSERT_EQUAL(t.ndst, 1);
	xs_plan_free(&p);

	CU_ASSERT_FATAL(xs_plan_of("host_sweep", "", &p) == 0);
	run_plan(&f, &p, &e);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_ICMP], 256);
	CU_ASSERT_EQUAL(t.ndst, 256);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 256);
	s = xs_find_src(&t, "203.0.113.66");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->v.icmp_echo, 256);
	xs_plan_free(&p);
	xs_fixture_teardown(&f);
}

static void test_counters_sessions(void)
{
	struct xs_fixture f;
	struct xs_tick t;
	struct xs_plan p;
	struct expect e;
	const struct xs_src_entry *s;
	const struct xs_dst_entry *d;

	if (!xs_have_bpf())
		return;
	setup(&f);
	CU_ASSERT_FATAL(xs_plan_of("brute_force", "-p 2222", &p) == 0);
	run_plan(&f, &p, &e);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_TCP], 900);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_TCP_SYN], 100);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_TCP_SYNACK], 100);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_TCP_FIN], 200);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_TCP_RST], 0);
	/* Each connection is one flow: its SYN (segments with ACK skip the
	 * flow table). */
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 100);
	CU_ASSERT_EQUAL(e.flows, 100);
	s = xs_find_src(&t, "203.0.113.66");
	d = xs_find_dst(&t, "198.18.0.10");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(s->v.syn, 100);
	CU_ASSERT_EQUAL(s->v.pkts, 500);
	CU_ASSERT_EQUAL(d->v.pkts, 500);
	CU_ASSERT_EQUAL(d->v.syn, 100);
	CU_ASSERT_EQUAL(d->v.dport_sample, 2222);
	xs_plan_free(&p);

	CU_ASSERT_FATAL(xs_plan_of("benign", "--vlan 100 -d 2", &p) == 0);
	run_plan(&f, &p, &e);
	CU_ASSERT_EQUAL_FATAL(xs_flip(&f, &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_VLAN], 600);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_UDP], 40);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV6_UDP], 40);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV4_TCP], 260);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_IPV6_TCP], 260);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_TCP_SYN], 40);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_TCP_SYNACK], 40);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_TCP_FIN], 80);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_REFLECT], 40);	/* DNS answers come from port 53 */
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], e.flows);
	CU_ASSERT_EQUAL(e.flows, 120);	/* DNS both ways and a SYN, per visit */
	CU_ASSERT_EQUAL(xs_global_total_bytes(&t.g), e.bytes);
	CU_ASSERT_EQUAL(t.g.pkts[XS_C_MALFORMED], 0);
	xs_plan_free(&p);
	xs_fixture_teardown(&f);
}

static const struct xs_test tests[] = {
	{ "generator program frames equal synth's, all scenarios", test_bpf_equals_user },
	{ "generator program aborts and counts a bad plan", test_bpf_bad_plan },
	{ "xdpstream counters: spoofed floods", test_counters_floods },
	{ "xdpstream counters: reflection with fragments", test_counters_reflection },
	{ "xdpstream counters: port scan and host sweep", test_counters_recon },
	{ "xdpstream counters: brute force and benign sessions", test_counters_sessions },
};

XS_RUN_SUITE("generator program and scenarios through xdpstream", tests)
