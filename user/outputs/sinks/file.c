// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * file: alerts as JSON lines appended to a file. SIGHUP reopens it by name
 * (logrotate's default "move and create", no copytruncate needed); the
 * data is fdatasync'ed at most every fsync_interval_ms (0: after each
 * alert), so a crash loses at most that much (and the sync in flight).
 *
 * The sync never blocks the daemon (issue 13: a slow disk stalled the
 * loop and inflated the next tick's rates): it is an asynchronous
 * IOCB_CMD_FDSYNC (Linux AIO, run by the kernel's workqueue since 4.18)
 * whose completion arrives on an eventfd in the outputs' epoll set. The
 * file is opened with O_NOFOLLOW: a symlink planted at its path is
 * refused, not followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <linux/aio_abi.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "sink.h"

struct file_sink {
	char path[512];
	uint32_t fsync_ms;
	uint32_t mode;
	int fd;
	bool dirty;		/* written since the last sync was started */
	double last_sync;
	/* the asynchronous sync */
	aio_context_t aio;
	int efd;		/* completions */
	bool inflight;
	struct iocb cb;
};

static int io_setup_(unsigned n, aio_context_t *ctx)
{
	return (int)syscall(SYS_io_setup, n, ctx);
}

static int io_destroy_(aio_context_t ctx)
{
	return (int)syscall(SYS_io_destroy, ctx);
}

static int io_submit_(aio_context_t ctx, long n, struct iocb **cbs)
{
	return (int)syscall(SYS_io_submit, ctx, n, cbs);
}

static int io_getevents_(aio_context_t ctx, long min, long max, struct io_event *ev,
			 struct timespec *ts)
{
	return (int)syscall(SYS_io_getevents, ctx, min, max, ev, ts);
}

static int fs_configure(struct xs_sink *s, xs_node n)
{
	struct file_sink *p = calloc(1, sizeof(*p));
	int err = 0;

	if (!p)
		return -ENOMEM;
	s->priv = p;
	p->fd = p->efd = -1;
	p->fsync_ms = 1000;
	p->mode = 0640;
	err |= xs_cfg_str(n, "path", p->path, sizeof(p->path));
	err |= xs_cfg_u32(n, "fsync_interval_ms", 0, 3600000, &p->fsync_ms);
	err |= xs_cfg_u32(n, "mode", 0, 0777, &p->mode);
	if (!err && !p->path[0]) {
		xs_cfg_error(n, "missing 'path:' (the file to append alerts to)");
		err = -1;
	}
	return err;
}

static int fs_openfile(struct xs_sink *s)
{
	struct file_sink *p = s->priv;

	p->fd = open(p->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, p->mode);
	s->st.up = p->fd >= 0;
	return p->fd >= 0 ? 0 : -errno;
}

static int fs_open(struct xs_sink *s)
{
	struct file_sink *p = s->priv;
	int err = fs_openfile(s);

	if (err) {
		xs_err("output %s: cannot open %s: %s%s", s->name, p->path, strerror(-err),
		       err == -ELOOP ? " (a symbolic link: give the real path)" : "");
		return err;
	}
	p->last_sync = xs_mono_s();
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0 || io_setup_(1, &p->aio)) {
		err = -errno;
		xs_err("output %s: cannot set up asynchronous sync: %s", s->name, strerror(errno));
		return err;
	}
	xs_out_watch(s->out, p->efd, EPOLLIN);
	return 0;
}

/* The sync that was in flight, if it completed (wait: block until it
 * does, at close only). */
static void reap_sync(struct xs_sink *s, bool wait)
{
	struct file_sink *p = s->priv;
	struct timespec zero = { 0, 0 };
	struct io_event ev;
	uint64_t n;

	if (!p->inflight)
		return;
	if (io_getevents_(p->aio, wait ? 1 : 0, 1, &ev, wait ? NULL : &zero) != 1)
		return;
	p->inflight = false;
	if (read(p->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	if ((long long)ev.res < 0)
		xs_warn("output %s: cannot sync %s: %s", s->name, p->path,
			strerror((int)-(long long)ev.res));
}

/* Starts a sync of what was written; one at a time (the next waits for
 * the service after this one completes). */
static void fs_sync(struct xs_sink *s, double now)
{
	struct file_sink *p = s->priv;
	struct iocb *cbs[1] = { &p->cb };

	reap_sync(s, false);
	if (p->fd < 0 || !p->dirty || p->inflight)
		return;
	memset(&p->cb, 0, sizeof(p->cb));
	p->cb.aio_lio_opcode = IOCB_CMD_FDSYNC;
	p->cb.aio_fildes = (uint32_t)p->fd;
	p->cb.aio_flags = IOCB_FLAG_RESFD;
	p->cb.aio_resfd = (uint32_t)p->efd;
	if (io_submit_(p->aio, 1, cbs) != 1) {
		xs_warn("output %s: cannot start a sync of %s: %s", s->name, p->path,
			strerror(errno));
		return;
	}
	p->inflight = true;
	p->dirty = false;
	p->last_sync = now;
}

static void fs_alert(struct xs_sink *s, const struct xs_alert_out *a)
{
	struct file_sink *p = s->priv;
	size_t len = strlen(a->json);
	struct iovec iov[2] = { { (void *)a->json, len }, { "\n", 1 } };
	ssize_t n;

	if (p->fd < 0 && fs_openfile(s)) {
		s->st.failed++;
		return;
	}
	/* One writev per line: O_APPEND keeps lines whole even if another
	 * writer shares the file. */
	n = writev(p->fd, iov, 2);
	if (n != (ssize_t)len + 1) {
		static double last_warn;

		s->st.failed++;
		if (xs_mono_s() - last_warn > 10) {
			xs_warn("output %s: cannot write %s: %s", s->name, p->path,
				n < 0 ? strerror(errno) : "short write");
			last_warn = xs_mono_s();
		}
		return;
	}
	s->st.sent++;
	p->dirty = true;
	if (!p->fsync_ms)
		fs_sync(s, xs_mono_s());
}

static void fs_service(struct xs_sink *s, double now)
{
	struct file_sink *p = s->priv;

	reap_sync(s, false);
	if (p->dirty && (now - p->last_sync) * 1000 >= p->fsync_ms)
		fs_sync(s, now);
}

static void fs_reopen(struct xs_sink *s)
{
	struct file_sink *p = s->priv;
	int err;

	fs_sync(s, xs_mono_s());
	/* The sync in flight holds its own reference to the old file. */
	if (p->fd >= 0)
		close(p->fd);
	err = fs_openfile(s);
	if (err)
		xs_warn("output %s: cannot reopen %s: %s (will retry at the next alert)",
			s->name, p->path, strerror(-err));
	else
		xs_info("output %s: reopened %s", s->name, p->path);
}

static void fs_close(struct xs_sink *s)
{
	struct file_sink *p = s->priv;

	/* The last sync: at shutdown (or reload) the loop can wait for it. */
	if (p->aio) {
		reap_sync(s, true);
		fs_sync(s, xs_mono_s());
		reap_sync(s, true);
		io_destroy_(p->aio);
		p->aio = 0;
	}
	if (p->efd >= 0) {
		xs_out_unwatch(s->out, p->efd);
		close(p->efd);
	}
	p->efd = -1;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	s->st.up = false;
}

const struct xs_sink_ops xs_sink_file = {
	.type = "file",
	.configure = fs_configure,
	.open = fs_open,
	.alert = fs_alert,
	.service = fs_service,
	.reopen = fs_reopen,
	.close = fs_close,
};
