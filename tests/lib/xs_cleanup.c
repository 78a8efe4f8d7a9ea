// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "xs_cleanup.h"

#define RES_MAX 256
#define GRACE_MS 5000
#define OWNER_VAR "XS_CLEANUP_OWNER"

enum { R_FREE, R_PID, R_NETNS, R_MOUNT, R_PATH };

struct res {
	int kind;
	int handle;
	bool quiet; /* expected to be there at the end: no message */
	pid_t pid;
	int sig;
	unsigned long long start;
	char name[PATH_MAX];
};

/* Shared with the reaper (MAP_SHARED): it reads what is still tracked
 * once the owner is dead. */
struct reg {
	pid_t owner;
	int done;     /* the owner cleaned up and exited: nothing to do */
	size_t n;     /* entries in use, holes included */
	size_t floor; /* the innermost scope's mark: holes below stay */
	int next_handle;
	struct res r[RES_MAX];
};

static struct reg *reg;
static pid_t reaper_pid;
static char tag[16], tmpdir[PATH_MAX], owner_mark[96];

/* ---- processes ----------------------------------------------------------- */

/* State and start time (fields 3 and 22) of /proc/PID/stat. */
static int proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name can hold anything, ')' included: fields follow the last. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	*state = *p;
	for (i = 3; i < 22 && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return -1;
	*start = strtoull(p, NULL, 10);
	return 0;
}

unsigned long long xs_proc_start(pid_t pid)
{
	unsigned long long start;
	char st;

	return proc_stat(pid, &st, &start) ? 0 : start;
}

bool xs_proc_alive(pid_t pid, unsigned long long start)
{
	unsigned long long s;
	char st;

	if (pid <= 0 || proc_stat(pid, &st, &s))
		return false;
	if (st == 'Z' || st == 'X')
		return false;
	return !start || s == start;
}

static void proc_cmdline(pid_t pid, char *out, size_t cap)
{
	char path[64];
	ssize_t n, i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	out[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, out, cap - 1);
	close(fd);
	if (n <= 0) {
		out[0] = '\0';
		return;
	}
	for (i = 0; i < n; i++)
		if (out[i] == '\0')
			out[i] = ' ';
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "xs_cleanup: %s (pid %d): ", program_invocation_short_name,
		     (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	/* One write, so that lines of parallel processes do not mix. */
	if (write(2, buf, strlen(buf)) < 0)
		return;
}

struct victim {
	pid_t pid;
	unsigned long long start;
};

/* Ends a set of processes: SIGTERM (or sig), then SIGKILL for those still
 * there after the grace time. Our own children are reaped. */
static void end_all(struct victim *v, int n, int sig)
{
	int i, alive, waited;

	for (i = 0; i < n; i++) {
		char cmd[160];

		proc_cmdline(v[i].pid, cmd, sizeof(cmd));
		say("ending process %d (%s)", (int)v[i].pid, cmd[0] ? cmd : "?");
		kill(v[i].pid, sig);
	}
	for (waited = 0; waited <= GRACE_MS + 2000; waited += 50) {
		for (i = 0, alive = 0; i < n; i++) {
			waitpid(v[i].pid, NULL, WNOHANG);
			alive += xs_proc_alive(v[i].pid, v[i].start);
		}
		if (!alive)
			return;
		if (waited == GRACE_MS)
			for (i = 0; i < n; i++)
				if (xs_proc_alive(v[i].pid, v[i].start)) {
					say("process %d ignored signal %d: SIGKILL", (int)v[i].pid,
					    sig);
					kill(v[i].pid, SIGKILL);
				}
		usleep(50000);
	}
}

/* Processes for which match() says yes, except this one (and the reaper). */
static int find_procs(bool (*match)(pid_t, const void *), const void *arg, struct victim *v,
		      int cap)
{
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int n = 0;

	if (!dir)
		return 0;
	while ((d = readdir(dir)) && n < cap) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid() || pid == reaper_pid)
			continue;
		if (!xs_proc_alive(pid, 0) || !match(pid, arg))
			continue;
		v[n].pid = pid;
		v[n].start = xs_proc_start(pid);
		n++;
	}
	closedir(dir);
	return n;
}

static bool in_netns(pid_t pid, const void *arg)
{
	const struct stat *ns = arg;
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return !stat(path, &st) && st.st_ino == ns->st_ino && st.st_dev == ns->st_dev;
}

/* Has XS_CLEANUP_OWNER=<our mark> in the environment it was started with. */
static bool owned(pid_t pid, const void *arg)
{
	static char env[1 << 16];
	const char *want = arg, *p, *end;
	size_t wlen = strlen(want);
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, env, sizeof(env) - 1);
	close(fd);
	if (n <= 0)
		return false;
	env[n] = '\0';
	for (p = env, end = env + n; p < end; p += strlen(p) + 1)
		if (!strncmp(p, want, wlen) && p[wlen] == '\0')
			return true;
	return false;
}

