// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Floods at one victim from spoofed sources: every packet draws its source
 * address (and ports, sequence number) at random within the ranges, so a
 * flood has as many "attackers" as the range has addresses.
 */
#include <stdio.h>
#include <string.h>

#include "exitcode.h"
#include "names.h"
#include "scn.h"

#define FLOOD_FORBID "port_scan;host_sweep;brute_force"

enum { ST_SRC = 1, ST_SPORT, ST_DPORT, ST_SEQ, ST_IPID, ST_ICMPID, ST_SRC_NET };

struct flood {
	bool v4;
	struct xs_range src, dst;
	struct xs_ports sport, dport;
	char victim[XS_ADDR_STRLEN];
};

static int flood_setup(const struct xs_scn_params *p, struct xs_plan *pl, struct flood *f,
		       struct xs_ports def_dport, struct xs_ports def_sport)
{
	int err;

	f->v4 = scn_v4(p);
	scn_range(&p->src, p->src_set, SCN_SPOOF4, SCN_SPOOF6, f->v4, &f->src);
	scn_range(&p->dst, p->dst_set, SCN_VICTIM4, SCN_VICTIM6, f->v4, &f->dst);
	if ((err = scn_same_family(&f->src, &f->dst, pl->scenario)) ||
	    (err = scn_need_single(&f->dst, "--dst", pl->scenario)))
		return err;
	f->dport = p->port_set ? p->port : def_dport;
	f->sport = p->sport_set ? p->sport : def_sport;
	xs_addr_str(&f->dst.base, f->victim);
	return 0;
}

/* The source address: drawn per packet; with --order, every address of
 * --src once per pass (random: in a seeded order; seq: ascending), so that
 * any run of as many packets as addresses holds each exactly once (a
 * ground truth of distinct sources whatever the window). */
static struct xs_gen_field flood_src(const struct xs_scn_params *p, uint32_t span)
{
	if (p->order == XS_ORDER_RANDOM)
		return scn_perm(span, p->seed, ST_SRC);
	if (p->order == XS_ORDER_SEQ)
		return scn_seq(span);
	return scn_rand(span, ST_SRC);
}

/* Source address, ports and the IPv4 identification drawn per packet. */
static int flood_vary(struct xs_plan *pl, const struct scn_frame *fr, const struct flood *f,
		      bool ports, const struct xs_scn_params *p)
{
	uint32_t k = 1u << fr->kind;

	/* A spoofing tool draws the identification with the address; from one
	 * source (and fixed ports) the flood is one frame, repeated. */
	if (xs_range_span(&f->src) != 1 &&
	    (scn_vary_addr(pl, k, fr, true, flood_src(p, xs_range_span(&f->src))) ||
	     scn_vary_src6_net(pl, k, fr, &f->src, ST_SRC_NET) ||
	     scn_vary_ipid(pl, k, fr, scn_rand(65536, ST_IPID))))
		return -1;
	if (!ports)
		return 0;
	if (scn_vary_l4(pl, k, fr, 0, 2, scn_rand(f->sport.hi - f->sport.lo + 1u, ST_SPORT)) ||
	    scn_vary_l4(pl, k, fr, 2, 2, scn_rand(f->dport.hi - f->dport.lo + 1u, ST_DPORT)))
		return -1;
	return 0;
}

int xs_scn_syn_flood(const struct xs_scn_params *p, struct xs_plan *pl)
{
	struct scn_frame fr;
	struct xs_pkt_spec s;
	struct flood f;
	int err;

	err = flood_setup(p, pl, &f, (struct xs_ports){ 80, 80 }, (struct xs_ports){ 1024, 65535 });
	if (err)
		return err;
	/* Like the flood tools: a bare SYN, no options. */
	scn_spec(p, &s, &f.src.base, &f.dst.base, IPPROTO_TCP, f.sport.lo, f.dport.lo);
	s.tcp_flags = XS_TCP_SYN;
	s.ttl = 242;
	s.payload = p->payload > 0 ? (uint16_t)p->payload : 0;
	if (scn_add(pl, "tcp_syn", &s, &fr) || xs_plan_push(pl, fr.kind) ||
	    flood_vary(pl, &fr, &f, true, p) || scn_vary_l4(pl, 1, &fr, 4, 4, scn_rand(0, ST_SEQ)))
		return XS_EXIT_FAIL;
	scn_timing(pl, p, 100000, 1.0, 0);
	scn_label(pl, "syn_flood", &f.src, f.victim, FLOOD_FORBID);
	return 0;
}

