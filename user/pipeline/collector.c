// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpstream.skel.h"
#include "collector.h"
#include "loader.h"
#include "log.h"
#include "names.h"
#include "siphash.h"

static int handle_event(void *ctx, void *data, size_t size)
{
	struct xs_collector *c = ctx;

	if (size < sizeof(struct xs_flow_event))
		return 0;
	if (c->on_event)
		c->on_event(c->event_ctx, data);
	return 0;
}

static void clear_gen(struct xs_collector *c, __u32 gen);

static void *map_mmap(struct bpf_map *m, size_t *len)
{
	void *p;

	*len = (size_t)bpf_map__value_size(m) * bpf_map__max_entries(m);
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	return p == MAP_FAILED ? NULL : p;
}

int xs_collector_init(struct xs_collector *c, struct xs_bpf *b, bool fence, xs_event_fn on_event,
		      void *event_ctx)
{
	struct xdpstream_bpf *s = b->skel;
	__u32 zero = 0;
	int err;

	memset(c, 0, sizeof(*c));
	c->rt_fd = bpf_map__fd(s->maps.xs_rt);
	c->global_fd = bpf_map__fd(s->maps.xs_global);
	c->totals_fd = bpf_map__fd(s->maps.xs_totals);
	c->refl_fd = bpf_map__fd(s->maps.xs_refl_ports);
	c->fence_fd = bpf_map__fd(s->maps.xs_fence);
	c->fence_inner_fd = bpf_map__fd(s->maps.xs_fence0);
	c->watch_fd = bpf_map__fd(s->maps.xs_watch);
	c->watch_srcs_fd = bpf_map__fd(s->maps.xs_watch_srcs);
	c->hkey[0] = b->secret.k[0];
	c->hkey[1] = b->secret.k[1];
	c->fence = fence;
	c->on_event = on_event;
	c->event_ctx = event_ctx;
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0)
		return -EINVAL;
	c->dbuckets = s->rodata->xs_dst_buckets;
	c->sbuckets = s->rodata->xs_src_buckets;

	if (bpf_map_lookup_elem(c->rt_fd, &zero, &c->rt) ||
	    bpf_map_lookup_elem(c->totals_fd, &zero, &c->totals)) {
		err = -errno;
		xs_err("cannot read the runtime maps: %s", strerror(errno));
		return err;
	}
	c->dtab = map_mmap(s->maps.xs_dtab, &c->dtab_len);
	c->dtags = map_mmap(s->maps.xs_dtags, &c->dtags_len);
	c->dlist = map_mmap(s->maps.xs_dlist, &c->dlist_len);
	c->stab = map_mmap(s->maps.xs_stab, &c->stab_len);
	c->stags = map_mmap(s->maps.xs_stags, &c->stags_len);
	c->slist = map_mmap(s->maps.xs_slist, &c->slist_len);
	c->pcpu_global = calloc(c->ncpus, sizeof(struct xs_global));
	c->fps = calloc((size_t)c->ncpus * XS_TABLE_WAYS, sizeof(*c->fps));
	c->wkeys = calloc(XS_WATCH_MAX, sizeof(*c->wkeys));
	c->wbuf = calloc(c->ncpus, sizeof(*c->wbuf));
	if (!c->fps || !c->dtab || !c->dtags || !c->dlist || !c->stab || !c->stags || !c->slist ||
	    !c->pcpu_global || !c->wkeys || !c->wbuf) {
		err = errno ? -errno : -ENOMEM;
		xs_err("cannot map the address tables: %s", strerror(-err));
		xs_collector_free(c);
		return err;
	}
	/* The generation the program is not writing was drained, and its
	 * buckets emptied, by whoever flipped last; unless that drain was cut
	 * short (a daemon killed): empty them, or their keys would stay. */
	clear_gen(c, (c->rt.epoch & 1) ^ 1);
	c->rb = ring_buffer__new(bpf_map__fd(s->maps.xs_events), handle_event, c, NULL);
	if (!c->rb) {
		err = -errno;
		xs_err("cannot open the event ring buffer: %s", strerror(errno));
		xs_collector_free(c);
		return err;
	}
	return 0;
}

