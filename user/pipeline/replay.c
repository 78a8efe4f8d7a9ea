// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "loader.h"
#include "log.h"
#include "pipeline.h"
#include "replay.h"
#include "siphash.h"

#define POLL_EVERY 1024		/* frames between ring-buffer reads */

struct replay {
	const struct xs_replay_opts *o;
	struct xs_replay_stats *st;
	struct xs_pipeline pipe;
	struct xs_bpf b;
	int prog_fd;
	uint64_t tick_ns;
	uint64_t cur;		/* tick being filled, in capture time */
	bool started;
	bool dry;		/* no program: frames only counted (fuzzing) */
};

/* The per-CPU maps and the per-CPU event budget are only deterministic
 * if every frame runs on the same CPU. */
static void pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		cpu = 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		xs_warn("cannot pin the replay to CPU %d (%s): per-CPU budgets may vary",
			cpu, strerror(errno));
}

static double tick_end(const struct replay *r, uint64_t k)
{
	return (double)(k + 1) * (double)r->tick_ns / 1e9;
}

/* Every alert goes to the caller; --enforce notes the floods'. */
static void on_alert(void *ctx, const struct xs_alert_out *a)
{
	const struct xs_replay_opts *o = ctx;

	if (o->enforce && !strcmp(a->action, "start"))
		xs_enforce_add(o->enforce, a->event_id, a->rule, a->dst_ip);
	if (o->on_alert)
		o->on_alert(o->ctx, a);
}

/* Ends the tick being filled: the pipeline, as live, at capture time. */
static int end_tick(struct replay *r)
{
	int err = xs_pipeline_tick(&r->pipe, tick_end(r, r->cur), NULL);

	if (err)
		xs_err("cannot read the BPF maps: %s", strerror(-err));
	return err;
}

static int advance_to(struct replay *r, uint64_t k)
{
	int err;

	if (k <= r->cur)
		return 0;
	err = end_tick(r);
	if (err)
		return err;
	/* Ticks without a frame still move the windows on. */
	if (k - r->cur > 1)
		xs_pipeline_idle(&r->pipe, k - r->cur - 1, tick_end(r, k - 1));
	r->cur = k;
	return 0;
}

/* --speed: holds the frame until its time comes (capture time since the
 * first frame, divided by the speed), servicing the outputs meanwhile so
 * that sinks deliver, reconnect and spool as they would live. */
static void pace(struct replay *r, double ts, double t0)
{
	double due = t0 + (ts - r->st->first_ts) / r->o->speed, now;

	while ((now = xs_mono_s()) < due) {
		double left = due - now;
		struct timespec d = { 0, (long)((left > 0.05 ? 0.05 : left) * 1e9) };

		if (r->o->out)
			xs_output_service(r->o->out);
		nanosleep(&d, NULL);
	}
}

static int run_frame(struct replay *r, const struct pcap_pkthdr *h, const uint8_t *data)
{
	uint32_t len = h->caplen;
	struct bpf_test_run_opts opts = { .sz = sizeof(opts), .data_in = data, .repeat = 1 };

	if (!len) {
		r->st->skipped[XS_SKIP_EMPTY]++;
		return 0;
	}
	if (h->caplen < h->len)
		r->st->snapped++;
	if (len > XS_REPLAY_MAX_FRAME) {
		len = XS_REPLAY_MAX_FRAME;
		r->st->truncated++;
	}
	opts.data_size_in = len;
	if (!r->dry && bpf_prog_test_run_opts(r->prog_fd, &opts)) {
		r->st->skipped[XS_SKIP_RUN_ERROR]++;
		r->st->run_errno = errno;
		return 0;
	}
	r->st->frames++;
	r->st->bytes += h->caplen;
	return 0;
}

static int replay_loop(struct replay *r, pcap_t *p)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	double max_ts = 0, prev_ts = 0, t0 = xs_mono_s();
	int ret, err;

	for (;;) {
		uint64_t ns, k;
		double ts;

		ret = pcap_next_ex(p, &h, &data);
		if (ret == PCAP_ERROR_BREAK)
			break;
		if (ret == PCAP_ERROR) {
			const char *why = pcap_geterr(p);

			snprintf(r->st->read_error, sizeof(r->st->read_error), "%s", why);
			if (strstr(why, "truncated"))
				r->st->file_truncated = true;
			break;
		}
		if (ret != 1)
			continue;
		/* Nanosecond precision was asked for at open. */
		ns = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
		ts = ns / 1e9;
		k = ns / r->tick_ns;
		if (!r->started) {
			r->started = true;
			r->cur = k;
			r->st->first_ts = ts;
			max_ts = ts;
			xs_pipeline_tick_start(&r->pipe, (double)k * (double)r->tick_ns / 1e9);
		}
		/* Earlier than the frame before: counted; time never goes back,
		 * the frame counts in the current tick. */
		if (ts < prev_ts)
			r->st->out_of_order++;
		prev_ts = ts;
		if (ts > max_ts)
			max_ts = ts;
		if (r->o->speed > 0)
			pace(r, max_ts, t0);
		err = advance_to(r, k);
		if (err)
			return err;
		/* Bursts: the kernel counts the frame in its slice of the tick
		 * (time never goes back: a late frame counts in the current). */
		xs_pipeline_slice(&r->pipe, max_ts);
		run_frame(r, h, data);
		if (!r->dry && !((r->st->frames + 1) % POLL_EVERY)) {
			xs_pipeline_poll(&r->pipe);
			if (r->o->out)
				xs_output_service(r->o->out);
		}
	}
	r->st->last_ts = max_ts;
	return 0;
}

