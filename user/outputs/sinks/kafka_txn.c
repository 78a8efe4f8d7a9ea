// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Why a thread: librdkafka's transactional calls block until the
 * coordinator answers (a broker away means seconds to hours). Calling them
 * with a 0 timeout from the loop is not safe in librdkafka 2.0:
 * commit_transaction() and abort_transaction() run in phases, and a
 * timeout in the first one is "not resumable yet" (rdkafka_txnmgr.c) — the
 * call is forgotten while its operation still completes in the background,
 * and its result is then handed to whichever call comes next. So one
 * worker makes each call to its end, in slices of KT_SLICE_MS (the
 * resumable calls pick up where they were), checking for kt_stop between
 * slices. The loop never calls a transactional API itself.
 *
 * Delivery reports and errors are events on librdkafka's main queue, read
 * by the loop only (kafka.c). That matters: commit_transaction() flushes,
 * and a flush in callback mode would run the sink's callbacks on this
 * thread; in event mode it only waits for the loop to take the reports.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "kafka_destroy.h"
#include "kafka_txn.h"

#define KT_SLICE_MS 200
/* send_offsets_to_transaction() is not resumable: give it time for two
 * round trips to a distant coordinator before trying again. */
#define KT_OFFSETS_MS 3000
/* How long a recovery waits for the failed producer to be destroyed. */
#define KT_DESTROY_S 1.0

static bool stopping(struct kt_worker *w)
{
	bool s;

	pthread_mutex_lock(&w->mu);
	s = w->stop;
	pthread_mutex_unlock(&w->mu);
	return s;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A call that failed at once must not spin. */
static void pause_after(double started)
{
	double left = 50 - (now_ms() - started);

	if (left > 0)
		usleep((useconds_t)(left * 1000));
}

/* What an error of a transactional call means: -1 call again, else a result
 * (err says why). */
static int classify(rd_kafka_error_t *e, const char *what, char *err, size_t errlen)
{
	int r;

	if (rd_kafka_error_is_fatal(e))
		r = KT_FATAL;
	else if (rd_kafka_error_txn_requires_abort(e))
		r = KT_ABORTABLE;
	else if (rd_kafka_error_is_retriable(e))
		r = -1;
	else
		r = KT_FATAL; /* a state error: only a new producer gets out of it */
	if (r >= 0)
		snprintf(err, errlen, "%s: %s", what, rd_kafka_error_string(e));
	rd_kafka_error_destroy(e);
	return r;
}

/* Runs call(rk, KT_SLICE_MS) until it ends, is not retriable, or we stop. */
#define RETRY(w, what, call, err, errlen)                                                          \
	({                                                                                         \
		int _r = KT_OK;                                                                    \
		for (;;) {                                                                         \
			double _t = now_ms();                                                      \
			rd_kafka_error_t *_e = (call);                                             \
			if (!_e)                                                                   \
				break;                                                             \
			_r = classify(_e, what, err, errlen);                                      \
			if (_r >= 0)                                                               \
				break;                                                             \
			_r = KT_OK;                                                                \
			if (stopping(w)) {                                                         \
				snprintf(err, errlen, "%s: interrupted", what);                    \
				_r = KT_STOPPED;                                                   \
				break;                                                             \
			}                                                                          \
			pause_after(_t);                                                           \
		}                                                                                  \
		_r;                                                                                \
	})

/*
 * Reads the watermarks: the committed offsets of the group in parts. With
 * isolation.level=read_committed the broker answers only once no
 * transaction that commits offsets for the group is still being completed,
 * so they are those of the last transaction that really committed.
 *
 * A consumer handle asks, not the producer's admin API: in librdkafka 2.0
 * an OffsetFetch answered "not coordinator" (a coordinator moving, or
 * still loading on a fresh cluster) makes the admin path re-query the
 * coordinator through the handle's consumer group, which a producer does
 * not have: a NULL dereference on librdkafka's thread (rdkafka_request.c,
 * rd_kafka_handle_OffsetFetch). A consumer has one.
 */
static int read_watermarks(struct kt_worker *w, rd_kafka_topic_partition_list_t *parts, char *err,
			   size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_dup(w->conf);
	rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
	rd_kafka_t *rkc;
	char why[512];
	int i, r = KT_OK;

	if (rd_kafka_conf_set(conf, "group.id", w->group, why, sizeof(why)) ||
	    rd_kafka_conf_set(conf, "isolation.level", "read_committed", why, sizeof(why)) ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "false", why, sizeof(why))) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "reading the watermark: %s", why);
		return KT_FATAL;
	}
	/* Its producer-only properties are ignored (with a log line nobody
	 * reads: this handle's queue is never polled). */
	rkc = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
	if (!rkc) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "reading the watermark: %s", why);
		return KT_FATAL;
	}
	for (;;) {
		double t = now_ms();
		bool again = false;

		e = rd_kafka_committed(rkc, parts, 1000);
		for (i = 0; !e && i < parts->cnt; i++)
			if (parts->elems[i].err)
				e = parts->elems[i].err;
		switch (e) {
		case RD_KAFKA_RESP_ERR_NO_ERROR:
			break;
		case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
		case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
		case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
			snprintf(err, errlen,
				 "reading the watermark (offsets of group %s): %s (the sensor's "
				 "principal needs READ on the group and its topics)",
				 w->group, rd_kafka_err2str(e));
			r = KT_FATAL;
			break;
		default:
			again = true; /* coordinator moving or loading, timeouts */
			break;
		}
		if (!again)
			break;
		if (stopping(w)) {
			snprintf(err, errlen, "reading the watermark: interrupted (%s)",
				 rd_kafka_err2str(e));
			r = KT_STOPPED;
			break;
		}
		pause_after(t);
	}
	rd_kafka_destroy_flags(rkc, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
	return r;
}

