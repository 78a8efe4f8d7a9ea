// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Scenarios produce exactly the frames intended: counts, addresses, ports,
 * flags, timestamps, fragments without a UDP header, VLAN tags, IPv6, valid
 * checksums. Judged by a separate decoder (tests/lib/xs_decode.c) and by
 * libpcap's filter compiler; `synth` captures read back identical.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "pcapio.h"
#include "scenario.h"
#include "xs_decode.h"
#include "xs_plan_of.h"
#include "xs_pcapf.h"
#include "xs_test.h"

static uint8_t frame[XS_GEN_FRAME_MAX];

static struct xs_dec dec(const struct xs_plan *p, uint64_t n)
{
	struct xs_dec d;
	int len = xs_plan_frame(p, n, frame);

	if (xs_decode(frame, len, &d))
		d.len = -1;
	return d;
}

/* Frames of the plan that match a libpcap filter. */
static uint64_t count_filter(const struct xs_plan *p, const char *expr)
{
	struct xs_pcapf *f = xs_pcapf_new(expr);
	uint64_t n, hits = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (n = 0; n < p->count; n++) {
		int len = xs_plan_frame(p, n, frame);

		hits += xs_pcapf_match(f, frame, len);
	}
	xs_pcapf_free(f);
	return hits;
}

/* Every frame has valid IPv4 header and L4 checksums (unfragmented). */
static uint64_t count_bad_csum(const struct xs_plan *p)
{
	uint64_t n, bad = 0;

	for (n = 0; n < p->count; n++) {
		struct xs_dec d = dec(p, n);

		bad += d.len < 0 || !d.ip_ok || (!d.frag && d.l4_ok != 1);
	}
	return bad;
}

