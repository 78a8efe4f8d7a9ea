// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <string.h>

#include "window.h"

void xs_wgeom_init(struct xs_wgeom *g, uint32_t max_ticks, uint32_t max_slots)
{
	if (max_ticks < 1)
		max_ticks = 1;
	if (max_slots < 2)
		max_slots = 2;
	/* A window of N ticks touches at most ceil(N / gran) + 1 slots. */
	g->gran = 1;
	while ((max_ticks + g->gran - 1) / g->gran + 1 > max_slots)
		g->gran++;
	g->nslots = (max_ticks + g->gran - 1) / g->gran + 1;
}

void xs_ring_advance(void *slots, size_t size, const struct xs_wgeom *g, uint32_t *head,
		     uint32_t id)
{
	uint32_t h = *head, n;

	if (h != UINT32_MAX && id <= h)
		return;
	if (h == UINT32_MAX || id - h >= g->nslots) {
		memset(slots, 0, size * g->nslots);
	} else {
		for (n = h + 1; n <= id; n++)
			memset((char *)slots + (size_t)(n % g->nslots) * size, 0, size);
	}
	*head = id;
}

void xs_topk_add(struct xs_topk *t, const struct xs_addr *a)
{
	int i, min = 0;

	for (i = 0; i < XS_TOPK; i++)
		if (t->n[i] && !memcmp(&t->a[i], a, sizeof(*a))) {
			t->n[i]++;
			return;
		}
	for (i = 0; i < XS_TOPK; i++) {
		if (!t->n[i]) {
			t->a[i] = *a;
			t->n[i] = 1;
			t->err[i] = 0;
			return;
		}
		if (t->n[i] < t->n[min])
			min = i;
	}
	/* Space-Saving: the newcomer inherits the smallest count, plus one. */
	t->a[min] = *a;
	t->err[min] = t->n[min];
	t->n[min]++;
}

int xs_topk_sorted(const struct xs_topk *t, int idx[XS_TOPK])
{
	int i, j, n = 0;

	for (i = 0; i < XS_TOPK; i++) {
		if (!t->n[i])
			continue;
		for (j = n; j > 0 && t->n[idx[j - 1]] - t->err[idx[j - 1]] < t->n[i] - t->err[i];
		     j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
		n++;
	}
	return n;
}
