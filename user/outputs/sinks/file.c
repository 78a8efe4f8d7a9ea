// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * file: alerts as JSON lines appended to a file. SIGHUP reopens it by name
 * (logrotate's default "move and create", no copytruncate needed); the
 * data is fdatasync'ed at most every fsync_interval_ms (0: after each
 * alert), so a crash loses at most that much.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include "clock.h"
#include "log.h"
#include "sink.h"

struct file_sink {
	char path[512];
	uint32_t fsync_ms;
	uint32_t mode;
	int fd;
	bool dirty;
	double last_sync;
};

static int fs_configure(struct xs_sink *s, xs_node n)
{
	struct file_sink *p = calloc(1, sizeof(*p));
	int err = 0;

	if (!p)
		return -ENOMEM;
	s->priv = p;
	p->fd = -1;
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

	p->fd = open(p->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, p->mode);
	s->st.up = p->fd >= 0;
	return p->fd >= 0 ? 0 : -errno;
}

static int fs_open(struct xs_sink *s)
{
	struct file_sink *p = s->priv;
	int err = fs_openfile(s);

	if (err)
		xs_err("output %s: cannot open %s: %s", s->name, p->path, strerror(-err));
	p->last_sync = xs_mono_s();
	return err;
}

static void fs_sync(struct file_sink *p, double now)
{
	if (p->fd >= 0 && p->dirty)
		fdatasync(p->fd);
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
		fs_sync(p, xs_mono_s());
}

static void fs_service(struct xs_sink *s, double now)
{
	struct file_sink *p = s->priv;

	if (p->dirty && (now - p->last_sync) * 1000 >= p->fsync_ms)
		fs_sync(p, now);
}

static void fs_reopen(struct xs_sink *s)
{
	struct file_sink *p = s->priv;
	int err;

	fs_sync(p, xs_mono_s());
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

	fs_sync(p, xs_mono_s());
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
