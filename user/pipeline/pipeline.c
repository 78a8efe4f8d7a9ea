// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exitcode.h"
#include "log.h"
#include "pipeline.h"
#include "speaker.h"

static void on_alert(void *ctx, const struct xs_alert_out *a)
{
	struct xs_pipeline *p = ctx;

	if (p->out)
		xs_output_alert(p->out, a);
	if (p->pol)
		xs_mpolicy_on_alert(p->pol, a);
	if (p->fpol)
		xs_fpolicy_on_alert(p->fpol, a);
	if (p->on_alert)
		p->on_alert(p->ctx, a);
}

static void on_event(void *ctx, const struct xs_flow_event *e)
{
	struct xs_pipeline *p = ctx;

	p->events++;
	xs_engine_on_event(p->eng, e);
	if (p->fleet)
		xs_fleet_on_event(p->fleet, e);
}

static struct xs_engine *new_engine(struct xs_pipeline *p, const struct xs_settings *s)
{
	struct xs_engine_opts eo = {
		.settings = s,
		.ifname = p->ifname,
		.on_alert = on_alert,
		.ctx = p,
	};

	return xs_engine_new(&eo);
}

int xs_pipeline_init(struct xs_pipeline *p, const struct xs_pipeline_opts *o)
{
	memset(p, 0, sizeof(*p));
	p->wkeys = calloc(XS_WATCH_MAX, sizeof(*p->wkeys));
	if (!p->wkeys) {
		xs_err("out of memory");
		return -XS_EXIT_FAIL;
	}
	p->set = o->settings;
	p->ifname = o->ifname;
	p->out = o->out;
	p->on_alert = o->on_alert;
	p->ctx = o->ctx;
	p->eng = new_engine(p, o->settings);
	if (!p->eng) {
		xs_err("out of memory for the engine: lower the limits in the configuration");
		free(p->wkeys);
		p->wkeys = NULL;
		return -XS_EXIT_FAIL;
	}
	if (o->settings->fleet.aggregates && o->out) {
		p->fleet = xs_fleet_new(o->settings);
		if (!p->fleet)
			return -XS_EXIT_FAIL;
	}
	return 0;
}

int xs_pipeline_knobs(struct xs_collector *col, const struct xs_settings *s, unsigned int cpus)
{
	/* The kernel counts the budget per CPU and per tick. */
	uint64_t budget = (s->event_budget * s->tick_ms / 1000 + cpus - 1) / cpus;

	/* Admission too, rounded up so that a low setting never turns it off. */
	uint64_t after = (s->admit_after * s->tick_ms + 1000ULL * cpus - 1) / (1000ULL * cpus);
	__u8 shift = 0;

	if (budget > UINT32_MAX)
		budget = UINT32_MAX;
	if (after > 0xffff)
		after = 0xffff;
	while ((1u << shift) < s->admit_sample)
		shift++;
	return xs_collector_set_budget(col, (__u32)budget) ||
	       xs_collector_set_admission(col, (__u16)after, shift) ||
	       xs_collector_set_flow_ttl(col, (XS_FLOW_TTL_MS + s->tick_ms - 1) / s->tick_ms) ||
	       xs_collector_set_reflector_ports(col, s->refl_ports, s->nrefl_ports);
}

int xs_pipeline_collect(struct xs_pipeline *p, struct xs_bpf *b, bool live)
{
	if (xs_collector_init(&p->col, b, live, on_event, p))
		return -XS_EXIT_FAIL;
	p->collecting = true;
	p->last_tick = xs_mono_s();
	p->slice_clock = live ? XS_SLICE_LIVE : XS_SLICE_CAPTURE;
	p->tick_t0 = p->slice_t0[0] = live ? p->last_tick : 0;
	p->slice = 0;
	if (xs_pipeline_knobs(&p->col, p->set, live ? (unsigned int)p->col.ncpus : 1)) {
		xs_err("cannot configure the BPF program: %s", strerror(errno));
		return -XS_EXIT_FAIL;
	}
	{
		struct xs_fpolicy_opts fo = {
			.settings = p->set,
			.b = b,
			.col = &p->col,
			.live = live,
			.ncpus = live ? p->col.ncpus : 1,
		};

		p->fpol = xs_fpolicy_new(&fo);
		if (!p->fpol)
			return -XS_EXIT_FAIL;
		xs_fpolicy_attach(p->fpol, p->eng);
	}
	if (p->fleet && xs_fleet_attach(p->fleet, b, p->col.ncpus))
		return -XS_EXIT_FAIL;
	/* The program calls the fleet's sketches only when they can be used. */
	if (xs_collector_set_flags(&p->col, xs_fleet_sketches(p->fleet) ?
						    p->col.rt.flags | XS_RT_FLEET :
						    p->col.rt.flags & ~XS_RT_FLEET)) {
		xs_err("cannot configure the BPF program: %s", strerror(errno));
		return -XS_EXIT_FAIL;
	}
	/* A kept program has counted since the last daemon's last tick. */
	p->tick_start = xs_fleet_resume_time(p->fleet);
	if (!p->tick_start)
		p->tick_start = xs_wall_s();
	return 0;
}

