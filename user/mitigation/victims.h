/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The kernel's table of watched victims (xs_victims, xs_vstats) and their
 * samples (xs_fp_ring): a victim under a flood or reflection alert gets a
 * slot, a sampling rate and, later, its fingerprint rules. The program
 * looks the table up only while it is not empty (the XS_RT_VICTIMS flag,
 * set through the collector, which owns the run-time map). Samples arrive
 * through the collector's ring buffer set (one epoll fd for the daemon).
 */
#ifndef XS_VICTIMS_H
#define XS_VICTIMS_H

#include <stdbool.h>
#include <stdint.h>

#include "collector.h"
#include "xs_abi.h"

struct xs_bpf;

typedef void (*xs_sample_fn)(void *ctx, const struct xs_fp_sample *s, size_t size);

struct xs_victims {
	int map_fd, stats_fd;
	int ncpus;
	struct xs_collector *col;
	bool headers;		/* samples carry the packet's first bytes */
	int n;			/* victims watched */
	bool used[XS_VICTIMS_MAX];
	struct xs_addr addr[XS_VICTIMS_MAX];
	struct xs_vstats *pcpu;	/* read buffer, one per CPU */
	xs_sample_fn fn;
	void *ctx;
	uint64_t samples;	/* samples received */
};

/* Takes the program's tables, empties them (a daemon that starts knows of
 * no alert: what an earlier one watched or dropped is forgotten), and
 * adds the sample ring to the collector's ring buffer set, fn receiving
 * each sample. Returns 0 or a negative errno (logged). */
int xs_victims_init(struct xs_victims *v, struct xs_bpf *b, struct xs_collector *col,
		    xs_sample_fn fn, void *ctx);
void xs_victims_free(struct xs_victims *v);

/* Samples carry the first XS_FP_SNAP bytes of the packet (for pcaps). */
int xs_victims_set_headers(struct xs_victims *v, bool on);

/* Watches a (zeroed counters, no rule, sampling as given). Returns its
 * slot, or -ENOSPC (XS_VICTIMS_MAX watched) or -errno. Watching a victim
 * already watched returns its slot and changes nothing. */
int xs_victims_watch(struct xs_victims *v, const struct xs_addr *a, uint32_t every,
		     uint32_t budget);
/* Rewrites a's entry (sampling, rules, expiry); val->slot must be a's. */
int xs_victims_put(struct xs_victims *v, const struct xs_addr *a, const struct xs_victim *val);
int xs_victims_get(struct xs_victims *v, const struct xs_addr *a, struct xs_victim *val);
int xs_victims_unwatch(struct xs_victims *v, const struct xs_addr *a);
int xs_victims_slot(const struct xs_victims *v, const struct xs_addr *a);

/* A slot's counters summed over the CPUs (the state fields are CPU 0's). */
int xs_victims_stats(struct xs_victims *v, int slot, struct xs_vstats *sum);

#endif
