// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpstream.skel.h"
#include "collector.h"
#include "names.h"
#include "rules.h"
#include "speaker.h"
#include "status.h"

int xs_status_init(struct xs_status_pub *p, struct xs_bpf *b, const struct xs_sizes *sz,
		   unsigned int tick_ms)
{
	memset(p, 0, sizeof(*p));
	p->status_fd = bpf_map__fd(b->skel->maps.xs_status);
	p->top_fd = bpf_map__fd(b->skel->maps.xs_top);
	p->board_fd = bpf_map__fd(b->skel->maps.xs_fp_board);
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

void xs_status_board(struct xs_status_pub *p, const struct xs_fp_board *b)
{
	__u32 zero = 0;

	bpf_map_update_elem(p->board_fd, &zero, b, BPF_ANY);
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

int xs_board_read(const char *pin_dir, struct xs_fp_board *b)
{
	char path[512];
	__u32 zero = 0;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/xs_fp_board", pin_dir);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, b))
		err = -errno;
	close(fd);
	return err;
}

static void actions(FILE *f, __u32 a, bool json)
{
	int i, n = 0;

	for (i = XS_ACT_FILTER; i < XS_ACT_MAX; i++)
		if (a & (1u << i))
			fprintf(f, json ? "%s\"%s\"" : "%s%s", n++ ? (json ? "," : " ") : "",
				xs_action_names[i]);
	if (!n && !json)
		fprintf(f, "none");
}

void xs_board_print(FILE *f, const struct xs_fp_board *b)
{
	char a[XS_ADDR_STRLEN];
	__u32 i;

	if (b->bgp_state)
		fprintf(f, "bgp: %s, %u routes announced (%llu announced, %llu withdrawn, %llu refused "
			   "in all)\n",
			xs_bgp_state_names[b->bgp_state < 4 ? b->bgp_state : 0], b->bgp_active,
			(unsigned long long)b->bgp_announced, (unsigned long long)b->bgp_withdrawn,
			(unsigned long long)b->bgp_refused);
	fprintf(f, "fingerprints: %u victims watched\n", b->watched);
	for (i = 0; i < b->n && i < XS_FP_BOARD_N; i++) {
		const struct xs_fp_board_entry *e = &b->e[i];

		fprintf(f, "  %s %s %s: ", xs_addr_str(&e->victim, a), e->rule, e->alert_id);
		if (!e->match[0]) {
			fprintf(f, "sampling (%llu samples)\n", (unsigned long long)e->samples);
			continue;
		}
		fprintf(f, "%s (covers %.1f%%, others %.1f%%; ", e->match, e->coverage_ppm / 1e4,
			e->collateral_ppm / 1e4);
		actions(f, e->actions, false);
		fprintf(f, "; %u routes, %llu packets matched by its rules)\n", e->routes,
			(unsigned long long)e->dropped);
	}
}

/* A string for JSON: the board's own text, quotes and backslashes escaped. */
static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

void xs_board_print_json(FILE *f, const struct xs_fp_board *b)
{
	char a[XS_ADDR_STRLEN];
	__u32 i;

	if (b->bgp_state)
		fprintf(f, ",\"bgp\":{\"state\":\"%s\",\"active\":%u,\"announced\":%llu,"
			   "\"withdrawn\":%llu,\"refused\":%llu}",
			xs_bgp_state_names[b->bgp_state < 4 ? b->bgp_state : 0], b->bgp_active,
			(unsigned long long)b->bgp_announced, (unsigned long long)b->bgp_withdrawn,
			(unsigned long long)b->bgp_refused);
	fprintf(f, ",\"victims_watched\":%u,\"fingerprints\":[", b->watched);
	for (i = 0; i < b->n && i < XS_FP_BOARD_N; i++) {
		const struct xs_fp_board_entry *e = &b->e[i];

		fprintf(f, "%s{\"victim\":\"%s\",\"rule\":", i ? "," : "",
			xs_addr_str(&e->victim, a));
		jstr(f, e->rule);
		fprintf(f, ",\"alert_id\":");
		jstr(f, e->alert_id);
		fprintf(f, ",\"match\":");
		jstr(f, e->match);
		fprintf(f, ",\"coverage\":%.4f,\"collateral\":%.4f,\"actions\":[",
			e->coverage_ppm / 1e6, e->collateral_ppm / 1e6);
		actions(f, e->actions, true);
		fprintf(f, "],\"routes\":%u,\"samples\":%llu,\"packets_matched\":%llu}", e->routes,
			(unsigned long long)e->samples, (unsigned long long)e->dropped);
	}
	fprintf(f, "]");
}
