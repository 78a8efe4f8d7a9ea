// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpstream.skel.h"
#include "collector.h"
#include "loader.h"
#include "log.h"

#define BATCH 4096	/* entries per batch syscall */

static int handle_event(void *ctx, void *data, size_t size)
{
	struct xs_collector *c = ctx;

	if (size < sizeof(struct xs_flow_event))
		return 0;
	if (c->on_event)
		c->on_event(c->event_ctx, data);
	return 0;
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
	c->dst_gens_fd = bpf_map__fd(s->maps.xs_dst_gens);
	c->src_gens_fd = bpf_map__fd(s->maps.xs_src_gens);
	c->dst_fd[0] = bpf_map__fd(s->maps.xs_dst0);
	c->dst_fd[1] = bpf_map__fd(s->maps.xs_dst1);
	c->src_fd[0] = bpf_map__fd(s->maps.xs_src0);
	c->src_fd[1] = bpf_map__fd(s->maps.xs_src1);
	c->fence = fence;
	c->on_event = on_event;
	c->event_ctx = event_ctx;
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0)
		return -EINVAL;

	if (bpf_map_lookup_elem(c->rt_fd, &zero, &c->rt) ||
	    bpf_map_lookup_elem(c->totals_fd, &zero, &c->totals)) {
		err = -errno;
		xs_err("cannot read the runtime maps: %s", strerror(errno));
		return err;
	}
	c->pcpu_cap = BATCH;
	c->pcpu_buf = malloc((size_t)BATCH * c->ncpus * sizeof(struct xs_dst));
	c->keys_buf = malloc((size_t)BATCH * sizeof(struct xs_addr));
	if (!c->pcpu_buf || !c->keys_buf) {
		xs_collector_free(c);
		return -ENOMEM;
	}
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
	free(c->pcpu_buf);
	free(c->keys_buf);
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

int xs_collector_set_flags(struct xs_collector *c, __u32 flags)
{
	c->rt.flags = flags;
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

static int drain_global(struct xs_collector *c, __u32 gen, struct xs_global *out)
{
	size_t sz = (size_t)c->ncpus * sizeof(struct xs_global);
	void *zeros;
	int err = xs_global_read(c->global_fd, gen, c->ncpus, out);

	if (err)
		return err;
	zeros = calloc(1, sz);
	if (!zeros)
		return -ENOMEM;
	if (bpf_map_update_elem(c->global_fd, &gen, zeros, BPF_ANY))
		err = -errno;
	free(zeros);
	return err;
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
	for (i = 0; i < XS_HLL_REGS; i++) {
		if (v->hll_src[i] > acc->hll_src[i])
			acc->hll_src[i] = v->hll_src[i];
		if (v->hll_dport[i] > acc->hll_dport[i])
			acc->hll_dport[i] = v->hll_dport[i];
	}
}

static void merge_src(struct xs_src *acc, const struct xs_src *v)
{
	const __u64 *s = (const __u64 *)v;
	__u64 *d = (__u64 *)acc;
	size_t i;

	for (i = 0; i < sizeof(*v) / sizeof(__u64); i++)
		d[i] += s[i];
}

/* Grows an output array to hold one more entry. */
static void *grow(void *arr, size_t *cap, size_t n, size_t esize)
{
	void *p;

	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 1024;
	p = realloc(arr, *cap * esize);
	return p;
}

/* Reads and deletes every entry of a per-CPU hash map in batches; calls
 * add() for each key with its per-CPU values. */
static int drain_pcpu_hash(struct xs_collector *c, int fd, size_t vsize,
			   int (*add)(struct xs_collector *, const struct xs_addr *, const char *,
				      size_t, size_t),
			   size_t *n)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 out_batch = 0, in_batch = 0, count, i;
	bool first = true;
	int err;

	*n = 0;
	for (;;) {
		count = c->pcpu_cap;
		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &in_batch, &out_batch,
						      c->keys_buf, c->pcpu_buf, &count, &opts);
		if (err && errno != ENOENT)
			return -errno;
		for (i = 0; i < count; i++) {
			const struct xs_addr *k = (const struct xs_addr *)c->keys_buf + i;
			const char *v = (const char *)c->pcpu_buf + (size_t)i * c->ncpus * vsize;

			if (add(c, k, v, vsize, *n))
				return -ENOMEM;
			(*n)++;
		}
		if (err)
			return 0;	/* ENOENT: the map is empty */
		in_batch = out_batch;
		first = false;
	}
}

static int add_dst(struct xs_collector *c, const struct xs_addr *k, const char *v, size_t vsize,
		   size_t n)
{
	struct xs_dst_entry *e;
	void *p = grow(c->dst, &c->dst_cap, n, sizeof(*c->dst));
	int cpu;

	if (!p)
		return -ENOMEM;
	c->dst = p;
	e = &c->dst[n];
	e->addr = *k;
	memset(&e->v, 0, sizeof(e->v));
	for (cpu = 0; cpu < c->ncpus; cpu++)
		merge_dst(&e->v, (const struct xs_dst *)(v + cpu * vsize));
	return 0;
}

static int add_src(struct xs_collector *c, const struct xs_addr *k, const char *v, size_t vsize,
		   size_t n)
{
	struct xs_src_entry *e;
	void *p = grow(c->src, &c->src_cap, n, sizeof(*c->src));
	int cpu;

	if (!p)
		return -ENOMEM;
	c->src = p;
	e = &c->src[n];
	e->addr = *k;
	memset(&e->v, 0, sizeof(e->v));
	for (cpu = 0; cpu < c->ncpus; cpu++)
		merge_src(&e->v, (const struct xs_src *)(v + cpu * vsize));
	return 0;
}

int xs_collector_flip(struct xs_collector *c, struct xs_tick *t)
{
	__u32 old = c->rt.epoch, gen = old & 1, zero = 0;
	int err;

	c->rt.epoch = old + 1;
	err = write_rt(c);
	if (err) {
		c->rt.epoch = old;
		return err;
	}
	if (c->fence) {
		/* Rewriting an ARRAY_OF_MAPS slot waits for an RCU grace
		 * period (maybe_wait_bpf_programs() in kernel/bpf/syscall.c):
		 * when it returns, no program still holds the old epoch. */
		int fd = c->dst_fd[0];

		if (bpf_map_update_elem(c->dst_gens_fd, &zero, &fd, BPF_ANY))
			return -errno;
	}
	/* Every event of the old generation is in the ring now. */
	ring_buffer__consume(c->rb);

	memset(t, 0, sizeof(*t));
	t->epoch = old;
	err = drain_global(c, gen, &t->g);
	if (!err)
		err = drain_pcpu_hash(c, c->dst_fd[gen], sizeof(struct xs_dst), add_dst, &t->ndst);
	if (!err)
		err = drain_pcpu_hash(c, c->src_fd[gen], sizeof(struct xs_src), add_src, &t->nsrc);
	if (err)
		return err;
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
