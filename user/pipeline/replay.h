/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Replay: a pcap or pcapng capture through the same XDP program (loaded,
 * not attached; each frame via BPF_PROG_TEST_RUN) and the same engine as
 * `run`, with the epoch flipped at tick boundaries of the capture's own
 * timestamps. Deterministic: the process is pinned to one CPU, so the
 * per-CPU event budget and maps behave the same on every run.
 */
#ifndef XS_REPLAY_H
#define XS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include "engine.h"
#include "enforce.h"
#include "output.h"
#include "settings.h"

/* The largest frame BPF_PROG_TEST_RUN takes in one linear buffer for a
 * program without multi-buffer support: a page less XDP headroom (256)
 * and the skb_shared_info tailroom (320). Longer frames are truncated to
 * it (the program then sees the headers, which is all it reads). */
#define XS_REPLAY_MAX_FRAME 3520

enum xs_replay_skip {
	XS_SKIP_RUN_ERROR = 0,	/* the kernel refused the test run */
	XS_SKIP_EMPTY,		/* zero captured bytes */
	XS_SKIP_MAX
};

struct xs_replay_stats {
	uint64_t frames;	/* frames run through the program */
	uint64_t bytes;		/* their captured bytes, before truncation */
	uint64_t ticks;		/* ticks the capture spans */
	uint64_t truncated;	/* longer than XS_REPLAY_MAX_FRAME: truncated */
	uint64_t snapped;	/* captured shorter than on the wire (snaplen) */
	uint64_t out_of_order;	/* timestamp earlier than the frame before's */
	uint64_t skipped[XS_SKIP_MAX];
	int run_errno;		/* the last test-run error */
	bool file_truncated;	/* the file ends in the middle of a record */
	char read_error[256];	/* why reading stopped early, if it did */
	int linktype;
	double first_ts, last_ts;	/* capture time */
	double load_s;		/* how long loading the program took */
	double wall_s;		/* how long the replay took after that */
	struct xs_global totals;	/* the program's counters */
	struct xs_engine_stats eng;
};

struct xs_replay_opts {
	const char *path;
	const struct xs_settings *settings;
	struct xs_outputs *out;	/* alerts and drained ticks go there (NULL: nowhere);
				 * opened by the caller */
	xs_alert_fn on_alert;	/* and each alert to this too, if set */
	void *ctx;
	double speed;		/* 0: as fast as possible; 1: the capture's own
				 * pace; 10: ten times faster (outputs are
				 * serviced while waiting) */
	struct xs_enforce *enforce;	/* --enforce: filled after the replay (NULL: off) */
};

/* Returns 0, or a negative xs_exit code with the reason logged as one
 * line (unreadable file, not Ethernet, BPF load failure, ...). */
int xs_replay_run(const struct xs_replay_opts *o, struct xs_replay_stats *st);

/* The capture reader and the replay's clock without the XDP program, on a
 * capture already open (a pcap_t *): frames are only counted, the engine
 * sees empty ticks. For fuzzing the reader; never touches the kernel. */
int xs_replay_dry(void *pcap, const struct xs_settings *s, struct xs_replay_stats *st);

#endif
