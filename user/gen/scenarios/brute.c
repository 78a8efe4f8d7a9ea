// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Brute force: one source opens short TCP connections to one service, one
 * after the other, each a failed login: handshake, the server's banner or
 * prompt, one attempt, the refusal, then an orderly close. Both directions
 * are in the traffic, as on a mirror port. One unit is one connection.
 */
#include <string.h>

#include "exitcode.h"
#include "names.h"
#include "scn.h"

enum { ST_ISN_C = 1, ST_ISN_S };

struct dialog {
	const char *banner, *attempt, *refusal;
};

static struct dialog dialog_for(uint16_t port)
{
	switch (port) {
	case 21:
		return (struct dialog){ "220 FTP server ready\r\n", "USER admin\r\nPASS 123456\r\n",
					"530 Login incorrect.\r\n" };
	case 22:
	case 2222:
		return (struct dialog){ "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
					"SSH-2.0-libssh_0.9.6\r\n", "Permission denied\r\n" };
	case 23:
		return (struct dialog){ "login: ", "root\r\nadmin\r\n", "Login incorrect\r\n" };
	default:
		return (struct dialog){ "LOGIN ready\r\n", "LOGIN admin password123\r\n",
					"ERR authentication failed\r\n" };
	}
}

int xs_scn_brute_force(const struct xs_scn_params *p, struct xs_plan *pl)
{
	struct xs_range src, dst;
	struct xs_ports sport;
	struct scn_frame fr[9];
	struct xs_pkt_spec s;
	struct dialog d;
	char victim[XS_ADDR_STRLEN];
	uint8_t opt[20];
	uint32_t c2s = 0, s2c = 0, c2s_ack = 0;
	uint16_t port;
	int b, l, r, i, err;
	bool v4 = scn_v4(p);

	scn_range(&p->src, p->src_set, SCN_ATTACKER4, SCN_ATTACKER6, v4, &src);
	scn_range(&p->dst, p->dst_set, SCN_VICTIM4, SCN_VICTIM6, v4, &dst);
	if ((err = scn_need_single(&src, "--src", pl->scenario)) ||
	    (err = scn_same_family(&src, &dst, pl->scenario)) ||
	    (err = scn_need_single(&dst, "--dst", pl->scenario)))
		return err;
	if (p->port_set && p->port.lo != p->port.hi) {
		xs_err("--port: brute_force attacks one service, got a range");
		return XS_EXIT_USAGE;
	}
	port = p->port_set ? p->port.lo : 22;
	/* The client's ephemeral ports, one after the other. */
	sport = p->sport_set ? p->sport : (struct xs_ports){ 40000, 60999 };
	d = dialog_for(port);
	b = (int)strlen(d.banner);
	l = p->payload >= 0 ? p->payload : (int)strlen(d.attempt);
	r = (int)strlen(d.refusal);
	xs_pkt_tcp_syn_opts(opt, 1460, 0);

	/* Sequence numbers relative to each side's ISN, added per connection. */
	const struct {
		const char *name;
		bool c2s;
		uint8_t flags;
		uint32_t seq, ack;
		int len;
		const char *text;
	} steps[9] = {
		{ "tcp_syn", true, XS_TCP_SYN, 0, 0, 0, NULL },
		{ "tcp_synack", false, XS_TCP_SYN | XS_TCP_ACK, 0, 1, 0, NULL },
		{ "tcp_ack", true, XS_TCP_ACK, 1, 1, 0, NULL },
		{ "banner", false, XS_TCP_PSH | XS_TCP_ACK, 1, 1, b, d.banner },
		{ "login_attempt", true, XS_TCP_PSH | XS_TCP_ACK, 1, 1 + b, l, d.attempt },
		{ "refusal", false, XS_TCP_PSH | XS_TCP_ACK, 1 + b, 1 + l, r, d.refusal },
		{ "tcp_fin", true, XS_TCP_FIN | XS_TCP_ACK, 1 + l, 1 + b + r, 0, NULL },
		{ "tcp_finack", false, XS_TCP_FIN | XS_TCP_ACK, 1 + b + r, 2 + l, 0, NULL },
		{ "tcp_lastack", true, XS_TCP_ACK, 2 + l, 2 + b + r, 0, NULL },
	};
	static uint8_t text[8192];

	for (i = 0; i < 9; i++) {
		if (steps[i].c2s)
			scn_spec(p, &s, &src.base, &dst.base, IPPROTO_TCP, sport.lo, port);
		else
			scn_spec(p, &s, &dst.base, &src.base, IPPROTO_TCP, port, sport.lo);
		s.tcp_flags = steps[i].flags;
		s.seq = steps[i].seq;
		s.ack = steps[i].ack;
		if (s.tcp_flags & XS_TCP_SYN) {
			memcpy(s.tcp_opt, opt, sizeof(opt));
			s.tcp_optlen = sizeof(opt);
		}
		if (steps[i].len) {
			scn_text(text, steps[i].len, steps[i].text);
			s.payload = (uint16_t)steps[i].len;
			s.data = text;
		}
		if (scn_add(pl, steps[i].name, &s, &fr[i]) || xs_plan_push(pl, fr[i].kind))
			return XS_EXIT_FAIL;
		if (steps[i].c2s)
			c2s |= 1u << fr[i].kind;
		else
			s2c |= 1u << fr[i].kind;
		if (steps[i].c2s && (s.tcp_flags & XS_TCP_ACK))
			c2s_ack |= 1u << fr[i].kind;
	}
	snprintf(pl->unit_name, sizeof(pl->unit_name), "connections");

	if (scn_vary_l4(pl, c2s, &fr[0], 0, 2, scn_seq(sport.hi - sport.lo + 1u)) ||
	    scn_vary_l4(pl, s2c, &fr[1], 2, 2, scn_seq(sport.hi - sport.lo + 1u)) ||
	    scn_vary_l4(pl, c2s, &fr[0], 4, 4, scn_rand(0, ST_ISN_C)) ||
	    scn_vary_l4(pl, s2c, &fr[1], 8, 4, scn_rand(0, ST_ISN_C)) ||
	    scn_vary_l4(pl, s2c, &fr[1], 4, 4, scn_rand(0, ST_ISN_S)) ||
	    scn_vary_l4(pl, c2s_ack, &fr[2], 8, 4, scn_rand(0, ST_ISN_S)))
		return XS_EXIT_FAIL;

	/* 200 frames/s: 22 connections a second, 100 connections. */
	scn_timing(pl, p, 200, 0, 100 * pl->cfg.unit);
	scn_label(pl, "brute_force", &src, xs_addr_str(&dst.base, victim),
		  "port_scan;host_sweep;syn_flood");
	return 0;
}
