/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Attack and benign traffic scenarios. Each turns a few parameters (rate,
 * count, address ranges, ports, seed) into a plan (user/gen/plan.h): the same
 * deterministic frames whether written to a capture (`synth`) or sent
 * live (`gen`). One file per family under user/gen/scenarios/, one table
 * entry each in scenarios/registry.c.
 */
#ifndef XS_SCENARIO_H
#define XS_SCENARIO_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "plan.h"

/* A CIDR block. IPv4 is kept IPv4-mapped, like struct xs_addr. */
struct xs_range {
	struct xs_addr base;	/* the block's first address */
	int prefix;		/* 0..32 for IPv4, 0..128 for IPv6 */
	bool v4;
};

struct xs_ports {
	uint16_t lo, hi;
};

enum xs_order { XS_ORDER_DEFAULT = 0, XS_ORDER_SEQ, XS_ORDER_RANDOM };
enum xs_probe { XS_PROBE_DEFAULT = 0, XS_PROBE_ICMP, XS_PROBE_TCP };

struct xs_scn_params {
	uint64_t rate;		/* frames per second */
	double duration;	/* seconds */
	uint64_t count;		/* frames; overrides duration */
	struct xs_range src, dst;
	struct xs_ports port, sport;
	uint64_t seed;
	int vlan;		/* 802.1Q VLAN id, -1 = untagged */
	int payload;		/* bytes, -1 = the scenario's default */
	int mtu;		/* IP bytes per frame before fragmenting */
	enum xs_order order;
	enum xs_probe probe;
	int family;		/* benign: 4, 6, or 0 for both */
	double gap;		/* seconds of silence before this segment */
	double at;		/* start, seconds after the first segment's */
	int ext_hdrs;		/* IPv6: Destination Options headers before L4 */
	bool rate_set, duration_set, src_set, dst_set, port_set, sport_set, at_set;
};

struct xs_scenario {
	const char *name;
	const char *summary;
	int (*build)(const struct xs_scn_params *p, struct xs_plan *plan);
};

extern const struct xs_scenario xs_scenarios[];
extern const int xs_nscenarios;
const struct xs_scenario *xs_scenario_find(const char *name);

void xs_scn_params_init(struct xs_scn_params *p);

/* Builds the scenario's plan. Returns 0, or an xs_exit code with the
 * problem logged as one line (2 for a parameter that does not fit). */
int xs_scenario_build(const struct xs_scenario *s, const struct xs_scn_params *p,
		      struct xs_plan *plan);

/* Command-line flags shared by `synth` and `gen`: add XS_SCN_LONGOPTS to a
 * command's option table and XS_SCN_SHORTOPTS to its short options, and
 * pass every option to xs_scn_opt(), which returns 0 (taken), 1 (not a
 * scenario option) or -1 (bad value, logged). */
enum {
	XS_SCN_O_SPORT = 0x200,
	XS_SCN_O_VLAN,
	XS_SCN_O_PAYLOAD,
	XS_SCN_O_MTU,
	XS_SCN_O_ORDER,
	XS_SCN_O_PROBE,
	XS_SCN_O_FAMILY,
	XS_SCN_O_GAP,
	XS_SCN_O_AT,
	XS_SCN_O_EXT_HDRS,
};
#define XS_SCN_SHORTOPTS "r:d:n:s:t:p:S:"
#define XS_SCN_LONGOPTS                                                                    \
	{ "rate", required_argument, NULL, 'r' },                                         \
	{ "duration", required_argument, NULL, 'd' },                                     \
	{ "count", required_argument, NULL, 'n' },                                        \
	{ "src", required_argument, NULL, 's' },                                          \
	{ "dst", required_argument, NULL, 't' },                                          \
	{ "victim", required_argument, NULL, 't' },                                       \
	{ "port", required_argument, NULL, 'p' },                                         \
	{ "seed", required_argument, NULL, 'S' },                                         \
	{ "sport", required_argument, NULL, XS_SCN_O_SPORT },                             \
	{ "vlan", required_argument, NULL, XS_SCN_O_VLAN },                               \
	{ "payload", required_argument, NULL, XS_SCN_O_PAYLOAD },                         \
	{ "mtu", required_argument, NULL, XS_SCN_O_MTU },                                 \
	{ "order", required_argument, NULL, XS_SCN_O_ORDER },                             \
	{ "probe", required_argument, NULL, XS_SCN_O_PROBE },                             \
	{ "family", required_argument, NULL, XS_SCN_O_FAMILY },                           \
	{ "gap", required_argument, NULL, XS_SCN_O_GAP },                                 \
	{ "at", required_argument, NULL, XS_SCN_O_AT },                                   \
	{ "ext-hdrs", required_argument, NULL, XS_SCN_O_EXT_HDRS }
int xs_scn_opt(int c, const char *arg, struct xs_scn_params *p);
void xs_scn_usage(FILE *f);

/* Splits argv at "+" words into segments: returns how many (at most max),
 * with start[i] and len[i] indexing argv; -1 for an empty segment. */
int xs_scn_segments(int argc, char **argv, int *start, int *len, int max);
/* Fills sub with a getopt argv for the n words at words: argv0, the
 * words, NULL. Returns its argc, or -1 (logged) when cap is too small. */
int xs_scn_segment_argv(char *argv0, char **words, int n, char **sub, int cap);

int xs_range_parse(const char *s, struct xs_range *r);
/* Addresses in the block, capped at 2^32 (0 means 2^32): only the last
 * 32 bits of a larger IPv6 block vary. */
uint32_t xs_range_span(const struct xs_range *r);
/* The block's address number off (< span). */
void xs_range_addr(const struct xs_range *r, uint32_t off, struct xs_addr *out);
const char *xs_range_str(const struct xs_range *r, char *buf, size_t n);
int xs_ports_parse(const char *s, struct xs_ports *p);

#endif