int xs_scn_udp_flood(const struct xs_scn_params *p, struct xs_plan *pl)
{
	struct scn_frame fr;
	struct xs_pkt_spec s;
	struct flood f;
	int err;

	err = flood_setup(p, pl, &f, (struct xs_ports){ 1, 65535 }, (struct xs_ports){ 1024, 65535 });
	if (err)
		return err;
	scn_spec(p, &s, &f.src.base, &f.dst.base, IPPROTO_UDP, f.sport.lo, f.dport.lo);
	s.payload = p->payload >= 0 ? (uint16_t)p->payload : 512;
	if (scn_add(pl, "udp", &s, &fr) || xs_plan_push(pl, fr.kind) ||
	    flood_vary(pl, &fr, &f, true, p))
		return XS_EXIT_FAIL;
	scn_timing(pl, p, 100000, 1.0, 0);
	scn_label(pl, "udp_flood", &f.src, f.victim, FLOOD_FORBID);
	return 0;
}

int xs_scn_icmp_flood(const struct xs_scn_params *p, struct xs_plan *pl)
{
	struct scn_frame fr;
	struct xs_pkt_spec s;
	struct flood f;
	int err;

	err = flood_setup(p, pl, &f, (struct xs_ports){ 0, 0 }, (struct xs_ports){ 0, 0 });
	if (err)
		return err;
	if (p->port_set || p->sport_set) {
		xs_err("icmp_flood: ICMP has no ports: drop --port and --sport");
		return XS_EXIT_USAGE;
	}
	scn_spec(p, &s, &f.src.base, &f.dst.base, f.v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, 0, 0);
	s.icmp_type = f.v4 ? 8 : 128;
	s.payload = p->payload >= 0 ? (uint16_t)p->payload : 56;
	/* Echo identifier at random, sequence number counting up. */
	if (scn_add(pl, "icmp_echo", &s, &fr) || xs_plan_push(pl, fr.kind) ||
	    flood_vary(pl, &fr, &f, false, p) ||
	    scn_vary_l4(pl, 1, &fr, 4, 2, scn_rand(65536, ST_ICMPID)) ||
	    scn_vary_l4(pl, 1, &fr, 6, 2, scn_seq(65536)))
		return XS_EXIT_FAIL;
	scn_timing(pl, p, 100000, 1.0, 0);
	scn_label(pl, "icmp_flood", &f.src, f.victim, FLOOD_FORBID);
	return 0;
}

/*
 * SYN-ACK reflection: SYNs spoofed with the victim's address sent to many
 * servers come back as SYN-ACKs from their service port (and their
 * retries) to whatever source port the attacker put in the SYN.
 */
int xs_scn_synack_flood(const struct xs_scn_params *p, struct xs_plan *pl)
{
	struct scn_frame fr;
	struct xs_pkt_spec s;
	struct flood f;
	int err;

	err = flood_setup(p, pl, &f, (struct xs_ports){ 1024, 65535 }, (struct xs_ports){ 80, 80 });
	if (err)
		return err;
	/* The reflectors, not random spoofed addresses. */
	scn_range(&p->src, p->src_set, SCN_REFLECTORS4, SCN_REFLECTORS6, f.v4, &f.src);
	scn_spec(p, &s, &f.src.base, &f.dst.base, IPPROTO_TCP, f.sport.lo, f.dport.lo);
	s.tcp_flags = XS_TCP_SYN | XS_TCP_ACK;
	s.ttl = 52;
	s.window = 29200;
	s.tcp_opt[0] = 2;	/* MSS 1460, as servers answer */
	s.tcp_opt[1] = 4;
	s.tcp_opt[2] = 1460 >> 8;
	s.tcp_opt[3] = 1460 & 0xff;
	s.tcp_optlen = 4;
	if (scn_add(pl, "tcp_synack", &s, &fr) || xs_plan_push(pl, fr.kind) ||
	    flood_vary(pl, &fr, &f, true, p) || scn_vary_l4(pl, 1, &fr, 4, 4, scn_rand(0, ST_SEQ)) ||
	    scn_vary_l4(pl, 1, &fr, 8, 4, scn_rand(0, ST_SEQ + 10)))
		return XS_EXIT_FAIL;
	scn_timing(pl, p, 100000, 1.0, 0);
	scn_label(pl, "synack_flood", &f.src, f.victim, FLOOD_FORBID ";syn_flood;volumetric");
	return 0;
}

