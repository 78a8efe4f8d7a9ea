// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "enforce.h"
#include "exitcode.h"
#include "loader.h"
#include "log.h"
#include "names.h"
#include "pipeline.h"
#include "replay.h"
#include "rules.h"
#include "victims.h"

#define SAMPLES_MAX (1u << 21)	/* per victim: past this a capture is sampled no more */
#define CONSUME_EVERY 256	/* frames between ring buffer reads (it holds ~36k) */

/* A victim of one or more alerts, and what the passes learn of it. */
struct vict {
	struct xs_addr a;
	struct xs_fp_pkt *s;
	size_t n, cap;
	uint64_t over;		/* samples past SAMPLES_MAX */
	int slot;
	int nrules;
	struct xs_fp_rule rule[XS_FP_RULES];
};

struct run {
	struct xs_enforce *e;
	struct vict v[XS_ENFORCE_MAX];
	int nv;
};

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

void xs_enforce_add(struct xs_enforce *e, const char *id, const char *rule, const char *dst_ip)
{
	int r = rule ? xs_rule_by_name(rule) : -1;
	struct xs_enforce_item *it;

	if (r < 0 || !xs_rule_limitable(r) || !dst_ip)
		return;
	if (e->n == XS_ENFORCE_MAX) {
		e->skipped++;
		return;
	}
	it = &e->it[e->n];
	memset(it, 0, sizeof(*it));
	if (xs_addr_parse(dst_ip, &it->victim))
		return;
	snprintf(it->id, sizeof(it->id), "%s", id);
	it->rule = r;
	e->n++;
}

static struct vict *vict_of(struct run *r, const struct xs_addr *a)
{
	int i;

	for (i = 0; i < r->nv; i++)
		if (!memcmp(&r->v[i].a, a, sizeof(*a)))
			return &r->v[i];
	return NULL;
}

static void on_sample(void *ctx, const struct xs_fp_sample *s, size_t size)
{
	struct vict *v = vict_of(ctx, &s->victim);

	if (!v)
		return;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4096;
		void *p;

		if (cap > SAMPLES_MAX || !(p = realloc(v->s, cap * sizeof(*v->s)))) {
			v->over++;
			return;
		}
		v->s = p;
		v->cap = cap;
	}
	xs_fp_pkt_from_sample(&v->s[v->n++], s);
}

/* One pass of the capture through a fresh program whose victims table is
 * set by the caller's setup: sampling, or rules. */
static int pass(struct run *r, const struct xs_settings *s, bool sampling)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const u_char *data;
	struct xs_collector col = {};
	struct xs_victims vic = {};
	struct xs_bpf b = {};
	uint64_t frames = 0;
	bool have_col = false, have_vic = false;
	int ret = -XS_EXIT_FAIL, i, k, fd;
	pcap_t *p;

	p = pcap_open_offline_with_tstamp_precision(r->e->path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		xs_err("cannot read capture %s: %s", r->e->path, errbuf);
		return -XS_EXIT_USAGE;
	}
	if (xs_bpf_load(&b, &s->sizes)) {
		ret = -XS_EXIT_LOAD;
		goto out;
	}
	if (xs_collector_init(&col, &b, false, NULL, NULL))
		goto out;
	have_col = true;
	/* The classes need the reflector ports; flows are of no use here. */
	if (xs_pipeline_knobs(&col, s, 1) || xs_collector_set_flags(&col, XS_RT_FLOWS_OFF) ||
	    xs_victims_init(&vic, &b, &col, sampling ? on_sample : NULL, r))
		goto out;
	have_vic = true;
	for (i = 0; i < r->nv; i++) {
		struct vict *v = &r->v[i];
		struct xs_victim e = {};

		v->slot = xs_victims_watch(&vic, &v->a, sampling ? 1 : 0, UINT32_MAX);
		if (v->slot < 0)
			goto out;
		if (sampling)
			continue;
		e.slot = (__u32)v->slot;
		e.nrules = (__u32)v->nrules;
		for (k = 0; k < v->nrules; k++)
			e.rule[k] = v->rule[k];
		if (xs_victims_put(&vic, &v->a, &e))
			goto out;
	}
	fd = xs_bpf_prog_fd(&b);
	while (pcap_next_ex(p, &h, &data) == 1) {
		struct bpf_test_run_opts o = { .sz = sizeof(o), .data_in = data, .repeat = 1 };

		if (!h->caplen)
			continue;
		o.data_size_in = h->caplen > XS_REPLAY_MAX_FRAME ? XS_REPLAY_MAX_FRAME : h->caplen;
		bpf_prog_test_run_opts(fd, &o);
		if (!(++frames % CONSUME_EVERY))
			xs_collector_poll_events(&col);
	}
	xs_collector_poll_events(&col);
	if (!sampling) {
		for (i = 0; i < r->e->n; i++) {
			struct xs_enforce_item *it = &r->e->it[i];
			struct vict *v = vict_of(r, &it->victim);
			int cls = rule_class(it->rule), c;
			struct xs_vstats vs;

			if (!v || xs_victims_stats(&vic, v->slot, &vs))
				continue;
			it->attack = vs.pkts[cls];
			it->other = vs.pkts[XS_LIM_ALL] - vs.pkts[cls];
			for (c = 0; c < it->fp.n; c++) {
				struct xs_fp_rule want = it->fp.clause[c];

				want.cls = (__u8)cls;
				for (k = 0; k < v->nrules; k++)
					if (!memcmp(&v->rule[k], &want, sizeof(want)))
						break;
				if (k == v->nrules)
					continue;
				it->hit_attack[c] = vs.hits[k][0];
				it->hit_other[c] = vs.hits[k][1];
				it->dropped += vs.hits[k][0];
				it->collateral += vs.hits[k][1];
			}
		}
	}
	ret = 0;
