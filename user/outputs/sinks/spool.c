// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

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

/* Calls fn for each well-formed record and mark (if not NULL) for each
 * marker in buf[0, len) (the lines' newlines become NULs). */
static int scan_buf(char *buf, size_t len, int (*fn)(void *ctx, struct xs_spool_rec *r),
		    int (*mark)(void *ctx, const struct mark *m), void *ctx)
{
	char *line = buf, *end = buf + len, *nl;
	int err = 0;

	while (line < end && !err) {
		nl = memchr(line, '\n', end - line);
		if (!nl)
			break;	/* a torn last line (crash mid-append): drop it */
		*nl = '\0';
		if (line[0] == '#') {
			struct mark m;

			if (mark && !parse_mark(line, &m))
				err = mark(ctx, &m);
		} else {
			struct xs_spool_rec r = {};

			if (!parse_line(line, nl - line, &r))
				err = fn(ctx, &r);
		}
		line = nl + 1;
	}
	return err;
}

/* fd's first len bytes, NUL-terminated (malloc'ed), or NULL (errno). */
static char *read_all(int fd, size_t len)
{
	char *buf = malloc(len + 1);
	size_t at = 0;
	ssize_t n;

	if (!buf)
		return NULL;
	while (at < len) {
		n = pread(fd, buf + at, len - at, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!n)
				errno = EIO;
			free(buf);
			return NULL;
		}
		at += n;
	}
	buf[len] = '\0';
	return buf;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= n;
	}
	return 0;
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

