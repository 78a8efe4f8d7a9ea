// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "log.h"
#include "plan.h"

void xs_plan_init(struct xs_plan *p, const char *scenario, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->scenario, sizeof(p->scenario), "%s", scenario);
	snprintf(p->unit_name, sizeof(p->unit_name), "packets");
	p->cfg.seed = seed;
}

void xs_plan_free(struct xs_plan *p)
{
	free(p->tmpl);
	free(p->kind_name);
	p->tmpl = NULL;
	p->kind_name = NULL;
	p->nkinds = p->cap = 0;
}

int xs_plan_add_kind(struct xs_plan *p, const char *name, const uint8_t *frame, int len)
{
	if (len < 14 || len > XS_GEN_FRAME_MAX || p->nkinds >= XS_GEN_KINDS_MAX)
		return -1;
	if (p->nkinds == p->cap) {
		int cap = p->cap ? p->cap * 2 : 8;
		void *t = realloc(p->tmpl, cap * sizeof(*p->tmpl));

		if (!t)
			return -1;
		p->tmpl = t;
		t = realloc(p->kind_name, cap * sizeof(*p->kind_name));
		if (!t)
			return -1;
		p->kind_name = t;
		p->cap = cap;
	}
	memset(&p->tmpl[p->nkinds], 0, sizeof(p->tmpl[0]));
	p->tmpl[p->nkinds].len = len;
	memcpy(p->tmpl[p->nkinds].frame, frame, len);
	snprintf(p->kind_name[p->nkinds], XS_PLAN_NAME, "%s", name);
	return p->nkinds++;
}

int xs_plan_push(struct xs_plan *p, int kind)
{
	/* cfg.unit counts the positions pushed so far. */
	if (kind < 0 || kind >= p->nkinds || p->cfg.unit >= XS_GEN_UNIT_MAX)
		return -1;
	p->cfg.kind[p->cfg.unit++] = (__u16)kind;
	return 0;
}

int xs_plan_add_field(struct xs_plan *p, const struct xs_gen_field *f)
{
	if (f->span == 1)
		return 0;
	if (p->cfg.nfields >= XS_GEN_FIELDS_MAX)
		return -1;
	p->cfg.f[p->cfg.nfields++] = *f;
	return 0;
}

int xs_plan_check(const struct xs_plan *p)
{
	__u32 i, j;

	if (!p->cfg.unit || (p->cfg.unit > XS_GEN_UNIT_MAX && !(p->cfg.flags & XS_GEN_F_IDENTITY)) ||
	    ((p->cfg.flags & XS_GEN_F_IDENTITY) && p->cfg.unit != (__u32)p->nkinds)) {
		xs_err("plan %s: bad unit %u", p->scenario, p->cfg.unit);
		return -1;
	}
	for (i = 0; i < p->cfg.unit && !(p->cfg.flags & XS_GEN_F_IDENTITY); i++)
		if (p->cfg.kind[i] >= p->nkinds) {
			xs_err("plan %s: position %u has no template", p->scenario, i);
			return -1;
		}
	for (i = 0; i < p->cfg.nfields; i++) {
		const struct xs_gen_field *f = &p->cfg.f[i];

		if (f->size != 2 && f->size != 4)
			goto bad;
		if (f->mode == XS_GV_PERM && !f->mult)
			goto bad;
		for (j = 0; j < 32 && (int)j < p->nkinds; j++) {
			__u32 len = p->tmpl[j].len;

			if (!((f->kinds >> j) & 1))
				continue;
			if (f->off + f->size > len || (f->csum[0] && f->csum[0] + 2u > len) ||
			    (f->csum[1] && f->csum[1] + 2u > len))
				goto bad;
		}
		if (p->nkinds < 32 && (f->kinds >> p->nkinds))
			goto bad;
		continue;
bad:
		xs_err("plan %s: field %u (offset %u) does not fit its templates", p->scenario, i,
		       f->off);
		return -1;
	}
	return 0;
}

/* The same steps as apply_field() in bpf/xdp_gen.bpf.c. */
static void apply_field(uint8_t *data, const struct xs_gen_field *f, uint64_t seed, uint64_t idx)
{
	int size = f->size == 4 ? 4 : 2, j;
	uint32_t oldv = xs_gen_load_be(data + f->off, size), add = xs_gen_value(f, seed, idx), newv;

	newv = size == 4 ? oldv + add : (oldv + add) & 0xffff;
	xs_gen_store_be(data + f->off, newv, size);
	if (newv == oldv)
		return;
	for (j = 0; j < 2; j++) {
		uint16_t hc;

		if (!f->csum[j])
			continue;
		hc = xs_gen_load_be(data + f->csum[j], 2);
		if (!hc && (f->csum_flags & (1u << j)))
			continue;
		if (size == 4) {
			hc = xs_gen_csum_update(hc, oldv >> 16, newv >> 16);
			hc = xs_gen_csum_update(hc, oldv & 0xffff, newv & 0xffff);
		} else {
			hc = xs_gen_csum_update(hc, oldv, newv);
		}
		if (!hc && (f->csum_flags & (1u << j)))
			hc = 0xffff;
		xs_gen_store_be(data + f->csum[j], hc, 2);
	}
}

