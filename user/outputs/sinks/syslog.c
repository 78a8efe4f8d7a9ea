// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * syslog: alerts to the local syslog daemon (/dev/log) or to a remote
 * collector over UDP or TCP (RFC 5424, RFC 6587 octet counting on TCP).
 *
 * Every message goes through one bounded queue; nothing here blocks. On
 * TCP a message leaves the queue only once the collector's kernel has
 * acknowledged its last byte (SIOCOUTQ), so a connection that dies takes
 * nothing with it: what was not acknowledged is sent again on the next
 * connection. Reconnects back off exponentially. A full queue drops the
 * new message, counts it, and says so in the log.
 *
 * Name resolution never blocks the loop (issue 13: a getaddrinfo on each
 * reconnect stalled the daemon for as long as DNS took): a numeric
 * address is parsed at once; a name is resolved with glibc's
 * getaddrinfo_a (its own thread) and polled by the service, and the last
 * address is kept for reconnects while a new lookup runs after a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "clock.h"
#include "hostname.h"
#include "log.h"
#include "msgq.h"
#include "sink.h"
#include "syslog_fmt.h"

enum { T_LOCAL, T_UDP, T_TCP };
enum { S_DOWN, S_CONNECTING, S_UP };

struct syslog_sink {
	/* configuration */
	int transport;
	char address[256];
	uint32_t port;
	char socket_path[108];
	int format;		/* 1: RFC 5424, 0: BSD; -1: by transport */
	int facility;
	char app_name[49];
	char hostname[256];
	char sd_id[64];
	uint32_t queue_max;
	uint32_t rc_min_ms, rc_max_ms;
	uint32_t close_timeout_ms;
	/* state */
	struct xs_syslog_hdr hdr;
	struct xs_msgq q;
	size_t nwritten;	/* TCP: front messages written, not yet acknowledged */
	size_t head_off;	/* bytes of q[nwritten] written so far */
	uint64_t wpos;		/* bytes written on this connection */
	int fd, state;
	uint32_t watched;
	double retry_at, connect_started;
	uint32_t backoff_ms;
	bool ever_up, told_down;
	uint64_t overflow_mark;	/* st.overflow when the current episode began */
	bool overflowing;
	char peer[300];
	struct xs_outputs *out;	/* whose epoll set watches fd */
	/* the collector's address: the last one resolved */
	struct sockaddr_storage sa;
	socklen_t salen;
	bool have_sa;
	struct lookup *lk;	/* a lookup in flight, or NULL */
};

/* A getaddrinfo_a request: on the heap, since a lookup that cannot be
 * cancelled when the sink closes is left to finish on its own. */
struct lookup {
	struct gaicb cb;
	struct addrinfo hints;
	char name[256], port[8];
};

static const char *const transports[] = { "local", "udp", "tcp", NULL };
static const char *const formats[] = { "rfc3164", "rfc5424", NULL };

