// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * stdout: one JSON line per alert, or the human line when stdout is a
 * terminal (format: auto), or always one or the other.
 *
 * A slow reader must not stall the daemon (issue 13: a full pipe blocked
 * the event loop, and with it the drain). Lines are written without
 * blocking on a descriptor of our own: a socket with MSG_DONTWAIT, a pipe
 * or terminal reopened with O_NONBLOCK (a new open file description, so
 * the shell's stays as it was); what does not fit waits in a bounded
 * queue, sent as stdout becomes writable (EPOLLOUT in the outputs' set).
 * A full queue drops the new line and counts it. A regular file is
 * written directly (a page-cache write). Only the daemon works this way:
 * `replay` and `emit` have no loop to stall, and wait for their reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "clock.h"
#include "log.h"
#include "msgq.h"
#include "sink.h"

enum { FMT_AUTO, FMT_JSON, FMT_HUMAN };

#define STDOUT_QUEUE 4096	/* lines waiting for a slow reader */

struct stdout_sink {
	int format;
	bool human;
	int fd;			/* our descriptor for stdout */
	bool sock;		/* send(MSG_DONTWAIT) */
	bool own_fd;		/* opened here: close it */
	bool watching;		/* EPOLLOUT registered */
	size_t head_off;	/* bytes of the front line written */
	struct xs_msgq q;
	bool overflowing;
};

static int so_configure(struct xs_sink *s, xs_node n)
{
	static const char *const formats[] = { "auto", "json", "human", NULL };
	struct stdout_sink *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	s->priv = p;
	p->fd = -1;
	if (xs_node_present(n))
		return xs_cfg_enum(n, "format", formats, &p->format);
	return 0;
}

/* A descriptor for stdout that never blocks (see the top of the file). */
static void nonblocking_stdout(struct stdout_sink *p)
{
	struct stat st;
	int fd;

	p->fd = STDOUT_FILENO;
	if (fstat(STDOUT_FILENO, &st))
		return;
	if (S_ISSOCK(st.st_mode)) {
		p->sock = true;
		return;
	}
	if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
		return;
	fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0) {
		p->fd = fd;
		p->own_fd = true;
	}
}

static int so_open(struct xs_sink *s)
{
	struct stdout_sink *p = s->priv;

	p->human = p->format == FMT_HUMAN || (p->format == FMT_AUTO && isatty(STDOUT_FILENO));
	if (xs_msgq_init(&p->q, STDOUT_QUEUE))
		return -ENOMEM;
	fflush(stdout);
	p->fd = STDOUT_FILENO;
	if (xs_out_daemon_info(s->out)->have_run)
		nonblocking_stdout(p);
	s->st.up = true;
	return 0;
}

static ssize_t put(struct stdout_sink *p, const char *buf, size_t len)
{
	return p->sock ? send(p->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) : write(p->fd, buf, len);
}

/* Writes what the reader takes now; returns false on an error other than
 * "try later" (the reader went away). */
static bool flush(struct xs_sink *s)
{
	struct stdout_sink *p = s->priv;
	struct xs_msg *m;

	while ((m = xs_msgq_at(&p->q, 0))) {
		ssize_t n = put(p, m->buf + p->head_off, m->len - p->head_off);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			/* EPIPE, a full disk: these lines are lost. */
			while (xs_msgq_at(&p->q, 0)) {
				xs_msgq_pop(&p->q);
				s->st.failed++;
			}
			p->head_off = 0;
			return false;
		}
		p->head_off += (size_t)n;
		if (p->head_off < m->len)
			break;
		xs_msgq_pop(&p->q);
		p->head_off = 0;
		s->st.sent++;
	}
	s->st.queued = p->q.n;
	/* Wait for room only while something waits. */
	if (p->q.n && !p->watching && !xs_out_watch(s->out, p->fd, EPOLLOUT))
		p->watching = true;
	else if (!p->q.n && p->watching) {
		xs_out_unwatch(s->out, p->fd);
		p->watching = false;
	}
	return true;
}

static void so_alert(struct xs_sink *s, const struct xs_alert_out *a)
{
	struct stdout_sink *p = s->priv;
	const char *line = p->human && a->human ? a->human : a->json;
	size_t len = strlen(line);
	char *buf = malloc(len + 1);

	if (!buf) {
		s->st.failed++;
		return;
	}
	memcpy(buf, line, len);
	buf[len] = '\n';
	if (xs_msgq_push(&p->q, buf, len + 1)) {
		free(buf);
		s->st.failed++;
		s->st.overflow++;
		if (!p->overflowing)
			xs_warn("output %s: the reader of stdout is too slow: dropping alerts "
				"(counted in xdpstream_sink_overflow_total)",
				s->name);
		p->overflowing = true;
		return;
	}
	p->overflowing = false;
	flush(s);
}

static void so_service(struct xs_sink *s, double now)
{
	struct stdout_sink *p = s->priv;

	if (p->q.n)
		flush(s);
}

static void so_close(struct xs_sink *s)
{
	struct stdout_sink *p = s->priv;

	double deadline = xs_mono_s() + 1;

	/* A bounded moment for the reader, then the rest is lost. */
	while (p->fd >= 0 && flush(s) && p->q.n && xs_mono_s() < deadline) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };

		poll(&pfd, 1, 20);
	}
	if (p->q.n)
		xs_warn("output %s: %zu alerts not read from stdout", s->name, p->q.n);
	while (xs_msgq_at(&p->q, 0)) {
		xs_msgq_pop(&p->q);
		s->st.failed++;
	}
	if (p->watching)
		xs_out_unwatch(s->out, p->fd);
	p->watching = false;
	if (p->own_fd)
		close(p->fd);
	p->fd = -1;
	p->own_fd = false;
	xs_msgq_free(&p->q);
	s->st.queued = 0;
	s->st.up = false;
}

const struct xs_sink_ops xs_sink_stdout = {
	.type = "stdout",
	.configure = so_configure,
	.open = so_open,
	.alert = so_alert,
	.service = so_service,
	.close = so_close,
};
