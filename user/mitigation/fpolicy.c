// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fingerprint.h"
#include "fpolicy.h"
#include "fppcap.h"
#include "hostname.h"
#include "htab.h"
#include "log.h"
#include "names.h"
#include "rfc3339.h"
#include "rules.h"
#include "speaker.h"
#include "victims.h"

#define RING 4096		/* a victim's most recent samples */
#define ALERTS_MAX 256		/* alerts with a fingerprint at once */
#define RECHECK 4		/* fresh attack samples (x min_samples) to re-check one */
#define DRIFT 0.02		/* coverage lost on fresh samples that means a new attack */
#define ROUTE_LEN 1024

/* A watched victim: its kernel entry, recent samples and rules. */
struct fpv {
	bool used;
	struct xs_addr addr;
	int slot;		/* in the kernel's tables */
	int nalerts;
	struct xs_fp_pkt *ring;
	uint64_t seq;		/* samples received */
	uint32_t every;
	bool counted;		/* last_pkts holds the kernel's count */
	uint64_t last_pkts;	/* its packets, as of the last tick */
	struct {
		bool used;
		struct xs_fp_rule r;
		__u64 base[2];	/* the slot's counters when the rule got it */
	} rule[XS_FP_RULES];
	bool dirty;		/* rules to write */
	uint64_t expires_ns;
};

/* An alert being fingerprinted. */
struct fpa {
	bool used;
	char id[24];
	char rule_name[24];
	int rule, cls, prof;
	int vi;			/* its victim */
	struct xs_addr victim;
	uint32_t actions;	/* 1 << XS_ACT_FILTER, ... */
	double ttl_s, rate;
	bool have_fp;
	struct xs_fingerprint fp;
	uint64_t fresh_from;	/* victim seq when fp was found */
	bool filter_on;
	int flow_id[XS_FP_CLAUSES], nflow;
	int bh_id;
	bool bh_done;		/* blackhole handled (announced or refused) */
	char routes_fs[XS_FP_CLAUSES][ROUTE_LEN];
	char route_bh[ROUTE_LEN];
	struct xs_fppcap *pcap;
};

struct xs_fpolicy {
	const struct xs_settings *s;
	struct xs_victims vic;
	bool vic_ok;
	struct xs_engine *eng;
	struct xs_outputs *out;
	bool act, bgp, live;
	int ncpus;
	char hostname[256];
	struct fpv v[XS_VICTIMS_MAX];
	struct fpa a[ALERTS_MAX];
	double last_ts;		/* the last tick's end */
	double wall_minus_mono;	/* for the samples' kernel clock */
	struct xs_fpolicy_stats st;
	struct xs_fp_pkt *scratch;	/* RING samples, in order */
};

/* The class of packets each flood rule is about (the rate limits'). */
static int rule_class(int rule)
{
	switch (rule) {
	case XS_R_SYN_FLOOD:
		return XS_LIM_SYN;
	case XS_R_UDP_FLOOD:
		return XS_LIM_UDP;
	case XS_R_ICMP_FLOOD:
		return XS_LIM_ICMP;
	case XS_R_REFLECTION:
		return XS_LIM_REFLECT;
	}
	return XS_LIM_ALL;
}

static struct fpv *victim_of(struct xs_fpolicy *p, const struct xs_addr *a)
{
	int i;

	for (i = 0; i < XS_VICTIMS_MAX; i++)
		if (p->v[i].used && !memcmp(&p->v[i].addr, a, sizeof(*a)))
			return &p->v[i];
	return NULL;
}

static struct fpa *alert_of(struct xs_fpolicy *p, const char *id)
{
	int i;

	for (i = 0; i < ALERTS_MAX; i++)
		if (p->a[i].used && !strcmp(p->a[i].id, id))
			return &p->a[i];
	return NULL;
}

/* ---- Samples ---- */

static void on_sample(void *ctx, const struct xs_fp_sample *s, size_t size)
{
	struct xs_fpolicy *p = ctx;
	struct fpv *v = victim_of(p, &s->victim);
	double ts;
	int i;

	if (!v)
		return;	/* sampled just before it was unwatched */
	xs_fp_pkt_from_sample(&v->ring[v->seq % RING], s);
	v->seq++;
	p->st.samples++;
	if (!s->caplen || size < sizeof(*s))
		return;
	ts = p->live ? (double)s->ktime_ns / 1e9 + p->wall_minus_mono : p->last_ts;
	for (i = 0; i < ALERTS_MAX; i++)
		if (p->a[i].used && p->a[i].pcap && &p->v[p->a[i].vi] == v)
			xs_fppcap_write(p->a[i].pcap, ts, s->data,
					s->caplen <= XS_FP_SNAP ? s->caplen : XS_FP_SNAP, s->len);
}

