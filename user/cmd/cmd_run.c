// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdpstream run: attach, count, print a line per second, detach on exit. */
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "caps.h"
#include "cli.h"
#include "clock.h"
#include "instance.h"
#include "loader.h"
#include "log.h"
#include "parse.h"
#include "pipeline.h"
#include "speaker.h"

struct run_opts {
	const char *ifaces[XS_MAX_IFACES];
	int nifaces;
	enum xs_attach_mode mode;
	bool force;
	bool mirror;
	bool quiet;
	bool keep_attached;	/* on exit, leave the program attached */
	unsigned long long tick_ms;
	unsigned long long budget;	/* events per second, all CPUs */
	unsigned long long duration_s;	/* 0 = until a signal */
	const char *pin_dir;
	const char *config;
	const char *user;	/* run as this user after setup */
	struct xs_sizes sizes;
	/* which of the above came from a flag (they win over the file) */
	bool set_tick, set_budget, set_dst, set_src, set_flow;
};

static void run_usage(FILE *f)
{
	fprintf(f,
		"Usage: xdpstream run -i IFACE [-i IFACE...] [OPTIONS]\n"
		"Attach to the interfaces, count every packet, print one line of rates\n"
		"per second on stderr and the alerts of the detection rules on stdout (JSON\n"
		"lines, or one line each on a terminal) and to the configured outputs.\n"
		"Ctrl-C (SIGINT) or SIGTERM ends the open alerts, detaches and exits;\n"
		"SIGUSR2 exits leaving the program attached (as --keep-attached); SIGHUP\n"
		"reloads the configuration file (or reopens file outputs without one).\n"
		"A program kept attached by an earlier run is adopted: counting goes on.\n\n"
		"  -i, --interface IFACE   interface to attach to (repeat for more, max %d)\n"
		"  -m, --mode MODE         native, skb or auto (default: auto)\n"
		"  -f, --force             replace an XDP program already on the interface;\n"
		"                          with --mirror, allow an interface with an address\n"
		"      --mirror            mirror mode, for a SPAN/TAP port: count every frame,\n"
		"                          then drop it (XDP_DROP, no socket buffer); refused\n"
		"                          on an interface with an IP address (never use it on\n"
		"                          one that carries this host's own traffic)\n"
		"  -k, --keep-attached     on exit leave the program attached and its maps\n"
		"                          pinned, still counting; the next run adopts them\n"
		"  -t, --tick-ms MS        epoch flip interval, 10..60000 (default: 1000)\n"
		"  -b, --event-budget N    new-flow events per second, all CPUs (default: 200000)\n"
		"  -d, --duration S        exit after S seconds (default: run until a signal)\n"
		"  -p, --pin-dir DIR       where to pin maps (default: %s)\n"
		"  -c, --config FILE       YAML configuration: rules, outputs, ... (see\n"
		"                          config/xdpstream.yaml); flags win over it\n"
		"      --dst-entries N     destinations per CPU per tick (default: 65536)\n"
		"      --src-entries N     sources per CPU per tick (default: 65536)\n"
		"      --flow-entries N    flows remembered; the oldest go first (default: 262144)\n"
		"  -u, --user USER         after attaching, run as USER keeping only what\n"
		"                          detaching needs (CAP_NET_ADMIN); outputs open as\n"
		"                          USER (files, keys and certificates must be\n"
		"                          readable by it)\n"
		"      --bpf-obj FILE      load the XDP program from FILE (developers)\n"
		"  -q, --quiet             no per-second lines\n"
		"  -v, --verbose           debug logging, libbpf and libxdp included\n"
		"  -h, --help              this text\n",
		XS_MAX_IFACES, XS_PIN_DIR_DEFAULT);
}

