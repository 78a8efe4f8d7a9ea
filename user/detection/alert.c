// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "alert.h"
#include "hostname.h"
#include "htab.h"
#include "names.h"
#include "rfc3339.h"
#include "rules.h"

struct akey {
	uint8_t rule;
	uint8_t has_src;
	uint8_t has_dst;
	uint8_t pad;
	int32_t port;
	struct xs_addr src;
	struct xs_addr dst;
};

struct astate {
	char id[24];
	double start, last_fire, last_emit, peak_ts;
	double peak, current;
	int severity;
	uint32_t fires;
	struct xs_finding last;
};

struct xs_alert_mgr {
	struct xs_alert_cfg cfg;
	char hostname[256];
	char ifname[64];
	xs_alert_fn fn;
	void *ctx;
	xs_alert_annotate_fn annotate;
	void *annotate_ctx;
	struct xs_htab tab;
	struct xs_alert_stats stats;
};

/* Rule categories, for rule.category and the default severity. */
static const char *const rule_category[XS_R_MAX] = {
	[XS_R_SYN_FLOOD] = "denial_of_service",
	[XS_R_UDP_FLOOD] = "denial_of_service",
	[XS_R_ICMP_FLOOD] = "denial_of_service",
	[XS_R_VOLUMETRIC] = "denial_of_service",
	[XS_R_REFLECTION] = "denial_of_service",
	[XS_R_PORT_SCAN] = "reconnaissance",
	[XS_R_HOST_SWEEP] = "reconnaissance",
	[XS_R_BRUTE_FORCE] = "credential_access",
	[XS_R_TRAFFIC_ANOMALY] = "anomaly",
	[XS_R_SYNACK_FLOOD] = "denial_of_service",
	[XS_R_ACK_FLOOD] = "denial_of_service",
	[XS_R_CARPET_BOMBING] = "denial_of_service",
	[XS_R_CREDENTIAL_STUFFING] = "credential_access",
	[XS_R_SIP_FRAUD] = "credential_access",
	[XS_R_FRAG_EVASION] = "defense_evasion",
};

static const char *const rule_desc[XS_R_MAX] = {
	[XS_R_SYN_FLOOD] = "TCP SYNs to one destination far above normal, few answered",
	[XS_R_UDP_FLOOD] = "UDP packets or bits per second to one destination over threshold",
	[XS_R_ICMP_FLOOD] = "ICMP packets or bits per second to one destination over threshold",
	[XS_R_VOLUMETRIC] = "packets or bits per second to one destination over threshold",
	[XS_R_REFLECTION] = "replies from many reflector ports (and their fragments) to one "
			    "destination",
	[XS_R_PORT_SCAN] = "one source reaching many ports of one destination",
	[XS_R_HOST_SWEEP] = "one source reaching many destinations",
	[XS_R_BRUTE_FORCE] = "one source opening many connections to one login service",
	[XS_R_TRAFFIC_ANOMALY] = "traffic far above its learned baseline",
	[XS_R_SYNACK_FLOOD] = "SYN-ACKs the destination never asked for, from many sources "
			      "(TCP reflection)",
	[XS_R_ACK_FLOOD] = "TCP ACK or RST segments outside any connection, from many sources",
	[XS_R_CARPET_BOMBING] = "a flood spread over the addresses of one network, each below "
				"its own threshold",
	[XS_R_CREDENTIAL_STUFFING] = "many sources, each with a few logins, at one login service",
	[XS_R_SIP_FRAUD] = "SIP extension scanning or password guessing at one server",
	[XS_R_FRAG_EVASION] = "one source sending first fragments too short for their transport "
			      "header, or fragments overwriting one (reassembly evasion)",
};

/* ECS severity as Elastic's detection rules map it: low 21, medium 47,
 * high 73, critical 99. */
static const int sev_levels[] = { 21, 47, 73, 99 };
static const char *const sev_names[] = { "low", "medium", "high", "critical" };

static void emit(struct xs_alert_mgr *m, struct astate *s, const char *action, double ts,
		 const char *reason);

void xs_finding_init(struct xs_finding *f, int rule)
{
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->key_port = -1;
	f->dport = -1;
	f->threshold = -1;
	snprintf(f->network, sizeof(f->network), "default");
	f->src_in_key = true;
}

void xs_finding_detail(struct xs_finding *f, const char *name, double v)
{
	if (f->ndetails < XS_FIND_DETAILS) {
		f->details[f->ndetails].name = name;
		f->details[f->ndetails].v = v;
		f->ndetails++;
	}
}