/* Enforce mode's fragment policy, a kernel flag: only where the policy
 * runs (run, not replay). */
static int frag_policy(struct xs_pipeline *p, const struct xs_settings *s)
{
	__u32 f = p->col.rt.flags & ~XS_RT_DROP_FRAG_EVASION;

	if (s->mitigation->enforce && s->mitigation->drop_fragment_evasion)
		f |= XS_RT_DROP_FRAG_EVASION;
	return p->collecting ? xs_collector_set_flags(&p->col, f) : 0;
}

int xs_pipeline_mitigate(struct xs_pipeline *p, struct xs_mitig *m, bool bgp)
{
	p->pol = xs_mpolicy_new(m, p->set, p->out);
	if (!p->pol)
		return -XS_EXIT_FAIL;
	xs_mpolicy_set_engine(p->pol, p->eng);
	if (frag_policy(p, p->set))
		xs_warn("cannot set the fragment policy in the kernel: %s", strerror(errno));
	if (p->fpol)
		xs_fpolicy_act(p->fpol, p->out, bgp);
	if (p->set->fleet.mitigation) {
		p->fleet_mit = xs_fleet_consumer_new(p->set, p->pol);
		if (!p->fleet_mit)
			return -XS_EXIT_ENV;
	}
	return 0;
}

int xs_pipeline_fd(const struct xs_pipeline *p)
{
	return xs_fleet_consumer_fd(p->fleet_mit);
}

void xs_pipeline_service(struct xs_pipeline *p)
{
	xs_fleet_consumer_poll(p->fleet_mit, xs_wall_s());
}

void xs_pipeline_publish(struct xs_pipeline *p, struct xs_status_pub *st)
{
	p->status = st;
}

void xs_pipeline_free(struct xs_pipeline *p)
{
	/* Before the collector: its ring buffer set holds the samples'. */
	xs_fpolicy_free(p->fpol);
	if (p->collecting)
		xs_collector_free(&p->col);
	xs_fleet_consumer_free(p->fleet_mit);
	xs_mpolicy_free(p->pol);
	xs_engine_free(p->eng);
	free(p->wkeys);
	xs_fleet_free(p->fleet);
	memset(p, 0, sizeof(*p));
}

/* Fingerprints and BGP for the metrics sink. */
static void mitig_info(struct xs_pipeline *p)
{
	struct xs_mitig_info mi = {};
	struct xs_fpolicy_stats fs;
	struct xs_bgp_status bs;
	int i;

	xs_fpolicy_get_stats(p->fpol, &fs);
	mi.victims = fs.watched;
	mi.fp_found = fs.found;
	mi.fp_changed = fs.changed;
	mi.samples = fs.samples;
	mi.filter_rules = fs.filters;
	xs_bgp_get_status(&bs);
	if (bs.state != XS_BGP_CLOSED) {
		mi.bgp = 1;
		mi.bgp_up = bs.state == XS_BGP_UP;
		mi.bgp_state = xs_bgp_state_names[bs.state];
		mi.routes_blackhole = bs.active_blackholes;
		mi.routes_flowspec = bs.active_flowspec;
		mi.announced = bs.announced;
		mi.withdrawn = bs.withdrawn;
		mi.nrefusals = XS_BGP_REF_MAX;
		for (i = 0; i < XS_BGP_REF_MAX && i < XS_MITIG_REFUSALS; i++) {
			mi.refusal_names[i] = xs_bgp_refusal_names[i];
			mi.refused[i] = bs.refused[i];
		}
		mi.speaker_errors = bs.speaker_errors;
		mi.speaker_starts = bs.speaker_starts;
		mi.session_ups = bs.session_ups;
		mi.session_downs = bs.session_downs;
	}
	xs_output_mitig_info(p->out, &mi);
}

/* What `status` and `top` read: the tick, its timing, the sinks' health. */
static void publish(struct xs_pipeline *p, double drained, double started)
{
	struct xs_output_health h;
	int k;

	for (k = 0; p->out && !xs_output_health(p->out, k, &h); k++)
		xs_status_set_sink(p->status, k, h.name, h.up, h.sent, h.failed, h.queued,
				   h.spooled);
	xs_status_tick(p->status, &p->tick, drained - p->last_tick,
		       (unsigned int)((drained - started) * 1e6), 0);
	if (p->fpol) {
		struct xs_fp_board b;

		xs_fpolicy_board(p->fpol, &b);
		xs_status_board(p->status, &b);
	}
}

