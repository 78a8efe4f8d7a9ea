// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "xs_lab.h"
#include "xs_test.h"

int xs_lab_up(struct xs_lab *l, const char *kind)
{
	memset(l, 0, sizeof(*l));
	if (snprintf(l->name, sizeof(l->name), "xs%s%s", xs_run_tag(), kind) > 13) {
		printf("\n  lab name xs%s%s: longer than 13 bytes", xs_run_tag(), kind);
		return -1;
	}
	snprintf(l->ns_a, sizeof(l->ns_a), "%s-atk", l->name);
	snprintf(l->ns_s, sizeof(l->ns_s), "%s-sen", l->name);
	snprintf(l->if_a, sizeof(l->if_a), "%s-a", l->name);
	snprintf(l->if_s, sizeof(l->if_s), "%s-s", l->name);
	/* Tracked before they exist: whatever part gets made goes. */
	l->h_a = xs_track_netns(l->ns_a);
	l->h_s = xs_track_netns(l->ns_s);
	l->up = true;
	if (xs_sh("ip netns add %s && ip netns add %s", l->ns_a, l->ns_s))
		goto fail;
	if (xs_sh("ip link add %s netns %s type veth peer name %s netns %s", l->if_a, l->ns_a,
		  l->if_s, l->ns_s))
		goto fail;
	/* No IPv6 (router/neighbour solicitations), so that the only
	 * packets on the wire are the ones a test sends. */
	if (xs_sh("for n in %s %s; do ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
		  "net.ipv6.conf.default.disable_ipv6=1 || exit 1; done",
		  l->ns_a, l->ns_s))
		goto fail;
	if (xs_sh("ip -n %s link set %s up && ip -n %s link set %s up && ip -n %s link set lo up",
		  l->ns_a, l->if_a, l->ns_s, l->if_s, l->ns_s))
		goto fail;
	return 0;
fail:
	xs_lab_down(l);
	return -1;
}

void xs_lab_down(struct xs_lab *l)
{
	if (!l->up)
		return;
	/* Deleting the namespaces deletes the veth pair too, once nothing
	 * runs in them any more. */
	xs_release(l->h_s);
	xs_release(l->h_a);
	l->up = false;
}

pid_t xs_lab_spawn(struct xs_lab *l, const char *args, const char *logfile)
{
	char cmd[2048];
	pid_t pid, parent;

	snprintf(cmd, sizeof(cmd), "mount -t bpf bpf /sys/fs/bpf && exec %s/xdpstream %s",
		 xs_build_dir(), args);
	parent = getpid();
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		FILE *f;

		/* The daemon dies with its test, however the test ends: the
		 * setting survives the execs (ip, sh, xdpstream). */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
			_exit(126);
		f = freopen(logfile, "w", stderr);
		if (f)
			dup2(fileno(stderr), 1);
		execlp("ip", "ip", "netns", "exec", l->ns_s, "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		xs_track_pid(pid, SIGTERM);
	return pid;
}

int xs_lab_in_daemon(pid_t pid, char *out, size_t cap, const char *cmd)
{
	return xs_sh_out(out, cap, "nsenter -t %d -m -n %s", (int)pid, cmd);
}

int xs_lab_wait_xdp(struct xs_lab *l, bool attached, int timeout_ms)
{
	int waited;

	for (waited = 0; waited <= timeout_ms; waited += 50) {
		int has = xs_sh("ip -n %s link show %s | grep -q 'prog/xdp'", l->ns_s, l->if_s) == 0;

		if (has == attached)
			return 0;
		usleep(50000);
	}
	return -1;
}

pid_t xs_lab_start(struct xs_lab *l, const char *args, const char *logfile)
{
	pid_t pid = xs_lab_spawn(l, args, logfile);

	if (pid > 0 && !xs_lab_wait_xdp(l, true, 10000))
		return pid;
	xs_sh("cat %s >&2", logfile);
	if (pid > 0)
		xs_lab_stop(pid, SIGKILL, 1000);
	return -1;
}

int xs_lab_stop(pid_t pid, int sig, int timeout_ms)
{
	int st, waited;

	kill(pid, sig);
	for (waited = 0; waited <= timeout_ms; waited += 20) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid) {
			xs_forget_pid(pid);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	xs_forget_pid(pid);
	return -1;
}

long long xs_json_num(const char *json, const char *key)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (!p)
		return -1;
	return atoll(p + strlen(pat));
}
