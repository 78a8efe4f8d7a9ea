// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The BGP driver against a real router: scripts/bgp-lab.sh runs BIRD 2 in a
 * namespace of its own; this process enters the speaker side, opens the
 * driver (which runs ExaBGP), announces blackholes and FlowSpec rules, and
 * reads back with birdc exactly what BIRD installed. Then the safety rails,
 * dry run, a session that flaps, a speaker that crashes or hangs, a session
 * over IPv6, a thousand rules, and a daemon killed with SIGKILL: BIRD must
 * be left with nothing stale.
 *
 * The lab, the speakers and the children are removed on every exit path:
 * at exit, on SIGINT/SIGTERM/SIGHUP, and by the parent-death signal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "speaker.h"
#include "log.h"
#include "names.h"
#include "xs_test.h"

/* What BIRD shows of every route from the speaker, its time masked. */
#define FROM "[speaker TIME         from 198.51.100.2] * (100) [AS64513i]\n"
#define BGP_HEAD "\tType: BGP univ\n\tBGP.origin: IGP\n\tBGP.as_path: 64513\n"

#define BH20 "route 198.18.0.20/32 next-hop 198.51.100.2 community [ 65535:666 ]"
#define REFUSED_BECAUSE(why) CU_ASSERT_STRING_EQUAL(xs_bgp_last_error(), why)

static char lab[32], sock[96], out[65536];
static bool lab_up, lab_ready;
static pid_t driver_child;
static int home_ns = -1;	/* the namespace this process came from */

static void lab_down(void)
{
	if (driver_child > 0) {
		kill(driver_child, SIGKILL);
		waitpid(driver_child, NULL, 0);
		driver_child = 0;
	}
	xs_bgp_close();
	/* Out of the speaker's namespace first: down ends what runs in it. */
	xs_netns_leave(home_ns);
	home_ns = -1;
	if (lab_up)
		xs_sh("XS_BGP_LAB=%s scripts/bgp-lab.sh down >/dev/null 2>&1", lab);
	lab_up = false;
}

static void on_signal(int sig)
{
	lab_down();
	signal(sig, SIG_DFL);
	raise(sig);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Runs the driver's side of the loop for ms milliseconds. */
static void pump(int ms)
{
	double end = now_s() + ms / 1000.0;

	do {
		struct pollfd p = { .fd = xs_bgp_fd(), .events = POLLIN };

		if (p.fd >= 0)
			poll(&p, 1, 20);
		else
			usleep(20000);
		xs_bgp_poll();
	} while (now_s() < end);
}

static int state(void)
{
	struct xs_bgp_status st;

	xs_bgp_get_status(&st);
	return st.state;
}

static bool wait_state(int want, int timeout_ms)
{
	double end = now_s() + timeout_ms / 1000.0;

	while (state() != want && now_s() < end)
		pump(20);
	return state() == want;
}

static int birdc(const char *args)
{
	return xs_sh_out(out, sizeof(out), "birdc -s %s %s", sock, args);
}

/* Routes in a BIRD table, -1 when birdc fails. */
static int count(const char *table)
{
	char cmd[96];
	const char *p;

	snprintf(cmd, sizeof(cmd), "show route table %s count", table);
	if (birdc(cmd))
		return -1;
	p = strstr(out, " of ");
	return p ? atoi(p + 4) : -1;
}

/* Waits (running the driver) until table holds n routes. */
static bool wait_count(const char *table, int n, int timeout_ms)
{
	double end = now_s() + timeout_ms / 1000.0;

	while (count(table) != n && now_s() < end)
		pump(50);
	return count(table) == n;
}

/* The route of table whose line starts with head, with its attributes, the
 * time BIRD learnt it masked: "...  [speaker TIME from ...". "" if absent. */
static const char *route(const char *table, const char *head)
{
	static char block[4096];
	char cmd[96], *p, *end, *t;

	block[0] = '\0';
	snprintf(cmd, sizeof(cmd), "show route table %s all", table);
	if (birdc(cmd))
		return block;
	for (p = out; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, head, strlen(head)))
			break;
	if (!p)
		return block;
	/* The block ends at the next line that does not start with a tab. */
	for (end = strchr(p, '\n'); end && end[1] == '\t'; end = strchr(end + 1, '\n'))
		;
	snprintf(block, sizeof(block), "%.*s", end ? (int)(end - p) : (int)strlen(p), p);
	/* "[speaker 12:56:22.464 from": the protocol's name, then the time. */
	t = strstr(block, "[speaker");
	t = t ? strchr(t, ' ') : NULL;
	if (t && strlen(t) > 13)
		memcpy(t + 1, "TIME        ", 12);
	return block;
}

/* A FlowSpec rule from the speaker in table, with exactly these attributes
 * after the local preference. */
static void expect_flow(const char *table, const char *nlri, const char *attrs)
{
	char want[2048];

	snprintf(want, sizeof(want), "%s  " FROM BGP_HEAD "\tBGP.local_pref: 100\n%s", nlri, attrs);
	CU_ASSERT_STRING_EQUAL(route(table, nlri), want);
}

static int stale_dirs(pid_t pid);

static void cfg_lab(struct xs_bgp_cfg *c)
{
	xs_bgp_cfg_default(c);
	c->enabled = true;
	c->local_as = 64513;
	c->peer_as = 64512;
	xs_addr_parse("198.51.100.2", &c->local_address);
	xs_addr_parse("198.51.100.2", &c->router_id);
	xs_addr_parse("198.51.100.1", &c->peer_address);
	c->has_next_hop6 = true;
	xs_addr_parse("2001:db8:b6::2", &c->next_hop6);
	xs_prefix_parse("198.18.0.0/15", &c->announce[0]);
	xs_prefix_parse("2001:db8:1::/48", &c->announce[1]);
	c->nannounce = 2;
	xs_prefix_parse("198.18.0.53", &c->allow[0]);
	xs_prefix_parse("2001:db8:1::53", &c->allow[1]);
	c->nallow = 2;
}

