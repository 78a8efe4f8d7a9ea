// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Shared steps of the scenario builders: ranges, templates, fields. */
#include <math.h>
#include <string.h>

#include "exitcode.h"
#include "names.h"
#include "scn.h"

void scn_range(const struct xs_range *given, bool set, const char *def4, const char *def6,
	       bool v4, struct xs_range *out)
{
	if (set)
		*out = *given;
	else
		xs_range_parse(v4 ? def4 : def6, out);
}

bool scn_v4(const struct xs_scn_params *p)
{
	if (p->dst_set)
		return p->dst.v4;
	if (p->src_set)
		return p->src.v4;
	return true;
}

int scn_need_single(const struct xs_range *r, const char *flag, const char *scenario)
{
	char b[64];

	if (r->prefix == (r->v4 ? 32 : 128))
		return 0;
	xs_err("%s: %s needs one address, got the block %s", flag, scenario,
	       xs_range_str(r, b, sizeof(b)));
	return XS_EXIT_USAGE;
}

int scn_same_family(const struct xs_range *a, const struct xs_range *b, const char *scenario)
{
	if (a->v4 == b->v4)
		return 0;
	xs_err("%s: --src and --dst must both be IPv4 or both IPv6", scenario);
	return XS_EXIT_USAGE;
}

void scn_spec(const struct xs_scn_params *p, struct xs_pkt_spec *s, const struct xs_addr *src,
	      const struct xs_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	static const uint8_t dmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
	static const uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

	memset(s, 0, sizeof(*s));
	memcpy(s->dmac, dmac, 6);
	memcpy(s->smac, smac, 6);
	s->src = *src;
	s->dst = *dst;
	s->proto = proto;
	s->sport = sport;
	s->dport = dport;
	if (p->vlan >= 0) {
		s->nvlan = 1;
		s->vlan_tpid[0] = 0x8100;
		s->vlan_id[0] = (uint16_t)p->vlan;
	}
	/* Headers a parser must walk to find the ports (issue 13). */
	if (!xs_addr_is_v4(dst))
		for (s->nipv6_ext = 0; s->nipv6_ext < p->ext_hdrs; s->nipv6_ext++)
			s->ipv6_ext[s->nipv6_ext] = 60;
}

int scn_add_raw(struct xs_plan *pl, const char *name, struct scn_frame *fr)
{
	if (pl->nkinds >= XS_PLAN_KINDS)
		return -1;
	fr->kind = xs_plan_add_kind(pl, name, fr->buf, fr->len);
	return fr->kind < 0 ? -1 : 0;
}

int scn_add(struct xs_plan *pl, const char *name, const struct xs_pkt_spec *s,
	    struct scn_frame *fr)
{
	memset(fr, 0, sizeof(*fr));
	fr->len = xs_pkt_build_layout(s, fr->buf, sizeof(fr->buf), &fr->lay);
	if (fr->len < 0 || fr->len > XS_GEN_FRAME_MAX) {
		xs_err("%s: a %s frame of %d bytes does not fit (at most %d): lower --payload",
		       pl->scenario, name, fr->len, XS_GEN_FRAME_MAX);
		return -1;
	}
	fr->proto = s->proto ? s->proto : IPPROTO_TCP;
	fr->v4 = xs_addr_is_v4(&s->src);
	fr->later = s->frag_offset != 0;
	return scn_add_raw(pl, name, fr);
}

struct xs_gen_field scn_seq(uint32_t span)
{
	return (struct xs_gen_field){ .mode = XS_GV_SEQ, .span = span };
}

struct xs_gen_field scn_rand(uint32_t span, uint32_t stream)
{
	return (struct xs_gen_field){ .mode = XS_GV_RAND, .span = span, .stream = stream };
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

struct xs_gen_field scn_perm(uint32_t span, uint64_t seed, uint32_t stream)
{
	struct xs_gen_field f = { .mode = XS_GV_PERM, .span = span, .mult = 1 };
	uint64_t x = xs_gen_mix64(seed ^ (0x5eed0000ULL + stream)), n = span ? span : 1ULL << 32;
	uint64_t m;

