// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Per-packet cost of the XDP program, by packet class, next to a program
 * that only passes, measured in the same run: BPF_PROG_TEST_RUN with a
 * large repeat, the kernel's own per-repetition duration, several runs.
 * New-flow classes go through xdp_bench_rand, which randomises the source
 * of every repetition and tail-calls the program under test (or xdp_pass,
 * for its baseline).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp_bench.skel.h"
#include "xdp_pass.skel.h"
#include "bench.h"
#include "collector.h"
#include "loader.h"
#include "log.h"
#include "pktbuild.h"

struct pclass {
	const char *name;
	bool new_flow;	/* every packet a new flow (via xdp_bench_rand) */
	struct xs_pkt_spec s;
	int cut;
};

static const char sip_register[] = "REGISTER sip:192.0.2.10 SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n"
				   "From: <sip:1000@192.0.2.10>;tag=1\r\nTo: <sip:1000@192.0.2.10>\r\n"
				   "Call-ID: 1@10.0.0.1\r\nCSeq: 1 REGISTER\r\n"
				   "Content-Length: 0\r\n\r\n";

static int build_classes(struct pclass *c)
{
	int n = 0;

	c[n].name = "ipv4_tcp_syn_new_flow";
	c[n].new_flow = true;
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_SYN;

	c[n].name = "ipv4_tcp_established";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n].s.tcp_flags = XS_TCP_ACK | XS_TCP_PSH;
	c[n++].s.payload = 10;

	c[n].name = "ipv4_udp";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_UDP, 40000, 53);
	c[n++].s.payload = 18;

	c[n].name = "ipv4_icmp_echo";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_ICMP, 0, 0);
	c[n].s.icmp_type = 8;
	c[n++].s.payload = 18;

	c[n].name = "ipv6_tcp_established";
	xs_pkt_spec_init(&c[n].s, "2001:db8::1", "2001:db8::10", IPPROTO_TCP, 40000, 443);
	c[n++].s.tcp_flags = XS_TCP_ACK;

	/* An established connection's pure ACK (no payload): one flow table
	 * lookup tells it from an ACK probe (bpf/probe.h). */
	c[n].name = "ipv4_tcp_pure_ack";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_ACK;

	/* ACKs that no connection knows, each from a new source: an ACK
	 * flood or scan, recorded and reported like SYNs. */
	c[n].name = "ipv4_tcp_ack_probe_new";
	c[n].new_flow = true;
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_ACK;

	/* A SIP REGISTER on 5060: the first word read (bpf/sip.h). */
	c[n].name = "ipv4_udp_sip_register";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_UDP, 5060, 5060);
	c[n].s.payload = sizeof(sip_register) - 1;
	c[n++].s.data = (const uint8_t *)sip_register;

	c[n].name = "vlan_ipv4_udp";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_UDP, 40000, 53);
	c[n].s.nvlan = 1;
	c[n].s.vlan_id[0] = 10;
	c[n++].s.payload = 14;

	c[n].name = "ipv4_later_fragment";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_UDP, 53, 40000);
	c[n].s.frag_offset = 185;
	c[n++].s.payload = 26;

	c[n].name = "malformed_tcp_trunc";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].cut = 14 + 20 + 10;

	c[n].name = "worst_spoofed_syn_flood";
	c[n].new_flow = true;
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_SYN;
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* runs repetitions of repeat packets; fills stats in ns/packet. */
static int measure(int prog_fd, const void *frame, int len, int repeat, int runs,
		   struct bench_stat *st)
{
	__u32 d[64] = {};
	int i;

	for (i = 0; i < runs && i < 64; i++) {
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
				    .repeat = repeat);

		if (bpf_prog_test_run_opts(prog_fd, &o))
			return -errno;
		d[i] = o.duration;
	}
	if (runs > 64)
		runs = 64;
	qsort(d, runs, sizeof(d[0]), cmp_u32);
	st->min = d[0];
	st->median = d[runs / 2];
	st->max = d[runs - 1];
	return 0;
}

int bench_pktcost(struct bench_ctx *bc)
{
	struct xdp_pass_bpf *pass = NULL;
	struct xdp_bench_bpf *rnd = NULL;
	struct xs_collector col = {};
	struct pclass cls[16] = {};
	struct xs_bpf b = {};
	struct xs_sizes sz;
	int n, i, err, zero = 0, pass_fd, full_fd, rnd_fd, next_fd;
	struct bench_stat base, base_rand, st;

	xs_sizes_default(&sz);
	err = xs_bpf_load(&b, &sz);
	if (err)
		return err;
	err = xs_collector_init(&col, &b, false, NULL, NULL);
	if (err)
		goto out;
	/* The daemon's default budget at 1 s ticks on this many CPUs. */
	xs_collector_set_budget(&col, 200000 / col.ncpus);
	pass = xdp_pass_bpf__open_and_load();
	rnd = xdp_bench_bpf__open_and_load();
	if (!pass || !rnd) {
		err = -EINVAL;
		goto out;
	}
	pass_fd = bpf_program__fd(pass->progs.xdp_pass);
	full_fd = xs_bpf_prog_fd(&b);
	rnd_fd = bpf_program__fd(rnd->progs.xdp_bench_rand);
	next_fd = bpf_map__fd(rnd->maps.xs_bench_next);

	n = build_classes(cls);
	bench_section(bc, "per_packet_ns", "Per-packet cost, test runs (ns/packet)");
	for (i = 0; i < n; i++) {
		uint8_t frame[XS_PKT_MAX];
		int len = xs_pkt_build(&cls[i].s, frame, sizeof(frame));
		struct xs_tick t;

		if (cls[i].cut)
			len = cls[i].cut;
		if (!strncmp(cls[i].name, "worst", 5)) {
			/* Fill the maps first: the flood has been going on. */
			bpf_map_update_elem(next_fd, &zero, &full_fd, BPF_ANY);
			measure(rnd_fd, frame, len, 1000000, 1, &st);
		} else {
			xs_collector_flip(&col, &t);	/* empty maps for each class */
			xs_collector_flip(&col, &t);
		}
		if (cls[i].new_flow) {
			bpf_map_update_elem(next_fd, &zero, &pass_fd, BPF_ANY);
			measure(rnd_fd, frame, len, bc->repeat, bc->runs, &base_rand);
			bpf_map_update_elem(next_fd, &zero, &full_fd, BPF_ANY);
			err = measure(rnd_fd, frame, len, bc->repeat, bc->runs, &st);
			bench_row(bc, cls[i].name, &st, &base_rand, "ns");
		} else {
			measure(pass_fd, frame, len, bc->repeat, bc->runs, &base);
			err = measure(full_fd, frame, len, bc->repeat, bc->runs, &st);
			bench_row(bc, cls[i].name, &st, &base, "ns");
		}
		if (err)
			goto out;
		xs_collector_poll_events(&col);
	}
	bench_section_end(bc);
out:
	xdp_bench_bpf__destroy(rnd);
	xdp_pass_bpf__destroy(pass);
	xs_collector_free(&col);
	xs_bpf_close(&b);
	return err;
}
