// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "alert.h"
#include "engine.h"
#include "localnets.h"
#include "hostname.h"
#include "htab.h"
#include "log.h"
#include "mpolicy.h"
#include "names.h"
#include "rfc3339.h"
#include "rules.h"

#define META_MAX 64	/* actions waiting to show up in the tables */
#define PENDING_MAX 256	/* blocks waiting for evidence or for the rate */
#define WAIT_S 300	/* how long a block waits for evidence after its alert's last event */

/* An entry of the kernel tables, as last seen. */
struct entry {
	struct xs_prefix p;
	bool is_block;
	bool seen;		/* still there at this tick's listing */
	bool expired;		/* removed by this tick's TTL sweep */
	__u64 created_ns;	/* blocks: told apart when re-created */
	__u64 hits, bytes;	/* blocks: packets/bytes dropped; limits: dropped */
	__u32 match;		/* limits */
	__u64 pps;
	char by[8];		/* "rule", "user" or "fleet" */
	char rule[24];		/* the rule whose alert added it, or "manual" */
	char alert_id[24];
	char id[24];		/* this mitigation's event.id */
};

/* What a rule asked for, until the next listing shows the entry. */
struct meta {
	struct xs_prefix p;
	bool is_block;
	char rule[24];
	char alert_id[24];
};

/* A block a rule asked for, not made yet: no evidence so far, or over
 * rule_blocks_per_minute. */
struct pending {
	struct xs_prefix p;		/* what to block */
	struct xs_watch_key k;		/* where the evidence must show */
	bool have_key;			/* false: no flows to look in (never blocked) */
	double ttl_s;
	double expires;			/* wall time: given up */
	char rule[24];
	char alert_id[24];
};

struct xs_mpolicy {
	struct xs_mitig *m;
	struct xs_engine *eng;
	struct xs_prefix local[XS_LOCALNETS_MAX];
	int nlocal;
	struct pending pend[PENDING_MAX];
	int npend;
	int rule_blocks;		/* rule-made entries in the blocklist */
	double tokens, tokens_ts;	/* rule_blocks_per_minute */
	struct xs_outputs *out;
	const struct xs_settings *s;
	struct entry *e;
	int n, cap;
	struct meta meta[META_MAX];
	int nmeta;
	struct xs_mpolicy_stats st;
	char hostname[256];
	__u64 log_seq;		/* the commands' journal, read so far */
	struct xs_mlog_rec log[XS_MLOG_LEN];
};

static const int rule_match[XS_R_MAX] = {
	[XS_R_SYN_FLOOD] = XS_LIM_SYN,	  [XS_R_UDP_FLOOD] = XS_LIM_UDP,
	[XS_R_ICMP_FLOOD] = XS_LIM_ICMP,  [XS_R_VOLUMETRIC] = XS_LIM_ALL,
	[XS_R_REFLECTION] = XS_LIM_REFLECT,
};

struct xs_mpolicy *xs_mpolicy_new(struct xs_mitig *m, const struct xs_settings *s,
				  struct xs_outputs *out)
{
	struct xs_mpolicy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->m = m;
	p->out = out;
	snprintf(p->hostname, sizeof(p->hostname), "%s", xs_hostname_or(s->alerts.hostname));
	if (xs_mpolicy_configure(p, s)) {
		xs_mpolicy_free(p);
		return NULL;
	}
	/* What the commands did before this daemon started shows in the
	 * tables themselves (the first tick reports what it finds). */
	if (m)
		xs_mitig_log_read(m, &p->log_seq, p->log);
	return p;
}

void xs_mpolicy_free(struct xs_mpolicy *p)
{
	if (!p)
		return;
	free(p->e);
	free(p);
}

void xs_mpolicy_set_engine(struct xs_mpolicy *p, struct xs_engine *e)
{
	p->eng = e;
}

