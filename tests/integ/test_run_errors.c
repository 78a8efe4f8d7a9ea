// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What a user can get wrong with `xdpstream run`: each case ends with one
 * clear line, its own exit code, and the interface left as it was.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "loader.h"
#include "xs_lab.h"
#include "xs_test.h"

static struct xs_lab lab;
static char out[16384];

/* Runs xdpstream in the sensor namespace (bpffs mounted unless nobpffs),
 * capturing stderr+stdout; returns the exit status. */
static int xs_run(bool nobpffs, const char *args)
{
	return xs_sh_out(out, sizeof(out),
			 "ip netns exec %s sh -c '%s exec %s/xdpstream %s' 2>&1", lab.ns_s,
			 nobpffs ? "" : "mount -t bpf bpf /sys/fs/bpf &&", xs_build_dir_abs(),
			 args);
}

static bool said(const char *needle)
{
	if (strstr(out, needle))
		return true;
	printf("\n  expected \"%s\" in:\n%s", needle, out);
	return false;
}

/* The XDP program id on the sensor interface, 0 if none. */
static int xdp_id(void)
{
	char buf[512];
	char *p;

	xs_sh_out(buf, sizeof(buf), "ip -n %s -d link show %s", lab.ns_s, lab.if_s);
	p = strstr(buf, "prog/xdp id ");
	return p ? atoi(p + strlen("prog/xdp id ")) : 0;
}

static void test_bad_flags(void)
{
	char args[128];

	CU_ASSERT_EQUAL(xs_run(false, "run"), XS_EXIT_USAGE);
	CU_ASSERT(said("no interface: pass -i IFACE"));
	snprintf(args, sizeof(args), "run -i %s --mode fast", lab.if_s);
	CU_ASSERT_EQUAL(xs_run(false, args), XS_EXIT_USAGE);
	CU_ASSERT(said("--mode: expected native, skb or auto, got 'fast'"));
	snprintf(args, sizeof(args), "run -i %s --tick-ms 5", lab.if_s);
	CU_ASSERT_EQUAL(xs_run(false, args), XS_EXIT_USAGE);
	CU_ASSERT(said("--tick-ms: expected an integer from 10 to 60000, got '5'"));
	snprintf(args, sizeof(args), "run -i %s --dst-entries 12x", lab.if_s);
	CU_ASSERT_EQUAL(xs_run(false, args), XS_EXIT_USAGE);
	CU_ASSERT(said("--dst-entries: expected an integer"));
	CU_ASSERT_EQUAL(xs_run(false, "frobnicate"), XS_EXIT_USAGE);
	CU_ASSERT(said("unknown command 'frobnicate'"));
	CU_ASSERT_EQUAL(xdp_id(), 0);
}

static void test_unknown_interface(void)
{
	CU_ASSERT_EQUAL(xs_run(false, "run -i nope0"), XS_EXIT_ENV);
	CU_ASSERT(said("unknown interface 'nope0'"));
}

static void test_not_root(void)
{
	char args[256];

	snprintf(args, sizeof(args), "run -i %s", lab.if_s);
	CU_ASSERT_EQUAL(xs_sh_out(out, sizeof(out),
				  "ip netns exec %s setpriv --reuid=65534 --regid=65534 "
				  "--clear-groups %s/xdpstream %s 2>&1",
				  lab.ns_s, xs_build_dir_abs(), args),
			XS_EXIT_PERM);
	CU_ASSERT(said("needs root"));
	CU_ASSERT_EQUAL(xdp_id(), 0);
}

static void test_no_bpffs(void)
{
	char args[128];

	snprintf(args, sizeof(args), "run -i %s", lab.if_s);
	CU_ASSERT_EQUAL(xs_run(true, args), XS_EXIT_ENV);
	CU_ASSERT(said("no BPF file system at /sys/fs/bpf"));
	CU_ASSERT(said("mount -t bpf bpf /sys/fs/bpf"));
	CU_ASSERT_EQUAL(xdp_id(), 0);
}

static void test_stats_without_instance(void)
{
	CU_ASSERT_EQUAL(xs_run(false, "stats"), XS_EXIT_ENV);
	CU_ASSERT(said("no running instance: /sys/fs/bpf/xdpstream/xs_rt does not exist"));
	CU_ASSERT_EQUAL(xs_run(false, "stats --bogus"), XS_EXIT_USAGE);
}

static void test_verifier_rejection(void)
{
	char args[512];

	snprintf(args, sizeof(args), "run -i %s --bpf-obj %s/xdpstream_reject.bpf.o", lab.if_s,
		 xs_build_dir_abs());
	CU_ASSERT_EQUAL(xs_run(false, args), XS_EXIT_LOAD);
	CU_ASSERT(said("the kernel refused to load the XDP program"));
	/* The tail of the verifier log says why. */
	CU_ASSERT(said("invalid access to packet"));
	CU_ASSERT_EQUAL(xdp_id(), 0);
}

