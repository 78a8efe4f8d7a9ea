// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "kafka_destroy.h"
#include "log.h"

struct destroy {
	rd_kafka_t *rk;
	int flags;
};

/* Destroys not waited for: kept reachable for leak checkers for as long as
 * the process lives (the last LEFT_MAX of them; a process seldom abandons
 * more than its sinks and consumer). */
#define LEFT_MAX 16
static struct destroy *left[LEFT_MAX];
static unsigned int nleft;
static pthread_mutex_t left_lock = PTHREAD_MUTEX_INITIALIZER;

static void *destroy_main(void *arg)
{
	struct destroy *d = arg;

	rd_kafka_destroy_flags(d->rk, d->flags);
	return NULL;
}

bool xs_kafka_destroy_within(rd_kafka_t *rk, int flags, double wait_s, const char *what)
{
	struct destroy *d = malloc(sizeof(*d));
	struct timespec until;
	sigset_t all, old;
	pthread_t th;
	double end;
	int err;

	if (!d) {
		rd_kafka_destroy_flags(rk, flags);
		return true;
	}
	d->rk = rk;
	d->flags = flags;
	sigfillset(&all);	/* signals are the loop's (signalfd) */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&th, NULL, destroy_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		free(d);
		rd_kafka_destroy_flags(rk, flags);
		return true;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	end = until.tv_sec + until.tv_nsec / 1e9 + wait_s;
	until.tv_sec = (time_t)end;
	until.tv_nsec = (long)((end - (double)until.tv_sec) * 1e9);
	if (!pthread_timedjoin_np(th, NULL, &until)) {
		free(d);
		return true;
	}
	pthread_mutex_lock(&left_lock);
	left[nleft++ % LEFT_MAX] = d;
	pthread_mutex_unlock(&left_lock);
	pthread_detach(th);
	xs_warn("%s: the Kafka client did not shut down within %.1f s (brokers away?); not "
		"waiting for it",
		what, wait_s);
	return false;
}