void xs_collector_free(struct xs_collector *c)
{
	ring_buffer__free(c->rb);
	if (c->dtab)
		munmap(c->dtab, c->dtab_len);
	if (c->dlist)
		munmap(c->dlist, c->dlist_len);
	if (c->stab)
		munmap(c->stab, c->stab_len);
	if (c->slist)
		munmap(c->slist, c->slist_len);
	if (c->dtags)
		munmap(c->dtags, c->dtags_len);
	if (c->stags)
		munmap(c->stags, c->stags_len);
	free(c->pcpu_global);
	free(c->fps);
	free(c->wkeys);
	free(c->wbuf);
	free(c->dst);
	free(c->src);
	memset(c, 0, sizeof(*c));
}

static int write_rt(struct xs_collector *c)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(c->rt_fd, &zero, &c->rt, BPF_ANY))
		return -errno;
	return 0;
}

int xs_collector_set_budget(struct xs_collector *c, __u32 events_per_cpu_per_tick)
{
	c->rt.ev_budget = events_per_cpu_per_tick;
	return write_rt(c);
}

int xs_collector_set_admission(struct xs_collector *c, __u16 after, __u8 shift)
{
	c->rt.admit_after = after;
	c->rt.admit_shift = shift;
	return write_rt(c);
}

int xs_collector_set_flow_ttl(struct xs_collector *c, __u32 ticks)
{
	c->rt.flow_ttl = ticks;
	return write_rt(c);
}

int xs_collector_set_flags(struct xs_collector *c, __u32 flags)
{
	c->rt.flags = flags;
	return write_rt(c);
}

int xs_collector_update_flags(struct xs_collector *c, __u32 mask, __u32 bits)
{
	c->rt.flags = (c->rt.flags & ~mask) | (bits & mask);
	return write_rt(c);
}

static bool key_in(const struct xs_watch_key *k, const struct xs_watch_key *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!memcmp(k, &keys[i], sizeof(*k)))
			return true;
	return false;
}

/* The prefix's network address, as the kernel masks a source. */
static void mask_v6(struct xs_addr *a, unsigned int plen)
{
	unsigned int i;

	for (i = plen; i < 128; i++)
		a->a[i / 8] &= (__u8)~(0x80 >> (i % 8));
}

int xs_collector_watch_set(struct xs_collector *c, const struct xs_watch_key *keys, size_t n,
			   unsigned int src6_prefix)
{
	struct xs_port_bitmap *bm;
	__u32 zero = 0, flags = 0;
	size_t i;
	int err = 0;

	if (n > XS_WATCH_MAX)
		n = XS_WATCH_MAX;
	memset(c->wbuf, 0, c->ncpus * sizeof(*c->wbuf));
	/* Gone first (room for the new), then new ones at zero. */
	for (i = 0; i < c->nwkeys; i++)
		if (!key_in(&c->wkeys[i], keys, n))
			bpf_map_delete_elem(c->watch_fd, &c->wkeys[i]);
	for (i = 0; i < n; i++)
		if (!key_in(&keys[i], c->wkeys, c->nwkeys) &&
		    bpf_map_update_elem(c->watch_fd, &keys[i], c->wbuf, BPF_NOEXIST) && !err)
			err = -errno;
	if (n) /* keys may be NULL when nothing is watched */
		memcpy(c->wkeys, keys, n * sizeof(*keys));
	c->nwkeys = n;

	bm = calloc(1, sizeof(*bm));
	if (!bm)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct xs_addr src = keys[i].src;
		__u64 w[2];
		__u32 bit;

		if (src6_prefix && src6_prefix < 128 && !xs_addr_is_v4(&src))
			mask_v6(&src, src6_prefix);
		memcpy(w, src.a, 16);
		bit = (__u32)(xs_sip_2w(c->hkey[0], c->hkey[1], w[0], w[1]) & 0xffff);
		bm->w[bit >> 6] |= 1ULL << (bit & 63);
		flags |= keys[i].dport ? (xs_addr_is_zero(&keys[i].dst) ? XS_RT_WATCH_SVC
									: XS_RT_WATCH_EXACT)
				       : XS_RT_WATCH_PAIR;
	}
	if (bpf_map_update_elem(c->watch_srcs_fd, &zero, bm, BPF_ANY) && !err)
		err = -errno;
	free(bm);
	if (src6_prefix >= 128)
		src6_prefix = 0;
	flags |= src6_prefix << XS_RT_SRC6_SHIFT;
	if (xs_collector_update_flags(c, XS_RT_WATCH_ANY | XS_RT_SRC6_MASK, flags) && !err)
		err = -errno;
	return err;
}