static const char *truth(const struct xs_plan *p)
{
	static char b[200];

	return xs_label_str(&p->label, b, sizeof(b));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_syn_flood(void)
{
	static uint8_t seen_src[65536];
	static uint64_t pairs[20000];
	struct xs_plan p, q;
	uint64_t n, distinct = 0, dpairs = 0;

	CU_ASSERT_FATAL(xs_plan_of("syn_flood", "-n 20000 -s 10.1.0.0/16 -t 198.18.0.10 -p 8080 -S 7 "
					     "-r 50000",
				&p) == 0);
	CU_ASSERT_EQUAL(p.count, 20000);
	CU_ASSERT_EQUAL(p.rate, 50000);
	CU_ASSERT_STRING_EQUAL(truth(&p), "syn_flood:*>198.18.0.10");
	CU_ASSERT_STRING_EQUAL(p.label.forbid, "port_scan;host_sweep;brute_force");
	CU_ASSERT_EQUAL(count_filter(&p, "ip and src net 10.1.0.0/16 and dst host 198.18.0.10 and "
					 "tcp dst port 8080 and tcp[tcpflags] == tcp-syn and "
					 "tcp src portrange 1024-65535 and len == 54"),
			20000);
	CU_ASSERT_EQUAL(count_bad_csum(&p), 0);
	/* Spoofed sources really vary: 20,000 draws from 65,536 addresses
	 * give ~17,100 distinct ones; source ports make the flows distinct. */
	memset(seen_src, 0, sizeof(seen_src));
	for (n = 0; n < p.count; n++) {
		struct xs_dec d = dec(&p, n);
		uint32_t a = xs_dec_low32(&d.src);

		distinct += !seen_src[a & 0xffff]++;
		pairs[n] = (uint64_t)a << 16 | d.sport;
	}
	qsort(pairs, p.count, sizeof(pairs[0]), cmp_u64);
	for (n = 0; n < p.count; n++)
		dpairs += !n || pairs[n] != pairs[n - 1];
	CU_ASSERT(distinct > 16500 && distinct < 17700);
	CU_ASSERT(dpairs > 19990);
	/* Evenly spaced at 1/rate. */
	CU_ASSERT_EQUAL(xs_plan_time_ns(&p, 0), 0);
	CU_ASSERT_EQUAL(xs_plan_time_ns(&p, 1), 20000);
	CU_ASSERT_EQUAL(xs_plan_time_ns(&p, 12345), 12345ULL * 20000);
	CU_ASSERT_EQUAL(xs_plan_duration_ns(&p), 400000000ULL);
	/* The seed decides everything: the same seed, the same frames. */
	CU_ASSERT_FATAL(xs_plan_of("syn_flood", "-n 20000 -s 10.1.0.0/16 -t 198.18.0.10 -p 8080 -S 7",
				&q) == 0);
	for (n = 0; n < 1000; n++) {
		uint8_t a[XS_GEN_FRAME_MAX];
		int la = xs_plan_frame(&p, n, a), lb = xs_plan_frame(&q, n, frame);

		CU_ASSERT(la == lb && !memcmp(a, frame, la));
	}
	xs_plan_free(&q);
	CU_ASSERT_FATAL(xs_plan_of("syn_flood", "-n 10 -s 10.1.0.0/16 -S 8", &q) == 0);
	{
		uint8_t a[XS_GEN_FRAME_MAX];

		xs_plan_frame(&p, 0, a);
		xs_plan_frame(&q, 0, frame);
		CU_ASSERT(memcmp(a, frame, 54) != 0);
	}
	xs_plan_free(&q);
	xs_plan_free(&p);
}

/* --order: every source of --src once per pass, so any run of |src|
 * packets holds each exactly once (the fleet's ground truth). */
static void test_flood_order(void)
{
	static uint8_t seen[4096];
	struct xs_plan p;
	uint64_t n, start, in_order = 0;
	const char *orders[] = { "random", "seq" };
	int o;

	for (o = 0; o < 2; o++) {
		char args[160];

		snprintf(args, sizeof(args), "-n 20000 -s 10.0.16.0/20 -t 198.18.0.20 -S 3 --order %s",
			 orders[o]);
		CU_ASSERT_FATAL(xs_plan_of("syn_flood", args, &p) == 0);
		for (start = 0; start < 20000 - 4096; start += 3001) {
			uint64_t distinct = 0;

			memset(seen, 0, sizeof(seen));
			for (n = start; n < start + 4096; n++) {
				struct xs_dec d = dec(&p, n);
				uint32_t a = xs_dec_low32(&d.src);

				CU_ASSERT((a >> 12) == (0x0a001000u >> 12));
				distinct += !seen[a & 4095]++;
				in_order += o == 1 && n && (a & 4095) == n % 4096;
			}
			CU_ASSERT_EQUAL(distinct, 4096);
		}
		xs_plan_free(&p);
	}
	CU_ASSERT(in_order > 4 * 4000);	/* seq: ascending, wrapping */
}

static void test_udp_icmp_floods(void)
{
	struct xs_plan p;
	uint64_t n;
	int ports[8] = {}, i, all = 1;

	CU_ASSERT_FATAL(xs_plan_of("udp_flood", "-n 2000 -s 2001:db8:a::/64 -t 2001:db8::1 -p 53-60 "
					     "--payload 100",
				&p) == 0);
	CU_ASSERT_EQUAL(count_filter(&p, "ip6 and udp and dst host 2001:db8::1 and dst portrange "
					 "53-60 and src net 2001:db8:a::/64 and len == 162"),
			2000);
	CU_ASSERT_EQUAL(count_bad_csum(&p), 0);
	for (n = 0; n < p.count; n++) {
		struct xs_dec d = dec(&p, n);

		ports[d.dport - 53]++;
		/* Only the last 32 bits of a /64 vary. */
		CU_ASSERT(!memcmp(d.src.a, p.tmpl[0].frame + 14 + 8, 12));
	}
	for (i = 0; i < 8; i++)
		all &= ports[i] > 150;
	CU_ASSERT(all);
	CU_ASSERT_STRING_EQUAL(truth(&p), "udp_flood:*>2001:db8::1");
	xs_plan_free(&p);

	/* One source: the attacker is named. */
	CU_ASSERT_FATAL(xs_plan_of("udp_flood", "-n 10 -s 10.0.0.1", &p) == 0);
	CU_ASSERT_STRING_EQUAL(truth(&p), "udp_flood:10.0.0.1>198.18.0.10");
	CU_ASSERT_EQUAL(p.cfg.nfields, 2);	/* ports only */
	xs_plan_free(&p);

	CU_ASSERT_FATAL(xs_plan_of("icmp_flood", "-n 1000 --vlan 42", &p) == 0);
	CU_ASSERT_EQUAL(count_filter(&p, "vlan 42 and icmp[icmptype] == icmp-echo and dst host "
					 "198.18.0.10 and src net 10.0.0.0/8"),
			1000);
	CU_ASSERT_EQUAL(count_bad_csum(&p), 0);
	for (n = 0; n < p.count; n++)
		CU_ASSERT_EQUAL(dec(&p, n).icmp_seq, n);
	xs_plan_free(&p);

	CU_ASSERT_FATAL(xs_plan_of("icmp_flood", "-n 100 -t 2001:db8::5", &p) == 0);
	CU_ASSERT_EQUAL(count_filter(&p, "icmp6 and ip6[40] == 128 and dst host 2001:db8::5"), 100);
	CU_ASSERT_EQUAL(count_bad_csum(&p), 0);
	xs_plan_free(&p);
}

/* Reassembles the fragments of reply r (frames r*k..) and checks them. */
static void check_reply(const struct xs_plan *p, uint64_t r, int k, int udp_len)
{
	static uint8_t dgram[9216];
	struct xs_dec first = dec(p, r * k);
	int i, got = 0;

	CU_ASSERT(first.has_l4 && first.proto == 17 && (k == 1 || first.mf));
	for (i = 0; i < k; i++) {
		int len = xs_plan_frame(p, r * k + i, frame);
		struct xs_dec d;

		CU_ASSERT_FATAL(xs_decode(frame, len, &d) == 0);
		CU_ASSERT(d.ip_ok);
		CU_ASSERT(!memcmp(&d.src, &first.src, sizeof(d.src)));
		CU_ASSERT(d.v4 ? d.ip_id == first.ip_id : d.frag_id == first.frag_id);
		CU_ASSERT_EQUAL(d.mf, i + 1 < k);
		CU_ASSERT_EQUAL(d.has_l4, i == 0);
		CU_ASSERT_EQUAL(d.frag_off, got);
		memcpy(dgram + got, frame + d.l4, len - d.l4);
		got += len - d.l4;
	}
	CU_ASSERT_EQUAL(got, udp_len);
	CU_ASSERT(xs_dec_l4_valid(&first, dgram, got));
	CU_ASSERT_EQUAL(dgram[4] << 8 | dgram[5], udp_len);
}

static void test_dns_reflection(void)
{
	struct xs_plan p;
	uint64_t r;

	CU_ASSERT_FATAL(xs_plan_of("dns_reflection", "-n 3000 -t 198.18.0.10 -S 3", &p) == 0);
	CU_ASSERT_EQUAL(p.cfg.unit, 3);
	CU_ASSERT_STRING_EQUAL(truth(&p), "reflection:*>198.18.0.10");
	/* libpcap sees ports only in first fragments. */
	CU_ASSERT_EQUAL(count_filter(&p, "udp src port 53 and dst host 198.18.0.10 and src net "
					 "100.64.0.0/16 and ip[6:2] & 0x2000 != 0"),
			1000);
	CU_ASSERT_EQUAL(count_filter(&p, "ip[6:2] & 0x1fff != 0 and ip proto 17"), 2000);
	CU_ASSERT_EQUAL(count_filter(&p, "ip[6:2] & 0x1fff != 0 and ip[6:2] & 0x2000 == 0"), 1000);
	for (r = 0; r < 1000; r++) {
		check_reply(&p, r, 3, 3008);
		CU_ASSERT_EQUAL(dec(&p, r * 3).ip_id, r);
	}
	/* The reply is a DNS response: QR set, one question. */
	xs_plan_frame(&p, 0, frame);
	CU_ASSERT_EQUAL(frame[42 + 2] << 8 | frame[42 + 3], 0x8180);
	CU_ASSERT_EQUAL(frame[42 + 4] << 8 | frame[42 + 5], 1);
	xs_plan_free(&p);

	/* A count that ends inside a reply stops there. */
	CU_ASSERT_FATAL(xs_plan_of("dns_reflection", "-n 10", &p) == 0);
	CU_ASSERT_EQUAL(p.count, 10);
	CU_ASSERT_EQUAL(count_filter(&p, "udp src port 53"), 4);
	xs_plan_free(&p);

	/* IPv6: a fragment header, the same identification per reply. */
	CU_ASSERT_FATAL(xs_plan_of("dns_reflection", "-n 300 -s 2001:db8:64::/112 -t 2001:db8::10",
				&p) == 0);
	CU_ASSERT_EQUAL(p.cfg.unit, 3);
	CU_ASSERT_EQUAL(count_filter(&p, "ip6 and ip6[6] == 44 and dst host 2001:db8::10"), 300);
	for (r = 0; r < 100; r++) {
		check_reply(&p, r, 3, 3008);
		CU_ASSERT_EQUAL(dec(&p, r * 3).frag_id, r);
	}
	xs_plan_free(&p);
}

static void test_ntp_snmp_reflection(void)
{
	struct xs_plan p;
	uint64_t r;

	CU_ASSERT_FATAL(xs_plan_of("ntp_reflection", "-n 500", &p) == 0);
	CU_ASSERT_EQUAL(p.cfg.unit, 1);
	CU_ASSERT_EQUAL(count_filter(&p, "udp src port 123 and len == 482 and udp[8] == 0xd7"), 500);
	CU_ASSERT_EQUAL(count_bad_csum(&p), 0);
	xs_plan_free(&p);

	CU_ASSERT_FATAL(xs_plan_of("snmp_reflection", "-n 500 --vlan 9", &p) == 0);
	CU_ASSERT_EQUAL(p.cfg.unit, 2);
	CU_ASSERT_EQUAL(count_filter(&p, "vlan 9 and udp src port 161 and len == 1518"), 250);
	CU_ASSERT_EQUAL(count_filter(&p, "vlan 9 and ip[6:2] & 0x1fff == 185 and len == 966"), 250);
	for (r = 0; r < 250; r++)
		check_reply(&p, r, 2, 2408);
	xs_plan_free(&p);
}

static void test_port_scan(void)
{
	static int hits[65536];
	struct xs_plan p;
	uint64_t n;
	int ascending = 1, once = 1, i;

	CU_ASSERT_FATAL(xs_plan_of("port_scan", "-p 1-1024 -t 198.18.0.10", &p) == 0);
	CU_ASSERT_EQUAL(p.count, 1024);	/* one pass */
	CU_ASSERT_EQUAL(p.rate, 1000);
	CU_ASSERT_STRING_EQUAL(truth(&p), "port_scan:203.0.113.66>198.18.0.10");
	CU_ASSERT_EQUAL(count_filter(&p, "tcp[tcpflags] == tcp-syn and src host 203.0.113.66 and "
					 "src port 47001 and dst host 198.18.0.10 and "
					 "dst portrange 1-1024"),
			1024);
	CU_ASSERT_EQUAL(count_bad_csum(&p), 0);
	memset(hits, 0, sizeof(hits));
	for (n = 0; n < p.count; n++) {
		struct xs_dec d = dec(&p, n);

		hits[d.dport]++;
		if (n && d.dport < dec(&p, n - 1).dport)
			ascending = 0;
	}
	for (i = 1; i <= 1024; i++)
		once &= hits[i] == 1;
	CU_ASSERT(once);
	CU_ASSERT(!ascending);	/* random order by default */
	CU_ASSERT_EQUAL(xs_plan_time_ns(&p, 500), 500000000ULL);
	xs_plan_free(&p);

	/* In order, two passes. */
	CU_ASSERT_FATAL(xs_plan_of("port_scan", "-p 100-199 --order seq -n 200 -r 2000", &p) == 0);
	for (n = 0; n < p.count; n++)
		CU_ASSERT_EQUAL(dec(&p, n).dport, 100 + n % 100);
	xs_plan_free(&p);

	/* One scanner only. */
	CU_ASSERT_EQUAL(xs_plan_of("port_scan", "-s 10.0.0.0/8", &p), XS_EXIT_USAGE);
	CU_ASSERT_EQUAL(xs_plan_of("port_scan", "-t 10.0.0.0/24", &p), XS_EXIT_USAGE);
}

static void test_host_sweep(void)
{
	static int hits[1024];
	struct xs_plan p;
	uint64_t n;
	int once = 1, inorder = 1, i;

	CU_ASSERT_FATAL(xs_plan_of("host_sweep", "", &p) == 0);
	CU_ASSERT_EQUAL(p.count, 256);
	CU_ASSERT_STRING_EQUAL(truth(&p), "host_sweep:203.0.113.66>*");
	CU_ASSERT_EQUAL(count_filter(&p, "icmp[icmptype] == icmp-echo and src host 203.0.113.66 "
					 "and dst net 198.18.1.0/24"),
			256);
	CU_ASSERT_EQUAL(count_bad_csum(&p), 0);
	for (n = 0; n < p.count; n++) {
		struct xs_dec d = dec(&p, n);

		CU_ASSERT_EQUAL(xs_dec_low32(&d.dst), (198u << 24 | 18 << 16 | 1 << 8) + n);
		CU_ASSERT_EQUAL(d.icmp_seq, n);
		CU_ASSERT_EQUAL(d.icmp_id, dec(&p, 0).icmp_id);
	}
	xs_plan_free(&p);

	CU_ASSERT_FATAL(xs_plan_of("host_sweep", "--probe tcp -p 443 --order random -t 10.9.0.0/22",
				&p) == 0);
	CU_ASSERT_EQUAL(p.count, 1024);
	CU_ASSERT_EQUAL(count_filter(&p, "tcp[tcpflags] == tcp-syn and dst port 443 and dst net "
					 "10.9.0.0/22"),
			1024);
	memset(hits, 0, sizeof(hits));
	for (n = 0; n < p.count; n++) {
		struct xs_dec d = dec(&p, n);
		uint32_t h = xs_dec_low32(&d.dst) & 1023;

		hits[h]++;
		inorder &= h == n;
	}
	for (i = 0; i < 1024; i++)
		once &= hits[i] == 1;
	CU_ASSERT(once);
	CU_ASSERT(!inorder);
	CU_ASSERT_EQUAL(count_bad_csum(&p), 0);
	xs_plan_free(&p);

	CU_ASSERT_FATAL(xs_plan_of("host_sweep", "-t 2001:db8:18:1::/120 -s 2001:db8:bad::66", &p) == 0);
	CU_ASSERT_EQUAL(count_filter(&p, "icmp6 and ip6[40] == 128 and src host 2001:db8:bad::66"),
			256);
	CU_ASSERT_EQUAL(count_bad_csum(&p), 0);
	xs_plan_free(&p);

	CU_ASSERT_EQUAL(xs_plan_of("host_sweep", "-p 80", &p), XS_EXIT_USAGE);
	CU_ASSERT_EQUAL(xs_plan_of("host_sweep", "-t 198.18.1.1", &p), XS_EXIT_USAGE);
}

static void test_brute_force(void)
{
	static const uint8_t flags[9] = { 0x02, 0x12, 0x10, 0x18, 0x18, 0x18, 0x11, 0x11, 0x10 };
	struct xs_plan p;
	uint64_t c;
	int i;

	CU_ASSERT_FATAL(xs_plan_of("brute_force", "-p 2222", &p) == 0);
	CU_ASSERT_EQUAL(p.cfg.unit, 9);
	CU_ASSERT_EQUAL(p.count, 900);	/* 100 connections */
	CU_ASSERT_STRING_EQUAL(truth(&p), "brute_force:203.0.113.66>198.18.0.10");
	CU_ASSERT_EQUAL(count_filter(&p, "tcp port 2222 and host 203.0.113.66 and host "
					 "198.18.0.10"),
			900);
	CU_ASSERT_EQUAL(count_filter(&p, "tcp[tcpflags] == tcp-syn and dst port 2222"), 100);
	CU_ASSERT_EQUAL(count_bad_csum(&p), 0);
	for (c = 0; c < 100; c++) {
		struct xs_dec f[9];

		for (i = 0; i < 9; i++) {
			f[i] = dec(&p, c * 9 + i);
			CU_ASSERT_EQUAL(f[i].tcp_flags, flags[i]);
			/* Client to server on even steps but the server's. */
			CU_ASSERT_EQUAL(f[i].dport == 2222, !(i == 1 || i == 3 || i == 5 || i == 7));
			CU_ASSERT_EQUAL(f[i].dport == 2222 ? f[i].sport : f[i].dport, 40000 + c);
		}
		CU_ASSERT_EQUAL(f[1].ack, f[0].seq + 1);
		CU_ASSERT_EQUAL(f[2].seq, f[0].seq + 1);
		CU_ASSERT_EQUAL(f[2].ack, f[1].seq + 1);
		CU_ASSERT_EQUAL(f[4].seq, f[0].seq + 1);
		CU_ASSERT_EQUAL(f[4].ack, f[3].seq + f[3].data_len);
		CU_ASSERT_EQUAL(f[5].ack, f[4].seq + f[4].data_len);
		CU_ASSERT_EQUAL(f[6].seq, f[4].seq + f[4].data_len);
		CU_ASSERT_EQUAL(f[7].ack, f[6].seq + 1);
		CU_ASSERT_EQUAL(f[8].ack, f[7].seq + 1);
		CU_ASSERT(c == 0 || f[0].seq != dec(&p, (c - 1) * 9).seq);
	}
	xs_plan_free(&p);
	CU_ASSERT_EQUAL(xs_plan_of("brute_force", "-p 20-22", &p), XS_EXIT_USAGE);
}

static void test_benign(void)
{
	static uint32_t clients[64];
	struct xs_plan p;
	uint64_t v, n;
	int nclients = 0, i;

	CU_ASSERT_FATAL(xs_plan_of("benign", "--vlan 100 -d 2", &p) == 0);
	CU_ASSERT_EQUAL(p.cfg.unit, 30);
	CU_ASSERT_EQUAL(p.count, 600);
	CU_ASSERT_STRING_EQUAL(truth(&p), "none");
	CU_ASSERT_STRING_EQUAL(p.label.forbid, "*");
	CU_ASSERT_EQUAL(count_filter(&p, "vlan 100"), 600);
	CU_ASSERT_EQUAL(count_filter(&p, "vlan 100 and ip"), 300);
	CU_ASSERT_EQUAL(count_filter(&p, "vlan 100 and ip6"), 300);
	CU_ASSERT_EQUAL(count_filter(&p, "vlan 100 and udp port 53"), 80);
	/* libpcap reads TCP flags of IPv4 only: IPv6's by offset. */
	CU_ASSERT_EQUAL(count_filter(&p, "vlan 100 and ip and tcp port 443 and tcp[tcpflags] & "
					 "tcp-syn != 0"),
			40);
	CU_ASSERT_EQUAL(count_filter(&p, "vlan 100 and ip6 and tcp port 443 and ip6[6] == 6 and "
					 "ip6[53] & 2 != 0"),
			40);
	CU_ASSERT_EQUAL(count_filter(&p, "vlan 100 and (src net 172.16.0.0/16 or dst net "
					 "172.16.0.0/16 or src net 2001:db8:c::/64 or dst net "
					 "2001:db8:c::/64)"),
			600);
	CU_ASSERT_EQUAL(count_bad_csum(&p), 0);
	for (v = 0; v < 20; v++) {
		for (i = 0; i < 2; i++) {
			uint64_t b = v * 30 + i * 15;
			struct xs_dec q = dec(&p, b), r = dec(&p, b + 1), syn = dec(&p, b + 2),
				      sa = dec(&p, b + 3);

			/* The answer matches the question; the handshake holds. */
			CU_ASSERT(!memcmp(&q.src, &r.dst, sizeof(q.src)));
			CU_ASSERT_EQUAL(q.sport, r.dport);
			CU_ASSERT_EQUAL(syn.tcp_flags, XS_TCP_SYN);
			CU_ASSERT_EQUAL(sa.ack, syn.seq + 1);
			CU_ASSERT(!memcmp(&syn.src, &q.src, sizeof(q.src)));
			CU_ASSERT(syn.sport >= 49152);
			CU_ASSERT(q.sport >= 32768 && q.sport <= 60999);
		}
		struct xs_dec d = dec(&p, v * 30);

		n = xs_dec_low32(&d.src);
		for (i = 0; i < nclients && clients[i] != n; i++)
			;
		if (i == nclients)
			clients[nclients++] = (uint32_t)n;
	}
	CU_ASSERT(nclients >= 19);	/* 20 visits from a /16 */
	xs_plan_free(&p);

	CU_ASSERT_FATAL(xs_plan_of("benign", "--family 6 -n 150", &p) == 0);
	CU_ASSERT_EQUAL(p.cfg.unit, 15);
	CU_ASSERT_EQUAL(count_filter(&p, "ip6"), 150);
	xs_plan_free(&p);
	CU_ASSERT_EQUAL(xs_plan_of("benign", "--family 4 -s 2001:db8::/64", &p), XS_EXIT_USAGE);
}

static void test_params(void)
{
	struct xs_plan p;

	/* --count wins over --duration; a duration makes whole units. */
	CU_ASSERT_FATAL(xs_plan_of("syn_flood", "-r 1000 -d 2.5", &p) == 0);
	CU_ASSERT_EQUAL(p.count, 2500);
	xs_plan_free(&p);
	CU_ASSERT_FATAL(xs_plan_of("syn_flood", "-r 1000 -d 2.5 -n 7", &p) == 0);
	CU_ASSERT_EQUAL(p.count, 7);
	xs_plan_free(&p);
	CU_ASSERT_FATAL(xs_plan_of("dns_reflection", "-r 1000 -d 0.01", &p) == 0);
	CU_ASSERT_EQUAL(p.count, 12);
	xs_plan_free(&p);
	CU_ASSERT_EQUAL(xs_plan_of("syn_flood", "-t 198.18.0.0/24", &p), XS_EXIT_USAGE);
	CU_ASSERT_EQUAL(xs_plan_of("syn_flood", "-s 10.0.0.0/8 -t 2001:db8::1", &p), XS_EXIT_USAGE);
	CU_ASSERT_EQUAL(xs_plan_of("syn_flood", "-r 0", &p), -1);
	CU_ASSERT_EQUAL(xs_plan_of("syn_flood", "-s 10.0.0.0/33", &p), -1);
	CU_ASSERT_EQUAL(xs_plan_of("syn_flood", "-p 90-80", &p), -1);
}

/* What synth writes reads back through libpcap frame for frame. */
static void test_synth_roundtrip(void)
{
	char path[128], out[8192];
	struct xs_pcap_in *in;
	struct xs_plan p;
	json_t *j, *seg;
	const uint8_t *data;
	uint32_t caplen, len;
	uint64_t ts, n = 0, bad = 0;
	int st;

	snprintf(path, sizeof(path), "%s/synth.pcap", xs_tmpdir());
	st = xs_sh_out(out, sizeof(out),
		       "%s/xdpstream synth syn_flood -n 5000 -S 9 -r 20000 -o %s --json",
		       xs_build_dir(), path);
	CU_ASSERT_EQUAL_FATAL(st, 0);
	j = json_loads(out, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "frames")), 5000);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "bytes")), 5000 * 54);
	seg = json_array_get(json_object_get(j, "segments"), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(seg, "truth")),
			       "syn_flood:*>198.18.0.10");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(seg, "kinds"),
							   "tcp_syn")),
			5000);
	json_decref(j);

	CU_ASSERT_FATAL(xs_plan_of("syn_flood", "-n 5000 -S 9 -r 20000", &p) == 0);
	in = xs_pcap_in_open(path, out, sizeof(out));
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	while (xs_pcap_in_next(in, &data, &caplen, &len, &ts) == 1) {
		int l = xs_plan_frame(&p, n, frame);

		bad += caplen != (uint32_t)l || len != (uint32_t)l || memcmp(data, frame, l) ||
		       ts != 1704067200ULL * 1000000000ULL + xs_plan_time_ns(&p, n);
		n++;
	}
	CU_ASSERT_EQUAL(n, 5000);
	CU_ASSERT_EQUAL(bad, 0);
	xs_pcap_in_close(in);
	xs_plan_free(&p);
	unlink(path);
}

