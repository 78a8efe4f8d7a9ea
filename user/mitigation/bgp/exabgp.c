// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "exabgp.h"
#include "log.h"
#include "names.h"

#define DIR_PREFIX "xdpstream-bgp-"

/* Files of the private directory (FIFOs are cmd.N and evt.N). */
static const char *const dir_files[] = { "exabgp.conf", "exabgp.env", "relay.sh" };

/* The API process: ExaBGP's stdout is its input, its stdin our output. */
static const char relay_sh[] =
	"# ExaBGP's API process for xdpstream: commands from the FIFO $1 go to\n"
	"# ExaBGP, its answers and events to the FIFO $2.\n"
	"cat <\"$1\" &\n"
	"c=$!\n"
	"cat >\"$2\"\n"
	"kill \"$c\" 2>/dev/null\n";

/* ExaBGP's settings, so that /etc/exabgp/exabgp.env and the environment
 * change nothing: no CLI pipes, an answer to every command, JSON events,
 * no respawn of the API process and an exit when it dies (we start the
 * whole speaker again), no privilege drop (done before exec, so that the
 * parent-death signal survives), logs on stdout. */
static const char env_ini[] = "[exabgp.api]\n"
			      "ack = true\n"
			      "cli = false\n"
			      "encoder = json\n"
			      "respawn = false\n"
			      "terminate = true\n"
			      "[exabgp.daemon]\n"
			      "daemonize = false\n"
			      "drop = false\n"
			      "pid = ''\n"
			      "[exabgp.log]\n"
			      "destination = stdout\n"
			      "level = INFO\n";

/* Files the speaker reads: ours (root's), readable by its group. */
static int write_file(const char *dir, const char *name, const char *text, gid_t gid,
		      bool chown_it)
{
	char path[320];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  chown_it ? 0640 : 0600);
	if (fd < 0)
		return -errno;
	if (chown_it && fchown(fd, geteuid(), gid)) {
		close(fd);
		return -errno;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -errno;
	}
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static bool safe_path(const char *s)
{
	/* It goes into ExaBGP's configuration unquoted. */
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '/' || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

static void remove_dir(const char *dir)
{
	char path[320];
	struct dirent *de;
	DIR *d = opendir(dir);
	size_t i;

	if (!d)
		return;
	/* Only what we make: the fixed files and the FIFOs. */
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "cmd.", 4) && strncmp(de->d_name, "evt.", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	for (i = 0; i < sizeof(dir_files) / sizeof(dir_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dir_files[i]);
		unlink(path);
	}
	rmdir(dir);
}

/* Directories of xdpstream processes that died without cleaning up. */
static void sweep_stale(const char *parent)
{
	char path[320];
	struct dirent *de;
	DIR *d = opendir(parent);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(de->d_name, DIR_PREFIX, strlen(DIR_PREFIX)))
			continue;
		pid = strtol(de->d_name + strlen(DIR_PREFIX), &end, 10);
		if (pid <= 0 || *end != '-' || pid == getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", parent, de->d_name);
		xs_dbg("bgp: removing %s, left by process %ld", path, pid);
		remove_dir(path);
	}
	closedir(d);
}

static int find_in_path(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char buf[1024], *save = NULL, *dir;

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	snprintf(buf, sizeof(buf), "%s", path);
	for (dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", dir, name);
		if (!access(out, X_OK))
			return 0;
	}
	/* Debian puts it in /usr/sbin, which a user's PATH may lack. */
	snprintf(out, len, "/usr/sbin/%s", name);
	return access(out, X_OK) ? -ENOENT : 0;
}

