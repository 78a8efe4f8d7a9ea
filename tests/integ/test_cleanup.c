// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A test leaves nothing behind, however it ends (tests/lib/xs_cleanup.h).
 * This binary runs copies of itself as victims ("--victim MODE REPORT"):
 * each builds a lab (two namespaces and a veth), starts `xdpstream run` in
 * it, mounts a bpffs and writes a file, all through the test helpers, and
 * then ends badly: a CU_ASSERT_FATAL, exit() without cleaning up, abort(),
 * SIGTERM, SIGINT, SIGHUP, SIGKILL, SIGKILL to its whole process group.
 * Each case asserts the victim's exact way out, then that the namespaces,
 * the daemon, the mount and the file are gone. The control case turns the
 * reaper off: after a SIGKILL the namespaces stay (so these checks can
 * fail), while the daemon still dies with its test (parent-death signal).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "xs_lab.h"
#include "xs_test.h"

/* What a victim made, from its report. */
struct made {
	char path[512]; /* the report */
	char lab[16], ns_a[32], ns_s[32], file[512], mount[512], tmpdir[512];
	pid_t daemon;
	unsigned long long start;
	bool ready, t2_ok;
	int h[5]; /* our own tracking of them */
};

/* ---- the victim ---------------------------------------------------------- */

static char report[512];
static struct xs_lab vlab;
static ino_t home_ino, setup_ino;

static void say(const char *line)
{
	FILE *f = fopen(report, "a");

	if (f) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
}

static ino_t netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

/* The lab, the daemon in it, a bpffs mount and a file; reported. */
static int make_things(const char *kind)
{
	char args[256], line[700], file[512], mnt[512];
	pid_t pid;
	FILE *f;

	if (xs_lab_up(&vlab, kind))
		return -1;
	snprintf(args, sizeof(args), "run -i %s --tick-ms 100 -q", vlab.if_s);
	snprintf(line, sizeof(line), "%s/daemon.log", xs_tmpdir());
	pid = xs_lab_start(&vlab, args, line);
	if (pid < 0)
		return -1;
	snprintf(file, sizeof(file), "%s/xs%s%s-file", getenv("TMPDIR") ?: "/tmp", xs_run_tag(),
		 kind);
	xs_track_path(file);
	f = fopen(file, "w");
	if (!f)
		return -1;
	fputs("data\n", f);
	fclose(f);
	snprintf(mnt, sizeof(mnt), "%s/xs%s%s-bpffs", getenv("TMPDIR") ?: "/tmp", xs_run_tag(),
		 kind);
	xs_track_mount(mnt);
	if (xs_sh("mkdir -p %s && mount -t bpf bpf %s", mnt, mnt))
		return -1;
	snprintf(line, sizeof(line), "lab %s", vlab.name);
	say(line);
	snprintf(line, sizeof(line), "daemon %d %llu", (int)pid, xs_proc_start(pid));
	say(line);
	snprintf(line, sizeof(line), "file %s", file);
	say(line);
	snprintf(line, sizeof(line), "mount %s", mnt);
	say(line);
	snprintf(line, sizeof(line), "tmpdir %s", xs_tmpdir());
	say(line);
	return 0;
}

/* A "set up" test that moves to a namespace of its own for the tests after
 * it (as test_bgp enters its speaker's): it ends there, and stays there. */
static void v_t0(void)
{
	CU_ASSERT_FATAL(unshare(CLONE_NEWNET) == 0);
	setup_ino = netns_ino();
}

static void v_t1(void)
{
	int old;

	CU_ASSERT_FATAL(make_things("vf") == 0);
	old = xs_netns_enter(vlab.ns_a);
	CU_ASSERT_FATAL(old >= 0);
	say("ready");
	/* Cut short here, in the attacker's namespace, with all of it up. */
	CU_ASSERT_FATAL(0);
	xs_netns_leave(old);
}

/* What t1 made went at its teardown, and we are back in the namespace t1
 * began in (t0's, not the process's first). */
static void v_t2(void)
{
	char path[64], line[700];
	bool ok = true;

	snprintf(path, sizeof(path), "/run/netns/%s", vlab.ns_a);
	ok &= access(path, F_OK) != 0;
	snprintf(path, sizeof(path), "/run/netns/%s", vlab.ns_s);
	ok &= access(path, F_OK) != 0;
	ok &= setup_ino != home_ino && netns_ino() == setup_ino;
	snprintf(line, sizeof(line), "grep -q ' %s/xs%svf-bpffs ' /proc/self/mountinfo",
		 getenv("TMPDIR") ?: "/tmp", xs_run_tag());
	ok &= xs_sh("%s", line) != 0;
	CU_ASSERT(ok);
	say(ok ? "t2 ok" : "t2 FAIL");
}