/* Segments: one after another with a gap, or at a set time; merged by time. */
static void test_synth_segments(void)
{
	struct xs_plan pl[3];
	uint64_t start[3] = { 0, 1500000000ULL, 200000000ULL }, idx[3] = {}, n = 0, bad = 0;
	uint64_t prev = 0, ts;
	char path[128], out[8192];
	struct xs_pcap_in *in;
	const uint8_t *data;
	uint32_t caplen, len;
	json_t *j, *segs;
	int st, i;

	snprintf(path, sizeof(path), "%s/story.pcap", xs_tmpdir());
	st = xs_sh_out(out, sizeof(out),
		       "%s/xdpstream synth benign -d 1 + port_scan -p 1-100 --gap 0.5 + syn_flood "
		       "-n 1000 --at 0.2 -o %s --start 1000 --json",
		       xs_build_dir(), path);
	CU_ASSERT_EQUAL_FATAL(st, 0);
	j = json_loads(out, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "frames")), 300 + 100 + 1000);
	segs = json_object_get(j, "segments");
	CU_ASSERT_EQUAL(json_array_size(segs), 3);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(json_array_get(segs, 1),
								"start_s")),
			       1.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(json_array_get(segs, 2), "start_s")),
			       0.2, 1e-9);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(segs, 1), "truth")),
			       "port_scan:203.0.113.66>198.18.0.10");
	json_decref(j);

	CU_ASSERT_FATAL(xs_plan_of("benign", "-d 1", &pl[0]) == 0);
	CU_ASSERT_FATAL(xs_plan_of("port_scan", "-p 1-100", &pl[1]) == 0);
	CU_ASSERT_FATAL(xs_plan_of("syn_flood", "-n 1000", &pl[2]) == 0);
	in = xs_pcap_in_open(path, out, sizeof(out));
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	while (xs_pcap_in_next(in, &data, &caplen, &len, &ts) == 1) {
		uint64_t t = ts - 1000ULL * 1000000000ULL;
		int found = 0;

		/* The next frame of some segment, at its time. */
		for (i = 0; i < 3 && !found; i++) {
			int l;

			if (idx[i] >= pl[i].count ||
			    start[i] + xs_plan_time_ns(&pl[i], idx[i]) != t)
				continue;
			l = xs_plan_frame(&pl[i], idx[i], frame);
			if (l == (int)caplen && !memcmp(frame, data, l)) {
				idx[i]++;
				found = 1;
			}
		}
		bad += !found || ts < prev;
		prev = ts;
		n++;
	}
	CU_ASSERT_EQUAL(n, 1400);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(idx[0] == 300 && idx[1] == 100 && idx[2] == 1000);
	xs_pcap_in_close(in);
	for (i = 0; i < 3; i++)
		xs_plan_free(&pl[i]);
	unlink(path);
}

