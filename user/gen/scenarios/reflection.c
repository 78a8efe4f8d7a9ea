// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reflection/amplification: replies from many reflectors (DNS 53, NTP 123,
 * SNMP 161) to one victim that never asked. A reply larger than the MTU
 * leaves the reflector as IP fragments: the first carries the UDP header,
 * the later ones carry none (no ports), as in real amplification captures.
 * One unit is one reply with its fragments.
 */
#include <string.h>

#include "exitcode.h"
#include "names.h"
#include "scn.h"

enum { ST_SRC = 1, ST_DPORT, ST_TXID };

enum refl_kind { REFL_DNS, REFL_NTP, REFL_SNMP, REFL_WSD, REFL_BACNET };

/* WS-Discovery (3702) and BACnet/IP (47808) are not in the default
 * reflector_ports: they test reflection recognised by its shape. */
static const struct {
	const char *name;
	uint16_t port;
	int payload;	/* default reply size */
} refl_info[] = {
	[REFL_DNS] = { "dns", 53, 3000 },
	[REFL_NTP] = { "ntp", 123, 440 },
	[REFL_SNMP] = { "snmp", 161, 2400 },
	[REFL_WSD] = { "wsd", 3702, 2600 },
	[REFL_BACNET] = { "bacnet", 47808, 1400 },
};

#define WSD_REPLY                                                                              \
	"<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope "                           \
	"xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" "                                \
	"xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "                        \
	"xmlns:wsd=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><soap:Header>"           \
	"<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>" \
	"</soap:Header><soap:Body><wsd:ProbeMatches><wsd:ProbeMatch>"

#define DNS_NAME "isc.org"
#define MAX_FRAGS 16

