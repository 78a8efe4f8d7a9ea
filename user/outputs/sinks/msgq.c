// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include "msgq.h"

int xs_msgq_init(struct xs_msgq *q, size_t cap)
{
	q->m = calloc(cap ? cap : 1, sizeof(*q->m));
	q->cap = cap;
	q->head = q->n = 0;
	return q->m ? 0 : -ENOMEM;
}

void xs_msgq_free(struct xs_msgq *q)
{
	while (q->n)
		xs_msgq_pop(q);
	free(q->m);
	q->m = NULL;
	q->cap = 0;
}

int xs_msgq_push(struct xs_msgq *q, char *buf, size_t len)
{
	struct xs_msg *m;

	if (q->n >= q->cap)
		return -1;
	m = &q->m[(q->head + q->n) % q->cap];
	m->buf = buf;
	m->len = len;
	m->end = 0;
	q->n++;
	return 0;
}

struct xs_msg *xs_msgq_at(struct xs_msgq *q, size_t i)
{
	return i < q->n ? &q->m[(q->head + i) % q->cap] : NULL;
}

void xs_msgq_pop(struct xs_msgq *q)
{
	if (!q->n)
		return;
	free(q->m[q->head].buf);
	q->m[q->head].buf = NULL;
	q->head = (q->head + 1) % q->cap;
	q->n--;
}
