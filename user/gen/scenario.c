// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "names.h"
#include "parse.h"
#include "scenario.h"
#include "scenarios/scn.h"

const struct xs_scenario *xs_scenario_find(const char *name)
{
	int i;

	for (i = 0; i < xs_nscenarios; i++)
		if (!strcmp(name, xs_scenarios[i].name))
			return &xs_scenarios[i];
	return NULL;
}

void xs_scn_params_init(struct xs_scn_params *p)
{
	memset(p, 0, sizeof(*p));
	p->seed = 1;
	p->vlan = -1;
	p->payload = -1;
	p->mtu = 1500;
}

int xs_scenario_build(const struct xs_scenario *s, const struct xs_scn_params *p,
		      struct xs_plan *plan)
{
	int err;

	xs_plan_init(plan, s->name, p->seed);
	err = s->build(p, plan);
	if (!err && xs_plan_check(plan))
		err = XS_EXIT_FAIL;
	if (!err && !plan->count) {
		xs_err("%s: no frames to send: raise --count or --duration", s->name);
		err = XS_EXIT_USAGE;
	}
	if (err)
		xs_plan_free(plan);
	return err;
}

static int parse_seconds(const char *flag, const char *s, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < min || v > 31536000) {
		xs_err("%s: expected seconds (a number >= %g), got '%s'", flag, min, s);
		return -1;
	}
	*out = v;
	return 0;
}

int xs_scn_opt(int c, const char *arg, struct xs_scn_params *p)
{
	unsigned long long v;

	switch (c) {
	case 'r':
		if (xs_parse_u64("--rate", arg, 1, 100000000, &v))
			return -1;
		p->rate = v;
		p->rate_set = true;
		return 0;
	case 'd':
		if (parse_seconds("--duration", arg, 0.000001, &p->duration))
			return -1;
		p->duration_set = true;
		return 0;
	case 'n':
		if (xs_parse_u64("--count", arg, 1, 1ULL << 40, &v))
			return -1;
		p->count = v;
		return 0;
	case 's':
	case 't':
		if (xs_range_parse(arg, c == 's' ? &p->src : &p->dst)) {
			xs_err("%s: expected an address or CIDR block (10.0.0.0/8, 2001:db8::/64), "
			       "got '%s'",
			       c == 's' ? "--src" : "--dst", arg);
			return -1;
		}
		*(c == 's' ? &p->src_set : &p->dst_set) = true;
		return 0;
	case 'p':
	case XS_SCN_O_SPORT:
		if (xs_ports_parse(arg, c == 'p' ? &p->port : &p->sport)) {
			xs_err("%s: expected a port or a range (80, 1-1024), got '%s'",
			       c == 'p' ? "--port" : "--sport", arg);
			return -1;
		}
		*(c == 'p' ? &p->port_set : &p->sport_set) = true;
		return 0;
	case 'S':
		if (xs_parse_u64("--seed", arg, 0, ~0ULL, &v))
			return -1;
		p->seed = v;
		return 0;
	case XS_SCN_O_VLAN:
		if (xs_parse_u64("--vlan", arg, 1, 4094, &v))
			return -1;
		p->vlan = (int)v;
		return 0;
	case XS_SCN_O_PAYLOAD:
		if (xs_parse_u64("--payload", arg, 0, 8000, &v))
			return -1;
		p->payload = (int)v;
		return 0;
	case XS_SCN_O_MTU:
		if (xs_parse_u64("--mtu", arg, 576, 9000, &v))
			return -1;
		p->mtu = (int)v;
		return 0;
	case XS_SCN_O_ORDER:
		if (!strcmp(arg, "seq"))
			p->order = XS_ORDER_SEQ;
		else if (!strcmp(arg, "random"))
			p->order = XS_ORDER_RANDOM;
		else {
			xs_err("--order: expected seq or random, got '%s'", arg);
			return -1;
		}
		return 0;
	case XS_SCN_O_PROBE:
		if (!strcmp(arg, "icmp"))
			p->probe = XS_PROBE_ICMP;
		else if (!strcmp(arg, "tcp"))
			p->probe = XS_PROBE_TCP;
		else {
			xs_err("--probe: expected icmp or tcp, got '%s'", arg);
			return -1;
		}
		return 0;
	case XS_SCN_O_FAMILY:
		if (!strcmp(arg, "4") || !strcmp(arg, "ipv4"))
			p->family = 4;
		else if (!strcmp(arg, "6") || !strcmp(arg, "ipv6"))
			p->family = 6;
		else if (!strcmp(arg, "both"))
			p->family = 0;
		else {
			xs_err("--family: expected 4, 6 or both, got '%s'", arg);
			return -1;
		}
		return 0;
	case XS_SCN_O_EXT_HDRS:
		if (xs_parse_u64("--ext-hdrs", arg, 0, 8, &v))
			return -1;
		p->ext_hdrs = (int)v;
		return 0;
	case XS_SCN_O_GAP:
		return parse_seconds("--gap", arg, 0, &p->gap);
	case XS_SCN_O_AT:
		if (parse_seconds("--at", arg, 0, &p->at))
			return -1;
		p->at_set = true;
		return 0;
	}
	return 1;
}

