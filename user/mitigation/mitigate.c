// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpstream.skel.h"
#include "instance.h"
#include "log.h"
#include "mitigate.h"

#define LIMIT_SLOTS 256	/* xs_limit_state entries */

const char *const xs_limit_match_names[XS_LIM_MAX + 1] = {
	[XS_LIM_ALL] = "all", [XS_LIM_SYN] = "syn", [XS_LIM_UDP] = "udp",
	[XS_LIM_ICMP] = "icmp", [XS_LIM_REFLECT] = "reflect", [XS_LIM_MAX] = NULL,
};

const char *xs_block_by_name(__u32 by)
{
	return by == XS_BLOCK_BY_RULE ? "rule" : by == XS_BLOCK_BY_FLEET ? "fleet" : "user";
}

int xs_mitig_from_bpf(struct xs_mitig *m, struct xs_bpf *b)
{
	memset(m, 0, sizeof(*m));
	m->block_fd = bpf_map__fd(b->skel->maps.xs_blocklist);
	m->allow_fd = bpf_map__fd(b->skel->maps.xs_allowlist);
	m->limit_fd = bpf_map__fd(b->skel->maps.xs_limits);
	m->state_fd = bpf_map__fd(b->skel->maps.xs_limit_state);
	m->log_fd = bpf_map__fd(b->skel->maps.xs_mlog);
	m->ncpus = libbpf_num_possible_cpus();
	return m->ncpus > 0 ? 0 : -EINVAL;
}

int xs_mitig_open_pinned(struct xs_mitig *m, const char *pin_dir)
{
	static const char *const names[] = { "xs_blocklist", "xs_allowlist", "xs_limits",
					     "xs_limit_state", "xs_mlog" };
	int *fds[] = { &m->block_fd, &m->allow_fd, &m->limit_fd, &m->state_fd, &m->log_fd };
	int i;

	memset(m, 0, sizeof(*m));
	m->block_fd = m->allow_fd = m->limit_fd = m->state_fd = m->log_fd = -1;
	m->own_fds = true;
	m->ncpus = libbpf_num_possible_cpus();
	for (i = 0; i < 5; i++) {
		*fds[i] = xs_open_pinned(pin_dir, names[i]);
		if (*fds[i] < 0) {
			int err = *fds[i];

			*fds[i] = -1;
			xs_mitig_close(m);
			return err;
		}
	}
	return 0;
}

void xs_mitig_close(struct xs_mitig *m)
{
	if (m->own_fds) {
		if (m->block_fd >= 0)
			close(m->block_fd);
		if (m->allow_fd >= 0)
			close(m->allow_fd);
		if (m->limit_fd >= 0)
			close(m->limit_fd);
		if (m->state_fd >= 0)
			close(m->state_fd);
		if (m->log_fd >= 0)
			close(m->log_fd);
	}
	memset(m, 0, sizeof(*m));
}

int xs_mitig_block(struct xs_mitig *m, const struct xs_prefix *p, __u64 ttl_s, __u32 by)
{
	struct xs_lpm_key k;
	struct xs_block v = {};
	__u64 now = xs_mono_ns();

	xs_prefix_to_lpm(p, &k);
	/* An existing entry keeps its counters; only the TTL changes. */
	if (bpf_map_lookup_elem(m->block_fd, &k, &v)) {
		memset(&v, 0, sizeof(v));
		v.created_ns = now;
	}
	v.expires_ns = ttl_s ? now + ttl_s * 1000000000ULL : 0;
	v.rule = by;
	if (bpf_map_update_elem(m->block_fd, &k, &v, BPF_ANY))
		return -errno;
	return 0;
}

int xs_mitig_unblock(struct xs_mitig *m, const struct xs_prefix *p)
{
	struct xs_lpm_key k;

	xs_prefix_to_lpm(p, &k);
	if (bpf_map_delete_elem(m->block_fd, &k))
		return -errno;
	return 0;
}

int xs_mitig_allow(struct xs_mitig *m, const struct xs_prefix *p)
{
	struct xs_lpm_key k;
	__u32 one = 1;

	xs_prefix_to_lpm(p, &k);
	if (bpf_map_update_elem(m->allow_fd, &k, &one, BPF_ANY))
		return -errno;
	return 0;
}

