// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Output layer: reads the "outputs" list of the configuration, one sink per
 * entry (user/outputs/sinks/), and fans every alert and tick out to all of
 * them. Sinks register their sockets in the set's epoll set, whose fd the
 * daemon polls (xs_output_fd), so the whole daemon stays one event loop; a
 * 100 ms timer in the same set drives retries, backoff and fsync.
 *
 * A reload (xs_output_replace) opens the new outputs before it touches
 * the old: a sink whose configuration is unchanged is kept as it is (its
 * queue, its connection); the others are opened in the same epoll set;
 * only when all are open do they take over, and the old ones retire:
 * serviced by the loop until they have delivered what they hold (or for
 * RETIRE_S at most), then closed. If one cannot open, nothing changes
 * (issue 13: a failing open used to leave no output at all).
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
#define RETIRE_S 10	/* an old output delivers what it holds this long at most */

struct xs_outputs {
	struct xs_sink *sinks[MAX_SINKS];
	int nsinks;
	struct xs_sink *retiring[MAX_SINKS];	/* replaced, still delivering */
	int nretiring;
	double retire_until;
	int efd, tfd;
	bool opened, configured;
	uint64_t config_hash;	/* of the outputs section in use */
	struct xs_daemon_info dinfo;
};

struct xs_outputs *xs_output_new(void)
{
	struct xs_outputs *o = calloc(1, sizeof(*o));

	if (o)
		o->efd = o->tfd = -1;
	return o;
}

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