void xs_scn_usage(FILE *f)
{
	int i;

	fprintf(f,
		"Scenario flags (each scenario has its own defaults; see docs/lab-and-generator.md):\n"
		"  -r, --rate PPS        frames per second\n"
		"  -d, --duration S      seconds of traffic (count = rate x duration)\n"
		"  -n, --count N         frames (overrides --duration)\n"
		"  -s, --src CIDR        source address or block (IPv4 or IPv6)\n"
		"  -t, --dst CIDR        destination: the victim, or the block swept\n"
		"      --victim ADDR     the same as --dst\n"
		"  -p, --port P[-Q]      destination port(s)\n"
		"      --sport P[-Q]     source port(s)\n"
		"  -S, --seed N          seed of every random choice (default 1)\n"
		"      --vlan ID         tag every frame with 802.1Q VLAN ID\n"
		"      --payload BYTES   payload size (reflection: the reply's)\n"
		"      --mtu BYTES       fragment IP packets longer than this (default 1500)\n"
		"      --order seq|random  order of ports or hosts (scans, sweeps), of spoofed\n"
		"                        sources (floods: each once per pass)\n"
		"      --probe icmp|tcp  host_sweep probe (tcp: SYN to --port)\n"
		"      --family 4|6|both benign: address families (default both)\n"
		"      --ext-hdrs N      IPv6: N Destination Options headers (0..8) before\n"
		"                        the transport header of every packet\n"
		"      --gap S           silence before this segment (after '+')\n"
		"      --at S            start this segment S seconds after the first\n"
		"\nScenarios:\n");
	for (i = 0; i < xs_nscenarios; i++)
		fprintf(f, "  %-17s %s\n", xs_scenarios[i].name, xs_scenarios[i].summary);
}

int xs_scn_segments(int argc, char **argv, int *start, int *len, int max)
{
	int i, n = 0, s = 0;

	for (i = 0; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "+"))
			continue;
		if (i == s || n >= max)
			return -1;
		start[n] = s;
		len[n++] = i - s;
		s = i + 1;
	}
	return n;
}

int xs_scn_segment_argv(char *argv0, char **words, int n, char **sub, int cap)
{
	int k;

	if (n + 2 > cap) {
		xs_err("a segment has %d words, at most %d are allowed", n, cap - 2);
		return -1;
	}
	sub[0] = argv0;
	for (k = 0; k < n; k++)
		sub[k + 1] = words[k];
	sub[n + 1] = NULL;
	return n + 1;
}

int xs_range_parse(const char *s, struct xs_range *r)
{
	char buf[64], *slash;
	unsigned long long plen;
	int max, i;

	memset(r, 0, sizeof(*r));
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (xs_addr_parse(buf, &r->base))
		return -1;
	r->v4 = xs_addr_is_v4(&r->base) && !strchr(buf, ':');
	max = r->v4 ? 32 : 128;
	if (slash) {
		char *end;

		errno = 0;
		plen = strtoull(slash, &end, 10);
		if (errno || end == slash || *end || plen > (unsigned long long)max)
			return -1;
		r->prefix = (int)plen;
	} else {
		r->prefix = max;
	}
	/* Clear the host bits: the block starts at its network address. */
	for (i = (r->v4 ? 96 : 0) + r->prefix; i < 128; i++)
		r->base.a[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	return 0;
}

uint32_t xs_range_span(const struct xs_range *r)
{
	int host = (r->v4 ? 32 : 128) - r->prefix;

	return host >= 32 ? 0 : 1u << host;
}

void xs_range_addr(const struct xs_range *r, uint32_t off, struct xs_addr *out)
{
	uint32_t low;

	*out = r->base;
	memcpy(&low, &out->a[12], 4);
	low = htonl(ntohl(low) + off);
	memcpy(&out->a[12], &low, 4);
}

const char *xs_range_str(const struct xs_range *r, char *buf, size_t n)
{
	char a[XS_ADDR_STRLEN];

	xs_addr_str(&r->base, a);
	if (r->prefix == (r->v4 ? 32 : 128))
		snprintf(buf, n, "%s", a);
	else
		snprintf(buf, n, "%s/%d", a, r->prefix);
	return buf;
}

int xs_ports_parse(const char *s, struct xs_ports *p)
{
	unsigned long lo, hi;
	char *end;

	errno = 0;
	lo = strtoul(s, &end, 10);
	if (errno || end == s || lo > 65535)
		return -1;
	hi = lo;
	if (*end == '-') {
		const char *h = end + 1;

		hi = strtoul(h, &end, 10);
		if (errno || end == h || hi > 65535 || hi < lo)
			return -1;
	}
	if (*end)
		return -1;
	p->lo = (uint16_t)lo;
	p->hi = (uint16_t)hi;
	return 0;
}