int xs_exabgp_prepare(struct xs_exabgp *x, const struct xs_bgp_cfg *c)
{
	const char *parent = c->run_dir[0] ? c->run_dir : "/run";
	char tmpl[192];
	int err;

	memset(x, 0, sizeof(*x));
	x->pidfd = x->cmd_fd = x->evt_fd = x->log_fd = -1;
	if (c->program[0]) {
		snprintf(x->program, sizeof(x->program), "%s", c->program);
		if (access(x->program, X_OK)) {
			err = -errno;
			xs_err("bgp: cannot run ExaBGP as %s: %s (mitigation.bgp.program)",
			       x->program, strerror(errno));
			return err;
		}
	} else if (find_in_path("exabgp", x->program, sizeof(x->program))) {
		xs_err("bgp: ExaBGP is not installed (Debian package exabgp), or set "
		       "mitigation.bgp.program");
		return -ENOENT;
	}
	if (c->user[0] && geteuid() == 0) {
		struct passwd *pw = getpwnam(c->user);

		if (!pw) {
			xs_err("bgp: no user '%s' to run ExaBGP as (mitigation.bgp.user)", c->user);
			return -ENOENT;
		}
		x->drop = pw->pw_uid != 0;
		x->uid = pw->pw_uid;
		x->gid = pw->pw_gid;
	}
	if (!safe_path(parent) || strlen(parent) > 100) {
		xs_err("bgp: run_dir '%s': use at most 100 letters, digits, '/', '.', '_', '-'",
		       parent);
		return -EINVAL;
	}
	sweep_stale(parent);
	snprintf(tmpl, sizeof(tmpl), "%s/" DIR_PREFIX "%d-XXXXXX", parent, (int)getpid());
	if (!mkdtemp(tmpl)) {
		err = -errno;
		xs_err("bgp: cannot make a directory in %s: %s (mitigation.bgp.run_dir)", parent,
		       strerror(errno));
		return err;
	}
	snprintf(x->dir, sizeof(x->dir), "%s", tmpl);
	/* The speaker may read here, never write: what we open and run from
	 * it cannot be swapped under us. */
	if (x->drop && (chown(x->dir, geteuid(), x->gid) || chmod(x->dir, 0750))) {
		err = -errno;
		xs_err("bgp: cannot give %s to user %s: %s", x->dir, c->user, strerror(errno));
		xs_exabgp_remove_dir(x);
		return err;
	}
	return 0;
}

int xs_exabgp_hand_dir(struct xs_exabgp *x, uid_t uid)
{
	if (x->dir[0] && chown(x->dir, uid, (gid_t)-1))
		return -errno;
	return 0;
}

void xs_exabgp_remove_dir(struct xs_exabgp *x)
{
	if (x->dir[0])
		remove_dir(x->dir);
	x->dir[0] = '\0';
}

