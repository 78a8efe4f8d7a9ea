// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Benign traffic: "visits" by many clients, each a DNS lookup then an HTTPS
 * connection (handshake, TLS hello and certificate, a request, a response,
 * an orderly close), over IPv4, IPv6 or both (one visit each per unit).
 * Every client, server and port is drawn per visit, so no source opens
 * more than a few connections and no server sees more than its share.
 */
#include <string.h>

#include "exitcode.h"
#include "names.h"
#include "scn.h"

enum { ST_CLIENT = 1, ST_SERVER, ST_CPORT, ST_DNSPORT, ST_TXID, ST_ISN_C, ST_ISN_S };

#define DNS_NAME "www.example.com"
#define NSTEPS 15

struct visit_step {
	const char *name;
	bool c2s, dns;
	uint8_t flags;
	uint32_t seq, ack;
	int len;
	uint8_t tls;	/* TLS record type of the payload; 0 = none */
};

/* Payload sizes: ClientHello, server's hello + certificate, request,
 * response. */
#define CH 517
#define SH 1380
#define RQ 180
#define RS 1200

static const struct visit_step steps[NSTEPS] = {
	{ "dns_query", true, true, 0, 0, 0, 0, 0 },
	{ "dns_response", false, true, 0, 0, 0, 0, 0 },
	{ "tcp_syn", true, false, XS_TCP_SYN, 0, 0, 0, 0 },
	{ "tcp_synack", false, false, XS_TCP_SYN | XS_TCP_ACK, 0, 1, 0, 0 },
	{ "tcp_ack", true, false, XS_TCP_ACK, 1, 1, 0, 0 },
	{ "tls_client_hello", true, false, XS_TCP_PSH | XS_TCP_ACK, 1, 1, CH, 0x16 },
	{ "tls_server_hello", false, false, XS_TCP_PSH | XS_TCP_ACK, 1, 1 + CH, SH, 0x16 },
	{ "tcp_ack", true, false, XS_TCP_ACK, 1 + CH, 1 + SH, 0, 0 },
	{ "https_request", true, false, XS_TCP_PSH | XS_TCP_ACK, 1 + CH, 1 + SH, RQ, 0x17 },
	{ "https_response", false, false, XS_TCP_PSH | XS_TCP_ACK, 1 + SH, 1 + CH + RQ, RS, 0x17 },
	{ "tcp_ack", true, false, XS_TCP_ACK, 1 + CH + RQ, 1 + SH + RS, 0, 0 },
	{ "tcp_fin", true, false, XS_TCP_FIN | XS_TCP_ACK, 1 + CH + RQ, 1 + SH + RS, 0, 0 },
	{ "tcp_finack", false, false, XS_TCP_FIN | XS_TCP_ACK, 1 + SH + RS, 2 + CH + RQ, 0, 0 },
	{ "tcp_lastack", true, false, XS_TCP_ACK, 2 + CH + RQ, 2 + SH + RS, 0, 0 },
	{ "tcp_ack", false, false, XS_TCP_ACK, 2 + SH + RS, 2 + CH + RQ, 0, 0 },
};

/* Kind masks of one family's visit, by direction and protocol. */
struct masks {
	uint32_t c2s_tcp, s2c_tcp, c2s_ack, query, response;
	int first_c2s, first_s2c, first_c2s_ack;	/* a step of each, for its layout */
};

static int visit(const struct xs_scn_params *p, struct xs_plan *pl, const struct xs_range *clients,
		 const struct xs_range *servers, const char *resolver, uint32_t st,
		 struct scn_frame *fr)
{
	static uint8_t data[2048];
	struct xs_addr res;
	struct xs_pkt_spec s;
	struct masks m = { .first_c2s = -1, .first_s2c = -1, .first_c2s_ack = -1 };
	uint32_t cspan = xs_range_span(clients), sspan = xs_range_span(servers);
	int qlen = scn_dns_query_len(DNS_NAME), rlen = qlen + 16, i;
	bool v4 = clients->v4;
	uint8_t opt[20];