static int sl_configure(struct xs_sink *s, xs_node n)
{
	struct syslog_sink *p = calloc(1, sizeof(*p));
	char fac[16] = "local0";
	int err = 0;

	if (!p)
		return -ENOMEM;
	s->priv = p;
	p->out = s->out;
	p->fd = -1;
	p->format = -1;
	p->port = 514;
	p->queue_max = 10000;
	p->rc_min_ms = 200;
	p->rc_max_ms = 30000;
	p->close_timeout_ms = 2000;
	snprintf(p->address, sizeof(p->address), "127.0.0.1");
	snprintf(p->socket_path, sizeof(p->socket_path), "/dev/log");
	snprintf(p->app_name, sizeof(p->app_name), "xdpstream");
	snprintf(p->sd_id, sizeof(p->sd_id), "%s", XS_SYSLOG_SD_ID);
	err |= xs_cfg_enum(n, "transport", transports, &p->transport);
	err |= xs_cfg_str(n, "address", p->address, sizeof(p->address));
	err |= xs_cfg_u32(n, "port", 1, 65535, &p->port);
	err |= xs_cfg_str(n, "socket", p->socket_path, sizeof(p->socket_path));
	err |= xs_cfg_enum(n, "format", formats, &p->format);
	if (!xs_cfg_str(n, "facility", fac, sizeof(fac))) {
		p->facility = xs_syslog_facility(fac);
		if (p->facility < 0) {
			xs_cfg_error(xs_cfg_get(n, "facility"),
				     "expected kern, user, mail, daemon, auth, syslog, lpr, news, "
				     "uucp, cron, authpriv, ftp, ntp, audit, alert, clock or "
				     "local0..local7, got '%s'",
				     fac);
			err = -1;
		}
	}
	err |= xs_cfg_str(n, "app_name", p->app_name, sizeof(p->app_name));
	err |= xs_cfg_str(n, "hostname", p->hostname, sizeof(p->hostname));
	err |= xs_cfg_str(n, "sd_id", p->sd_id, sizeof(p->sd_id));
	err |= xs_cfg_u32(n, "queue_max", 1, 10000000, &p->queue_max);
	err |= xs_cfg_u32(n, "reconnect_min_ms", 10, 600000, &p->rc_min_ms);
	err |= xs_cfg_u32(n, "reconnect_max_ms", 10, 3600000, &p->rc_max_ms);
	err |= xs_cfg_u32(n, "close_timeout_ms", 0, 600000, &p->close_timeout_ms);
	if (!p->address[0]) {
		xs_cfg_error(xs_cfg_get(n, "address"), "expected a host name or address");
		err = -1;
	}
	if (p->rc_max_ms < p->rc_min_ms) {
		xs_cfg_error(xs_cfg_get(n, "reconnect_max_ms"), "must be >= reconnect_min_ms (%u)",
			     p->rc_min_ms);
		err = -1;
	}
	if (p->format < 0)
		p->format = p->transport != T_LOCAL;
	if (p->transport == T_LOCAL)
		snprintf(p->peer, sizeof(p->peer), "%s", p->socket_path);
	else
		snprintf(p->peer, sizeof(p->peer), "%s:%u/%s", p->address, p->port,
			 transports[p->transport]);
	return err ? -1 : 0;
}

static void watch(struct syslog_sink *p, uint32_t events)
{
	if (p->fd < 0 || events == p->watched)
		return;
	if (xs_out_modify(p->out, p->fd, events) == -ENOENT)
		xs_out_watch(p->out, p->fd, events);
	p->watched = events;
}

static void reap_acked(struct xs_sink *s);
static void start_lookup(struct xs_sink *s);

static void go_down(struct xs_sink *s, const char *why, int err)
{
	struct syslog_sink *p = s->priv;

	/* The collector's FIN acknowledges all it received: count those
	 * delivered before requeueing the rest. */
	if (p->transport == T_TCP)
		reap_acked(s);
	if (p->fd >= 0) {
		xs_out_unwatch(p->out, p->fd);
		close(p->fd);
	}
	p->fd = -1;
	p->watched = 0;
	/* Whatever was not acknowledged goes again, whole, on the next
	 * connection. */
	p->nwritten = 0;
	p->head_off = 0;
	p->wpos = 0;
	if (!p->told_down) {
		xs_warn("output %s: %s %s%s%s; queueing up to %u messages, retrying", s->name,
			why, p->peer, err ? ": " : "", err ? strerror(err) : "", p->queue_max);
		p->told_down = true;
	}
	s->st.up = false;
	p->state = S_DOWN;
	p->retry_at = xs_mono_s() + p->backoff_ms / 1000.0;
	/* The collector may have moved: look its name up again meanwhile
	 * (the old address stays until the answer comes). */
	if (p->transport != T_LOCAL)
		start_lookup(s);
	p->backoff_ms = p->backoff_ms * 2 > p->rc_max_ms ? p->rc_max_ms : p->backoff_ms * 2;
}