out:
	if (have_vic) {
		for (i = 0; i < r->nv; i++)
			xs_victims_unwatch(&vic, &r->v[i].a);
		xs_victims_free(&vic);
	}
	if (have_col)
		xs_collector_free(&col);
	if (b.skel)
		xs_bpf_close(&b);
	pcap_close(p);
	return ret;
}

int xs_enforce_run(struct xs_enforce *e, const struct xs_settings *s)
{
	struct run *r = calloc(1, sizeof(*r));
	int i, c, k, ret;

	if (!r)
		return -XS_EXIT_FAIL;
	r->e = e;
	for (i = 0; i < e->n; i++)
		if (!vict_of(r, &e->it[i].victim))
			r->v[r->nv++].a = e->it[i].victim;
	ret = r->nv ? pass(r, s, true) : 0;
	for (i = 0; !ret && i < e->n; i++) {
		struct xs_enforce_item *it = &e->it[i];
		struct vict *v = vict_of(r, &it->victim);

		xs_fp_find(v->s, v->n, rule_class(it->rule), s->mitigation->fp.coverage, &it->fp);
		if (v->over)
			xs_warn("replay --enforce: %s: %llu packets past the %u samples kept", it->id,
				(unsigned long long)v->over, SAMPLES_MAX);
		for (c = 0; c < it->fp.n; c++) {
			struct xs_fp_rule want = it->fp.clause[c];

			want.cls = (__u8)rule_class(it->rule);
			for (k = 0; k < v->nrules && memcmp(&v->rule[k], &want, sizeof(want)); k++)
				;
			if (k < v->nrules)
				continue;
			if (v->nrules == XS_FP_RULES) {
				e->skipped++;
				continue;
			}
			v->rule[v->nrules++] = want;
		}
	}
	if (!ret && r->nv)
		ret = pass(r, s, false);
	for (i = 0; i < r->nv; i++)
		free(r->v[i].s);
	free(r);
	return ret;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0;
}

void xs_enforce_print(const struct xs_enforce *e, FILE *f)
{
	char text[XS_FP_STRLEN], addr[XS_ADDR_STRLEN];
	int i, c;

	if (!e->n)
		fprintf(f, "replay: enforce: no flood or reflection alert: nothing to fingerprint\n");
	for (i = 0; i < e->n; i++) {
		const struct xs_enforce_item *it = &e->it[i];

		xs_addr_str(&it->victim, addr);
		if (!it->fp.n) {
			fprintf(f, "replay: enforce: %s alert %s on %s: no packet of its kind\n",
				xs_rule_names[it->rule], it->id, addr);
			continue;
		}
		fprintf(f, "replay: enforce: %s alert %s on %s: fingerprint %s\n",
			xs_rule_names[it->rule], it->id, addr, xs_fp_str(&it->fp, text, sizeof(text)));
		fprintf(f, "replay: enforce:   would drop %llu of the attack's %llu packets (%.2f%%) "
			   "and hit %llu of the %llu other packets to %s (%.2f%%)\n",
			(unsigned long long)it->dropped, (unsigned long long)it->attack,
			pct(it->dropped, it->attack), (unsigned long long)it->collateral,
			(unsigned long long)it->other, addr, pct(it->collateral, it->other));
		for (c = 0; it->fp.n > 1 && c < it->fp.n; c++)
			fprintf(f, "replay: enforce:   %s: %llu of the attack's, %llu others\n",
				xs_fp_rule_str(&it->fp.clause[c], text, sizeof(text)),
				(unsigned long long)it->hit_attack[c],
				(unsigned long long)it->hit_other[c]);
	}
	if (e->skipped)
		fprintf(f, "replay: enforce: %llu alerts or clauses left out (tables full)\n",
			(unsigned long long)e->skipped);
}

json_t *xs_enforce_json(const struct xs_enforce *e)
{
	json_t *o = json_object(), *a = json_array();
	char addr[XS_ADDR_STRLEN], text[XS_FP_STRLEN];
	int i, c;

	json_object_set_new(o, "capture", json_string(e->path));
	for (i = 0; i < e->n; i++) {
		const struct xs_enforce_item *it = &e->it[i];
		json_t *x = json_object(), *cl = json_array();

		json_object_set_new(x, "alert_id", json_string(it->id));
		json_object_set_new(x, "rule", json_string(xs_rule_names[it->rule]));
		json_object_set_new(x, "victim", json_string(xs_addr_str(&it->victim, addr)));
		if (it->fp.n)
			json_object_set_new(x, "fingerprint", xs_fp_json(&it->fp));
		json_object_set_new(x, "attack_packets", json_integer((json_int_t)it->attack));
		json_object_set_new(x, "other_packets", json_integer((json_int_t)it->other));
		json_object_set_new(x, "attack_dropped", json_integer((json_int_t)it->dropped));
		json_object_set_new(x, "other_hit", json_integer((json_int_t)it->collateral));
		for (c = 0; c < it->fp.n; c++)
			json_array_append_new(
				cl, json_pack("{sssIsI}", "match",
					      xs_fp_rule_str(&it->fp.clause[c], text, sizeof(text)),
					      "attack_dropped", (json_int_t)it->hit_attack[c],
					      "other_hit", (json_int_t)it->hit_other[c]));
		json_object_set_new(x, "clauses", cl);
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "fingerprints", a);
	json_object_set_new(o, "left_out", json_integer((json_int_t)e->skipped));
	return o;
}