static const char *linktype_name(int dlt)
{
	const char *n = pcap_datalink_val_to_name(dlt);

	return n ? n : "unknown";
}

/* The end of the capture: the last tick, then time runs on without
 * traffic until every alert has ended. */
static int finish(struct replay *r)
{
	if (!r->started)
		return 0;
	if (end_tick(r))
		return -1;
	xs_engine_drain(r->pipe.eng, tick_end(r, r->cur));
	return 0;
}

/* Replay's hashing secret, from the capture itself (its size and first
 * 64 KiB): the same capture gives the same output on every run, as a
 * replay must, and nothing fixed and public does (a crafted capture
 * cannot aim at buckets it must first contain). */
static void capture_secret(const char *path, struct xs_secret *sec)
{
	static const struct xs_sipkey k = { 0x78647073747265ULL, 0x616d2d7265706c61ULL };
	uint8_t buf[65536 + 8];
	size_t n = 8;
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : NULL;
	long size = 0;
	int i;

	if (f) {
		if (!fseek(f, 0, SEEK_END))
			size = ftell(f);
		rewind(f);
		n += fread(buf + 8, 1, sizeof(buf) - 8, f);
		fclose(f);
	}
	memcpy(buf, &size, 8);
	for (i = 0; i < 4; i++) {
		struct xs_sipkey ki = { k.k0 + (uint64_t)i, k.k1 };

		sec->k[i] = xs_siphash13(&ki, buf, n);
	}
}

int xs_replay_dry(void *pcap, const struct xs_settings *s, struct xs_replay_stats *st)
{
	struct xs_replay_opts o = { .settings = s };
	struct xs_pipeline_opts po = { .settings = s };
	struct replay r = { .o = &o, .st = st, .dry = true };
	int ret;

	memset(st, 0, sizeof(*st));
	r.tick_ns = (uint64_t)s->tick_ms * 1000000ULL;
	ret = xs_pipeline_init(&r.pipe, &po);
	if (ret)
		return ret;
	ret = replay_loop(&r, pcap);
	if (!ret)
		finish(&r);
	st->ticks = r.pipe.ticks;
	xs_pipeline_free(&r.pipe);
	return ret;
}

int xs_replay_run(const struct xs_replay_opts *o, struct xs_replay_stats *st)
{
	const struct xs_settings *s = o->settings;
	struct xs_pipeline_opts po = {
		.settings = s,
		.out = o->out,
		.on_alert = on_alert,
		.ctx = (void *)o,
	};
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct replay r = { .o = o, .st = st };
	double t0 = xs_mono_s();
	pcap_t *p;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	p = pcap_open_offline_with_tstamp_precision(o->path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		xs_err("cannot read capture %s: %s", o->path, errbuf);
		return -XS_EXIT_USAGE;
	}
	st->linktype = pcap_datalink(p);
	if (st->linktype != DLT_EN10MB) {
		xs_err("%s: link type %s (%s) is not Ethernet: replay reads Ethernet captures only",
		       o->path, linktype_name(st->linktype),
		       pcap_datalink_val_to_description(st->linktype)
			       ? pcap_datalink_val_to_description(st->linktype)
			       : "no description");
		pcap_close(p);
		return -XS_EXIT_USAGE;
	}
	pin_cpu();
	r.tick_ns = (uint64_t)s->tick_ms * 1000000ULL;
	ret = xs_pipeline_init(&r.pipe, &po);
	if (ret) {
		pcap_close(p);
		return ret;
	}
	{
		struct xs_secret sec;

		capture_secret(o->path, &sec);
		xs_bpf_set_secret(&sec);
		ret = xs_bpf_load(&r.b, &s->sizes) ? -XS_EXIT_LOAD : 0;
		xs_bpf_set_secret(NULL);
		if (ret)
			goto out;
	}
	r.prog_fd = xs_bpf_prog_fd(&r.b);
	/* Not live: one CPU runs every frame (pin_cpu), synchronously. */
	ret = xs_pipeline_collect(&r.pipe, &r.b, false);
	if (ret)
		goto out;
	st->load_s = xs_mono_s() - t0;
	if (replay_loop(&r, p) || finish(&r)) {
		ret = -XS_EXIT_FAIL;
		goto out;
	}
	st->totals = r.pipe.col.totals.g;
	xs_engine_get_stats(r.pipe.eng, &st->eng);
	if (o->enforce) {
		o->enforce->path = o->path;
		ret = xs_enforce_run(o->enforce, s);
	}
out:
	st->ticks = r.pipe.ticks;
	st->wall_s = xs_mono_s() - t0 - st->load_s;
	xs_pipeline_free(&r.pipe);
	if (r.b.skel)
		xs_bpf_close(&r.b);
	pcap_close(p);
	return ret;
}