static void go_up(struct xs_sink *s)
{
	struct syslog_sink *p = s->priv;

	p->state = S_UP;
	s->st.up = true;
	p->backoff_ms = p->rc_min_ms;
	if (p->ever_up)
		s->st.reconnects++;
	if (p->told_down || !p->ever_up)
		xs_info("output %s: connected to %s%s", s->name, p->peer,
			p->q.n ? " (sending the queue)" : "");
	p->ever_up = true;
	p->told_down = false;
}

/* Starts a lookup of the collector's name (nothing if one runs). */
static void start_lookup(struct xs_sink *s)
{
	struct syslog_sink *p = s->priv;
	struct gaicb *list[1];
	int err;

	if (p->lk || p->transport == T_LOCAL)
		return;
	p->lk = calloc(1, sizeof(*p->lk));
	if (!p->lk)
		return;
	snprintf(p->lk->name, sizeof(p->lk->name), "%s", p->address);
	snprintf(p->lk->port, sizeof(p->lk->port), "%u", p->port);
	p->lk->hints.ai_socktype = p->transport == T_TCP ? SOCK_STREAM : SOCK_DGRAM;
	p->lk->cb.ar_name = p->lk->name;
	p->lk->cb.ar_service = p->lk->port;
	p->lk->cb.ar_request = &p->lk->hints;
	list[0] = &p->lk->cb;
	err = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (err) {
		xs_warn("output %s: cannot look up %s: %s", s->name, p->address, gai_strerror(err));
		free(p->lk);
		p->lk = NULL;
	}
}

/* The lookup's answer, if it came: true when a new address is in. */
static bool poll_lookup(struct xs_sink *s)
{
	struct syslog_sink *p = s->priv;
	struct addrinfo *res;
	int err;

	if (!p->lk)
		return false;
	err = gai_error(&p->lk->cb);
	if (err == EAI_INPROGRESS)
		return false;
	res = p->lk->cb.ar_result;
	if (!err && res && res->ai_addrlen <= sizeof(p->sa)) {
		memcpy(&p->sa, res->ai_addr, res->ai_addrlen);
		p->salen = res->ai_addrlen;
		p->have_sa = true;
	} else if (!p->told_down) {
		xs_warn("output %s: cannot resolve %s: %s", s->name, p->address,
			err ? gai_strerror(err) : "no address");
	}
	if (res)
		freeaddrinfo(res);
	free(p->lk);
	p->lk = NULL;
	return p->have_sa;
}

/* The address at once when it is numeric (or a local socket); else the
 * last one resolved, and a lookup started if there is none yet. */
static int resolve(struct xs_sink *s)
{
	struct syslog_sink *p = s->priv;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char port[8];

	if (p->have_sa)
		return 0;
	if (p->transport == T_LOCAL) {
		struct sockaddr_un *un = (struct sockaddr_un *)&p->sa;

		memset(un, 0, sizeof(*un));
		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s", p->socket_path);
		p->salen = sizeof(*un);
		p->have_sa = true;
		return 0;
	}
	snprintf(port, sizeof(port), "%u", p->port);
	hints.ai_socktype = p->transport == T_TCP ? SOCK_STREAM : SOCK_DGRAM;
	/* A numeric address: no name service, no wait. */
	if (!getaddrinfo(p->address, port, &hints, &res) && res) {
		memcpy(&p->sa, res->ai_addr, res->ai_addrlen);
		p->salen = res->ai_addrlen;
		p->have_sa = true;
		freeaddrinfo(res);
		return 0;
	}
	start_lookup(s);
	return -EAGAIN;
}