/* The last n samples of v (at most RING), oldest first, in p->scratch. */
static size_t recent(struct xs_fpolicy *p, const struct fpv *v, uint64_t n)
{
	uint64_t i, from;

	if (n > v->seq)
		n = v->seq;
	if (n > RING)
		n = RING;
	from = v->seq - n;
	for (i = 0; i < n; i++)
		p->scratch[i] = v->ring[(from + i) % RING];
	return (size_t)n;
}

/* ---- The kernel's entry of a victim ---- */

static int write_victim(struct xs_fpolicy *p, struct fpv *v)
{
	struct xs_victim e = {};
	int i, n = 0;

	e.slot = (__u32)v->slot;
	e.sample_every = v->every;
	e.sample_budget = p->s->mitigation->fp.samples_per_tick;
	e.expires_ns = v->expires_ns;
	for (i = 0; i < XS_FP_RULES; i++) {
		if (v->rule[i].used) {
			e.rule[i] = v->rule[i].r;
			n = i + 1;
		} else {
			/* A hole matches nothing: no fragment state is in it. */
			e.rule[i].fields = XS_FPF_FRAG;
		}
	}
	e.nrules = (__u32)n;
	return xs_victims_put(&p->vic, &v->addr, &e);
}

static struct fpv *watch(struct xs_fpolicy *p, const struct xs_addr *a)
{
	struct fpv *v = victim_of(p, a);
	int i, slot;

	if (v)
		return v;
	for (i = 0; i < XS_VICTIMS_MAX && p->v[i].used; i++)
		;
	if (i == XS_VICTIMS_MAX)
		return NULL;
	slot = xs_victims_watch(&p->vic, a, 1, p->s->mitigation->fp.samples_per_tick);
	if (slot < 0)
		return NULL;
	v = &p->v[i];
	memset(v, 0, offsetof(struct fpv, ring));
	memset(&v->seq, 0, sizeof(*v) - offsetof(struct fpv, seq));
	v->used = true;
	v->addr = *a;
	v->slot = slot;
	v->every = 1;
	p->st.watched++;
	return v;
}

static void unwatch(struct xs_fpolicy *p, struct fpv *v)
{
	xs_victims_unwatch(&p->vic, &v->addr);
	v->used = false;
	p->st.watched--;
}

/* The rules every filter alert of v asks for, each in a stable slot (its
 * counters stay its own while it lasts). */
static void sync_rules(struct xs_fpolicy *p, struct fpv *v)
{
	struct xs_fp_rule want[XS_FP_RULES];
	struct xs_vstats vs;
	bool have_stats = false, kept[XS_FP_RULES] = {};
	int nwant = 0, i, j, k;

	for (i = 0; i < ALERTS_MAX; i++) {
		const struct fpa *a = &p->a[i];

		if (!a->used || &p->v[a->vi] != v || !a->filter_on)
			continue;
		for (j = 0; j < a->fp.n; j++) {
			struct xs_fp_rule r = a->fp.clause[j];

			r.cls = (__u8)a->cls;
			r.drop = p->s->mitigation->enforce ? 1 : 0;
			for (k = 0; k < nwant && memcmp(&want[k], &r, sizeof(r)); k++)
				;
			if (k == nwant && nwant < XS_FP_RULES)
				want[nwant++] = r;
		}
	}
	for (i = 0; i < XS_FP_RULES; i++) {
		if (!v->rule[i].used)
			continue;
		for (k = 0; k < nwant && memcmp(&want[k], &v->rule[i].r, sizeof(want[k])); k++)
			;
		if (k == nwant) {
			v->rule[i].used = false;
			v->dirty = true;
		} else {
			kept[k] = true;
		}
	}
	for (k = 0; k < nwant; k++) {
		if (kept[k])
			continue;
		for (i = 0; i < XS_FP_RULES && v->rule[i].used; i++)
			;
		if (i == XS_FP_RULES)
			break;
		if (!have_stats)
			have_stats = !xs_victims_stats(&p->vic, v->slot, &vs);
		v->rule[i].used = true;
		v->rule[i].r = want[k];
		v->rule[i].base[0] = have_stats ? vs.hits[i][0] : 0;
		v->rule[i].base[1] = have_stats ? vs.hits[i][1] : 0;
		v->dirty = true;
	}
}

