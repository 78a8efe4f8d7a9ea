// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "spool.h"

static int parse_line(char *line, size_t len, struct xs_spool_rec *r)
{
	char *t1, *t2, *t3, *end;

	t1 = memchr(line, '\t', len);
	t2 = t1 ? memchr(t1 + 1, '\t', len - (t1 + 1 - line)) : NULL;
	t3 = t2 ? memchr(t2 + 1, '\t', len - (t2 + 1 - line)) : NULL;
	if (!t3)
		return -1;
	*t1 = *t2 = *t3 = '\0';
	r->seq = strtoull(line, &end, 10);
	if (end != t1)
		return -1;
	r->topic = t1 + 1;
	r->key = t2 + 1;
	r->payload = t3 + 1;
	r->len = len - (t3 + 1 - line);
	return 0;
}

struct mark {
	uint64_t txseq, first, count, owner;
};

static int parse_mark(const char *line, struct mark *m)
{
	unsigned long long t, f, c, o = 0;
	char end;
	int n = sscanf(line, "#txn %llu %llu %llu %llx%c", &t, &f, &c, &o, &end);

	if ((n != 3 && n != 4) || !c)
		return -1;
	*m = (struct mark){ t, f, c, o };
	return 0;
}

/* Reads every line; calls fn for each well-formed record and mark (if not
 * NULL) for each marker. */
static int scan(const char *path, int (*fn)(void *ctx, struct xs_spool_rec *r),
		int (*mark)(void *ctx, const struct mark *m), void *ctx)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while ((n = getline(&line, &cap, f)) > 0) {
		struct xs_spool_rec r;

		if (line[n - 1] != '\n')
			break;	/* a torn last line (crash mid-append): drop it */
		line[--n] = '\0';
		if (line[0] == '#') {
			struct mark m;

			if (mark && !parse_mark(line, &m))
				err = mark(ctx, &m);
			if (err)
				break;
			continue;
		}
		r.txseq = r.txowner = 0;
		if (parse_line(line, n, &r))
			continue;
		err = fn(ctx, &r);
		if (err)
			break;
	}
	free(line);
	fclose(f);
	return err;
}

static int count_mark(void *ctx, const struct mark *m)
{
	struct xs_spool *sp = ctx;

	sp->marks++;
	sp->bytes += 64;
	return 0;
}

static int count_one(void *ctx, struct xs_spool_rec *r)
{
	struct xs_spool *sp = ctx;

	sp->count++;
	sp->bytes += r->len + strlen(r->topic) + strlen(r->key) + 24;
	if (r->seq > sp->max_seq)
		sp->max_seq = r->seq;
	return 0;
}

/* A crash mid-append leaves a last line without its newline: cut it off,
 * or the next append would be glued to it (and both lost, or worse, sent
 * as one mangled record). */
static int drop_torn_tail(const char *path)
{
	char buf[4096];
	off_t end, at;
	ssize_t n, i;
	int fd = open(path, O_RDWR | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	end = lseek(fd, 0, SEEK_END);
	for (at = end; at > 0 && !err;) {
		size_t len = at < (off_t)sizeof(buf) ? (size_t)at : sizeof(buf);

		n = pread(fd, buf, len, at - len);
		if (n != (ssize_t)len) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		for (i = n - 1; i >= 0 && buf[i] != '\n'; i--)
			;
		if (i >= 0) {
			at = at - len + i + 1;
			break;
		}
		at -= len;
	}
	if (!err && at < end && ftruncate(fd, at))
		err = -errno;
	close(fd);
	return err;
}

int xs_spool_open(struct xs_spool *sp, const char *path, uint64_t max_bytes)
{
	int err;

	memset(sp, 0, sizeof(*sp));
	snprintf(sp->path, sizeof(sp->path), "%s", path);
	sp->max_bytes = max_bytes;
	err = drop_torn_tail(path);
	if (err)
		return err;
	sp->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (sp->fd < 0)
		return -errno;
	err = scan(path, count_one, count_mark, sp);
	if (err) {
		close(sp->fd);
		sp->fd = -1;
	}
	return err;
}

void xs_spool_sync(struct xs_spool *sp)
{
	if (sp->fd >= 0 && sp->dirty)
		fdatasync(sp->fd);
	sp->dirty = 0;
}

void xs_spool_close(struct xs_spool *sp)
{
	xs_spool_sync(sp);
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
}

int xs_spool_append(struct xs_spool *sp, uint64_t seq, const char *topic, const char *key,
		    const void *payload, size_t len)
{
	char head[64];
	struct iovec iov[6];
	size_t total;
	ssize_t n;

	if (sp->fd < 0)
		return -EBADF;
	snprintf(head, sizeof(head), "%llu\t", (unsigned long long)seq);
	iov[0] = (struct iovec){ head, strlen(head) };
	iov[1] = (struct iovec){ (void *)topic, strlen(topic) };
	iov[2] = (struct iovec){ "\t", 1 };
	iov[3] = (struct iovec){ (void *)(key ? key : ""), key ? strlen(key) : 0 };
	iov[4] = (struct iovec){ "\t", 1 };
	iov[5] = (struct iovec){ (void *)payload, len };
	total = iov[0].iov_len + iov[1].iov_len + iov[3].iov_len + len + 2;
	if (sp->max_bytes && sp->bytes + total > sp->max_bytes)
		return -ENOSPC;
	/* The record and its newline in one write: a crash tears at most the
	 * last line, which the reader drops. */
	{
		struct iovec all[7];

		memcpy(all, iov, sizeof(iov));
		all[6] = (struct iovec){ "\n", 1 };
		n = writev(sp->fd, all, 7);
	}
	if (n != (ssize_t)total + 1)
		return n < 0 ? -errno : -EIO;
	sp->dirty = 1;
	sp->count++;
	sp->bytes += total + 1;
	if (seq > sp->max_seq)
		sp->max_seq = seq;
	return 0;
}

int xs_spool_mark(struct xs_spool *sp, uint64_t first, uint64_t count, uint64_t txseq,
		  uint64_t owner)
{
	char line[128];
	int len;

	if (sp->fd < 0)
		return -EBADF;
	len = snprintf(line, sizeof(line), "#txn %llu %llu %llu %016llx\n",
		       (unsigned long long)txseq, (unsigned long long)first,
		       (unsigned long long)count, (unsigned long long)owner);
	if (write(sp->fd, line, len) != len)
		return -EIO;
	sp->dirty = 1;
	sp->marks++;
	sp->bytes += len;
	return 0;
}

struct load_ctx {
	struct xs_spool_rec *recs;
	size_t n, cap;
	struct mark *marks;
	size_t nmarks, mcap;
};

static int load_mark(void *ctx, const struct mark *m)
{
	struct load_ctx *c = ctx;

	if (c->nmarks == c->mcap) {
		size_t cap = c->mcap ? c->mcap * 2 : 8;
		void *p = realloc(c->marks, cap * sizeof(*c->marks));

		if (!p)
			return -ENOMEM;
		c->marks = p;
		c->mcap = cap;
	}
	c->marks[c->nmarks++] = *m;
	return 0;
}

static int load_one(void *ctx, struct xs_spool_rec *r)
{
	struct load_ctx *c = ctx;
	struct xs_spool_rec *d;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		void *p = realloc(c->recs, cap * sizeof(*c->recs));

		if (!p)
			return -ENOMEM;
		c->recs = p;
		c->cap = cap;
	}
	d = &c->recs[c->n];
	d->seq = r->seq;
	d->txseq = d->txowner = 0;
	d->len = r->len;
	d->topic = strdup(r->topic);
	d->key = strdup(r->key);
	d->payload = malloc(r->len + 1);
	if (!d->topic || !d->key || !d->payload) {
		free(d->topic);
		free(d->key);
		free(d->payload);
		return -ENOMEM;
	}
	memcpy(d->payload, r->payload, r->len + 1);
	c->n++;
	return 0;
}