	if (n < 3)
		return f;
	/* A multiplier coprime with span and far from 1, so that neighbours
	 * in the order are far apart in value. */
	m = n / 3 + x % (n / 3 + 1);
	while (gcd(m, n) != 1)
		m++;
	f.mult = (uint32_t)(m % n);
	f.add = (uint32_t)(xs_gen_mix64(x) % n);
	return f;
}

/* The L4 checksum of a frame: its offset (0: none) and whether it is UDP's. */
static uint16_t l4_csum(const struct scn_frame *fr, uint8_t *udp)
{
	*udp = 0;
	if (fr->later)
		return 0;
	switch (fr->proto) {
	case IPPROTO_TCP:
		return fr->lay.l4 + 16;
	case IPPROTO_UDP:
		*udp = 1;
		return fr->lay.l4 + 6;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return fr->lay.l4 + 2;
	}
	return 0;
}

static int add_field(struct xs_plan *pl, struct xs_gen_field f)
{
	if (xs_plan_add_field(pl, &f)) {
		xs_err("%s: too many varying fields (at most %d)", pl->scenario, XS_GEN_FIELDS_MAX);
		return -1;
	}
	return 0;
}

int scn_vary_addr(struct xs_plan *pl, uint32_t kinds, const struct scn_frame *fr, bool src,
		  struct xs_gen_field how)
{
	uint8_t udp;
	uint16_t l4 = l4_csum(fr, &udp);

	how.kinds = kinds;
	how.size = 4;
	if (fr->v4) {
		how.off = fr->lay.l3 + (src ? 12 : 16);
		how.csum[0] = fr->lay.l3 + 10;
		/* ICMPv4's checksum does not cover the addresses. */
		if (fr->proto != IPPROTO_ICMP) {
			how.csum[1] = l4;
			how.csum_flags = udp ? XS_GEN_CSUM_UDP1 : 0;
		}
	} else {
		how.off = fr->lay.l3 + (src ? 8 : 24) + 12;
		how.csum[0] = l4;
		how.csum_flags = udp ? XS_GEN_CSUM_UDP0 : 0;
	}
	return add_field(pl, how);
}

int scn_vary_src6_net(struct xs_plan *pl, uint32_t kinds, const struct scn_frame *fr,
		      const struct xs_range *r, uint32_t stream)
{
	uint8_t udp;
	struct xs_gen_field how = scn_rand(0, stream);

	if (fr->v4 || r->prefix > 32)
		return 0;
	how.kinds = kinds;
	how.size = 4;
	how.off = fr->lay.l3 + 8 + 4;	/* source address, bits 32-63 */
	how.csum[0] = l4_csum(fr, &udp);
	how.csum_flags = udp ? XS_GEN_CSUM_UDP0 : 0;
	return add_field(pl, how);
}

int scn_vary_l4(struct xs_plan *pl, uint32_t kinds, const struct scn_frame *fr, int l4off,
		int size, struct xs_gen_field how)
{
	uint8_t udp;

	how.kinds = kinds;
	how.size = (uint8_t)size;
	how.off = (uint16_t)(fr->lay.l4 + l4off);
	how.csum[0] = l4_csum(fr, &udp);
	how.csum_flags = udp ? XS_GEN_CSUM_UDP0 : 0;
	return add_field(pl, how);
}

int scn_vary_ipid(struct xs_plan *pl, uint32_t kinds, const struct scn_frame *fr,
		  struct xs_gen_field how)
{
	if (!fr->v4)
		return 0;
	how.kinds = kinds;
	how.size = 2;
	how.off = fr->lay.l3 + 4;
	how.csum[0] = fr->lay.l3 + 10;
	return add_field(pl, how);
}

void scn_timing(struct xs_plan *pl, const struct xs_scn_params *p, uint64_t def_rate,
		double def_duration, uint64_t def_count)
{
	pl->rate = p->rate_set ? p->rate : def_rate;
	if (p->count)
		pl->count = p->count;
	else if (def_count && !p->duration_set)
		pl->count = def_count;
	else {
		uint64_t u = pl->cfg.unit;

		/* From a duration: whole units (replies, connections). */
		pl->count = (uint64_t)llround((p->duration_set ? p->duration : def_duration) *
					      pl->rate);
		pl->count = (pl->count + u - 1) / u * u;
	}
}

void scn_label(struct xs_plan *pl, const char *rule, const struct xs_range *attacker,
	       const char *victim, const char *forbid)
{
	struct xs_label *l = &pl->label;

	memset(l, 0, sizeof(*l));
	snprintf(l->rule, sizeof(l->rule), "%s", rule);
	if (attacker && xs_range_span(attacker) == 1)
		xs_addr_str(&attacker->base, l->attacker);
	else
		snprintf(l->attacker, sizeof(l->attacker), "*");
	snprintf(l->victim, sizeof(l->victim), "%s", victim ? victim : "*");
	snprintf(l->forbid, sizeof(l->forbid), "%s", forbid);
}
