// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * block, unblock, limit, unlimit, blocks: edit and list the mitigation
 * tables of a running instance through its pinned maps. The daemon turns
 * every change into an event for the sinks.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cli.h"
#include "loader.h"
#include "log.h"
#include "parse.h"
#include "mitigate.h"

struct block_opts {
	const char *pin_dir;
	const char *target;
	unsigned long long ttl, pps, burst;
	int match;
	bool json;
};

static void block_usage(FILE *f)
{
	fprintf(f,
		"Usage:\n"
		"  xdpstream block ADDR[/LEN] [--ttl S]        drop traffic from a source prefix\n"
		"  xdpstream unblock ADDR[/LEN]\n"
		"  xdpstream limit DST[/LEN] --pps N [--burst N] [--match M] [--ttl S]\n"
		"                                              rate-limit traffic to a destination\n"
		"  xdpstream unlimit DST[/LEN]\n"
		"  xdpstream blocks [--json]                   list blocks and limits with hits\n"
		"Options:\n"
		"  -t, --ttl S        expire after S seconds (default: never)\n"
		"  -r, --pps N        packets per second allowed (limit)\n"
		"  -B, --burst N      bucket size in packets (limit; default: the rate)\n"
		"  -m, --match M      all, syn, udp, icmp or reflect (limit; default: all)\n"
		"  -j, --json         JSON output (blocks)\n"
		"  -p, --pin-dir DIR  pin directory of the instance (default: %s)\n"
		"Applies to the running instance at once; sources on its allowlist are never\n"
		"dropped. The XDP program drops in any mode once an entry exists.\n",
		XS_PIN_DIR_DEFAULT);
}

static int parse(const char *cmd, int argc, char **argv, struct block_opts *o, bool want_target)
{
	static const struct option longopts[] = {
		{ "ttl", required_argument, NULL, 't' },   { "pps", required_argument, NULL, 'r' },
		{ "burst", required_argument, NULL, 'B' }, { "match", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },	   { "pin-dir", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },	   {}
	};
	int c, i;

	memset(o, 0, sizeof(*o));
	o->pin_dir = XS_PIN_DIR_DEFAULT;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:r:B:m:jp:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (xs_parse_u64("--ttl", optarg, 1, 315360000, &o->ttl))
				return -1;
			break;
		case 'r':
			if (xs_parse_u64("--pps", optarg, 1, 1000000000, &o->pps))
				return -1;
			break;
		case 'B':
			if (xs_parse_u64("--burst", optarg, 1, 1000000000, &o->burst))
				return -1;
			break;
		case 'm':
			for (i = 0; xs_limit_match_names[i]; i++)
				if (!strcmp(optarg, xs_limit_match_names[i]))
					break;
			if (!xs_limit_match_names[i]) {
				xs_err("--match: expected all, syn, udp, icmp or reflect, got '%s'",
				       optarg);
				return -1;
			}
			o->match = i;
			break;
		case 'j':
			o->json = true;
			break;
		case 'p':
			o->pin_dir = optarg;
			break;
		case 'h':
			block_usage(stdout);
			exit(XS_EXIT_OK);
		default:
			xs_err("see 'xdpstream %s --help'", cmd);
			return -1;
		}
	}
	if (want_target) {
		if (optind >= argc) {
			xs_err("%s: which address or prefix? (see 'xdpstream %s --help')", cmd, cmd);
			return -1;
		}
		o->target = argv[optind++];
	}
	if (optind < argc) {
		xs_err("unexpected argument '%s' (see 'xdpstream %s --help')", argv[optind], cmd);
		return -1;
	}
	return 0;
}

static int target_prefix(const char *s, struct xs_prefix *p)
{
	if (xs_prefix_parse(s, p)) {
		xs_err("'%s' is not an address or prefix with zero host bits "
		       "(e.g. 203.0.113.7, 198.51.100.0/24, 2001:db8::/32)",
		       s);
		return -1;
	}
	return 0;
}

static int open_tables(struct xs_mitig *m, const char *pin_dir)
{
	int err = xs_check_privileges();

	if (err)
		return -err;
	err = xs_mitig_open_pinned(m, pin_dir);
	return err ? -err : 0;
}