int xs_mpolicy_configure(struct xs_mpolicy *p, const struct xs_settings *s)
{
	struct xs_lpm_key k, next;
	int i, err;

	p->s = s;
	/* The sensor's networks as they are now (start, reload). */
	p->nlocal = 0;
	if (s->mitigation->exempt_local) {
		int n = xs_localnets_read(p->local, XS_LOCALNETS_MAX);

		if (n < 0)
			xs_warn("cannot read this host's addresses and routes: %s (no network is "
				"exempt from blocks)",
				strerror(-n));
		else
			p->nlocal = n;
	}
	if (!p->m)
		return 0;
	/* The allowlist is the configuration's. The new entries go in before
	 * the old ones leave, so that no source it protects before and after
	 * a reload is unprotected in between (issue 13). */
	for (i = 0; i < s->mitigation->nallow; i++) {
		err = xs_mitig_allow(p->m, &s->mitigation->allow[i]);
		if (err) {
			xs_err("cannot load the allowlist into the kernel: %s", strerror(-err));
			return err;
		}
	}
	{
		struct xs_lpm_key *gone = NULL;
		int ngone = 0, cap = 0, j;
		void *prev = NULL;

		while (!bpf_map_get_next_key(p->m->allow_fd, prev, &next)) {
			struct xs_prefix pf;
			bool keep = false;

			k = next;
			prev = &k;
			xs_prefix_from_lpm(&k, &pf);
			for (j = 0; j < s->mitigation->nallow && !keep; j++)
				keep = s->mitigation->allow[j].len == pf.len &&
				       !memcmp(&s->mitigation->allow[j].addr, &pf.addr, 16);
			if (keep)
				continue;
			if (ngone == cap) {
				void *n = realloc(gone, (cap = cap ? cap * 2 : 16) * sizeof(*gone));

				if (!n)
					break;
				gone = n;
			}
			gone[ngone++] = k;
		}
		for (j = 0; j < ngone; j++)
			bpf_map_delete_elem(p->m->allow_fd, &gone[j]);
		free(gone);
	}
	return 0;
}

static bool allowlisted(const struct xs_mpolicy *p, const struct xs_addr *a)
{
	int i;

	for (i = 0; i < p->s->mitigation->nallow; i++)
		if (xs_prefix_contains(&p->s->mitigation->allow[i], a))
			return true;
	return false;
}

static bool local(const struct xs_mpolicy *p, const struct xs_addr *a)
{
	int i;

	for (i = 0; i < p->nlocal; i++)
		if (xs_prefix_contains(&p->local[i], a))
			return true;
	return false;
}

