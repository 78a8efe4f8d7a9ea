// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpstream.skel.h"
#include "loader.h"
#include "log.h"
#include "victims.h"

static int on_sample(void *ctx, void *data, size_t size)
{
	struct xs_victims *v = ctx;

	if (size < offsetof(struct xs_fp_sample, data))
		return 0;
	v->samples++;
	if (v->fn)
		v->fn(v->ctx, data, size);
	return 0;
}

static int write_flags(struct xs_victims *v)
{
	__u32 f = v->col->rt.flags & ~(XS_RT_VICTIMS | XS_RT_FP_HEADERS);

	if (v->n)
		f |= XS_RT_VICTIMS;
	if (v->headers)
		f |= XS_RT_FP_HEADERS;
	return f == v->col->rt.flags ? 0 : xs_collector_set_flags(v->col, f);
}

int xs_victims_init(struct xs_victims *v, struct xs_bpf *b, struct xs_collector *col,
		    xs_sample_fn fn, void *ctx)
{
	struct xs_addr k, next;
	int err;

	memset(v, 0, sizeof(*v));
	v->map_fd = bpf_map__fd(b->skel->maps.xs_victims);
	v->stats_fd = bpf_map__fd(b->skel->maps.xs_vstats);
	v->ncpus = libbpf_num_possible_cpus();
	v->col = col;
	v->fn = fn;
	v->ctx = ctx;
	if (v->ncpus <= 0)
		return -EINVAL;
	v->pcpu = calloc(v->ncpus, sizeof(*v->pcpu));
	if (!v->pcpu)
		return -ENOMEM;
	/* An adopted program may hold an earlier daemon's victims. */
	while (!bpf_map_get_next_key(v->map_fd, NULL, &next)) {
		k = next;
		if (bpf_map_delete_elem(v->map_fd, &k))
			break;
	}
	err = write_flags(v);
	if (!err && ring_buffer__add(col->rb, bpf_map__fd(b->skel->maps.xs_fp_ring), on_sample, v))
		err = -errno;
	if (err) {
		xs_err("cannot set up the fingerprint tables: %s", strerror(-err));
		xs_victims_free(v);
	}
	return err;
}

void xs_victims_free(struct xs_victims *v)
{
	free(v->pcpu);
	v->pcpu = NULL;
}

int xs_victims_set_headers(struct xs_victims *v, bool on)
{
	v->headers = on;
	return write_flags(v);
}

int xs_victims_slot(const struct xs_victims *v, const struct xs_addr *a)
{
	int i;

	for (i = 0; i < XS_VICTIMS_MAX; i++)
		if (v->used[i] && !memcmp(&v->addr[i], a, sizeof(*a)))
			return i;
	return -ENOENT;
}

int xs_victims_watch(struct xs_victims *v, const struct xs_addr *a, uint32_t every,
		     uint32_t budget)
{
	struct xs_victim val = {};
	__u32 key;
	int i, slot = xs_victims_slot(v, a);

	if (slot >= 0)
		return slot;
	for (i = 0; i < XS_VICTIMS_MAX && v->used[i]; i++)
		;
	if (i == XS_VICTIMS_MAX)
		return -ENOSPC;
	/* Fresh counters; each CPU's sampler gets its own seed, never 0. */
	memset(v->pcpu, 0, v->ncpus * sizeof(*v->pcpu));
	for (slot = 0; slot < v->ncpus; slot++)
		v->pcpu[slot].rng = 0x9e3779b9u ^ (uint32_t)(i * 131 + slot * 7919 + 1);
	key = (__u32)i;
	if (bpf_map_update_elem(v->stats_fd, &key, v->pcpu, BPF_ANY))
		return -errno;
	val.slot = key;
	val.sample_every = every;
	val.sample_budget = budget;
	if (bpf_map_update_elem(v->map_fd, a, &val, BPF_NOEXIST))
		return -errno;
	v->used[i] = true;
	v->addr[i] = *a;
	v->n++;
	write_flags(v);
	return i;
}

int xs_victims_put(struct xs_victims *v, const struct xs_addr *a, const struct xs_victim *val)
{
	if (xs_victims_slot(v, a) != (int)val->slot)
		return -ENOENT;
	return bpf_map_update_elem(v->map_fd, a, val, BPF_EXIST) ? -errno : 0;
}

int xs_victims_get(struct xs_victims *v, const struct xs_addr *a, struct xs_victim *val)
{
	return bpf_map_lookup_elem(v->map_fd, a, val) ? -errno : 0;
}

int xs_victims_unwatch(struct xs_victims *v, const struct xs_addr *a)
{
	int slot = xs_victims_slot(v, a);

	if (slot < 0)
		return slot;
	if (bpf_map_delete_elem(v->map_fd, a) && errno != ENOENT)
		return -errno;
	v->used[slot] = false;
	v->n--;
	return write_flags(v);
}

int xs_victims_stats(struct xs_victims *v, int slot, struct xs_vstats *sum)
{
	__u32 key = (__u32)slot;
	int c, i, k;

	if (slot < 0 || slot >= XS_VICTIMS_MAX)
		return -EINVAL;
	if (bpf_map_lookup_elem(v->stats_fd, &key, v->pcpu))
		return -errno;
	*sum = v->pcpu[0];
	for (c = 1; c < v->ncpus; c++) {
		const struct xs_vstats *s = &v->pcpu[c];

		for (i = 0; i < XS_LIM_MAX; i++)
			sum->pkts[i] += s->pkts[i];
		sum->sampled += s->sampled;
		sum->lost += s->lost;
		sum->dropped += s->dropped;
		for (i = 0; i < XS_FP_RULES; i++)
			for (k = 0; k < 2; k++)
				sum->hits[i][k] += s->hits[i][k];
	}
	return 0;
}
