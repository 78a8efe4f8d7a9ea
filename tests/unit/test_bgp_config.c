// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* mitigation.bgp: every key, the defaults, and each mistake's one line. */
#include <string.h>

#include "speaker.h"
#include "config.h"
#include "names.h"
#include "xs_test.h"

static struct xs_cfg *cfg;

/* Reads mitigation.bgp of yaml into c; returns xs_bgp_cfg_read's answer. */
static int read_bgp(const char *yaml, struct xs_bgp_cfg *c)
{
	char err[256];

	xs_cfg_free(cfg);
	cfg = xs_cfg_load_string("t.yaml", yaml, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	xs_bgp_cfg_default(c);
	return xs_bgp_cfg_read(c, xs_cfg_get_map(xs_cfg_get_map(xs_cfg_root(cfg), "mitigation"),
						 "bgp"));
}

static bool addr_is(const struct xs_addr *a, const char *s)
{
	char buf[XS_ADDR_STRLEN];

	return !strcmp(xs_addr_str(a, buf), s);
}

static bool prefix_is(const struct xs_prefix *p, const char *s)
{
	char buf[XS_PREFIX_STRLEN];

	return !strcmp(xs_prefix_str(p, buf), s);
}

static void test_example(void)
{
	char err[256];
	struct xs_bgp_cfg c;
	struct xs_cfg *ex = xs_cfg_load_file("config/bgp.example.yaml", err, sizeof(err));
	xs_node bgp;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
	xs_bgp_cfg_default(&c);
	bgp = xs_cfg_get_map(xs_cfg_get_map(xs_cfg_root(ex), "mitigation"), "bgp");
	CU_ASSERT_EQUAL(xs_bgp_cfg_read(&c, bgp), 0);
	CU_ASSERT_EQUAL(xs_cfg_nerrors(ex), 0);
	CU_ASSERT(c.enabled);
	CU_ASSERT_EQUAL(c.local_as, 64513);
	CU_ASSERT_EQUAL(c.peer_as, 64512);
	CU_ASSERT(addr_is(&c.local_address, "198.51.100.2"));
	CU_ASSERT(addr_is(&c.router_id, "198.51.100.2"));
	CU_ASSERT(addr_is(&c.peer_address, "198.51.100.1"));
	CU_ASSERT_EQUAL(c.hold_time_s, 9);
	CU_ASSERT_EQUAL(c.nannounce, 2);
	CU_ASSERT(prefix_is(&c.announce[0], "198.18.0.0/15"));
	CU_ASSERT(prefix_is(&c.announce[1], "2001:db8:1::/48"));
	CU_ASSERT_EQUAL(c.max_announcements, 100);
	CU_ASSERT(!c.dry_run);
	CU_ASSERT(!c.has_next_hop4);
	CU_ASSERT(c.has_next_hop6);
	CU_ASSERT(addr_is(&c.next_hop6, "2001:db8:b6::2"));
	CU_ASSERT_EQUAL(c.nbh_comm, 2);
	CU_ASSERT(!c.bh_comm[0].large && c.bh_comm[0].v[0] == 65535 && c.bh_comm[0].v[1] == 666);
	CU_ASSERT(!c.bh_comm[1].large && c.bh_comm[1].v[0] == 65535 && c.bh_comm[1].v[1] == 65281);
	CU_ASSERT_EQUAL(c.nfs_comm, 0);
	CU_ASSERT_STRING_EQUAL(c.user, "exabgp");
	CU_ASSERT_STRING_EQUAL(c.program, "");
	xs_cfg_free(ex);
}

static void test_every_key(void)
{
	struct xs_bgp_cfg c;

	CU_ASSERT_EQUAL(read_bgp("mitigation:\n"
				 "  bgp:\n"
				 "    speaker: exabgp\n"
				 "    program: /opt/exabgp/bin/exabgp\n"
				 "    user: bgp\n"
				 "    run_dir: /var/run/xs\n"
				 "    local_as: 4200000001\n"
				 "    local_address: 2001:db8:b6::2\n"
				 "    router_id: 192.0.2.7\n"
				 "    peer_address: 2001:db8:b6::1\n"
				 "    peer_as: 65000\n"
				 "    hold_time_s: 30\n"
				 "    announce_prefixes: [2001:db8:1::/48]\n"
				 "    max_announcements: 10000\n"
				 "    dry_run: true\n"
				 "    blackhole:\n"
				 "      next_hop4: 192.0.2.1\n"
				 "      next_hop6: 100::1\n"
				 "      communities: [\"65535:666\", \"4200000001:666:1\"]\n"
				 "    flowspec:\n"
				 "      communities: [no-advertise, \"64512:7\"]\n",
				 &c),
			0);
	CU_ASSERT_EQUAL(xs_cfg_nerrors(cfg), 0);
	CU_ASSERT_STRING_EQUAL(c.program, "/opt/exabgp/bin/exabgp");
	CU_ASSERT_STRING_EQUAL(c.user, "bgp");
	CU_ASSERT_STRING_EQUAL(c.run_dir, "/var/run/xs");
	CU_ASSERT_EQUAL(c.local_as, 4200000001u);
	CU_ASSERT(addr_is(&c.local_address, "2001:db8:b6::2"));
	CU_ASSERT(addr_is(&c.router_id, "192.0.2.7"));
	CU_ASSERT_EQUAL(c.hold_time_s, 30);
	CU_ASSERT_EQUAL(c.max_announcements, 10000);
	CU_ASSERT(c.dry_run);
	CU_ASSERT(c.has_next_hop4 && addr_is(&c.next_hop4, "192.0.2.1"));
	CU_ASSERT(c.has_next_hop6 && addr_is(&c.next_hop6, "100::1"));
	CU_ASSERT_EQUAL(c.nbh_comm, 2);
	CU_ASSERT(c.bh_comm[1].large && c.bh_comm[1].v[0] == 4200000001u && c.bh_comm[1].v[1] == 666 &&
		  c.bh_comm[1].v[2] == 1);
	CU_ASSERT_EQUAL(c.nfs_comm, 2);
	CU_ASSERT(c.fs_comm[0].v[0] == 65535 && c.fs_comm[0].v[1] == 65282);
	CU_ASSERT(c.fs_comm[1].v[0] == 64512 && c.fs_comm[1].v[1] == 7 && !c.fs_comm[1].large);
}

static void test_defaults_and_absent(void)
{
	struct xs_bgp_cfg c;

	CU_ASSERT_EQUAL(read_bgp("mitigation:\n  enforce: true\n", &c), 0);
	CU_ASSERT(!c.enabled);
	CU_ASSERT_EQUAL(read_bgp("mitigation:\n"
				 "  bgp:\n"
				 "    local_as: 64513\n"
				 "    local_address: 198.51.100.2\n"
				 "    peer_address: 198.51.100.1\n"
				 "    peer_as: 64512\n"
				 "    announce_prefixes: [198.18.0.0/15]\n",
				 &c),
			0);
	CU_ASSERT(c.enabled);
	CU_ASSERT(!c.dry_run);
	CU_ASSERT(addr_is(&c.router_id, "198.51.100.2"));
	CU_ASSERT_EQUAL(c.hold_time_s, 9);
	CU_ASSERT_EQUAL(c.max_announcements, 100);
	CU_ASSERT_STRING_EQUAL(c.user, "exabgp");
	CU_ASSERT_STRING_EQUAL(c.run_dir, "");
	CU_ASSERT(!c.has_next_hop4 && !c.has_next_hop6);
	CU_ASSERT_EQUAL(c.nbh_comm, 1);
	CU_ASSERT(c.bh_comm[0].v[0] == 65535 && c.bh_comm[0].v[1] == 666);
	CU_ASSERT_EQUAL(c.nfs_comm, 0);
}

/* Each mistake is one line that names the file, the line and the key. */
static void test_errors(void)
{
	struct xs_bgp_cfg c;
	int i;
	static const char *const want[] = {
		"t.yaml:3: mitigation.bgp.speaker: expected one of exabgp, got 'gobgp'",
		"t.yaml:4: mitigation.bgp.program: give an absolute path (/usr/sbin/exabgp)",
		"t.yaml:5: mitigation.bgp.run_dir: an absolute path of letters, digits, '/', '.', "
		"'_' and '-'",
		"t.yaml:3: mitigation.bgp: needs peer_as: the router's AS number",
		"t.yaml:6: mitigation.bgp.local_as: 4294967296 is out of range (1..4294967295)",
		"t.yaml:7: mitigation.bgp.local_address: expected an IPv4 or IPv6 address, got "
		"'198.51.100'",
		"t.yaml:9: mitigation.bgp.hold_time_s: 2 is out of range (3..65535)",
		"t.yaml:10: mitigation.bgp.announce_prefixes[1]: expected a prefix with zero host "
		"bits (198.51.100.0/24, 2001:db8::/32), got '198.18.0.1/15'",
		"t.yaml:12: mitigation.bgp.blackhole.next_hop4: must be an IPv4 address",
		"t.yaml:13: mitigation.bgp.blackhole.communities[0]: expected a community: "
		"ASN:VALUE (16 bits each, 65535:666), A:B:C (large, 32 bits each) or blackhole, "
		"no-export, no-advertise; got '65536:1'",
		"t.yaml:13: mitigation.bgp.blackhole.communities[1]: expected a community: "
		"ASN:VALUE (16 bits each, 65535:666), A:B:C (large, 32 bits each) or blackhole, "
		"no-export, no-advertise; got '1:2:3:4'",
		"t.yaml:14: mitigation.bgp.blackhole.color: unknown key",
		"t.yaml:15: mitigation.bgp.graceful_restart: unknown key",
	};

	CU_ASSERT_EQUAL(read_bgp("mitigation:\n"
				 "  bgp:\n"
				 "    speaker: gobgp\n"
				 "    program: exabgp\n"
				 "    run_dir: /run/with space\n"
				 "    local_as: 4294967296\n"
				 "    local_address: 198.51.100\n"
				 "    peer_address: 198.51.100.1\n"
				 "    hold_time_s: 2\n"
				 "    announce_prefixes: [198.18.0.0/15, 198.18.0.1/15]\n"
				 "    blackhole:\n"
				 "      next_hop4: 2001:db8::1\n"
				 "      communities: [\"65536:1\", \"1:2:3:4\"]\n"
				 "      color: red\n"
				 "    graceful_restart: true\n",
				 &c),
			-1);
	CU_ASSERT_EQUAL(xs_cfg_nerrors(cfg), (int)(sizeof(want) / sizeof(want[0])));
	for (i = 0; i < xs_cfg_nerrors(cfg) && i < (int)(sizeof(want) / sizeof(want[0])); i++)
		CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, i), want[i]);
}

