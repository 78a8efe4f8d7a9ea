/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A bounded FIFO of owned byte strings (syslog frames waiting for, or
 * written to and not yet acknowledged by, the collector). */
#ifndef XS_MSGQ_H
#define XS_MSGQ_H

#include <stddef.h>
#include <stdint.h>

struct xs_msg {
	char *buf;
	size_t len;
	uint64_t end;		/* stream offset after this frame, once written */
};

struct xs_msgq {
	struct xs_msg *m;
	size_t cap, head, n;
};

int xs_msgq_init(struct xs_msgq *q, size_t cap);
void xs_msgq_free(struct xs_msgq *q);
/* Takes ownership of buf. Returns -1 (buf not taken) when full. */
int xs_msgq_push(struct xs_msgq *q, char *buf, size_t len);
/* The i-th message from the front (0 = oldest), or NULL. */
struct xs_msg *xs_msgq_at(struct xs_msgq *q, size_t i);
/* Drops (frees) the oldest message. */
void xs_msgq_pop(struct xs_msgq *q);

#endif