int xs_plan_frame(const struct xs_plan *p, uint64_t n, uint8_t *buf)
{
	uint64_t idx = n / p->cfg.unit;
	unsigned int kind, i;
	const struct xs_gen_tmpl *t;

	if (p->cfg.flags & XS_GEN_F_IDENTITY)
		kind = (unsigned int)(n % p->cfg.unit);
	else
		kind = p->cfg.kind[n % p->cfg.unit];
	t = &p->tmpl[kind];
	memcpy(buf, t->frame, t->len);
	for (i = 0; i < p->cfg.nfields; i++) {
		const struct xs_gen_field *f = &p->cfg.f[i];

		if (kind < 32 && ((f->kinds >> kind) & 1))
			apply_field(buf, f, p->cfg.seed, idx);
	}
	return (int)t->len;
}

uint64_t xs_plan_time_ns(const struct xs_plan *p, uint64_t n)
{
	if (!p->rate)
		return 0;
	/* n * 1e9 / rate without overflow for any realistic n. */
	return n / p->rate * 1000000000ULL + n % p->rate * 1000000000ULL / p->rate;
}

uint64_t xs_plan_duration_ns(const struct xs_plan *p)
{
	return xs_plan_time_ns(p, p->count);
}

void xs_plan_kind_counts(const struct xs_plan *p, uint64_t count, uint64_t *per_kind)
{
	uint64_t full = count / p->cfg.unit, rest = count % p->cfg.unit;
	uint32_t i;

	memset(per_kind, 0, p->nkinds * sizeof(*per_kind));
	for (i = 0; i < p->cfg.unit; i++)
		per_kind[p->cfg.kind[i]] += full + (i < rest);
}

uint64_t xs_plan_bytes(const struct xs_plan *p, uint64_t count)
{
	uint64_t *k = calloc(p->nkinds, sizeof(*k)), sum = 0;
	int i;

	if (!k)
		return 0;
	xs_plan_kind_counts(p, count, k);
	for (i = 0; i < p->nkinds; i++)
		sum += k[i] * p->tmpl[i].len;
	free(k);
	return sum;
}

int xs_plan_max_len(const struct xs_plan *p)
{
	int i, m = 0;

	for (i = 0; i < p->nkinds; i++)
		if ((int)p->tmpl[i].len > m)
			m = p->tmpl[i].len;
	return m;
}

const char *xs_label_str(const struct xs_label *l, char *buf, size_t n)
{
	if (!l->rule[0])
		snprintf(buf, n, "none");
	else
		snprintf(buf, n, "%s:%s>%s", l->rule, l->attacker[0] ? l->attacker : "*",
			 l->victim[0] ? l->victim : "*");
	return buf;
}

/* Kinds of one name summed, in the order of first appearance. */
static int kinds_by_name(const struct xs_plan *p, uint64_t frames, int *first, uint64_t *sum)
{
	uint64_t *k = calloc(p->nkinds, sizeof(*k));
	int i, j, n = 0;

	if (!k)
		return 0;
	xs_plan_kind_counts(p, frames, k);
	for (i = 0; i < p->nkinds; i++) {
		for (j = 0; j < n; j++)
			if (!strcmp(p->kind_name[first[j]], p->kind_name[i]))
				break;
		if (j == n) {
			first[n] = i;
			sum[n++] = 0;
		}
		sum[j] += k[i];
	}
	free(k);
	return n;
}

json_t *xs_plan_json(const struct xs_plan *p, uint64_t frames)
{
	int *first = calloc(p->nkinds + 1, sizeof(*first)), n, i;
	uint64_t *sum = calloc(p->nkinds + 1, sizeof(*sum));
	json_t *o = json_object(), *kinds = json_object();
	char truth[200];

	n = first && sum ? kinds_by_name(p, frames, first, sum) : 0;
	for (i = 0; i < n; i++)
		json_object_set_new(kinds, p->kind_name[first[i]], json_integer((json_int_t)sum[i]));
	json_object_set_new(o, "scenario", json_string(p->scenario));
	json_object_set_new(o, "unit", json_string(p->unit_name));
	json_object_set_new(o, "units",
			    json_integer((json_int_t)((frames + p->cfg.unit - 1) / p->cfg.unit)));
	json_object_set_new(o, "frames", json_integer((json_int_t)frames));
	json_object_set_new(o, "bytes", json_integer((json_int_t)xs_plan_bytes(p, frames)));
	json_object_set_new(o, "rate", json_integer((json_int_t)p->rate));
	json_object_set_new(o, "seed", json_integer((json_int_t)p->cfg.seed));
	json_object_set_new(o, "kinds", kinds);
	json_object_set_new(o, "rule", json_string(p->label.rule));
	json_object_set_new(o, "attacker", json_string(p->label.attacker));
	json_object_set_new(o, "victim", json_string(p->label.victim));
	json_object_set_new(o, "forbid", json_string(p->label.forbid));
	json_object_set_new(o, "truth", json_string(xs_label_str(&p->label, truth, sizeof(truth))));
	free(first);
	free(sum);
	return o;
}

void xs_plan_kinds_str(const struct xs_plan *p, uint64_t frames, char *buf, size_t len)
{
	int *first = calloc(p->nkinds + 1, sizeof(*first)), n, i;
	uint64_t *sum = calloc(p->nkinds + 1, sizeof(*sum));
	size_t off = 0;

	buf[0] = '\0';
	n = first && sum ? kinds_by_name(p, frames, first, sum) : 0;
	for (i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s %llu", i ? ", " : "",
				p->kind_name[first[i]], (unsigned long long)sum[i]);
	free(first);
	free(sum);
}