static int cmp_seq(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
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

/* --- the worker's queue ------------------------------------------------ */

enum op_kind { OP_LINES, OP_REMOVE };

struct xs_spool_op {
	struct xs_spool_op *next;
	enum op_kind kind;
	char *buf;		/* OP_LINES: whole lines */
	size_t len, cap;
	uint64_t nrec, nmark;	/* OP_LINES: records and markers in buf */
	uint64_t *done;		/* OP_REMOVE: sorted */
	size_t ndone;
};

static void op_free(struct xs_spool_op *op)
{
	free(op->buf);
	free(op->done);
	free(op);
}

/* Queues a line (with its newline): to the last queued lines when the
 * worker has not begun them, so a burst is one write. */
static int queue_line(struct xs_spool *sp, const char *line, size_t len, bool rec)
{
	struct xs_spool_op *op;
	int err = 0;

	pthread_mutex_lock(&sp->mu);
	op = sp->tail;
	if (!op || op == sp->head || op->kind != OP_LINES) {
		op = calloc(1, sizeof(*op));
		if (!op) {
			err = -ENOMEM;
			goto out;
		}
		op->kind = OP_LINES;
		if (sp->tail)
			sp->tail->next = op;
		else
			sp->head = op;
		sp->tail = op;
		sp->queued++;
	}
	if (op->len + len > op->cap) {
		size_t cap = (op->len + len) * 2;
		char *p = realloc(op->buf, cap);

		if (!p) {
			err = -ENOMEM;
			goto out;	/* (an empty op writes nothing) */
		}
		op->buf = p;
		op->cap = cap;
	}
	memcpy(op->buf + op->len, line, len);
	op->len += len;
	op->nrec += rec;
	op->nmark += !rec;
	pthread_cond_signal(&sp->cv);
out:
	pthread_mutex_unlock(&sp->mu);
	return err;
}

/* What an op did, for the loop's counters. */
struct op_res {
	int fd_old;		/* closed once swapped out, or -1 */
	int fd_new;
	uint64_t valid;
	int64_t dcount, dbytes, dmarks;
	uint64_t lost;
	int err;
};

/* Appends op's lines at res->valid (the file's end so far). */
static void run_lines(struct xs_spool *sp, struct xs_spool_op *op, struct op_res *res)
{
	int err = write_all(sp->fd, op->buf, op->len);

	if (!err) {
		res->valid += op->len;
		return;
	}
	/* Undo a part written: the next line must start a line of its own. */
	(void)!ftruncate(sp->fd, res->valid);
	res->dcount -= (int64_t)op->nrec;
	res->dmarks -= (int64_t)op->nmark;
	res->dbytes -= (int64_t)op->len;
	res->lost += op->nrec;
	res->err = err;
}

static int append_line(char **buf, size_t *len, size_t *cap, const struct xs_spool_rec *r)
{
	size_t need = *len + r->len + strlen(r->topic) + strlen(r->key) + 32;
	int n;

	if (need > *cap) {
		size_t c = need * 2;
		char *p = realloc(*buf, c);

		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap = c;
	}
	n = sprintf(*buf + *len, "%llu\t%s\t%s\t", (unsigned long long)r->seq, r->topic, r->key);
	memcpy(*buf + *len + n, r->payload, r->len);
	(*buf)[*len + n + r->len] = '\n';
	*len += n + r->len + 1;
	return 0;
}

/* Writes the spool without the records done and without markers to a
 * temporary file, syncs it, renames it over the spool. */
static void run_remove(struct xs_spool *sp, const uint64_t *done, size_t ndone,
		       struct op_res *res)
{
	struct load_ctx c = {};
	char tmp[600], *buf = NULL, *out = NULL;
	size_t len = 0, cap = 0, i, removed = 0;
	int err = 0, fd = -1;

	buf = read_all(sp->fd, res->valid);
	if (!buf) {
		err = -errno;
		goto fail;
	}
	err = scan_buf(buf, res->valid, load_one, load_mark, &c);
	if (err)
		goto fail;
	if (c.n)
		qsort(c.recs, c.n, sizeof(*c.recs), by_seq);
	for (i = 0; i < c.n && !err; i++) {
		if (done_has(done, ndone, c.recs[i].seq))
			removed++;
		else
			err = append_line(&out, &len, &cap, &c.recs[i]);
	}
	if (err)
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s.tmp", sp->path);
	fd = open(tmp, O_RDWR | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	err = write_all(fd, out, len);
	if (!err && fdatasync(fd))
		err = -errno;
	if (!err && rename(tmp, sp->path))
		err = -errno;
	if (err) {
		close(fd);
		unlink(tmp);
		goto fail;
	}
	res->fd_old = sp->fd;
	res->fd_new = fd;
	/* The loop counted every done record as there. */
	res->dcount += (int64_t)ndone - (int64_t)removed;
	res->dbytes += (int64_t)len - (int64_t)res->valid;
	res->valid = len;
	goto out;
fail:
	/* Nothing lost: the old file stays, records and markers. */
	res->dcount += (int64_t)ndone;
	res->dmarks += (int64_t)c.nmarks;
	res->err = err;
out:
	xs_spool_free_recs(c.recs, c.n);
	free(c.marks);
	free(buf);
	free(out);
}

/* Runs the ops first..last: their lines in order, then one rewrite
 * without the records any of them found done. */
static void run_batch(struct xs_spool *sp, struct xs_spool_op *first, struct xs_spool_op *last,
		      struct op_res *res)
{
	struct xs_spool_op *op;
	uint64_t *done = NULL;
	size_t ndone = 0, cap = 0;
	bool rewrite = false;

	for (op = first;; op = op->next) {
		if (op->kind == OP_LINES) {
			run_lines(sp, op, res);
		} else {
			rewrite = true;
			if (ndone + op->ndone > cap) {
				size_t c = (ndone + op->ndone) * 2 + 8;
				uint64_t *p = realloc(done, c * sizeof(*done));

				if (!p) {
					/* Nothing lost: the records stay (sent again). */
					res->dcount += (int64_t)op->ndone;
					res->err = -ENOMEM;
					goto next;
				}
				done = p;
				cap = c;
			}
			if (op->ndone)
				memcpy(done + ndone, op->done, op->ndone * sizeof(*done));
			ndone += op->ndone;
		}
next:
		if (op == last)
			break;
	}
	if (rewrite) {
		if (ndone > 1)
			qsort(done, ndone, sizeof(*done), cmp_seq);
		run_remove(sp, done, ndone, res);
	}
	free(done);
}

/* The worker: runs the queue in order; fdatasyncs when asked, once what
 * was queued before the ask is written. The loop only ever waits for the
 * mutex, never held across I/O. */
static void *worker(void *arg)
{
	struct xs_spool *sp = arg;
	struct xs_spool_op *op;

	pthread_mutex_lock(&sp->mu);
	for (;;) {
		if (sp->sync_want > sp->synced && sp->done >= sp->sync_want) {
			uint64_t upto = sp->done;

			pthread_mutex_unlock(&sp->mu);
			fdatasync(sp->fd);
			pthread_mutex_lock(&sp->mu);
			sp->synced = upto;
			continue;
		}
		if (sp->head) {
			struct op_res res = { .fd_old = -1, .fd_new = -1, .valid = sp->valid };
			struct xs_spool_op *first = sp->head, *last = first, *next;
			unsigned int k;

			/* Up to the last rewrite queued: one rewrite does for
			 * all (a record is done once; its seq never comes
			 * back), the lines before it appended first. The loop
			 * changes no op of these (only a later tail). */
			for (op = first; op; op = op->next)
				if (op->kind == OP_REMOVE)
					last = op;
			pthread_mutex_unlock(&sp->mu);
			run_batch(sp, first, last, &res);
			pthread_mutex_lock(&sp->mu);
			if (res.fd_new >= 0)
				sp->fd = res.fd_new;
			sp->valid = res.valid;
			sp->adj_count += res.dcount;
			sp->adj_bytes += res.dbytes;
			sp->adj_marks += res.dmarks;
			sp->lost += res.lost;
			if (res.err)
				sp->err = res.err;
			for (op = first, k = 1; op != last; op = next, k++) {
				next = op->next;
				op_free(op);
			}
			sp->head = last->next;
			if (!sp->head)
				sp->tail = NULL;
			op_free(last);
			sp->done += k;
			if (res.fd_old >= 0)
				close(res.fd_old); /* a load reads from its own dup */
			continue;
		}
		if (sp->stop)
			break;
		pthread_cond_wait(&sp->cv, &sp->mu);
	}
	pthread_mutex_unlock(&sp->mu);
	return NULL;
}

/* --- the loop's side ------------------------------------------------------ */

int xs_spool_open(struct xs_spool *sp, const char *path, uint64_t max_bytes)
{
	char *buf;
	off_t end;
	int err;

	memset(sp, 0, sizeof(*sp));
	sp->fd = -1;
	snprintf(sp->path, sizeof(sp->path), "%s", path);
	sp->max_bytes = max_bytes;
	err = drop_torn_tail(path);
	if (err)
		return err;
	sp->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (sp->fd < 0)
		return -errno;
	end = lseek(sp->fd, 0, SEEK_END);
	buf = end < 0 ? NULL : read_all(sp->fd, end);
	if (!buf) {
		err = -errno;
		goto fail;
	}
	sp->valid = end;
	err = scan_buf(buf, end, count_one, count_mark, sp);
	free(buf);
	if (err)
		goto fail;
	pthread_mutex_init(&sp->mu, NULL);
	pthread_cond_init(&sp->cv, NULL);
	err = -pthread_create(&sp->thr, NULL, worker, sp);
	if (err) {
		pthread_mutex_destroy(&sp->mu);
		pthread_cond_destroy(&sp->cv);
		goto fail;
	}
	sp->started = true;
	return 0;
fail:
	close(sp->fd);
	sp->fd = -1;
	return err;
}

void xs_spool_sync(struct xs_spool *sp)
{
	if (!sp->started || !sp->dirty)
		return;
	pthread_mutex_lock(&sp->mu);
	sp->sync_want = sp->queued;
	pthread_cond_signal(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	sp->dirty = 0;
}

/* Applies the worker's corrections to the counters (mu held, or the
 * worker gone). */
static void take_adj(struct xs_spool *sp)
{
	int64_t dc = sp->adj_count, db = sp->adj_bytes, dm = sp->adj_marks;

	sp->adj_count = sp->adj_bytes = sp->adj_marks = 0;
	sp->count = dc < 0 && (uint64_t)-dc > sp->count ? 0 : sp->count + dc;
	sp->bytes = db < 0 && (uint64_t)-db > sp->bytes ? 0 : sp->bytes + db;
	sp->marks = dm < 0 && (uint64_t)-dm > sp->marks ? 0 : sp->marks + dm;
}

uint64_t xs_spool_poll(struct xs_spool *sp, int *err)
{
	uint64_t lost;

	if (sp->started)
		pthread_mutex_lock(&sp->mu);
	take_adj(sp);
	lost = sp->lost;
	*err = sp->err;
	sp->lost = 0;
	sp->err = 0;
	if (sp->started)
		pthread_mutex_unlock(&sp->mu);
	return lost;
}

void xs_spool_close(struct xs_spool *sp)
{
	if (!sp->started)
		return;
	xs_spool_sync(sp);
	pthread_mutex_lock(&sp->mu);
	sp->stop = true;
	pthread_cond_signal(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	pthread_join(sp->thr, NULL);
	/* What was lost stays for xs_spool_poll. */
	take_adj(sp);
	sp->started = false;
	pthread_mutex_destroy(&sp->mu);
	pthread_cond_destroy(&sp->cv);
	close(sp->fd);
	sp->fd = -1;
}

int xs_spool_append(struct xs_spool *sp, uint64_t seq, const char *topic, const char *key,
		    const void *payload, size_t len)
{
	char head[32], *line;
	size_t total, hl, tl, kl;
	int err;

	if (!sp->started)
		return -EBADF;
	if (!key)
		key = "";
	hl = snprintf(head, sizeof(head), "%llu\t", (unsigned long long)seq);
	tl = strlen(topic);
	kl = strlen(key);
	total = hl + tl + kl + len + 2;
	if (sp->max_bytes && sp->bytes + total > sp->max_bytes)
		return -ENOSPC;
	/* The record and its newline in one write: a crash tears at most the
	 * last line, which the reader drops. */
	line = malloc(total + 1);
	if (!line)
		return -ENOMEM;
	memcpy(line, head, hl);
	memcpy(line + hl, topic, tl);
	line[hl + tl] = '\t';
	memcpy(line + hl + tl + 1, key, kl);
	line[hl + tl + 1 + kl] = '\t';
	memcpy(line + hl + tl + kl + 2, payload, len);
	line[total] = '\n';
	err = queue_line(sp, line, total + 1, true);
	free(line);
	if (err)
		return err;
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
	int len, err;

	if (!sp->started)
		return -EBADF;
	len = snprintf(line, sizeof(line), "#txn %llu %llu %llu %016llx\n",
		       (unsigned long long)txseq, (unsigned long long)first,
		       (unsigned long long)count, (unsigned long long)owner);
	err = queue_line(sp, line, len, false);
	if (err)
		return err;
	sp->dirty = 1;
	sp->marks++;
	sp->bytes += len;
	return 0;
}

int xs_spool_remove(struct xs_spool *sp, const uint64_t *done, size_t ndone)
{
	struct xs_spool_op *op;

	if (!sp->started)
		return -EBADF;
	op = calloc(1, sizeof(*op));
	if (!op || !(op->done = malloc((ndone + 1) * sizeof(*done)))) {
		free(op);
		return -ENOMEM;
	}
	op->kind = OP_REMOVE;
	if (ndone)
		memcpy(op->done, done, ndone * sizeof(*done));
	op->ndone = ndone;
	pthread_mutex_lock(&sp->mu);
	if (sp->tail)
		sp->tail->next = op;
	else
		sp->head = op;
	sp->tail = op;
	sp->queued++;
	pthread_cond_signal(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	/* done[] are records in the spool (the worker corrects if not). */
	sp->count -= ndone < sp->count ? ndone : sp->count;
	sp->marks = 0;
	return 0;
}

/* Drops the records collected so far that are in done[], and every marker:
 * what a queued rewrite will leave. */
static void apply_remove(struct load_ctx *c, const uint64_t *done, size_t ndone)
{
	size_t i, k = 0;

	for (i = 0; i < c->n; i++) {
		if (done_has(done, ndone, c->recs[i].seq)) {
			free(c->recs[i].topic);
			free(c->recs[i].key);
			free(c->recs[i].payload);
			continue;
		}
		c->recs[k++] = c->recs[i];
	}
	c->n = k;
	c->nmarks = 0;
}

/* The queue's ops, copied (the worker frees them as it goes). */
static struct xs_spool_op *copy_ops(const struct xs_spool_op *op)
{
	struct xs_spool_op *list = NULL, **at = &list, *d;

	for (; op; op = op->next) {
		d = calloc(1, sizeof(*d));
		if (!d)
			goto fail;
		*at = d;
		at = &d->next;
		d->kind = op->kind;
		d->len = op->len;
		d->ndone = op->ndone;
		d->buf = malloc(op->len + 1);
		d->done = malloc((op->ndone + 1) * sizeof(*op->done));
		if (!d->buf || !d->done)
			goto fail;
		if (op->len)
			memcpy(d->buf, op->buf, op->len);
		if (op->ndone)
			memcpy(d->done, op->done, op->ndone * sizeof(*op->done));
	}
	return list;
fail:
	while (list) {
		d = list->next;
		op_free(list);
		list = d;
	}
	errno = ENOMEM;
	return (struct xs_spool_op *)-1;
}

int xs_spool_load(struct xs_spool *sp, struct xs_spool_rec **recs, size_t *n)
{
	struct load_ctx c = {};
	struct xs_spool_op *ops, *op;
	char *buf = NULL;
	size_t i, j, at, len;
	int err = 0, fd;

	if (!sp->started)
		return -EBADF;
	/* The file as written so far and what is queued, at one instant. */
	pthread_mutex_lock(&sp->mu);
	fd = dup(sp->fd);
	len = sp->valid;
	ops = copy_ops(sp->head);
	pthread_mutex_unlock(&sp->mu);
	if (fd < 0 || ops == (struct xs_spool_op *)-1) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	buf = read_all(fd, len);
	if (!buf)
		err = -errno;
	close(fd);
	if (!err)
		err = scan_buf(buf, len, load_one, load_mark, &c);
	free(buf);
	for (op = ops; op; op = ops) {
		ops = op->next;
		if (!err && op->kind == OP_LINES)
			err = scan_buf(op->buf, op->len, load_one, load_mark, &c);
		else if (!err)
			apply_remove(&c, op->done, op->ndone);
		op_free(op);
	}
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
