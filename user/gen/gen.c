// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "gen.h"
#include "gen_tx.h"
#include "xs_gen.h"
#include "xdp_gen.skel.h"
#include "exitcode.h"
#include "log.h"
#include "pcapio.h"

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

/* Cost of a live-frames test run here: ~17 us with repeat = 1, but ~24 ms
 * (a sleep in the kernel, not CPU) plus ~0.8 us a frame with repeat > 1.
 * So: up to PER_FRAME_MAX_RATE every frame gets its own call at its own
 * time; above it, frames leave in chunks of CHUNK_NS worth; a call with
 * repeat > 1 only sends at least CHUNK_MIN frames. */
#define PER_FRAME_MAX_RATE 20000
#define CHUNK_NS 100000000ULL
#define CHUNK_MIN 2048
#define PCAP_ERR_MAX 512
/* Behind schedule: later than this, plus 5 % of the schedule. */
#define LATE_SLACK_S 0.02

/* Fills late_s and behind: the last frame left seconds after the start,
 * the schedule gave ideal_s. */
static void judge_pace(struct xs_gen_report *r, double ideal_s)
{
	r->late_s = r->seconds > ideal_s ? r->seconds - ideal_s : 0;
	r->behind = r->late_s > LATE_SLACK_S + 0.05 * ideal_s;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = t / 1000000000ULL, .tv_nsec = t % 1000000000ULL };

	/* An interrupting signal ends the sleep early; callers check stop. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* The interface's tx_dropped (veth counts frames its peer could not take). */
static uint64_t tx_dropped(const char *ifname)
{
	struct ifaddrs *ifa, *i;
	uint64_t v = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_PACKET && i->ifa_data &&
		    !strcmp(i->ifa_name, ifname))
			v = ((struct rtnl_link_stats *)i->ifa_data)->tx_dropped;
	freeifaddrs(ifa);
	return v;
}

/* The path's own counts (user/gen_tx.h), or zeros. */
static void path_counts(const struct xs_gen *g, uint64_t *resent, uint64_t *dropped)
{
	*resent = *dropped = 0;
	if (g->ops && g->ops->counts)
		g->ops->counts(g->sock, resent, dropped);
}

struct drop_mark {
	uint64_t iface, resent, dropped;
};

static void mark_drops(const struct xs_gen *g, struct drop_mark *m)
{
	m->iface = tx_dropped(g->ifname);
	path_counts(g, &m->resent, &m->dropped);
}

/* Fills tx_dropped and tx_retried since the mark. */
static void count_drops(const struct xs_gen *g, struct xs_gen_report *r, const struct drop_mark *m)
{
	struct drop_mark now;
	uint64_t d;

	mark_drops(g, &now);
	d = now.iface - m->iface;
	r->tx_retried = now.resent - m->resent;
	/* A driver that refuses without counting (a stopped queue) may have
	 * counted fewer than were retried. */
	r->tx_dropped = (d > r->tx_retried ? d - r->tx_retried : 0) + now.dropped - m->dropped;
}

static const char *const tx_names[XS_TX_N] = { "auto", "live", "packet", "xdp" };

const char *xs_gen_tx_name(enum xs_gen_tx tx)
{
	return tx >= 0 && tx < XS_TX_N ? tx_names[tx] : "?";
}

int xs_gen_tx_parse(const char *s, enum xs_gen_tx *tx)
{
	int i;

	for (i = 0; i < XS_TX_N; i++)
		if (!strcmp(s, tx_names[i])) {
			*tx = i;
			return 0;
		}
	return -1;
}

/* XS_GEN_DENY_LIVE=1: behave like a kernel that refuses live-frames runs
 * (tests run the live suites here as CI would); XS_GEN_DENY_XDP=1: like
 * one without AF_XDP (the suites then run on the packet path). */
static bool denied(const char *var)
{
	const char *e = getenv(var);

	return e && *e && strcmp(e, "0");
}

static bool live_denied(void)
{
	return denied("XS_GEN_DENY_LIVE");
}

/* A live-frames test run, or the kernel's refusal. */
static int live_test_run(int prog_fd, struct bpf_test_run_opts *opts)
{
	if (live_denied()) {
		errno = EPERM;
		return -1;
	}
	return bpf_prog_test_run_opts(prog_fd, opts);
}