static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "mode", required_argument, NULL, 'm' },
		{ "force", no_argument, NULL, 'f' },
		{ "tick-ms", required_argument, NULL, 't' },
		{ "event-budget", required_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' },
		{ "pin-dir", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "dst-entries", required_argument, NULL, 1 },
		{ "src-entries", required_argument, NULL, 2 },
		{ "flow-entries", required_argument, NULL, 3 },
		{ "bpf-obj", required_argument, NULL, 4 },
		{ "mirror", no_argument, NULL, 5 },
		{ "keep-attached", no_argument, NULL, 'k' },
		{ "user", required_argument, NULL, 'u' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->mode = XS_MODE_AUTO;
	o->tick_ms = 1000;
	o->budget = 200000;
	o->pin_dir = XS_PIN_DIR_DEFAULT;
	xs_sizes_default(&o->sizes);
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:m:ft:b:d:p:c:u:kqvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (o->nifaces >= XS_MAX_IFACES) {
				xs_err("--interface: at most %d interfaces", XS_MAX_IFACES);
				return -1;
			}
			o->ifaces[o->nifaces++] = optarg;
			break;
		case 'm':
			if (xs_mode_parse(optarg, &o->mode)) {
				xs_err("--mode: expected native, skb or auto, got '%s'", optarg);
				return -1;
			}
			break;
		case 'f':
			o->force = true;
			break;
		case 't':
			if (xs_parse_u64("--tick-ms", optarg, 10, 60000, &o->tick_ms))
				return -1;
			o->set_tick = true;
			break;
		case 'b':
			if (xs_parse_u64("--event-budget", optarg, 0, 100000000, &o->budget))
				return -1;
			o->set_budget = true;
			break;
		case 'd':
			if (xs_parse_u64("--duration", optarg, 1, 31536000, &o->duration_s))
				return -1;
			break;
		case 'p':
			o->pin_dir = optarg;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 1:
		case 2:
		case 3:
			if (xs_parse_u64(c == 1 ? "--dst-entries" : c == 2 ? "--src-entries"
								    : "--flow-entries",
					 optarg, 64, 1 << 26, &v))
				return -1;
			if (c == 1) {
				o->sizes.dst_entries = v;
				o->set_dst = true;
			} else if (c == 2) {
				o->sizes.src_entries = v;
				o->set_src = true;
			} else {
				o->sizes.flow_entries = v;
				o->set_flow = true;
			}
			break;
		case 4:
			xs_bpf_set_object_file(optarg);
			break;
		case 5:
			o->mirror = true;
			break;
		case 'k':
			o->keep_attached = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			xs_log_set_level(XS_LOG_DEBUG);
			break;
		case 'h':
			run_usage(stdout);
			exit(XS_EXIT_OK);
		default:
			xs_err("see 'xdpstream run --help'");
			return -1;
		}
	}
	if (optind < argc) {
		xs_err("unexpected argument '%s' (see 'xdpstream run --help')", argv[optind]);
		return -1;
	}
	if (!o->nifaces) {
		xs_err("no interface: pass -i IFACE (see 'xdpstream run --help')");
		return -1;
	}
	return 0;
}

static const char *human(double v, char *buf, size_t n)
{
	const char *unit = "";

	if (v >= 1e9) {
		v /= 1e9;
		unit = "G";
	} else if (v >= 1e6) {
		v /= 1e6;
		unit = "M";
	} else if (v >= 1e3) {
		v /= 1e3;
		unit = "k";
	}
	snprintf(buf, n, unit[0] ? "%.1f%s" : "%.0f%s", v, unit);
	return buf;
}

