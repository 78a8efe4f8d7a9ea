// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "siphash.h"

#define TAG_USED XS_HTAB_TAG_USED
#define MAX_SLOTS (1u << 30)

uint64_t xs_hash(const void *key, uint32_t len)
{
	return xs_siphash13(xs_hash_key(), key, len);
}

int xs_htab_init(struct xs_htab *t, uint32_t ksize, uint32_t vsize, size_t limit)
{
	size_t want = limit + limit / 3 + 1, n = 16;

	memset(t, 0, sizeof(*t));
	if (ksize % 4 || !limit)
		return -EINVAL;
	while (n < want && n < MAX_SLOTS)
		n <<= 1;
	if (limit >= n)
		limit = n - n / 4;
	t->ksize = ksize;
	t->vsize = vsize;
	t->voff = (ksize + 7) & ~7u;
	t->stride = (t->voff + vsize + 7) & ~7u;
	t->mask = n - 1;
	t->limit = limit;
	t->tag = calloc(n, sizeof(*t->tag));
	t->ent = calloc(n, t->stride);
	if (!t->tag || !t->ent) {
		xs_htab_free(t);
		return -ENOMEM;
	}
	return 0;
}

void xs_htab_free(struct xs_htab *t)
{
	free(t->tag);
	free(t->ent);
	memset(t, 0, sizeof(*t));
}

void xs_htab_clear(struct xs_htab *t)
{
	memset(t->tag, 0, ((size_t)t->mask + 1) * sizeof(*t->tag));
	t->count = 0;
}

/* Keys are multiples of 4 bytes: compare them in words, inline (a libc
 * memcmp call per probe costs more than the compare). */
static inline bool key_eq(const uint8_t *a, const uint8_t *b, uint32_t len)
{
	uint64_t x, y;
	uint32_t u, v;

	while (len >= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
		a += 8;
		b += 8;
		len -= 8;
	}
	if (len) {
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	}
	return true;
}

static inline uint8_t *slot_ent(const struct xs_htab *t, uint32_t i)
{
	return t->ent + (size_t)i * t->stride;
}

void *xs_htab_find(const struct xs_htab *t, const void *key, uint64_t h)
{
	uint32_t tag = ((uint32_t)h) | TAG_USED, i = (uint32_t)h & t->mask, n;

	/* No entry lives further than XS_HTAB_PROBE_MAX from its home. */
	for (n = 0; n < XS_HTAB_PROBE_MAX; n++, i = (i + 1) & t->mask) {
		uint32_t g = t->tag[i];

		if (!g)
			return NULL;
		if (g == tag && key_eq(slot_ent(t, i), key, t->ksize))
			return slot_ent(t, i);
	}
	return NULL;
}

void *xs_htab_insert(struct xs_htab *t, const void *key, uint64_t h, bool *created)
{
	uint32_t tag = ((uint32_t)h) | TAG_USED, i = (uint32_t)h & t->mask, n;
	uint8_t *e;

	*created = false;
	for (n = 0;; n++, i = (i + 1) & t->mask) {
		uint32_t g = t->tag[i];

		if (n == XS_HTAB_PROBE_MAX) {
			/* A cluster this long: keys aimed at one bucket, or a
			 * table far too full. Refused, never walked further. */
			t->overflow++;
			t->probe_refused++;
			return NULL;
		}
		if (!g)
			break;
		if (g == tag && key_eq(slot_ent(t, i), key, t->ksize))
			return slot_ent(t, i);
	}
	if (t->count >= t->limit) {
		t->overflow++;
		return NULL;
	}
	if (n > t->longest)
		t->longest = n;
	t->tag[i] = tag;
	e = slot_ent(t, i);
	memcpy(e, key, t->ksize);
	memset(e + t->ksize, 0, t->stride - t->ksize);
	t->count++;
	*created = true;
	return e;
}

/* Backward-shift deletion: later entries of the cluster that may live in
 * the hole move into it, so no probe sequence is ever broken. */
static void delete_at(struct xs_htab *t, uint32_t i)
{
	uint32_t j = i;

	for (;;) {
		uint32_t home;

		j = (j + 1) & t->mask;
		if (!t->tag[j])
			break;
		home = t->tag[j] & t->mask;
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->tag[i] = t->tag[j];
			memcpy(slot_ent(t, i), slot_ent(t, j), t->stride);
			i = j;
		}
	}
	t->tag[i] = 0;
	t->count--;
}

int xs_htab_delete(struct xs_htab *t, const void *key, uint64_t h)
{
	uint8_t *e = xs_htab_find(t, key, h);

	if (!e)
		return -ENOENT;
	delete_at(t, (uint32_t)((e - t->ent) / t->stride));
	return 0;
}

static void *advance(struct xs_htab *t, struct xs_htab_iter *it)
{
	if (it->deleted) {
		it->deleted = false;
		if (t->tag[it->cur])
			return slot_ent(t, it->cur);
	}
	while (it->k < t->mask) {
		uint32_t cur = (it->start + it->k + 1) & t->mask;
		uint64_t two;

		/* Sparse tables: skip empty slots two at a time. */
		if (!(cur & 1) && it->k + 2 <= t->mask) {
			memcpy(&two, &t->tag[cur], sizeof(two));
			if (!two) {
				it->k += 2;
				continue;
			}
		}
		it->k++;
		it->cur = cur;
		if (t->tag[cur])
			return slot_ent(t, cur);
	}
	return NULL;
}

void *xs_htab_first(struct xs_htab *t, struct xs_htab_iter *it)
{
	uint32_t i = 0;

	memset(it, 0, sizeof(*it));
	if (!t->count)
		return NULL;
	while (t->tag[i])
		i++;	/* there is always an empty slot: count <= 3/4 of slots */
	it->start = i;
	it->cur = i;
	return advance(t, it);
}

void *xs_htab_next(struct xs_htab *t, struct xs_htab_iter *it)
{
	return advance(t, it);
}

void xs_htab_iter_delete(struct xs_htab *t, struct xs_htab_iter *it)
{
	delete_at(t, it->cur);
	it->deleted = true;
}