/* Loads the generator program (no live-frames run yet). */
static int live_load(struct xs_gen *g)
{
	int err;

	g->skel = xdp_gen_bpf__open();
	if (!g->skel)
		return -errno;
	g->skel->rodata->xs_gen_ifindex = g->ifindex;
	bpf_map__set_max_entries(g->skel->maps.xs_gen_tmpl, g->kinds);
	err = xdp_gen_bpf__load(g->skel);
	if (err) {
		xs_err("cannot load the generator program: %s", strerror(-err));
		xdp_gen_bpf__destroy(g->skel);
		g->skel = NULL;
		return err;
	}
	g->prog_fd = bpf_program__fd(g->skel->progs.xdp_gen);
	g->cfg_fd = bpf_map__fd(g->skel->maps.xs_gen_cfg);
	g->tmpl_fd = bpf_map__fd(g->skel->maps.xs_gen_tmpl);
	return 0;
}

/* Whether live-frames runs work: one of a program that drops its frame. */
static int live_probe(struct xs_gen *g)
{
	static uint8_t frame[64];
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof(frame),
			    .repeat = 1, .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 1);

	if (live_test_run(bpf_program__fd(g->skel->progs.xdp_gen_probe), &opts))
		return -errno;
	return 0;
}

static const struct xs_gen_tx_ops *sock_ops(enum xs_gen_tx tx)
{
	return tx == XS_TX_PACKET ? &xs_gen_packet_ops : tx == XS_TX_XDP ? &xs_gen_xsk_ops : NULL;
}

/* Opens one path; quiet: say nothing when it does not work here. */
static int open_path(struct xs_gen *g, enum xs_gen_tx tx, bool quiet)
{
	int err;

	if (tx == XS_TX_LIVE) {
		err = live_load(g);
		if (!err)
			err = live_probe(g);
		if (err && g->skel) {
			if (!quiet)
				xs_err("live-frames test runs are refused here (%s): use --tx auto, "
				       "packet or xdp",
				       strerror(-err));
			xdp_gen_bpf__destroy(g->skel);
			g->skel = NULL;
		}
	} else {
		g->ops = sock_ops(tx);
		if (tx == XS_TX_XDP && denied("XS_GEN_DENY_XDP"))
			err = -EAFNOSUPPORT;	/* socket(AF_XDP) without CONFIG_XDP_SOCKETS */
		else
			err = g->ops->open(&g->sock, g->ifname, g->ifindex);
		if (err) {
			if (!quiet)
				xs_err("cannot open an %s socket on %s: %s",
				       tx == XS_TX_PACKET ? "AF_PACKET" : "AF_XDP", g->ifname,
				       strerror(-err));
			g->ops = NULL;
			g->sock = NULL;
		}
	}
	if (!err)
		g->tx = tx;
	xs_dbg("transmit path %s on %s: %s", xs_gen_tx_name(tx), g->ifname,
	       err ? strerror(-err) : "works");
	return err;
}

/* What auto tries, fastest first (README "Transmit paths" has figures).
 * AF_XDP holds the interface's queue 0 for itself: while another
 * generator sends there, auto goes on to AF_PACKET. */
static const enum xs_gen_tx auto_order[] = { XS_TX_LIVE, XS_TX_XDP, XS_TX_PACKET };

static int gen_init(struct xs_gen *g, const char *ifname, int kinds)
{
	memset(g, 0, sizeof(*g));
	g->ifindex = if_nametoindex(ifname);
	if (!g->ifindex) {
		xs_err("unknown interface '%s': see 'ip link' for the names here", ifname);
		return -ENODEV;
	}
	snprintf(g->ifname, sizeof(g->ifname), "%s", ifname);
	g->kinds = kinds;
	return 0;
}

int xs_gen_open_prog(struct xs_gen *g, const char *ifname, int kinds)
{
	int err = gen_init(g, ifname, kinds);

	return err ? err : live_load(g);
}

int xs_gen_open_tx(struct xs_gen *g, const char *ifname, int kinds, enum xs_gen_tx tx)
{
	int err = gen_init(g, ifname, kinds);
	size_t i;

	if (err)
		return err;
	if (tx != XS_TX_AUTO)
		return open_path(g, tx, false);
	for (i = 0; i < sizeof(auto_order) / sizeof(auto_order[0]); i++) {
		err = open_path(g, auto_order[i], true);
		if (!err)
			return 0;
	}
	xs_err("no transmit path works on %s (the last: %s): run with -v for each", ifname,
	       strerror(-err));
	return err;
}