/* ACK segments outside any connection, each from a new spoofed address
 * (hping3 -A --rand-source). */
int xs_scn_ack_flood(const struct xs_scn_params *p, struct xs_plan *pl)
{
	struct scn_frame fr;
	struct xs_pkt_spec s;
	struct flood f;
	int err;

	err = flood_setup(p, pl, &f, (struct xs_ports){ 80, 80 }, (struct xs_ports){ 1024, 65535 });
	if (err)
		return err;
	scn_spec(p, &s, &f.src.base, &f.dst.base, IPPROTO_TCP, f.sport.lo, f.dport.lo);
	s.tcp_flags = XS_TCP_ACK;
	s.ttl = 242;
	s.payload = p->payload > 0 ? (uint16_t)p->payload : 0;
	if (scn_add(pl, "tcp_ack", &s, &fr) || xs_plan_push(pl, fr.kind) ||
	    flood_vary(pl, &fr, &f, true, p) || scn_vary_l4(pl, 1, &fr, 4, 4, scn_rand(0, ST_SEQ)) ||
	    scn_vary_l4(pl, 1, &fr, 8, 4, scn_rand(0, ST_SEQ + 10)))
		return XS_EXIT_FAIL;
	scn_timing(pl, p, 100000, 1.0, 0);
	scn_label(pl, "ack_flood", &f.src, f.victim, FLOOD_FORBID ";syn_flood;volumetric");
	return 0;
}

/* A pulse: the UDP flood for 100 ms at 200,000 packets/s (20,000
 * packets), diluted to 6,667/s over a 3 s window. */
int xs_scn_udp_burst(const struct xs_scn_params *p, struct xs_plan *pl)
{
	int err = xs_scn_udp_flood(p, pl);

	if (err)
		return err;
	scn_timing(pl, p, 200000, 0.1, 0);
	snprintf(pl->label.forbid, sizeof(pl->label.forbid), "%s", FLOOD_FORBID ";volumetric");
	return 0;
}

/* Carpet bombing: UDP from spoofed sources to every address of a block
 * (a /24 by default, each address drawn at random per packet), each
 * address far below any per-host bar. The victim is the block. */
int xs_scn_carpet(const struct xs_scn_params *p, struct xs_plan *pl)
{
	struct scn_frame fr;
	struct xs_pkt_spec s;
	struct flood f;
	uint32_t span;
	int err;

	f.v4 = scn_v4(p);
	scn_range(&p->src, p->src_set, SCN_SPOOF4, SCN_SPOOF6, f.v4, &f.src);
	scn_range(&p->dst, p->dst_set, SCN_SWEEP4, SCN_SWEEP6, f.v4, &f.dst);
	if ((err = scn_same_family(&f.src, &f.dst, pl->scenario)))
		return err;
	span = xs_range_span(&f.dst);
	if (span < 16 || (f.dst.v4 ? f.dst.prefix < 24 : f.dst.prefix < 64)) {
		xs_err("--dst: carpet bombs one network, a /24 (IPv6 /64) or a part of it of 16 "
		       "addresses or more");
		return XS_EXIT_USAGE;
	}
	f.dport = p->port_set ? p->port : (struct xs_ports){ 53, 53 };
	f.sport = p->sport_set ? p->sport : (struct xs_ports){ 1024, 65535 };
	scn_spec(p, &s, &f.src.base, &f.dst.base, IPPROTO_UDP, f.sport.lo, f.dport.lo);
	s.payload = p->payload >= 0 ? (uint16_t)p->payload : 64;
	if (scn_add(pl, "udp", &s, &fr) || xs_plan_push(pl, fr.kind) ||
	    flood_vary(pl, &fr, &f, true, p) ||
	    scn_vary_addr(pl, 1u << fr.kind, &fr, false, scn_rand(span, ST_DPORT + 10)))
		return XS_EXIT_FAIL;
	scn_timing(pl, p, 100000, 1.0, 0);
	{
		struct xs_addr net = f.dst.base;

		if (f.dst.v4)
			net.a[15] = 0;
		else
			memset(&net.a[8], 0, 8);
		xs_addr_str(&net, f.victim);
	}
	scn_label(pl, "carpet_bombing", &f.src, f.victim,
		  FLOOD_FORBID ";udp_flood;volumetric;reflection");
	return 0;
}