int xs_out_watch(struct xs_outputs *o, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (o->efd < 0)
		return -EBADF;
	return epoll_ctl(o->efd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int xs_out_modify(struct xs_outputs *o, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (o->efd < 0)
		return -EBADF;
	return epoll_ctl(o->efd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

void xs_out_unwatch(struct xs_outputs *o, int fd)
{
	if (o->efd >= 0 && fd >= 0)
		epoll_ctl(o->efd, EPOLL_CTL_DEL, fd, NULL);
}

int xs_out_nsinks(const struct xs_outputs *o)
{
	return o->nsinks;
}

const struct xs_sink *xs_out_sink(const struct xs_outputs *o, int i)
{
	return i >= 0 && i < o->nsinks ? o->sinks[i] : NULL;
}

const struct xs_daemon_info *xs_out_daemon_info(const struct xs_outputs *o)
{
	return &o->dinfo;
}

static void free_sink(struct xs_sink *s)
{
	if (!s)
		return;
	if (s->state == 0 && s->priv)
		s->ops->close(s);
	free(s->priv);
	free(s);
}

static void free_sinks(struct xs_outputs *o)
{
	int i;

	for (i = 0; i < o->nsinks; i++)
		free_sink(o->sinks[i]);
	memset(o->sinks, 0, sizeof(o->sinks));
	o->nsinks = 0;
}

static int add_sink(struct xs_outputs *o, xs_node n)
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
	if (o->nsinks == MAX_SINKS) {
		xs_cfg_error(n, "at most %d outputs", MAX_SINKS);
		return -1;
	}
	xs_cfg_str(n, "name", name, sizeof(name));
	if (!name[0]) {
		snprintf(name, sizeof(name), "%s", xs_sink_types[type]->type);
		for (i = 0; i < o->nsinks; i++)
			if (!strcmp(o->sinks[i]->name, name))
				snprintf(name, sizeof(name), "%s-%d", xs_sink_types[type]->type,
					 o->nsinks + 1);
	}
	for (i = 0; i < o->nsinks; i++)
		if (!strcmp(o->sinks[i]->name, name)) {
			xs_cfg_error(xs_cfg_get(n, "name"), "another output is already named '%s'",
				     name);
			return -1;
		}
	s = calloc(1, sizeof(*s));
	if (!s) {
		xs_cfg_error(n, "out of memory");
		return -1;
	}
	o->sinks[o->nsinks++] = s;
	s->ops = xs_sink_types[type];
	s->out = o;
	s->cfg_hash = xs_cfg_hash(n);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->ops->configure(s, n);
	xs_cfg_check_unknown(n);
	return xs_cfg_nerrors(n.cfg) > errs ? -1 : 0;
}

bool xs_output_same_config(const struct xs_outputs *o, xs_node root)
{
	return o->configured && xs_cfg_hash(xs_cfg_get(root, "outputs")) == o->config_hash;
}

int xs_output_configure(struct xs_outputs *o, xs_node root)
{
	xs_node outs;
	int i, err = 0;

	free_sinks(o);
	o->configured = true;
	o->config_hash = root.cfg ? xs_cfg_hash(xs_cfg_get(root, "outputs")) : 0;
	if (!root.cfg || !xs_node_present(xs_cfg_get(root, "outputs"))) {
		/* No configuration: alerts on stdout, as a user would expect. */
		o->sinks[0] = calloc(1, sizeof(struct xs_sink));
		if (!o->sinks[0])
			return -ENOMEM;
		o->sinks[0]->ops = &xs_sink_stdout;
		o->sinks[0]->out = o;
		snprintf(o->sinks[0]->name, sizeof(o->sinks[0]->name), "stdout");
		o->nsinks = 1;
		return xs_sink_stdout.configure(o->sinks[0], (xs_node){ 0 });
	}
	outs = xs_cfg_get_seq(root, "outputs");
	for (i = 0; i < xs_cfg_seq_len(outs); i++)
		if (add_sink(o, xs_cfg_seq_at(outs, i)))
			err = -EINVAL;
	return err;
}

int xs_output_check(xs_node root)
{
	struct xs_outputs *o = xs_output_new();
	int err;

	if (!o)
		return -ENOMEM;
	err = xs_output_configure(o, root);
	xs_output_free(o);	/* configured, never opened: only their settings */
	return err;
}

int xs_output_open(struct xs_outputs *o)
{
	struct itimerspec its = {
		.it_interval = { 0, SERVICE_MS * 1000000L },
		.it_value = { 0, SERVICE_MS * 1000000L },
	};
	int i, err;

	if (!o->configured)
		xs_output_configure(o, (xs_node){ 0 });
	o->efd = epoll_create1(EPOLL_CLOEXEC);
	o->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (o->efd < 0 || o->tfd < 0 || timerfd_settime(o->tfd, 0, &its, NULL) ||
	    xs_out_watch(o, o->tfd, EPOLLIN)) {
		err = -errno;
		xs_err("cannot set up the outputs: %s", strerror(errno));
		return err;
	}
	o->dinfo.start_time = (double)time(NULL);
	/* A collector or reader that goes away must not kill the daemon:
	 * sinks see EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < o->nsinks; i++) {
		err = o->sinks[i]->ops->open(o->sinks[i]);
		o->sinks[i]->state = 1;
		if (err) {
			/* The sink logged what is wrong; undo the ones opened. */
			for (; i >= 0; i--) {
				o->sinks[i]->ops->close(o->sinks[i]);
				o->sinks[i]->state = 2;
			}
			free_sinks(o);
			close(o->tfd);
			close(o->efd);
			o->tfd = o->efd = -1;
			return err;
		}
	}
	o->opened = true;
	return 0;
}

static bool sink_holds(const struct xs_sink *s)
{
	return s->st.queued || s->st.spooled;
}

static void close_sink(struct xs_sink *s)
{
	s->ops->close(s);
	s->state = 2;
}

/* Closes retiring outputs that delivered what they held (or ran out of
 * time); now: all of them. */
static void reap_retiring(struct xs_outputs *o, bool now)
{
	int i = 0;

	while (i < o->nretiring) {
		struct xs_sink *s = o->retiring[i];

		if (!now && sink_holds(s) && xs_mono_s() < o->retire_until) {
			i++;
			continue;
		}
		if (sink_holds(s))
			xs_warn("output %s (replaced): %llu messages left undelivered", s->name,
				(unsigned long long)(s->st.queued + s->st.spooled));
		close_sink(s);
		free_sink(s);
		o->retiring[i] = o->retiring[--o->nretiring];
	}
}

int xs_output_replace(struct xs_outputs *o, xs_node root)
{
	struct xs_outputs *n;
	bool kept[MAX_SINKS] = {};
	int i, j, err = 0;

	if (!o->opened) {
		xs_output_configure(o, root);
		return xs_output_open(o);
	}
	n = xs_output_new();
	if (!n)
		return -ENOMEM;
	err = xs_output_configure(n, root);
	/* The new set lives in the old one's epoll set and timer: the loop
	 * watches one descriptor whatever happens. */
	for (i = 0; !err && i < n->nsinks; i++) {
		struct xs_sink *s = n->sinks[i];

		for (j = 0; j < o->nsinks; j++)
			if (!kept[j] && o->sinks[j]->ops == s->ops && o->sinks[j]->cfg_hash == s->cfg_hash &&
			    !strcmp(o->sinks[j]->name, s->name))
				break;
		if (j < o->nsinks) {
			/* Unchanged: the running one takes the new one's place
			 * (files reopen, as a SIGHUP asks). */
			kept[j] = true;
			free_sink(s);
			n->sinks[i] = o->sinks[j];
			if (n->sinks[i]->ops->reopen)
				n->sinks[i]->ops->reopen(n->sinks[i]);
			continue;
		}
		s->out = o;
		err = s->ops->open(s);
		s->state = 1;
		if (err) {
			s->state = 2;
			s->ops->close(s);
		}
	}
	if (err) {
		/* Undo: the new ones opened so far close, the kept ones stay
		 * where they were. */
		for (i = 0; i < n->nsinks; i++) {
			struct xs_sink *s = n->sinks[i];
			bool old = false;

			for (j = 0; j < o->nsinks; j++)
				old |= o->sinks[j] == s;
			if (old) {
				n->sinks[i] = NULL;
				continue;
			}
			if (s->state == 1)
				close_sink(s);
		}
		xs_output_free(n);
		return err ? err : -EINVAL;
	}
	/* Swap: the old ones not kept retire. */
	reap_retiring(o, true);
	for (j = 0; j < o->nsinks; j++)
		if (!kept[j])
			o->retiring[o->nretiring++] = o->sinks[j];
	memcpy(o->sinks, n->sinks, sizeof(o->sinks));
	o->nsinks = n->nsinks;
	o->config_hash = n->config_hash;
	o->retire_until = xs_mono_s() + RETIRE_S;
	n->nsinks = 0;
	xs_output_free(n);
	return 0;
}

void xs_output_alert(struct xs_outputs *o, const struct xs_alert_out *a)
{
	int i;

	o->dinfo.alerts++;
	for (i = 0; i < o->nsinks; i++)
		if (o->sinks[i]->ops->alert)
			o->sinks[i]->ops->alert(o->sinks[i], a);
}

void xs_output_tick(struct xs_outputs *o, const struct xs_tick *t, double ts, double secs)
{
	int i;

	o->dinfo.ticks++;
	for (i = 0; i < o->nsinks; i++)
		if (o->sinks[i]->ops->tick)
			o->sinks[i]->ops->tick(o->sinks[i], t, ts, secs);
}

void xs_output_service(struct xs_outputs *o)
{
	struct epoll_event evs[16];
	uint64_t exp;
	double now;
	int i;

	if (!o->opened)
		return;
	/* The sinks look at their own fds; here only the timer needs reading
	 * so that it stops being ready. */
	if (epoll_wait(o->efd, evs, 16, 0) > 0)
		while (read(o->tfd, &exp, sizeof(exp)) > 0)
			;
	now = xs_mono_s();
	for (i = 0; i < o->nsinks; i++)
		if (o->sinks[i]->ops->service)
			o->sinks[i]->ops->service(o->sinks[i], now);
	for (i = 0; i < o->nretiring; i++)
		if (o->retiring[i]->ops->service)
			o->retiring[i]->ops->service(o->retiring[i], now);
	if (o->nretiring)
		reap_retiring(o, false);
}

void xs_output_reopen(struct xs_outputs *o)
{
	int i;

	for (i = 0; i < o->nsinks; i++)
		if (o->sinks[i]->ops->reopen)
			o->sinks[i]->ops->reopen(o->sinks[i]);
}

int xs_output_fd(const struct xs_outputs *o)
{
	return o->opened ? o->efd : -1;
}

bool xs_output_idle(const struct xs_outputs *o)
{
	int i;

	for (i = 0; i < o->nsinks; i++)
		if (sink_holds(o->sinks[i]))
			return false;
	return true;
}

bool xs_output_all_delivered(const struct xs_outputs *o)
{
	int i;

	for (i = 0; i < o->nsinks; i++)
		if (o->sinks[i]->st.failed)
			return false;
	return xs_output_idle(o);
}

void xs_output_run_info(struct xs_outputs *o, const struct xs_run_info *ri)
{
	o->dinfo.run = *ri;
	o->dinfo.have_run = true;
}

void xs_output_tick_timing(struct xs_outputs *o, double lag_s, double drain_s, uint64_t missed)
{
	o->dinfo.tick_lag_s = lag_s;
	o->dinfo.tick_drain_s = drain_s;
	o->dinfo.ticks_missed += missed;
	o->dinfo.have_timing = true;
}

void xs_output_mitig_info(struct xs_outputs *o, const struct xs_mitig_info *mi)
{
	o->dinfo.mitig = *mi;
	o->dinfo.have_mitig = true;
}

void xs_output_close(struct xs_outputs *o)
{
	const struct xs_sink_stats *st;
	int i;

	if (!o->opened) {
		fflush(stdout);
		return;
	}
	reap_retiring(o, true);
	for (i = 0; i < o->nsinks; i++) {
		close_sink(o->sinks[i]);
		st = &o->sinks[i]->st;
		if (st->failed || st->queued || st->spooled)
			xs_warn("output %s: %llu sent, %llu failed (%llu overflow), %llu left "
				"undelivered, %llu in the spool",
				o->sinks[i]->name, (unsigned long long)st->sent,
				(unsigned long long)st->failed, (unsigned long long)st->overflow,
				(unsigned long long)st->queued, (unsigned long long)st->spooled);
		else
			xs_dbg("output %s: %llu sent", o->sinks[i]->name,
			       (unsigned long long)st->sent);
	}
	close(o->tfd);
	close(o->efd);
	o->tfd = o->efd = -1;
	o->opened = false;
}

void xs_output_free(struct xs_outputs *o)
{
	if (!o)
		return;
	xs_output_close(o);
	free_sinks(o);
	free(o);
}

int xs_output_health(const struct xs_outputs *o, int i, struct xs_output_health *h)
{
	if (i < 0 || i >= o->nsinks)
		return -1;
	h->name = o->sinks[i]->name;
	h->up = o->sinks[i]->st.up;
	h->sent = o->sinks[i]->st.sent;
	h->failed = o->sinks[i]->st.failed;
	h->queued = o->sinks[i]->st.queued;
	h->spooled = o->sinks[i]->st.spooled;
	return 0;
}

/* For `emit` and the tests: the stats of every sink, one line each. */
void xs_output_print_stats(const struct xs_outputs *o, FILE *f)
{
	const struct xs_sink_stats *st;
	int i;

	for (i = 0; i < o->nsinks; i++) {
		st = &o->sinks[i]->st;
		fprintf(f,
			"output %s: sent %llu failed %llu overflow %llu queued %llu spooled %llu "
			"spooled_total %llu resent %llu reconnects %llu\n",
			o->sinks[i]->name, (unsigned long long)st->sent,
			(unsigned long long)st->failed, (unsigned long long)st->overflow,
			(unsigned long long)st->queued, (unsigned long long)st->spooled,
			(unsigned long long)st->spooled_total, (unsigned long long)st->resent,
			(unsigned long long)st->reconnects);
	}
}