int xs_gen_open_sized(struct xs_gen *g, const char *ifname, int kinds)
{
	return xs_gen_open_tx(g, ifname, kinds, XS_TX_AUTO);
}

int xs_gen_open(struct xs_gen *g, const char *ifname)
{
	return xs_gen_open_sized(g, ifname, XS_GEN_KINDS_MAX);
}

int xs_gen_tx_probe(const char *ifname, enum xs_gen_tx tx)
{
	struct xs_gen g;
	int err;

	memset(&g, 0, sizeof(g));
	g.ifindex = if_nametoindex(ifname);
	if (!g.ifindex)
		return -ENODEV;
	snprintf(g.ifname, sizeof(g.ifname), "%s", ifname);
	g.kinds = 1;
	err = open_path(&g, tx, true);
	if (!err)
		xs_gen_close(&g);
	return err;
}

void xs_gen_close(struct xs_gen *g)
{
	if (g->ops)
		g->ops->close(g->sock);
	xdp_gen_bpf__destroy(g->skel);
	memset(g, 0, sizeof(*g));
}

static int load_templates(struct xs_gen *g, const struct xs_gen_tmpl *t, int n)
{
	static __u32 keys[XS_GEN_PCAP_BATCH];
	__u32 count = n, i;

	if (n > g->kinds || n > XS_GEN_PCAP_BATCH)
		return -E2BIG;
	for (i = 0; i < (__u32)n; i++)
		keys[i] = i;
	if (!bpf_map_update_batch(g->tmpl_fd, keys, t, &count, NULL))
		return 0;
	/* No batch operations: one at a time. */
	for (i = 0; i < (__u32)n; i++)
		if (bpf_map_update_elem(g->tmpl_fd, &keys[i], &t[i], BPF_ANY))
			return -errno;
	return 0;
}

static const struct xs_gen_tmpl *longest_tmpl(const struct xs_plan *p);

int xs_gen_load_plan(struct xs_gen *g, const struct xs_plan *p)
{
	__u32 zero = 0;
	int err;

	if (g->ops && xs_plan_check(p))
		return -EINVAL;
	if (!g->skel)
		return 0;	/* a userspace path: frames computed as sent */
	err = load_templates(g, p->tmpl, p->nkinds);
	if (!err && bpf_map_update_elem(g->cfg_fd, &zero, &p->cfg, BPF_ANY))
		err = -errno;
	if (err)
		xs_err("cannot load the plan into the generator: %s", strerror(-err));
	return err;
}

int xs_gen_run(struct xs_gen *g, const struct xs_plan *p, uint64_t first, uint64_t count)
{
	struct xs_gen_state *st;
	/* The program shrinks each frame to its template: start from the
	 * longest. */
	const struct xs_gen_tmpl *longest = longest_tmpl(p);
	uint64_t errors;

	if (!longest)
		return -EINVAL;
	if (g->ops)
		return g->ops->send(g->sock, p, first, count);
	if (g->tx != XS_TX_LIVE)
		return -ENOTCONN;	/* xs_gen_open_prog: no path */
	st = &g->skel->bss->xs_gen_st;
	errors = st->errors;
	st->next = first;
	while (count) {
		/* repeat is an int: send in chunks. */
		uint64_t n = count > (1u << 30) ? (1u << 30) : count;
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = longest->frame,
				    .data_size_in = longest->len, .repeat = (int)n,
				    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

		if (live_test_run(g->prog_fd, &opts)) {
			int err = -errno;

			xs_err("live-frames test run failed: %s", strerror(-err));
			return err;
		}
		count -= n;
		first += n;
	}
	if (st->next != first || st->errors != errors) {
		xs_err("the generator program stopped at frame %llu, not %llu (%llu aborted)",
		       (unsigned long long)st->next, (unsigned long long)first,
		       (unsigned long long)(st->errors - errors));
		return -EIO;
	}
	return 0;
}

static const struct xs_gen_tmpl *longest_tmpl(const struct xs_plan *p)
{
	const struct xs_gen_tmpl *longest = NULL;
	int i;

	for (i = 0; i < p->nkinds; i++)
		if (!longest || p->tmpl[i].len > longest->len)
			longest = &p->tmpl[i];
	return longest;
}