void xs_alerts_set_cfg(struct xs_alert_mgr *m, const struct xs_alert_cfg *cfg)
{
	m->cfg = *cfg;
	snprintf(m->hostname, sizeof(m->hostname), "%s", xs_hostname_or(cfg->hostname));
}

struct xs_alert_mgr *xs_alerts_new(const struct xs_alert_cfg *cfg, uint32_t limit,
				   const char *ifname, xs_alert_fn fn, void *ctx)
{
	struct xs_alert_mgr *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cfg = *cfg;
	snprintf(m->hostname, sizeof(m->hostname), "%s", xs_hostname_or(cfg->hostname));
	snprintf(m->ifname, sizeof(m->ifname), "%s", ifname ? ifname : "");
	m->fn = fn;
	m->ctx = ctx;
	if (xs_htab_init(&m->tab, sizeof(struct akey), sizeof(struct astate), limit)) {
		free(m);
		return NULL;
	}
	return m;
}

void xs_alerts_set_annotate(struct xs_alert_mgr *m, xs_alert_annotate_fn fn, void *ctx)
{
	m->annotate = fn;
	m->annotate_ctx = ctx;
}

bool xs_alerts_refresh(struct xs_alert_mgr *m, const char *id, double ts)
{
	struct xs_htab_iter it;
	void *e;

	for (e = xs_htab_first(&m->tab, &it); e; e = xs_htab_next(&m->tab, &it)) {
		struct astate *s = xs_htab_val(&m->tab, e);

		if (!strcmp(s->id, id)) {
			emit(m, s, "update", ts, NULL);
			return true;
		}
	}
	return false;
}

void xs_alerts_free(struct xs_alert_mgr *m)
{
	if (!m)
		return;
	xs_htab_free(&m->tab);
	free(m);
}

static void make_key(const struct xs_finding *f, struct akey *k)
{
	memset(k, 0, sizeof(*k));
	k->rule = (uint8_t)f->rule;
	k->has_src = f->has_src && f->src_in_key;
	k->has_dst = f->has_dst;
	k->port = f->key_port;
	if (k->has_src)
		k->src = f->src;
	if (f->has_dst)
		k->dst = f->dst;
}

static const char *transport_name(uint8_t proto)
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "ipv6-icmp";
	}
	return NULL;
}

static int severity_of(const struct xs_finding *f, double peak)
{
	int level = (f->rule == XS_R_PORT_SCAN || f->rule == XS_R_HOST_SWEEP) ? 0 : 1;
	double ref = f->threshold > 0 ? f->threshold : (f->mean + f->k * f->stddev);
	double ratio;

	if (ref < f->floor)
		ref = f->floor;
	ratio = ref > 0 ? peak / ref : 1;
	if (ratio >= 4)
		level++;
	if (ratio >= 16)
		level++;
	if (level > 3)
		level = 3;
	return sev_levels[level];
}

static const char *sev_name(int sev)
{
	int i;

	for (i = 3; i > 0; i--)
		if (sev >= sev_levels[i])
			return sev_names[i];
	return sev_names[0];
}

static json_t *num(double v)
{
	/* Whole numbers as integers: easier on every consumer. */
	if (fabs(v) < 9e15 && v == floor(v))
		return json_integer((json_int_t)v);
	return json_real(round(v * 1000) / 1000);
}

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);
}