void xs_pipeline_slice(struct xs_pipeline *p, double now)
{
	double len = p->set->tick_ms / 1000.0 / XS_SLICES, k;
	unsigned int j, to;

	if (p->slice_clock == XS_SLICE_OFF || now <= p->tick_t0)
		return;
	k = (now - p->tick_t0) / len;
	to = k >= XS_SLICES - 1 ? XS_SLICES - 1 : (unsigned int)k;
	if (to <= p->slice)
		return;
	for (j = p->slice + 1; j <= to; j++)
		p->slice_t0[j] = p->slice_clock == XS_SLICE_CAPTURE ? p->tick_t0 + j * len : now;
	if (!xs_collector_set_slice(&p->col, to))
		p->slice = to;
}

/* How long each slice of the tick ending at `end` lasted; the slices it
 * never reached, 0. Capture time: exactly tick / XS_SLICES each (a slice
 * is entered only by a frame that falls in it). */
static void slice_lengths(struct xs_pipeline *p, double end, float *out)
{
	unsigned int j;

	memset(out, 0, sizeof(float) * XS_SLICES);
	if (p->slice_clock == XS_SLICE_OFF)
		return;
	for (j = 0; j <= p->slice; j++) {
		double to = j < p->slice ? p->slice_t0[j + 1] : end;

		if (p->slice_clock == XS_SLICE_CAPTURE)
			out[j] = (float)(p->set->tick_ms / 1000.0 / XS_SLICES);
		else
			out[j] = to > p->slice_t0[j] ? (float)(to - p->slice_t0[j]) : 0;
	}
}

void xs_pipeline_tick_start(struct xs_pipeline *p, double t0)
{
	p->slice = 0;
	p->tick_t0 = p->slice_t0[0] = t0;
}

static void feed_watch(void *ctx, const struct xs_watch_key *k, const struct xs_watch_val *v)
{
	xs_engine_watch_counts(ctx, k, v);
}

/* The engine's choice of watched keys into the kernel (evidence, issue
 * 13), after the tick: brute-force candidates and what the policy waits
 * on. */
static void watch_sync(struct xs_pipeline *p)
{
	size_t n = xs_engine_watch_keys(p->eng, p->wkeys, XS_WATCH_MAX);

	if (xs_collector_watch_set(&p->col, p->wkeys, n, p->set->ipv6_source_prefix) &&
	    !p->watch_warned) {
		xs_warn("cannot update the watched sources in the kernel: %s", strerror(errno));
		p->watch_warned = true;
	}
	xs_engine_watch_synced(p->eng, p->wkeys, n);
}

int xs_pipeline_tick(struct xs_pipeline *p, double ts, const struct xs_tick_clock *clk)
{
	double tick_s = p->set->tick_ms / 1000.0, started = xs_mono_s(), drained;
	float slice_s[XS_SLICES];
	int err = 0;

	memset(&p->tick, 0, sizeof(p->tick));
	slice_lengths(p, p->slice_clock == XS_SLICE_LIVE ? started : ts, slice_s);
	if (p->collecting)
		err = xs_collector_flip(&p->col, &p->tick);
	if (err)
		return err;
	/* Live, the generation covered the time since the last flip: more
	 * than a tick after a stall of the loop, and the engine's rates
	 * divide by that (replay's ticks are exact). */
	if (clk) {
		if (p->last_flip)
			p->tick.secs = started - p->last_flip;
		p->last_flip = started;
	}
	memcpy(p->tick.slice_s, slice_s, sizeof(slice_s));
	if (p->slice_clock != XS_SLICE_OFF)
		xs_pipeline_tick_start(p, p->slice_clock == XS_SLICE_LIVE ? started : ts);
	if (p->collecting)
		xs_collector_watch_read(&p->col, feed_watch, p->eng);
	drained = xs_mono_s();
	xs_engine_on_tick(p->eng, &p->tick, ts);
	/* Live, a tick runs from the last flip to this one; in replay the
	 * capture's clock makes it exactly one tick long. */
	if (p->fleet && p->collecting)
		xs_fleet_tick(p->fleet, &p->tick, clk ? p->tick_start : ts - tick_s, ts);
	p->tick_start = ts;
	if (p->out)
		xs_output_tick(p->out, &p->tick, ts, tick_s);
	if (p->pol)
		xs_mpolicy_tick(p->pol, ts);
	if (p->collecting)
		watch_sync(p);
	if (p->fpol)
		xs_fpolicy_tick(p->fpol, &p->tick, ts);
	xs_fleet_consumer_poll(p->fleet_mit, ts);
	if (p->out && clk) {
		xs_output_tick_timing(p->out, xs_mono_s() - clk->due, drained - started,
				      clk->missed);
		if (p->fpol)
			mitig_info(p);
	}
	if (p->status)
		publish(p, drained, started);
	p->last_tick = drained;
	p->ticks++;
	return 0;
}