int xs_gen_frame(struct xs_gen *g, const struct xs_plan *p, uint64_t n, uint8_t *out, size_t cap,
		 int *verdict)
{
	const struct xs_gen_tmpl *t = longest_tmpl(p);
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_out = out, .data_size_out = cap,
			    .repeat = 1);

	if (!t)
		return -EINVAL;
	if (!g->skel) {
		/* Another path sends: load the program, and the plan into it. */
		int err = live_load(g);

		if (!err)
			err = xs_gen_load_plan(g, p);
		if (err)
			return err;
	}
	opts.data_in = t->frame;
	opts.data_size_in = t->len;
	g->skel->bss->xs_gen_st.next = n;
	if (bpf_prog_test_run_opts(g->prog_fd, &opts))
		return -errno;
	*verdict = (int)opts.retval;
	return (int)opts.data_size_out;
}

int xs_gen_send(struct xs_gen *g, const void *frame, size_t len, uint64_t count)
{
	struct xs_plan p;
	int err;

	xs_plan_init(&p, "frame", 0);
	if (xs_plan_add_kind(&p, "frame", frame, (int)len) < 0 || xs_plan_push(&p, 0)) {
		xs_plan_free(&p);
		xs_err("a frame of %zu bytes cannot be sent (14 to %d)", len, XS_GEN_FRAME_MAX);
		return -EINVAL;
	}
	err = xs_gen_load_plan(g, &p);
	if (!err)
		err = xs_gen_run(g, &p, 0, count);
	xs_plan_free(&p);
	return err;
}

int xs_gen_play(struct xs_gen *g, const struct xs_plan *p, volatile sig_atomic_t *stop,
		struct xs_gen_report *r)
{
	uint64_t chunk, n = 0, t0;
	struct drop_mark m;
	int err;

	memset(r, 0, sizeof(*r));
	mark_drops(g, &m);
	err = xs_gen_load_plan(g, p);
	if (err)
		return err;
	if (!p->rate)
		chunk = 1 << 20;
	else if (p->rate <= PER_FRAME_MAX_RATE)
		chunk = 1;
	else
		chunk = p->rate * CHUNK_NS / 1000000000ULL;
	t0 = xs_mono_ns();
	while (n < p->count && !(stop && *stop)) {
		uint64_t c = p->count - n < chunk ? p->count - n : chunk;

		if (c > 1 && c < CHUNK_MIN && chunk > 1)
			c = 1;	/* the tail of a chunked plan: frame by frame */
		if (p->rate) {
			sleep_until(t0 + xs_plan_time_ns(p, n));
			if (stop && *stop)
				break;
		}
		if (!n)
			r->start_unix = xs_wall_s();
		err = xs_gen_run(g, p, n, c);
		if (err)
			break;
		n += c;
	}
	r->seconds = (xs_mono_ns() - t0) / 1e9;
	r->tx = g->tx;
	if (p->rate)
		judge_pace(r, xs_plan_time_ns(p, n) / 1e9);
	r->frames = n;
	r->bytes = xs_plan_bytes(p, n);
	count_drops(g, r, &m);
	r->interrupted = n < p->count && !err;
	return err;
}

int xs_gen_fit_len(const uint8_t *frame, int len, int mtu)
{
	int hdr = 14, i;

	/* Up to two VLAN tags (802.1Q, 802.1ad) do not count against the MTU. */
	for (i = 0; i < 2 && len >= hdr + 4; i++) {
		int et = frame[hdr - 2] << 8 | frame[hdr - 1];

		if (et != 0x8100 && et != 0x88a8)
			break;
		hdr += 4;
	}
	return len < hdr + mtu ? len : hdr + mtu;
}

static int iface_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = -1;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

static uint64_t due_ns(uint64_t t0, uint64_t ts0, uint64_t ts, double speed)
{
	/* Out-of-order timestamps are due at once. */
	return t0 + (ts > ts0 ? (uint64_t)((ts - ts0) / speed) : 0);
}

/* Sends frames [0, nb) of the loaded batch, paced from their timestamps
 * (speed > 0) or as fast as possible. Frames go one per call, unless at
 * least CHUNK_MIN of them are due (behind the pace, or top speed). */