/* Mistakes found only when the keys are seen together. */
static void test_cross_checks(void)
{
	struct xs_bgp_cfg c;

	CU_ASSERT_EQUAL(read_bgp("mitigation:\n"
				 "  bgp:\n"
				 "    local_as: 64513\n"
				 "    local_address: 2001:db8:b6::2\n"
				 "    peer_address: 2001:db8:b6::1\n"
				 "    peer_as: 64512\n"
				 "    announce_prefixes: [2001:db8:1::/48]\n",
				 &c),
			-1);
	CU_ASSERT_EQUAL_FATAL(xs_cfg_nerrors(cfg), 1);
	CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, 0),
			       "t.yaml:3: mitigation.bgp: needs router_id (an IPv4 address) when the "
			       "session is over IPv6");
	CU_ASSERT_EQUAL(read_bgp("mitigation:\n"
				 "  bgp:\n"
				 "    local_as: 64513\n"
				 "    local_address: 198.51.100.2\n"
				 "    peer_address: 2001:db8:b6::1\n"
				 "    peer_as: 64512\n",
				 &c),
			-1);
	CU_ASSERT_EQUAL_FATAL(xs_cfg_nerrors(cfg), 1);
	CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, 0),
			       "t.yaml:3: mitigation.bgp: needs announce_prefixes: the prefixes of "
			       "your networks that routes may be announced for (198.51.100.0/24, "
			       "2001:db8::/32)");
	CU_ASSERT_EQUAL(read_bgp("mitigation:\n"
				 "  bgp:\n"
				 "    local_as: 64513\n"
				 "    local_address: 198.51.100.2\n"
				 "    peer_address: 2001:db8:b6::1\n"
				 "    peer_as: 64512\n"
				 "    announce_prefixes: [198.18.0.0/15]\n",
				 &c),
			-1);
	CU_ASSERT_EQUAL_FATAL(xs_cfg_nerrors(cfg), 1);
	CU_ASSERT_STRING_EQUAL(xs_cfg_error_at(cfg, 0),
			       "t.yaml:5: mitigation.bgp.peer_address: local_address and "
			       "peer_address must be of one family");
	xs_cfg_free(cfg);
	cfg = NULL;
}

static struct xs_test tests[] = {
	{ "config/bgp.example.yaml reads without an error", test_example },
	{ "every key of mitigation.bgp", test_every_key },
	{ "defaults; no section, nothing configured", test_defaults_and_absent },
	{ "mistakes: one line each, with file, line and key", test_errors },
	{ "mistakes across keys: families, router id", test_cross_checks },
};

XS_RUN_SUITE("bgp_config", tests)