/* Packets the kernel rules for a's clauses matched since they were set. */
static uint64_t filter_hits(struct xs_fpolicy *p, const struct fpa *a)
{
	struct fpv *v = &p->v[a->vi];
	struct xs_vstats vs;
	uint64_t n = 0;
	int i, j;

	if (xs_victims_stats(&p->vic, v->slot, &vs))
		return 0;
	for (i = 0; i < XS_FP_RULES; i++) {
		if (!v->rule[i].used || v->rule[i].r.cls != a->cls)
			continue;
		for (j = 0; j < a->fp.n; j++) {
			struct xs_fp_rule r = a->fp.clause[j];

			r.cls = v->rule[i].r.cls;
			r.drop = v->rule[i].r.drop;
			if (!memcmp(&r, &v->rule[i].r, sizeof(r)))
				n += vs.hits[i][0] + vs.hits[i][1] - v->rule[i].base[0] -
				     v->rule[i].base[1];
		}
	}
	return n;
}

/* ---- Events ---- */

static void event_id(const struct fpa *a, const char *kind, char out[24])
{
	char b[64];

	snprintf(b, sizeof(b), "%s/%s", a->id, kind);
	snprintf(out, 24, "%016llx", (unsigned long long)xs_hash(b, (uint32_t)strlen(b)));
}

struct ev {
	const char *action;	/* filter, unfilter, flowspec, ... */
	const char *kind;	/* filter, flowspec, blackhole: names the event id */
	const char *reason;
	bool enforced, end, dry_run, with_fp;
	const char *const *routes;
	int nroutes;
	int64_t packets;	/* < 0: none */
	const char *packets_key;
};

static void report(struct xs_fpolicy *p, const struct fpa *a, const struct ev *e, double ts)
{
	char buf[64], id[24], addr[XS_ADDR_STRLEN], pfx[XS_PREFIX_STRLEN], human[600], text[XS_FP_STRLEN];
	json_t *doc = json_object(), *ev = json_object(), *x = json_object(), *r;
	struct xs_prefix host = { .addr = a->victim, .len = 128 };
	struct xs_alert_out out = {};
	char *json;
	int i;

	event_id(a, e->kind, id);
	xs_rfc3339(ts, 3, buf, sizeof(buf));
	json_object_set_new(doc, "@timestamp", json_string(buf));
	json_object_set_new(ev, "kind", json_string("event"));
	json_object_set_new(ev, "category", json_pack("[s]", "network"));
	json_object_set_new(ev, "type", json_pack("[s]", e->end ? "end" : e->enforced ? "denied" :
									    "info"));
	json_object_set_new(ev, "action", json_string(e->action));
	json_object_set_new(ev, "id", json_string(id));
	json_object_set_new(ev, "reason", json_string(e->reason));
	json_object_set_new(ev, "dataset", json_string("xdpstream.mitigation"));
	json_object_set_new(ev, "module", json_string("xdpstream"));
	json_object_set_new(doc, "event", ev);
	json_object_set_new(doc, "rule", json_pack("{s:s}", "name", a->rule_name));
	xs_addr_str(&a->victim, addr);
	json_object_set_new(doc, "destination", json_pack("{s:s}", "ip", addr));
	json_object_set_new(doc, "observer", json_pack("{s:s,s:s,s:s}", "hostname", p->hostname,
							"product", "xdpstream", "type", "ids"));
	json_object_set_new(x, "prefix", json_string(xs_prefix_str(&host, pfx)));
	json_object_set_new(x, "by", json_string("rule"));
	json_object_set_new(x, "enforced", json_boolean(e->enforced));
	json_object_set_new(x, "alert_id", json_string(a->id));
	if (!e->end && a->ttl_s > 0)
		json_object_set_new(x, "ttl_s", json_integer((json_int_t)a->ttl_s));
	if (e->with_fp && a->have_fp)
		json_object_set_new(x, "fingerprint", xs_fp_json(&a->fp));
	if (e->nroutes) {
		r = json_array();
		for (i = 0; i < e->nroutes; i++)
			json_array_append_new(r, json_string(e->routes[i]));
		json_object_set_new(x, "routes", r);
	}
	if (e->dry_run)
		json_object_set_new(x, "dry_run", json_true());
	if (e->packets >= 0)
		json_object_set_new(x, e->packets_key, json_integer((json_int_t)e->packets));
	json_object_set_new(doc, "xdpstream", json_pack("{s:o}", "mitigation", x));
	json = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	snprintf(human, sizeof(human), "%s %-10s destination %s for %s alert %s (%s)%s%s%s", buf,
		 e->action, addr, a->rule_name, a->id, e->reason, e->enforced ? "" : " [not enforced]",
		 e->with_fp && a->have_fp ? ": " : "",
		 e->with_fp && a->have_fp ? xs_fp_str(&a->fp, text, sizeof(text)) : "");
	out.json = json ? json : "{}";
	out.human = human;
	out.rule = a->rule_name;
	out.action = e->action;
	out.event_id = id;
	out.dst_ip = addr;
	out.dst_port = -1;
	out.severity = 50;
	out.ts = ts;
	if (p->out)
		xs_output_alert(p->out, &out);
	p->st.events++;
	free(json);
	json_decref(doc);
}

