/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Open-addressing hash table with fixed-size keys and values (values
 * 8-byte aligned), for the
 * engine's per-event state: linear probing over a compact array of 32-bit
 * tags (cache-friendly misses), backward-shift deletion (no tombstones, so
 * probes stay short however long it runs), one allocation at init and a
 * hard limit on live entries: an insert past the limit is refused and
 * counted, never grows the table. Keys are hashed with the process's
 * SipHash key (siphash.h), and no entry lives more than XS_HTAB_PROBE_MAX
 * slots from its home: an insert that would go further is refused and
 * counted like one past the limit, so no lookup ever walks further,
 * whatever the keys. Not thread-safe.
 */
#ifndef XS_HTAB_H
#define XS_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_HTAB_TAG_USED (1u << 31)
/* Longest probe sequence: beyond what random keys need at the 3/4 load
 * the limit allows (182 for 786,431 keys: tests/unit/test_htab.c), and
 * 512 4-byte tags = 32 cache lines at most per lookup. */
#define XS_HTAB_PROBE_MAX 512

struct xs_htab {
	uint32_t *tag;		/* per slot: 0 = empty, else low hash bits | TAG_USED */
	uint8_t *ent;		/* per slot: key then value, stride bytes */
	uint32_t mask;		/* slots - 1 */
	uint32_t ksize, vsize, stride;
	uint32_t voff;		/* value offset: the key rounded up to 8 bytes */
	size_t count;		/* live entries */
	size_t limit;		/* most live entries allowed */
	uint64_t overflow;	/* inserts refused at the limit or the probe bound */
	uint64_t probe_refused;	/* of which for the probe bound */
	uint32_t longest;	/* longest probe sequence an insert took */
};

/* ksize must be a multiple of 4. limit: most live entries (the table has
 * at least limit / 0.75 slots). Returns 0 or -ENOMEM. */
int xs_htab_init(struct xs_htab *t, uint32_t ksize, uint32_t vsize, size_t limit);
void xs_htab_free(struct xs_htab *t);
void xs_htab_clear(struct xs_htab *t);

/* SipHash-1-3 under the process key (siphash.h); any length. */
uint64_t xs_hash(const void *key, uint32_t len);

static inline void *xs_htab_val(const struct xs_htab *t, void *entry)
{
	return (uint8_t *)entry + t->voff;
}

/* The entry (key, then value) for key, or NULL. h = xs_hash(key). */
void *xs_htab_find(const struct xs_htab *t, const void *key, uint64_t h);
/* Finds or inserts (value zeroed, *created = true). NULL when the table is
 * at its limit (overflow counted). */
void *xs_htab_insert(struct xs_htab *t, const void *key, uint64_t h, bool *created);
/* The entry in slot i (any i: taken modulo the size), or NULL if empty:
 * for sampling a full table. */
static inline void *xs_htab_slot(const struct xs_htab *t, uint32_t i)
{
	i &= t->mask;
	return t->tag[i] ? t->ent + (size_t)i * t->stride : NULL;
}

/* Deletes the entry for key; returns 0 or -ENOENT. */
int xs_htab_delete(struct xs_htab *t, const void *key, uint64_t h);

/* Prefetches what a lookup of h will touch (for batched lookups): its home
 * slot's tag and entry. */
static inline void xs_htab_prefetch(const struct xs_htab *t, uint64_t h)
{
	uint32_t i = (uint32_t)h & t->mask;

	__builtin_prefetch(&t->tag[i]);
	__builtin_prefetch(t->ent + (size_t)i * t->stride);
}

/*
 * Two-stage prefetch, for tables too big for the cache: stage 1 fetches
 * only the tags; stage 2, once they have arrived, walks them to the slot
 * the lookup will end on (its key, or the empty slot an insert takes) and
 * fetches that entry's key and the first 16 bytes of its value, which may
 * lie on the next cache line. Stage 1's home-slot guess misses whenever
 * the key was displaced, and never covers the value's line.
 */
static inline void xs_htab_prefetch_tag(const struct xs_htab *t, uint64_t h)
{
	__builtin_prefetch(&t->tag[(uint32_t)h & t->mask]);
}

static inline void xs_htab_prefetch_entry(const struct xs_htab *t, uint64_t h)
{
	uint32_t tag = (uint32_t)h | XS_HTAB_TAG_USED, i = (uint32_t)h & t->mask, g;
	const uint8_t *e;

	for (g = 0; g < XS_HTAB_PROBE_MAX; g++, i = (i + 1) & t->mask)
		if (!t->tag[i] || t->tag[i] == tag)
			break;
	e = t->ent + (size_t)i * t->stride;
	__builtin_prefetch(e);
	__builtin_prefetch(e + t->voff + 15);
}

/*
 * Iteration that may delete the current entry:
 *	struct xs_htab_iter it;
 *	for (e = xs_htab_first(t, &it); e; e = xs_htab_next(t, &it))
 *		if (done_with(e)) xs_htab_iter_delete(t, &it);
 * Every entry present at the start is visited exactly once. No inserts
 * while iterating.
 */
struct xs_htab_iter {
	uint32_t start;		/* an empty slot: no cluster wraps past it */
	uint32_t k;		/* slots visited so far */
	uint32_t cur;
	bool deleted;		/* cur was deleted: look at it again */
};
void *xs_htab_first(struct xs_htab *t, struct xs_htab_iter *it);
void *xs_htab_next(struct xs_htab *t, struct xs_htab_iter *it);
void xs_htab_iter_delete(struct xs_htab *t, struct xs_htab_iter *it);

#endif
