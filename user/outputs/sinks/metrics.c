// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * metrics: a Prometheus text-format endpoint (libmicrohttpd). The server
 * runs in the daemon's own event loop: MHD's epoll fd sits in the output
 * layer's epoll set and MHD_run() serves scrapes from xs_output_service(),
 * so a scrape reads the counters on the same thread that updates them.
 *
 * Exposed to whoever can reach it (issue 13): one client holds at most
 * max_per_client connections (idle ones were enough to lock out every
 * scrape), idle connections close after timeout_s; optionally HTTPS
 * (tls_cert, tls_key) and a bearer token (auth_token_file), compared in
 * constant time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <microhttpd.h>

#include "collector.h"
#include "log.h"
#include "metrics.h"
#include "names.h"
#include "sink.h"

struct metrics_sink {
	char listen[64];
	uint32_t port;
	char path[128];
	uint32_t max_conns, max_per_client, timeout_s;
	char tls_cert[256], tls_key[256], token_file[256];
	char *cert_pem, *key_pem;	/* read at open */
	char token[256];
	size_t token_len;
	struct MHD_Daemon *d;
	int epfd;
	struct xs_metrics_state m;
};

void xs_metrics_count_alert(struct xs_metrics_state *m, const char *rule, const char *action)
{
	int i;

	rule = rule ? rule : "";
	action = action ? action : "";
	for (i = 0; i < m->nalerts; i++)
		if (!strcmp(m->alerts[i].rule, rule) && !strcmp(m->alerts[i].action, action)) {
			m->alerts[i].n++;
			return;
		}
	if (m->nalerts == XS_METRICS_MAX_ALERT_KEYS) {
		m->alerts_other++;
		return;
	}
	snprintf(m->alerts[i].rule, sizeof(m->alerts[i].rule), "%s", rule);
	snprintf(m->alerts[i].action, sizeof(m->alerts[i].action), "%s", action);
	m->alerts[i].n = 1;
	m->nalerts++;
}