static bool same_prefix(const struct xs_prefix *a, const struct xs_prefix *b)
{
	return a->len == b->len && !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

/* One mitigation event: ECS with event.kind "event" (schema/mitigation.schema.json). */
static void report(struct xs_mpolicy *p, const struct entry *e, const char *action,
		   const char *reason, bool enforced, double ts, double ttl_s)
{
	char buf[64], pfx[XS_PREFIX_STRLEN], addr[XS_ADDR_STRLEN], human[400];
	json_t *doc = json_object(), *ev = json_object(), *x = json_object();
	struct xs_alert_out out = {};
	char *json;

	xs_rfc3339(ts, 3, buf, sizeof(buf));
	json_object_set_new(doc, "@timestamp", json_string(buf));
	json_object_set_new(ev, "kind", json_string("event"));
	json_object_set_new(ev, "category", json_pack("[s]", "network"));
	json_object_set_new(ev, "type", json_pack("[s]", !strncmp(action, "un", 2) ? "end" :
							      enforced		    ? "denied" :
										      "info"));
	json_object_set_new(ev, "action", json_string(action));
	json_object_set_new(ev, "id", json_string(e->id));
	json_object_set_new(ev, "reason", json_string(reason));
	json_object_set_new(ev, "dataset", json_string("xdpstream.mitigation"));
	json_object_set_new(ev, "module", json_string("xdpstream"));
	json_object_set_new(doc, "event", ev);
	if (strcmp(e->rule, "manual"))
		json_object_set_new(doc, "rule", json_pack("{s:s}", "name", e->rule));
	xs_addr_str(&e->p.addr, addr);
	json_object_set_new(doc, e->is_block ? "source" : "destination",
			    json_pack("{s:s}", "ip", addr));
	json_object_set_new(doc, "observer", json_pack("{s:s,s:s,s:s}", "hostname", p->hostname,
							"product", "xdpstream", "type", "ids"));
	json_object_set_new(x, "prefix", json_string(xs_prefix_str(&e->p, pfx)));
	json_object_set_new(x, "by", json_string(e->by));
	json_object_set_new(x, "enforced", json_boolean(enforced));
	if (e->alert_id[0])
		json_object_set_new(x, "alert_id", json_string(e->alert_id));
	if (ttl_s > 0)
		json_object_set_new(x, "ttl_s", json_integer((json_int_t)ttl_s));
	if (!e->is_block) {
		json_object_set_new(x, "match", json_string(xs_limit_match_names[e->match < XS_LIM_MAX ?
											      e->match :
											      0]));
		json_object_set_new(x, "limit_pps", json_integer((json_int_t)e->pps));
	}
	if (!strncmp(action, "un", 2)) {
		json_object_set_new(x, "packets_dropped", json_integer((json_int_t)e->hits));
		if (e->is_block)
			json_object_set_new(x, "bytes_dropped", json_integer((json_int_t)e->bytes));
	}
	json_object_set_new(doc, "xdpstream", json_pack("{s:o}", "mitigation", x));
	json = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	snprintf(human, sizeof(human), "%s %-10s %s %s by %s (%s)%s", buf, action, e->is_block ?
		 "source" : "destination", pfx, e->by, reason, enforced ? "" : " [not enforced]");
	out.json = json ? json : "{}";
	out.human = human;
	out.rule = e->rule;
	out.action = action;
	out.event_id = e->id;
	out.src_ip = e->is_block ? addr : NULL;
	out.dst_ip = e->is_block ? NULL : addr;
	out.dst_port = -1;
	out.severity = 50;
	out.ts = ts;
	if (p->out)
		xs_output_alert(p->out, &out);
	p->st.events++;
	free(json);
	json_decref(doc);
}

static void make_id(struct entry *e, double ts)
{
	struct {
		struct xs_prefix p;
		__u64 created;
		double ts;
		int is_block;
	} b;

	memset(&b, 0, sizeof(b));
	b.p = e->p;
	b.created = e->created_ns;
	b.ts = ts;
	b.is_block = e->is_block;
	snprintf(e->id, sizeof(e->id), "%016llx", (unsigned long long)xs_hash(&b, sizeof(b)));
}

static void remember(struct xs_mpolicy *p, const struct xs_prefix *pf, bool is_block,
		     const struct xs_alert_out *a)
{
	struct meta *m;
	int i;

	for (i = 0; i < p->nmeta; i++)
		if (p->meta[i].is_block == is_block && same_prefix(&p->meta[i].p, pf))
			return;
	if (p->nmeta == META_MAX)
		return;	/* reported as "user": only the attribution is lost */
	m = &p->meta[p->nmeta++];
	m->p = *pf;
	m->is_block = is_block;
	snprintf(m->rule, sizeof(m->rule), "%s", a->rule);
	snprintf(m->alert_id, sizeof(m->alert_id), "%s", a->event_id);
}

/* Where a rule's attacker must have shown it is real: the flows of the
 * alert (brute force: the service; a host sweep: the service on any
 * host; others: anything to the victim). false: no flows to look in. */
static bool evidence_key(const struct xs_alert_out *a, int rule, const struct xs_prefix *src,
			 struct xs_watch_key *k)
{
	struct xs_addr dst = {};

	memset(k, 0, sizeof(*k));
	k->src = src->addr;
	if (a->dst_ip && xs_addr_parse(a->dst_ip, &dst))
		return false;
	if (rule == XS_R_BRUTE_FORCE && a->dst_ip && a->dst_port > 0) {
		k->dst = dst;
		k->dport = htons((uint16_t)a->dst_port);
		k->proto = 6;
		return true;
	}
	if (!a->dst_ip) {
		/* A sweep's service on any host; no port (ICMP): nothing a
		 * spoofer could not send. */
		if (a->dst_port <= 0 || !a->proto)
			return false;
		k->dport = htons((uint16_t)a->dst_port);
		k->proto = (uint8_t)a->proto;
		return true;
	}
	k->dst = dst;
	return true;
}

/* Handshakes completed or data sent in k's flows since they are watched. */
static bool has_evidence(const struct xs_mpolicy *p, const struct xs_watch_key *k)
{
	struct xs_watch_val v;

	return p->eng && xs_engine_evidence(p->eng, k, &v) && (v.ack || v.data);
}

/* rule_blocks_per_minute, a token bucket of ten seconds' worth. */
static bool take_token(struct xs_mpolicy *p, double ts)
{
	double rate = p->s->mitigation->rule_blocks_per_minute / 60.0;
	double burst = rate * 10 < 1 ? 1 : rate * 10;

	if (!p->tokens_ts) {
		p->tokens = burst;
		p->tokens_ts = ts;
	}
	if (ts > p->tokens_ts) {
		p->tokens += (ts - p->tokens_ts) * rate;
		if (p->tokens > burst)
			p->tokens = burst;
		p->tokens_ts = ts;
	}
	if (p->tokens < 1)
		return false;
	p->tokens -= 1;
	return true;
}

/* A rule's block, within the rules' share of the blocklist and their
 * rate. 0, -ENOSPC (share full), -EAGAIN (over the rate) or -errno. */
static int rule_block(struct xs_mpolicy *p, const struct xs_prefix *pf, double ttl_s,
		      const char *rule, const char *alert_id, double ts)
{
	struct xs_lpm_key k;
	struct xs_block v;
	bool exists;
	int err;

	xs_prefix_to_lpm(pf, &k);
	exists = !bpf_map_lookup_elem(p->m->block_fd, &k, &v);
	/* Renewing an entry takes no room and no token. */
	if (!exists) {
		if (p->rule_blocks >= (int)p->s->mitigation->rule_blocks_max) {
			p->st.over_quota++;
			return -ENOSPC;
		}
		if (!take_token(p, ts)) {
			p->st.over_rate++;
			return -EAGAIN;
		}
	}
	{
		struct xs_alert_out a = { .rule = rule, .event_id = alert_id };

		remember(p, pf, true, &a);
	}
	err = xs_mitig_block(p->m, pf, (__u64)ttl_s, XS_BLOCK_BY_RULE);
	if (!err && !exists)
		p->rule_blocks++;
	return err;
}

static struct pending *pending_find(struct xs_mpolicy *p, const char *alert_id)
{
	int i;

	for (i = 0; i < p->npend; i++)
		if (!strcmp(p->pend[i].alert_id, alert_id))
			return &p->pend[i];
	return NULL;
}

static void pending_drop(struct xs_mpolicy *p, struct pending *q)
{
	*q = p->pend[--p->npend];
}

/* A block that waits (evidence, rate): kept while its alert goes on, and
 * the engine asked to watch where the evidence would show. */
static void wait_for(struct xs_mpolicy *p, const struct xs_prefix *pf, const struct xs_watch_key *k,
		     bool have_key, const struct xs_rule_action *act, const struct xs_alert_out *a)
{
	struct pending *q = pending_find(p, a->event_id);

	if (!q) {
		if (p->npend == PENDING_MAX)
			return;
		q = &p->pend[p->npend++];
		memset(q, 0, sizeof(*q));
	}
	q->p = *pf;
	q->k = *k;
	q->have_key = have_key;
	q->ttl_s = act->ttl_s;
	q->expires = a->ts + WAIT_S;
	snprintf(q->rule, sizeof(q->rule), "%s", a->rule);
	snprintf(q->alert_id, sizeof(q->alert_id), "%s", a->event_id);
	if (have_key && p->eng)
		xs_engine_watch(p->eng, k, (uint32_t)(WAIT_S * 1000 / p->s->tick_ms));
}

/* Says once, at the alert's start, why a block is not (yet) made. */
static void report_held(struct xs_mpolicy *p, const struct xs_prefix *pf, const struct xs_alert_out *a,
			const char *reason, double ttl_s)
{
	struct entry e = { .p = *pf, .is_block = true };

	snprintf(e.by, sizeof(e.by), "rule");
	snprintf(e.rule, sizeof(e.rule), "%s", a->rule);
	snprintf(e.alert_id, sizeof(e.alert_id), "%s", a->event_id);
	make_id(&e, a->ts);
	report(p, &e, "block", reason, false, a->ts, ttl_s);
}

void xs_mpolicy_on_alert(struct xs_mpolicy *p, const struct xs_alert_out *a)
{
	const struct xs_rule_action *act;
	struct xs_prefix pf;
	struct xs_addr dst = {};
	struct xs_watch_key wk;
	bool start = !strcmp(a->action, "start"), is_block, have_key;
	int rule = xs_rule_by_name(a->rule), prof = 0, err;

	if (rule >= 0 && !strcmp(a->action, "end")) {
		struct pending *q = pending_find(p, a->event_id);

		/* The attack is over: a block it never earned is not made. */
		if (q)
			pending_drop(p, q);
		return;
	}
	if (rule < 0 || (!start && strcmp(a->action, "update")))
		return;
	if (a->dst_ip && !xs_addr_parse(a->dst_ip, &dst))
		prof = xs_ruleset_profile(p->s->rules, &dst);
	act = &p->s->rules->prof[prof].act[rule];
	if (act->action == XS_ACT_NONE)
		return;
	is_block = act->action == XS_ACT_BLOCK;
	if (is_block ? !a->src_ip || xs_prefix_parse(a->src_ip, &pf) :
		       !a->dst_ip || xs_prefix_parse(a->dst_ip, &pf)) {
		p->st.skipped++;	/* a flood from many sources names no attacker */
		return;
	}
	/* An IPv6 attacker counted per prefix is blocked per prefix. */
	if (is_block && a->src_plen > 0 && a->src_plen < 128 && !xs_prefix_is_v4(&pf))
		pf.len = (__u32)a->src_plen;
	if (is_block && allowlisted(p, &pf.addr)) {
		p->st.skipped++;
		return;
	}
	if (is_block && p->s->mitigation->exempt_local && local(p, &pf.addr)) {
		p->st.skipped++;
		p->st.exempt++;
		if (start)
			report_held(p, &pf, a, "not blocked: the sensor's own or connected network",
				    act->ttl_s);
		return;
	}
	if (!p->s->mitigation->enforce || !p->m) {
		/* Say what enforce mode would do, once per alert. */
		if (start) {
			struct entry e = { .p = pf, .is_block = is_block };

			snprintf(e.by, sizeof(e.by), "rule");
			snprintf(e.rule, sizeof(e.rule), "%s", a->rule);
			snprintf(e.alert_id, sizeof(e.alert_id), "%s", a->event_id);
			e.match = rule_match[rule];
			e.pps = (__u64)(act->limit_pps ? act->limit_pps :
					xs_rule_threshold_pps(&p->s->rules->prof[prof], rule));
			make_id(&e, a->ts);
			report(p, &e, is_block ? "block" : "rate_limit", "alert, enforce mode off",
			       false, a->ts, act->ttl_s);
			p->st.not_enforced++;
		}
		return;
	}
	if (is_block) {
		have_key = evidence_key(a, rule, &pf, &wk);
		if (p->s->mitigation->require_evidence && !(have_key && has_evidence(p, &wk))) {
			/* Spoofed sources never complete a handshake: wait for
			 * one, or for data, in the attack's flows. */
			p->st.no_evidence++;
			wait_for(p, &pf, &wk, have_key, act, a);
			if (start)
				report_held(p, &pf, a,
					    have_key ? "waiting for evidence: no handshake completed "
						       "or data sent by the source in the attack's flows"
						     : "no evidence possible: the attack's packets "
						       "complete no handshake",
					    act->ttl_s);
			return;
		}
		err = rule_block(p, &pf, act->ttl_s, a->rule, a->event_id, a->ts);
		if (err == -EAGAIN) {
			wait_for(p, &pf, &wk, have_key, act, a);
			return;
		}
	} else {
		double pps = act->limit_pps ? act->limit_pps :
				 xs_rule_threshold_pps(&p->s->rules->prof[prof], rule);

		remember(p, &pf, is_block, a);
		err = xs_mitig_limit(p->m, &pf, pps >= 1 ? (__u64)pps : 1,
				     pps >= 1 ? (__u64)pps : 1, rule_match[rule], (__u64)act->ttl_s);
	}
	if (err) {
		p->st.skipped++;
		xs_warn("cannot %s for a %s alert: %s", is_block ? "block" : "rate-limit", a->rule,
			err == -ENOSPC && is_block ? "the rules' share of the blocklist is full "
						     "(mitigation.rule_blocks_max)"
						   : strerror(-err));
	} else if (start) {
		if (is_block)
			p->st.blocks++;
		else
			p->st.limits++;
	}
}

/* Each tick: the blocks that were waiting, now with evidence (or a
 * token), are made; the ones whose alert is long gone are dropped. */
static void pending_tick(struct xs_mpolicy *p, double ts)
{
	int i = 0;

	while (i < p->npend) {
		struct pending *q = &p->pend[i];
		int err;

		if (ts > q->expires || !p->m) {
			pending_drop(p, q);
			continue;
		}
		if (p->s->mitigation->require_evidence && !(q->have_key && has_evidence(p, &q->k))) {
			if (q->have_key && p->eng)
				xs_engine_watch(p->eng, &q->k, 2);
			i++;
			continue;
		}
		err = rule_block(p, &q->p, q->ttl_s, q->rule, q->alert_id, ts);
		if (err == -EAGAIN) {
			i++;
			continue;
		}
		if (!err)
			p->st.blocks++;
		pending_drop(p, q);
	}
}

static void on_expired(void *ctx, const struct xs_prefix *pf, bool is_block)
{
	struct xs_mpolicy *p = ctx;
	int i;

	for (i = 0; i < p->n; i++)
		if (p->e[i].is_block == is_block && same_prefix(&p->e[i].p, pf))
			p->e[i].expired = true;
}

static struct entry *find(struct xs_mpolicy *p, const struct xs_prefix *pf, bool is_block)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (p->e[i].is_block == is_block && same_prefix(&p->e[i].p, pf))
			return &p->e[i];
	return NULL;
}