/* Ends every process started under this one that still runs. */
static int sweep_owned(void)
{
	struct victim v[256];
	char want[sizeof(owner_mark) + 32];
	int n;

	if (!owner_mark[0])
		return 0;
	snprintf(want, sizeof(want), OWNER_VAR "=%s", owner_mark);
	n = find_procs(owned, want, v, 256);
	if (n)
		end_all(v, n, SIGTERM);
	return n;
}

/* ---- what a test makes --------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Removes e if it is still there; true if it was. */
static bool release_entry(struct res *e, bool owner)
{
	char path[PATH_MAX + 16];
	struct victim v[256];
	struct stat st;
	bool there = false;
	int n, st_;

	switch (e->kind) {
	case R_PID:
		if (!xs_proc_alive(e->pid, e->start)) {
			if (owner)
				waitpid(e->pid, &st_, WNOHANG);
			return false;
		}
		v[0].pid = e->pid;
		v[0].start = e->start;
		end_all(v, 1, e->sig);
		return true;
	case R_NETNS:
		snprintf(path, sizeof(path), "/run/netns/%s", e->name);
		if (stat(path, &st))
			return false;
		/* A process inside keeps the namespace (its veth, its XDP
		 * program) alive after the name is gone. */
		n = find_procs(in_netns, &st, v, 256);
		if (n)
			end_all(v, n, SIGTERM);
		umount2(path, MNT_DETACH);
		if (unlink(path) && errno != ENOENT)
			say("cannot remove netns %s: %s", e->name, strerror(errno));
		if (!e->quiet)
			say("deleted netns %s", e->name);
		return true;
	case R_MOUNT:
		while (!umount2(e->name, MNT_DETACH))
			there = true;
		if (!rmdir(e->name))
			there = true;
		if (there && !e->quiet)
			say("unmounted and removed %s", e->name);
		return there;
	case R_PATH:
		if (lstat(e->name, &st))
			return false;
		nftw(e->name, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		if (!lstat(e->name, &st))
			say("cannot remove all of %s", e->name);
		else if (!e->quiet)
			say("removed %s", e->name);
		return true;
	}
	return false;
}

static int track(int kind, const char *name, pid_t pid, int sig, bool quiet)
{
	struct res *e;

	if (!reg && xs_cleanup_init())
		return -1;
	while (reg->n > reg->floor && reg->r[reg->n - 1].kind == R_FREE)
		reg->n--;
	if (reg->n == RES_MAX) {
		say("more than %d things to track: %s not tracked", RES_MAX,
		    name ? name : "a process");
		return -1;
	}
	e = &reg->r[reg->n];
	memset(e, 0, offsetof(struct res, name));
	e->handle = ++reg->next_handle;
	e->pid = pid;
	e->sig = sig ? sig : SIGTERM;
	e->quiet = quiet;
	if (pid)
		e->start = xs_proc_start(pid);
	e->name[0] = '\0';
	if (name && name[0] != '/' && kind != R_NETNS) {
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof(cwd)))
			snprintf(e->name, sizeof(e->name), "%s/%s", cwd, name);
	} else if (name) {
		snprintf(e->name, sizeof(e->name), "%s", name);
	}
	/* Whole entry first, then the count: the reaper trusts what n covers. */
	__atomic_store_n(&e->kind, kind, __ATOMIC_RELEASE);
	__atomic_store_n(&reg->n, reg->n + 1, __ATOMIC_RELEASE);
	return e->handle;
}

int xs_track_pid(pid_t pid, int sig)
{
	return track(R_PID, NULL, pid, sig, false);
}

int xs_track_netns(const char *name)
{
	return track(R_NETNS, name, 0, 0, false);
}

int xs_track_mount(const char *path)
{
	return track(R_MOUNT, path, 0, 0, false);
}

int xs_track_path(const char *path)
{
	return track(R_PATH, path, 0, 0, false);
}

static struct res *find(int handle)
{
	size_t i;

	if (!reg || handle <= 0)
		return NULL;
	for (i = 0; i < reg->n; i++)
		if (reg->r[i].kind != R_FREE && reg->r[i].handle == handle)
			return &reg->r[i];
	return NULL;
}

void xs_forget(int handle)
{
	struct res *e = find(handle);

	if (e)
		__atomic_store_n(&e->kind, R_FREE, __ATOMIC_RELEASE);
}

void xs_release(int handle)
{
	struct res *e = find(handle);

	if (!e)
		return;
	e->quiet = true; /* the test asked for it: no news */
	release_entry(e, true);
	xs_forget(handle);
}

void xs_forget_pid(pid_t pid)
{
	size_t i;

	for (i = 0; reg && i < reg->n; i++)
		if (reg->r[i].kind == R_PID && reg->r[i].pid == pid)
			__atomic_store_n(&reg->r[i].kind, R_FREE, __ATOMIC_RELEASE);
}

size_t xs_cleanup_mark(void)
{
	if (!reg)
		return 0;
	reg->floor = reg->n;
	return reg->n;
}

int xs_cleanup_to(size_t mark)
{
	int left = 0;

	if (!reg)
		return 0;
	while (reg->n > mark) {
		struct res *e = &reg->r[reg->n - 1];

		if (e->kind != R_FREE) {
			bool there = release_entry(e, getpid() == reg->owner);

			left += there && !e->quiet;
			__atomic_store_n(&e->kind, R_FREE, __ATOMIC_RELEASE);
		}
		reg->n--;
	}
	reg->floor = mark < reg->floor ? mark : reg->floor;
	return left;
}