/* ---- Actions ---- */

static bool enforce(const struct xs_fpolicy *p)
{
	return p->s->mitigation->enforce;
}

/* The speaker refuses what overlaps the allowlist it was opened with; a
 * reload may have added to it since: checked here too. */
static bool allowlisted(const struct xs_fpolicy *p, const struct xs_addr *a, char *why,
			size_t len)
{
	const struct xs_mitig_cfg *m = p->s->mitigation;
	char s[XS_PREFIX_STRLEN], v[XS_ADDR_STRLEN];
	int i;

	for (i = 0; i < m->nallow; i++)
		if (xs_prefix_contains(&m->allow[i], a)) {
			snprintf(why, len, "refused: %s is inside %s of the allowlist",
				 xs_addr_str(a, v), xs_prefix_str(&m->allow[i], s));
			return true;
		}
	return false;
}

static void blackhole(struct xs_fpolicy *p, struct fpa *a, double ts)
{
	struct xs_prefix host = { .addr = a->victim, .len = 128 };
	const char *routes[1] = { a->route_bh };
	struct ev e = { .action = "blackhole", .kind = "blackhole", .routes = routes, .packets = -1 };
	char reason[320];

	a->bh_done = true;
	if (xs_bgp_blackhole_str(&p->s->mitigation->bgp, &host, a->route_bh, sizeof(a->route_bh)))
		snprintf(a->route_bh, sizeof(a->route_bh), "route %s", xs_addr_str(&a->victim, reason));
	e.nroutes = 1;
	if (!enforce(p) || !p->bgp) {
		e.reason = !p->bgp ? "alert; BGP is not open" : "alert, enforce mode off";
		report(p, a, &e, ts);
		return;
	}
	if (allowlisted(p, &a->victim, reason, sizeof(reason))) {
		e.reason = reason;
		report(p, a, &e, ts);
		return;
	}
	a->bh_id = xs_bgp_announce_blackhole(&host);
	if (a->bh_id < 0) {
		snprintf(reason, sizeof(reason), "refused: %s", xs_bgp_last_error());
		e.reason = reason;
		a->bh_id = 0;
		report(p, a, &e, ts);
		return;
	}
	e.enforced = !p->s->mitigation->bgp.dry_run;
	e.dry_run = p->s->mitigation->bgp.dry_run;
	e.reason = "alert";
	report(p, a, &e, ts);
}

static void withdraw_flows(int *ids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] > 0)
			xs_bgp_withdraw(ids[i]);
}