static struct xs_prefix pfx(const char *s)
{
	struct xs_prefix p;

	CU_ASSERT_FATAL(xs_prefix_parse(s, &p) == 0);
	return p;
}

static int blackhole(const char *s)
{
	struct xs_prefix p = pfx(s);

	return xs_bgp_announce_blackhole(&p);
}

/* The rule: DNS replies as fragments, to 198.18.0.30. */
static int flow_dns(const char *dst)
{
	struct xs_prefix p = pfx(dst);
	struct xs_bgp_match m;
	struct xs_bgp_action a = { .kind = XS_BGP_DISCARD };

	xs_bgp_match_init(&m, &p);
	xs_bgp_nums_add(&m.proto, 17, 17);
	xs_bgp_nums_add(&m.sport, 53, 53);
	m.frag = m.frag_mask = XS_BGP_FRAG_IS;
	return xs_bgp_announce_flowspec(&m, &a);
}

/* The suite runner brings each test back to its own network namespace at
 * its end; the driver and its speaker belong on the speaker side. */
static void speaker_side(void)
{
	char path[96];
	struct stat want, now;
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s-spk", lab);
	if (!lab_ready || stat(path, &want) || stat("/proc/self/ns/net", &now) ||
	    want.st_ino == now.st_ino)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && setns(fd, CLONE_NEWNET))
		CU_FAIL("cannot enter the speaker's namespace");
	if (fd >= 0)
		close(fd);
}

static void open_up(const struct xs_bgp_cfg *c)
{
	CU_ASSERT_FATAL(lab_ready);	/* no lab: fail now, not after a timeout */
	CU_ASSERT_FATAL(xs_bgp_open(c) == 0);
	CU_ASSERT_FATAL(wait_state(XS_BGP_UP, 15000));
}

/* Every command answered, none refused. */
static void settle(uint64_t commands)
{
	struct xs_bgp_status st;
	double end = now_s() + 5;

	do {
		pump(50);
		xs_bgp_get_status(&st);
	} while (st.commands != commands && now_s() < end);
	CU_ASSERT_EQUAL(st.commands, commands);
	CU_ASSERT_EQUAL(st.speaker_errors, 0);
}

