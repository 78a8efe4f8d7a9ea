// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Output layer: reads the "outputs" list of the configuration, one sink per
 * entry (user/outputs/sinks/), and fans every alert and tick out to all of them.
 * Sinks register their sockets in one epoll set whose fd the daemon polls
 * (xs_output_fd), so the whole daemon stays one event loop; a 100 ms timer
 * in the same set drives retries, backoff and fsync.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "clock.h"
#include "log.h"
#include "output.h"
#include "sinks/sink.h"

#define MAX_SINKS 16
#define SERVICE_MS 100

static struct xs_sink sinks[MAX_SINKS];
static int nsinks;
static int efd = -1, tfd = -1;
static bool opened, configured;
static struct xs_daemon_info dinfo;

/* A DNS name, an IPv4 address, or an IPv6 address in brackets. */
static bool host_ok(const char *h, const char *end)
{
	const char *c;

	if (*h == '[')
		return end - h > 2 && end[-1] == ']';
	for (c = h; c < end; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-' && *c != '_')
			return false;
	return true;
}

int xs_out_check_hostport_list(xs_node map, const char *key, const char *list)
{
	char buf[1024], *save = NULL, *tok, *colon, *end;
	xs_node n = xs_cfg_get(map, key);
	unsigned long port;

	snprintf(buf, sizeof(buf), "%s", list);
	if (!buf[0]) {
		xs_cfg_error(n, "expected host:port[,host:port...], got an empty list");
		return -1;
	}
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		colon = strrchr(tok, ':');
		if (!colon || colon == tok) {
			xs_cfg_error(n, "'%s' is not host:port", tok);
			return -1;
		}
		if (!host_ok(tok, colon)) {
			xs_cfg_error(n, "'%.*s' is not a host name or address (list brokers as "
				     "host:port,host:port)",
				     (int)(colon - tok), tok);
			return -1;
		}
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || end == colon + 1 || (*end && *end != ' ') || port < 1 || port > 65535) {
			xs_cfg_error(n, "'%s': port must be 1..65535", tok);
			return -1;
		}
	}
	return 0;
}

int xs_out_check_readable(xs_node map, const char *key, const char *path)
{
	if (!path[0] || !access(path, R_OK))
		return 0;
	xs_cfg_error(xs_cfg_get(map, key), "cannot read '%s': %s", path, strerror(errno));
	return -1;
}