static void try_connect(struct xs_sink *s)
{
	struct syslog_sink *p = s->priv;
	int err = resolve(s);

	if (err) {
		/* Resolving in the background: try again soon. */
		p->state = S_DOWN;
		p->retry_at = xs_mono_s() + 0.05;
		return;
	}
	p->fd = socket(p->sa.ss_family, (p->transport == T_TCP ? SOCK_STREAM : SOCK_DGRAM) |
						SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (p->fd < 0) {
		go_down(s, "cannot create a socket for", errno);
		return;
	}
	if (!connect(p->fd, (struct sockaddr *)&p->sa, p->salen)) {
		watch(p, p->transport == T_TCP ? EPOLLIN | EPOLLRDHUP : EPOLLIN);
		go_up(s);
	} else if (errno == EINPROGRESS) {
		p->state = S_CONNECTING;
		p->connect_started = xs_mono_s();
		watch(p, EPOLLOUT);
	} else {
		go_down(s, "cannot connect to", errno);
	}
}

/* TCP: frames whose last byte the collector's kernel acknowledged are
 * delivered. */
static void reap_acked(struct xs_sink *s)
{
	struct syslog_sink *p = s->priv;
	int outq = 0;
	uint64_t acked;

	if (p->state != S_UP || ioctl(p->fd, SIOCOUTQ, &outq))
		return;
	acked = p->wpos - (uint64_t)outq;
	while (p->nwritten && xs_msgq_at(&p->q, 0)->end <= acked) {
		xs_msgq_pop(&p->q);
		p->nwritten--;
		s->st.sent++;
	}
}

/* TCP: the collector never talks to us, so readable means closed. */
static bool peer_closed(struct xs_sink *s)
{
	struct syslog_sink *p = s->priv;
	char buf[256];
	ssize_t n;

	while ((n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	if (n == 0) {
		go_down(s, "connection closed by", 0);
		return true;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		go_down(s, "connection lost to", errno);
		return true;
	}
	return false;
}

static void flush(struct xs_sink *s)
{
	struct syslog_sink *p = s->priv;
	struct xs_msg *m;
	ssize_t n;

	if (p->state != S_UP)
		return;
	if (p->transport == T_TCP && peer_closed(s))
		return;
	if (p->transport != T_TCP && !p->q.n) {
		int soerr = 0;
		socklen_t l = sizeof(soerr);

		/* A pending ICMP error with nothing to send: clear it so the socket
		 * is not ready forever (with a message to send, send() reports it
		 * and the sink queues until the collector is back). */
		getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &l);
	}
	while ((m = xs_msgq_at(&p->q, p->nwritten))) {
		n = send(p->fd, m->buf + p->head_off, m->len - p->head_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (n < 0 || (p->transport != T_TCP && (size_t)n != m->len)) {
			if (p->transport != T_TCP && errno == EMSGSIZE) {
				/* Never deliverable: drop it, not the queue. */
				xs_warn("output %s: a %zu-byte message is too large for %s",
					s->name, m->len, p->peer);
				xs_msgq_pop(&p->q);
				s->st.failed++;
				continue;
			}
			go_down(s, "cannot send to", n < 0 ? errno : EMSGSIZE);
			return;
		}
		if (p->transport != T_TCP) {
			xs_msgq_pop(&p->q);
			s->st.sent++;
			continue;
		}
		p->head_off += n;
		p->wpos += n;
		if (p->head_off < m->len)
			break;
		m->end = p->wpos;
		p->head_off = 0;
		p->nwritten++;
	}
	if (p->transport == T_TCP) {
		reap_acked(s);
		watch(p, EPOLLIN | EPOLLRDHUP | (p->nwritten < p->q.n ? EPOLLOUT : 0));
	} else {
		watch(p, EPOLLIN | (p->q.n ? EPOLLOUT : 0));
	}
}

static void update_gauges(struct xs_sink *s)
{
	struct syslog_sink *p = s->priv;

	s->st.queued = p->q.n;
	if (p->overflowing && p->q.n < p->queue_max) {
		xs_warn("output %s: queue has room again; %llu messages were dropped while it was "
			"full",
			s->name, (unsigned long long)(s->st.overflow - p->overflow_mark));
		p->overflowing = false;
	}
}

static int sl_open(struct xs_sink *s)
{
	struct syslog_sink *p = s->priv;

	if (xs_msgq_init(&p->q, p->queue_max))
		return -ENOMEM;
	if (!p->hostname[0])
		snprintf(p->hostname, sizeof(p->hostname), "%s", xs_hostname());
	p->hdr.facility = p->facility;
	p->hdr.hostname = p->hostname;
	p->hdr.app_name = p->app_name;
	p->hdr.pid = getpid();
	p->hdr.sd_id = p->sd_id;
	p->backoff_ms = p->rc_min_ms;
	/* Not reachable now is not an error: the queue holds alerts until it is. */
	try_connect(s);
	return 0;
}

static void sl_alert(struct xs_sink *s, const struct xs_alert_out *a)
{
	struct syslog_sink *p = s->priv;
	char *msg = NULL;
	long len = xs_syslog_format(&p->hdr, a, p->format, p->transport == T_TCP, &msg);

	if (len < 0) {
		s->st.failed++;
		return;
	}
	if (xs_msgq_push(&p->q, msg, len)) {
		free(msg);
		s->st.failed++;
		if (!p->overflowing) {
			p->overflowing = true;
			p->overflow_mark = s->st.overflow;
			xs_warn("output %s: queue full (%u messages, %s unreachable): dropping new "
				"alerts, counted in xdpstream_sink_overflow_total",
				s->name, p->queue_max, p->peer);
		}
		s->st.overflow++;
	}
	flush(s);
	update_gauges(s);
}

static void sl_service(struct xs_sink *s, double now)
{
	struct syslog_sink *p = s->priv;

	poll_lookup(s);
	if (p->state == S_DOWN && now >= p->retry_at) {
		try_connect(s);
	} else if (p->state == S_CONNECTING) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };
		int soerr = 0;
		socklen_t l = sizeof(soerr);

		if (poll(&pfd, 1, 0) == 1) {
			getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &l);
			if (soerr)
				go_down(s, "cannot connect to", soerr);
			else {
				watch(p, EPOLLIN | EPOLLRDHUP);
				go_up(s);
			}
		} else if (now - p->connect_started > 10) {
			go_down(s, "cannot connect to", ETIMEDOUT);
		}
	}
	flush(s);
	update_gauges(s);
}

