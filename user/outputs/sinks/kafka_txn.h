/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The Kafka sink's transaction worker: one thread that makes librdkafka's
 * blocking transactional calls (init_transactions, send_offsets_to_
 * transaction, commit_transaction, abort_transaction, and the read of the
 * committed watermark) so that the daemon's epoll loop never waits on a
 * broker. The loop hands it one job at a time and learns of the end
 * through an eventfd it watches; between jobs the loop owns the producer
 * (produce, poll events). See kafka_txn.c for why a thread.
 */
#ifndef XS_KAFKA_TXN_H
#define XS_KAFKA_TXN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>

enum kt_job {
	KT_NONE,
	KT_INIT,    /* init_transactions, read the watermarks, begin */
	KT_COMMIT,  /* send the watermark with the transaction, commit, begin */
	KT_ABORT,   /* abort, begin */
	KT_RECOVER, /* destroy the producer, make a new one, then KT_INIT */
};

enum kt_result {
	KT_OK,
	KT_ABORTABLE, /* the transaction failed; it will never be committed */
	KT_FATAL,     /* the producer is unusable: KT_RECOVER; outcome unknown */
	KT_STOPPED,   /* kt_stop() interrupted the job; outcome unknown */
};

struct kt_worker {
	/* fixed while the thread runs */
	char group[300];       /* the consumer group that holds the watermark */
	rd_kafka_conf_t *conf; /* a copy for KT_RECOVER (owned) */
	int efd;	       /* eventfd, readable when a job has ended */
	/* the producer: the worker replaces it in KT_RECOVER */
	rd_kafka_t *rk;
	rd_kafka_consumer_group_metadata_t *md; /* KT_COMMIT's, while it runs */
	/* shared, under mu */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started, stop, done;
	bool abandoned; /* kt_stop() gave up waiting for the thread */
	enum kt_job job; /* the job running or ended, KT_NONE when idle */
	/* KT_COMMIT: the watermark to commit with the transaction, as the
	 * offsets of partition 0 of each topic it wrote to. KT_INIT and
	 * KT_RECOVER: the partitions to read it from (offsets filled in;
	 * RD_KAFKA_OFFSET_INVALID for none). Owned by the job while it runs. */
	rd_kafka_topic_partition_list_t *parts;
	enum kt_result result;
	char err[512]; /* why, when result != KT_OK */
};

/* Starts the thread for producer rk (conf: a copy to make another one). */
int kt_start(struct kt_worker *w, rd_kafka_t *rk, rd_kafka_conf_t *conf, const char *group);
/* Hands over a job and parts; the worker must be idle (kt_busy false). */
void kt_submit(struct kt_worker *w, enum kt_job job, rd_kafka_topic_partition_list_t *parts);
/* A job is running or has ended and was not collected yet. */
bool kt_busy(struct kt_worker *w);
/* Collects an ended job: true and its outcome (and parts back, to destroy),
 * or false while it runs. */
bool kt_collect(struct kt_worker *w, enum kt_job *job, enum kt_result *res,
		rd_kafka_topic_partition_list_t **parts, char *err, size_t errlen);
/* Interrupts the running job (within a few hundred ms) and ends the
 * thread; kt_collect still tells how the last job ended. False if the
 * thread did not end within wait_s seconds: it is left running with its
 * producer and this struct, which must then never be freed (kt_free
 * leaves it alone). */
bool kt_stop(struct kt_worker *w, double wait_s);
void kt_free(struct kt_worker *w);

#endif
