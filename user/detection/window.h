/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Sliding windows over ticks. A window of N ticks at tick `now` covers
 * ticks now-N+1 .. now. Counts live in rings of slots; a slot holds `gran`
 * ticks (1 unless a window is longer than the ring, then windows slide
 * in steps of gran ticks). A ring remembers the id of its newest slot and
 * zeroes the slots it skips when it moves on, so an idle key costs nothing
 * until it is touched again. Also: HyperLogLog merges over a window,
 * EWMA mean/variance, and a small Space-Saving top-k.
 */
#ifndef XS_WINDOW_H
#define XS_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xs_abi.h"

#define XS_WIN_SLOTS_MAX 64

struct xs_wgeom {
	uint32_t gran;		/* ticks per slot */
	uint32_t nslots;	/* slots per ring */
};

/* A geometry for windows of at most max_ticks ticks in at most max_slots
 * slots (max_slots >= 2). */
void xs_wgeom_init(struct xs_wgeom *g, uint32_t max_ticks, uint32_t max_slots);

static inline uint32_t xs_wslot_id(const struct xs_wgeom *g, uint32_t tick)
{
	return tick / g->gran;
}

/* The id of the oldest slot of an n-tick window ending at now. */
static inline uint32_t xs_wfirst_id(const struct xs_wgeom *g, uint32_t now, uint32_t n)
{
	return (now + 1 >= n ? now + 1 - n : 0) / g->gran;
}

/* Moves a ring (nslots slots of size bytes) whose newest slot is *head
 * forward to slot id, zeroing every slot in between. A fresh ring has
 * *head == UINT32_MAX. */
void xs_ring_advance(void *slots, size_t size, const struct xs_wgeom *g, uint32_t *head,
		     uint32_t id);

/* The slot for id, or NULL if the ring no longer (or not yet) holds it. */
static inline void *xs_ring_slot(void *slots, size_t size, const struct xs_wgeom *g,
				 uint32_t head, uint32_t id)
{
	if (head == UINT32_MAX || id > head || head - id >= g->nslots)
		return NULL;
	return (char *)slots + (size_t)(id % g->nslots) * size;
}

static inline void xs_hll_merge(uint8_t *acc, const uint8_t *r)
{
	int i;

	for (i = 0; i < XS_HLL_REGS; i++)
		if (r[i] > acc[i])
			acc[i] = r[i];
}

/* Exponentially weighted mean and variance (West's incremental form). */
struct xs_ewma {
	float mean;
	float var;
};

static inline void xs_ewma_add(struct xs_ewma *e, double x, double alpha)
{
	double d = x - e->mean, inc = alpha * d;

	e->mean = (float)(e->mean + inc);
	e->var = (float)((1 - alpha) * (e->var + d * inc));
}

/* Space-Saving heavy hitters, 4 counters: any source with more than a
 * quarter of the additions is in it. n - err is a guaranteed lower bound
 * of a counter's true count (a newcomer inherits the evicted count as its
 * possible error). */
#define XS_TOPK 4
struct xs_topk {
	struct xs_addr a[XS_TOPK];
	uint32_t n[XS_TOPK];
	uint32_t err[XS_TOPK];
};

void xs_topk_add(struct xs_topk *t, const struct xs_addr *a);
/* Indexes of the non-empty counters, largest lower bound first; returns
 * how many. */
int xs_topk_sorted(const struct xs_topk *t, int idx[XS_TOPK]);

#endif