/* Label values: backslash, double quote and newline are escaped. */
static void label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void u64(FILE *f, const char *name, uint64_t v)
{
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void u64_l(FILE *f, const char *name, const char *lname, const char *lval, uint64_t v)
{
	fprintf(f, "%s{%s=\"", name, lname);
	label(f, lval);
	fprintf(f, "\"} %llu\n", (unsigned long long)v);
}

static void dbl(FILE *f, const char *name, double v)
{
	fprintf(f, "%s %.9g\n", name, v);
}

struct cnt_metric {
	enum xs_cnt idx;
	const char *name, *lname, *lval;
};

/* The non-per-packet counters, grouped into families. */
static const struct cnt_metric cnts[] = {
	{ XS_N_TCP_SYN, "xdpstream_tcp_packets_total", "flags", "syn" },
	{ XS_N_TCP_SYNACK, "xdpstream_tcp_packets_total", "flags", "synack" },
	{ XS_N_TCP_RST, "xdpstream_tcp_packets_total", "flags", "rst" },
	{ XS_N_TCP_FIN, "xdpstream_tcp_packets_total", "flags", "fin" },
	{ XS_N_VLAN, "xdpstream_vlan_tagged_packets_total", NULL, NULL },
	{ XS_N_IP_FRAG_FIRST, "xdpstream_ip_first_fragments_total", NULL, NULL },
	{ XS_N_REFLECT, "xdpstream_reflector_source_port_packets_total", NULL, NULL },
	{ XS_N_FLOW_NEW, "xdpstream_flows_new_total", NULL, NULL },
	{ XS_N_EV_SENT, "xdpstream_ringbuf_events_sent_total", NULL, NULL },
	{ XS_N_EV_BUDGET, "xdpstream_ringbuf_events_lost_total", "reason", "budget" },
	{ XS_N_EV_RINGFULL, "xdpstream_ringbuf_events_lost_total", "reason", "ringbuf_full" },
	{ XS_N_DST_FULL, "xdpstream_map_full_packets_total", "map", "dst" },
	{ XS_N_SRC_FULL, "xdpstream_map_full_packets_total", "map", "src" },
	{ XS_N_FLOW_FULL, "xdpstream_map_full_packets_total", "map", "flow" },
	{ XS_N_SRC_UNADMITTED, "xdpstream_src_unadmitted_packets_total", NULL, NULL },
	{ XS_N_FLOW_UNADMITTED, "xdpstream_flows_unadmitted_total", NULL, NULL },
	{ XS_N_BLOCKED, "xdpstream_mitigation_dropped_packets_total", "reason", "blocklist" },
	{ XS_N_RATE_LIMITED, "xdpstream_mitigation_dropped_packets_total", "reason", "rate_limit" },
	{ XS_N_FP_DROPPED, "xdpstream_mitigation_dropped_packets_total", "reason", "fingerprint" },
};

static const char *cnt_help(const char *name)
{
	static const struct {
		const char *name, *help;
	} h[] = {
		{ "xdpstream_tcp_packets_total", "TCP packets with these flags (syn: SYN without ACK)." },
		{ "xdpstream_vlan_tagged_packets_total", "Packets with at least one VLAN tag." },
		{ "xdpstream_ip_first_fragments_total", "First IP fragments (carrying the L4 header)." },
		{ "xdpstream_reflector_source_port_packets_total",
		  "UDP packets from a configured reflector source port." },
		{ "xdpstream_flows_new_total", "Flows seen for the first time." },
		{ "xdpstream_ringbuf_events_sent_total", "New-flow events sent through the ring buffer." },
		{ "xdpstream_ringbuf_events_lost_total", "New-flow events not sent, by reason." },
		{ "xdpstream_map_full_packets_total",
		  "Packets not tracked in a map because it was full." },
		{ "xdpstream_src_unadmitted_packets_total",
		  "Packets not tracked per source: a new source of a flooded destination, outside "
		  "the admission sample." },
		{ "xdpstream_flows_unadmitted_total",
		  "Packets that could start a flow, not looked up: their source was not admitted." },
		{ "xdpstream_mitigation_dropped_packets_total",
		  "Packets dropped by mitigation (blocklist, rate limit, fingerprint rules)." },
	};
	size_t i;

	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		if (!strcmp(h[i].name, name))
			return h[i].help;
	return "";
}

static void sink_family(FILE *f, const struct xs_outputs *o, const char *name, const char *type,
			const char *help, size_t off, bool is_bool)
{
	int i;

	family(f, name, type, help);
	for (i = 0; o && i < xs_out_nsinks(o); i++) {
		const struct xs_sink *s = xs_out_sink(o, i);
		uint64_t v = is_bool ? s->st.up : *(const uint64_t *)((const char *)&s->st + off);

		fprintf(f, "%s{sink=\"", name);
		label(f, s->name);
		fprintf(f, "\",type=\"%s\"} %llu\n", s->ops->type, (unsigned long long)v);
	}
}

/* Fingerprints, and BGP when a speaker is open. */
static void mitig_families(FILE *f, const struct xs_mitig_info *mi)
{
	int i;

	family(f, "xdpstream_fingerprint_victims", "gauge",
	       "Victims of flood alerts watched in the kernel (sampled, fingerprinted).");
	u64(f, "xdpstream_fingerprint_victims", mi->victims);
	family(f, "xdpstream_fingerprints_total", "counter", "Fingerprints found, and replaced.");
	u64_l(f, "xdpstream_fingerprints_total", "event", "found", mi->fp_found);
	u64_l(f, "xdpstream_fingerprints_total", "event", "changed", mi->fp_changed);
	family(f, "xdpstream_fingerprint_samples_total", "counter",
	       "Packets of watched victims sampled by the kernel.");
	u64(f, "xdpstream_fingerprint_samples_total", mi->samples);
	family(f, "xdpstream_fingerprint_filter_rules", "gauge",
	       "Fingerprint drop rules in the kernel (action filter).");
	u64(f, "xdpstream_fingerprint_filter_rules", mi->filter_rules);
	if (!mi->bgp)
		return;
	family(f, "xdpstream_bgp_session_up", "gauge",
	       "1 when the BGP session with the router is established.");
	fprintf(f, "xdpstream_bgp_session_up{state=\"");
	label(f, mi->bgp_state ? mi->bgp_state : "");
	fprintf(f, "\"} %d\n", mi->bgp_up);
	family(f, "xdpstream_bgp_routes", "gauge", "Routes announced now, by kind.");
	u64_l(f, "xdpstream_bgp_routes", "kind", "blackhole", mi->routes_blackhole);
	u64_l(f, "xdpstream_bgp_routes", "kind", "flowspec", mi->routes_flowspec);
	family(f, "xdpstream_bgp_announced_total", "counter", "Routes announced.");
	u64(f, "xdpstream_bgp_announced_total", mi->announced);
	family(f, "xdpstream_bgp_withdrawn_total", "counter", "Routes withdrawn.");
	u64(f, "xdpstream_bgp_withdrawn_total", mi->withdrawn);
	family(f, "xdpstream_bgp_refused_total", "counter",
	       "Announcements refused by the safety rails, by reason.");
	for (i = 0; i < mi->nrefusals && i < XS_MITIG_REFUSALS; i++)
		u64_l(f, "xdpstream_bgp_refused_total", "reason",
		      mi->refusal_names[i] ? mi->refusal_names[i] : "", mi->refused[i]);
	family(f, "xdpstream_bgp_speaker_errors_total", "counter",
	       "Commands the BGP speaker answered with an error.");
	u64(f, "xdpstream_bgp_speaker_errors_total", mi->speaker_errors);
	family(f, "xdpstream_bgp_speaker_starts_total", "counter",
	       "Starts of the BGP speaker (1, plus its restarts).");
	u64(f, "xdpstream_bgp_speaker_starts_total", mi->speaker_starts);
	family(f, "xdpstream_bgp_session_changes_total", "counter",
	       "BGP sessions established and lost.");
	u64_l(f, "xdpstream_bgp_session_changes_total", "to", "up", mi->session_ups);
	u64_l(f, "xdpstream_bgp_session_changes_total", "to", "down", mi->session_downs);
}

void xs_metrics_render(FILE *f, const struct xs_metrics_state *m)
{
	static const struct xs_daemon_info none;
	const struct xs_daemon_info *di = m->out ? xs_out_daemon_info(m->out) : &none;
	const char *last = "";
	size_t i;
	int j;

	family(f, "xdpstream_packets_total", "counter", "Packets seen, by class.");
	for (j = 0; j < XS_C_MAX; j++)
		u64_l(f, "xdpstream_packets_total", "class", xs_class_names[j], m->total.pkts[j]);
	family(f, "xdpstream_bytes_total", "counter",
	       "Frame bytes seen (Ethernet header included), by class.");
	for (j = 0; j < XS_C_MAX; j++)
		u64_l(f, "xdpstream_bytes_total", "class", xs_class_names[j], m->total.bytes[j]);
	family(f, "xdpstream_parse_errors_total", "counter", "Malformed packets, by reason.");
	for (j = 0; j < XS_E_MAX; j++)
		u64_l(f, "xdpstream_parse_errors_total", "reason", xs_err_names[j], m->total.err[j]);
	for (i = 0; i < sizeof(cnts) / sizeof(cnts[0]); i++) {
		if (strcmp(last, cnts[i].name))
			family(f, cnts[i].name, "counter", cnt_help(cnts[i].name));
		last = cnts[i].name;
		if (cnts[i].lname)
			u64_l(f, cnts[i].name, cnts[i].lname, cnts[i].lval, m->total.cnt[cnts[i].idx]);
		else
			u64(f, cnts[i].name, m->total.cnt[cnts[i].idx]);
	}

	family(f, "xdpstream_map_entries", "gauge",
	       "Entries used in the last tick's per-destination and per-source maps.");
	u64_l(f, "xdpstream_map_entries", "map", "dst", m->ndst);
	u64_l(f, "xdpstream_map_entries", "map", "src", m->nsrc);
	if (di->have_run) {
		family(f, "xdpstream_map_capacity_entries", "gauge", "Map sizes, in entries.");
		u64_l(f, "xdpstream_map_capacity_entries", "map", "dst", di->run.dst_capacity);
		u64_l(f, "xdpstream_map_capacity_entries", "map", "src", di->run.src_capacity);
		u64_l(f, "xdpstream_map_capacity_entries", "map", "flow", di->run.flow_capacity);
		family(f, "xdpstream_tick_interval_seconds", "gauge", "Configured tick length.");
		dbl(f, "xdpstream_tick_interval_seconds", di->run.tick_s);
	}
	family(f, "xdpstream_ticks_total", "counter", "Ticks processed.");
	u64(f, "xdpstream_ticks_total", di->ticks);
	if (di->have_timing) {
		family(f, "xdpstream_ticks_missed_total", "counter",
		       "Timer expirations folded into a later tick because the loop was late.");
		u64(f, "xdpstream_ticks_missed_total", di->ticks_missed);
		family(f, "xdpstream_tick_lag_seconds", "gauge",
		       "How late the last tick finished, from its due time.");
		dbl(f, "xdpstream_tick_lag_seconds", di->tick_lag_s);
		family(f, "xdpstream_tick_drain_seconds", "gauge",
		       "Time the last tick spent reading the maps.");
		dbl(f, "xdpstream_tick_drain_seconds", di->tick_drain_s);
	}

	family(f, "xdpstream_alerts_total", "counter", "Alert events, by rule and action.");
	for (j = 0; j < m->nalerts; j++) {
		fprintf(f, "xdpstream_alerts_total{rule=\"");
		label(f, m->alerts[j].rule);
		fprintf(f, "\",action=\"");
		label(f, m->alerts[j].action);
		fprintf(f, "\"} %llu\n", (unsigned long long)m->alerts[j].n);
	}
	if (m->alerts_other)
		fprintf(f, "xdpstream_alerts_total{rule=\"other\",action=\"other\"} %llu\n",
			(unsigned long long)m->alerts_other);

#define SF(name, type, help, field)                                                                \
	sink_family(f, m->out, name, type, help, offsetof(struct xs_sink_stats, field), false)
	SF("xdpstream_sink_sent_total", "counter", "Messages delivered by each output.", sent);
	SF("xdpstream_sink_failed_total", "counter",
	   "Messages an output gave up on (overflow included).", failed);
	SF("xdpstream_sink_overflow_total", "counter",
	   "Messages dropped because an output's queue was full.", overflow);
	SF("xdpstream_sink_queued_messages", "gauge", "Messages waiting in an output's memory queue.",
	   queued);
	SF("xdpstream_sink_spooled_messages", "gauge", "Messages waiting in an output's spool file.",
	   spooled);
	SF("xdpstream_sink_spooled_total", "counter", "Messages written to an output's spool file.",
	   spooled_total);
	SF("xdpstream_sink_resent_total", "counter", "Spooled messages delivered later.", resent);
	SF("xdpstream_sink_reconnects_total", "counter", "Connections re-established by an output.",
	   reconnects);
#undef SF
	sink_family(f, m->out, "xdpstream_sink_up", "gauge",
		    "1 when an output is connected or serving, else 0.", 0, true);
	if (di->have_mitig)
		mitig_families(f, &di->mitig);
	family(f, "xdpstream_start_time_seconds", "gauge", "When the outputs were opened.");
	dbl(f, "xdpstream_start_time_seconds", di->start_time);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct metrics_sink *p = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body = NULL;
	size_t len = 0;
	unsigned int code = MHD_HTTP_OK;
	FILE *f;

	if (p->token_len) {
		const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_AUTHORIZATION);
		size_t i, n = h ? strlen(h) : 0;
		unsigned char diff = 0;

		/* "Bearer TOKEN", compared without an early exit. */
		if (n != 7 + p->token_len || strncmp(h, "Bearer ", 7)) {
			diff = 1;
		} else {
			for (i = 0; i < p->token_len; i++)
				diff |= (unsigned char)(h[7 + i] ^ p->token[i]);
		}
		if (diff) {
			body = strdup("unauthorized\n");
			code = MHD_HTTP_UNAUTHORIZED;
			goto respond;
		}
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		body = strdup("only GET\n");
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, p->path)) {
		if (asprintf(&body, "metrics are at %s\n", p->path) < 0)
			body = NULL;
		code = MHD_HTTP_NOT_FOUND;
	} else if ((f = open_memstream(&body, &len))) {
		xs_metrics_render(f, &p->m);
		fclose(f);
	}