static int make_fifo(struct xs_exabgp *x, const char *kind, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s.%u", x->dir, kind, x->gen);
	unlink(path);
	if (mkfifo(path, 0600))
		return -errno;
	/* Read-write: never blocks, never sees end-of-file. Opened before it
	 * is the speaker's: run --user, the daemon is not root any more. */
	fd = open(path, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (x->drop && fchown(fd, x->uid, x->gid)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_fds(struct xs_exabgp *x)
{
	char path[320];

	close_fd(&x->pidfd);
	close_fd(&x->cmd_fd);
	close_fd(&x->evt_fd);
	close_fd(&x->log_fd);
	/* Unlinked, a relay still running cannot open them again. */
	snprintf(path, sizeof(path), "%s/cmd.%u", x->dir, x->gen);
	unlink(path);
	snprintf(path, sizeof(path), "%s/evt.%u", x->dir, x->gen);
	unlink(path);
}

static int write_conf(struct xs_exabgp *x, const struct xs_bgp_cfg *c)
{
	char conf[2048], rid[XS_ADDR_STRLEN], local[XS_ADDR_STRLEN], peer[XS_ADDR_STRLEN];

	xs_addr_str(&c->router_id, rid);
	xs_addr_str(&c->local_address, local);
	xs_addr_str(&c->peer_address, peer);
	/* No graceful-restart capability: when the session ends the peer
	 * must drop our routes at once, not keep them as stale. */
	snprintf(conf, sizeof(conf),
		 "# Written by xdpstream for its BGP speaker, anew at each start.\n"
		 "process xdpstream {\n"
		 "\trun /bin/sh %s/relay.sh %s/cmd.%u %s/evt.%u;\n"
		 "\tencoder json;\n"
		 "}\n"
		 "\n"
		 "neighbor %s {\n"
		 "\trouter-id %s;\n"
		 "\tlocal-address %s;\n"
		 "\tlocal-as %u;\n"
		 "\tpeer-as %u;\n"
		 "\thold-time %u;\n"
		 "\tfamily {\n"
		 "\t\tipv4 unicast;\n"
		 "\t\tipv6 unicast;\n"
		 "\t\tipv4 flow;\n"
		 "\t\tipv6 flow;\n"
		 "\t}\n"
		 "\tapi {\n"
		 "\t\tprocesses [ xdpstream ];\n"
		 "\t\tneighbor-changes;\n"
		 "\t}\n"
		 "}\n",
		 x->dir, x->dir, x->gen, x->dir, x->gen, peer, rid, local, c->local_as, c->peer_as,
		 c->hold_time_s);
	return write_file(x->dir, "exabgp.conf", conf, x->gid, x->drop);
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void child(struct xs_exabgp *x, pid_t parent, int logw, char *const argv[],
		  char *const envp[])
{
	sigset_t none;
	int sig, fd;

	/* The daemon blocks the signals it reads from a signalfd, and a
	 * blocked mask survives exec: ExaBGP must see SIGTERM. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	/* Its own session: a Ctrl-C on the terminal is the daemon's to
	 * handle, which then stops the speaker itself. */
	setsid();
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(logw, 1) < 0 || dup2(logw, 2) < 0)
		_exit(126);
	/* Nothing of the daemon's (map fds, sockets, listeners) may live on
	 * in the speaker. */
	if (syscall(SYS_close_range, 3, ~0U, 0))
		for (fd = 3; fd < 65536; fd++)
			close(fd);
	if (x->drop && (setgroups(0, NULL) || setgid(x->gid) || setuid(x->uid)))
		_exit(126);
	/* After the credentials change, which would clear it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(126);
	execve(argv[0], argv, envp);
	_exit(127);
}

int xs_exabgp_start(struct xs_exabgp *x, const struct xs_bgp_cfg *c)
{
	char cmd[320], evt[320], conf[320], env[320];
	char *argv[] = { x->program, "--env", env, conf, NULL };
	char *envp[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			 "LANG=C.UTF-8", "PYTHONDONTWRITEBYTECODE=1", NULL };
	int logp[2] = { -1, -1 }, err;
	pid_t parent = getpid(), pid;

	x->gen++;
	snprintf(conf, sizeof(conf), "%s/exabgp.conf", x->dir);
	snprintf(env, sizeof(env), "%s/exabgp.env", x->dir);
	err = write_file(x->dir, "relay.sh", relay_sh, x->gid, x->drop);
	if (!err)
		err = write_file(x->dir, "exabgp.env", env_ini, x->gid, x->drop);
	if (!err)
		err = write_conf(x, c);
	if (err) {
		xs_err("bgp: cannot write the speaker's files in %s: %s", x->dir, strerror(-err));
		return err;
	}
	x->cmd_fd = make_fifo(x, "cmd", cmd, sizeof(cmd));
	x->evt_fd = make_fifo(x, "evt", evt, sizeof(evt));
	if (x->cmd_fd < 0 || x->evt_fd < 0 || pipe2(logp, O_CLOEXEC)) {
		err = x->cmd_fd < 0 ? x->cmd_fd : x->evt_fd < 0 ? x->evt_fd : -errno;
		xs_err("bgp: cannot make the speaker's pipes in %s: %s", x->dir, strerror(-err));
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		xs_err("bgp: cannot start ExaBGP: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child(x, parent, logp[1], argv, envp);
	close(logp[1]);
	x->log_fd = logp[0];
	fcntl(x->log_fd, F_SETFL, O_NONBLOCK);
	x->pid = pid;
	x->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (x->pidfd < 0) {
		err = -errno;
		xs_err("bgp: pidfd_open: %s (needs Linux 5.3)", strerror(errno));
		kill(pid, SIGKILL);
		xs_exabgp_reap(x);
		return err;
	}
	xs_dbg("bgp: started %s (pid %d) in %s", x->program, (int)pid, x->dir);
	return 0;
fail:
	if (logp[0] >= 0) {
		close(logp[0]);
		close(logp[1]);
	}
	close_fds(x);
	return err;
}

int xs_exabgp_reap(struct xs_exabgp *x)
{
	int status = -1;

	if (x->pid > 0) {
		while (waitpid(x->pid, &status, 0) < 0 && errno == EINTR)
			;
		x->pid = 0;
	}
	close_fds(x);
	return status;
}

void xs_exabgp_stop(struct xs_exabgp *x, int timeout_ms)
{
	struct pollfd p = { .fd = x->pidfd, .events = POLLIN };

	if (x->pid <= 0) {
		close_fds(x);
		return;
	}
	kill(x->pid, SIGTERM);
	if (x->pidfd < 0 || poll(&p, 1, timeout_ms) <= 0) {
		xs_warn("bgp: ExaBGP (pid %d) did not stop within %d ms: killing it", (int)x->pid,
			timeout_ms);
		kill(x->pid, SIGKILL);
	}
	xs_exabgp_reap(x);
}
