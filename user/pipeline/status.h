/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What the daemon publishes each tick for `xdpstream status` and `top`. */
#ifndef XS_STATUS_H
#define XS_STATUS_H

#include <stdio.h>
#include "loader.h"
#include "xs_abi.h"

struct xs_tick;

struct xs_status_pub {
	int status_fd, top_fd, board_fd;
	struct xs_status st;
	struct xs_top top;
};

int xs_status_init(struct xs_status_pub *p, struct xs_bpf *b, const struct xs_sizes *sz,
		   unsigned int tick_ms);
/* Sink i's health (i < XS_STATUS_SINKS), shown from the next tick on. */
void xs_status_set_sink(struct xs_status_pub *p, int i, const char *name, int up, __u64 sent,
			__u64 failed, __u64 queued, __u64 spooled);
void xs_status_tick(struct xs_status_pub *p, const struct xs_tick *t, double secs,
		    unsigned int lag_us, __u64 alerts_active);

/* Fingerprints and BGP (xs_fp_board), shown from now on. */
void xs_status_board(struct xs_status_pub *p, const struct xs_fp_board *b);

/* The board as `status` and `top` print it (lines), and as `status
 * --json` members (",\"bgp\":...,\"fingerprints\":[...]"). */
void xs_board_print(FILE *f, const struct xs_fp_board *b);
/* Reads a running instance's board, quietly (an older build has none). */
int xs_board_read(const char *pin_dir, struct xs_fp_board *b);
void xs_board_print_json(FILE *f, const struct xs_fp_board *b);

/* Picks the n largest entries by packets (descending) into out. */
void xs_top_dst(const struct xs_tick *t, struct xs_top_entry *out, __u32 *n);
void xs_top_src(const struct xs_tick *t, struct xs_top_entry *out, __u32 *n);

#endif
