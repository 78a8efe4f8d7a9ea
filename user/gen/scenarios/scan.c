// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reconnaissance from one source: a vertical port scan (SYNs to many ports
 * of one host) and a host sweep (one probe to every host of a block). One
 * direction only, like the captures of nmap and masscan. A pass visits
 * each port or host once; more frames start another pass in the same
 * order.
 */
#include "exitcode.h"
#include "names.h"
#include "scn.h"

enum { ST_SEQ = 1, ST_ORDER, ST_SPORT, ST_SRC };

static int attacker(const struct xs_scn_params *p, struct xs_plan *pl, bool v4,
		    struct xs_range *src)
{
	scn_range(&p->src, p->src_set, SCN_ATTACKER4, SCN_ATTACKER6, v4, src);
	return scn_need_single(src, "--src", pl->scenario);
}

static struct xs_gen_field order(const struct xs_scn_params *p, enum xs_order def, uint32_t span)
{
	enum xs_order o = p->order ? p->order : def;

	return o == XS_ORDER_RANDOM ? scn_perm(span, p->seed, ST_ORDER) : scn_seq(span);
}

/* nmap's SYN: MSS 1460, window 1024. */
static void scan_syn(struct xs_pkt_spec *s)
{
	s->tcp_flags = XS_TCP_SYN;
	s->window = 1024;
	s->tcp_opt[0] = 2;
	s->tcp_opt[1] = 4;
	s->tcp_opt[2] = 1460 >> 8;
	s->tcp_opt[3] = 1460 & 0xff;
	s->tcp_optlen = 4;
}

int xs_scn_port_scan(const struct xs_scn_params *p, struct xs_plan *pl)
{
	struct xs_range src, dst;
	struct xs_ports ports, sport;
	struct scn_frame fr;
	struct xs_pkt_spec s;
	char a[XS_ADDR_STRLEN];
	uint32_t span;
	bool v4 = scn_v4(p);
	int err;

	scn_range(&p->dst, p->dst_set, SCN_VICTIM4, SCN_VICTIM6, v4, &dst);
	/* One scanner; an IPv6 one may take a new address of its /64 (or
	 * another block) for every probe. */
	scn_range(&p->src, p->src_set, SCN_ATTACKER4, SCN_ATTACKER6, v4, &src);
	if ((v4 || xs_range_span(&src) == 1) && (err = attacker(p, pl, v4, &src)))
		return err;
	if ((err = scn_same_family(&src, &dst, pl->scenario)) ||
	    (err = scn_need_single(&dst, "--dst", pl->scenario)))
		return err;
	ports = p->port_set ? p->port : (struct xs_ports){ 1, 1024 };
	sport = p->sport_set ? p->sport : (struct xs_ports){ 47001, 47001 };
	span = ports.hi - ports.lo + 1u;
	scn_spec(p, &s, &src.base, &dst.base, IPPROTO_TCP, sport.lo, ports.lo);
	scan_syn(&s);
	if (scn_add(pl, "tcp_syn", &s, &fr) || xs_plan_push(pl, fr.kind) ||
	    scn_vary_l4(pl, 1, &fr, 2, 2, order(p, XS_ORDER_RANDOM, span)) ||
	    scn_vary_l4(pl, 1, &fr, 0, 2, scn_rand(sport.hi - sport.lo + 1u, ST_SPORT)) ||
	    scn_vary_l4(pl, 1, &fr, 4, 4, scn_rand(0, ST_SEQ)) ||
	    scn_vary_ipid(pl, 1, &fr, scn_seq(65536)))
		return XS_EXIT_FAIL;
	if (xs_range_span(&src) != 1 &&
	    scn_vary_addr(pl, 1, &fr, true, scn_rand(xs_range_span(&src), ST_SRC)))
		return XS_EXIT_FAIL;
	scn_timing(pl, p, 1000, 0, span);
	scn_label(pl, "port_scan", &src, xs_addr_str(&dst.base, a), "host_sweep;brute_force;syn_flood");
	/* A rotating scanner is its block (the sensor names the /64). */
	if (xs_range_span(&src) != 1)
		xs_range_str(&src, pl->label.attacker, sizeof(pl->label.attacker));
	return 0;
}

int xs_scn_host_sweep(const struct xs_scn_params *p, struct xs_plan *pl)
{
	struct xs_range src, dst;
	struct scn_frame fr;
	struct xs_pkt_spec s;
	uint32_t span;
	bool v4 = scn_v4(p), tcp = p->probe == XS_PROBE_TCP;
	int err;

	scn_range(&p->dst, p->dst_set, SCN_SWEEP4, SCN_SWEEP6, v4, &dst);
	if ((err = attacker(p, pl, v4, &src)) || (err = scn_same_family(&src, &dst, pl->scenario)))
		return err;
	span = xs_range_span(&dst);
	if (span == 1) {
		xs_err("--dst: host_sweep needs a block of addresses, got one address");
		return XS_EXIT_USAGE;
	}
	if (!tcp && (p->port_set || p->sport_set)) {
		xs_err("host_sweep: ICMP probes have no ports: add --probe tcp, or drop --port");
		return XS_EXIT_USAGE;
	}
	if (tcp && p->port_set && p->port.lo != p->port.hi) {
		xs_err("--port: host_sweep probes one port on every host, got a range");
		return XS_EXIT_USAGE;
	}
	if (tcp) {
		uint16_t port = p->port_set ? p->port.lo : 80;
		uint16_t sp = p->sport_set ? p->sport.lo : 47002;

		scn_spec(p, &s, &src.base, &dst.base, IPPROTO_TCP, sp, port);
		scan_syn(&s);
		if (scn_add(pl, "tcp_syn", &s, &fr) || xs_plan_push(pl, fr.kind) ||
		    scn_vary_l4(pl, 1, &fr, 4, 4, scn_rand(0, ST_SEQ)))
			return XS_EXIT_FAIL;
	} else {
		scn_spec(p, &s, &src.base, &dst.base, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, 0, 0);
		s.icmp_type = v4 ? 8 : 128;
		/* One echo identifier for the sweep, a sequence number per probe. */
		s.icmp_id = (uint16_t)xs_gen_mix64(p->seed);
		if (scn_add(pl, "icmp_echo", &s, &fr) || xs_plan_push(pl, fr.kind) ||
		    scn_vary_l4(pl, 1, &fr, 6, 2, scn_seq(65536)))
			return XS_EXIT_FAIL;
	}
	if (scn_vary_addr(pl, 1, &fr, false, order(p, XS_ORDER_SEQ, span)) ||
	    scn_vary_ipid(pl, 1, &fr, scn_seq(65536)))
		return XS_EXIT_FAIL;
	scn_timing(pl, p, 200, 0, span ? span : 65536);
	scn_label(pl, "host_sweep", &src, "*",
		  tcp ? "port_scan;brute_force;syn_flood" : "port_scan;brute_force;syn_flood;icmp_flood");
	return 0;
}
