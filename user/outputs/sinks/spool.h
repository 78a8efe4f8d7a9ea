/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A spool file for messages a broker did not take in time: one record per
 * line, "SEQ<TAB>TOPIC<TAB>KEY<TAB>PAYLOAD", appended as failures happen,
 * read back sorted by SEQ (production order), and rewritten without the
 * records that were re-sent (write to a temporary file, fsync, rename, so
 * a crash leaves either the old or the new spool, never half of one).
 * Payloads are single-line JSON; the key and topic never hold a tab.
 *
 * A marker line "#txn TXSEQ FIRST COUNT OWNER" says that the COUNT records
 * from SEQ FIRST on (in SEQ order) went out in a Kafka transaction whose
 * outcome is not known yet, numbered TXSEQ, TXSEQ+1, ... in it by the
 * producer OWNER (hex; kafka.c commits the number after its last message
 * with the transaction, signed by the owner, and compares).
 * TXSEQ 0 cancels: those records are not in doubt any more. A later marker
 * over the same records wins; a rewrite drops every marker.
 *
 * The file is the spool's worker thread's alone: appends, markers, syncs and
 * rewrites are queued to it in order and return at once, so a slow disk
 * never holds the daemon's loop (a rewrite fdatasyncs and renames). What the
 * caller sees (xs_spool_load, the counters) is the file as the queue will
 * leave it: the part of the file written so far, then the queued work
 * applied in memory. A write that fails is undone (cut off) and counted:
 * xs_spool_poll says how many records were lost.
 */
#ifndef XS_SPOOL_H
#define XS_SPOOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xs_spool_rec {
	uint64_t seq;
	uint64_t txseq;		/* from a marker; 0 = not in a transaction in doubt */
	uint64_t txowner;	/* the marker's owner: who numbered it */
	char *topic;
	char *key;		/* "" for none */
	char *payload;
	size_t len;
};

struct xs_spool_op;

struct xs_spool {
	char path[512];
	int fd;			/* the worker's (the loop reads a dup of it) */
	uint64_t count;		/* records, once the queue is done */
	uint64_t bytes;
	uint64_t max_bytes;
	uint64_t max_seq;	/* highest SEQ seen */
	uint64_t marks;		/* marker lines, once the queue is done */
	int dirty;		/* appended since the last sync */
	/* shared with the worker, under mu */
	pthread_t thr;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool started, stop;
	struct xs_spool_op *head, *tail; /* queued, oldest first; head may be running */
	uint64_t valid;		/* bytes of fd complete */
	uint64_t queued, done;	/* ops queued, ops done */
	uint64_t sync_want, synced; /* fdatasync once the ops up to sync_want are done */
	int64_t adj_count, adj_bytes, adj_marks; /* the worker's corrections */
	uint64_t lost;		/* records a failed write lost */
	int err;		/* the last failure */
};

/* Opens (creating) the spool, counts what an earlier run left and starts
 * the worker. */
int xs_spool_open(struct xs_spool *sp, const char *path, uint64_t max_bytes);
/* Waits for the queued work (the disk's pace), stops the worker; what it
 * lost is still for xs_spool_poll. */
void xs_spool_close(struct xs_spool *sp);
/* Appends one record (xs_spool_sync makes it durable); -ENOSPC over
 * max_bytes. */
int xs_spool_append(struct xs_spool *sp, uint64_t seq, const char *topic, const char *key,
		    const void *payload, size_t len);
void xs_spool_sync(struct xs_spool *sp);
/* Applies what the worker learnt to the counters; returns the records lost
 * by failed writes since the last call, *err the last error (0: none; a
 * failed rewrite loses nothing: the old file stays). */
uint64_t xs_spool_poll(struct xs_spool *sp, int *err);
/* Appends a marker: records first.. (count of them, in seq order) are in a
 * transaction in doubt as txseq, txseq+1, ..., or (txseq 0) no longer in
 * doubt. Durable after xs_spool_sync. */
int xs_spool_mark(struct xs_spool *sp, uint64_t first, uint64_t count, uint64_t txseq,
		  uint64_t owner);
/* Every record, sorted by seq, with txseq from the markers (*recs malloc'ed;
 * free with xs_spool_free_recs). */
int xs_spool_load(struct xs_spool *sp, struct xs_spool_rec **recs, size_t *n);
void xs_spool_free_recs(struct xs_spool_rec *recs, size_t n);
/* Rewrites the spool without the records whose seq is in done[] (sorted,
 * each in the spool) and without markers (queued: the worker does it). */
int xs_spool_remove(struct xs_spool *sp, const uint64_t *done, size_t ndone);

#endif