/* A table entry not seen before: an event, attributed to the rule that
 * asked for it if one did. */
static void added(struct xs_mpolicy *p, struct entry *e, double ts, double ttl_s)
{
	int i;

	snprintf(e->by, sizeof(e->by), "user");
	snprintf(e->rule, sizeof(e->rule), "manual");
	for (i = 0; i < p->nmeta; i++)
		if (p->meta[i].is_block == e->is_block && same_prefix(&p->meta[i].p, &e->p)) {
			snprintf(e->by, sizeof(e->by), "rule");
			snprintf(e->rule, sizeof(e->rule), "%s", p->meta[i].rule);
			snprintf(e->alert_id, sizeof(e->alert_id), "%s", p->meta[i].alert_id);
			p->meta[i] = p->meta[--p->nmeta];
			break;
		}
	make_id(e, ts);
	report(p, e, e->is_block ? "block" : "rate_limit",
	       strcmp(e->by, "rule") ? "xdpstream block/limit command" : "alert", true, ts, ttl_s);
}

static int track(struct xs_mpolicy *p, const struct entry *src)
{
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		void *n = realloc(p->e, cap * sizeof(*p->e));

		if (!n)
			return -ENOMEM;
		p->e = n;
		p->cap = cap;
	}
	p->e[p->n++] = *src;
	return 0;
}

