// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * brute_force: one source opening many TCP connections to one service
 * (destination:port), on each of the rule's time scales (a burst in 10 s,
 * the minute, slow guessing over 10 minutes): login_threshold on
 * login_ports (ssh, telnet, ftp, rdp, mail with authentication, sip),
 * `threshold` on any other port, so a login service moved to a
 * non-standard port is still caught by its rate of repeated connections.
 *
 * What separates guessing from the rest:
 *   - on a login service each connection is a login: the server ends the
 *     session after failed attempts, so guessing needs new connections;
 *   - on a web port a connection is a request: a failed login (401, a
 *     form again) keeps the connection, and pollers, health checkers and
 *     crawlers without keep-alive open hundreds a minute, one request
 *     each, exactly like a guesser would. Their count says nothing, so
 *     web_threshold is 0 (off) unless configured; web guessing shows in the
 *     answers, which this rule does not read;
 *   - a credential costs the client data: a source that sent fewer than
 *     min_pkts_per_conn packets or min_data_per_conn segments with payload
 *     per connection (health checks, banner grabs, port probes, a SYN flood
 *     whose kernel resets every SYN-ACK, whatever its source ports do) tried
 *     nothing, and nothing is reported.
 *
 * Those packets and segments are counted in the pair's own flows, by the
 * kernel, once the pair is a candidate (user/detection/evidence.c): a
 * spoofed source sends one SYN per "connection" there, whatever it really
 * sends elsewhere, and until the count exists (two connections watched)
 * nothing is reported (issue 13).
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
		const struct xs_mscale *m = &c->e->ms[v->prof][XS_MS_BRUTE];
		uint32_t wconns = v->watched ? v->conns - v->wconns0 : 0;
		double per_conn = wconns ? (double)v->wpkts / wconns : 0;
		double data_per_conn = wconns ? (double)v->wdata / wconns : 0;
		struct xs_finding f;
		uint32_t i, thr = 0;

		if (!p->brute.enabled)
			continue;
		/* Per connection, in the pair's flows: known once two
		 * connections were counted. */
		if ((p->brute.min_pkts_per_conn > 0 || p->brute.min_data_per_conn > 0) &&
		    (wconns < 2 || per_conn < p->brute.min_pkts_per_conn ||
		     data_per_conn < p->brute.min_data_per_conn))
			continue;
		/* The shortest scale that fires: the fastest evidence. A longer
		 * one only while the guessing goes on (connections within the
		 * window below it). */
		for (i = 0; i < m->n; i++) {
			thr = xs_brute_threshold(p, &m->sc[i], k->port);
			if (thr && v->sum[i] >= thr && (!i || v->sum[i - 1]))
				break;
		}
		if (i == m->n)
			continue;
		xs_finding_init(&f, XS_R_BRUTE_FORCE);
		f.has_src = f.has_dst = true;
		f.src = k->src;
		f.dst = k->dst;
		f.proto = 6;
		f.dport = f.key_port = k->port;
		f.value = v->sum[i];
		f.unit = "connections";
		f.threshold = thr;
		xs_finding_detail(&f, "packets_per_connection", per_conn);
		xs_finding_detail(&f, "data_segments_per_connection", data_per_conn);
		xs_det_report(c, &f, v->prof, m->win[i]);
	}
}

const struct xs_detector xs_det_brute_force = {XS_R_BRUTE_FORCE, eval};