static void test_setup(void)
{
	CU_ASSERT_FATAL(geteuid() == 0);
	snprintf(lab, sizeof(lab), "xsbgp%d", (int)getpid());
	snprintf(sock, sizeof(sock), "/run/%s/bird.ctl", lab);
	atexit(lab_down);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	/* Speakers orphaned by a killed driver come to us, to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	lab_up = true;
	CU_ASSERT_FATAL(xs_sh("XS_BGP_LAB=%s scripts/bgp-lab.sh up >/dev/null", lab) == 0);
	{
		char ns[64];

		snprintf(ns, sizeof(ns), "%s-spk", lab);
		home_ns = xs_netns_enter(ns);
		CU_ASSERT_FATAL(home_ns >= 0);
	}
	lab_ready = true;
}

/* What open refuses, with one line each; what a closed driver answers. */
static void test_open_refusals(void)
{
	struct xs_bgp_cfg c;
	struct xs_bgp_match m;
	struct xs_bgp_action drop = { .kind = XS_BGP_DISCARD };
	struct xs_prefix p = pfx("198.18.0.20");
	struct xs_bgp_status st;

	speaker_side();
	cfg_lab(&c);
	c.enabled = false;
	CU_ASSERT_EQUAL(xs_bgp_open(&c), -EINVAL);
	cfg_lab(&c);
	c.hold_time_s = 2;
	CU_ASSERT_EQUAL(xs_bgp_open(&c), -EINVAL);
	cfg_lab(&c);
	c.nannounce = 0;
	CU_ASSERT_EQUAL(xs_bgp_open(&c), -EINVAL);
	cfg_lab(&c);
	xs_addr_parse("2001:db8:b6::1", &c.peer_address);
	CU_ASSERT_EQUAL(xs_bgp_open(&c), -EINVAL);
	cfg_lab(&c);
	snprintf(c.program, sizeof(c.program), "/nonexistent/exabgp");
	CU_ASSERT_EQUAL(xs_bgp_open(&c), -ENOENT);
	cfg_lab(&c);
	snprintf(c.user, sizeof(c.user), "xs-no-such-user");
	CU_ASSERT_EQUAL(xs_bgp_open(&c), -ENOENT);
	cfg_lab(&c);
	snprintf(c.run_dir, sizeof(c.run_dir), "/nonexistent/run");
	CU_ASSERT_EQUAL(xs_bgp_open(&c), -ENOENT);
	/* Nothing was started, nothing is left. */
	xs_bgp_get_status(&st);
	CU_ASSERT_EQUAL(st.state, XS_BGP_CLOSED);
	CU_ASSERT_EQUAL(st.speaker_pid, 0);
	CU_ASSERT_EQUAL(xs_bgp_fd(), -1);
	CU_ASSERT_EQUAL(xs_bgp_announce_blackhole(&p), -ENOTCONN);
	xs_bgp_match_init(&m, &p);
	CU_ASSERT_EQUAL(xs_bgp_announce_flowspec(&m, &drop), -ENOTCONN);
	CU_ASSERT_EQUAL(xs_bgp_withdraw(16385), -ENOENT);
	xs_bgp_poll();
	xs_bgp_close();
	CU_ASSERT_EQUAL(stale_dirs(getpid()), 0);
	/* Open twice: the second is refused, the first unharmed. */
	cfg_lab(&c);
	open_up(&c);
	CU_ASSERT_EQUAL(xs_bgp_open(&c), -EALREADY);
	CU_ASSERT_EQUAL(state(), XS_BGP_UP);
	xs_bgp_close();
}

static void test_announce_withdraw(void)
{
	struct xs_bgp_cfg c;
	struct xs_bgp_status st;
	char buf[512];
	int bh, fs;

	speaker_side();
	cfg_lab(&c);
	open_up(&c);
	/* No graceful restart offered: BIRD keeps nothing once we are gone. */
	CU_ASSERT_EQUAL(birdc("show protocols all speaker"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "BGP state:          Established"));
	{
		char *caps = strstr(out, "Neighbor capabilities");
		char *end = caps ? strstr(caps, "Session:") : NULL;

		CU_ASSERT_FATAL(caps && end);
		*end = '\0';
		CU_ASSERT_PTR_NOT_NULL(strstr(caps, "AF announced: ipv4 flow4 ipv6 flow6"));
		CU_ASSERT_PTR_NULL(strstr(caps, "raceful restart"));
		*end = 'S';
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Hold timer:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "/9\n    Keepalive timer:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "/3\n"));

	/* The speaker runs as exabgp, and listens on nothing. */
	xs_bgp_get_status(&st);
	{
		struct passwd *pw = getpwnam("exabgp");
		char want[64];

		CU_ASSERT_FATAL(pw != NULL);
		snprintf(want, sizeof(want), "Uid:\t%u\t%u", pw->pw_uid, pw->pw_uid);
		CU_ASSERT_EQUAL(xs_sh_out(out, sizeof(out), "cat /proc/%d/status", st.speaker_pid), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
		/* Its directory: ours, it may read there and nothing else. */
		CU_ASSERT_EQUAL(xs_sh_out(out, sizeof(out),
					  "stat -c '%%a %%U %%G' /run/xdpstream-bgp-%d-*", getpid()),
				0);
		CU_ASSERT_STRING_EQUAL(out, "750 root exabgp\n");
	}
	CU_ASSERT_EQUAL(xs_sh_out(out, sizeof(out), "ss -Hltun"), 0);
	CU_ASSERT_STRING_EQUAL(out, "");

	bh = blackhole("198.18.0.20");
	fs = flow_dns("198.18.0.30");
	CU_ASSERT(bh > 0);
	CU_ASSERT(fs > 0 && fs != bh);
	CU_ASSERT_FATAL(wait_count("master4", 1, 5000));
	CU_ASSERT_FATAL(wait_count("flowspec4", 1, 5000));
	CU_ASSERT_STRING_EQUAL(route("master4", "198.18.0.20/32"),
			       "198.18.0.20/32       blackhole " FROM
			       BGP_HEAD
			       "\tBGP.next_hop: 198.51.100.2\n"
			       "\tBGP.local_pref: 100\n"
			       "\tBGP.community: (65535,666)");
	expect_flow("flowspec4",
		    "flow4 { dst 198.18.0.30/32; proto 17; sport 53; fragment is_fragment; }",
		    "\tBGP.ext_community: (generic, 0x80060000, 0x0)");
	CU_ASSERT_STRING_EQUAL(xs_bgp_route_str(bh, buf, sizeof(buf)),
			       BH20);
	CU_ASSERT_STRING_EQUAL(xs_bgp_route_str(fs, buf, sizeof(buf)),
			       "flow route { match { destination 198.18.0.30/32; protocol [ =17 ]; "
			       "source-port [ =53 ]; fragment [ =is-fragment ]; } "
			       "then { discard; } }");
	settle(2);
	xs_bgp_get_status(&st);
	CU_ASSERT_EQUAL(st.active, 2);
	CU_ASSERT_EQUAL(st.active_blackholes, 1);
	CU_ASSERT_EQUAL(st.active_flowspec, 1);
	CU_ASSERT_EQUAL(st.announced, 2);
	CU_ASSERT_EQUAL(st.session_ups, 1);
	CU_ASSERT_EQUAL(st.speaker_starts, 1);

	CU_ASSERT_EQUAL(xs_bgp_withdraw(bh), 0);
	CU_ASSERT_EQUAL(xs_bgp_withdraw(fs), 0);
	CU_ASSERT(wait_count("master4", 0, 5000));
	CU_ASSERT(wait_count("flowspec4", 0, 5000));
	CU_ASSERT_EQUAL(xs_bgp_withdraw(bh), -ENOENT);
	CU_ASSERT_PTR_NULL(xs_bgp_route_str(bh, buf, sizeof(buf)));
	settle(4);
	xs_bgp_get_status(&st);
	CU_ASSERT_EQUAL(st.active, 0);
	CU_ASSERT_EQUAL(st.withdrawn, 2);
	xs_bgp_close();
	CU_ASSERT_EQUAL(state(), XS_BGP_CLOSED);
}

/* IPv6, a rate limit, communities on FlowSpec, and every component. */
static void test_components(void)
{
	struct xs_bgp_cfg c;
	struct xs_bgp_match m;
	struct xs_bgp_action rate = { .kind = XS_BGP_RATE_LIMIT, .bytes_per_s = 125000 };
	struct xs_bgp_action drop = { .kind = XS_BGP_DISCARD };
	struct xs_prefix p;

	speaker_side();
	cfg_lab(&c);
	c.nfs_comm = 2;
	c.fs_comm[0] = (struct xs_bgp_community){ .v = { 65535, 65281 } };
	c.fs_comm[1] = (struct xs_bgp_community){ .v = { 64513, 100, 1 }, .large = true };
	open_up(&c);

	CU_ASSERT(blackhole("2001:db8:1::20") > 0);
	/* A SYN flood to two web ports from one network. */
	p = pfx("198.18.0.31");
	xs_bgp_match_init(&m, &p);
	m.has_src = true;
	m.src = pfx("203.0.113.0/24");
	xs_bgp_nums_add(&m.proto, 6, 6);
	xs_bgp_nums_add(&m.dport, 80, 80);
	xs_bgp_nums_add(&m.dport, 443, 443);
	xs_bgp_nums_add(&m.sport, 1024, 65535);
	m.tcp_flags = XS_BGP_TCP_SYN;
	m.tcp_mask = XS_BGP_TCP_SYN | XS_BGP_TCP_ACK;
	xs_bgp_nums_add(&m.length, 40, 60);
	xs_bgp_nums_add(&m.dscp, 0, 0);
	CU_ASSERT(xs_bgp_announce_flowspec(&m, &rate) > 0);
	/* Large UDP to the echo port, first fragments without DF. */
	p = pfx("198.18.0.32");
	xs_bgp_match_init(&m, &p);
	xs_bgp_nums_add(&m.proto, 17, 17);
	xs_bgp_nums_add(&m.port, 7, 7);
	xs_bgp_nums_add(&m.length, 0, 100);
	xs_bgp_nums_add(&m.length, 1400, 65535);
	m.frag = XS_BGP_FRAG_IS | XS_BGP_FRAG_FIRST;
	m.frag_mask = XS_BGP_FRAG_IS | XS_BGP_FRAG_FIRST | XS_BGP_FRAG_DF;
	CU_ASSERT(xs_bgp_announce_flowspec(&m, &drop) > 0);
	/* Echo requests. */
	p = pfx("198.18.0.33");
	xs_bgp_match_init(&m, &p);
	xs_bgp_nums_add(&m.proto, 1, 1);
	xs_bgp_nums_add(&m.icmp_type, 8, 8);
	xs_bgp_nums_add(&m.icmp_code, 0, 0);
	CU_ASSERT(xs_bgp_announce_flowspec(&m, &drop) > 0);
	/* IPv6: ICMPv6 echo requests in fragments, one flow label. */
	p = pfx("2001:db8:1::30");
	xs_bgp_match_init(&m, &p);
	m.has_src = true;
	m.src = pfx("2001:db8:ffff::/48");
	xs_bgp_nums_add(&m.proto, 58, 58);
	xs_bgp_nums_add(&m.icmp_type, 128, 128);
	xs_bgp_nums_add(&m.icmp_code, 0, 0);
	xs_bgp_nums_add(&m.length, 1000, 65535);
	xs_bgp_nums_add(&m.dscp, 10, 10);
	m.frag = m.frag_mask = XS_BGP_FRAG_IS;
	xs_bgp_nums_add(&m.flow_label, 12345, 12345);
	CU_ASSERT(xs_bgp_announce_flowspec(&m, &rate) > 0);

	CU_ASSERT_FATAL(wait_count("master6", 1, 5000));
	CU_ASSERT_FATAL(wait_count("flowspec4", 3, 5000));
	CU_ASSERT_FATAL(wait_count("flowspec6", 1, 5000));
	settle(5);
	CU_ASSERT_STRING_EQUAL(route("master6", "2001:db8:1::20/128"),
			       "2001:db8:1::20/128   blackhole " FROM
			       BGP_HEAD
			       "\tBGP.next_hop: 2001:db8:b6::2\n"
			       "\tBGP.local_pref: 100\n"
			       "\tBGP.community: (65535,666)");
	/* traffic-rate 125000 bytes/s: 0x47f42400 is 125000.0 as a float. */
	expect_flow("flowspec4",
		    "flow4 { dst 198.18.0.31/32; src 203.0.113.0/24; proto 6; dport 80,443; "
		    "sport >= 1024; tcp flags 0x2/0x2 && 0x0/0x10; length 40..60; dscp 0; }",
		    "\tBGP.community: (65535,65281)\n"
		    "\tBGP.ext_community: (generic, 0x80060000, 0x47f42400)\n"
		    "\tBGP.large_community: (64513, 100, 1)");
	/* IS and FF set, DF clear. */
	expect_flow("flowspec4",
		    "flow4 { dst 198.18.0.32/32; proto 17; port 7; length <= 100,>= 1400; "
		    "fragment 0x6/0x6 && !dont_fragment; }",
		    "\tBGP.community: (65535,65281)\n"
		    "\tBGP.ext_community: (generic, 0x80060000, 0x0)\n"
		    "\tBGP.large_community: (64513, 100, 1)");
	expect_flow("flowspec4", "flow4 { dst 198.18.0.33/32; proto 1; icmp type 8; icmp code 0; }",
		    "\tBGP.community: (65535,65281)\n"
		    "\tBGP.ext_community: (generic, 0x80060000, 0x0)\n"
		    "\tBGP.large_community: (64513, 100, 1)");
	expect_flow("flowspec6",
		    "flow6 { dst 2001:db8:1::30/128; src 2001:db8:ffff::/48; next header 58; "
		    "icmp type 128; icmp code 0; length >= 1000; dscp 10; fragment is_fragment; "
		    "label 12345; }",
		    "\tBGP.community: (65535,65281)\n"
		    "\tBGP.ext_community: (generic, 0x80060000, 0x47f42400)\n"
		    "\tBGP.large_community: (64513, 100, 1)");
	xs_bgp_close();
	CU_ASSERT(wait_count("flowspec4", 0, 5000));
	CU_ASSERT(wait_count("flowspec6", 0, 5000));
	CU_ASSERT(wait_count("master6", 0, 5000));
}

static void test_rails(void)
{
	struct xs_bgp_cfg c;
	struct xs_bgp_status st;
	struct xs_bgp_match m;
	struct xs_bgp_action drop = { .kind = XS_BGP_DISCARD }, rate0 = { XS_BGP_RATE_LIMIT, 0 };
	struct xs_prefix p;
	int a, b, d, e;

	speaker_side();
	cfg_lab(&c);
	c.max_announcements = 3;
	c.has_next_hop6 = false;	/* an IPv4 session has no IPv6 next hop of its own */
	open_up(&c);

	CU_ASSERT_EQUAL(blackhole("203.0.113.5"), -EPERM);
	REFUSED_BECAUSE("203.0.113.5/32 is not inside announce_prefixes");
	CU_ASSERT_EQUAL(blackhole("198.18.0.0/24"), -EPERM);
	REFUSED_BECAUSE("198.18.0.0/24: a blackhole is for one address (/32), never a shorter "
			"prefix");
	CU_ASSERT_EQUAL(blackhole("2001:db8:1::/64"), -EPERM);
	CU_ASSERT_EQUAL(blackhole("198.18.0.53"), -EPERM);
	REFUSED_BECAUSE("198.18.0.53/32 overlaps 198.18.0.53/32 of the allowlist");
	CU_ASSERT_EQUAL(blackhole("2001:db8:1::20"), -EAFNOSUPPORT);
	REFUSED_BECAUSE("2001:db8:1::20/128: no IPv6 next hop "
			"(mitigation.bgp.blackhole.next_hop6)");
	/* FlowSpec: a prefix that covers an allowlisted address, one outside. */
	p = pfx("198.18.0.0/24");
	xs_bgp_match_init(&m, &p);
	CU_ASSERT_EQUAL(xs_bgp_announce_flowspec(&m, &drop), -EPERM);
	REFUSED_BECAUSE("198.18.0.0/24 overlaps 198.18.0.53/32 of the allowlist");
	p = pfx("203.0.113.0/24");
	xs_bgp_match_init(&m, &p);
	CU_ASSERT_EQUAL(xs_bgp_announce_flowspec(&m, &drop), -EPERM);
	REFUSED_BECAUSE("203.0.113.0/24 is not inside announce_prefixes");
	/* Malformed rules. */
	p = pfx("198.18.0.30");
	xs_bgp_match_init(&m, &p);
	xs_bgp_nums_add(&m.sport, 100, 50);
	CU_ASSERT_EQUAL(xs_bgp_announce_flowspec(&m, &drop), -EINVAL);
	REFUSED_BECAUSE("FlowSpec rule: source port: 100..50 is not a range within 0..65535");
	xs_bgp_match_init(&m, &p);
	CU_ASSERT_EQUAL(xs_bgp_announce_flowspec(&m, &rate0), -EINVAL);
	m.has_src = true;
	m.src = pfx("2001:db8::/32");
	CU_ASSERT_EQUAL(xs_bgp_announce_flowspec(&m, &drop), -EINVAL);
	p = pfx("2001:db8:1::30");
	xs_bgp_match_init(&m, &p);
	m.frag_mask = XS_BGP_FRAG_DF;
	CU_ASSERT_EQUAL(xs_bgp_announce_flowspec(&m, &drop), -EINVAL);
	REFUSED_BECAUSE("FlowSpec rule: fragment: IPv6 has no don't-fragment bit (RFC 8956)");

	/* The cap: three routes. The same route again is the same id. */
	a = blackhole("198.18.0.1");
	b = blackhole("198.18.0.2");
	d = flow_dns("198.18.0.30");
	CU_ASSERT(a > 0 && b > 0 && d > 0);
	CU_ASSERT_EQUAL(blackhole("198.18.0.4"), -ENOSPC);
	REFUSED_BECAUSE("max_announcements (3) routes are announced already: not route "
			"198.18.0.4/32 next-hop 198.51.100.2 community [ 65535:666 ]");
	CU_ASSERT_EQUAL(blackhole("198.18.0.1"), a);
	/* The same match with another action: refused, not replaced. */
	p = pfx("198.18.0.30");
	xs_bgp_match_init(&m, &p);
	xs_bgp_nums_add(&m.proto, 17, 17);
	xs_bgp_nums_add(&m.sport, 53, 53);
	m.frag = m.frag_mask = XS_BGP_FRAG_IS;
	rate0.bytes_per_s = 10000;
	CU_ASSERT_EQUAL(xs_bgp_announce_flowspec(&m, &rate0), -EEXIST);
	CU_ASSERT_FATAL(wait_count("master4", 2, 5000));
	CU_ASSERT_FATAL(wait_count("flowspec4", 1, 5000));
	/* Announced twice: the first withdrawal keeps it. */
	CU_ASSERT_EQUAL(xs_bgp_withdraw(a), 0);
	settle(3);
	CU_ASSERT_EQUAL(count("master4"), 2);
	CU_ASSERT_EQUAL(xs_bgp_withdraw(a), 0);
	CU_ASSERT(wait_count("master4", 1, 5000));
	e = blackhole("198.18.0.4");
	CU_ASSERT(e > 0 && e != a);
	CU_ASSERT(wait_count("master4", 2, 5000));
	CU_ASSERT_PTR_NOT_NULL(strstr(route("master4", "198.18.0.4/32"), "(65535,666)"));
	CU_ASSERT_STRING_EQUAL(route("master4", "198.18.0.1/32"), "");
	CU_ASSERT_EQUAL(count("master6"), 0);
	CU_ASSERT_EQUAL(count("flowspec6"), 0);
	settle(5);
	xs_bgp_get_status(&st);
	CU_ASSERT_EQUAL(st.refused[XS_BGP_REF_SCOPE], 2);
	CU_ASSERT_EQUAL(st.refused[XS_BGP_REF_ALLOW], 2);
	CU_ASSERT_EQUAL(st.refused[XS_BGP_REF_LENGTH], 2);
	CU_ASSERT_EQUAL(st.refused[XS_BGP_REF_CAP], 1);
	CU_ASSERT_EQUAL(st.refused[XS_BGP_REF_INVALID], 6);
	CU_ASSERT_EQUAL(st.active, 3);
	xs_bgp_close();
}

static void test_dry_run(void)
{
	struct xs_bgp_cfg c;
	struct xs_bgp_status st;
	char buf[256];
	int bh, fs;

	speaker_side();
	cfg_lab(&c);
	c.dry_run = true;
	open_up(&c);	/* the session comes up: its configuration is tested */
	bh = blackhole("198.18.0.20");
	fs = flow_dns("198.18.0.30");
	CU_ASSERT(bh > 0 && fs > 0);
	CU_ASSERT_EQUAL(blackhole("203.0.113.5"), -EPERM);	/* the rails still apply */
	CU_ASSERT_STRING_EQUAL(xs_bgp_route_str(bh, buf, sizeof(buf)),
			       BH20);
	pump(2000);
	xs_bgp_get_status(&st);
	CU_ASSERT(st.dry_run);
	CU_ASSERT_EQUAL(st.state, XS_BGP_UP);
	CU_ASSERT_EQUAL(st.active, 2);
	CU_ASSERT_EQUAL(st.commands, 0);
	CU_ASSERT_EQUAL(count("master4"), 0);
	CU_ASSERT_EQUAL(count("flowspec4"), 0);
	CU_ASSERT_EQUAL(birdc("show protocols all speaker"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "BGP state:          Established"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Routes:         0 imported"));
	CU_ASSERT_PTR_NULL(strstr(out, "Routes:         1"));
	CU_ASSERT_EQUAL(xs_bgp_withdraw(bh), 0);
	CU_ASSERT_EQUAL(xs_bgp_withdraw(fs), 0);
	xs_bgp_close();
}

/* The router drops the session and takes it back: the speaker announces
 * again what is active then, not what was withdrawn in between. */
static void test_session_flap(void)
{
	struct xs_bgp_cfg c;
	struct xs_bgp_status st;
	int a, b, d;

	speaker_side();
	cfg_lab(&c);
	open_up(&c);
	a = blackhole("198.18.0.20");
	b = flow_dns("198.18.0.30");
	CU_ASSERT_FATAL(wait_count("master4", 1, 5000));
	CU_ASSERT_FATAL(wait_count("flowspec4", 1, 5000));
	CU_ASSERT_EQUAL(birdc("disable speaker"), 0);
	CU_ASSERT(wait_state(XS_BGP_IDLE, 10000));
	CU_ASSERT_EQUAL(count("master4"), 0);
	CU_ASSERT_EQUAL(count("flowspec4"), 0);
	CU_ASSERT_EQUAL(xs_bgp_withdraw(b), 0);
	d = blackhole("198.18.0.21");
	CU_ASSERT(d > 0);
	pump(500);
	CU_ASSERT_EQUAL(birdc("enable speaker"), 0);
	CU_ASSERT(wait_state(XS_BGP_UP, 30000));
	CU_ASSERT(wait_count("master4", 2, 5000));
	CU_ASSERT_PTR_NOT_NULL(strstr(route("master4", "198.18.0.20/32"), "(65535,666)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(route("master4", "198.18.0.21/32"), "(65535,666)"));
	pump(500);
	CU_ASSERT_EQUAL(count("flowspec4"), 0);
	xs_bgp_get_status(&st);
	CU_ASSERT_EQUAL(st.session_ups, 2);
	CU_ASSERT_EQUAL(st.session_downs, 1);
	CU_ASSERT_EQUAL(st.speaker_starts, 1);
	CU_ASSERT_EQUAL(st.speaker_errors, 0);
	(void)a;
	xs_bgp_close();
}

/* ExaBGP dies under the driver: the router drops its routes at once; the
 * driver starts it again and tells it everything still active. */
static void test_speaker_crash(void)
{
	struct xs_bgp_cfg c;
	struct xs_bgp_status st;
	int pid;

	speaker_side();
	cfg_lab(&c);
	open_up(&c);
	CU_ASSERT(blackhole("198.18.0.20") > 0);
	CU_ASSERT(flow_dns("198.18.0.30") > 0);
	CU_ASSERT_FATAL(wait_count("master4", 1, 5000));
	CU_ASSERT_FATAL(wait_count("flowspec4", 1, 5000));
	xs_bgp_get_status(&st);
	pid = st.speaker_pid;
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(kill(pid, SIGKILL), 0);
	CU_ASSERT(wait_state(XS_BGP_RESTARTING, 5000));
	CU_ASSERT_EQUAL(count("master4"), 0);
	CU_ASSERT_EQUAL(count("flowspec4"), 0);
	CU_ASSERT(wait_state(XS_BGP_UP, 15000));
	CU_ASSERT(wait_count("master4", 1, 5000));
	CU_ASSERT(wait_count("flowspec4", 1, 5000));
	xs_bgp_get_status(&st);
	CU_ASSERT_EQUAL(st.speaker_starts, 2);
	CU_ASSERT(st.speaker_pid > 0 && st.speaker_pid != pid);
	CU_ASSERT_EQUAL(st.session_ups, 2);
	CU_ASSERT_EQUAL(st.active, 2);
	xs_bgp_close();
}

/* A session over IPv6: blackholes of its family take our own address as
 * next hop; IPv4 ones need one configured; FlowSpec needs none. */
static void test_ipv6_session(void)
{
	struct xs_bgp_cfg c;
	struct xs_bgp_match m;
	struct xs_bgp_action drop = { .kind = XS_BGP_DISCARD };
	struct xs_prefix p;

	speaker_side();
	cfg_lab(&c);
	xs_addr_parse("2001:db8:b6::2", &c.local_address);
	xs_addr_parse("2001:db8:b6::1", &c.peer_address);
	c.has_next_hop6 = false;
	open_up(&c);
	CU_ASSERT_EQUAL(birdc("show protocols all speaker6"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "BGP state:          Established"));
	CU_ASSERT(blackhole("2001:db8:1::21") > 0);
	CU_ASSERT_EQUAL(blackhole("198.18.0.21"), -EAFNOSUPPORT);
	REFUSED_BECAUSE("198.18.0.21/32: no IPv4 next hop (mitigation.bgp.blackhole.next_hop4)");
	p = pfx("198.18.0.30");
	xs_bgp_match_init(&m, &p);
	xs_bgp_nums_add(&m.proto, 6, 6);
	CU_ASSERT(xs_bgp_announce_flowspec(&m, &drop) > 0);
	CU_ASSERT_FATAL(wait_count("master6", 1, 5000));
	CU_ASSERT_FATAL(wait_count("flowspec4", 1, 5000));
	CU_ASSERT_STRING_EQUAL(route("master6", "2001:db8:1::21/128"),
			       "2001:db8:1::21/128   blackhole [speaker6 TIME         from "
			       "2001:db8:b6::2] * (100) [AS64513i]\n" BGP_HEAD
			       "\tBGP.next_hop: 2001:db8:b6::2\n"
			       "\tBGP.local_pref: 100\n"
			       "\tBGP.community: (65535,666)");
	CU_ASSERT_PTR_NOT_NULL(strstr(route("flowspec4", "flow4 { dst 198.18.0.30/32; proto 6; }"),
				      "[speaker6 TIME         from 2001:db8:b6::2]"));
	settle(2);
	xs_bgp_close();
	CU_ASSERT(wait_count("master6", 0, 5000));
	CU_ASSERT(wait_count("flowspec4", 0, 5000));
}

/* The whole of a small file, NUL-terminated (free it); NULL if unreadable. */
static char *slurp(const char *path)
{
	char *text = calloc(1, 65536);
	FILE *f = fopen(path, "r");

	if (!text || !f) {
		free(text);
		if (f)
			fclose(f);
		return NULL;
	}
	if (fread(text, 1, 65535, f) == 0)
		text[0] = '\0';
	fclose(f);
	return text;
}

static int occurrences(const char *text, const char *what)
{
	int n = 0;

	while (text && (text = strstr(text, what))) {
		n++;
		text++;
	}
	return n;
}

/* The router refuses us (a wrong AS): no session, nothing announced, and
 * the log says why, once. */
static void test_wrong_as(void)
{
	char log[64], *text = NULL;
	struct xs_bgp_cfg c;
	struct xs_bgp_status st;
	int saved, fd;
	double end;

	speaker_side();
	/* The driver's log goes to stderr: into a file for this test. */
	snprintf(log, sizeof(log), "/tmp/xs-bgp-log-%d", (int)getpid());
	fflush(stderr);
	saved = dup(2);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CU_ASSERT_FATAL(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	cfg_lab(&c);
	c.peer_as = 64999;
	if (xs_bgp_open(&c) == 0) {
		CU_ASSERT(blackhole("198.18.0.20") > 0);
		for (end = now_s() + 15; now_s() < end; free(text)) {
			pump(200);
			text = slurp(log);
			if (occurrences(text, "no session with"))
				break;
		}
		free(text);
		pump(3000);	/* ExaBGP tries again meanwhile */
		xs_bgp_get_status(&st);
		CU_ASSERT_EQUAL(st.state, XS_BGP_IDLE);
		CU_ASSERT_EQUAL(st.session_ups, 0);
		CU_ASSERT_EQUAL(count("master4"), 0);
		xs_bgp_close();
	} else {
		CU_FAIL("xs_bgp_open");
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	text = slurp(log);
	unlink(log);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "warning: bgp: no session with 198.51.100.1: "));
	CU_ASSERT_EQUAL(occurrences(text, "no session with"), 1);	/* not at every retry */
	free(text);
}

static long rss_kb(int pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A thousand FlowSpec rules reach BIRD, exactly, and come back after the
 * speaker crashes. The times and sizes are printed, never asserted. */
static void test_thousand(void)
{
	enum { N = 1000, L = 20 };
	struct xs_bgp_cfg c;
	struct xs_bgp_status st;
	struct xs_bgp_action drop = { .kind = XS_BGP_DISCARD };
	double t0, up_s, call[N], lat[L];
	long idle_kb;
	int i, id;

	speaker_side();
	cfg_lab(&c);
	c.max_announcements = N;
	t0 = now_s();
	open_up(&c);
	up_s = now_s() - t0;
	pump(500);
	xs_bgp_get_status(&st);
	idle_kb = rss_kb(st.speaker_pid);
	/* Announcement to route in BIRD, one at a time. */
	for (i = 0; i < L; i++) {
		char a[32];

		snprintf(a, sizeof(a), "198.18.1.%d", i + 1);
		t0 = now_s();
		id = blackhole(a);
		CU_ASSERT_FATAL(id > 0);
		CU_ASSERT_FATAL(wait_count("master4", 1, 5000));
		lat[i] = now_s() - t0;
		CU_ASSERT_EQUAL(xs_bgp_withdraw(id), 0);
		CU_ASSERT_FATAL(wait_count("master4", 0, 5000));
	}
	t0 = now_s();
	for (i = 0; i < N; i++) {
		struct xs_bgp_match m;
		struct xs_prefix p;
		char a[32];
		double c0;

		snprintf(a, sizeof(a), "198.18.%d.%d", 2 + i / 250, 1 + i % 250);
		p = pfx(a);
		xs_bgp_match_init(&m, &p);
		xs_bgp_nums_add(&m.proto, 17, 17);
		xs_bgp_nums_add(&m.sport, 53, 53);
		c0 = now_s();
		CU_ASSERT(xs_bgp_announce_flowspec(&m, &drop) > 0);
		call[i] = now_s() - c0;
	}
	CU_ASSERT(wait_count("flowspec4", N, 30000));
	printf("\n  open to session up %.2f s; announcement to BIRD, median of %d: %.1f ms\n", up_s,
	       L, (qsort(lat, L, sizeof(lat[0]), cmp_double), lat[L / 2] * 1000));
	printf("  %d FlowSpec rules in BIRD %.2f s after the first; announce call median %.1f us\n",
	       N, now_s() - t0, (qsort(call, N, sizeof(call[0]), cmp_double), call[N / 2] * 1e6));
	xs_bgp_get_status(&st);
	printf("  ExaBGP's RSS: %ld kB idle, %ld kB with %d rules\n", idle_kb, rss_kb(st.speaker_pid),
	       N);
	settle(2 * L + N);
	CU_ASSERT_EQUAL(blackhole("198.18.9.9"), -ENOSPC);

	/* The crash: every rule withdrawn, then every rule back. */
	t0 = now_s();
	CU_ASSERT_EQUAL(kill(st.speaker_pid, SIGKILL), 0);
	CU_ASSERT(wait_count("flowspec4", 0, 5000));
	CU_ASSERT(wait_count("flowspec4", N, 30000));
	printf("  speaker killed: %d rules back in %.2f s (1 s of it the restart delay)\n", N,
	       now_s() - t0);
	settle(2 * L + 2 * N);
	xs_bgp_close();
	CU_ASSERT(wait_count("flowspec4", 0, 5000));
}

static int stale_dirs(pid_t pid)
{
	char prefix[64];
	struct dirent *de;
	DIR *d = opendir("/run");
	int n = 0;

	snprintf(prefix, sizeof(prefix), "xdpstream-bgp-%d-", (int)pid);
	while (d && (de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return n;
}

/* The daemon is killed with SIGKILL: its speaker dies with it, the router
 * withdraws everything well within the hold time; the next daemon
 * announces only what its caller says is still active. */
static void test_daemon_killed(void)
{
	struct xs_bgp_cfg c;
	int pfd[2], speaker = 0, status;
	double t0, took;

	speaker_side();
	cfg_lab(&c);
	CU_ASSERT_FATAL(pipe(pfd) == 0);
	driver_child = fork();
	CU_ASSERT_FATAL(driver_child >= 0);
	if (driver_child == 0) {
		struct xs_bgp_status st;

		close(pfd[0]);
		/* Not the test's cleanup: this process only dies. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (xs_bgp_open(&c) || !wait_state(XS_BGP_UP, 15000) ||
		    blackhole("198.18.0.20") <= 0 || flow_dns("198.18.0.30") <= 0)
			_exit(1);
		xs_bgp_get_status(&st);
		if (write(pfd[1], &st.speaker_pid, sizeof(int)) != sizeof(int))
			_exit(1);
		for (;;)
			pump(1000);
	}
	close(pfd[1]);
	CU_ASSERT_FATAL(read(pfd[0], &speaker, sizeof(int)) == sizeof(int));
	close(pfd[0]);
	CU_ASSERT_FATAL(wait_count("master4", 1, 5000));
	CU_ASSERT_FATAL(wait_count("flowspec4", 1, 5000));
	CU_ASSERT_EQUAL(stale_dirs(driver_child), 1);

	t0 = now_s();
	kill(driver_child, SIGKILL);
	waitpid(driver_child, &status, 0);
	CU_ASSERT(wait_count("master4", 0, 9000));
	CU_ASSERT(wait_count("flowspec4", 0, 9000));
	took = now_s() - t0;
	printf("\n  routes withdrawn %.2f s after SIGKILL (hold time 9 s)\n", took);
	CU_ASSERT(took < c.hold_time_s);
	/* The speaker died with it (an orphan of ours: reap it). */
	CU_ASSERT_EQUAL(waitpid(speaker, &status, 0), speaker);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CU_ASSERT_EQUAL(birdc("show protocols speaker"), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "Established"));

	/* The next daemon: the flow's alert ended meanwhile, the blackhole's
	 * is still open. Its open also removes the dead one's directory. */
	open_up(&c);
	CU_ASSERT_EQUAL(stale_dirs(driver_child), 0);
	driver_child = 0;
	CU_ASSERT(blackhole("198.18.0.20") > 0);
	CU_ASSERT(wait_count("master4", 1, 5000));
	pump(1000);
	CU_ASSERT_EQUAL(count("flowspec4"), 0);
	xs_bgp_close();
	CU_ASSERT(wait_count("master4", 0, 5000));
}

/* A speaker that hangs sends no keepalives: BIRD's hold timer drops the
 * session and the routes; once it runs again, it reconnects. */
static void test_speaker_hangs(void)
{
	struct xs_bgp_cfg c;
	struct xs_bgp_status st;
	double t0, took;

	speaker_side();
	cfg_lab(&c);
	c.hold_time_s = 3;
	open_up(&c);
	CU_ASSERT(blackhole("198.18.0.20") > 0);
	CU_ASSERT_FATAL(wait_count("master4", 1, 5000));
	xs_bgp_get_status(&st);
	CU_ASSERT_FATAL(st.speaker_pid > 0);
	t0 = now_s();
	kill(st.speaker_pid, SIGSTOP);
	CU_ASSERT(wait_count("master4", 0, 10000));
	took = now_s() - t0;
	printf("\n  routes withdrawn %.2f s after the speaker stopped (hold time 3 s)\n", took);
	/* Keepalives every second: the timer fires 2 to 3 s after the last. */
	CU_ASSERT(took >= 1.5 && took <= 3 + 2);
	CU_ASSERT_EQUAL(xs_sh("grep -q 'Hold timer expired' /run/%s/bird.log", lab), 0);
	kill(st.speaker_pid, SIGCONT);
	CU_ASSERT(wait_count("master4", 1, 60000));
	xs_bgp_close();
}

static void test_teardown(void)
{
	lab_down();
	CU_ASSERT_NOT_EQUAL(xs_sh("ip netns list | grep -q '^%s-'", lab), 0);
	CU_ASSERT_NOT_EQUAL(xs_sh("test -e /run/%s", lab), 0);
	CU_ASSERT_EQUAL(stale_dirs(getpid()), 0);
}

static struct xs_test tests[] = {
	{ "setup: BIRD in its namespace, the driver on the speaker side", test_setup },
	{ "open refuses a configuration that cannot work; closed, nothing goes", test_open_refusals },
	{ "a blackhole and a FlowSpec rule, exactly; withdrawn", test_announce_withdraw },
	{ "IPv6, rate limit, communities, every FlowSpec component", test_components },
	{ "rails: scope, allowlist, host routes, cap, malformed rules", test_rails },
	{ "dry run: the session comes up, nothing is announced", test_dry_run },
	{ "a session that flaps gets what is active, nothing more", test_session_flap },
	{ "a speaker that crashes is started again with the table", test_speaker_crash },
	{ "a session over IPv6", test_ipv6_session },
	{ "a router that refuses us: no session, the reason logged once", test_wrong_as },
	{ "a thousand FlowSpec rules, exactly, and again after a crash", test_thousand },
	{ "a daemon killed with SIGKILL leaves nothing; the next one announces what is active",
	  test_daemon_killed },
	{ "a hung speaker: the hold timer withdraws; it reconnects", test_speaker_hangs },
	{ "teardown leaves nothing", test_teardown },
};

XS_RUN_SUITE("bgp", tests)