static int do_block(const struct block_opts *o, bool block)
{
	char buf[XS_PREFIX_STRLEN];
	struct xs_prefix p;
	struct xs_mitig m;
	int err;

	if (target_prefix(o->target, &p))
		return XS_EXIT_USAGE;
	if ((err = open_tables(&m, o->pin_dir)))
		return err;
	xs_prefix_str(&p, buf);
	if (!block) {
		err = xs_mitig_unblock(&m, &p);
		if (!err)
			xs_mitig_log(&m, XS_MLOG_UNBLOCK, &p, 0, 0, 0);
		if (err == -ENOENT)
			xs_err("%s is not blocked (see 'xdpstream blocks')", buf);
		else if (!err)
			printf("unblocked %s\n", buf);
	} else if (xs_mitig_allowed(&m, &p.addr) && p.len >= 120) {
		xs_err("%s is on the allowlist: it is never blocked", buf);
		err = -EPERM;
	} else {
		err = xs_mitig_block(&m, &p, o->ttl, XS_BLOCK_BY_USER);
		if (!err)
			xs_mitig_log(&m, XS_MLOG_BLOCK, &p, (__u32)o->ttl, 0, 0);
		if (!err && o->ttl)
			printf("blocked %s for %llu s\n", buf, o->ttl);
		else if (!err)
			printf("blocked %s until unblocked\n", buf);
		else
			xs_err("cannot block %s: %s%s", buf, strerror(-err),
			       err == -ENOSPC || err == -E2BIG ? " (the blocklist is full)" : "");
	}
	xs_mitig_close(&m);
	return err == -ENOENT || err == -EPERM ? XS_EXIT_USAGE : err ? XS_EXIT_FAIL : XS_EXIT_OK;
}

static int do_limit(const struct block_opts *o, bool limit)
{
	char buf[XS_PREFIX_STRLEN];
	struct xs_prefix p;
	struct xs_mitig m;
	int err;

	if (target_prefix(o->target, &p))
		return XS_EXIT_USAGE;
	if (limit && !o->pps) {
		xs_err("limit: --pps is required (packets per second allowed)");
		return XS_EXIT_USAGE;
	}
	if ((err = open_tables(&m, o->pin_dir)))
		return err;
	xs_prefix_str(&p, buf);
	if (!limit) {
		err = xs_mitig_unlimit(&m, &p);
		if (!err)
			xs_mitig_log(&m, XS_MLOG_UNLIMIT, &p, 0, 0, 0);
		if (err == -ENOENT)
			xs_err("%s has no rate limit (see 'xdpstream blocks')", buf);
		else if (!err)
			printf("removed the rate limit on %s\n", buf);
	} else {
		err = xs_mitig_limit(&m, &p, o->pps, o->burst ? o->burst : o->pps, o->match,
				     o->ttl);
		if (!err)
			xs_mitig_log(&m, XS_MLOG_LIMIT, &p, (__u32)o->ttl, o->match, o->pps);
		if (!err)
			printf("limited %s traffic to %s to %llu packets/s\n",
			       xs_limit_match_names[o->match], buf, o->pps);
		else
			xs_err("cannot limit %s: %s", buf, strerror(-err));
	}
	xs_mitig_close(&m);
	return err == -ENOENT ? XS_EXIT_USAGE : err ? XS_EXIT_FAIL : XS_EXIT_OK;
}

static void print_left(__u64 expires, __u64 now, bool json)
{
	if (json)
		printf("\"ttl_left_s\":%lld", expires ? (long long)((expires - now) / 1000000000ULL)
						      : -1LL);
	else if (expires)
		printf("%10llus", (unsigned long long)((expires - now) / 1000000000ULL));
	else
		printf("%11s", "never");
}