/* The per-second line: rates over the ticks accumulated in *acc. */
static void print_rates(const struct xs_global *g, double secs)
{
	char b[6][16];
	__u64 errs = 0, other;
	time_t now = time(NULL);
	struct tm tm;
	int i;

	for (i = 0; i < XS_E_MAX; i++)
		errs += g->err[i];
	other = g->pkts[XS_C_IPV4_OTHER] + g->pkts[XS_C_IPV6_OTHER] + g->pkts[XS_C_ARP] +
		g->pkts[XS_C_OTHER_L2];
	localtime_r(&now, &tm);
	fprintf(stderr,
		"%02d:%02d:%02d pkts/s %s bits/s %s | tcp %s udp %s icmp %s frag %llu other %llu "
		"| syn %llu | malformed %llu | flows %llu events %llu lost %llu\n",
		tm.tm_hour, tm.tm_min, tm.tm_sec,
		human(xs_global_total_pkts(g) / secs, b[0], 16),
		human(xs_global_total_bytes(g) * 8 / secs, b[1], 16),
		human((g->pkts[XS_C_IPV4_TCP] + g->pkts[XS_C_IPV6_TCP]) / secs, b[2], 16),
		human((g->pkts[XS_C_IPV4_UDP] + g->pkts[XS_C_IPV6_UDP]) / secs, b[3], 16),
		human((g->pkts[XS_C_IPV4_ICMP] + g->pkts[XS_C_IPV6_ICMP]) / secs, b[4], 16),
		(unsigned long long)(g->pkts[XS_C_IPV4_FRAG] + g->pkts[XS_C_IPV6_FRAG]),
		(unsigned long long)other, (unsigned long long)g->cnt[XS_N_TCP_SYN],
		(unsigned long long)errs, (unsigned long long)g->cnt[XS_N_FLOW_NEW],
		(unsigned long long)g->cnt[XS_N_EV_SENT],
		(unsigned long long)(g->cnt[XS_N_EV_BUDGET] + g->cnt[XS_N_EV_RINGFULL]));
}

/* The first address of ifname that carries traffic of this host -- IPv4,
 * or IPv6 other than link-local (which every IPv6 interface has) -- as
 * text in buf. Returns 1 if there is one, 0 if none, -errno. */
static int iface_address(const char *ifname, char *buf, size_t n)
{
	struct ifaddrs *ifa, *a;
	int found = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (a = ifa; a && !found; a = a->ifa_next) {
		const struct sockaddr *sa = a->ifa_addr;

		if (!sa || strcmp(a->ifa_name, ifname))
			continue;
		if (sa->sa_family == AF_INET) {
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, n);
			found = 1;
		} else if (sa->sa_family == AF_INET6) {
			const struct in6_addr *in6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(in6))
				continue;
			inet_ntop(AF_INET6, in6, buf, n);
			found = 1;
		}
	}
	freeifaddrs(ifa);
	return found;
}

/* Mirror mode drops every frame: on an interface with an address it
 * would cut this host off. Returns 0 or an exit code. */
static int mirror_check(const struct run_opts *o)
{
	char addr[INET6_ADDRSTRLEN];
	int i, r;

	for (i = 0; i < o->nifaces; i++) {
		r = iface_address(o->ifaces[i], addr, sizeof(addr));
		if (r < 0) {
			xs_err("cannot read the addresses of %s: %s", o->ifaces[i], strerror(-r));
			return XS_EXIT_ENV;
		}
		if (!r)
			continue;
		if (o->force) {
			xs_warn("mirror mode on %s, which has the address %s (--force): this host "
				"receives nothing on it", o->ifaces[i], addr);
			continue;
		}
		xs_err("mirror mode drops every frame, but %s has the address %s: it carries "
		       "this host's traffic; use a SPAN/TAP port without an address, or --force",
		       o->ifaces[i], addr);
		return XS_EXIT_ENV;
	}
	return 0;
}

/* Loads and attaches, or adopts what an earlier run left attached (with
 * --keep-attached) so that counting goes on without a gap. Returns 0 or an
 * exit code. */
