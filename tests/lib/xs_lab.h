/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A two-namespace lab for live tests: "a" (traffic source) and "s"
 * (sensor) joined by a veth pair, IPv6 off so that the kernels send
 * nothing of their own. Named as scripts/lab.sh names its labs, after the
 * run's tag and the test's kind: lab "xs<tag><kind>", namespaces
 * <lab>-atk and <lab>-sen, veth <lab>-a <-> <lab>-s. The namespaces and
 * the daemons started in them are tracked (xs_cleanup.h): they go however
 * the test ends, and a daemon dies with its test (SIGTERM as its parent
 * dies).
 */
#ifndef XS_LAB_H
#define XS_LAB_H

#include <stdbool.h>
#include <sys/types.h>

struct xs_lab {
	char name[16];
	char ns_a[32], ns_s[32];
	char if_a[16], if_s[16];
	int h_a, h_s; /* xs_cleanup handles */
	bool up;
};

/* kind: a few letters that tell the test's labs apart (at most 3). */
int xs_lab_up(struct xs_lab *l, const char *kind);
/* Ends what still runs in the namespaces, then deletes them. */
void xs_lab_down(struct xs_lab *l);

/* Starts `xdpstream ARGS` in the sensor namespace with bpffs mounted
 * there; stderr/stdout go to logfile. Returns the pid (which is the
 * daemon's: ip netns exec and sh exec in place). */
pid_t xs_lab_spawn(struct xs_lab *l, const char *args, const char *logfile);
/* Runs a command in the daemon's mount and network namespaces (to see its
 * bpffs); captures stdout. Returns the exit status. */
int xs_lab_in_daemon(pid_t pid, char *out, size_t cap, const char *cmd);
/* Waits until an XDP program is attached to the sensor interface (or
 * detached, attached=false). Returns 0, or -1 after timeout_ms. */
int xs_lab_wait_xdp(struct xs_lab *l, bool attached, int timeout_ms);
/* xs_lab_spawn, then waits up to 10 s for the program to attach. On a
 * failure it copies the daemon's log to stderr, kills the daemon and
 * returns -1; the lab stays up. */
pid_t xs_lab_start(struct xs_lab *l, const char *args, const char *logfile);
/* Stops the daemon with sig and returns its exit status (-1 on timeout). */
int xs_lab_stop(pid_t pid, int sig, int timeout_ms);

/* Extracts "key":NUMBER from a flat JSON object. Returns -1 if absent. */
long long xs_json_num(const char *json, const char *key);

#endif