/* Announces a's fingerprint (new, or changed: announce, then withdraw). */
static void flowspec(struct xs_fpolicy *p, struct fpa *a, bool changed, double ts)
{
	struct xs_bgp_action act = { a->rate > 0 ? XS_BGP_RATE_LIMIT : XS_BGP_DISCARD,
				     a->rate > 0 ? (uint64_t)a->rate : 0 };
	const char *routes[XS_FP_CLAUSES];
	struct ev e = { .action = "flowspec", .kind = "flowspec", .routes = routes, .packets = -1,
			.with_fp = true };
	int ids[XS_FP_CLAUSES] = {}, i, n = 0, refused = 0;
	char reason[320] = "";
	bool allowed = !allowlisted(p, &a->victim, reason, sizeof(reason));

	for (i = 0; i < a->fp.n; i++) {
		struct xs_bgp_match m;

		xs_fp_to_bgp(&a->fp.clause[i], &a->victim, &m);
		if (xs_bgp_flowspec_str(&p->s->mitigation->bgp, &m, &act, a->routes_fs[i],
					sizeof(a->routes_fs[i])))
			snprintf(a->routes_fs[i], sizeof(a->routes_fs[i]), "(not expressible)");
		routes[i] = a->routes_fs[i];
		if (!enforce(p) || !p->bgp)
			continue;
		if (!allowed) {
			refused++;
			continue;
		}
		ids[i] = xs_bgp_announce_flowspec(&m, &act);
		if (ids[i] < 0) {
			snprintf(reason, sizeof(reason), "refused: %s", xs_bgp_last_error());
			ids[i] = 0;
			refused++;
		} else {
			n++;
		}
	}
	e.nroutes = a->fp.n;
	withdraw_flows(a->flow_id, a->nflow);
	memcpy(a->flow_id, ids, sizeof(ids));
	a->nflow = a->fp.n;
	if (!enforce(p) || !p->bgp) {
		e.reason = !p->bgp ? "fingerprint; BGP is not open" : "fingerprint, enforce mode off";
	} else if (refused) {
		e.reason = reason;
		e.enforced = n > 0 && !p->s->mitigation->bgp.dry_run;
	} else {
		e.reason = changed ? "fingerprint changed" : "fingerprint";
		e.enforced = !p->s->mitigation->bgp.dry_run;
		e.dry_run = p->s->mitigation->bgp.dry_run;
	}
	report(p, a, &e, ts);
}

static void filter(struct xs_fpolicy *p, struct fpa *a, bool changed, double ts)
{
	struct ev e = { .action = "filter", .kind = "filter", .packets = -1, .with_fp = true };

	a->filter_on = true;
	sync_rules(p, &p->v[a->vi]);
	e.enforced = enforce(p);
	e.reason = !e.enforced ? "fingerprint, enforce mode off (its rules only count)" :
		   changed	 ? "fingerprint changed" :
				   "fingerprint";
	report(p, a, &e, ts);
}

/* A fingerprint, new or changed: into the alert and the actions. */
static void use_fingerprint(struct xs_fpolicy *p, struct fpa *a, bool changed, double ts)
{
	char text[XS_FP_STRLEN];

	xs_log(p->act ? XS_LOG_INFO : XS_LOG_DEBUG,
	       "fingerprint of %s alert %s: %s (covers %.1f%% of the attack's samples, %.1f%% of "
	       "the others)",
	       a->rule_name, a->id, xs_fp_str(&a->fp, text, sizeof(text)), a->fp.coverage * 100,
	       a->fp.collateral * 100);
	if (changed)
		p->st.changed++;
	else
		p->st.found++;
	if (p->eng)
		xs_engine_alert_refresh(p->eng, a->id, ts);
	if (!p->act)
		return;
	if (a->actions & (1u << XS_ACT_FILTER))
		filter(p, a, changed, ts);
	if (a->actions & (1u << XS_ACT_FLOWSPEC))
		flowspec(p, a, changed, ts);
}

/* The end of an alert: everything it asked for goes. */
static void finish(struct xs_fpolicy *p, struct fpa *a, double ts)
{
	const char *routes[XS_FP_CLAUSES];
	struct fpv *v = &p->v[a->vi];
	int i;

	if (a->filter_on) {
		struct ev e = { .action = "unfilter", .kind = "filter", .end = true,
				.enforced = enforce(p), .with_fp = true, .reason = "alert ended" };

		/* Dropped with enforce on, but for allowlisted sources and
		 * past the TTL; counted only with it off. */
		e.packets = (int64_t)filter_hits(p, a);
		e.packets_key = "packets_matched";
		a->filter_on = false;
		sync_rules(p, v);
		report(p, a, &e, ts);
	}
	if (a->nflow && p->act && (a->actions & (1u << XS_ACT_FLOWSPEC))) {
		struct ev e = { .action = "flowspec_withdraw", .kind = "flowspec", .end = true,
				.with_fp = true, .reason = "alert ended", .packets = -1,
				.routes = routes, .nroutes = a->nflow };
		int n = 0;

		for (i = 0; i < a->nflow; i++) {
			routes[i] = a->routes_fs[i];
			n += a->flow_id[i] > 0;
		}
		withdraw_flows(a->flow_id, a->nflow);
		e.enforced = n > 0 && !p->s->mitigation->bgp.dry_run;
		e.dry_run = n > 0 && p->s->mitigation->bgp.dry_run;
		report(p, a, &e, ts);
		a->nflow = 0;
	}
	if (a->bh_done) {
		struct ev e = { .action = "blackhole_withdraw", .kind = "blackhole", .end = true,
				.reason = "alert ended", .packets = -1, .routes = routes,
				.nroutes = 1 };

		routes[0] = a->route_bh;
		e.enforced = a->bh_id > 0 && !p->s->mitigation->bgp.dry_run;
		e.dry_run = a->bh_id > 0 && p->s->mitigation->bgp.dry_run;
		if (a->bh_id > 0)
			xs_bgp_withdraw(a->bh_id);
		report(p, a, &e, ts);
	}
	xs_fppcap_close(a->pcap);
	a->pcap = NULL;
	a->used = false;
	p->st.alerts--;
	if (!--v->nalerts)
		unwatch(p, v);
	else if (v->dirty)
		write_victim(p, v);
}

