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
 */
#ifndef XS_SPOOL_H
#define XS_SPOOL_H

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

struct xs_spool {
	char path[512];
	int fd;
	uint64_t count;		/* records in the file */
	uint64_t bytes;
	uint64_t max_bytes;
	uint64_t max_seq;	/* highest SEQ seen */
	uint64_t marks;		/* marker lines in the file */
	int dirty;		/* appended since the last sync */
};

/* Opens (creating) the spool and counts what an earlier run left. */
int xs_spool_open(struct xs_spool *sp, const char *path, uint64_t max_bytes);
void xs_spool_close(struct xs_spool *sp);
/* Appends one record (xs_spool_sync makes it durable); -ENOSPC over
 * max_bytes. */
int xs_spool_append(struct xs_spool *sp, uint64_t seq, const char *topic, const char *key,
		    const void *payload, size_t len);
void xs_spool_sync(struct xs_spool *sp);
/* Appends a marker: records first.. (count of them, in seq order) are in a
 * transaction in doubt as txseq, txseq+1, ..., or (txseq 0) no longer in
 * doubt. Durable after xs_spool_sync. */
int xs_spool_mark(struct xs_spool *sp, uint64_t first, uint64_t count, uint64_t txseq,
		  uint64_t owner);
/* Every record, sorted by seq, with txseq from the markers (*recs malloc'ed;
 * free with xs_spool_free_recs). */
int xs_spool_load(struct xs_spool *sp, struct xs_spool_rec **recs, size_t *n);
void xs_spool_free_recs(struct xs_spool_rec *recs, size_t n);
/* Rewrites the spool without the records whose seq is in done[] (sorted)
 * and without markers. */
int xs_spool_remove(struct xs_spool *sp, const uint64_t *done, size_t ndone);

#endif
