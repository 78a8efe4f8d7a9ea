// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "names.h"
#include "xs_test.h"

static void collect(void *ctx, const struct xs_flow_event *e)
{
	struct xs_fixture *f = ctx;

	if (f->nevents == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 256;
		f->events = realloc(f->events, f->cap * sizeof(*e));
	}
	f->events[f->nevents++] = *e;
}

int xs_fixture_setup(struct xs_fixture *f, const struct xs_sizes *sz)
{
	static const __u16 refl[] = { 19, 53, 123, 161, 389, 1900, 11211 };
	struct xs_sizes def;
	int err;

	memset(f, 0, sizeof(*f));
	xs_log_init(getenv("XS_TEST_VERBOSE") ? XS_LOG_DEBUG : XS_LOG_WARN);
	if (!sz) {
		xs_sizes_default(&def);
		def.dst_entries = def.src_entries = 4096;
		def.flow_entries = 65536;
		sz = &def;
	}
	err = xs_bpf_load(&f->b, sz);
	if (err)
		return err;
	err = xs_collector_init(&f->col, &f->b, false, collect, f);
	if (!err)
		err = xs_collector_set_budget(&f->col, 1u << 30);
	if (!err)
		err = xs_collector_set_reflector_ports(&f->col, refl, sizeof(refl) / sizeof(refl[0]));
	f->prog_fd = xs_bpf_prog_fd(&f->b);
	return err;
}

void xs_fixture_teardown(struct xs_fixture *f)
{
	xs_collector_free(&f->col);
	xs_bpf_close(&f->b);
	free(f->events);
	memset(f, 0, sizeof(*f));
}

int xs_run_frame(struct xs_fixture *f, const void *frame, size_t len)
{
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
			    .repeat = 1);

	if (bpf_prog_test_run_opts(f->prog_fd, &opts))
		return -1;
	return (int)opts.retval;
}

int xs_run_spec(struct xs_fixture *f, const struct xs_pkt_spec *s, int *len)
{
	uint8_t buf[XS_PKT_MAX];
	int n = xs_pkt_build(s, buf, sizeof(buf));

	if (n < 0)
		return -1;
	if (len)
		*len = n;
	return xs_run_frame(f, buf, n);
}

int xs_flip(struct xs_fixture *f, struct xs_tick *t)
{
	return xs_collector_flip(&f->col, t);
}

const struct xs_dst_entry *xs_find_dst(const struct xs_tick *t, const char *addr)
{
	struct xs_addr a;
	size_t i;

	if (xs_addr_parse(addr, &a))
		return NULL;
	for (i = 0; i < t->ndst; i++)
		if (!memcmp(&t->dst[i].addr, &a, sizeof(a)))
			return &t->dst[i];
	return NULL;
}

const struct xs_src_entry *xs_find_src(const struct xs_tick *t, const char *addr)
{
	struct xs_addr a;
	size_t i;

	if (xs_addr_parse(addr, &a))
		return NULL;
	for (i = 0; i < t->nsrc; i++)
		if (!memcmp(&t->src[i].addr, &a, sizeof(a)))
			return &t->src[i];
	return NULL;
}

bool xs_have_bpf(void)
{
	if (geteuid() != 0) {
		printf("\n  SKIP: needs root for BPF\n");
		return false;
	}
	return true;
}

static int vsh(char *out, size_t cap, const char *fmt, va_list ap)
{
	char cmd[4096];
	FILE *p;
	size_t n = 0;
	int st;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (out && cap) {
		n = fread(out, 1, cap - 1, p);
		out[n] = '\0';
	} else {
		char sink[512];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int xs_sh(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsh(NULL, 0, fmt, ap);
	va_end(ap);
	return r;
}

int xs_sh_out(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsh(out, cap, fmt, ap);
	va_end(ap);
	return r;
}

int xs_netns_enter(const char *name)
{
	char path[256];
	int old = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (old < 0 || fd < 0 || setns(fd, CLONE_NEWNET)) {
		if (fd >= 0)
			close(fd);
		if (old >= 0)
			close(old);
		return -1;
	}
	close(fd);
	return old;
}

void xs_netns_leave(int oldfd)
{
	if (oldfd >= 0) {
		setns(oldfd, CLONE_NEWNET);
		close(oldfd);
	}
}

const char *xs_build_dir(void)
{
	const char *d = getenv("XS_BUILD");

	return d ? d : "build";
}

const char *xs_build_dir_abs(void)
{
	static char path[4096];

	if (!path[0] && !realpath(xs_build_dir(), path))
		snprintf(path, sizeof(path), "%s", xs_build_dir());
	return path;
}

/* ---- the suite runner ---------------------------------------------------- */

static const struct xs_test *cur_tests;
static size_t cur_n, test_mark;
static bool test_done;
static int test_netns = -1;	/* the network namespace the test began in */

/* Every test goes through here, to know whether it ran to its end. */
static void run_one(void)
{
	CU_pTest t = CU_get_current_test();
	size_t i;

	test_done = false;
	for (i = 0; t && i < cur_n; i++)
		if (!strcmp(cur_tests[i].name, t->pName)) {
			cur_tests[i].fn();
			break;
		}
	test_done = true;
}

static void test_setup(void)
{
	test_mark = xs_cleanup_mark();
	if (test_netns >= 0)
		close(test_netns);
	test_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

static void test_teardown(void)
{
	struct stat was, now;
	int n;

	/* A test that ran to its end is where it chose to be (a "set up"
	 * test may enter a lab's namespace for the tests after it). */
	if (test_done)
		return;
	/* Cut short, maybe between xs_netns_enter and xs_netns_leave: back
	 * to the namespace it began in. */
	if (test_netns >= 0 && !fstat(test_netns, &was) && !stat("/proc/self/ns/net", &now) &&
	    was.st_ino != now.st_ino)
		setns(test_netns, CLONE_NEWNET);
	n = xs_cleanup_to(test_mark);
	if (n)
		printf("\n  cut short: removed %d thing(s) it had made (see above)", n);
}

int xs_test_main(const char *suite_name, const struct xs_test *tests, size_t n, int (*init)(void),
		 int (*clean)(void))
{
	unsigned int fails;
	CU_pSuite s;
	size_t i;
	int left;

	if (xs_cleanup_init()) {
		fprintf(stderr, "%s: cannot set up the cleanup registry\n", suite_name);
		return 2;
	}
	cur_tests = tests;
	cur_n = n;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite_with_setup_and_teardown(suite_name, init, clean, test_setup,
						 test_teardown);
	for (i = 0; s && i < n; i++)
		CU_add_test(s, tests[i].name, run_one);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
		CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	if (test_netns >= 0)
		close(test_netns);
	test_netns = -1;
	left = xs_cleanup_to(0);
	if (left)
		printf("%s: removed %d thing(s) left at the end of the suite (see above)\n",
		       suite_name, left);
	return fails ? 1 : 0;
}