/* ---- Alerts ---- */

static void start(struct xs_fpolicy *p, const struct xs_alert_out *a, int rule, double ts)
{
	const struct xs_fp_cfg *fc = &p->s->mitigation->fp;
	const struct xs_rule_action *act;
	struct xs_addr dst;
	struct fpa *x;
	struct fpv *v;
	int i;

	if (!a->dst_ip || xs_addr_parse(a->dst_ip, &dst))
		return;
	for (i = 0; i < ALERTS_MAX && p->a[i].used; i++)
		;
	v = i < ALERTS_MAX ? watch(p, &dst) : NULL;
	if (!v) {
		p->st.unwatched_full++;
		xs_warn("no fingerprint for %s alert %s: %d victims are watched already", a->rule,
			a->event_id, XS_VICTIMS_MAX);
		return;
	}
	x = &p->a[i];
	memset(x, 0, sizeof(*x));
	x->used = true;
	snprintf(x->id, sizeof(x->id), "%s", a->event_id);
	snprintf(x->rule_name, sizeof(x->rule_name), "%s", a->rule);
	x->rule = rule;
	x->cls = rule_class(rule);
	x->victim = dst;
	x->vi = (int)(v - p->v);
	x->prof = xs_ruleset_profile(p->s->rules, &dst);
	act = &p->s->rules->prof[x->prof].act[rule];
	x->actions = act->fp_actions;
	x->ttl_s = act->ttl_s;
	x->rate = act->flowspec_rate;
	v->nalerts++;
	p->st.alerts++;
	if (fc->pcap_dir[0])
		x->pcap = xs_fppcap_open(fc->pcap_dir, x->id, fc->pcap_max_bytes, fc->pcap_max_files);
	if (p->act && (x->actions & (1u << XS_ACT_BLACKHOLE)))
		blackhole(p, x, ts);
}

void xs_fpolicy_on_alert(struct xs_fpolicy *p, const struct xs_alert_out *a)
{
	int rule = a->rule ? xs_rule_by_name(a->rule) : -1;
	struct fpa *x;

	if (rule < 0 || !xs_rule_limitable(rule))
		return;	/* fingerprints are for floods and reflection */
	x = alert_of(p, a->event_id);
	if (!strcmp(a->action, "start")) {
		if (!x && p->s->mitigation->fp.enabled)
			start(p, a, rule, a->ts);
	} else if (!strcmp(a->action, "end") && x) {
		finish(p, x, a->ts);
	}
}

/* The alerts' xdpstream.fingerprint (and a few words for the human line). */
static void annotate(void *ctx, const char *id, json_t *x, char *extra, size_t len)
{
	struct xs_fpolicy *p = ctx;
	struct fpa *a = alert_of(p, id);
	char text[XS_FP_STRLEN];

	if (!a || !a->have_fp)
		return;
	if (x)
		json_object_set_new(x, "fingerprint", xs_fp_json(&a->fp));
	if (extra)
		snprintf(extra, len, "fp=%s", xs_fp_str(&a->fp, text, sizeof(text)));
}

/* ---- Each tick ---- */

/* The victim's packets in the tick: the kernel's count of them since the
 * last tick; in the tick it started being watched, the tick's aggregate
 * (one pass over the destinations, once). */