static int reflection(const struct xs_scn_params *p, struct xs_plan *pl, enum refl_kind rk)
{
	static struct scn_frame whole, fr[MAX_FRAGS];
	static uint8_t data[8192];
	struct xs_range src, dst;
	struct xs_pkt_spec s;
	struct xs_ports dport, sport;
	char victim[XS_ADDR_STRLEN], name[XS_PLAN_NAME];
	uint32_t first, later = 0;
	int size, nfrag, i, err;
	bool v4 = scn_v4(p);

	scn_range(&p->src, p->src_set, SCN_REFLECTORS4, SCN_REFLECTORS6, v4, &src);
	scn_range(&p->dst, p->dst_set, SCN_VICTIM4, SCN_VICTIM6, v4, &dst);
	if ((err = scn_same_family(&src, &dst, pl->scenario)) ||
	    (err = scn_need_single(&dst, "--dst", pl->scenario)))
		return err;
	sport = p->sport_set ? p->sport : (struct xs_ports){ refl_info[rk].port, refl_info[rk].port };
	if (sport.lo != sport.hi) {
		xs_err("--sport: %s replies come from one port, got a range", pl->scenario);
		return XS_EXIT_USAGE;
	}
	dport = p->port_set ? p->port : (struct xs_ports){ 1024, 65535 };
	size = p->payload >= 0 ? p->payload : refl_info[rk].payload;
	if (rk == REFL_DNS && size < scn_dns_query_len(DNS_NAME)) {
		xs_err("--payload: a DNS reply needs at least %d bytes", scn_dns_query_len(DNS_NAME));
		return XS_EXIT_USAGE;
	}
	if (rk == REFL_DNS)
		scn_dns_response(data, size, 0, DNS_NAME, 255 /* ANY */);
	else if (rk == REFL_NTP)
		scn_ntp_monlist(data, size);
	else if (rk == REFL_SNMP)
		scn_snmp_response(data, size);
	else if (rk == REFL_WSD)
		scn_text(data, size, WSD_REPLY);
	else
		scn_bacnet_ack(data, size);

	scn_spec(p, &s, &src.base, &dst.base, IPPROTO_UDP, sport.lo, dport.lo);
	s.payload = (uint16_t)size;
	s.data = data;
	s.ttl = 52;
	memset(&whole, 0, sizeof(whole));
	whole.len = xs_pkt_build_layout(&s, whole.buf, sizeof(whole.buf), &whole.lay);
	if (whole.len < 0) {
		xs_err("--payload: %d bytes do not fit a frame", size);
		return XS_EXIT_USAGE;
	}
	nfrag = xs_pkt_frag_count(whole.buf, whole.len, whole.lay.l3, p->mtu);
	if (nfrag < 1 || nfrag > MAX_FRAGS) {
		xs_err("--payload: a %d-byte reply makes %d fragments at MTU %d (at most %d)", size,
		       nfrag, p->mtu, MAX_FRAGS);
		return XS_EXIT_USAGE;
	}
	for (i = 0; i < nfrag; i++) {
		struct scn_frame *f = &fr[i];

		memset(f, 0, sizeof(*f));
		f->len = xs_pkt_fragment(whole.buf, whole.len, whole.lay.l3, p->mtu, i, 0, f->buf,
					 sizeof(f->buf));
		f->lay = whole.lay;
		f->lay.len = (uint16_t)f->len;
		if (nfrag > 1 && !v4)
			f->lay.l4 += 8;	/* after the fragment header */
		f->proto = IPPROTO_UDP;
		f->v4 = v4;
		f->later = i > 0;
		if (nfrag == 1)
			snprintf(name, sizeof(name), "%s_reply", refl_info[rk].name);
		else if (i == 0)
			snprintf(name, sizeof(name), "%s_reply_frag1", refl_info[rk].name);
		else
			snprintf(name, sizeof(name), "ip_frag%d_no_udp", i + 1);
		if (f->len < 0 || scn_add_raw(pl, name, f) || xs_plan_push(pl, f->kind))
			return XS_EXIT_FAIL;
		if (i)
			later |= 1u << f->kind;
	}
	first = 1u << fr[0].kind;
	snprintf(pl->unit_name, sizeof(pl->unit_name), "replies");

	/* One reflector, one victim port, one identification per reply. */
	if (scn_vary_addr(pl, first, &fr[0], true, scn_rand(xs_range_span(&src), ST_SRC)) ||
	    (later &&
	     scn_vary_addr(pl, later, &fr[1], true, scn_rand(xs_range_span(&src), ST_SRC))) ||
	    scn_vary_l4(pl, first, &fr[0], 2, 2, scn_rand(dport.hi - dport.lo + 1u, ST_DPORT)) ||
	    scn_vary_ipid(pl, first | later, &fr[0], scn_seq(65536)))
		return XS_EXIT_FAIL;
	if (!v4 && nfrag > 1) {
		/* The fragment header's identification: no checksum covers it. */
		struct xs_gen_field id = scn_seq(0);

		id.kinds = first | later;
		id.size = 4;
		id.off = fr[0].lay.l3 + 40 + 4;
		if (xs_plan_add_field(pl, &id))
			return XS_EXIT_FAIL;
	}
	if (rk == REFL_DNS && scn_vary_l4(pl, first, &fr[0], 8, 2, scn_rand(65536, ST_TXID)))
		return XS_EXIT_FAIL;

	scn_timing(pl, p, 50000, 1.0, 0);
	xs_addr_str(&dst.base, victim);
	scn_label(pl, "reflection", &src, victim, "port_scan;host_sweep;brute_force;syn_flood");
	return 0;
}

int xs_scn_dns_reflection(const struct xs_scn_params *p, struct xs_plan *pl)
{
	return reflection(p, pl, REFL_DNS);
}

int xs_scn_ntp_reflection(const struct xs_scn_params *p, struct xs_plan *pl)
{
	return reflection(p, pl, REFL_NTP);
}

int xs_scn_snmp_reflection(const struct xs_scn_params *p, struct xs_plan *pl)
{
	return reflection(p, pl, REFL_SNMP);
}

int xs_scn_wsd_reflection(const struct xs_scn_params *p, struct xs_plan *pl)
{
	return reflection(p, pl, REFL_WSD);
}

int xs_scn_bacnet_reflection(const struct xs_scn_params *p, struct xs_plan *pl)
{
	return reflection(p, pl, REFL_BACNET);
}