int xs_collector_watch_read(struct xs_collector *c, xs_watch_fn fn, void *ctx)
{
	size_t i;
	int cpu;

	for (i = 0; i < c->nwkeys; i++) {
		struct xs_watch_val sum = {};

		if (bpf_map_lookup_elem(c->watch_fd, &c->wkeys[i], c->wbuf))
			continue;
		for (cpu = 0; cpu < c->ncpus; cpu++) {
			sum.pkts += c->wbuf[cpu].pkts;
			sum.bytes += c->wbuf[cpu].bytes;
			sum.syn += c->wbuf[cpu].syn;
			sum.ack += c->wbuf[cpu].ack;
			sum.data += c->wbuf[cpu].data;
		}
		fn(ctx, &c->wkeys[i], &sum);
	}
	return 0;
}

int xs_collector_set_slice(struct xs_collector *c, __u32 slice)
{
	if (slice >= XS_SLICES)
		slice = XS_SLICES - 1;
	if (slice == c->rt.slice)
		return 0;
	c->rt.slice = slice;
	return write_rt(c);
}

int xs_collector_set_reflector_ports(struct xs_collector *c, const __u16 *ports, size_t n)
{
	struct xs_port_bitmap *bm = calloc(1, sizeof(*bm));
	__u32 zero = 0;
	size_t i;
	int err = 0;

	if (!bm)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		bm->w[ports[i] >> 6] |= 1ULL << (ports[i] & 63);
	if (bpf_map_update_elem(c->refl_fd, &zero, bm, BPF_ANY))
		err = -errno;
	free(bm);
	return err;
}

int xs_collector_poll_events(struct xs_collector *c)
{
	return ring_buffer__consume(c->rb);
}

int xs_collector_events_fd(struct xs_collector *c)
{
	return ring_buffer__epoll_fd(c->rb);
}

void xs_global_add(struct xs_global *acc, const struct xs_global *g)
{
	const __u64 *src = (const __u64 *)g;
	__u64 *dst = (__u64 *)acc;
	size_t i;

	for (i = 0; i < sizeof(*g) / sizeof(__u64); i++)
		dst[i] += src[i];
}

__u64 xs_global_total_pkts(const struct xs_global *g)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < XS_C_MAX; i++)
		n += g->pkts[i];
	return n;
}

__u64 xs_global_total_bytes(const struct xs_global *g)
{
	__u64 n = 0;
	int i;

	for (i = 0; i < XS_C_MAX; i++)
		n += g->bytes[i];
	return n;
}

int xs_global_read(int global_fd, __u32 gen, int ncpus, struct xs_global *out)
{
	struct xs_global *pc = calloc(ncpus, sizeof(*pc));
	int i, err = 0;

	if (!pc)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(global_fd, &gen, pc))
		err = -errno;
	else
		for (i = 0; i < ncpus; i++)
			xs_global_add(out, &pc[i]);
	free(pc);
	return err;
}

/* Reads one generation's global counters, per CPU (kept in
 * c->pcpu_global for the table drains) and summed, then clears them. */
static int drain_global(struct xs_collector *c, __u32 gen, struct xs_global *out)
{
	size_t sz = (size_t)c->ncpus * sizeof(struct xs_global);
	void *zeros;
	int i, err = 0;

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(c->global_fd, &gen, c->pcpu_global))
		return -errno;
	for (i = 0; i < c->ncpus; i++)
		xs_global_add(out, &c->pcpu_global[i]);
	zeros = calloc(1, sz);
	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(c->global_fd, &gen, zeros, BPF_ANY))
		err = -errno;
	free(zeros);
	return err;
}

/* Registers are max-merged: a plain byte loop the compiler vectorises. */
static void hll_merge(__u8 *restrict acc, const __u8 *restrict v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		acc[i] = v[i] > acc[i] ? v[i] : acc[i];
}