static uint64_t tick_pkts(struct xs_fpolicy *p, struct fpv *v, const struct xs_tick *t)
{
	struct xs_vstats vs;
	uint64_t n = 0;
	size_t i;

	if (xs_victims_stats(&p->vic, v->slot, &vs))
		return 0;
	if (v->counted) {
		n = vs.pkts[XS_LIM_ALL] - v->last_pkts;
	} else {
		for (i = 0; t && i < t->ndst; i++)
			if (!memcmp(&t->dst[i].addr, &v->addr, sizeof(v->addr))) {
				n = t->dst[i].v.pkts;
				break;
			}
	}
	v->counted = true;
	v->last_pkts = vs.pkts[XS_LIM_ALL];
	return n;
}

/* One in `every` of the victim's packets: about half the budget of all
 * CPUs at the last tick's rate, so the budget rarely cuts a tick short. */
static void rates(struct xs_fpolicy *p, const struct xs_tick *t)
{
	uint64_t target = (uint64_t)p->s->mitigation->fp.samples_per_tick * p->ncpus / 2;
	int k;

	if (!target)
		target = 1;
	for (k = 0; k < XS_VICTIMS_MAX; k++) {
		struct fpv *v = &p->v[k];
		uint64_t every;

		if (!v->used)
			continue;
		every = tick_pkts(p, v, t) / target;
		if (every < 1)
			every = 1;
		if (every > UINT32_MAX)
			every = UINT32_MAX;
		if (every != v->every) {
			v->every = (uint32_t)every;
			v->dirty = true;
		}
	}
}

static void fingerprint(struct xs_fpolicy *p, struct fpa *a, double ts)
{
	const struct xs_fp_cfg *fc = &p->s->mitigation->fp;
	struct fpv *v = &p->v[a->vi];
	struct xs_fingerprint fp;
	size_t n;

	if (!a->have_fp) {
		n = recent(p, v, RING);
		xs_fp_find(p->scratch, n, a->cls, fc->coverage, &fp);
		if (fp.attack < fc->min_samples || !fp.n)
			return;
		a->fp = fp;
		a->have_fp = true;
		a->fresh_from = v->seq;
		use_fingerprint(p, a, false, ts);
		return;
	}
	/* Enough fresh samples: does it still cover the attack? */
	n = recent(p, v, v->seq - a->fresh_from);
	fp = a->fp;
	xs_fp_eval(&fp, p->scratch, n, a->cls);
	if (fp.attack < RECHECK * fc->min_samples)
		return;
	a->fresh_from = v->seq;
	if (fp.coverage >= fc->coverage - DRIFT)
		return;
	xs_fp_find(p->scratch, n, a->cls, fc->coverage, &fp);
	if (!fp.n || xs_fp_same(&fp, &a->fp))
		return;
	a->fp = fp;
	use_fingerprint(p, a, true, ts);
}

void xs_fpolicy_tick(struct xs_fpolicy *p, const struct xs_tick *t, double ts)
{
	uint64_t now = xs_mono_ns();
	int i;

	p->last_ts = ts;
	p->wall_minus_mono = xs_wall_s() - (double)now / 1e9;
	rates(p, t);
	for (i = 0; i < ALERTS_MAX; i++)
		if (p->a[i].used)
			fingerprint(p, &p->a[i], ts);
	p->st.filters = 0;
	for (i = 0; i < XS_VICTIMS_MAX; i++) {
		struct fpv *v = &p->v[i];
		double ttl = 0;
		int k;

		if (!v->used)
			continue;
		for (k = 0; k < ALERTS_MAX; k++)
			if (p->a[k].used && p->a[k].vi == i && p->a[k].filter_on &&
			    p->a[k].ttl_s > ttl)
				ttl = p->a[k].ttl_s;
		for (k = 0; k < XS_FP_RULES; k++)
			p->st.filters += v->rule[k].used;
		/* Renewed while the alert lasts; the kernel stops at it alone. */
		if (ttl > 0) {
			v->expires_ns = now + (uint64_t)(ttl * 1e9);
			v->dirty = true;
		}
		if (v->dirty && !write_victim(p, v))
			v->dirty = false;
	}
}

/* ---- Life ---- */