static json_t *render_json(const struct xs_alert_mgr *m, const struct astate *s,
			   const char *action, double ts, const char *reason)
{
	const struct xs_finding *f = &s->last;
	char buf[64], a[XS_ADDR_STRLEN];
	json_t *doc = json_object(), *ev = json_object(), *rule = json_object();
	json_t *obs = json_object(), *x = json_object(), *net = json_object(), *o;
	const char *tr = transport_name(f->proto);
	int i;

	xs_rfc3339(ts, 3, buf, sizeof(buf));
	set(doc, "@timestamp", json_string(buf));

	set(ev, "kind", json_string("alert"));
	set(ev, "category", json_pack("[ss]", "network", "intrusion_detection"));
	set(ev, "type", json_pack("[s]", "info"));
	set(ev, "action", json_string(action));
	set(ev, "id", json_string(s->id));
	set(ev, "severity", json_integer(s->severity));
	xs_rfc3339(s->start, 3, buf, sizeof(buf));
	set(ev, "start", json_string(buf));
	if (!strcmp(action, "end")) {
		xs_rfc3339(s->last_fire, 3, buf, sizeof(buf));
		set(ev, "end", json_string(buf));
		set(ev, "duration", json_integer((json_int_t)llround((s->last_fire - s->start) *
								    1e9)));
		if (reason)
			set(ev, "reason", json_string(reason));
	}
	set(ev, "dataset", json_string("xdpstream.alert"));
	set(ev, "module", json_string("xdpstream"));
	set(doc, "event", ev);

	set(rule, "name", json_string(xs_rule_names[f->rule]));
	set(rule, "category", json_string(rule_category[f->rule]));
	set(rule, "description", json_string(rule_desc[f->rule]));
	set(rule, "ruleset", json_string(f->network));
	set(doc, "rule", rule);

	if (f->has_src) {
		o = json_object();
		set(o, "ip", json_string(xs_addr_str(&f->src, a)));
		set(doc, "source", o);
		if (f->src_plen) {
			char pfx[XS_ADDR_STRLEN + 4];

			snprintf(pfx, sizeof(pfx), "%s/%u", a, f->src_plen);
			set(x, "source_prefix", json_string(pfx));
		}
	}
	if (f->has_dst || f->dport >= 0) {
		o = json_object();
		if (f->has_dst)
			set(o, "ip", json_string(xs_addr_str(&f->dst, a)));
		if (f->dport >= 0)
			set(o, "port", json_integer(f->dport));
		set(doc, "destination", o);
	}
	if (tr)
		set(net, "transport", json_string(tr));
	if (f->has_dst || f->has_src)
		set(net, "type", json_string(xs_addr_is_v4(f->has_dst ? &f->dst : &f->src) ? "ipv4"
										      : "ipv6"));
	if (json_object_size(net))
		set(doc, "network", net);
	else
		json_decref(net);

	set(obs, "hostname", json_string(m->hostname));
	if (m->ifname[0])
		set(obs, "ingress", json_pack("{s{ss}}", "interface", "name", m->ifname));
	set(obs, "product", json_string("xdpstream"));
	set(obs, "type", json_string("ids"));
	set(doc, "observer", obs);

	set(x, "window_s", num(f->window_s));
	set(x, "observed", json_pack("{soss}", "value", num(f->value), "unit", f->unit));
	set(x, "peak", num(s->peak));
	set(x, "current", num(s->current));
	if (f->threshold >= 0) {
		set(x, "threshold", num(f->threshold));
	} else {
		set(x, "baseline", json_pack("{soso so so}", "mean", num(f->mean), "stddev",
					     num(f->stddev), "k", num(f->k), "floor",
					     num(f->floor)));
	}
	o = json_array();
	for (i = 0; i < f->ntop; i++)
		json_array_append_new(o, json_pack("{ssso}", "ip", xs_addr_str(&f->top[i].a, a),
						   "count", json_integer((json_int_t)f->top[i].n)));
	set(x, "top_sources", o);
	if (f->ntop && f->top_unit)
		set(x, "top_sources_unit", json_string(f->top_unit));
	if (f->dst_prefix[0])
		set(x, "destination_prefix", json_string(f->dst_prefix));
	if (f->as_rule)
		set(x, "as_rule", json_string(f->as_rule));
	if (f->ntopdst) {
		o = json_array();
		for (i = 0; i < f->ntopdst; i++)
			json_array_append_new(o, json_pack("{ssso}", "ip",
							   xs_addr_str(&f->topdst[i].a, a), "count",
							   json_integer((json_int_t)f->topdst[i].n)));
		set(x, "top_destinations", o);
	}
	if (f->ndetails) {
		o = json_object();
		for (i = 0; i < f->ndetails; i++)
			set(o, f->details[i].name, num(f->details[i].v));
		set(x, "details", o);
	}
	if (f->kind)
		set(x, "kind", json_string(f->kind));
	if (f->nports) {
		o = json_array();
		for (i = 0; i < f->nports; i++)
			json_array_append_new(o, json_integer(f->ports[i]));
		set(x, "ports_sample", o);
	}
	set(x, "sample_rate", json_integer(1));
	set(x, "loss", json_pack("{sIsIsIsIsIsIsI}", "events_over_budget", (json_int_t)f->loss.ev_budget,
				 "events_ring_full", (json_int_t)f->loss.ev_ringfull,
				 "dst_map_full", (json_int_t)f->loss.dst_full, "src_map_full",
				 (json_int_t)f->loss.src_full, "src_unadmitted",
				 (json_int_t)f->loss.src_unadmitted, "flow_map_full",
				 (json_int_t)f->loss.flow_full, "engine_overflow",
				 (json_int_t)f->loss.engine));
	set(x, "evidence_incomplete",
	    json_boolean(f->loss.ev_budget || f->loss.ev_ringfull || f->loss.dst_full ||
			 f->loss.src_full || f->loss.src_unadmitted || f->loss.flow_full ||
			 f->loss.engine));
	set(x, "fires", json_integer(s->fires));
	if (m->annotate)
		m->annotate(m->annotate_ctx, s->id, x, NULL, 0);
	set(doc, "xdpstream", x);
	return doc;
}