bool xs_mitig_allowed(struct xs_mitig *m, const struct xs_addr *a)
{
	struct xs_lpm_key k = { .prefixlen = 128 };
	__u32 v;

	memcpy(k.addr, a->a, 16);
	return bpf_map_lookup_elem(m->allow_fd, &k, &v) == 0;
}

/* Iterates an LPM trie's keys into an array; returns the count. */
static int trie_keys(int fd, struct xs_lpm_key **out)
{
	struct xs_lpm_key cur, next, *keys = NULL;
	int n = 0, cap = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (n == cap) {
			void *p = realloc(keys, (cap = cap ? cap * 2 : 64) * sizeof(*keys));

			if (!p) {
				free(keys);
				return -ENOMEM;
			}
			keys = p;
		}
		keys[n++] = next;
		cur = next;
		prev = &cur;
	}
	*out = keys;
	return n;
}

int xs_mitig_list_blocks(struct xs_mitig *m, struct xs_block_info **out)
{
	struct xs_lpm_key *keys;
	struct xs_block_info *info;
	int n = trie_keys(m->block_fd, &keys), i, j = 0;

	if (n < 0)
		return n;
	info = calloc(n ? n : 1, sizeof(*info));
	if (!info) {
		free(keys);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(m->block_fd, &keys[i], &info[j].v))
			continue;	/* removed meanwhile */
		xs_prefix_from_lpm(&keys[i], &info[j++].prefix);
	}
	free(keys);
	*out = info;
	return j;
}

static int read_state(struct xs_mitig *m, __u32 slot, struct xs_limit_info *li)
{
	struct xs_limit_state *pc = calloc(m->ncpus, sizeof(*pc));
	int cpu;

	if (!pc)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->state_fd, &slot, pc)) {
		free(pc);
		return -errno;
	}
	li->rate_pps = li->burst = li->passed = li->dropped = 0;
	for (cpu = 0; cpu < m->ncpus; cpu++) {
		li->rate_pps += pc[cpu].rate_pps;
		li->burst += pc[cpu].burst;
		li->passed += pc[cpu].passed;
		li->dropped += pc[cpu].dropped;
	}
	free(pc);
	return 0;
}

int xs_mitig_list_limits(struct xs_mitig *m, struct xs_limit_info **out)
{
	struct xs_lpm_key *keys;
	struct xs_limit_info *info;
	int n = trie_keys(m->limit_fd, &keys), i, j = 0;

	if (n < 0)
		return n;
	info = calloc(n ? n : 1, sizeof(*info));
	if (!info) {
		free(keys);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(m->limit_fd, &keys[i], &info[j].v))
			continue;
		xs_prefix_from_lpm(&keys[i], &info[j].prefix);
		read_state(m, info[j].v.slot, &info[j]);
		j++;
	}
	free(keys);
	*out = info;
	return j;
}

int xs_mitig_limit(struct xs_mitig *m, const struct xs_prefix *p, __u64 pps, __u64 burst,
		   enum xs_limit_match match, __u64 ttl_s)
{
	struct xs_limit_state *pc;
	struct xs_limit_info *cur = NULL;
	struct xs_lpm_key k;
	struct xs_limit v = { .match = match };
	bool used[LIMIT_SLOTS] = {};
	__u64 now = xs_mono_ns();
	int n, i, cpu, err = 0;

	if (!pps || !burst || match >= XS_LIM_MAX)
		return -EINVAL;
	xs_prefix_to_lpm(p, &k);
	n = xs_mitig_list_limits(m, &cur);
	if (n < 0)
		return n;
	/* Reuse this prefix's slot, or take a free one. */
	v.slot = LIMIT_SLOTS;
	for (i = 0; i < n; i++) {
		used[cur[i].v.slot % LIMIT_SLOTS] = true;
		if (cur[i].prefix.len == p->len && !memcmp(&cur[i].prefix.addr, &p->addr, 16))
			v.slot = cur[i].v.slot;
	}
	free(cur);
	for (i = 0; v.slot == LIMIT_SLOTS && i < LIMIT_SLOTS; i++)
		if (!used[i])
			v.slot = i;
	if (v.slot == LIMIT_SLOTS)
		return -ENOSPC;
	v.expires_ns = ttl_s ? now + ttl_s * 1000000000ULL : 0;