respond:
	if (!body)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type",
				code == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8"
						    : "text/plain");
	if (code == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static int mx_configure(struct xs_sink *s, xs_node n)
{
	struct metrics_sink *p = calloc(1, sizeof(*p));
	struct in6_addr a6;
	struct in_addr a4;
	int err = 0;

	if (!p)
		return -ENOMEM;
	s->priv = p;
	p->epfd = -1;
	p->m.out = s->out;
	snprintf(p->listen, sizeof(p->listen), "127.0.0.1");
	p->port = 9477;
	snprintf(p->path, sizeof(p->path), "/metrics");
	p->max_conns = 32;
	p->max_per_client = 4;
	p->timeout_s = 5;
	err |= xs_cfg_str(n, "listen", p->listen, sizeof(p->listen));
	err |= xs_cfg_u32(n, "port", 1, 65535, &p->port);
	err |= xs_cfg_str(n, "path", p->path, sizeof(p->path));
	err |= xs_cfg_u32(n, "max_connections", 1, 10000, &p->max_conns);
	err |= xs_cfg_u32(n, "max_per_client", 1, 10000, &p->max_per_client);
	err |= xs_cfg_u32(n, "timeout_s", 1, 3600, &p->timeout_s);
	err |= xs_cfg_str(n, "tls_cert", p->tls_cert, sizeof(p->tls_cert));
	err |= xs_cfg_str(n, "tls_key", p->tls_key, sizeof(p->tls_key));
	err |= xs_cfg_str(n, "auth_token_file", p->token_file, sizeof(p->token_file));
	err |= xs_out_check_readable(n, "tls_cert", p->tls_cert);
	err |= xs_out_check_readable(n, "tls_key", p->tls_key);
	err |= xs_out_check_readable(n, "auth_token_file", p->token_file);
	if (!err && !p->tls_cert[0] != !p->tls_key[0]) {
		xs_cfg_error(xs_cfg_get(n, p->tls_cert[0] ? "tls_cert" : "tls_key"),
			     "HTTPS needs both tls_cert and tls_key");
		err = -1;
	}
	if (!err && p->max_per_client > p->max_conns) {
		xs_cfg_error(xs_cfg_get(n, "max_per_client"),
			     "must be at most max_connections (%u)", p->max_conns);
		err = -1;
	}
	if (!err && inet_pton(AF_INET, p->listen, &a4) != 1 &&
	    inet_pton(AF_INET6, p->listen, &a6) != 1) {
		xs_cfg_error(xs_cfg_get(n, "listen"),
			     "expected an IPv4 or IPv6 address (127.0.0.1, 0.0.0.0, ::), got '%s'",
			     p->listen);
		err = -1;
	}
	if (!err && p->path[0] != '/') {
		xs_cfg_error(xs_cfg_get(n, "path"), "must start with '/'");
		err = -1;
	}
	return err ? -1 : 0;
}

/* A whole small file (a PEM), NUL-terminated; NULL if unreadable. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	buf = calloc(1, 65537);
	if (buf)
		n = fread(buf, 1, 65536, f);
	fclose(f);
	if (buf && (!n || n == 65536)) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/* The bearer token: the file's first line. */
static int read_token(struct xs_sink *s)
{
	struct metrics_sink *p = s->priv;
	FILE *f = fopen(p->token_file, "r");

	if (!f || !fgets(p->token, sizeof(p->token), f)) {
		xs_err("output %s: cannot read a token from %s", s->name, p->token_file);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	p->token[strcspn(p->token, "\r\n")] = 0;
	p->token_len = strlen(p->token);
	if (p->token_len < 16) {
		xs_err("output %s: the token in %s is shorter than 16 characters", s->name,
		       p->token_file);
		return -1;
	}
	return 0;
}

static int mx_open(struct xs_sink *s)
{
	struct metrics_sink *p = s->priv;
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(p->port) };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(p->port) };
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_EPOLL;
	struct sockaddr *sa = (struct sockaddr *)&sin;
	int err;

	if (inet_pton(AF_INET, p->listen, &sin.sin_addr) != 1) {
		inet_pton(AF_INET6, p->listen, &sin6.sin6_addr);
		sa = (struct sockaddr *)&sin6;
		flags |= MHD_USE_IPv6;
	}
	if (p->token_file[0] && read_token(s))
		return -EINVAL;
	if (p->tls_cert[0]) {
		p->cert_pem = slurp(p->tls_cert);
		p->key_pem = slurp(p->tls_key);
		if (!p->cert_pem || !p->key_pem) {
			xs_err("output %s: cannot read %s or %s", s->name, p->tls_cert, p->tls_key);
			return -EINVAL;
		}
		flags |= MHD_USE_TLS;
	}
	errno = 0;
	if (p->cert_pem)
		p->d = MHD_start_daemon(flags, (uint16_t)p->port, NULL, NULL, handle, p,
					MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_TIMEOUT,
					p->timeout_s, MHD_OPTION_CONNECTION_LIMIT, p->max_conns,
					MHD_OPTION_PER_IP_CONNECTION_LIMIT, p->max_per_client,
					MHD_OPTION_HTTPS_MEM_CERT, p->cert_pem,
					MHD_OPTION_HTTPS_MEM_KEY, p->key_pem, MHD_OPTION_END);
	else
		p->d = MHD_start_daemon(flags, (uint16_t)p->port, NULL, NULL, handle, p,
					MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_TIMEOUT,
					p->timeout_s, MHD_OPTION_CONNECTION_LIMIT, p->max_conns,
					MHD_OPTION_PER_IP_CONNECTION_LIMIT, p->max_per_client,
					MHD_OPTION_END);
	if (!p->d) {
		err = errno ? errno : EADDRINUSE;
		xs_err("output %s: cannot listen on %s port %u: %s (change port: or listen:)",
		       s->name, p->listen, p->port, strerror(err));
		return -err;
	}
	info = MHD_get_daemon_info(p->d, MHD_DAEMON_INFO_EPOLL_FD);
	p->epfd = info ? info->epoll_fd : -1;
	if (p->epfd < 0 || xs_out_watch(s->out, p->epfd, EPOLLIN)) {
		xs_err("output %s: cannot poll the HTTP server", s->name);
		MHD_stop_daemon(p->d);
		p->d = NULL;
		return -EIO;
	}
	s->st.up = true;
	xs_info("output %s: Prometheus metrics on http%s://%s%s%s:%u%s", s->name,
		p->cert_pem ? "s" : "",
		sa == (struct sockaddr *)&sin6 ? "[" : "", p->listen,
		sa == (struct sockaddr *)&sin6 ? "]" : "", p->port, p->path);
	return 0;
}

