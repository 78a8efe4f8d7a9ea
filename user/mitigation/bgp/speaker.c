// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <jansson.h>

#include "exabgp.h"
#include "log.h"
#include "names.h"
#include "speaker.h"

#define OUT_MAX (1u << 20)	/* queued command bytes: past this the speaker is stuck */
#define LINE_MAX_LEN 16384	/* longest answer or log line kept */
#define ACKS_MAX 4096		/* commands awaiting their answer */
#define SLOT_BITS 14		/* ids: generation << SLOT_BITS | slot + 1 */
#define RESTART_MIN_MS 1000
#define RESTART_MAX_MS 30000
#define STOP_TIMEOUT_MS 3000
#define TAIL_LINES 4		/* the speaker's last log lines, for its exit */
#define TEXT_MAX 2048

_Static_assert(XS_BGP_ANNOUNCE_MAX < (1 << SLOT_BITS), "slots fit in an id");

const char *const xs_bgp_state_names[] = { "closed", "idle", "up", "restarting" };
const char *const xs_bgp_refusal_names[XS_BGP_REF_MAX] = { "scope", "allowlist", "length", "cap",
							   "invalid" };

enum { K_BLACKHOLE, K_FLOW };
enum { OP_ANNOUNCE, OP_WITHDRAW };
enum { TAG_TIMER = 1, TAG_PID, TAG_CMD, TAG_EVT, TAG_LOG };

struct entry {
	uint16_t gen;		/* of the id in use, or of the last one */
	uint32_t refs;		/* 0: free */
	int kind;
	char *key;		/* the NLRI: the same route announced twice */
	char *announce;		/* after "announce " */
	char *withdraw;		/* after "withdraw " */
};

struct lines {
	char buf[LINE_MAX_LEN];
	size_t used;
	bool skipping;		/* the rest of an overlong line */
};

struct ack {
	int id;
	uint8_t op;
};

static struct {
	bool open;
	struct xs_bgp_cfg cfg;
	struct xs_exabgp x;
	int state;
	int efd, tfd;
	struct entry *tab;
	char *out;
	size_t out_used;
	bool want_out;
	struct ack acks[ACKS_MAX];
	uint32_t ack_head, ack_n;
	/* Past ACKS_MAX commands in flight, answers are only counted until
	 * all are in, so that the ring's order stays the speaker's. */
	uint32_t untracked;
	struct lines evt, log;
	char tail[TAIL_LINES][160];
	int tail_n;
	uint32_t restart_ms;
	bool told_down;		/* why a session failed, said since it was last up */
	struct xs_bgp_status st;
	char last_error[256];
} S = { .efd = -1, .tfd = -1 };

/* ---- Helpers ---- */

static int watch(int op, int fd, uint32_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(S.efd, op, fd, &ev) ? -errno : 0;
}

static bool overlaps(const struct xs_prefix *a, const struct xs_prefix *b)
{
	return a->len <= b->len ? xs_prefix_contains(a, &b->addr) : xs_prefix_contains(b, &a->addr);
}

static bool inside(const struct xs_prefix *outer, const struct xs_prefix *p)
{
	return outer->len <= p->len && xs_prefix_contains(outer, &p->addr);
}

