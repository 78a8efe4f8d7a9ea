// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "log.h"

static enum xs_log_level cur_level = XS_LOG_INFO;

/* Ring of the last library lines; the verifier log arrives here line by
 * line through libbpf's print callback. */
#define TAIL_LINES 64
#define TAIL_LEN 256
static char tail[TAIL_LINES][TAIL_LEN];
static unsigned int tail_next, tail_count;
static char partial[TAIL_LEN];

static void tail_push(const char *line)
{
	snprintf(tail[tail_next], TAIL_LEN, "%s", line);
	tail_next = (tail_next + 1) % TAIL_LINES;
	if (tail_count < TAIL_LINES)
		tail_count++;
}

static void tail_feed(const char *text)
{
	const char *nl;

	while ((nl = strchr(text, '\n'))) {
		size_t have = strlen(partial), n = nl - text;

		if (n > TAIL_LEN - 1 - have)
			n = TAIL_LEN - 1 - have;
		memcpy(partial + have, text, n);
		partial[have + n] = '\0';
		tail_push(partial);
		partial[0] = '\0';
		text = nl + 1;
	}
	strncat(partial, text, TAIL_LEN - 1 - strlen(partial));
}

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void xs_log(enum xs_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > cur_level)
		return;
	fprintf(stderr, "xdpstream: %s%s", level <= XS_LOG_WARN ? level_names[level] : "",
		level <= XS_LOG_WARN ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int lib_print(enum xs_log_level level, const char *fmt, va_list ap)
{
	char *buf = NULL;
	int n;

	/* The verifier log comes as one message of many lines: keep it all. */
	if (vasprintf(&buf, fmt, ap) < 0)
		return 0;
	tail_feed(buf);
	n = level > cur_level ? 0 : fprintf(stderr, "%s", buf);
	free(buf);
	return n;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings are mostly probe noise: show them at debug only,
	 * the tail keeps them for error reports. */
	return lib_print(level == LIBBPF_WARN ? XS_LOG_INFO + 1 : XS_LOG_DEBUG, fmt,
			 ap);
}

int xs_log_lib(bool warn, const char *fmt, va_list ap)
{
	return lib_print(warn ? XS_LOG_INFO + 1 : XS_LOG_DEBUG, fmt, ap);
}

void xs_log_init(enum xs_log_level level)
{
	cur_level = level;
	libbpf_set_print(libbpf_print);
}

void xs_log_set_level(enum xs_log_level level)
{
	cur_level = level;
}

enum xs_log_level xs_log_get_level(void)
{
	return cur_level;
}

void xs_log_print_lib_tail(int max_lines)
{
	unsigned int n = tail_count < (unsigned int)max_lines ? tail_count : (unsigned int)max_lines;
	unsigned int i;

	for (i = 0; i < n; i++)
		fprintf(stderr, "  | %s\n", tail[(tail_next + TAIL_LINES - n + i) % TAIL_LINES]);
}

void xs_log_clear_lib_tail(void)
{
	tail_count = tail_next = 0;
	partial[0] = '\0';
}