static int send_batch(struct xs_gen *g, struct xs_plan *p, const uint64_t *ts, int nb,
		      double speed, uint64_t t0, uint64_t ts0, volatile sig_atomic_t *stop,
		      int *sent)
{
	int i = 0, err = 0;

	*sent = 0;
	while (i < nb && !(stop && *stop)) {
		int k = nb - i;

		if (speed > 0) {
			uint64_t due = due_ns(t0, ts0, ts[i], speed), now = xs_mono_ns();

			if (due > now) {
				sleep_until(due);
				if (stop && *stop)
					break;
				now = xs_mono_ns();
			}
			for (k = 1; i + k < nb && due_ns(t0, ts0, ts[i + k], speed) <= now; k++)
				;
		}
		if (k < CHUNK_MIN)
			k = 1;
		err = xs_gen_run(g, p, i, k);
		if (err)
			break;
		i += k;
	}
	*sent = i;
	return err;
}

int xs_gen_pcap(struct xs_gen *g, const char *file, double speed, enum xs_oversize over,
		volatile sig_atomic_t *stop, struct xs_gen_report *r)
{
	uint64_t *ts = NULL, ts0 = 0, t0 = 0, *len_of = NULL, last_ts = 0;
	struct drop_mark m;
	struct xs_pcap_in *in;
	struct xs_plan p;
	char err[PCAP_ERR_MAX];
	int mtu, ret = XS_EXIT_OK, rc = 1, i;
	bool first = true;

	memset(r, 0, sizeof(*r));
	mark_drops(g, &m);
	mtu = iface_mtu(g->ifname);
	if (mtu <= 0) {
		xs_err("cannot read the MTU of %s", g->ifname);
		return XS_EXIT_ENV;
	}
	in = xs_pcap_in_open(file, err, sizeof(err));
	if (!in) {
		xs_err("cannot send %s: %s", file, err);
		return XS_EXIT_USAGE;
	}
	xs_plan_init(&p, "pcap", 0);
	p.tmpl = calloc(XS_GEN_PCAP_BATCH, sizeof(*p.tmpl));
	ts = calloc(XS_GEN_PCAP_BATCH, sizeof(*ts));
	len_of = calloc(XS_GEN_PCAP_BATCH, sizeof(*len_of));
	p.cfg.flags = XS_GEN_F_IDENTITY;
	if (!p.tmpl || !ts || !len_of) {
		ret = XS_EXIT_FAIL;
		goto out;
	}

	while (rc == 1 && !(stop && *stop)) {
		int nb = 0, sent;

		/* Read the next batch. */
		while (nb < XS_GEN_PCAP_BATCH && nb < g->kinds) {
			const uint8_t *data;
			uint32_t caplen, wirelen;
			int len, fit;

			rc = xs_pcap_in_next(in, &data, &caplen, &wirelen, &ts[nb]);
			if (rc != 1)
				break;
			r->read++;
			len = (int)caplen;
			if (len < 14) {
				r->skipped++;
				continue;
			}
			fit = xs_gen_fit_len(data, len, mtu);
			if (fit > XS_GEN_FRAME_MAX)
				fit = XS_GEN_FRAME_MAX;
			if (len > fit) {
				if (over == XS_OVERSIZE_SKIP) {
					r->skipped++;
					continue;
				}
				r->truncated++;
				len = fit;
			}
			p.tmpl[nb].len = len;
			memcpy(p.tmpl[nb].frame, data, len);
			len_of[nb] = len;
			nb++;
		}
		if (rc < 0)
			xs_warn("%s: %s; stopping after %llu frames", file, xs_pcap_in_error(in),
				(unsigned long long)r->read);
		if (!nb)
			break;
		p.cfg.unit = nb;
		p.nkinds = nb;
		if (xs_gen_load_plan(g, &p)) {
			ret = XS_EXIT_FAIL;
			break;
		}
		if (first) {
			r->start_unix = xs_wall_s();
			t0 = xs_mono_ns();
			ts0 = ts[0];
			first = false;
		}
		if (send_batch(g, &p, ts, nb, speed, t0, ts0, stop, &sent))
			ret = XS_EXIT_FAIL;
		for (i = 0; i < sent; i++)
			r->bytes += len_of[i];
		if (sent)
			last_ts = ts[sent - 1];
		r->frames += sent;
		if (ret || sent < nb)
			break;
	}
	r->seconds = first ? 0 : (xs_mono_ns() - t0) / 1e9;
	r->tx = g->tx;
	if (speed > 0 && r->frames)
		judge_pace(r, (due_ns(t0, ts0, last_ts, speed) - t0) / 1e9);
	r->interrupted = stop && *stop;
	count_drops(g, r, &m);
out:
	xs_plan_free(&p);
	free(ts);
	free(len_of);
	xs_pcap_in_close(in);
	return ret;
}