static void sl_close(struct xs_sink *s)
{
	struct syslog_sink *p = s->priv;
	double deadline = xs_mono_s() + p->close_timeout_ms / 1000.0;

	/* Give the queue a bounded moment to drain. */
	while (p->q.n && xs_mono_s() < deadline) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLOUT };

		sl_service(s, xs_mono_s());
		if (!p->q.n)
			break;
		poll(&pfd, p->fd >= 0 ? 1 : 0, 20);
	}
	update_gauges(s);
	if (p->q.n)
		xs_warn("output %s: %zu messages not delivered to %s at shutdown", s->name, p->q.n,
			p->peer);
	if (p->fd >= 0) {
		xs_out_unwatch(p->out, p->fd);
		close(p->fd);
	}
	p->fd = -1;
	/* A lookup still running writes into its request when it ends: one
	 * that cannot be cancelled is left to it (a few hundred bytes). */
	if (p->lk && gai_cancel(&p->lk->cb) != EAI_NOTCANCELED) {
		if (p->lk->cb.ar_result)
			freeaddrinfo(p->lk->cb.ar_result);
		free(p->lk);
	}
	p->lk = NULL;
	xs_msgq_free(&p->q);
	s->st.up = false;
}

const struct xs_sink_ops xs_sink_syslog = {
	.type = "syslog",
	.configure = sl_configure,
	.open = sl_open,
	.alert = sl_alert,
	.service = sl_service,
	.close = sl_close,
};