static int do_init(struct kt_worker *w, rd_kafka_topic_partition_list_t *parts, char *err,
		   size_t errlen)
{
	int r = RETRY(w, "init_transactions", rd_kafka_init_transactions(w->rk, KT_SLICE_MS), err,
		      errlen);

	/* After init_transactions(): what a predecessor left open is now
	 * committed or aborted for good, so the watermark is final. */
	if (r == KT_OK && parts && parts->cnt)
		r = read_watermarks(w, parts, err, errlen);
	if (r == KT_OK)
		r = RETRY(w, "begin_transaction", rd_kafka_begin_transaction(w->rk), err, errlen);
	/* Nothing to abort before the first transaction began. */
	return r == KT_ABORTABLE ? KT_FATAL : r;
}

static int do_commit(struct kt_worker *w, rd_kafka_topic_partition_list_t *offs, char *err,
		     size_t errlen)
{
	int r;

	/* In w, not on this stack: a call kt_stop() gave up on still holds it
	 * at exit, where leak checkers look for it. */
	w->md = rd_kafka_consumer_group_metadata_new(w->group);
	r = RETRY(w, "send_offsets_to_transaction",
		  rd_kafka_send_offsets_to_transaction(w->rk, offs, w->md, KT_OFFSETS_MS), err,
		  errlen);
	rd_kafka_consumer_group_metadata_destroy(w->md);
	w->md = NULL;
	if (r == KT_OK)
		r = RETRY(w, "commit_transaction", rd_kafka_commit_transaction(w->rk, KT_SLICE_MS),
			  err, errlen);
	if (r == KT_OK) {
		/* Committed: a failure to begin the next one is not this
		 * transaction's, so it cannot be "abortable" for the caller;
		 * as "fatal" it is in doubt, and the watermark will say. */
		char e2[sizeof(w->err)] = "";

		if (RETRY(w, "begin_transaction", rd_kafka_begin_transaction(w->rk), e2,
			  sizeof(e2)) != KT_OK) {
			snprintf(err, errlen, "committed, then %s", e2);
			r = KT_FATAL;
		}
	}
	return r;
}

static int do_abort(struct kt_worker *w, char *err, size_t errlen)
{
	int r = RETRY(w, "abort_transaction", rd_kafka_abort_transaction(w->rk, KT_SLICE_MS), err,
		      errlen);

	if (r == KT_OK)
		r = RETRY(w, "begin_transaction", rd_kafka_begin_transaction(w->rk), err, errlen);
	return r == KT_ABORTABLE ? KT_FATAL : r;
}

static int do_recover(struct kt_worker *w, rd_kafka_topic_partition_list_t *parts, char *err,
		      size_t errlen)
{
	rd_kafka_conf_t *conf;
	char why[512];

	/* The loop gave up its queue reference before handing this over. Its
	 * destroy is not waited for past KT_DESTROY_S: a recovery after an
	 * abort the broker refused (INVALID_TXN_STATE) once never came back in
	 * 120 s, and this was the unbounded call. The new producer's
	 * init_transactions() fences the old one anyway. */
	if (w->rk)
		xs_kafka_destroy_within(w->rk, 0, KT_DESTROY_S, "output kafka (the failed producer)");
	w->rk = NULL;
	conf = rd_kafka_conf_dup(w->conf);
	w->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
	if (!w->rk) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "cannot create a new producer: %s", why);
		return KT_FATAL;
	}
	rd_kafka_set_log_queue(w->rk, NULL);
	return do_init(w, parts, err, errlen);
}