static void merge_dst(struct xs_dst *acc, const struct xs_dst *v)
{
	const __u64 *s = (const __u64 *)v;
	__u64 *d = (__u64 *)acc;
	int i;

	/* The leading counters are all __u64. */
	for (i = 0; i < (int)(offsetof(struct xs_dst, dport_sample) / sizeof(__u64)); i++)
		d[i] += s[i];
	if (v->dport_sample)
		acc->dport_sample = v->dport_sample;
	acc->new_src = (__u16)(acc->new_src + v->new_src < 0xffff ? acc->new_src + v->new_src
								    : 0xffff);
	acc->unadmitted = (__u32)((__u64)acc->unadmitted + v->unadmitted < 0xffffffffULL
					  ? acc->unadmitted + v->unadmitted
					  : 0xffffffffULL);
	hll_merge(acc->hll_src, v->hll_src, XS_HLL_REGS);
	hll_merge(acc->hll_dport, v->hll_dport, XS_HLL_REGS);
	acc->ack += v->ack;
	acc->ack_bytes += v->ack_bytes;
	/* Majority votes merge as the vote itself goes on: the same port adds
	 * up, different ports cancel out, and the votes left still bound the
	 * winner's packets from below. */
	if (acc->uport == v->uport || !acc->uvotes) {
		if (acc->uport != v->uport)
			acc->usrc = 0;
		acc->uport = v->uport;
		acc->uvotes += v->uvotes;
		acc->usrc |= v->usrc;
	} else if (v->uvotes > acc->uvotes) {
		acc->uport = v->uport;
		acc->uvotes = v->uvotes - acc->uvotes;
		acc->usrc = v->usrc;
	} else {
		acc->uvotes -= v->uvotes;
	}
	hll_merge(acc->hll_ack, v->hll_ack, XS_HLL_REGS);
	for (i = 0; i < XS_SLICES * XS_B_MAX; i++) {
		__u32 n = (__u32)acc->burst[i] + v->burst[i];

		acc->burst[i] = n > 0xffff ? 0xffff : (__u16)n;
	}
}

/* A source slot's SIP part is the generation's only when its sip_tag is
 * the generation's tag, epoch + 1 (see struct xs_src): otherwise it reads
 * as zero. */
static void first_src(struct xs_src *v, __u32 tag)
{
	if (v->sip_tag != tag) {
		memset(&v->sip_tag, 0, sizeof(*v) - XS_SRC_ZERO);
		v->sip_tag = tag;
	}
}

static void merge_src(struct xs_src *acc, const struct xs_src *v, __u32 tag)
{
	const __u64 *s = (const __u64 *)v;
	__u64 *d = (__u64 *)acc;
	size_t i;

	/* The leading counters are all __u64. */
	for (i = 0; i < offsetof(struct xs_src, hll_dst) / sizeof(__u64); i++)
		d[i] += s[i];
	hll_merge(acc->hll_dst, v->hll_dst, XS_HLL_REGS);
	if (v->sip_tag != tag)
		return;
	for (i = 0; i < XS_SIP_REQ_MAX; i++)
		acc->sip_req[i] += v->sip_req[i];
	for (i = 0; i < XS_SIP_FAIL_MAX; i++)
		acc->sip_fail[i] += v->sip_fail[i];
	/* One peer per source: the CPU that sent it the most (a flow stays
	 * on one CPU, so this is the whole count when it has one peer). */
	if (v->sip_peer_msgs > acc->sip_peer_msgs) {
		acc->sip_peer = v->sip_peer;
		acc->sip_peer_msgs = v->sip_peer_msgs;
	}
	acc->sip_peers += v->sip_peers;
}

