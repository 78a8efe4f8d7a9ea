// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpstream.skel.h"
#include "collector.h"
#include "status.h"

int xs_status_init(struct xs_status_pub *p, struct xs_bpf *b, const struct xs_sizes *sz,
		   unsigned int tick_ms)
{
	memset(p, 0, sizeof(*p));
	p->status_fd = bpf_map__fd(b->skel->maps.xs_status);
	p->top_fd = bpf_map__fd(b->skel->maps.xs_top);
	p->st.start_time = time(NULL);
	p->st.pid = getpid();
	p->st.tick_ms = tick_ms;
	p->st.dst_capacity = sz->dst_entries;
	p->st.src_capacity = sz->src_entries;
	p->st.flow_capacity = sz->flow_entries;
	return 0;
}

void xs_status_set_sink(struct xs_status_pub *p, int i, const char *name, int up, __u64 sent,
			__u64 failed, __u64 queued, __u64 spooled)
{
	struct xs_sink_status *s;

	if (i < 0 || i >= XS_STATUS_SINKS)
		return;
	s = &p->st.sinks[i];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->up = up;
	s->sent = sent;
	s->failed = failed;
	s->queued = queued;
	s->spooled = spooled;
	if ((__u32)i >= p->st.nsinks)
		p->st.nsinks = i + 1;
}

/* Insertion into a small descending array: n is at most XS_TOP_N. */
static void consider(struct xs_top_entry *top, __u32 *n, const struct xs_addr *a, __u64 pkts,
		     __u64 bytes, __u64 syn)
{
	__u32 i;

	if (*n == XS_TOP_N && pkts <= top[XS_TOP_N - 1].pkts)
		return;
	i = *n < XS_TOP_N ? (*n)++ : XS_TOP_N - 1;
	while (i > 0 && top[i - 1].pkts < pkts) {
		top[i] = top[i - 1];
		i--;
	}
	top[i] = (struct xs_top_entry){ .addr = *a, .pkts = pkts, .bytes = bytes, .syn = syn };
}

void xs_top_dst(const struct xs_tick *t, struct xs_top_entry *out, __u32 *n)
{
	size_t i;

	*n = 0;
	for (i = 0; i < t->ndst; i++)
		consider(out, n, &t->dst[i].addr, t->dst[i].v.pkts, t->dst[i].v.bytes,
			 t->dst[i].v.syn);
}

void xs_top_src(const struct xs_tick *t, struct xs_top_entry *out, __u32 *n)
{
	size_t i;

	*n = 0;
	for (i = 0; i < t->nsrc; i++)
		consider(out, n, &t->src[i].addr, t->src[i].v.pkts, t->src[i].v.bytes,
			 t->src[i].v.syn);
}

void xs_status_tick(struct xs_status_pub *p, const struct xs_tick *t, double secs,
		    unsigned int lag_us, __u64 alerts_active)
{
	__u32 zero = 0;

	p->st.last_tick_time = time(NULL);
	p->st.ticks++;
	p->st.tick_lag_us = lag_us;
	p->st.dst_entries = t->ndst;
	p->st.src_entries = t->nsrc;
	p->st.alerts_active = alerts_active;
	p->st.last = t->g;
	p->st.last_secs_x1000 = (__u64)(secs * 1000 + 0.5);
	bpf_map_update_elem(p->status_fd, &zero, &p->st, BPF_ANY);

	memset(&p->top, 0, sizeof(p->top));
	p->top.epoch = t->epoch;
	xs_top_dst(t, p->top.dst, &p->top.ndst);
	xs_top_src(t, p->top.src, &p->top.nsrc);
	bpf_map_update_elem(p->top_fd, &zero, &p->top, BPF_ANY);
}