int xs_out_watch(int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (efd < 0)
		return -EBADF;
	return epoll_ctl(efd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int xs_out_modify(int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (efd < 0)
		return -EBADF;
	return epoll_ctl(efd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

void xs_out_unwatch(int fd)
{
	if (efd >= 0 && fd >= 0)
		epoll_ctl(efd, EPOLL_CTL_DEL, fd, NULL);
}

int xs_out_nsinks(void)
{
	return nsinks;
}

const struct xs_sink *xs_out_sink(int i)
{
	return i >= 0 && i < nsinks ? &sinks[i] : NULL;
}

const struct xs_daemon_info *xs_out_daemon_info(void)
{
	return &dinfo;
}

static void free_sinks(void)
{
	int i;

	for (i = 0; i < nsinks; i++) {
		if (sinks[i].state == 0 && sinks[i].priv)
			sinks[i].ops->close(&sinks[i]);
		free(sinks[i].priv);
	}
	memset(sinks, 0, sizeof(sinks));
	nsinks = 0;
}

static int add_sink(xs_node n)
{
	static const char *names[8];
	struct xs_sink *s;
	char name[64] = "";
	int type = -1, i, errs = xs_cfg_nerrors(n.cfg);

	if (!names[0])
		for (i = 0; xs_sink_types[i]; i++)
			names[i] = xs_sink_types[i]->type;
	if (!xs_node_is_map(n)) {
		xs_cfg_error(n, "expected a mapping with a 'type:' key");
		return -1;
	}
	if (!xs_node_present(xs_cfg_get(n, "type"))) {
		xs_cfg_error(n, "missing 'type:' (stdout, file, syslog, kafka or metrics)");
		return -1;
	}
	if (xs_cfg_enum(n, "type", names, &type))
		return -1;
	if (nsinks == MAX_SINKS) {
		xs_cfg_error(n, "at most %d outputs", MAX_SINKS);
		return -1;
	}
	xs_cfg_str(n, "name", name, sizeof(name));
	if (!name[0]) {
		snprintf(name, sizeof(name), "%s", xs_sink_types[type]->type);
		for (i = 0; i < nsinks; i++)
			if (!strcmp(sinks[i].name, name))
				snprintf(name, sizeof(name), "%s-%d", xs_sink_types[type]->type, nsinks + 1);
	}
	for (i = 0; i < nsinks; i++)
		if (!strcmp(sinks[i].name, name)) {
			xs_cfg_error(xs_cfg_get(n, "name"), "another output is already named '%s'",
				     name);
			return -1;
		}
	s = &sinks[nsinks++];
	memset(s, 0, sizeof(*s));
	s->ops = xs_sink_types[type];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->ops->configure(s, n);
	xs_cfg_check_unknown(n);
	return xs_cfg_nerrors(n.cfg) > errs ? -1 : 0;
}

static uint64_t config_hash;	/* of the outputs section in use */

bool xs_output_same_config(xs_node root)
{
	return configured && xs_cfg_hash(xs_cfg_get(root, "outputs")) == config_hash;
}

int xs_output_configure(xs_node root)
{
	xs_node outs;
	int i, err = 0;

	free_sinks();
	configured = true;
	config_hash = root.cfg ? xs_cfg_hash(xs_cfg_get(root, "outputs")) : 0;
	if (!root.cfg || !xs_node_present(xs_cfg_get(root, "outputs"))) {
		/* No configuration: alerts on stdout, as a user would expect. */
		sinks[0].ops = &xs_sink_stdout;
		snprintf(sinks[0].name, sizeof(sinks[0].name), "stdout");
		nsinks = 1;
		return xs_sink_stdout.configure(&sinks[0], (xs_node){ 0 });
	}
	outs = xs_cfg_get_seq(root, "outputs");
	for (i = 0; i < xs_cfg_seq_len(outs); i++)
		if (add_sink(xs_cfg_seq_at(outs, i)))
			err = -EINVAL;
	return err;
}

int xs_output_check(xs_node root)
{
	/* Configure into the same table, then put the running sinks back:
	 * add_sink() only knows the global table. */
	static struct xs_sink saved[MAX_SINKS];
	int saved_n = nsinks, err;
	bool saved_configured = configured;

	memcpy(saved, sinks, sizeof(saved));
	memset(sinks, 0, sizeof(sinks));
	nsinks = 0;
	err = xs_output_configure(root);
	free_sinks();	/* configured, never opened: only their settings */
	memcpy(sinks, saved, sizeof(saved));
	nsinks = saved_n;
	configured = saved_configured;
	return err;
}

int xs_output_open(void)
{
	struct itimerspec its = {
		.it_interval = { 0, SERVICE_MS * 1000000L },
		.it_value = { 0, SERVICE_MS * 1000000L },
	};
	int i, err;

	if (!configured)
		xs_output_configure((xs_node){ 0 });
	efd = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (efd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) || xs_out_watch(tfd, EPOLLIN)) {
		err = -errno;
		xs_err("cannot set up the outputs: %s", strerror(errno));
		return err;
	}
	dinfo.start_time = (double)time(NULL);
	/* A collector or reader that goes away must not kill the daemon:
	 * sinks see EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nsinks; i++) {
		err = sinks[i].ops->open(&sinks[i]);
		sinks[i].state = 1;
		if (err) {
			/* The sink logged what is wrong; undo the ones opened. */
			for (; i >= 0; i--) {
				sinks[i].ops->close(&sinks[i]);
				sinks[i].state = 2;
			}
			free_sinks();
			close(tfd);
			close(efd);
			tfd = efd = -1;
			return err;
		}
	}
	opened = true;
	return 0;
}

void xs_output_alert(const struct xs_alert_out *a)
{
	int i;

	dinfo.alerts++;
	for (i = 0; i < nsinks; i++)
		if (sinks[i].ops->alert)
			sinks[i].ops->alert(&sinks[i], a);
}

void xs_output_tick(const struct xs_tick *t, double ts, double secs)
{
	int i;

	dinfo.ticks++;
	for (i = 0; i < nsinks; i++)
		if (sinks[i].ops->tick)
			sinks[i].ops->tick(&sinks[i], t, ts, secs);
}

void xs_output_service(void)
{
	struct epoll_event evs[16];
	uint64_t exp;
	double now;
	int i;

	if (!opened)
		return;
	/* The sinks look at their own fds; here only the timer needs reading
	 * so that it stops being ready. */
	if (epoll_wait(efd, evs, 16, 0) > 0)
		while (read(tfd, &exp, sizeof(exp)) > 0)
			;
	now = xs_mono_s();
	for (i = 0; i < nsinks; i++)
		if (sinks[i].ops->service)
			sinks[i].ops->service(&sinks[i], now);
}

void xs_output_reopen(void)
{
	int i;

	for (i = 0; i < nsinks; i++)
		if (sinks[i].ops->reopen)
			sinks[i].ops->reopen(&sinks[i]);
}

int xs_output_fd(void)
{
	return opened ? efd : -1;
}

bool xs_output_idle(void)
{
	int i;

	for (i = 0; i < nsinks; i++)
		if (sinks[i].st.queued || sinks[i].st.spooled)
			return false;
	return true;
}

bool xs_output_all_delivered(void)
{
	int i;

	for (i = 0; i < nsinks; i++)
		if (sinks[i].st.failed)
			return false;
	return xs_output_idle();
}

void xs_output_run_info(const struct xs_run_info *ri)
{
	dinfo.run = *ri;
	dinfo.have_run = true;
}

void xs_output_tick_timing(double lag_s, double drain_s, uint64_t missed)
{
	dinfo.tick_lag_s = lag_s;
	dinfo.tick_drain_s = drain_s;
	dinfo.ticks_missed += missed;
	dinfo.have_timing = true;
}

void xs_output_close(void)
{
	const struct xs_sink_stats *st;
	int i;

	if (!opened) {
		fflush(stdout);
		return;
	}
	for (i = 0; i < nsinks; i++) {
		sinks[i].ops->close(&sinks[i]);
		sinks[i].state = 2;
		st = &sinks[i].st;
		if (st->failed || st->queued || st->spooled)
			xs_warn("output %s: %llu sent, %llu failed (%llu overflow), %llu left "
				"undelivered, %llu in the spool",
				sinks[i].name, (unsigned long long)st->sent,
				(unsigned long long)st->failed, (unsigned long long)st->overflow,
				(unsigned long long)st->queued, (unsigned long long)st->spooled);
		else
			xs_dbg("output %s: %llu sent", sinks[i].name, (unsigned long long)st->sent);
	}
	close(tfd);
	close(efd);
	tfd = efd = -1;
	opened = false;
}

int xs_output_health(int i, struct xs_output_health *h)
{
	if (i < 0 || i >= nsinks)
		return -1;
	h->name = sinks[i].name;
	h->up = sinks[i].st.up;
	h->sent = sinks[i].st.sent;
	h->failed = sinks[i].st.failed;
	h->queued = sinks[i].st.queued;
	h->spooled = sinks[i].st.spooled;
	return 0;
}

/* For `emit` and the tests: the stats of every sink, one line each. */
void xs_output_print_stats(FILE *f)
{
	const struct xs_sink_stats *st;
	int i;

	for (i = 0; i < nsinks; i++) {
		st = &sinks[i].st;
		fprintf(f,
			"output %s: sent %llu failed %llu overflow %llu queued %llu spooled %llu "
			"spooled_total %llu resent %llu reconnects %llu\n",
			sinks[i].name, (unsigned long long)st->sent, (unsigned long long)st->failed,
			(unsigned long long)st->overflow, (unsigned long long)st->queued,
			(unsigned long long)st->spooled, (unsigned long long)st->spooled_total,
			(unsigned long long)st->resent, (unsigned long long)st->reconnects);
	}
}