void xs_fpolicy_configure(struct xs_fpolicy *p, const struct xs_settings *s)
{
	int i;

	p->s = s;
	snprintf(p->hostname, sizeof(p->hostname), "%s", xs_hostname_or(s->alerts.hostname));
	xs_victims_set_headers(&p->vic, s->mitigation->fp.pcap_dir[0] != '\0');
	/* enforce may have changed: the rules drop, or only count. */
	for (i = 0; i < XS_VICTIMS_MAX; i++)
		if (p->v[i].used)
			sync_rules(p, &p->v[i]);
}

struct xs_fpolicy *xs_fpolicy_new(const struct xs_fpolicy_opts *o)
{
	struct xs_fpolicy *p = calloc(1, sizeof(*p));
	int i;

	if (!p)
		goto oom;
	p->scratch = calloc(RING, sizeof(*p->scratch));
	if (!p->scratch)
		goto oom;
	for (i = 0; i < XS_VICTIMS_MAX; i++) {
		p->v[i].ring = calloc(RING, sizeof(*p->v[i].ring));
		if (!p->v[i].ring)
			goto oom;
	}
	p->out = o->out;
	p->act = o->act;
	p->bgp = o->bgp;
	p->live = o->live;
	p->ncpus = o->ncpus > 0 ? o->ncpus : 1;
	p->s = o->settings;
	if (xs_victims_init(&p->vic, o->b, o->col, on_sample, p)) {
		xs_fpolicy_free(p);
		return NULL;
	}
	p->vic_ok = true;
	xs_fpolicy_configure(p, o->settings);
	return p;
oom:
	xs_err("out of memory for the fingerprints");
	xs_fpolicy_free(p);
	return NULL;
}

void xs_fpolicy_act(struct xs_fpolicy *p, struct xs_outputs *out, bool bgp)
{
	p->act = true;
	p->out = out;
	p->bgp = bgp;
}

void xs_fpolicy_attach(struct xs_fpolicy *p, struct xs_engine *e)
{
	p->eng = e;
	if (e)
		xs_engine_set_annotate(e, annotate, p);
}

void xs_fpolicy_free(struct xs_fpolicy *p)
{
	int i;

	if (!p)
		return;
	/* Alerts still open (an error path): their actions end, unreported
	 * (the outputs may be closed by now). */
	p->out = NULL;
	for (i = 0; p->vic_ok && i < ALERTS_MAX; i++)
		if (p->a[i].used)
			finish(p, &p->a[i], p->last_ts ? p->last_ts : xs_wall_s());
	if (p->vic_ok)
		xs_victims_free(&p->vic);
	for (i = 0; i < XS_VICTIMS_MAX; i++)
		free(p->v[i].ring);
	free(p->scratch);
	free(p);
}

void xs_fpolicy_get_stats(const struct xs_fpolicy *p, struct xs_fpolicy_stats *st)
{
	*st = p->st;
}

void xs_fpolicy_board(struct xs_fpolicy *p, struct xs_fp_board *b)
{
	struct xs_bgp_status bs;
	int i, k;

	memset(b, 0, sizeof(*b));
	b->watched = (__u32)p->st.watched;
	if (p->bgp) {
		xs_bgp_get_status(&bs);
		b->bgp_state = (__u32)bs.state;
		b->bgp_active = bs.active;
		b->bgp_announced = bs.announced;
		b->bgp_withdrawn = bs.withdrawn;
		for (k = 0; k < XS_BGP_REF_MAX; k++)
			b->bgp_refused += bs.refused[k];
	}
	for (i = 0; i < ALERTS_MAX && b->n < XS_FP_BOARD_N; i++) {
		const struct fpa *a = &p->a[i];
		struct xs_fp_board_entry *e = &b->e[b->n];

		if (!a->used)
			continue;
		e->victim = a->victim;
		snprintf(e->alert_id, sizeof(e->alert_id), "%s", a->id);
		snprintf(e->rule, sizeof(e->rule), "%s", a->rule_name);
		if (a->have_fp) {
			xs_fp_str(&a->fp, e->match, sizeof(e->match));
			e->coverage_ppm = (__u32)llround(a->fp.coverage * 1e6);
			e->collateral_ppm = (__u32)llround(a->fp.collateral * 1e6);
		}
		e->actions = a->actions;
		e->routes = (__u32)(a->bh_id > 0);
		for (k = 0; k < a->nflow; k++)
			e->routes += a->flow_id[k] > 0;
		e->samples = p->v[a->vi].seq;
		e->dropped = a->filter_on ? filter_hits(p, a) : 0;
		b->n++;
	}
}