static void *worker_main(void *arg)
{
	struct kt_worker *w = arg;
	char err[sizeof(w->err)];
	rd_kafka_topic_partition_list_t *parts;
	enum kt_job job;
	uint64_t one = 1;
	int r;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && (w->job == KT_NONE || w->done))
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		job = w->job;
		parts = w->parts;
		pthread_mutex_unlock(&w->mu);

		err[0] = '\0';
		switch (job) {
		case KT_INIT:
			r = do_init(w, parts, err, sizeof(err));
			break;
		case KT_COMMIT:
			r = do_commit(w, parts, err, sizeof(err));
			break;
		case KT_ABORT:
			r = do_abort(w, err, sizeof(err));
			break;
		case KT_RECOVER:
			r = do_recover(w, parts, err, sizeof(err));
			break;
		default:
			r = KT_FATAL;
			break;
		}

		pthread_mutex_lock(&w->mu);
		w->result = r;
		memcpy(w->err, err, sizeof(err));
		w->done = true;
		if (write(w->efd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow here; nothing to do */
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int kt_start(struct kt_worker *w, rd_kafka_t *rk, rd_kafka_conf_t *conf, const char *group)
{
	sigset_t all, old;
	int err;

	w->rk = rk;
	w->conf = conf;
	snprintf(w->group, sizeof(w->group), "%s", group);
	w->job = KT_NONE;
	w->stop = w->done = false;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0)
		return -errno;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* Signals are the loop's (signalfd): the thread blocks them all, or a
	 * SIGTERM meant for the loop could end the process on this thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->th, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		close(w->efd);
		w->efd = -1;
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return -err;
	}
	w->started = true;
	return 0;
}

void kt_submit(struct kt_worker *w, enum kt_job job, rd_kafka_topic_partition_list_t *parts)
{
	pthread_mutex_lock(&w->mu);
	w->job = job;
	w->done = false;
	w->parts = parts;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

bool kt_busy(struct kt_worker *w)
{
	bool b;

	if (!w->started)
		return false;
	pthread_mutex_lock(&w->mu);
	b = w->job != KT_NONE;
	pthread_mutex_unlock(&w->mu);
	return b;
}

bool kt_collect(struct kt_worker *w, enum kt_job *job, enum kt_result *res,
		rd_kafka_topic_partition_list_t **parts, char *err, size_t errlen)
{
	uint64_t n;
	bool done;

	if (!w->started)
		return false;
	while (read(w->efd, &n, sizeof(n)) > 0)
		;
	pthread_mutex_lock(&w->mu);
	done = w->job != KT_NONE && w->done;
	if (done) {
		*job = w->job;
		*res = w->result;
		*parts = w->parts;
		w->parts = NULL;
		snprintf(err, errlen, "%s", w->err);
		w->job = KT_NONE;
		w->done = false;
	}
	pthread_mutex_unlock(&w->mu);
	return done;
}

bool kt_stop(struct kt_worker *w, double wait_s)
{
	struct timespec until;
	double end;

	if (!w->started)
		return true;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	clock_gettime(CLOCK_REALTIME, &until);
	end = until.tv_sec + until.tv_nsec / 1e9 + wait_s;
	until.tv_sec = (time_t)end;
	until.tv_nsec = (long)((end - (double)until.tv_sec) * 1e9);
	/* Some calls overstay their timeout (send_offsets_to_transaction()
	 * waits on a request to a coordinator that no longer answers): the
	 * caller is told rather than held. */
	if (pthread_timedjoin_np(w->th, NULL, &until)) {
		w->abandoned = true;
		return false;
	}
	return true;
}

void kt_free(struct kt_worker *w)
{
	if (!w->started || w->abandoned)
		return;
	/* A job handed over as the thread was told to stop never ran. */
	if (w->parts)
		rd_kafka_topic_partition_list_destroy(w->parts);
	w->parts = NULL;
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	close(w->efd);
	w->efd = -1;
	w->started = false;
}