/* The commands' journal: each change a command made is reported, even one
 * undone before this tick (the tables alone would not show it). */
static void read_journal(struct xs_mpolicy *p, double ts)
{
	int n = xs_mitig_log_read(p->m, &p->log_seq, p->log), i;

	for (i = 0; i < n; i++) {
		const struct xs_mlog_rec *r = &p->log[i];
		bool is_block = r->op == XS_MLOG_BLOCK || r->op == XS_MLOG_UNBLOCK;
		bool add = r->op == XS_MLOG_BLOCK || r->op == XS_MLOG_LIMIT;
		struct entry fresh = { .is_block = is_block }, *e;

		xs_prefix_from_lpm(&r->key, &fresh.p);
		e = find(p, &fresh.p, is_block);
		if (add) {
			if (e)
				continue;	/* a new TTL for an entry already reported */
			fresh.match = r->match;
			fresh.pps = r->pps;
			if (is_block) {
				struct xs_lpm_key k = r->key;
				struct xs_block v;

				/* Told apart from a later re-creation by this. */
				if (!bpf_map_lookup_elem(p->m->block_fd, &k, &v))
					fresh.created_ns = v.created_ns;
			}
			added(p, &fresh, ts, r->ttl_s);
			track(p, &fresh);
		} else if (e) {
			report(p, e, is_block ? "unblock" : "unlimit",
			       "xdpstream unblock/unlimit command", true, ts, 0);
			*e = p->e[--p->n];
		}
	}
}