static int victim(const char *mode)
{
	static const struct xs_test tests[] = {
	    {"set up: a network namespace for the tests after it", v_t0},
	    {"make a lab, a daemon, a mount, a file; then CU_ASSERT_FATAL", v_t1},
	    {"all of it went at the teardown", v_t2},
	};
	char kind[4] = {'v', mode[0], mode[1] ? mode[1] : 'x', 0};

	home_ino = netns_ino();
	if (!strcmp(mode, "fatal"))
		return xs_test_main("victim", tests, 3, NULL, NULL);
	if (xs_cleanup_init() || make_things(kind))
		return 3;
	say("ready");
	if (!strcmp(mode, "exit"))
		exit(0); /* nothing cleaned up by the test itself */
	if (!strcmp(mode, "abort"))
		abort();
	for (;;)
		pause(); /* for a signal */
}

/* ---- the cases ----------------------------------------------------------- */

static int read_report(const char *path, struct made *m)
{
	char line[700];
	FILE *f = fopen(path, "r");

	memset(m, 0, sizeof(*m));
	snprintf(m->path, sizeof(m->path), "%s", path);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "lab ", 4)) {
			snprintf(m->lab, sizeof(m->lab), "%s", line + 4);
			snprintf(m->ns_a, sizeof(m->ns_a), "%s-atk", m->lab);
			snprintf(m->ns_s, sizeof(m->ns_s), "%s-sen", m->lab);
		} else if (sscanf(line, "daemon %d %llu", &m->daemon, &m->start) == 2) {
		} else if (!strncmp(line, "file ", 5)) {
			snprintf(m->file, sizeof(m->file), "%s", line + 5);
		} else if (!strncmp(line, "mount ", 6)) {
			snprintf(m->mount, sizeof(m->mount), "%s", line + 6);
		} else if (!strncmp(line, "tmpdir ", 7)) {
			snprintf(m->tmpdir, sizeof(m->tmpdir), "%s", line + 7);
		} else if (!strcmp(line, "ready")) {
			m->ready = true;
		} else if (!strcmp(line, "t2 ok")) {
			m->t2_ok = true;
		}
	}
	fclose(f);
	return 0;
}

static bool mounted(const char *path)
{
	return path[0] && xs_sh("grep -q ' %s ' /proc/self/mountinfo", path) == 0;
}

static bool ns_there(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	return name[0] && access(path, F_OK) == 0;
}

/* What of the victim's things is still there ("" if nothing), after up to
 * timeout_ms for its reaper to finish. */
static const char *still_there(const struct made *m, int timeout_ms)
{
	static char what[256];
	int waited;

	for (waited = 0;; waited += 100) {
		what[0] = '\0';
		if (ns_there(m->ns_a) || ns_there(m->ns_s))
			strcat(what, " namespaces");
		if (xs_proc_alive(m->daemon, m->start))
			strcat(what, " daemon");
		if (mounted(m->mount))
			strcat(what, " mount");
		if (m->file[0] && access(m->file, F_OK) == 0)
			strcat(what, " file");
		if (m->tmpdir[0] && access(m->tmpdir, F_OK) == 0)
			strcat(what, " tmpdir");
		if (!what[0] || waited >= timeout_ms)
			return what;
		usleep(100000);
	}
}

/* Starts a victim in a process group of its own and waits until it made
 * everything. Tracks what it reports, so that nothing stays even if an
 * assertion here fails. */
static pid_t start_victim(const char *mode, bool reaper, struct made *m)
{
	static int n;
	char path[512], log[512];
	int waited;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/report-%d", xs_tmpdir(), ++n);
	snprintf(log, sizeof(log), "%s/victim-%d.log", xs_tmpdir(), n);
	unlink(path);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		setpgid(0, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (!reaper)
			setenv("XS_CLEANUP_REAPER", "0", 1);
		execl("/proc/self/exe", "test_cleanup", "--victim", mode, path, (char *)NULL);
		_exit(127);
	}
	for (waited = 0; pid > 0 && waited < 30000; waited += 100) {
		if (!read_report(path, m) && m->ready)
			break;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			printf("\n  victim %s died before it was ready:", mode);
			xs_sh("cat %s", log);
			return -1;
		}
		usleep(100000);
	}
	if (m->lab[0]) {
		m->h[0] = xs_track_netns(m->ns_a);
		m->h[1] = xs_track_netns(m->ns_s);
	}
	if (m->mount[0])
		m->h[2] = xs_track_mount(m->mount);
	if (m->file[0])
		m->h[3] = xs_track_path(m->file);
	if (m->tmpdir[0])
		m->h[4] = xs_track_path(m->tmpdir);
	if (!m->ready) {
		printf("\n  victim %s not ready after 30 s:", mode);
		xs_sh("cat %s", log);
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/* A victim killed by sig: dies of it, and nothing of it stays. */
static void killed_by(const char *mode, int sig, bool whole_group)
{
	const char *left;
	struct made m;
	pid_t pid;
	int st;

	if (!xs_have_bpf())
		return;
	pid = start_victim(mode, true, &m);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(kill(whole_group ? -pid : pid, sig), 0);
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == sig);
	left = still_there(&m, 15000);
	if (left[0])
		printf("\n  left after signal %d:%s", sig, left);
	CU_ASSERT_STRING_EQUAL(left, "");
}

