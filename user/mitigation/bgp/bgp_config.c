// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The `mitigation.bgp` section of the configuration file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "bgp_cfg.h"

void xs_bgp_cfg_default(struct xs_bgp_cfg *c)
{
	memset(c, 0, sizeof(*c));
	/* Debian's exabgp package makes this user. */
	snprintf(c->user, sizeof(c->user), "exabgp");
	/* BGP's smallest keepalive that is still a few packets: a dead
	 * speaker's routes go within 9 s even when no FIN reaches the peer. */
	c->hold_time_s = 9;
	c->max_announcements = 100;
	c->nbh_comm = 1;
	c->bh_comm[0] = (struct xs_bgp_community){ .v = { 65535, 666 } };
}

static bool path_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '/' || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

/* An address; *has (when given) says whether it was there. */
static void read_addr(xs_node map, const char *key, struct xs_addr *out, bool *has)
{
	xs_node n = xs_cfg_get(map, key);
	const char *s;

	if (!xs_node_present(n))
		return;
	s = xs_node_scalar(n);
	if (!s || xs_addr_parse(s, out)) {
		xs_cfg_error(n, "expected an IPv4 or IPv6 address, got '%s'", s ? s : "");
		return;
	}
	if (has)
		*has = true;
}

static bool num(const char *s, uint64_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || v > max)
		return false;
	*out = (uint32_t)v;
	return *end == '\0';
}

/* "65535:666" (standard), "64512:1:2" (large), or a well-known name. */
static int parse_community(const char *s, struct xs_bgp_community *c)
{
	static const struct {
		const char *name;
		uint32_t lo;
	} known[] = { { "blackhole", 666 }, { "no-export", 65281 }, { "no-advertise", 65282 } };
	char buf[64], *part[3], *save = NULL, *tok;
	int n = 0, i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < (int)(sizeof(known) / sizeof(known[0])); i++)
		if (!strcmp(s, known[i].name)) {
			c->v[0] = 65535;
			c->v[1] = known[i].lo;
			return 0;
		}
	if (strlen(s) >= sizeof(buf) || strstr(s, "::") || s[0] == ':' || s[strlen(s) - 1] == ':')
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (n == 3)
			return -1;
		part[n++] = tok;
	}
	if (n != 2 && n != 3)
		return -1;
	c->large = n == 3;
	for (i = 0; i < n; i++)
		if (!num(part[i], c->large ? 0xffffffffULL : 0xffff, &c->v[i]))
			return -1;
	return 0;
}

static void read_communities(xs_node map, struct xs_bgp_community *out, int *nout)
{
	xs_node seq = xs_cfg_get_seq(map, "communities");
	int i, len = xs_cfg_seq_len(seq);

	if (!xs_node_present(seq))
		return;
	if (len > XS_BGP_COMMUNITIES_MAX) {
		xs_cfg_error(seq, "at most %d communities", XS_BGP_COMMUNITIES_MAX);
		return;
	}
	*nout = 0;
	for (i = 0; i < len; i++) {
		xs_node c = xs_cfg_seq_at(seq, i);
		const char *s = xs_node_scalar(c);

		if (!s || parse_community(s, &out[*nout]))
			xs_cfg_error(c,
				     "expected a community: ASN:VALUE (16 bits each, 65535:666), "
				     "A:B:C (large, 32 bits each) or blackhole, no-export, "
				     "no-advertise; got '%s'",
				     s ? s : "");
		else
			(*nout)++;
	}
}

static void read_prefixes(xs_node map, struct xs_bgp_cfg *c)
{
	xs_node seq = xs_cfg_get_seq(map, "announce_prefixes");
	int i, len = xs_cfg_seq_len(seq);

	if (!len) {
		/* On the section's line: an absent key has none. */
		xs_cfg_error(map, "needs announce_prefixes: the prefixes of your networks that "
				  "routes may be announced for (198.51.100.0/24, 2001:db8::/32)");
		return;
	}
	if (len > XS_BGP_PREFIXES_MAX) {
		xs_cfg_error(seq, "at most %d prefixes", XS_BGP_PREFIXES_MAX);
		return;
	}
	c->nannounce = 0;
	for (i = 0; i < len; i++) {
		xs_node p = xs_cfg_seq_at(seq, i);
		const char *s = xs_node_scalar(p);

		if (!s || xs_prefix_parse(s, &c->announce[c->nannounce]))
			xs_cfg_error(p, "expected a prefix with zero host bits (198.51.100.0/24, "
					"2001:db8::/32), got '%s'", s ? s : "");
		else
			c->nannounce++;
	}
}

