// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The kernel's side of the probe family, through BPF_PROG_TEST_RUN: what
 * can be a probe (bpf/probe.h: the per-source count and sketch of probed
 * destinations; out-of-state ACKs as new flows, connections' own ACKs in
 * either direction not), the client's data segments, and SIP on its port
 * (bpf/sip.h: requests by method, failures by code, the peer and how many
 * went there), each with exact values.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "xs_test.h"

static struct xs_fixture fx;
static bool loaded;

static struct xs_fixture *fix(void)
{
	if (!loaded) {
		CU_ASSERT_FATAL(xs_fixture_setup(&fx, NULL) == 0);
		loaded = true;
	}
	return &fx;
}

static int suite_clean(void)
{
	if (loaded)
		xs_fixture_teardown(&fx);
	return 0;
}

static void pkt(const char *src, const char *dst, int proto, int sport, int dport, uint8_t flags,
		const char *data)
{
	struct xs_pkt_spec s;

	CU_ASSERT_FATAL(xs_pkt_spec_init(&s, src, dst, proto, sport, dport) == 0);
	s.tcp_flags = flags;
	if (proto == IPPROTO_ICMP) {
		s.icmp_type = (uint8_t)sport;
		s.icmp_id = 7;
	}
	if (data) {
		s.payload = (uint16_t)strlen(data);
		s.data = (const uint8_t *)data;
	}
	CU_ASSERT_EQUAL(xs_run_spec(fix(), &s, NULL), 2);
}

/* A fresh generation and no events. */
static void start(void)
{
	struct xs_tick t;

	xs_flip(fix(), &t);
	fix()->nevents = 0;
}

static const struct xs_src *src_of(struct xs_tick *t, const char *a)
{
	const struct xs_src_entry *e = xs_find_src(t, a);

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return &e->v;
}

/* SYN, FIN, NULL, an out-of-state ACK, ICMP echo and UDP to a service
 * port are probes; answers, data and chatter between high ports are not. */
static void test_probe_kinds(void)
{
	struct xs_tick t;
	const struct xs_src *s;
	double est;
	int i, used;

	start();
	for (i = 0; i < 48; i++) {
		char d[32];

		snprintf(d, sizeof(d), "10.20.0.%d", i + 1);
		switch (i % 6) {
		case 0:
			pkt("192.0.2.9", d, IPPROTO_TCP, 40000 + i, 80, XS_TCP_SYN, NULL);
			break;
		case 1:
			pkt("192.0.2.9", d, IPPROTO_TCP, 40000 + i, 80, XS_TCP_ACK, NULL);
			break;
		case 2:
			pkt("192.0.2.9", d, IPPROTO_TCP, 40000 + i, 80, XS_TCP_FIN, NULL);
			break;
		case 3:
			pkt("192.0.2.9", d, IPPROTO_TCP, 40000 + i, 80, 0, NULL);
			break;
		case 4:
			pkt("192.0.2.9", d, IPPROTO_ICMP, 8, 0, 0, NULL);
			break;
		case 5:
			pkt("192.0.2.9", d, IPPROTO_UDP, 40000 + i, 161, 0, "x");
			break;
		}
	}
	/* One destination probed on 30 ports: one register. */
	for (i = 0; i < 30; i++)
		pkt("192.0.2.8", "10.21.0.1", IPPROTO_TCP, 40000, 1000 + i, XS_TCP_SYN, NULL);
	/* Not probes: answers, data, high-port chatter, echo replies. */
	pkt("192.0.2.7", "10.30.0.1", IPPROTO_TCP, 80, 40000, XS_TCP_SYN | XS_TCP_ACK, NULL);
	pkt("192.0.2.7", "10.30.0.2", IPPROTO_TCP, 80, 40000, XS_TCP_RST | XS_TCP_ACK, NULL);
	pkt("192.0.2.7", "10.30.0.3", IPPROTO_TCP, 80, 40000, XS_TCP_ACK | XS_TCP_PSH, "data");
	pkt("192.0.2.7", "10.30.0.4", IPPROTO_UDP, 53, 40000, 0, "answer");
	pkt("192.0.2.7", "10.30.0.5", IPPROTO_UDP, 40000, 50000, 0, "p2p");
	pkt("192.0.2.7", "10.30.0.6", IPPROTO_ICMP, 0, 0, 0, NULL);
	CU_ASSERT_EQUAL_FATAL(xs_flip(fix(), &t), 0);
	s = src_of(&t, "192.0.2.9");
	CU_ASSERT_EQUAL(s->probes, 48);
	CU_ASSERT_EQUAL(s->pkts, 48);
	est = xs_hll_estimate(s->hll_dst, XS_HLL_REGS);
	CU_ASSERT(est > 20 && est < 100); /* 48, within the sketch's error */
	s = src_of(&t, "192.0.2.8");
	CU_ASSERT_EQUAL(s->probes, 30);
	for (i = used = 0; i < XS_HLL_REGS; i++)
		used += s->hll_dst[i] != 0;
	CU_ASSERT_EQUAL(used, 1);
	s = src_of(&t, "192.0.2.7");
	CU_ASSERT_EQUAL(s->pkts, 6);
	CU_ASSERT_EQUAL(s->probes, 0);
	CU_ASSERT_EQUAL(s->tcp_data, 1);
	for (i = used = 0; i < XS_HLL_REGS; i++)
		used += s->hll_dst[i] != 0;
	CU_ASSERT_EQUAL(used, 0);
	/* New flows: the 48 and the 30 probes, the UDP answer, the UDP
	 * chatter and the echo reply (new, not probes). */
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 48 + 30 + 3);
	CU_ASSERT_EQUAL(fix()->nevents, 48 + 30 + 3);
}