static int refuse(int reason, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(int reason, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(S.last_error, sizeof(S.last_error), fmt, ap);
	va_end(ap);
	S.st.refused[reason]++;
	xs_warn("bgp: refused: %s", S.last_error);
	return err;
}

/* A prefix the rails allow as a destination; 0 or a refusal. */
static int check_scope(const struct xs_prefix *p)
{
	char s[XS_PREFIX_STRLEN], o[XS_PREFIX_STRLEN];
	int i;

	for (i = 0; i < S.cfg.nallow; i++)
		if (overlaps(&S.cfg.allow[i], p))
			return refuse(XS_BGP_REF_ALLOW, -EPERM, "%s overlaps %s of the allowlist",
				      xs_prefix_str(p, s), xs_prefix_str(&S.cfg.allow[i], o));
	for (i = 0; i < S.cfg.nannounce; i++)
		if (inside(&S.cfg.announce[i], p))
			return 0;
	return refuse(XS_BGP_REF_SCOPE, -EPERM, "%s is not inside announce_prefixes",
		      xs_prefix_str(p, s));
}

static struct entry *entry_of(int id)
{
	uint32_t slot = ((uint32_t)id & ((1u << SLOT_BITS) - 1)) - 1;
	struct entry *e;

	if (!S.open || id <= 0 || slot >= S.cfg.max_announcements)
		return NULL;
	e = &S.tab[slot];
	return e->refs && e->gen == (uint32_t)id >> SLOT_BITS ? e : NULL;
}

static int id_of(const struct entry *e)
{
	return (int)((uint32_t)e->gen << SLOT_BITS | (uint32_t)(e - S.tab + 1));
}

static void entry_free(struct entry *e)
{
	free(e->key);
	free(e->announce);
	free(e->withdraw);
	e->key = e->announce = e->withdraw = NULL;
	e->refs = 0;
}

/* ---- Talking to the speaker ---- */

static void flush(void)
{
	ssize_t n;
	bool want;

	while (S.out_used && S.x.cmd_fd >= 0) {
		n = write(S.x.cmd_fd, S.out, S.out_used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				xs_warn("bgp: writing to the speaker: %s", strerror(errno));
			break;
		}
		memmove(S.out, S.out + n, S.out_used - (size_t)n);
		S.out_used -= (size_t)n;
	}
	want = S.out_used > 0 && S.x.cmd_fd >= 0;
	if (want != S.want_out && !watch(EPOLL_CTL_MOD, S.x.cmd_fd, TAG_CMD, want ? EPOLLOUT : 0))
		S.want_out = want;
}

static void send_cmd(int op, const struct entry *e)
{
	const char *verb = op == OP_ANNOUNCE ? "announce " : "withdraw ";
	const char *text = op == OP_ANNOUNCE ? e->announce : e->withdraw;
	size_t len = strlen(verb) + strlen(text) + 1;

	if (S.cfg.dry_run || S.x.pid <= 0)
		return;	/* dry run; or no speaker now: its start sends the table */
	if (S.out_used + len > OUT_MAX) {
		/* It has not read a megabyte of commands: start it again,
		 * which sends the whole table anew. */
		xs_err("bgp: the speaker (pid %d) reads no commands: restarting it", (int)S.x.pid);
		kill(S.x.pid, SIGKILL);
		return;
	}
	memcpy(S.out + S.out_used, verb, strlen(verb));
	memcpy(S.out + S.out_used + strlen(verb), text, strlen(text));
	S.out[S.out_used + len - 1] = '\n';
	S.out_used += len;
	S.st.commands++;
	if (S.ack_n < ACKS_MAX && !S.untracked) {
		S.acks[(S.ack_head + S.ack_n) % ACKS_MAX] = (struct ack){ id_of(e), (uint8_t)op };
		S.ack_n++;
	} else {
		S.untracked++;
	}
	flush();
}

static void on_answer(bool ok)
{
	struct ack a;
	struct entry *e;

	if (!S.ack_n) {
		/* One of the untracked commands (or a stray line). */
		if (S.untracked)
			S.untracked--;
		if (!ok) {
			S.st.speaker_errors++;
			xs_err("bgp: ExaBGP refused a command");
		}
		return;
	}
	a = S.acks[S.ack_head];
	S.ack_head = (S.ack_head + 1) % ACKS_MAX;
	S.ack_n--;
	if (ok)
		return;
	S.st.speaker_errors++;
	e = entry_of(a.id);
	xs_err("bgp: ExaBGP refused to %s %s", a.op == OP_ANNOUNCE ? "announce" : "withdraw",
	       e ? (a.op == OP_ANNOUNCE ? e->announce : e->withdraw) : "a route since removed");
}

static void on_event(const char *line)
{
	json_error_t jerr;
	json_t *j = json_loads(line, 0, &jerr);
	const char *type, *state, *peer, *reason;

	if (!j) {
		xs_dbg("bgp: unreadable event from ExaBGP: %.100s", line);
		return;
	}
	type = json_string_value(json_object_get(j, "type"));
	state = json_string_value(json_object_get(json_object_get(j, "neighbor"), "state"));
	peer = json_string_value(json_object_get(
		json_object_get(json_object_get(j, "neighbor"), "address"), "peer"));
	reason = json_string_value(json_object_get(json_object_get(j, "neighbor"), "reason"));
	if (type && state && !strcmp(type, "state")) {
		if (!strcmp(state, "up") && S.state != XS_BGP_UP) {
			S.state = XS_BGP_UP;
			S.st.session_ups++;
			S.restart_ms = RESTART_MIN_MS;
			S.told_down = false;
			xs_info("bgp: session with %s (AS %u) is up", peer ? peer : "?",
				S.cfg.peer_as);
		} else if (!strcmp(state, "down") && S.state == XS_BGP_UP) {
			S.state = XS_BGP_IDLE;
			S.st.session_downs++;
			xs_warn("bgp: session with %s is down: %s", peer ? peer : "?",
				reason ? reason : "no reason given");
		} else if (!strcmp(state, "down") && !S.told_down) {
			/* A session that never comes up (a wrong AS, a router
			 * that refuses us): say why once, not at every retry. */
			S.told_down = true;
			xs_warn("bgp: no session with %s: %s", peer ? peer : "?",
				reason ? reason : "no reason given");
		}
	}
	json_decref(j);
}

static void on_evt_line(char *line)
{
	if (!strcmp(line, "done"))
		on_answer(true);
	else if (!strcmp(line, "error"))
		on_answer(false);
	else if (line[0] == '{')
		on_event(line);
	else if (line[0])
		xs_dbg("bgp: ExaBGP says: %.200s", line);
}

static void on_log_line(char *line)
{
	snprintf(S.tail[S.tail_n % TAIL_LINES], sizeof(S.tail[0]), "%s", line);
	S.tail_n++;
	xs_dbg("exabgp: %s", line);
}

/* Reads what fd has and hands over each complete line. */
static void read_lines(int fd, struct lines *l, void (*fn)(char *))
{
	ssize_t n;
	char *nl;

	for (;;) {
		n = read(fd, l->buf + l->used, sizeof(l->buf) - 1 - l->used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		l->used += (size_t)n;
		l->buf[l->used] = '\0';
		while ((nl = memchr(l->buf, '\n', l->used))) {
			*nl = '\0';
			if (!l->skipping)
				fn(l->buf);
			l->skipping = false;
			l->used -= (size_t)(nl + 1 - l->buf);
			memmove(l->buf, nl + 1, l->used);
			l->buf[l->used] = '\0';
		}
		if (l->used == sizeof(l->buf) - 1) {
			/* Longer than we keep: the line's end is dropped. */
			if (!l->skipping)
				fn(l->buf);
			l->skipping = true;
			l->used = 0;
		}
	}
}

/* ---- The speaker's life ---- */

static void arm_restart(void)
{
	struct itimerspec its = { .it_value = { S.restart_ms / 1000,
						(S.restart_ms % 1000) * 1000000L } };

	S.state = XS_BGP_RESTARTING;
	timerfd_settime(S.tfd, 0, &its, NULL);
	xs_warn("bgp: starting ExaBGP again in %.1f s", S.restart_ms / 1000.0);
	S.restart_ms = S.restart_ms * 2 > RESTART_MAX_MS ? RESTART_MAX_MS : S.restart_ms * 2;
}

static int speaker_start(void)
{
	uint32_t i;
	int err;

	S.out_used = 0;
	S.ack_head = S.ack_n = S.untracked = 0;
	S.evt.used = S.log.used = 0;
	S.evt.skipping = S.log.skipping = false;
	S.tail_n = 0;
	S.want_out = false;
	err = xs_exabgp_start(&S.x, &S.cfg);
	if (err)
		return err;
	S.st.speaker_starts++;
	S.state = XS_BGP_IDLE;
	if (watch(EPOLL_CTL_ADD, S.x.pidfd, TAG_PID, EPOLLIN) ||
	    watch(EPOLL_CTL_ADD, S.x.cmd_fd, TAG_CMD, 0) ||
	    watch(EPOLL_CTL_ADD, S.x.evt_fd, TAG_EVT, EPOLLIN) ||
	    watch(EPOLL_CTL_ADD, S.x.log_fd, TAG_LOG, EPOLLIN)) {
		err = -errno;
		xs_err("bgp: epoll: %s", strerror(errno));
		kill(S.x.pid, SIGKILL);
		xs_exabgp_reap(&S.x);
		return err;
	}
	/* A new speaker knows nothing: tell it everything still active. It
	 * takes commands before the session is up and sends them then. */
	for (i = 0; i < S.cfg.max_announcements; i++)
		if (S.tab[i].refs)
			send_cmd(OP_ANNOUNCE, &S.tab[i]);
	return 0;
}

static void speaker_exited(void)
{
	int status, i, first;

	/* What it said last tells why. */
	read_lines(S.x.log_fd, &S.log, on_log_line);
	read_lines(S.x.evt_fd, &S.evt, on_evt_line);
	status = xs_exabgp_reap(&S.x);
	if (S.state == XS_BGP_UP)
		S.st.session_downs++;
	if (WIFSIGNALED(status))
		xs_err("bgp: ExaBGP was killed by signal %d", WTERMSIG(status));
	else
		xs_err("bgp: ExaBGP exited with status %d",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	first = S.tail_n > TAIL_LINES ? S.tail_n - TAIL_LINES : 0;
	for (i = first; i < S.tail_n; i++)
		xs_err("bgp:   exabgp: %s", S.tail[i % TAIL_LINES]);
	arm_restart();
}

static void on_timer(void)
{
	uint64_t n;

	if (read(S.tfd, &n, sizeof(n)) < 0 || S.state != XS_BGP_RESTARTING)
		return;
	if (speaker_start())
		arm_restart();
}

void xs_bgp_poll(void)
{
	struct epoll_event evs[8];
	int n, i;

	if (!S.open)
		return;
	while ((n = epoll_wait(S.efd, evs, 8, 0)) > 0) {
		for (i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case TAG_TIMER:
				on_timer();
				break;
			case TAG_CMD:
				flush();
				break;
			case TAG_EVT:
				read_lines(S.x.evt_fd, &S.evt, on_evt_line);
				break;
			case TAG_LOG:
				read_lines(S.x.log_fd, &S.log, on_log_line);
				break;
			case TAG_PID:
				speaker_exited();
				/* Its other fds are closed: the rest of evs is stale. */
				i = n;
				break;
			}
		}
	}
	flush();
}

int xs_bgp_fd(void)
{
	return S.open ? S.efd : -1;
}

int xs_bgp_hand_to(uid_t uid)
{
	return S.open ? xs_exabgp_hand_dir(&S.x, uid) : 0;
}

/* ---- Opening and closing ---- */

static int check_cfg(const struct xs_bgp_cfg *c)
{
	const char *what = NULL;

	if (!c->enabled)
		what = "not configured (mitigation.bgp)";
	else if (!c->local_as || !c->peer_as)
		what = "local_as and peer_as are needed";
	else if (!xs_addr_is_v4(&c->router_id))
		what = "router_id must be an IPv4 address";
	else if (xs_addr_is_v4(&c->local_address) != xs_addr_is_v4(&c->peer_address))
		what = "local_address and peer_address must be of one family";
	else if (c->hold_time_s < 3 || c->hold_time_s > 65535)
		what = "hold_time_s must be 3..65535";
	else if (!c->max_announcements || c->max_announcements > XS_BGP_ANNOUNCE_MAX)
		what = "max_announcements must be 1..10000";
	else if (c->nannounce < 1 || c->nannounce > XS_BGP_PREFIXES_MAX)
		what = "announce_prefixes must list the prefixes routes may be announced for";
	else if (c->nallow < 0 || c->nallow > XS_BGP_ALLOW_MAX)
		what = "too many allowlist entries";
	else if (c->nbh_comm > XS_BGP_COMMUNITIES_MAX || c->nfs_comm > XS_BGP_COMMUNITIES_MAX)
		what = "too many communities";
	if (what) {
		xs_err("bgp: %s", what);
		return -EINVAL;
	}
	return 0;
}

int xs_bgp_open(const struct xs_bgp_cfg *cfg)
{
	char peer[XS_ADDR_STRLEN];
	int err;

	if (S.open)
		return -EALREADY;
	err = check_cfg(cfg);
	if (err)
		return err;
	memset(&S, 0, sizeof(S));
	S.efd = S.tfd = -1;
	S.x.pidfd = S.x.cmd_fd = S.x.evt_fd = S.x.log_fd = -1;
	S.cfg = *cfg;
	S.restart_ms = RESTART_MIN_MS;
	S.tab = calloc(cfg->max_announcements, sizeof(*S.tab));
	S.out = malloc(OUT_MAX);
	S.efd = epoll_create1(EPOLL_CLOEXEC);
	S.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!S.tab || !S.out || S.efd < 0 || S.tfd < 0 ||
	    watch(EPOLL_CTL_ADD, S.tfd, TAG_TIMER, EPOLLIN)) {
		err = !S.tab || !S.out ? -ENOMEM : -errno;
		xs_err("bgp: cannot set up: %s", strerror(-err));
		goto fail;
	}
	err = xs_exabgp_prepare(&S.x, &S.cfg);
	if (err)
		goto fail;
	err = speaker_start();
	if (err) {
		xs_exabgp_remove_dir(&S.x);
		goto fail;
	}
	S.open = true;
	xs_info("bgp: ExaBGP (pid %d) peers with %s, AS %u%s", (int)S.x.pid,
		xs_addr_str(&cfg->peer_address, peer), cfg->peer_as,
		cfg->dry_run ? "; dry run: nothing will be announced" : "");
	return 0;
fail:
	free(S.tab);
	free(S.out);
	if (S.efd >= 0)
		close(S.efd);
	if (S.tfd >= 0)
		close(S.tfd);
	memset(&S, 0, sizeof(S));
	S.efd = S.tfd = -1;
	return err;
}

void xs_bgp_close(void)
{
	uint32_t i;

	if (!S.open)
		return;
	xs_exabgp_stop(&S.x, STOP_TIMEOUT_MS);
	xs_exabgp_remove_dir(&S.x);
	for (i = 0; i < S.cfg.max_announcements; i++)
		entry_free(&S.tab[i]);
	free(S.tab);
	free(S.out);
	close(S.efd);
	close(S.tfd);
	memset(&S, 0, sizeof(S));
	S.efd = S.tfd = -1;
}

/* ---- Announcements ---- */

static int add(int kind, const char *key, const char *announce, const char *withdraw)
{
	struct entry *e = NULL;
	uint32_t i;

	for (i = 0; i < S.cfg.max_announcements; i++) {
		if (!S.tab[i].refs) {
			if (!e)
				e = &S.tab[i];
			continue;
		}
		if (strcmp(S.tab[i].key, key))
			continue;
		if (strcmp(S.tab[i].announce, announce))
			return refuse(XS_BGP_REF_INVALID, -EEXIST,
				      "%s is announced already with another action (id %d)",
				      announce, id_of(&S.tab[i]));
		S.tab[i].refs++;
		return id_of(&S.tab[i]);
	}
	if (!e)
		return refuse(XS_BGP_REF_CAP, -ENOSPC,
			      "max_announcements (%u) routes are announced already: not %s",
			      S.cfg.max_announcements, announce);
	e->key = strdup(key);
	e->announce = strdup(announce);
	e->withdraw = strdup(withdraw);
	if (!e->key || !e->announce || !e->withdraw) {
		entry_free(e);
		snprintf(S.last_error, sizeof(S.last_error), "out of memory");
		return -ENOMEM;
	}
	e->kind = kind;
	e->refs = 1;
	e->gen = (uint16_t)(e->gen + 1) ? (uint16_t)(e->gen + 1) : 1;
	S.st.active++;
	if (kind == K_BLACKHOLE)
		S.st.active_blackholes++;
	else
		S.st.active_flowspec++;
	S.st.announced++;
	xs_info("bgp: %sannounce %s", S.cfg.dry_run ? "dry run, would " : "", announce);
	send_cmd(OP_ANNOUNCE, e);
	return id_of(e);
}

static const struct xs_addr *next_hop(const struct xs_bgp_cfg *c, bool v4)
{
	if (v4)
		return c->has_next_hop4 ? &c->next_hop4 :
		       xs_addr_is_v4(&c->local_address) ? &c->local_address : NULL;
	return c->has_next_hop6 ? &c->next_hop6 :
	       !xs_addr_is_v4(&c->local_address) ? &c->local_address : NULL;
}

int xs_bgp_blackhole_str(const struct xs_bgp_cfg *c, const struct xs_prefix *victim, char *buf,
			 size_t len)
{
	const struct xs_addr *nh = next_hop(c, xs_prefix_is_v4(victim));

	if (!nh)
		return -EAFNOSUPPORT;
	return xs_exabgp_route(buf, len, victim, nh, c->bh_comm, c->nbh_comm);
}

int xs_bgp_flowspec_str(const struct xs_bgp_cfg *c, const struct xs_bgp_match *m,
			const struct xs_bgp_action *a, char *buf, size_t len)
{
	char why[160];

	if (xs_exabgp_match_check(m, a, why, sizeof(why)))
		return -EINVAL;
	return xs_exabgp_flow(buf, len, m, a, c->fs_comm, c->nfs_comm);
}

int xs_bgp_announce_blackhole(const struct xs_prefix *victim)
{
	char s[XS_PREFIX_STRLEN], key[128], ann[TEXT_MAX], wd[128];
	const struct xs_addr *nh;
	bool v4;
	int err;

	S.last_error[0] = '\0';
	if (!S.open) {
		snprintf(S.last_error, sizeof(S.last_error), "BGP is not open");
		return -ENOTCONN;
	}
	v4 = xs_prefix_is_v4(victim);
	if (victim->len != 128)
		return refuse(XS_BGP_REF_LENGTH, -EPERM,
			      "%s: a blackhole is for one address (/%u), never a shorter prefix",
			      xs_prefix_str(victim, s), v4 ? 32 : 128);
	err = check_scope(victim);
	if (err)
		return err;
	nh = next_hop(&S.cfg, v4);
	if (!nh)
		return refuse(XS_BGP_REF_INVALID, -EAFNOSUPPORT,
			      "%s: no IPv%d next hop (mitigation.bgp.blackhole.next_hop%d)",
			      xs_prefix_str(victim, s), v4 ? 4 : 6, v4 ? 4 : 6);
	if (xs_exabgp_route_nlri(key, sizeof(key), victim) ||
	    xs_exabgp_route(ann, sizeof(ann), victim, nh, S.cfg.bh_comm, S.cfg.nbh_comm) ||
	    xs_exabgp_route_nlri(wd, sizeof(wd), victim))
		return refuse(XS_BGP_REF_INVALID, -EINVAL, "route too long");
	return add(K_BLACKHOLE, key, ann, wd);
}

int xs_bgp_announce_flowspec(const struct xs_bgp_match *m, const struct xs_bgp_action *a)
{
	char why[160], key[TEXT_MAX], ann[TEXT_MAX];
	int err;

	S.last_error[0] = '\0';
	if (!S.open) {
		snprintf(S.last_error, sizeof(S.last_error), "BGP is not open");
		return -ENOTCONN;
	}
	if (xs_exabgp_match_check(m, a, why, sizeof(why)))
		return refuse(XS_BGP_REF_INVALID, -EINVAL, "FlowSpec rule: %s", why);
	err = check_scope(&m->dst);
	if (err)
		return err;
	if (xs_exabgp_flow_nlri(key, sizeof(key), m) ||
	    xs_exabgp_flow(ann, sizeof(ann), m, a, S.cfg.fs_comm, S.cfg.nfs_comm))
		return refuse(XS_BGP_REF_INVALID, -EINVAL, "FlowSpec rule too long");
	/* The NLRI alone withdraws it. */
	return add(K_FLOW, key, ann, key);
}

int xs_bgp_withdraw(int id)
{
	struct entry *e = entry_of(id);

	if (!e)
		return -ENOENT;
	if (--e->refs)
		return 0;
	xs_info("bgp: %swithdraw %s", S.cfg.dry_run ? "dry run, would " : "", e->withdraw);
	send_cmd(OP_WITHDRAW, e);
	S.st.active--;
	if (e->kind == K_BLACKHOLE)
		S.st.active_blackholes--;
	else
		S.st.active_flowspec--;
	S.st.withdrawn++;
	entry_free(e);
	return 0;
}

void xs_bgp_match_init(struct xs_bgp_match *m, const struct xs_prefix *dst)
{
	memset(m, 0, sizeof(*m));
	m->dst = *dst;
}

int xs_bgp_nums_add(struct xs_bgp_nums *n, uint32_t lo, uint32_t hi)
{
	if (n->n >= XS_BGP_RANGES_MAX)
		return -ENOSPC;
	n->r[n->n++] = (struct xs_bgp_range){ lo, hi };
	return 0;
}

void xs_bgp_get_status(struct xs_bgp_status *st)
{
	*st = S.st;
	st->state = S.open ? S.state : XS_BGP_CLOSED;
	st->dry_run = S.open && S.cfg.dry_run;
	st->speaker_pid = S.open ? (int)S.x.pid : 0;
}

const char *xs_bgp_route_str(int id, char *buf, size_t len)
{
	struct entry *e = entry_of(id);

	if (!e)
		return NULL;
	snprintf(buf, len, "%s", e->announce);
	return buf;
}

const char *xs_bgp_last_error(void)
{
	return S.last_error;
}