	xs_addr_parse(resolver, &res);
	xs_pkt_tcp_syn_opts(opt, v4 ? 1460 : 1440, 0);
	for (i = 0; i < NSTEPS; i++) {
		const struct visit_step *v = &steps[i];
		const struct xs_addr *c = &clients->base, *srv = v->dns ? &res : &servers->base;
		uint16_t cport = v->dns ? 32768 : 49152, sport = v->dns ? 53 : 443;
		uint32_t bit;
		char name[XS_PLAN_NAME];

		if (v->c2s)
			scn_spec(p, &s, c, srv, v->dns ? IPPROTO_UDP : IPPROTO_TCP, cport, sport);
		else
			scn_spec(p, &s, srv, c, v->dns ? IPPROTO_UDP : IPPROTO_TCP, sport, cport);
		s.tcp_flags = v->flags;
		s.seq = v->seq;
		s.ack = v->ack;
		if (v->flags & XS_TCP_SYN) {
			memcpy(s.tcp_opt, opt, sizeof(opt));
			s.tcp_optlen = sizeof(opt);
		}
		if (v->dns) {
			s.payload = (uint16_t)(v->c2s ? qlen : rlen);
			if (v->c2s)
				scn_dns_query(data, qlen, 0, DNS_NAME, v4 ? 1 : 28);
			else
				scn_dns_response(data, rlen, 0, DNS_NAME, v4 ? 1 : 28);
			s.data = data;
		} else if (v->len) {
			scn_tls_record(data, v->len, v->tls, p->seed + i);
			s.payload = (uint16_t)v->len;
			s.data = data;
		}
		snprintf(name, sizeof(name), "%s_%s", v4 ? "v4" : "v6", v->name);
		if (scn_add(pl, name, &s, &fr[i]) || xs_plan_push(pl, fr[i].kind))
			return -1;
		bit = 1u << fr[i].kind;
		if (v->dns) {
			*(v->c2s ? &m.query : &m.response) |= bit;
		} else if (v->c2s) {
			m.c2s_tcp |= bit;
			if (m.first_c2s < 0)
				m.first_c2s = i;
			if (v->flags & XS_TCP_ACK) {
				m.c2s_ack |= bit;
				if (m.first_c2s_ack < 0)
					m.first_c2s_ack = i;
			}
		} else {
			m.s2c_tcp |= bit;
			if (m.first_s2c < 0)
				m.first_s2c = i;
		}
	}
	/* Steps 0 and 1 are the DNS query and response. */
	if (scn_vary_addr(pl, m.c2s_tcp, &fr[m.first_c2s], true, scn_rand(cspan, st + ST_CLIENT)) ||
	    scn_vary_addr(pl, m.s2c_tcp, &fr[m.first_s2c], false, scn_rand(cspan, st + ST_CLIENT)) ||
	    scn_vary_addr(pl, m.query, &fr[0], true, scn_rand(cspan, st + ST_CLIENT)) ||
	    scn_vary_addr(pl, m.response, &fr[1], false, scn_rand(cspan, st + ST_CLIENT)) ||
	    scn_vary_addr(pl, m.c2s_tcp, &fr[m.first_c2s], false, scn_rand(sspan, st + ST_SERVER)) ||
	    scn_vary_addr(pl, m.s2c_tcp, &fr[m.first_s2c], true, scn_rand(sspan, st + ST_SERVER)) ||
	    scn_vary_l4(pl, m.c2s_tcp, &fr[m.first_c2s], 0, 2, scn_rand(16384, st + ST_CPORT)) ||
	    scn_vary_l4(pl, m.s2c_tcp, &fr[m.first_s2c], 2, 2, scn_rand(16384, st + ST_CPORT)) ||
	    scn_vary_l4(pl, m.query, &fr[0], 0, 2, scn_rand(28232, st + ST_DNSPORT)) ||
	    scn_vary_l4(pl, m.response, &fr[1], 2, 2, scn_rand(28232, st + ST_DNSPORT)) ||
	    scn_vary_l4(pl, m.query, &fr[0], 8, 2, scn_rand(65536, st + ST_TXID)) ||
	    scn_vary_l4(pl, m.response, &fr[1], 8, 2, scn_rand(65536, st + ST_TXID)) ||
	    scn_vary_l4(pl, m.c2s_tcp, &fr[m.first_c2s], 4, 4, scn_rand(0, st + ST_ISN_C)) ||
	    scn_vary_l4(pl, m.s2c_tcp, &fr[m.first_s2c], 8, 4, scn_rand(0, st + ST_ISN_C)) ||
	    scn_vary_l4(pl, m.s2c_tcp, &fr[m.first_s2c], 4, 4, scn_rand(0, st + ST_ISN_S)) ||
	    scn_vary_l4(pl, m.c2s_ack, &fr[m.first_c2s_ack], 8, 4, scn_rand(0, st + ST_ISN_S)))
		return -1;
	return 0;
}

/* A block given for one family leaves the other family's default. */
static void range_for(const struct xs_range *given, bool set, bool v4, const char *def4,
		      const char *def6, struct xs_range *out)
{
	if (set && given->v4 == v4)
		*out = *given;
	else
		xs_range_parse(v4 ? def4 : def6, out);
}

int xs_scn_benign(const struct xs_scn_params *p, struct xs_plan *pl)
{
	static struct scn_frame fr[NSTEPS];
	struct xs_range clients, servers;
	int fam;

	if ((p->src_set && p->family && p->src.v4 != (p->family == 4)) ||
	    (p->dst_set && p->family && p->dst.v4 != (p->family == 4))) {
		xs_err("benign: --src/--dst are of the other family than --family %d", p->family);
		return XS_EXIT_USAGE;
	}
	if (p->port_set || p->sport_set) {
		xs_err("benign: the ports are DNS's and HTTPS's: drop --port and --sport");
		return XS_EXIT_USAGE;
	}
	for (fam = 4; fam <= 6; fam += 2) {
		bool v4 = fam == 4;

		if (p->family && p->family != fam)
			continue;
		range_for(&p->src, p->src_set, v4, SCN_CLIENTS4, SCN_CLIENTS6, &clients);
		range_for(&p->dst, p->dst_set, v4, SCN_SERVERS4, SCN_SERVERS6, &servers);
		if (visit(p, pl, &clients, &servers, v4 ? SCN_RESOLVER4 : SCN_RESOLVER6,
			  v4 ? 0 : 100, fr))
			return XS_EXIT_FAIL;
	}
	snprintf(pl->unit_name, sizeof(pl->unit_name), "visits");
	scn_timing(pl, p, 300, 10.0, 0);
	scn_label(pl, "", NULL, NULL, "*");
	return 0;
}