static int by_seq(const void *a, const void *b)
{
	const struct xs_spool_rec *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The record with seq, or n. */
static size_t find_seq(const struct xs_spool_rec *r, size_t n, uint64_t seq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (r[mid].seq == seq)
			return mid;
		if (r[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n;
}

int xs_spool_load(struct xs_spool *sp, struct xs_spool_rec **recs, size_t *n)
{
	struct load_ctx c = {};
	int err = scan(sp->path, load_one, load_mark, &c);
	size_t i, j, at;

	if (err) {
		xs_spool_free_recs(c.recs, c.n);
		free(c.marks);
		return err;
	}
	if (c.n)
		qsort(c.recs, c.n, sizeof(*c.recs), by_seq);
	/* In file order: a later marker over the same records wins. */
	for (i = 0; i < c.nmarks; i++) {
		at = find_seq(c.recs, c.n, c.marks[i].first);
		for (j = 0; at + j < c.n && j < c.marks[i].count; j++) {
			c.recs[at + j].txseq = c.marks[i].txseq ? c.marks[i].txseq + j : 0;
			c.recs[at + j].txowner = c.marks[i].txseq ? c.marks[i].owner : 0;
		}
	}
	free(c.marks);
	*recs = c.recs;
	*n = c.n;
	return 0;
}

void xs_spool_free_recs(struct xs_spool_rec *recs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(recs[i].topic);
		free(recs[i].key);
		free(recs[i].payload);
	}
	free(recs);
}

static int done_has(const uint64_t *done, size_t n, uint64_t seq)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (done[mid] == seq)
			return 1;
		if (done[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int xs_spool_remove(struct xs_spool *sp, const uint64_t *done, size_t ndone)
{
	struct xs_spool_rec *recs = NULL;
	char tmp[600];
	size_t n = 0, i;
	uint64_t marks = sp->marks;
	int err, fd;

	err = xs_spool_load(sp, &recs, &n);
	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.tmp", sp->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	close(sp->fd);
	sp->fd = fd;
	sp->count = sp->bytes = sp->marks = 0;
	for (i = 0; i < n && !err; i++)
		if (!done_has(done, ndone, recs[i].seq))
			err = xs_spool_append(sp, recs[i].seq, recs[i].topic, recs[i].key,
					      recs[i].payload, recs[i].len);
	if (!err && fdatasync(sp->fd))
		err = -errno;
	sp->dirty = 0;
	if (!err && rename(tmp, sp->path))
		err = -errno;
	if (err) {
		/* Keep appending to the old file: nothing is lost (the caller
		 * keeps knowing which records are done). */
		close(sp->fd);
		unlink(tmp);
		sp->fd = open(sp->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		sp->count = n;
		sp->marks = marks;
	}
out:
	xs_spool_free_recs(recs, n);
	return err;
}