static int do_list(const struct block_opts *o)
{
	struct xs_block_info *b = NULL;
	struct xs_limit_info *l = NULL;
	char buf[XS_PREFIX_STRLEN];
	__u64 now = xs_mono_ns();
	struct xs_mitig m;
	int nb, nl, i, err;

	if ((err = open_tables(&m, o->pin_dir)))
		return err;
	nb = xs_mitig_list_blocks(&m, &b);
	nl = xs_mitig_list_limits(&m, &l);
	if (nb < 0 || nl < 0) {
		xs_err("cannot read the mitigation tables: %s", strerror(-(nb < 0 ? nb : nl)));
		err = XS_EXIT_FAIL;
		goto out;
	}
	if (o->json) {
		printf("{\"blocks\":[");
		for (i = 0; i < nb; i++) {
			printf("%s{\"prefix\":\"%s\",\"hits\":%llu,\"bytes\":%llu,\"by\":\"%s\",",
			       i ? "," : "", xs_prefix_str(&b[i].prefix, buf),
			       (unsigned long long)b[i].v.hits, (unsigned long long)b[i].v.bytes,
			       xs_block_by_name(b[i].v.rule));
			print_left(b[i].v.expires_ns, now, true);
			printf("}");
		}
		printf("],\"limits\":[");
		for (i = 0; i < nl; i++) {
			printf("%s{\"prefix\":\"%s\",\"match\":\"%s\",\"pps\":%llu,\"burst\":%llu,"
			       "\"passed\":%llu,\"dropped\":%llu,",
			       i ? "," : "", xs_prefix_str(&l[i].prefix, buf),
			       xs_limit_match_names[l[i].v.match < XS_LIM_MAX ? l[i].v.match : 0],
			       (unsigned long long)l[i].rate_pps, (unsigned long long)l[i].burst,
			       (unsigned long long)l[i].passed, (unsigned long long)l[i].dropped);
			print_left(l[i].v.expires_ns, now, true);
			printf("}");
		}
		printf("]}\n");
	} else {
		printf("%-44s %12s %14s %11s  by\n", "blocked source", "packets", "bytes",
		       "time left");
		for (i = 0; i < nb; i++) {
			printf("%-44s %12llu %14llu ", xs_prefix_str(&b[i].prefix, buf),
			       (unsigned long long)b[i].v.hits, (unsigned long long)b[i].v.bytes);
			print_left(b[i].v.expires_ns, now, false);
			printf("  %s\n", xs_block_by_name(b[i].v.rule));
		}
		printf("\n%-44s %8s %10s %12s %12s %11s\n", "rate-limited destination", "match",
		       "pps", "passed", "dropped", "time left");
		for (i = 0; i < nl; i++) {
			printf("%-44s %8s %10llu %12llu %12llu ", xs_prefix_str(&l[i].prefix, buf),
			       xs_limit_match_names[l[i].v.match < XS_LIM_MAX ? l[i].v.match : 0],
			       (unsigned long long)l[i].rate_pps, (unsigned long long)l[i].passed,
			       (unsigned long long)l[i].dropped);
			print_left(l[i].v.expires_ns, now, false);
			printf("\n");
		}
	}
	err = XS_EXIT_OK;
out:
	free(b);
	free(l);
	xs_mitig_close(&m);
	return err;
}

int cmd_block(int argc, char **argv)
{
	struct block_opts o;

	if (parse("block", argc, argv, &o, true))
		return XS_EXIT_USAGE;
	return do_block(&o, true);
}

int cmd_unblock(int argc, char **argv)
{
	struct block_opts o;

	if (parse("unblock", argc, argv, &o, true))
		return XS_EXIT_USAGE;
	return do_block(&o, false);
}

int cmd_limit(int argc, char **argv)
{
	struct block_opts o;

	if (parse("limit", argc, argv, &o, true))
		return XS_EXIT_USAGE;
	return do_limit(&o, true);
}

int cmd_unlimit(int argc, char **argv)
{
	struct block_opts o;

	if (parse("unlimit", argc, argv, &o, true))
		return XS_EXIT_USAGE;
	return do_limit(&o, false);
}

int cmd_blocks(int argc, char **argv)
{
	struct block_opts o;

	if (parse("blocks", argc, argv, &o, false))
		return XS_EXIT_USAGE;
	return do_list(&o);
}
