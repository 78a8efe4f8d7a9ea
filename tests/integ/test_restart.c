// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Restart without a gap: a daemon stopped with --keep-attached (or
 * SIGUSR2) leaves the program attached and counting into its pinned maps;
 * the next daemon adopts them and the totals run on exactly; `xdpstream
 * detach` removes everything.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "gen.h"
#include "loader.h"
#include "xs_lab.h"
#include "xs_test.h"

static struct xs_lab lab;
static char bpffs[256], pins[288], out[8192];

static int xdp_id(void)
{
	char buf[512], *p;

	xs_sh_out(buf, sizeof(buf), "ip -n %s -d link show %s", lab.ns_s, lab.if_s);
	p = strstr(buf, "prog/xdp id ");
	return p ? atoi(p + strlen("prog/xdp id ")) : 0;
}

static void send_frames(int proto, unsigned long n)
{
	struct xs_pkt_spec s;
	struct xs_gen g;
	uint8_t buf[256];
	int old = xs_netns_enter(lab.ns_a), len;

	CU_ASSERT_FATAL(old >= 0);
	xs_pkt_spec_init(&s, "10.0.0.1", "198.18.0.1", proto, 1000 + proto, 80);
	s.tcp_flags = XS_TCP_SYN;
	s.icmp_type = 8;
	len = xs_pkt_build(&s, buf, sizeof(buf));
	CU_ASSERT_FATAL(xs_gen_open(&g, lab.if_a) == 0);
	CU_ASSERT(xs_gen_send(&g, buf, len, n) == 0);
	xs_gen_close(&g);
	xs_netns_leave(old);
}

/* Runs an xdpstream command in the sensor namespace. */
static int xs(const char *args)
{
	return xs_sh_out(out, sizeof(out), "ip netns exec %s %s/xdpstream %s 2>&1", lab.ns_s,
			 xs_build_dir_abs(), args);
}

static pid_t start_daemon(const char *extra)
{
	char args[512];
	pid_t pid;

	snprintf(args, sizeof(args), "run -i %s -q -t 100 -p %s %s", lab.if_s, pins, extra);
	pid = xs_lab_spawn(&lab, args, "/dev/null");
	usleep(300000);
	return pid;
}

/* The instance's hashing secret as pinned (zeros if it cannot be read). */
static struct xs_secret pinned_secret(void)
{
	struct xs_secret sec = {};
	char path[160];
	__u32 zero = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/xs_secret", pins);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		bpf_map_lookup_elem(fd, &zero, &sec);
		close(fd);
	}
	return sec;
}

static struct xs_secret first_secret;

static void test_setup(void)
{
	CU_ASSERT_FATAL(xs_have_bpf());
	CU_ASSERT_FATAL(xs_lab_up(&lab, "r") == 0);
	/* A bpffs outside /sys, so that pins outlive each daemon's
	 * `ip netns exec` mount namespace, as /sys/fs/bpf does on a host. */
	snprintf(bpffs, sizeof(bpffs), "%s/bpffs", xs_tmpdir());
	snprintf(pins, sizeof(pins), "%s/xdpstream", bpffs);
	xs_track_mount(bpffs);
	CU_ASSERT_FATAL(xs_sh("mkdir -p %s && mount -t bpf bpf %s", bpffs, bpffs) == 0);
}

static void test_keep_and_adopt(void)
{
	char args[256];
	int id;
	pid_t pid;

	pid = start_daemon("--keep-attached");
	CU_ASSERT_FATAL(xs_lab_wait_xdp(&lab, true, 10000) == 0);
	id = xdp_id();
	send_frames(IPPROTO_TCP, 100000);
	first_secret = pinned_secret();
	CU_ASSERT(first_secret.k[0] | first_secret.k[1] | first_secret.k[2] | first_secret.k[3]);
	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGTERM, 10000), 0);
	/* Still attached, still counting with no daemon. */
	CU_ASSERT_EQUAL(xdp_id(), id);
	send_frames(IPPROTO_UDP, 50000);

	/* A daemon for another interface set must not take over silently. */
	snprintf(args, sizeof(args), "run -i lo -p %s -d 1", pins);
	CU_ASSERT_EQUAL(xs(args), XS_EXIT_BUSY);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "kept attached to"));

	pid = start_daemon("");
	send_frames(IPPROTO_ICMP, 30000);
	usleep(300000);
	CU_ASSERT_EQUAL(xdp_id(), id);	/* the same program all along */
	/* ...hashing under the secret it was loaded with, kept for adopters. */
	{
		struct xs_secret now = pinned_secret();

		CU_ASSERT_EQUAL(memcmp(&now, &first_secret, sizeof(now)), 0);
	}
	snprintf(args, sizeof(args), "stats --json -p %s", pins);
	CU_ASSERT_EQUAL(xs(args), 0);
	CU_ASSERT_EQUAL(xs_json_num(out, "packets"), 180000);
	CU_ASSERT_EQUAL(xs_json_num(out, "packets_ipv4_tcp"), 100000);
	CU_ASSERT_EQUAL(xs_json_num(out, "packets_ipv4_udp"), 50000);
	CU_ASSERT_EQUAL(xs_json_num(out, "packets_ipv4_icmp"), 30000);
	CU_ASSERT_EQUAL(xs_json_num(out, "counter_flows_new"), 3);

	/* detach refuses while a daemon runs. */
	snprintf(args, sizeof(args), "detach -p %s", pins);
	CU_ASSERT_EQUAL(xs(args), XS_EXIT_BUSY);
	/* SIGUSR2: exit, keep attached. */
	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGUSR2, 10000), 0);
	CU_ASSERT_EQUAL(xdp_id(), id);
	CU_ASSERT_EQUAL(xs(args), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "detached from"));
	CU_ASSERT_EQUAL(xdp_id(), 0);
	CU_ASSERT_NOT_EQUAL(xs_sh("test -e %s/xs_rt", pins), 0);
	/* Idempotent. */
	CU_ASSERT_EQUAL(xs(args), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "nothing to detach"));
}

static void test_plain_stop_detaches(void)
{
	pid_t pid = start_daemon("");
	struct xs_secret sec;

	CU_ASSERT_FATAL(xs_lab_wait_xdp(&lab, true, 10000) == 0);
	/* A new instance: a new secret. */
	sec = pinned_secret();
	CU_ASSERT(sec.k[0] | sec.k[1]);
	CU_ASSERT_NOT_EQUAL(memcmp(&sec, &first_secret, sizeof(sec)), 0);
	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGTERM, 10000), 0);
	CU_ASSERT_EQUAL(xdp_id(), 0);
	CU_ASSERT_NOT_EQUAL(xs_sh("test -e %s/xs_rt", pins), 0);
}

static void test_teardown(void)
{
	xs_sh("umount %s; rmdir %s", bpffs, bpffs);
	xs_lab_down(&lab);
}

static const struct xs_test tests[] = {
	{ "set up", test_setup },
	{ "--keep-attached, adopt, exact totals, SIGUSR2, detach", test_keep_and_adopt },
	{ "a plain stop detaches and unpins", test_plain_stop_detaches },
	{ "tear down", test_teardown },
};

XS_RUN_SUITE("restart without a gap", tests)