/* ACKs: a connection's own, either way, are not new; an unknown one is,
 * once. */
static void test_ack_state(void)
{
	struct xs_tick t;
	size_t i, acks = 0;

	start();
	/* A connection: its SYN, then the client's handshake ACK and the
	 * server's ACK (a link carrying both directions). */
	pkt("198.51.100.1", "192.0.2.2", IPPROTO_TCP, 41000, 22, XS_TCP_SYN, NULL);
	pkt("192.0.2.2", "198.51.100.1", IPPROTO_TCP, 22, 41000, XS_TCP_SYN | XS_TCP_ACK, NULL);
	pkt("198.51.100.1", "192.0.2.2", IPPROTO_TCP, 41000, 22, XS_TCP_ACK, NULL);
	pkt("192.0.2.2", "198.51.100.1", IPPROTO_TCP, 22, 41000, XS_TCP_ACK, NULL);
	pkt("192.0.2.2", "198.51.100.1", IPPROTO_TCP, 22, 41000, XS_TCP_ACK, NULL);
	/* An ACK probe, sent twice (nmap retries): one new flow. */
	pkt("198.51.100.66", "192.0.2.2", IPPROTO_TCP, 50000, 3389, XS_TCP_ACK, NULL);
	pkt("198.51.100.66", "192.0.2.2", IPPROTO_TCP, 50000, 3389, XS_TCP_ACK, NULL);
	CU_ASSERT_EQUAL_FATAL(xs_flip(fix(), &t), 0);
	CU_ASSERT_EQUAL(t.g.cnt[XS_N_FLOW_NEW], 2); /* the SYN, the probe */
	CU_ASSERT_EQUAL_FATAL(fix()->nevents, 2);
	for (i = 0; i < fix()->nevents; i++)
		if (fix()->events[i].tcp_flags == XS_TCP_ACK) {
			acks++;
			CU_ASSERT_EQUAL(ntohs(fix()->events[i].dport), 3389);
		}
	CU_ASSERT_EQUAL(acks, 1);
	CU_ASSERT_EQUAL(src_of(&t, "198.51.100.66")->probes, 1);
	CU_ASSERT_EQUAL(src_of(&t, "198.51.100.1")->probes, 1); /* its SYN */
	CU_ASSERT_EQUAL(src_of(&t, "192.0.2.2")->probes, 0);
}

static const char *reg(char *b, size_t n, const char *method)
{
	snprintf(b, n,
		 "%s sip:1000@192.0.2.4 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060\r\n"
		 "CSeq: 1 %s\r\nContent-Length: 0\r\n\r\n",
		 method, method);
	return b;
}

static const char *answer(char *b, size_t n, const char *status)
{
	snprintf(b, n, "SIP/2.0 %s\r\nVia: SIP/2.0/UDP 192.0.2.1:5060\r\nContent-Length: 0\r\n\r\n",
		 status);
	return b;
}