void xs_pipeline_resume(struct xs_pipeline *p)
{
	struct xs_tick_clock clk = { .due = xs_mono_s() };
	double gap;

	if (!p->collecting || !xs_fleet_resume_time(p->fleet))
		return;
	/* What the kept program counted since the last daemon's last flip is
	 * all in slice 0 (a flip starts there): that slice lasted the whole
	 * gap, not the few milliseconds since this start, or the restart
	 * alone would read as a burst. */
	gap = xs_wall_s() - xs_fleet_resume_time(p->fleet);
	if (p->slice_clock == XS_SLICE_LIVE && p->slice == 0 && gap > 0)
		xs_pipeline_tick_start(p, clk.due - gap);
	if (xs_pipeline_tick(p, xs_wall_s(), &clk))
		xs_warn("cannot read the maps for the adopted program's tick");
}

void xs_pipeline_finish(struct xs_pipeline *p, double ts)
{
	memset(&p->tick, 0, sizeof(p->tick));
	if (p->collecting && !xs_collector_flip(&p->col, &p->tick)) {
		double secs = ts > p->tick_start ? ts - p->tick_start : 0;

		xs_engine_on_tick(p->eng, &p->tick, ts);
		/* Its aggregates too: a restart (a kept program adopted) then
		 * loses no count. */
		if (p->fleet)
			xs_fleet_tick(p->fleet, &p->tick, p->tick_start, ts);
		if (p->out)
			xs_output_tick(p->out, &p->tick, ts, secs);
	}
	xs_engine_close_alerts(p->eng, ts);
}

void xs_pipeline_idle(struct xs_pipeline *p, uint64_t n, double ts)
{
	if (!n)
		return;
	xs_engine_idle(p->eng, n, ts);
	p->ticks += n;
	if (p->slice_clock == XS_SLICE_CAPTURE)
		xs_pipeline_tick_start(p, ts);
}

void xs_pipeline_poll(struct xs_pipeline *p)
{
	if (p->collecting)
		xs_collector_poll_events(&p->col);
}

static bool fleet_changed(const struct xs_fleet_set *a, const struct xs_fleet_set *b)
{
	return a->aggregates != b->aggregates || a->have_key != b->have_key ||
	       memcmp(&a->key, &b->key, sizeof(a->key)) || a->p != b->p ||
	       a->items_max != b->items_max || a->top_sources != b->top_sources ||
	       a->watch != b->watch || a->mitigation != b->mitigation ||
	       strcmp(a->mitigation_topic, b->mitigation_topic);
}

int xs_pipeline_reconfigure(struct xs_pipeline *p, const struct xs_settings *s)
{
	struct xs_engine *e = NULL;

	/* Everything that can fail comes first, so that a failure leaves the
	 * running configuration whole: a new engine if the windows change
	 * shape, then the outputs (the new ones open and take over only when
	 * all are open; the old ones finish delivering, then close). */
	if (!xs_engine_compatible(p->eng, s)) {
		e = new_engine(p, s);
		if (!e) {
			xs_err("reload: out of memory for the engine");
			return -1;
		}
	}
	if (p->out && xs_output_replace(p->out, s->root)) {
		xs_engine_free(e);
		return -1;
	}
	/* The engine shares the rules with s: it takes s, or the new engine
	 * does. */
	if (!e) {
		xs_engine_reconfigure(p->eng, s);
	} else {
		xs_warn("reload: new limits or windows: detection windows start again");
		xs_engine_close_alerts(p->eng, xs_wall_s());
		xs_engine_free(p->eng);
		p->eng = e;
		if (p->pol)
			xs_mpolicy_set_engine(p->pol, e);
		if (p->fpol)
			xs_fpolicy_attach(p->fpol, e);
	}
	if (p->collecting && xs_pipeline_knobs(&p->col, s, (unsigned int)p->col.ncpus))
		xs_warn("cannot update the kernel's run-time settings: %s", strerror(errno));
	if (fleet_changed(&p->set->fleet, &s->fleet))
		xs_warn("reload: the fleet_* settings change at the next start; kept as they are");
	if (p->pol) {
		xs_mpolicy_configure(p->pol, s);
		if (frag_policy(p, s))
			xs_warn("cannot set the fragment policy in the kernel: %s", strerror(errno));
	}
	if (p->fpol)
		xs_fpolicy_configure(p->fpol, s);
	p->set = s;
	return 0;
}