static void required(xs_node map, const char *key, const char *what)
{
	if (!xs_node_present(xs_cfg_get(map, key)))
		xs_cfg_error(map, "needs %s: %s", key, what);
}

int xs_bgp_cfg_read(struct xs_bgp_cfg *c, xs_node n)
{
	static const char *const speakers[] = { "exabgp", NULL };
	int before, speaker = 0;
	bool has_rid = false;
	xs_node bh, fs;

	if (!xs_node_present(n))
		return 0;
	if (!xs_node_is_map(n)) {
		xs_cfg_error(n, "expected a mapping (key: value lines)");
		return -1;
	}
	before = xs_cfg_nerrors(n.cfg);
	c->enabled = true;
	xs_cfg_enum(n, "speaker", speakers, &speaker);
	if (!xs_cfg_str(n, "program", c->program, sizeof(c->program)) && c->program[0] &&
	    c->program[0] != '/')
		xs_cfg_error(xs_cfg_get(n, "program"), "give an absolute path (/usr/sbin/exabgp)");
	xs_cfg_str(n, "user", c->user, sizeof(c->user));
	if (!xs_cfg_str(n, "run_dir", c->run_dir, 101) && c->run_dir[0] &&
	    (c->run_dir[0] != '/' || !path_ok(c->run_dir)))
		xs_cfg_error(xs_cfg_get(n, "run_dir"),
			     "an absolute path of letters, digits, '/', '.', '_' and '-'");

	required(n, "local_as", "this network's AS number");
	required(n, "peer_as", "the router's AS number");
	required(n, "local_address", "the address the session starts from");
	required(n, "peer_address", "the router's address");
	xs_cfg_u32(n, "local_as", 1, 0xffffffffu, &c->local_as);
	xs_cfg_u32(n, "peer_as", 1, 0xffffffffu, &c->peer_as);
	read_addr(n, "local_address", &c->local_address, NULL);
	read_addr(n, "peer_address", &c->peer_address, NULL);
	read_addr(n, "router_id", &c->router_id, &has_rid);
	xs_cfg_u32(n, "hold_time_s", 3, 65535, &c->hold_time_s);
	xs_cfg_u32(n, "max_announcements", 1, XS_BGP_ANNOUNCE_MAX, &c->max_announcements);
	xs_cfg_bool(n, "dry_run", &c->dry_run);
	read_prefixes(n, c);

	bh = xs_cfg_get_map(n, "blackhole");
	read_addr(bh, "next_hop4", &c->next_hop4, &c->has_next_hop4);
	read_addr(bh, "next_hop6", &c->next_hop6, &c->has_next_hop6);
	if (c->has_next_hop4 && !xs_addr_is_v4(&c->next_hop4))
		xs_cfg_error(xs_cfg_get(bh, "next_hop4"), "must be an IPv4 address");
	if (c->has_next_hop6 && xs_addr_is_v4(&c->next_hop6))
		xs_cfg_error(xs_cfg_get(bh, "next_hop6"), "must be an IPv6 address");
	read_communities(bh, c->bh_comm, &c->nbh_comm);
	xs_cfg_check_unknown(bh);
	fs = xs_cfg_get_map(n, "flowspec");
	read_communities(fs, c->fs_comm, &c->nfs_comm);
	xs_cfg_check_unknown(fs);
	xs_cfg_check_unknown(n);

	if (xs_cfg_nerrors(n.cfg) == before) {
		if (xs_addr_is_v4(&c->local_address) != xs_addr_is_v4(&c->peer_address))
			xs_cfg_error(xs_cfg_get(n, "peer_address"),
				     "local_address and peer_address must be of one family");
		if (!has_rid && xs_addr_is_v4(&c->local_address))
			c->router_id = c->local_address;
		else if (!has_rid)
			xs_cfg_error(n, "needs router_id (an IPv4 address) when the session is "
					"over IPv6");
		else if (!xs_addr_is_v4(&c->router_id))
			xs_cfg_error(xs_cfg_get(n, "router_id"), "must be an IPv4 address");
	}
	return xs_cfg_nerrors(n.cfg) == before ? 0 : -1;
}
