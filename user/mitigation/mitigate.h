/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Mitigation tables in the kernel: the blocklist (sources dropped), the
 * allowlist (sources never dropped), and rate limits on destinations. Used
 * by the daemon (rules with a block action) and by the block/unblock/
 * limit/blocks commands against a running instance's pinned maps.
 */
#ifndef XS_MITIGATE_H
#define XS_MITIGATE_H

#include <stdbool.h>
#include "clock.h"
#include "prefix.h"

struct xs_bpf;

struct xs_mitig {
	int block_fd, allow_fd, limit_fd, state_fd, log_fd;
	int ncpus;
	bool own_fds;		/* opened from pins: close them */
};

struct xs_block_info {
	struct xs_prefix prefix;
	struct xs_block v;
};

struct xs_limit_info {
	struct xs_prefix prefix;
	struct xs_limit v;
	__u64 rate_pps, burst;	/* the whole rate, all CPUs */
	__u64 passed, dropped;	/* summed over CPUs */
};

int xs_mitig_from_bpf(struct xs_mitig *m, struct xs_bpf *b);
/* Opens a running instance's tables; logs one line and returns a negative
 * xs_exit code if there is none. */
int xs_mitig_open_pinned(struct xs_mitig *m, const char *pin_dir);
void xs_mitig_close(struct xs_mitig *m);

/* ttl_s = 0: no expiry. Re-blocking an existing prefix updates its TTL
 * and keeps its counters. */
int xs_mitig_block(struct xs_mitig *m, const struct xs_prefix *p, __u64 ttl_s, __u32 by);
int xs_mitig_unblock(struct xs_mitig *m, const struct xs_prefix *p);	/* -ENOENT if absent */
int xs_mitig_allow(struct xs_mitig *m, const struct xs_prefix *p);
/* Is the address covered by the allowlist? */
bool xs_mitig_allowed(struct xs_mitig *m, const struct xs_addr *a);

int xs_mitig_limit(struct xs_mitig *m, const struct xs_prefix *p, __u64 pps, __u64 burst,
		   enum xs_limit_match match, __u64 ttl_s);
int xs_mitig_unlimit(struct xs_mitig *m, const struct xs_prefix *p);

/* Lists the tables (callers free *out). Returns the count or -errno. */
int xs_mitig_list_blocks(struct xs_mitig *m, struct xs_block_info **out);
int xs_mitig_list_limits(struct xs_mitig *m, struct xs_limit_info **out);

/* Removes entries whose TTL has passed; calls fn for each (may be NULL).
 * Returns how many were removed. */
int xs_mitig_expire(struct xs_mitig *m, __u64 now_ns,
		    void (*fn)(void *ctx, const struct xs_prefix *p, bool is_block), void *ctx);

/* Appends to the commands' journal (commands only; the daemon reads it). */
int xs_mitig_log(struct xs_mitig *m, enum xs_mlog_op op, const struct xs_prefix *p, __u32 ttl_s,
		 __u32 match, __u64 pps);
/* Records newer than *seq, oldest first (at most XS_MLOG_LEN); advances
 * *seq. Returns how many were copied into out. */
int xs_mitig_log_read(struct xs_mitig *m, __u64 *seq, struct xs_mlog_rec *out);

extern const char *const xs_limit_match_names[XS_LIM_MAX + 1];
/* Who added a block (XS_BLOCK_BY_*): "user", "rule" or "fleet". */
const char *xs_block_by_name(__u32 by);

#endif
