/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ExaBGP as this process's child, and the words of its text API. Used by
 * speaker.c only.
 *
 * Each start writes into a private directory (ours, mode 0750, of the
 * speaker's group: it reads there and cannot change a thing): exabgp.conf
 * (one neighbor, one API process), exabgp.env (no CLI pipes, acks on, exit
 * when the API process dies), relay.sh and two FIFOs named for the start. ExaBGP runs relay.sh as its API process: `cat`
 * copies the command FIFO to ExaBGP and ExaBGP's answers and events to the
 * event FIFO. We hold both FIFOs open read-write, so opening them never
 * blocks and neither ever reads end-of-file; a new start uses new FIFOs,
 * so a relay left from the previous speaker cannot take its commands.
 */
#ifndef XS_BGP_EXABGP_H
#define XS_BGP_EXABGP_H

#include <stdbool.h>
#include <sys/types.h>

#include "speaker.h"

struct xs_exabgp {
	pid_t pid;		/* 0: not running */
	int pidfd;		/* readable when the speaker has exited */
	int cmd_fd;		/* commands to the speaker, non-blocking */
	int evt_fd;		/* its answers and events, non-blocking */
	int log_fd;		/* its stdout and stderr, non-blocking */
	unsigned int gen;	/* number of starts: names the FIFOs */
	char dir[192];		/* the private directory; "" until made */
	char program[256];	/* absolute path of the executable */
	bool drop;		/* switch to uid/gid before exec */
	uid_t uid;
	gid_t gid;
};

/* Resolves the program and the user, removes directories left by dead
 * xdpstream processes, and makes the private directory. Returns 0 or a
 * negative errno (one line logged). */
int xs_exabgp_prepare(struct xs_exabgp *x, const struct xs_bgp_cfg *c);

/* The daemon is about to become uid (run --user): the private directory
 * becomes its, so that a restart of the speaker can write its files
 * there (the group stays the speaker's). Returns 0 or a negative errno. */
int xs_exabgp_hand_dir(struct xs_exabgp *x, uid_t uid);

/* Writes this start's files and starts the speaker. Returns 0 or a
 * negative errno (logged). */
int xs_exabgp_start(struct xs_exabgp *x, const struct xs_bgp_cfg *c);

/* Collects an exited speaker and closes its fds (not the directory).
 * Returns its wait status, or -1 when it could not be collected. */
int xs_exabgp_reap(struct xs_exabgp *x);

/* SIGTERM (ExaBGP sends the peer a Cease and exits), SIGKILL after
 * timeout_ms; then as xs_exabgp_reap. */
void xs_exabgp_stop(struct xs_exabgp *x, int timeout_ms);

/* Removes the private directory and everything in it. */
void xs_exabgp_remove_dir(struct xs_exabgp *x);

/* ---- The API's words (the text after "announce " / "withdraw ") ---- */

/* "route P next-hop NH[ community [..]][ large-community [..]]", and the
 * NLRI alone ("route P") for the withdrawal. Return 0 or -ENOSPC. */
int xs_exabgp_route(char *buf, size_t len, const struct xs_prefix *p, const struct xs_addr *nh,
		    const struct xs_bgp_community *comm, int ncomm);
int xs_exabgp_route_nlri(char *buf, size_t len, const struct xs_prefix *p);

/* "flow route { match { ... } then { ... } }", and without the then block
 * for the withdrawal. The match must be valid (xs_exabgp_match_check).
 * Return 0 or -ENOSPC. */
int xs_exabgp_flow(char *buf, size_t len, const struct xs_bgp_match *m,
		   const struct xs_bgp_action *a, const struct xs_bgp_community *comm, int ncomm);
int xs_exabgp_flow_nlri(char *buf, size_t len, const struct xs_bgp_match *m);

/* Checks a match and an action against RFC 8955/8956; on a problem returns
 * -EINVAL and says what in why. */
int xs_exabgp_match_check(const struct xs_bgp_match *m, const struct xs_bgp_action *a,
			  char *why, size_t len);

#endif
