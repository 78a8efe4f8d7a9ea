/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Shared helpers for the CUnit suites: a loaded (not attached) program,
 * packet runs through BPF_PROG_TEST_RUN, and network namespaces. */
#ifndef XS_TEST_H
#define XS_TEST_H

#include <stdbool.h>
#include <CUnit/CUnit.h>
#include <CUnit/Basic.h>

#include "xs_cleanup.h"
#include "collector.h"
#include "loader.h"
#include "pktbuild.h"

struct xs_fixture {
	struct xs_bpf b;
	struct xs_collector col;
	int prog_fd;
	/* events delivered by the collector */
	struct xs_flow_event *events;
	size_t nevents, cap;
};

/* Loads the program with default sizes (or *sz) and a large budget. */
int xs_fixture_setup(struct xs_fixture *f, const struct xs_sizes *sz);
void xs_fixture_teardown(struct xs_fixture *f);

/* Runs one frame through the program; returns the XDP verdict or -1. */
int xs_run_frame(struct xs_fixture *f, const void *frame, size_t len);
/* Builds a frame from spec and runs it; returns its length in *len. */
int xs_run_spec(struct xs_fixture *f, const struct xs_pkt_spec *s, int *len);

/* Drains the current generation (flip without fence). */
int xs_flip(struct xs_fixture *f, struct xs_tick *t);

const struct xs_dst_entry *xs_find_dst(const struct xs_tick *t, const char *addr);
const struct xs_src_entry *xs_find_src(const struct xs_tick *t, const char *addr);

/* Skips the calling test with a printed reason unless running as root
 * with a kernel that loads BPF. */
bool xs_have_bpf(void);

/* Runs a shell command; returns its exit status (-1 if it could not run). */
int xs_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Runs a command and captures its stdout (at most cap-1 bytes). */
int xs_sh_out(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Enters a named network namespace (ip netns); returns the fd of the
 * namespace we were in, to restore with xs_netns_leave(). */
int xs_netns_enter(const char *name);
void xs_netns_leave(int oldfd);

/* Directory of the build (where the xdpstream binary is). */
const char *xs_build_dir(void);
/* The same as an absolute path (for commands run in other namespaces). */
const char *xs_build_dir_abs(void);

struct xs_test {
	const char *name;
	void (*fn)(void);
};

/*
 * Runs one CUnit suite of n tests (init and clean: the suite's set-up and
 * tear-down, or NULL) and returns the exit status (0: all passed). What a
 * test tracked (xs_cleanup.h: the lab helpers track their namespaces and
 * daemons) is removed at that test's end if a CU_ASSERT_FATAL cut it short,
 * else at the end of the suite (a "set up" test's lab serves the tests
 * after it); a test that left another network namespace is brought back.
 * A signal, a crash or SIGKILL leave the removal to the reaper.
 */
int xs_test_main(const char *suite_name, const struct xs_test *tests, size_t n, int (*init)(void),
		 int (*clean)(void));

#define XS_RUN_SUITE(suite_name, suite_tests)                                                      \
	int main(void)                                                                             \
	{                                                                                          \
		return xs_test_main(suite_name, suite_tests,                                       \
				    sizeof(suite_tests) / sizeof(suite_tests[0]), NULL, NULL);     \
	}

#endif