static void fmt_value(double v, char *buf, size_t n)
{
	if (fabs(v) >= 1e9)
		snprintf(buf, n, "%.1fG", v / 1e9);
	else if (fabs(v) >= 1e6)
		snprintf(buf, n, "%.1fM", v / 1e6);
	else if (fabs(v) >= 1e4)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else if (v == floor(v))
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.1f", v);
}

static void render_human(const struct xs_alert_mgr *m, const struct astate *s, const char *action,
			 double ts, char *out, size_t len)
{
	const struct xs_finding *f = &s->last;
	char t[40], src[XS_ADDR_STRLEN + 4] = "*", dst[XS_ADDR_STRLEN + 16] = "*", a[XS_ADDR_STRLEN];
	char v[32], lim[64], pk[32], extra[200] = "";
	const char *tr = transport_name(f->proto);

	xs_rfc3339(ts, 3, t, sizeof(t));
	if (f->has_src)
		xs_addr_str(&f->src, src);
	if (f->has_dst) {
		xs_addr_str(&f->dst, a);
		snprintf(dst, sizeof(dst), xs_addr_is_v4(&f->dst) ? "%s" : "[%s]", a);
	}
	if (f->dst_prefix[0])
		snprintf(dst, sizeof(dst), "%s", f->dst_prefix);
	if (f->dport >= 0)
		snprintf(dst + strlen(dst), sizeof(dst) - strlen(dst), ":%d", f->dport);
	fmt_value(f->value, v, sizeof(v));
	fmt_value(s->peak, pk, sizeof(pk));
	if (f->threshold >= 0) {
		char thr[32];

		fmt_value(f->threshold, thr, sizeof(thr));
		snprintf(lim, sizeof(lim), ">= %s", thr);
	} else {
		snprintf(lim, sizeof(lim), ">= mean %.0f + %.0f sd %.0f", f->mean, f->k, f->stddev);
	}
	if (m->annotate)
		m->annotate(m->annotate_ctx, s->id, NULL, extra, sizeof(extra));
	snprintf(out, len, "%s %-6s %-15s %-8s %s -> %s%s%s  %s %s %s over %gs, peak %s  id=%s%s%s", t,
		 action, xs_rule_names[f->rule], sev_name(s->severity), src, dst, tr ? "/" : "",
		 tr ? tr : "", v, f->unit, lim, f->window_s, pk, s->id, extra[0] ? "  " : "", extra);
}

static void emit(struct xs_alert_mgr *m, struct astate *s, const char *action, double ts,
		 const char *reason)
{
	const struct xs_finding *f = &s->last;
	char human[768], src[XS_ADDR_STRLEN], dst[XS_ADDR_STRLEN];
	struct xs_alert_out out = {};
	json_t *doc = render_json(m, s, action, ts, reason);
	char *json = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));

	render_human(m, s, action, ts, human, sizeof(human));
	out.json = json ? json : "{}";
	out.human = human;
	out.rule = xs_rule_names[f->rule];
	out.action = action;
	out.event_id = s->id;
	out.src_ip = f->has_src ? xs_addr_str(&f->src, src) : NULL;
	out.dst_ip = f->has_dst ? xs_addr_str(&f->dst, dst) : NULL;
	out.dst_port = f->dport;
	out.proto = f->proto;
	out.src_plen = f->has_src ? f->src_plen : 0;
	out.severity = s->severity;
	out.ts = ts;
	m->stats.events++;
	if (m->fn)
		m->fn(m->ctx, &out);
	free(json);
	json_decref(doc);
	s->last_emit = ts;
}