/* ---- the run's names ------------------------------------------------------ */

const char *xs_run_tag(void)
{
	const char *t = getenv("XS_RUN_TAG");
	size_t i;

	if (tag[0])
		return tag;
	if (t && t[0] && strlen(t) < 9 &&
	    strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789") == strlen(t)) {
		snprintf(tag, sizeof(tag), "%s", t);
	} else {
		unsigned long p = (unsigned long)getpid();

		/* "p" and five base-36 digits: the pid, for a test run by hand. */
		tag[0] = 'p';
		for (i = 5; i >= 1; i--, p /= 36)
			tag[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[p % 36];
		tag[6] = '\0';
		setenv("XS_RUN_TAG", tag, 1);
	}
	return tag;
}

const char *xs_tmpdir(void)
{
	if (!tmpdir[0] && xs_cleanup_init())
		return "/tmp";
	return tmpdir;
}

/* ---- exit, signals, the reaper ------------------------------------------- */

static void at_exit(void)
{
	int left;

	if (!reg || getpid() != reg->owner)
		return; /* a forked child calling exit() owns nothing */
	left = xs_cleanup_to(0);
	left += sweep_owned();
	if (left)
		say("removed %d thing(s) the test left behind (listed above)", left);
	reg->done = 1;
	if (reaper_pid > 0) {
		kill(reaper_pid, SIGKILL);
		waitpid(reaper_pid, NULL, 0);
		reaper_pid = 0;
	}
}

static void on_signal(int sig)
{
	char msg[160];
	int n;

	n = snprintf(msg, sizeof(msg), "xs_cleanup: %s: signal %d%s\n",
		     program_invocation_short_name, sig,
		     reaper_pid > 0 ? ": the reaper removes what the test made" : "");
	if (write(2, msg, n) < 0)
		n = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void close_fds_but(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fds[1024], n = 0, i;

	if (!d)
		return;
	while ((e = readdir(d)) && n < 1024) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd > 2 && fd != keep && fd != dirfd(d))
			fds[n++] = fd;
	}
	closedir(d);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

/* Waits for the owner's death; if it did not clean up, does it. Runs in a
 * session of its own and ignores the signals that end a test, so that a
 * Ctrl-C, a SIGTERM to the test's process group or its SIGKILL leave it. */
static void reaper(pid_t owner, int pidfd)
{
	static const int sigs[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGPIPE,
				   SIGTSTP, SIGTTOU, SIGTTIN, SIGUSR1, SIGUSR2};
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int fd, left = 0;
	size_t i;

	setsid();
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_IGN);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
	}
	close_fds_but(pidfd);
	if (pidfd >= 0) {
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
	} else {
		while (getppid() == owner)
			usleep(200000);
	}
	if (__atomic_load_n(&reg->done, __ATOMIC_ACQUIRE))
		_exit(0);
	say("the test (pid %d) died without cleaning up: removing what it left", (int)owner);
	for (i = __atomic_load_n(&reg->n, __ATOMIC_ACQUIRE); i > 0; i--) {
		struct res *e = &reg->r[i - 1];

		if (__atomic_load_n(&e->kind, __ATOMIC_ACQUIRE) != R_FREE) {
			bool quiet = e->quiet;

			left += release_entry(e, false) && !quiet;
		}
	}
	left += sweep_owned();
	say("done: %d thing(s) removed", left);
	_exit(0);
}

int xs_cleanup_init(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	const char *base = getenv("TMPDIR");
	const char *r = getenv("XS_CLEANUP_REAPER");
	char tmpl[PATH_MAX];
	int pidfd, h;
	size_t i;
	pid_t pid;

	if (reg)
		return 0;
	reg = mmap(NULL, sizeof(*reg), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reg == MAP_FAILED) {
		reg = NULL;
		return -errno;
	}
	reg->owner = getpid();
	snprintf(owner_mark, sizeof(owner_mark), "%s.%d.%llu", xs_run_tag(), (int)getpid(),
		 xs_proc_start(getpid()));
	setenv(OWNER_VAR, owner_mark, 1);

	snprintf(tmpl, sizeof(tmpl), "%s/xs%s-XXXXXX", base && base[0] ? base : "/tmp", tag);
	if (!mkdtemp(tmpl)) {
		snprintf(tmpl, sizeof(tmpl), "/tmp/xs%s-XXXXXX", tag);
		if (!mkdtemp(tmpl))
			return -errno;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	h = track(R_PATH, tmpdir, 0, 0, true);
	(void)h;
	atexit(at_exit);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_signal);

	if (r && !strcmp(r, "0"))
		return 0;
	pidfd = syscall(SYS_pidfd_open, getpid(), 0); /* O_CLOEXEC by default */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		reaper(reg->owner, pidfd);
	reaper_pid = pid;
	if (pidfd >= 0)
		close(pidfd);
	return 0;
}
