// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * brute_force: one source opening many TCP connections to one service
 * (destination:port) within the window: login_threshold on login_ports
 * (ssh, telnet, ftp, rdp, smtp/pop/imap auth, sip), web_threshold on
 * web_ports, `threshold` on any other port, so a login service moved to a
 * non-standard port is still caught by its rate of repeated connections.
 * An authentication attempt costs the client packets beyond the
 * handshake: when the source sent fewer than min_pkts_per_conn packets
 * per connection (connect-and-close health checks, banner grabs, SYN
 * probes), no credentials were tried, and nothing is reported. Those
 * packets are counted in the pair's own flows, by the kernel, once the
 * pair is a candidate (user/detection/evidence.c): a spoofed source sends
 * one SYN per "connection" there, whatever it really sends elsewhere,
 * and until the count exists nothing is reported (issue 13).
 */
#include "engine_int.h"

static void eval(struct xs_det_ctx *c)
{
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->conns, &it); ent; ent = xs_htab_next(&c->e->conns, &it)) {
		const struct xs_pkey *k = ent;
		const struct xs_conn_val *v = xs_htab_val(&c->e->conns, ent);
		const struct xs_rule_params *p = xs_det_params(c, v->prof);
		uint32_t thr = xs_ports_has(&p->brute.login_ports, k->port) ? p->brute.login_threshold
			       : xs_ports_has(&p->brute.web_ports, k->port) ? p->brute.web_threshold
									    : p->brute.threshold;
		uint32_t wconns = v->watched ? v->conns - v->wconns0 : 0;
		double per_conn = wconns ? (double)v->wpkts / wconns : 0;
		struct xs_finding f;

		if (!p->brute.enabled || v->sum < thr)
			continue;
		/* Packets per connection, in the pair's flows: known once two
		 * connections were counted. */
		if (p->brute.min_pkts_per_conn > 0 &&
		    (wconns < 2 || per_conn < p->brute.min_pkts_per_conn))
			continue;
		xs_finding_init(&f, XS_R_BRUTE_FORCE);
		f.has_src = f.has_dst = true;
		f.src = k->src;
		f.dst = k->dst;
		f.proto = 6;
		f.dport = f.key_port = k->port;
		f.value = v->sum;
		f.unit = "connections";
		f.threshold = thr;
		xs_finding_detail(&f, "packets_per_connection", per_conn);
		xs_det_report(c, &f, v->prof, xs_det_window(c, v->prof, XS_R_BRUTE_FORCE));
	}
}

const struct xs_detector xs_det_brute_force = { XS_R_BRUTE_FORCE, eval };