	pc = calloc(m->ncpus, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	/* Each CPU gets its share, rounded up, and a full bucket; at most
	 * 2^32-1 packets/s a CPU (none does more), so that the program's
	 * token arithmetic (packet-nanoseconds) cannot overflow. */
	for (cpu = 0; cpu < m->ncpus; cpu++) {
		pc[cpu].rate_pps = (pps + m->ncpus - 1) / m->ncpus;
		pc[cpu].burst = (burst + m->ncpus - 1) / m->ncpus;
		if (pc[cpu].rate_pps > UINT32_MAX)
			pc[cpu].rate_pps = UINT32_MAX;
		if (pc[cpu].burst > UINT32_MAX)
			pc[cpu].burst = UINT32_MAX;
		pc[cpu].tokens = pc[cpu].burst * 1000000000ULL;
		pc[cpu].last_ns = now;
	}
	/* The bucket first, then the entry that points at it. */
	if (bpf_map_update_elem(m->state_fd, &v.slot, pc, BPF_ANY) ||
	    bpf_map_update_elem(m->limit_fd, &k, &v, BPF_ANY))
		err = -errno;
	free(pc);
	return err;
}

int xs_mitig_unlimit(struct xs_mitig *m, const struct xs_prefix *p)
{
	struct xs_lpm_key k;

	xs_prefix_to_lpm(p, &k);
	if (bpf_map_delete_elem(m->limit_fd, &k))
		return -errno;
	return 0;
}

int xs_mitig_expire(struct xs_mitig *m, __u64 now_ns,
		    void (*fn)(void *ctx, const struct xs_prefix *p, bool is_block), void *ctx)
{
	struct xs_block_info *b = NULL;
	struct xs_limit_info *l = NULL;
	int nb = xs_mitig_list_blocks(m, &b), nl = xs_mitig_list_limits(m, &l), i, n = 0;

	for (i = 0; i < nb; i++)
		if (b[i].v.expires_ns && b[i].v.expires_ns <= now_ns &&
		    !xs_mitig_unblock(m, &b[i].prefix)) {
			if (fn)
				fn(ctx, &b[i].prefix, true);
			n++;
		}
	for (i = 0; i < nl; i++)
		if (l[i].v.expires_ns && l[i].v.expires_ns <= now_ns &&
		    !xs_mitig_unlimit(m, &l[i].prefix)) {
			if (fn)
				fn(ctx, &l[i].prefix, false);
			n++;
		}
	free(b);
	free(l);
	return n;
}

int xs_mitig_log(struct xs_mitig *m, enum xs_mlog_op op, const struct xs_prefix *p, __u32 ttl_s,
		 __u32 match, __u64 pps)
{
	struct xs_mlog_rec r, rec = { .time_ns = xs_mono_ns(), .op = op, .ttl_s = ttl_s,
				      .match = match, .pps = pps };
	__u64 last = 0;
	__u32 i;

	/* The next sequence number after the newest record. Two commands at
	 * the same instant may race for a slot: the journal is for reporting,
	 * the tables themselves are right either way. */
	for (i = 0; i < XS_MLOG_LEN; i++)
		if (!bpf_map_lookup_elem(m->log_fd, &i, &r) && r.seq > last)
			last = r.seq;
	rec.seq = last + 1;
	xs_prefix_to_lpm(p, &rec.key);
	i = rec.seq % XS_MLOG_LEN;
	return bpf_map_update_elem(m->log_fd, &i, &rec, BPF_ANY) ? -errno : 0;
}

static int cmp_seq(const void *a, const void *b)
{
	__u64 x = ((const struct xs_mlog_rec *)a)->seq, y = ((const struct xs_mlog_rec *)b)->seq;

	return x < y ? -1 : x > y;
}

int xs_mitig_log_read(struct xs_mitig *m, __u64 *seq, struct xs_mlog_rec *out)
{
	struct xs_mlog_rec r;
	__u32 i;
	int n = 0;

	for (i = 0; i < XS_MLOG_LEN; i++)
		if (!bpf_map_lookup_elem(m->log_fd, &i, &r) && r.seq > *seq)
			out[n++] = r;
	qsort(out, n, sizeof(*out), cmp_seq);
	if (n)
		*seq = out[n - 1].seq;
	return n;
}