static int setup_bpf(struct xs_bpf *b, const struct run_opts *o)
{
	struct xs_instance inst;
	int i, err;

	err = xs_instance_find(o->pin_dir, &inst);
	if (err) {
		xs_err("cannot inspect %s: %s", o->pin_dir, strerror(-err));
		return XS_EXIT_ENV;
	}
	for (i = 0; i < inst.nifaces; i++) {
		int j;

		for (j = 0; j < o->nifaces; j++)
			if (!strcmp(inst.ifaces[i].name, o->ifaces[j]))
				break;
		if (j == o->nifaces) {
			xs_err("xdpstream was kept attached to %s with these maps: add -i %s, or "
			       "run 'xdpstream detach' first",
			       inst.ifaces[i].name, inst.ifaces[i].name);
			return XS_EXIT_BUSY;
		}
	}
	if (inst.nifaces) {
		if (xs_bpf_adopt(b, &o->sizes, o->pin_dir, &inst))
			return XS_EXIT_LOAD;
		for (i = 0; i < inst.nifaces; i++)
			xs_info("adopted the program kept attached to %s (id %u): counting goes on",
				inst.ifaces[i].name, inst.prog_id);
	} else {
		if (inst.pinned) {
			xs_info("removing stale pins from %s (no program uses them)", o->pin_dir);
			xs_unpin_dir(o->pin_dir);
			mkdir(o->pin_dir, 0700);
		}
		if (xs_bpf_open(b, &o->sizes))
			return XS_EXIT_LOAD;
	}
	for (i = 0; i < o->nifaces; i++) {
		if (xs_instance_has(&inst, o->ifaces[i]))
			continue;
		err = xs_bpf_attach(b, o->ifaces[i], o->mode, o->force);
		if (err)
			return -err;
		xs_info("attached to %s (%s mode)", o->ifaces[i],
			xs_mode_name(b->ifaces[b->nifaces - 1].mode));
	}
	if (!inst.nifaces && xs_bpf_pin(b, o->pin_dir))
		return XS_EXIT_FAIL;
	return 0;
}

/* Set up: from here the daemon reads and writes its maps through the
 * descriptors it holds (no capability needed) and needs CAP_NET_ADMIN to
 * detach at exit (CAP_SYS_ADMIN too through libxdp's dispatcher); its
 * sinks need nothing (sockets, ports above 1024); with BGP, what starting
 * the speaker again takes (its user, its files, a signal). Done while the
 * process has one thread, so that every thread started later has only
 * these. */
static int drop_privileges(struct xs_bpf *b, const struct run_opts *o)
{
	uint64_t keep = 1ULL << CAP_NET_ADMIN |
			(xs_bpf_uses_dispatcher(b) ? 1ULL << CAP_SYS_ADMIN : 0) |
			(xs_bgp_fd() >= 0 ? 1ULL << CAP_SETUID | 1ULL << CAP_SETGID |
						    1ULL << CAP_CHOWN | 1ULL << CAP_KILL :
					    0);
	int err;

	if (o->user) {
		struct passwd *pw = getpwnam(o->user);

		if (!pw) {
			xs_err("--user: no user '%s' on this host", o->user);
			return XS_EXIT_USAGE;
		}
		/* The pins are its to remove at exit. */
		if (b->pin_dir[0] && xs_pins_chown(b->pin_dir, pw->pw_uid, pw->pw_gid))
			xs_warn("cannot hand %s to %s: the pins stay at exit", b->pin_dir,
				o->user);
		/* And the speaker's directory, or it could not start again. */
		err = xs_bgp_hand_to(pw->pw_uid);
		if (err) {
			xs_err("--user: cannot hand the BGP speaker's directory to %s: %s",
			       o->user, strerror(-err));
			return XS_EXIT_PERM;
		}
		err = xs_caps_become(o->user, keep);
		if (err) {
			xs_err("cannot become user %s: %s", o->user, strerror(-err));
			return XS_EXIT_PERM;
		}
		xs_info("running as %s", o->user);
		return 0;
	}
	if (xs_caps_limit(keep))
		xs_warn("could not drop capabilities: %s", strerror(errno));
	return 0;
}

/* What the event loop works with. */
struct run_ctx {
	struct xs_pipeline pipe;
	struct xs_settings *set;	/* the settings in force (replaced by a reload) */
	struct xs_outputs *out;
	struct run_opts *o;
};

/* The configuration file, then the flags over it (the flags win, a
 * reload included). */
static int load_settings(struct run_opts *o, struct xs_settings *s)
{
	if (xs_settings_init(s))
		return XS_EXIT_FAIL;
	if (o->config && xs_settings_load(s, o->config))
		return XS_EXIT_USAGE;	/* each error logged, one line each */
	if (o->set_tick)
		s->tick_ms = (uint32_t)o->tick_ms;
	else
		o->tick_ms = s->tick_ms;
	if (o->set_budget)
		s->event_budget = o->budget;
	else
		o->budget = s->event_budget;
	if (o->mirror)
		s->mirror = true;
	else
		o->mirror = s->mirror;
	if (o->set_dst)
		s->sizes.dst_entries = o->sizes.dst_entries;
	if (o->set_src)
		s->sizes.src_entries = o->sizes.src_entries;
	if (o->set_flow)
		s->sizes.flow_entries = o->sizes.flow_entries;
	o->sizes = s->sizes;
	return 0;
}