static void mx_alert(struct xs_sink *s, const struct xs_alert_out *a)
{
	struct metrics_sink *p = s->priv;

	xs_metrics_count_alert(&p->m, a->rule, a->action);
}

static void mx_tick(struct xs_sink *s, const struct xs_tick *t, double ts, double secs)
{
	struct metrics_sink *p = s->priv;

	xs_global_add(&p->m.total, &t->g);
	p->m.ndst = t->ndst;
	p->m.nsrc = t->nsrc;
}

static void mx_service(struct xs_sink *s, double now)
{
	struct metrics_sink *p = s->priv;

	if (p->d)
		MHD_run(p->d);
}

static void mx_close(struct xs_sink *s)
{
	struct metrics_sink *p = s->priv;

	if (p->epfd >= 0)
		xs_out_unwatch(s->out, p->epfd);
	if (p->d)
		MHD_stop_daemon(p->d);
	p->d = NULL;
	p->epfd = -1;
	free(p->cert_pem);
	free(p->key_pem);
	p->cert_pem = p->key_pem = NULL;
	memset(p->token, 0, sizeof(p->token));
	s->st.up = false;
}

const struct xs_sink_ops xs_sink_metrics = {
	.type = "metrics",
	.configure = mx_configure,
	.open = mx_open,
	.alert = mx_alert,
	.tick = mx_tick,
	.service = mx_service,
	.close = mx_close,
};