static void test_cli_errors(void)
{
	char out[4096], path[64], many[3000];
	const char *b = xs_build_dir();
	int i, n = 0;

	/* Our own path: a stray /tmp/x.pcap must not decide the test. */
	snprintf(path, sizeof(path), "%s/scn-cli.pcap", xs_tmpdir());
	unlink(path);
	CU_ASSERT_EQUAL(xs_sh("%s/xdpstream synth syn_flood 2>/dev/null", b), 2);
	CU_ASSERT_EQUAL(xs_sh("%s/xdpstream synth nosuch -o %s 2>/dev/null", b, path), 2);
	CU_ASSERT_EQUAL(xs_sh_out(out, sizeof(out),
				  "%s/xdpstream synth port_scan -s 10.0.0.0/8 -o %s 2>&1", b, path),
			2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--src: port_scan needs one address"));
	CU_ASSERT_EQUAL(xs_sh("%s/xdpstream synth syn_flood + -o %s 2>/dev/null", b, path), 2);
	/* A segment longer than the argv a segment may have: said, not silent. */
	for (i = 0; i < 130; i++)
		n += snprintf(many + n, sizeof(many) - n, " --seed 1");
	CU_ASSERT_EQUAL(xs_sh_out(out, sizeof(out), "%s/xdpstream synth%s syn_flood -o %s 2>&1",
				  b, many, path),
			2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "a segment has 263 words, at most 254 are allowed"));
	CU_ASSERT_EQUAL(xs_sh("%s/xdpstream gen syn_flood 2>/dev/null", b), 2);
	CU_ASSERT_EQUAL(xs_sh("%s/xdpstream gen -i lo syn_flood --at 1 2>/dev/null", b), 2);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
}

static const struct xs_test tests[] = {
	{ "syn_flood: spoofed sources in range, one victim port, rate", test_syn_flood },
	{ "floods with --order: each source once per pass", test_flood_order },
	{ "udp and icmp floods, IPv6, VLAN", test_udp_icmp_floods },
	{ "dns_reflection: fragments without UDP header reassemble", test_dns_reflection },
	{ "ntp and snmp reflection", test_ntp_snmp_reflection },
	{ "port_scan: every port once per pass, random or in order", test_port_scan },
	{ "host_sweep: ICMP, TCP, IPv6", test_host_sweep },
	{ "brute_force: whole connections on a non-standard port", test_brute_force },
	{ "benign: DNS then HTTPS, IPv4 and IPv6, VLAN", test_benign },
	{ "rate, duration, count and bad parameters", test_params },
	{ "synth writes what reads back through libpcap", test_synth_roundtrip },
	{ "synth segments: gap, at, merged by time", test_synth_segments },
	{ "synth and gen usage errors", test_cli_errors },
};

XS_RUN_SUITE("scenarios and synth", tests)