static int grow(void **arr, size_t *cap, size_t n, size_t esize)
{
	void *p;

	if (n <= *cap)
		return 0;
	p = realloc(*arr, n * esize);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

/* How one table's buckets become entries. Slots are { key, ..., value }
 * and entries { key, value }. */
struct table_desc {
	const char *tab;	/* the mapped slots */
	struct xs_tbucket *tags;
	__u64 *list;
	size_t slot_size, val_off, buckets;
	int used_cnt;		/* XS_N_DST_USED / XS_N_SRC_USED */
	void **entries;		/* &c->dst or &c->src */
	size_t *cap, esize;
	void (*first)(void *val, __u32 tag);	/* a new entry's value; may be NULL */
	void (*merge)(void *acc, const void *v, __u32 tag);
};

#define AHEAD 16	/* listed buckets whose lines are prefetched ahead */

/* A listed bucket's line on every CPU from cpu0 on (stage 1), then, once
 * that is in the cache, its used slots (stage 2, half as far ahead). */
static void prefetch_tags(struct xs_collector *c, const struct table_desc *d, __u32 gen,
			  int cpu0, __u64 b)
{
	int cpu;

	for (cpu = cpu0; b < d->buckets && cpu < c->ncpus; cpu++)
		__builtin_prefetch(&d->tags[(size_t)(cpu * XS_GENS + gen) * d->buckets + b], 1);
}

static void prefetch_slots(struct xs_collector *c, const struct table_desc *d, __u32 gen,
			   int cpu0, __u64 b)
{
	int cpu;

	for (cpu = cpu0; b < d->buckets && cpu < c->ncpus; cpu++) {
		size_t t = (size_t)(cpu * XS_GENS + gen) * d->buckets + b, off, end;
		const char *slot = d->tab + t * XS_TABLE_WAYS * d->slot_size;

		end = (size_t)(d->tags[t].n < XS_TABLE_WAYS ? d->tags[t].n : XS_TABLE_WAYS) *
		      d->slot_size;
		for (off = 0; off < end; off += 64)
			__builtin_prefetch(slot + off);
	}
}

/* Bucket b of every region from CPU cpu0 on (those before it have none of
 * it left): its slots merged by key into entries [*n, ...), then emptied.
 * The same key falls in the same bucket on every CPU, so the keys to
 * compare are the few taken from this bucket already, by fingerprint. */
static void merge_bucket(struct xs_collector *c, const struct table_desc *d, __u32 gen, int cpu0,
			 __u64 b, __u32 tag, size_t *n)
{
	__u32 *fps = c->fps;
	size_t first = *n, j, m = 0;
	char *ents = *d->entries;
	int cpu;
	__u32 i;

	for (cpu = cpu0; cpu < c->ncpus; cpu++) {
		size_t t = (size_t)(cpu * XS_GENS + gen) * d->buckets + b;
		struct xs_tbucket *bk = &d->tags[t];
		__u32 used = bk->n < XS_TABLE_WAYS ? bk->n : XS_TABLE_WAYS;
		const char *slot = d->tab + t * XS_TABLE_WAYS * d->slot_size;

		for (i = 0; i < used; i++, slot += d->slot_size) {
			char *e = NULL;

			for (j = 0; j < m; j++)
				if (fps[j] == bk->fp[i] &&
				    !memcmp(ents + (first + j) * d->esize, slot, sizeof(struct xs_addr))) {
					e = ents + (first + j) * d->esize;
					break;
				}
			if (e) {
				d->merge(e + sizeof(struct xs_addr), slot + d->val_off, tag);
				continue;
			}
			e = ents + *n * d->esize;
			memcpy(e, slot, sizeof(struct xs_addr));
			memcpy(e + sizeof(struct xs_addr), slot + d->val_off,
			       d->esize - sizeof(struct xs_addr));
			if (d->first)
				d->first(e + sizeof(struct xs_addr), tag);
			fps[m++] = bk->fp[i];
			(*n)++;
		}
		bk->n = 0;
	}
}

/* Room for the entries of one more bucket. The counts come from the
 * kernel, which stopped writing this generation before the drain. */
static int room(struct xs_collector *c, const struct table_desc *d, size_t n)
{
	if (n + (size_t)c->ncpus * XS_TABLE_WAYS <= *d->cap)
		return 0;
	return grow(d->entries, d->cap, n + (size_t)c->ncpus * XS_TABLE_WAYS, d->esize);
}

/* Each CPU's region of the old generation merged by address into the
 * entries, bucket by bucket; every bucket read is emptied for the
 * generation's next turn. Memory-bound. A busy generation is swept in
 * bucket order (one stream of lines per CPU, which the hardware
 * prefetches); otherwise each CPU's list of the buckets it used is walked,
 * prefetching ahead, and a bucket that an earlier CPU listed too is found
 * emptied already. */
static int drain_table(struct xs_collector *c, const struct table_desc *d, __u32 gen, __u32 tag,
		       size_t *nout)
{
	size_t n = 0, total = 0, listed = 0, k, b;
	int cpu, err;

	for (cpu = 0; cpu < c->ncpus; cpu++) {
		__u64 *l = d->list + (size_t)(cpu * XS_GENS + gen) * (d->buckets + 1);

		total += c->pcpu_global[cpu].cnt[d->used_cnt];
		listed += l[0] < d->buckets ? l[0] : d->buckets;
	}
	if ((err = grow(d->entries, d->cap, total ? total : 1, d->esize)))
		return err;
	if (listed * 4 > d->buckets * (size_t)c->ncpus) {
		for (b = 0; b < d->buckets; b++) {
			/* The streams cross a page every bucket or so, where
			 * the hardware prefetcher stops. */
			prefetch_tags(c, d, gen, 0, b + AHEAD);
			prefetch_slots(c, d, gen, 0, b + AHEAD / 2);
			for (cpu = 0; cpu < c->ncpus; cpu++) {
				if (!d->tags[(size_t)(cpu * XS_GENS + gen) * d->buckets + b].n)
					continue;
				if ((err = room(c, d, n)))
					return err;
				merge_bucket(c, d, gen, cpu, b, tag, &n);
				break;
			}
		}
		for (cpu = 0; cpu < c->ncpus; cpu++)
			d->list[(size_t)(cpu * XS_GENS + gen) * (d->buckets + 1)] = 0;
		*nout = n;
		goto out;
	}
	for (cpu = 0; cpu < c->ncpus; cpu++) {
		__u64 *l = d->list + (size_t)(cpu * XS_GENS + gen) * (d->buckets + 1);
		size_t used = l[0] < d->buckets ? l[0] : d->buckets;

		for (k = 0; k < used && k < AHEAD; k++)
			prefetch_tags(c, d, gen, cpu, l[1 + k]);
		for (k = 0; k < used; k++) {
			b = l[1 + k];
			if (k + AHEAD < used)
				prefetch_tags(c, d, gen, cpu, l[1 + k + AHEAD]);
			if (k + AHEAD / 2 < used)
				prefetch_slots(c, d, gen, cpu, l[1 + k + AHEAD / 2]);
			if (b >= d->buckets ||
			    !d->tags[(size_t)(cpu * XS_GENS + gen) * d->buckets + b].n)
				continue;
			if ((err = room(c, d, n)))
				return err;
			merge_bucket(c, d, gen, cpu, b, tag, &n);
		}
		l[0] = 0;
	}
	*nout = n;
out:
	return 0;
}

/* Empties every bucket of one generation, on every CPU. */
static void clear_gen(struct xs_collector *c, __u32 gen)
{
	int cpu;

	for (cpu = 0; cpu < c->ncpus; cpu++) {
		size_t r = (size_t)(cpu * XS_GENS + gen);

		memset(c->dtags + r * c->dbuckets, 0, c->dbuckets * sizeof(*c->dtags));
		memset(c->stags + r * c->sbuckets, 0, c->sbuckets * sizeof(*c->stags));
		c->dlist[r * (c->dbuckets + 1)] = 0;
		c->slist[r * (c->sbuckets + 1)] = 0;
	}
}

static void merge_dst_v(void *acc, const void *v, __u32 tag)
{
	merge_dst(acc, v);
}

static void first_src_v(void *v, __u32 tag)
{
	first_src(v, tag);
}

static void merge_src_v(void *acc, const void *v, __u32 tag)
{
	merge_src(acc, v, tag);
}

int xs_collector_flip(struct xs_collector *c, struct xs_tick *t)
{
	__u32 old = c->rt.epoch, gen = old & 1, zero = 0;
	struct table_desc dd = {
		.tab = (const char *)c->dtab, .tags = c->dtags, .list = c->dlist,
		.slot_size = sizeof(*c->dtab), .val_off = offsetof(struct xs_dst_slot, v),
		.buckets = c->dbuckets, .used_cnt = XS_N_DST_USED, .entries = (void **)&c->dst,
		.cap = &c->dst_cap, .esize = sizeof(*c->dst), .merge = merge_dst_v,
	};
	struct table_desc sd = {
		.tab = (const char *)c->stab, .tags = c->stags, .list = c->slist,
		.slot_size = sizeof(*c->stab), .val_off = offsetof(struct xs_src_slot, v),
		.buckets = c->sbuckets, .used_cnt = XS_N_SRC_USED, .entries = (void **)&c->src,
		.cap = &c->src_cap, .esize = sizeof(*c->src), .first = first_src_v,
		.merge = merge_src_v,
	};

	int err;

	c->rt.epoch = old + 1;
	c->rt.slice = 0;	/* the new generation starts at its first slice */
	err = write_rt(c);
	if (err) {
		c->rt.epoch = old;
		return err;
	}
	if (c->fence) {
		/* Rewriting an ARRAY_OF_MAPS slot waits for an RCU grace
		 * period (maybe_wait_bpf_programs() in kernel/bpf/syscall.c):
		 * when it returns, no program still holds the old epoch. */
		if (bpf_map_update_elem(c->fence_fd, &zero, &c->fence_inner_fd, BPF_ANY))
			return -errno;
	}
	/* Every event of the old generation is in the ring now. */
	ring_buffer__consume(c->rb);

	memset(t, 0, sizeof(*t));
	t->epoch = old;
	err = drain_global(c, gen, &t->g);
	if (!err)
		err = drain_table(c, &dd, gen, old + 1, &t->ndst);
	if (!err)
		err = drain_table(c, &sd, gen, old + 1, &t->nsrc);
	if (err)
		return err;
	/* Slot bookkeeping, not traffic: ndst/nsrc say the same, merged. */
	t->g.cnt[XS_N_DST_USED] = t->g.cnt[XS_N_SRC_USED] = 0;
	t->dst = c->dst;
	t->src = c->src;
	xs_global_add(&c->totals.g, &t->g);
	c->totals.through_epoch = c->rt.epoch;
	if (bpf_map_update_elem(c->totals_fd, &zero, &c->totals, BPF_ANY))
		return -errno;
	return 0;
}

int xs_read_totals(int rt_fd, int totals_fd, int global_fd, int ncpus, struct xs_global *out,
		   __u32 *epoch)
{
	struct xs_runtime rt1, rt2;
	struct xs_totals tot;
	struct xs_global cur;
	__u32 zero = 0;
	int tries, err;

	for (tries = 0; tries < 1000; tries++) {
		if (bpf_map_lookup_elem(rt_fd, &zero, &rt1) ||
		    bpf_map_lookup_elem(totals_fd, &zero, &tot))
			return -errno;
		err = xs_global_read(global_fd, rt1.epoch & 1, ncpus, &cur);
		if (err)
			return err;
		if (bpf_map_lookup_elem(rt_fd, &zero, &rt2))
			return -errno;
		/* A flip or a drain in between: read again. */
		if (rt1.epoch != rt2.epoch || tot.through_epoch != rt1.epoch) {
			usleep(1000);
			continue;
		}
		*out = tot.g;
		xs_global_add(out, &cur);
		*epoch = rt1.epoch;
		return 0;
	}
	return -EAGAIN;
}

double xs_hll_estimate(const __u8 *regs, int m)
{
	double sum = 0, alpha, e;
	int i, zeros = 0;

	for (i = 0; i < m; i++) {
		sum += ldexp(1.0, -regs[i]);
		if (!regs[i])
			zeros++;
	}
	alpha = m == 16 ? 0.673 : m == 32 ? 0.697 : m == 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
	e = alpha * m * m / sum;
	/* Small range: linear counting is far more accurate. */
	if (e <= 2.5 * m && zeros)
		e = m * log((double)m / zeros);
	return e;
}

uint64_t xs_hll_count(const __u8 *regs, int m)
{
	double e = xs_hll_estimate(regs, m) + 0.5;

	/* Converting a double beyond the integer's range is undefined:
	 * registers of 60 (keyed hashing makes them unreachable, a corrupt
	 * or foreign register set does not) estimate about 2.6e19. */
	if (!(e < 9007199254740992.0))	/* 2^53, NaN included */
		return 9007199254740992ULL;
	return (uint64_t)e;
}
