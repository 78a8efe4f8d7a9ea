/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a test created, removed however the test ends.
 *
 * Every namespace, daemon, mount and temporary path a test makes is
 * tracked here (the lab helpers in xs_lab.c do it for the tests) and
 * removed, newest first:
 *  - by the test itself (xs_lab_stop, xs_lab_down: xs_release/xs_forget);
 *  - after a CU_ASSERT_FATAL, at that test's teardown (xs_test_main);
 *  - at the end of the suite and at exit;
 *  - when the process dies instead (a signal, a crash, SIGKILL), by a
 *    reaper forked at start in a session of its own, which waits for the
 *    test's death and removes what is left.
 * Every process the test starts inherits XS_CLEANUP_OWNER=<its mark> in
 * its environment; at exit, and in the reaper, any of them still running
 * is ended too, tracked or not.
 */
#ifndef XS_CLEANUP_H
#define XS_CLEANUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Installs the registry, the exit handler, the signal messages and the
 * reaper (unless XS_CLEANUP_REAPER=0). Returns 0 or -errno. */
int xs_cleanup_init(void);

/* The run's tag: $XS_RUN_TAG (scripts/run-tests.sh sets one per run), or
 * "p" and the pid in base 36, exported for the children. Every name a
 * test makes (namespaces, interfaces, directories) starts with "xs" and
 * the tag, so that a run can find what it left and nothing of others. */
const char *xs_run_tag(void);
/* A directory of this process's own under $TMPDIR (default /tmp), named
 * after the tag, removed at exit. */
const char *xs_tmpdir(void);

/* Track what was made; each returns a handle (> 0), or -1 if the table is
 * full (then it was not tracked, and a message says so). */
int xs_track_pid(pid_t pid, int sig); /* sig first, SIGKILL after 5 s */
int xs_track_netns(const char *name); /* its processes ended, then deleted */
int xs_track_mount(const char *path); /* unmounted, the directory removed */
int xs_track_path(const char *path);  /* removed with what is inside */

/* Removes the tracked thing now and forgets it; a stale handle is ignored. */
void xs_release(int handle);
/* Forgets it: the test removed it itself. */
void xs_forget(int handle);
void xs_forget_pid(pid_t pid);

/* Scopes: xs_cleanup_to(mark) removes everything tracked since the mark,
 * newest first, and returns how many tracked things were still there. */
size_t xs_cleanup_mark(void);
int xs_cleanup_to(size_t mark);

/* Is this process alive (not a zombie) and still the one that was started
 * at start (field 22 of /proc/PID/stat; 0: any)? */
bool xs_proc_alive(pid_t pid, unsigned long long start);
unsigned long long xs_proc_start(pid_t pid);

#endif