/* SIP on port 5060: requests by method, failures by code, the peer. */
static void test_sip(void)
{
	static const char *const methods[] = {"REGISTER", "INVITE",    "OPTIONS",
					      "BYE",	  "REGISTERX", "register"};
	struct xs_tick t;
	const struct xs_src *c, *srv;
	char b[256];
	size_t i;

	start();
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		pkt("192.0.2.1", "192.0.2.4", IPPROTO_UDP, 5060, 5060, 0,
		    reg(b, sizeof(b), methods[i]));
	pkt("192.0.2.1", "192.0.2.4", IPPROTO_TCP, 41000, 5060, XS_TCP_ACK | XS_TCP_PSH,
	    reg(b, sizeof(b), "INVITE"));
	/* Another server: the peer changes, its count starts again. */
	pkt("192.0.2.1", "192.0.2.5", IPPROTO_UDP, 5060, 5060, 0, reg(b, sizeof(b), "OPTIONS"));
	pkt("192.0.2.1", "192.0.2.5", IPPROTO_UDP, 5060, 5060, 0, reg(b, sizeof(b), "OPTIONS"));
	/* Not SIP's port; too short to say. */
	pkt("192.0.2.1", "192.0.2.4", IPPROTO_UDP, 5070, 5070, 0, reg(b, sizeof(b), "REGISTER"));
	pkt("192.0.2.1", "192.0.2.4", IPPROTO_UDP, 5060, 5060, 0, "REGISTER");
	/* The server's answers: provisional and success are not failures. */
	pkt("192.0.2.4", "192.0.2.1", IPPROTO_UDP, 5060, 5060, 0,
	    answer(b, sizeof(b), "100 Trying"));
	pkt("192.0.2.4", "192.0.2.1", IPPROTO_UDP, 5060, 5060, 0, answer(b, sizeof(b), "200 OK"));
	pkt("192.0.2.4", "192.0.2.1", IPPROTO_UDP, 5060, 5060, 0,
	    answer(b, sizeof(b), "401 Unauthorized"));
	pkt("192.0.2.4", "192.0.2.1", IPPROTO_UDP, 5060, 5060, 0,
	    answer(b, sizeof(b), "407 Proxy Authentication Required"));
	pkt("192.0.2.4", "192.0.2.1", IPPROTO_UDP, 5060, 5060, 0,
	    answer(b, sizeof(b), "403 Forbidden"));
	pkt("192.0.2.4", "192.0.2.1", IPPROTO_UDP, 5060, 5060, 0,
	    answer(b, sizeof(b), "404 Not Found"));
	pkt("192.0.2.4", "192.0.2.1", IPPROTO_UDP, 5060, 5060, 0,
	    answer(b, sizeof(b), "404 Not Found"));
	pkt("192.0.2.4", "192.0.2.1", IPPROTO_UDP, 5060, 5060, 0,
	    answer(b, sizeof(b), "503 Service Unavailable"));
	CU_ASSERT_EQUAL_FATAL(xs_flip(fix(), &t), 0);
	c = src_of(&t, "192.0.2.1");
	CU_ASSERT_EQUAL(c->sip_req[XS_SIP_REGISTER], 1);
	CU_ASSERT_EQUAL(c->sip_req[XS_SIP_INVITE], 2); /* UDP and TCP */
	CU_ASSERT_EQUAL(c->sip_req[XS_SIP_OPTIONS], 3);
	CU_ASSERT_EQUAL(c->sip_req[XS_SIP_OTHER], 2); /* BYE, REGISTERX */
	CU_ASSERT_EQUAL(c->sip_peers, 2);
	CU_ASSERT_EQUAL(c->sip_peer_msgs, 2);
	CU_ASSERT(!memcmp(&c->sip_peer, &xs_find_dst(&t, "192.0.2.5")->addr, sizeof(c->sip_peer)));
	srv = src_of(&t, "192.0.2.4");
	CU_ASSERT_EQUAL(srv->sip_fail[XS_SIP_F_AUTH], 2);
	CU_ASSERT_EQUAL(srv->sip_fail[XS_SIP_F_FORBIDDEN], 1);
	CU_ASSERT_EQUAL(srv->sip_fail[XS_SIP_F_NOTFOUND], 2);
	CU_ASSERT_EQUAL(srv->sip_fail[XS_SIP_F_OTHER], 1);
	CU_ASSERT_EQUAL(srv->sip_req[XS_SIP_REGISTER] + srv->sip_req[XS_SIP_OTHER], 0);
	CU_ASSERT_EQUAL(srv->sip_peers, 1);
	CU_ASSERT_EQUAL(srv->sip_peer_msgs, 6);
}

static const struct xs_test tests[] = {
    {"probes: which packets, the sketch, data segments", test_probe_kinds},
    {"probes: ACKs of a connection, either way; an ACK probe", test_ack_state},
    {"sip: methods, failure codes, peers, port and length", test_sip},
};

int main(void)
{
	return xs_test_main("probe", tests, sizeof(tests) / sizeof(tests[0]), NULL, suite_clean);
}