/* SIGHUP: the configuration file again, without detaching and without
 * losing a count. The tick and the map sizes are the kernel's and stay
 * until a restart; everything else applies now. An invalid file changes
 * nothing. Without a file, file sinks reopen (logrotate). */
static void reload(struct run_ctx *rc)
{
	struct xs_settings *ns;
	const char *path = rc->o->config;

	if (!path) {
		xs_output_reopen(rc->out);
		return;
	}
	ns = calloc(1, sizeof(*ns));
	if (!ns || xs_settings_init(ns)) {
		xs_err("reload of %s failed: out of memory: the running configuration stays", path);
		free(ns);
		return;
	}
	if (xs_settings_load(ns, path)) {
		xs_err("reload of %s failed: the running configuration stays", path);
		goto drop;
	}
	if (ns->tick_ms != rc->set->tick_ms || memcmp(&ns->sizes, &rc->set->sizes, sizeof(ns->sizes)))
		xs_warn("tick_ms and maps change at the next start; kept as they are");
	/* Mirror mode was checked against the interfaces' addresses at the
	 * start: it changes only with a restart. */
	if (ns->mirror != rc->set->mirror && !rc->o->mirror)
		xs_warn("mirror changes at the next start; kept as it is");
	ns->tick_ms = rc->set->tick_ms;
	ns->sizes = rc->set->sizes;
	ns->mirror = rc->set->mirror;
	/* The speaker keeps the session it has: a new one would withdraw
	 * every route for the time it takes to come up. */
	if (memcmp(&ns->mitigation->bgp, &rc->set->mitigation->bgp,
		   offsetof(struct xs_bgp_cfg, nallow))) {
		xs_warn("mitigation.bgp changes at the next start; kept as it is");
		ns->mitigation->bgp = rc->set->mitigation->bgp;
	}
	if (rc->o->set_budget)
		ns->event_budget = rc->o->budget;
	if (xs_pipeline_reconfigure(&rc->pipe, ns)) {
		xs_err("reload of %s failed: the running configuration stays", path);
		goto drop;
	}
	xs_settings_free(rc->set);
	free(rc->set);
	rc->set = ns;
	xs_info("reloaded %s", path);
	return;
drop:
	xs_settings_free(ns);
	free(ns);
}

/* The signals the daemon handles, blocked from the start (before the
 * program is attached): one that arrives during setup waits in the
 * signalfd, so the loop still detaches cleanly instead of the process
 * dying with the program left attached. */
static void run_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, mask, NULL);
}

static void watch(int efd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd >= 0)
		epoll_ctl(efd, EPOLL_CTL_ADD, fd, &ev);
}

/* One event loop: signals, the tick timer, the ring buffer and the
 * outputs' sockets and timers (behind one fd). Each tick is one call of
 * the pipeline; this loop only keeps time and prints the rates line. */