static void test_fatal(void)
{
	struct made m, after;
	pid_t pid;
	int st;

	if (!xs_have_bpf())
		return;
	pid = start_victim("fatal", true, &m);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	/* Its set up passed, the test after failed, the last passed: exit 1. */
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	/* The last test found the failed one's things gone, and itself back in
	 * the network namespace that one began in, before the suite ended. */
	CU_ASSERT_EQUAL(read_report(m.path, &after), 0);
	CU_ASSERT_TRUE(after.t2_ok);
	CU_ASSERT_STRING_EQUAL(still_there(&m, 0), "");
}

static void test_exit(void)
{
	struct made m;
	pid_t pid;
	int st;

	if (!xs_have_bpf())
		return;
	pid = start_victim("exit", true, &m);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* Removed at exit, before the process ended: no waiting. */
	CU_ASSERT_STRING_EQUAL(still_there(&m, 0), "");
}

static void test_abort(void)
{
	const char *left;
	struct made m;
	pid_t pid;
	int st;

	if (!xs_have_bpf())
		return;
	pid = start_victim("abort", true, &m);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
	left = still_there(&m, 15000);
	CU_ASSERT_STRING_EQUAL(left, "");
}

static void test_sigterm(void)
{
	killed_by("term", SIGTERM, false);
}

static void test_sigint(void)
{
	killed_by("int", SIGINT, false);
}

static void test_sighup(void)
{
	killed_by("hup", SIGHUP, false);
}

static void test_sigkill(void)
{
	killed_by("kill", SIGKILL, false);
}

static void test_sigkill_group(void)
{
	killed_by("group", SIGKILL, true);
}

static void test_control_no_reaper(void)
{
	struct made m;
	pid_t pid;
	int st, waited;

	if (!xs_have_bpf())
		return;
	pid = start_victim("noreaper", false, &m);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(kill(pid, SIGKILL), 0);
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	/* The daemon still dies with its test: SIGTERM as its parent died. */
	for (waited = 0; waited < 10000 && xs_proc_alive(m.daemon, m.start); waited += 100)
		usleep(100000);
	CU_ASSERT_FALSE(xs_proc_alive(m.daemon, m.start));
	/* Nobody removes the rest: the checks above would see it. */
	usleep(2000000);
	CU_ASSERT_TRUE(ns_there(m.ns_a) && ns_there(m.ns_s));
	CU_ASSERT_TRUE(mounted(m.mount));
	CU_ASSERT_EQUAL(access(m.file, F_OK), 0);
	CU_ASSERT_EQUAL(access(m.tmpdir, F_OK), 0);
	/* start_victim tracked them: had an assertion cut this test short,
	 * its teardown would remove them. */
	for (st = 4; st >= 0; st--)
		xs_release(m.h[st]);
	CU_ASSERT_STRING_EQUAL(still_there(&m, 0), "");
}

static const struct xs_test tests[] = {
    {"CU_ASSERT_FATAL: gone at that test's teardown, back in the namespace it began in", test_fatal},
    {"exit() without cleaning up: removed at exit", test_exit},
    {"abort(): the reaper removes everything", test_abort},
    {"SIGTERM: nothing left", test_sigterm},
    {"SIGINT: nothing left", test_sigint},
    {"SIGHUP: nothing left", test_sighup},
    {"SIGKILL: nothing left", test_sigkill},
    {"SIGKILL to the whole process group: nothing left", test_sigkill_group},
    {"control, no reaper: SIGKILL leaves the lab, the daemon still dies", test_control_no_reaper},
};

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--victim")) {
		snprintf(report, sizeof(report), "%s", argv[3]);
		return victim(argv[2]);
	}
	return xs_test_main("cleanup after a test, however it ends", tests,
			    sizeof(tests) / sizeof(tests[0]), NULL, NULL);
}