static void test_foreign_program(void)
{
	char args[256];
	int foreign, st;
	pid_t pid;

	CU_ASSERT_EQUAL_FATAL(xs_sh("ip -n %s link set dev %s xdp obj %s/xdp_pass.bpf.o sec xdp",
				    lab.ns_s, lab.if_s, xs_build_dir_abs()),
			      0);
	foreign = xdp_id();
	CU_ASSERT_FATAL(foreign > 0);
	snprintf(args, sizeof(args), "run -i %s -d 1", lab.if_s);
	CU_ASSERT_EQUAL(xs_run(false, args), XS_EXIT_BUSY);
	CU_ASSERT(said("already has XDP program 'xdp_pass'"));
	CU_ASSERT(said("--force"));
	CU_ASSERT_EQUAL(xdp_id(), foreign);	/* untouched */

	/* --force replaces it; on exit the interface is clean. */
	snprintf(args, sizeof(args), "run -i %s --force -q", lab.if_s);
	pid = xs_lab_spawn(&lab, args, "/dev/null");
	for (st = 0; st < 200 && (xdp_id() == foreign || xdp_id() == 0); st++)
		usleep(50000);
	CU_ASSERT(xdp_id() != foreign && xdp_id() != 0);
	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGTERM, 10000), 0);
	CU_ASSERT_EQUAL(xdp_id(), 0);
}

static void test_second_instance(void)
{
	char args[256], cmd[512];
	int first;
	pid_t pid;

	snprintf(args, sizeof(args), "run -i %s -q", lab.if_s);
	pid = xs_lab_spawn(&lab, args, "/dev/null");
	CU_ASSERT_FATAL(xs_lab_wait_xdp(&lab, true, 10000) == 0);
	first = xdp_id();
	/* Same bpffs, same pin directory: the lock says so. */
	snprintf(cmd, sizeof(cmd), "%s/xdpstream run -i %s 2>&1", xs_build_dir_abs(), lab.if_s);
	CU_ASSERT_EQUAL(xs_lab_in_daemon(pid, out, sizeof(out), cmd), XS_EXIT_BUSY);
	CU_ASSERT(said("another xdpstream instance is running with pin directory"));
	/* Another pin directory: the interface itself says so. */
	snprintf(cmd, sizeof(cmd), "%s/xdpstream run -i %s -p /sys/fs/bpf/other 2>&1",
		 xs_build_dir_abs(), lab.if_s);
	CU_ASSERT_EQUAL(xs_lab_in_daemon(pid, out, sizeof(out), cmd), XS_EXIT_BUSY);
	CU_ASSERT(said("already runs xdpstream"));
	CU_ASSERT_EQUAL(xdp_id(), first);
	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGINT, 10000), 0);
	CU_ASSERT_EQUAL(xdp_id(), 0);
}

/* With a kernel that takes freplace programs, libxdp's dispatcher lets
 * xdpstream share the interface with another libxdp program. */
static void test_dispatcher(void)
{
	char args[256], buf[4096];
	pid_t pid;

	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_EXT, NULL) != 1) {
		printf("\n  SKIP: this kernel refuses BPF_PROG_TYPE_EXT, so libxdp's dispatcher "
		       "cannot load (xdpstream uses libxdp's single-program fallback)");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(xs_sh("ip netns exec %s sh -c 'mount -t bpf bpf /sys/fs/bpf && "
				    "xdp-loader load -m skb %s %s/xdp_pass.bpf.o'",
				    lab.ns_s, lab.if_s, xs_build_dir_abs()),
			      0);
	snprintf(args, sizeof(args), "run -i %s -m skb -q", lab.if_s);
	pid = xs_lab_spawn(&lab, args, "/dev/null");
	usleep(1500000);
	xs_sh_out(buf, sizeof(buf), "ip netns exec %s xdp-loader status %s", lab.ns_s, lab.if_s);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "xdpstream"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "xdp_pass"));
	CU_ASSERT_EQUAL(xs_lab_stop(pid, SIGINT, 10000), 0);
	xs_sh_out(buf, sizeof(buf), "ip netns exec %s xdp-loader status %s", lab.ns_s, lab.if_s);
	CU_ASSERT_PTR_NULL(strstr(buf, "xdpstream"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "xdp_pass"));
	xs_sh("ip netns exec %s xdp-loader unload %s --all", lab.ns_s, lab.if_s);
}

static void test_setup(void)
{
	CU_ASSERT_FATAL(xs_have_bpf());
	CU_ASSERT_FATAL(xs_lab_up(&lab, "e") == 0);
}

static void test_teardown(void)
{
	xs_lab_down(&lab);
}

static const struct xs_test tests[] = {
	{ "set up namespaces", test_setup },
	{ "bad flags: usage error, exit 2", test_bad_flags },
	{ "unknown interface: exit 4", test_unknown_interface },
	{ "not root: exit 3", test_not_root },
	{ "no bpffs: exit 4 with the mount command", test_no_bpffs },
	{ "verifier rejection: exit 5 with the log tail", test_verifier_rejection },
	{ "stats without a running instance: exit 4", test_stats_without_instance },
	{ "foreign XDP program: exit 6, untouched; --force replaces", test_foreign_program },
	{ "second instance: exit 6", test_second_instance },
	{ "shares the interface through libxdp's dispatcher", test_dispatcher },
	{ "tear down", test_teardown },
};

XS_RUN_SUITE("run: errors a user can cause", tests)