static int event_loop(struct run_ctx *rc)
{
	struct run_opts *o = rc->o;
	struct itimerspec its = {
		.it_interval = { o->tick_ms / 1000, (o->tick_ms % 1000) * 1000000 },
		.it_value = { o->tick_ms / 1000, (o->tick_ms % 1000) * 1000000 },
	};
	/* Sub-tick slices for burst detection (xs_pipeline_slice). */
	long slice_ns = (long)o->tick_ms * 1000000 / XS_SLICES;
	struct itimerspec sits = {
		.it_interval = { slice_ns / 1000000000, slice_ns % 1000000000 },
		.it_value = { slice_ns / 1000000000, slice_ns % 1000000000 },
	};
	struct epoll_event evs[8];
	struct xs_global acc = {};
	double start = xs_mono_s(), last_print = start, due = start;
	int efd = -1, tfd = -1, sfd = -1, slfd = -1, ofd, bfd, mfd, ret = 0, n, i;
	sigset_t mask;
	bool stop = false;

	run_signals(&mask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	slfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	efd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || tfd < 0 || slfd < 0 || efd < 0 || timerfd_settime(tfd, 0, &its, NULL) ||
	    timerfd_settime(slfd, 0, &sits, NULL)) {
		xs_err("cannot set up the event loop: %s", strerror(errno));
		ret = -XS_EXIT_FAIL;
		goto out;
	}
	watch(efd, sfd);
	watch(efd, tfd);
	watch(efd, slfd);
	watch(efd, xs_collector_events_fd(&rc->pipe.col));
	watch(efd, ofd = xs_output_fd(rc->out));
	watch(efd, bfd = xs_bgp_fd());
	watch(efd, mfd = xs_pipeline_fd(&rc->pipe));	/* fleet_mitigation's requests */

	while (!stop) {
		xs_output_service(rc->out);
		n = epoll_wait(efd, evs, 8, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			xs_err("epoll_wait: %s", strerror(errno));
			ret = -XS_EXIT_FAIL;
			break;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					reload(rc);
					/* A reload keeps the outputs' descriptor; should
					 * it ever change, the old one leaves the set and
					 * the new one joins it (a number can be reused). */
					if (xs_output_fd(rc->out) != ofd) {
						if (ofd >= 0)
							epoll_ctl(efd, EPOLL_CTL_DEL, ofd, NULL);
						watch(efd, ofd = xs_output_fd(rc->out));
					}
					if (xs_bgp_fd() != bfd) {
						if (bfd >= 0)
							epoll_ctl(efd, EPOLL_CTL_DEL, bfd, NULL);
						watch(efd, bfd = xs_bgp_fd());
					}
					continue;
				}
				if (si.ssi_signo == SIGUSR2)
					o->keep_attached = true;
				stop = true;
			} else if (fd == tfd) {
				struct xs_tick_clock clk;
				__u64 expirations;
				double now;
				int err;

				if (read(tfd, &expirations, sizeof(expirations)) < 0)
					continue;
				due += expirations * o->tick_ms / 1000.0;
				clk = (struct xs_tick_clock){ .due = due, .missed = expirations - 1 };
				err = xs_pipeline_tick(&rc->pipe, xs_wall_s(), &clk);
				if (err) {
					xs_err("cannot read the maps: %s", strerror(-err));
					ret = -XS_EXIT_FAIL;
					stop = true;
					break;
				}
				xs_global_add(&acc, &rc->pipe.tick.g);
				now = xs_mono_s();
				if (now - last_print >= 0.999) {
					if (!o->quiet)
						print_rates(&acc, now - last_print);
					memset(&acc, 0, sizeof(acc));
					last_print = now;
				}
				if (o->duration_s && now - start >= o->duration_s)
					stop = true;
			} else if (fd == slfd) {
				__u64 expirations;

				if (read(slfd, &expirations, sizeof(expirations)) > 0)
					xs_pipeline_slice(&rc->pipe, xs_mono_s());
			} else if (fd == bfd && bfd >= 0) {
				xs_bgp_poll();
			} else if (fd == mfd && mfd >= 0) {
				xs_pipeline_service(&rc->pipe);
			} else if (fd != ofd) {
				xs_pipeline_poll(&rc->pipe);
			}
		}
	}