static void make_id(const struct xs_alert_mgr *m, const struct akey *k, double start, char *id)
{
	struct {
		struct akey k;
		double start;
		uint64_t host;
	} b;

	memset(&b, 0, sizeof(b));
	b.k = *k;
	b.start = start;
	b.host = xs_hash(m->hostname, (uint32_t)strlen(m->hostname));
	snprintf(id, 24, "%016llx", (unsigned long long)xs_hash(&b, sizeof(b)));
}

void xs_alerts_report(struct xs_alert_mgr *m, const struct xs_finding *f, double ts)
{
	struct akey k;
	struct astate *s;
	bool created;
	void *e;
	int sev;

	make_key(f, &k);
	e = xs_htab_insert(&m->tab, &k, xs_hash(&k, sizeof(k)), &created);
	if (!e) {
		m->stats.overflow++;
		return;
	}
	s = xs_htab_val(&m->tab, e);
	if (!created && !f->src_in_key) {
		/* A flood's attacker is named (or not) when it starts, and
		 * stays so: one alert, one identity. */
		bool has = s->last.has_src;
		struct xs_addr src = s->last.src;

		s->last = *f;
		s->last.has_src = has;
		s->last.src = src;
	} else {
		s->last = *f;
	}
	s->current = f->value;
	s->last_fire = ts;
	s->fires++;
	if (created) {
		make_id(m, &k, ts, s->id);
		s->start = ts;
		s->peak = f->value;
		s->peak_ts = ts;
		s->severity = severity_of(f, f->value);
		m->stats.started[f->rule]++;
		emit(m, s, "start", ts, NULL);
		return;
	}
	if (f->value > s->peak) {
		s->peak = f->value;
		s->peak_ts = ts;
	}
	sev = severity_of(f, s->peak);
	if (sev > s->severity)
		s->severity = sev;
	if (ts - s->last_emit >= m->cfg.update_interval_s - 1e-9)
		emit(m, s, "update", ts, NULL);
}

void xs_alerts_tick(struct xs_alert_mgr *m, double ts)
{
	struct xs_htab_iter it;
	void *e;

	for (e = xs_htab_first(&m->tab, &it); e; e = xs_htab_next(&m->tab, &it)) {
		struct astate *s = xs_htab_val(&m->tab, e);

		if (ts > s->last_fire && ts - s->last_fire >= m->cfg.cooldown_s - 1e-9) {
			char reason[64];

			snprintf(reason, sizeof(reason), "quiet for %gs", m->cfg.cooldown_s);
			s->current = 0;
			emit(m, s, "end", ts, reason);
			xs_htab_iter_delete(&m->tab, &it);
		}
	}
}

void xs_alerts_close_all(struct xs_alert_mgr *m, double ts, const char *reason)
{
	struct xs_htab_iter it;
	void *e;

	for (e = xs_htab_first(&m->tab, &it); e; e = xs_htab_next(&m->tab, &it)) {
		emit(m, xs_htab_val(&m->tab, e), "end", ts, reason);
		xs_htab_iter_delete(&m->tab, &it);
	}
}

size_t xs_alerts_open(const struct xs_alert_mgr *m)
{
	return m->tab.count;
}

double xs_alerts_quiet_until(const struct xs_alert_mgr *m)
{
	struct xs_htab_iter it;
	double until = 0;
	void *e;

	for (e = xs_htab_first((struct xs_htab *)&m->tab, &it); e;
	     e = xs_htab_next((struct xs_htab *)&m->tab, &it)) {
		const struct astate *s = xs_htab_val(&m->tab, e);

		if (s->last_fire + m->cfg.cooldown_s > until)
			until = s->last_fire + m->cfg.cooldown_s;
	}
	return until;
}

bool xs_alerts_victim_open(const struct xs_alert_mgr *m, const struct xs_addr *dst,
			   uint32_t rule_mask)
{
	struct xs_htab_iter it;
	void *e;

	if (!m->tab.count)
		return false;
	for (e = xs_htab_first((struct xs_htab *)&m->tab, &it); e;
	     e = xs_htab_next((struct xs_htab *)&m->tab, &it)) {
		const struct akey *k = e;

		if ((rule_mask & (1u << k->rule)) && k->has_dst &&
		    !memcmp(&k->dst, dst, sizeof(*dst)))
			return true;
	}
	return false;
}

void xs_alerts_stats(const struct xs_alert_mgr *m, struct xs_alert_stats *s)
{
	*s = m->stats;
}