void xs_mpolicy_tick(struct xs_mpolicy *p, double ts)
{
	struct xs_block_info *b = NULL;
	struct xs_limit_info *l = NULL;
	__u64 now = xs_mono_ns();
	int nb, nl, i;

	if (!p->m)
		return;
	read_journal(p, ts);
	/* One listing per tick serves the TTL sweep and the comparison. */
	nb = xs_mitig_list_blocks(p->m, &b);
	nl = xs_mitig_list_limits(p->m, &l);
	if (nb < 0 || nl < 0)
		goto out;
	for (i = p->rule_blocks = 0; i < nb; i++)
		if (b[i].v.rule == XS_BLOCK_BY_RULE &&
		    (!b[i].v.expires_ns || b[i].v.expires_ns > now))
			p->rule_blocks++;
	pending_tick(p, ts);
	for (i = 0; i < p->n; i++)
		p->e[i].seen = false;
	for (i = 0; i < nb + nl; i++) {
		bool is_block = i < nb;
		const struct xs_prefix *pf = is_block ? &b[i].prefix : &l[i - nb].prefix;
		struct entry *e = find(p, pf, is_block), fresh = { .p = *pf, .is_block = is_block };
		__u64 expires = is_block ? b[i].v.expires_ns : l[i - nb].v.expires_ns;
		double ttl = expires > now ? (expires - now) / 1e9 : 0;

		if (expires && expires <= now) {
			/* The kernel stopped applying it at its TTL: remove it;
			 * below, an entry not seen is reported gone. */
			if (!(is_block ? xs_mitig_unblock(p->m, pf) : xs_mitig_unlimit(p->m, pf)))
				on_expired(p, pf, is_block);
			continue;
		}
		if (e && is_block && e->created_ns != b[i].v.created_ns)
			e = NULL;	/* removed and added again between two ticks */
		if (!e) {
			if (is_block)
				fresh.created_ns = b[i].v.created_ns;
			else {
				fresh.match = l[i - nb].v.match;
				fresh.pps = l[i - nb].rate_pps;
			}
			added(p, &fresh, ts, ttl);
			if (track(p, &fresh))
				continue;
			e = &p->e[p->n - 1];
		}
		e->seen = true;
		e->hits = is_block ? b[i].v.hits : l[i - nb].dropped;
		e->bytes = is_block ? b[i].v.bytes : 0;
	}
	/* What is gone: expired, or removed by a command. */
	for (i = 0; i < p->n;) {
		struct entry *e = &p->e[i];

		if (e->seen) {
			i++;
			continue;
		}
		report(p, e, e->is_block ? "unblock" : "unlimit",
		       e->expired ? "ttl expired" : "xdpstream unblock/unlimit command", true, ts, 0);
		p->e[i] = p->e[--p->n];
	}
out:
	free(b);
	free(l);
}