out:
	if (efd >= 0)
		close(efd);
	if (tfd >= 0)
		close(tfd);
	if (slfd >= 0)
		close(slfd);
	if (sfd >= 0)
		close(sfd);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	struct run_ctx rc = {};
	struct xs_mitig mit = {};
	sigset_t sigs;
	struct xs_status_pub stp;
	struct xs_bpf b = {};
	struct run_opts o;
	int lock_fd = -1, ret, i;

	if (parse_run_opts(argc, argv, &o))
		return XS_EXIT_USAGE;
	run_signals(&sigs);
	rc.o = &o;
	rc.set = calloc(1, sizeof(*rc.set));
	rc.out = xs_output_new();
	if (!rc.set || !rc.out) {
		ret = XS_EXIT_FAIL;
		goto out_settings;
	}
	ret = load_settings(&o, rc.set);
	if (ret)
		goto out_settings;
	ret = xs_check_privileges();
	if (!ret)
		ret = xs_check_bpffs(o.pin_dir);
	if (ret) {
		ret = -ret;
		goto out_settings;
	}
	for (i = 0; i < o.nifaces; i++)
		if (!if_nametoindex(o.ifaces[i])) {
			xs_err("unknown interface '%s': see 'ip link' for the names on this host",
			       o.ifaces[i]);
			ret = XS_EXIT_ENV;
			goto out_settings;
		}
	if (o.mirror && (ret = mirror_check(&o)))
		goto out_settings;
	{
		struct xs_pipeline_opts po = {
			.settings = rc.set,
			.ifname = o.ifaces[0],
			.out = rc.out,
		};

		ret = -xs_pipeline_init(&rc.pipe, &po);
		if (ret)
			goto out_settings;
	}
	lock_fd = xs_instance_lock(o.pin_dir);
	if (lock_fd < 0) {
		ret = -lock_fd;
		goto out_settings;
	}
	{
		struct xs_run_info ri = { o.sizes.dst_entries, o.sizes.src_entries,
					  o.sizes.flow_entries, o.tick_ms / 1000.0 };

		xs_output_configure(rc.out, rc.set->root);
		xs_output_run_info(rc.out, &ri);
	}

	ret = setup_bpf(&b, &o);
	if (ret)
		goto out;
	ret = -xs_pipeline_collect(&rc.pipe, &b, true);
	if (ret)
		goto out;
	/* Set or cleared: an adopted program keeps its last run's flags. */
	if (xs_collector_set_flags(&rc.pipe.col, o.mirror ? rc.pipe.col.rt.flags | XS_RT_MIRROR
							  : rc.pipe.col.rt.flags & ~XS_RT_MIRROR)) {
		xs_err("cannot configure the BPF program: %s", strerror(errno));
		ret = XS_EXIT_FAIL;
		goto out;
	}
	if (o.mirror)
		xs_info("mirror mode: every frame is counted, then dropped");
	/* The BGP speaker, our child: it dies with us (docs/bgp.md). */
	if (rc.set->mitigation->bgp.enabled && xs_bgp_open(&rc.set->mitigation->bgp)) {
		ret = XS_EXIT_ENV;
		goto out;
	}
	ret = drop_privileges(&b, &o);
	if (ret)
		goto out;
	/* Outputs last: librdkafka starts threads, and a thread keeps the
	 * credentials and capabilities it was born with (issue 13: the
	 * threads that parse broker, TLS and SASL traffic kept full root). */
	if (xs_output_open(rc.out)) {
		ret = XS_EXIT_ENV;
		goto out;
	}
	xs_mitig_from_bpf(&mit, &b);
	ret = -xs_pipeline_mitigate(&rc.pipe, &mit, xs_bgp_fd() >= 0);
	if (ret)
		goto out;
	xs_status_init(&stp, &b, &o.sizes, o.tick_ms);
	xs_pipeline_publish(&rc.pipe, &stp);
	xs_pipeline_resume(&rc.pipe);
	ret = -event_loop(&rc);
	xs_pipeline_finish(&rc.pipe, xs_wall_s());
	b.keep = o.keep_attached;
	xs_info("%s; %llu packets seen, %llu new-flow events",
		b.keep ? "exiting, the program stays attached and counting" : "detaching",
		(unsigned long long)xs_global_total_pkts(&rc.pipe.col.totals.g),
		(unsigned long long)rc.pipe.events);
out:
	/* The alerts ended above and withdrew their routes; now the session. */
	xs_bgp_close();
	xs_output_close(rc.out);
	if (rc.pipe.collecting) {
		xs_collector_free(&rc.pipe.col);
		rc.pipe.collecting = false;
	}
	xs_bpf_close(&b);
	if (lock_fd >= 0) {
		if (!b.keep)
			rmdir(o.pin_dir);	/* the lock created it; fails if not empty */
		close(lock_fd);
	}
out_settings:
	xs_pipeline_free(&rc.pipe);
	xs_output_free(rc.out);
	if (rc.set)
		xs_settings_free(rc.set);
	free(rc.set);
	return ret;
}