void xs_mpolicy_get_stats(const struct xs_mpolicy *p, struct xs_mpolicy_stats *st)
{
	*st = p->st;
}

/* ---- the fleet application's requests ---- */

static bool prefixes_overlap(const struct xs_prefix *a, const struct xs_prefix *b)
{
	return xs_prefix_contains(a, &b->addr) || xs_prefix_contains(b, &a->addr);
}

static int fleet_refuse(struct xs_mpolicy *p, const struct xs_fleet_req *r, const char *why)
{
	char pfx[XS_PREFIX_STRLEN];

	p->st.fleet_refused++;
	xs_warn("fleet mitigation %s %s (alert %s) refused: %s",
		r->action == XS_FA_BLOCK ? "block" : "rate_limit", xs_prefix_str(&r->p, pfx),
		r->alert_id, why);
	return -EPERM;
}

int xs_mpolicy_fleet(struct xs_mpolicy *p, const struct xs_fleet_req *r, double ts)
{
	bool is_block = r->action == XS_FA_BLOCK || r->action == XS_FA_UNBLOCK;
	bool add = r->action == XS_FA_BLOCK || r->action == XS_FA_LIMIT;
	struct entry fresh = { .p = r->p, .is_block = is_block }, *e;
	int i, err;

	snprintf(fresh.by, sizeof(fresh.by), "fleet");
	snprintf(fresh.rule, sizeof(fresh.rule), "%s", r->rule);
	snprintf(fresh.alert_id, sizeof(fresh.alert_id), "%s", r->alert_id);
	fresh.match = r->match;
	fresh.pps = r->pps;
	if (!add) {
		/* Only what this alert's request added, and is still there. */
		e = find(p, &r->p, is_block);
		if (!p->m || !p->s->mitigation->enforce || !e || strcmp(e->by, "fleet") ||
		    strcmp(e->alert_id, r->alert_id))
			return 0;
		err = is_block ? xs_mitig_unblock(p->m, &r->p) : xs_mitig_unlimit(p->m, &r->p);
		if (err && err != -ENOENT)
			return err;
		report(p, e, is_block ? "unblock" : "unlimit", "fleet: the alert ended", true, ts, 0);
		*e = p->e[--p->n];
		p->st.fleet_applied++;
		return 0;
	}
	if (r->p.len < (xs_prefix_is_v4(&r->p) ? 96 + 24 : 64u))
		return fleet_refuse(p, r, "broader than a /24 or /64");
	if (!is_block && !r->pps)
		return fleet_refuse(p, r, "a limit of 0 packets/s would drop it all");
	for (i = 0; is_block && i < p->s->mitigation->nallow; i++)
		if (prefixes_overlap(&p->s->mitigation->allow[i], &r->p))
			return fleet_refuse(p, r, "it covers an allowlisted address");
	if (!p->s->mitigation->enforce || !p->m) {
		make_id(&fresh, ts);
		report(p, &fresh, is_block ? "block" : "rate_limit",
		       "fleet alert, enforce mode off", false, ts, (double)r->ttl_s);
		p->st.not_enforced++;
		p->st.fleet_applied++;
		return 0;
	}
	e = find(p, &r->p, is_block);
	if (e && (strcmp(e->by, "fleet") || strcmp(e->alert_id, r->alert_id)))
		return fleet_refuse(p, r, "an entry of someone else is there");
	err = is_block ? xs_mitig_block(p->m, &r->p, r->ttl_s, XS_BLOCK_BY_FLEET) :
			 xs_mitig_limit(p->m, &r->p, r->pps, r->pps, (enum xs_limit_match)r->match,
					r->ttl_s);
	if (err) {
		p->st.fleet_refused++;
		xs_warn("cannot apply a fleet %s: %s", is_block ? "block" : "rate limit",
			strerror(-err));
		return err;
	}
	p->st.fleet_applied++;
	if (e)
		return 0;	/* the same request again: a new TTL */
	if (is_block) {
		struct xs_lpm_key k;
		struct xs_block v;

		/* Told apart from a later re-creation by this. */
		xs_prefix_to_lpm(&r->p, &k);
		if (!bpf_map_lookup_elem(p->m->block_fd, &k, &v))
			fresh.created_ns = v.created_ns;
	}
	/* Reported now, as a command's change is: it may be gone by the tick. */
	make_id(&fresh, ts);
	report(p, &fresh, is_block ? "block" : "rate_limit", "fleet alert", true, ts,
	       (double)r->ttl_s);
	return track(p, &fresh);
}
