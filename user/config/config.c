// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "config.h"
#include "parse.h"

#define MAX_ERRORS 64

struct xs_cfg {
	yaml_document_t doc;
	char name[256];
	unsigned char *read;	/* per node index: key node was read */
	int nnodes;
	char *errors[MAX_ERRORS];
	int nerrors;
};

/* libyaml resolves an alias (*name) to the anchored node itself: a node
 * reached twice is an alias, and one inside itself makes a cycle that no
 * walk ends (issue 13: `outputs: &a [*a, *a]` hung the daemon). The
 * configuration has no use for them: refused, with the anchor's line. */
static int aliased(struct xs_cfg *cfg, char *err, size_t errlen)
{
	unsigned char *seen = calloc(cfg->nnodes + 1, 1);
	yaml_node_t *n;
	int i, bad = 0;

	if (!seen) {
		snprintf(err, errlen, "%s: out of memory", cfg->name);
		return -1;
	}
#define REF(idx)                                                                               \
	do {                                                                                   \
		int r_ = (idx);                                                                \
		if (r_ > 0 && r_ <= cfg->nnodes && seen[r_]++ && !bad)                         \
			bad = r_;                                                              \
	} while (0)
	for (i = 1; i <= cfg->nnodes && !bad; i++) {
		yaml_node_item_t *it;
		yaml_node_pair_t *pr;

		n = yaml_document_get_node(&cfg->doc, i);
		if (n->type == YAML_SEQUENCE_NODE)
			for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
				REF(*it);
		else if (n->type == YAML_MAPPING_NODE)
			for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
				REF(pr->key);
				REF(pr->value);
			}
	}
#undef REF
	free(seen);
	if (!bad)
		return 0;
	n = yaml_document_get_node(&cfg->doc, bad);
	snprintf(err, errlen,
		 "%s:%zu: YAML aliases (*name) are not supported: write the value out in full",
		 cfg->name, n->start_mark.line + 1);
	return -1;
}

static struct xs_cfg *load(yaml_parser_t *p, const char *name, char *err, size_t errlen)
{
	struct xs_cfg *cfg = calloc(1, sizeof(*cfg));

	if (!cfg) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(cfg->name, sizeof(cfg->name), "%s", name);
	if (!yaml_parser_load(p, &cfg->doc)) {
		snprintf(err, errlen, "%s:%zu: YAML syntax error: %s%s%s", name,
			 p->problem_mark.line + 1, p->problem ? p->problem : "unknown",
			 p->context ? " " : "", p->context ? p->context : "");
		free(cfg);
		return NULL;
	}
	cfg->nnodes = (int)(cfg->doc.nodes.top - cfg->doc.nodes.start);
	cfg->read = calloc(cfg->nnodes + 1, 1);
	if (!cfg->read) {
		xs_cfg_free(cfg);
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	if (aliased(cfg, err, errlen)) {
		xs_cfg_free(cfg);
		return NULL;
	}
	return cfg;
}

struct xs_cfg *xs_cfg_load_file(const char *path, char *err, size_t errlen)
{
	yaml_parser_t p;
	struct xs_cfg *cfg;
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(err, errlen, "%s: cannot read the configuration: %s", path,
			 strerror(errno));
		return NULL;
	}
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	cfg = load(&p, path, err, errlen);
	yaml_parser_delete(&p);
	fclose(f);
	return cfg;
}

struct xs_cfg *xs_cfg_load_string(const char *name, const char *yaml, char *err, size_t errlen)
{
	yaml_parser_t p;
	struct xs_cfg *cfg;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)yaml, strlen(yaml));
	cfg = load(&p, name, err, errlen);
	yaml_parser_delete(&p);
	return cfg;
}

void xs_cfg_free(struct xs_cfg *cfg)
{
	int i;

	if (!cfg)
		return;
	yaml_document_delete(&cfg->doc);
	for (i = 0; i < cfg->nerrors; i++)
		free(cfg->errors[i]);
	free(cfg->read);
	free(cfg);
}

static yaml_node_t *node(xs_node n)
{
	return n.idx ? yaml_document_get_node(&n.cfg->doc, n.idx) : NULL;
}

xs_node xs_cfg_root(struct xs_cfg *cfg)
{
	xs_node n = { .cfg = cfg };
	yaml_node_t *r = yaml_document_get_root_node(&cfg->doc);

	/* An empty file is an empty configuration. */
	n.idx = r ? 1 : 0;
	return n;
}

bool xs_node_present(xs_node n)
{
	return n.idx != 0;
}

bool xs_node_is_map(xs_node n)
{
	yaml_node_t *y = node(n);

	return y && y->type == YAML_MAPPING_NODE;
}

bool xs_node_is_seq(xs_node n)
{
	yaml_node_t *y = node(n);

	return y && y->type == YAML_SEQUENCE_NODE;
}

bool xs_node_is_scalar(xs_node n)
{
	yaml_node_t *y = node(n);

	return y && y->type == YAML_SCALAR_NODE;
}

int xs_node_line(xs_node n)
{
	yaml_node_t *y = node(n);

	return y ? (int)y->start_mark.line + 1 : 0;
}

const char *xs_node_scalar(xs_node n)
{
	yaml_node_t *y = node(n);

	return y && y->type == YAML_SCALAR_NODE ? (const char *)y->data.scalar.value : NULL;
}

static void add_error(struct xs_cfg *cfg, int line, const char *path, const char *msg)
{
	char buf[600];

	if (cfg->nerrors >= MAX_ERRORS)
		return;
	if (line)
		snprintf(buf, sizeof(buf), "%s:%d: %s: %s", cfg->name, line, path[0] ? path : "(top)",
			 msg);
	else
		snprintf(buf, sizeof(buf), "%s: %s: %s", cfg->name, path[0] ? path : "(top)", msg);
	cfg->errors[cfg->nerrors++] = strdup(buf);
}

void xs_cfg_error(xs_node n, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	add_error(n.cfg, xs_node_line(n), n.path, msg);
}

static void child_path(char *out, size_t len, const char *parent, const char *key)
{
	snprintf(out, len, "%s%s%s", parent, parent[0] ? "." : "", key);
}

/* Finds key in map; returns the value node index, and the key node index
 * in *kidx. */
static int find_key(xs_node map, const char *key, int *kidx)
{
	yaml_node_t *m = node(map);
	yaml_node_pair_t *pair;

	if (!m || m->type != YAML_MAPPING_NODE)
		return 0;
	for (pair = m->data.mapping.pairs.start; pair < m->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&map.cfg->doc, pair->key);

		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key)) {
			*kidx = pair->key;
			return pair->value;
		}
	}
	return 0;
}

xs_node xs_cfg_get(xs_node map, const char *key)
{
	xs_node n = { .cfg = map.cfg };
	int kidx = 0;

	child_path(n.path, sizeof(n.path), map.path, key);
	if (!map.cfg)
		return n;
	n.idx = find_key(map, key, &kidx);
	if (kidx)
		map.cfg->read[kidx] = 1;
	return n;
}

xs_node xs_cfg_get_map(xs_node map, const char *key)
{
	xs_node n = xs_cfg_get(map, key);
	yaml_node_t *y = node(n);

	/* "key:" with nothing after it is an empty map. */
	if (y && y->type == YAML_SCALAR_NODE && y->data.scalar.length == 0) {
		n.idx = 0;
		return n;
	}
	if (y && y->type != YAML_MAPPING_NODE) {
		xs_cfg_error(n, "expected a mapping (key: value lines)");
		n.idx = 0;
	}
	return n;
}

xs_node xs_cfg_get_seq(xs_node map, const char *key)
{
	xs_node n = xs_cfg_get(map, key);
	yaml_node_t *y = node(n);

	if (y && y->type == YAML_SCALAR_NODE && y->data.scalar.length == 0) {
		n.idx = 0;
		return n;
	}
	if (y && y->type != YAML_SEQUENCE_NODE) {
		xs_cfg_error(n, "expected a list ([a, b] or '- a' lines)");
		n.idx = 0;
	}
	return n;
}

int xs_cfg_map_len(xs_node map)
{
	yaml_node_t *m = node(map);

	if (!m || m->type != YAML_MAPPING_NODE)
		return 0;
	return (int)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
}

const char *xs_cfg_map_key(xs_node map, int i)
{
	yaml_node_t *m = node(map), *k;

	if (!m || m->type != YAML_MAPPING_NODE || i < 0 || i >= xs_cfg_map_len(map))
		return NULL;
	k = yaml_document_get_node(&map.cfg->doc, m->data.mapping.pairs.start[i].key);
	return k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : NULL;
}

xs_node xs_cfg_map_peek(xs_node map, int i)
{
	yaml_node_t *m = node(map);
	xs_node n = { .cfg = map.cfg };

	if (!xs_cfg_map_key(map, i))
		return n;
	n.idx = m->data.mapping.pairs.start[i].value;
	return n;
}

xs_node xs_cfg_map_val(xs_node map, int i)
{
	yaml_node_t *m = node(map);
	xs_node n = { .cfg = map.cfg };
	const char *key = xs_cfg_map_key(map, i);

	if (!key)
		return n;
	map.cfg->read[m->data.mapping.pairs.start[i].key] = 1;
	n.idx = m->data.mapping.pairs.start[i].value;
	child_path(n.path, sizeof(n.path), map.path, key);
	return n;
}

int xs_cfg_seq_len(xs_node seq)
{
	yaml_node_t *s = node(seq);

	if (!s || s->type != YAML_SEQUENCE_NODE)
		return 0;
	return (int)(s->data.sequence.items.top - s->data.sequence.items.start);
}

xs_node xs_cfg_seq_at(xs_node seq, int i)
{
	yaml_node_t *s = node(seq);
	xs_node n = { .cfg = seq.cfg };

	if (!s || s->type != YAML_SEQUENCE_NODE || i < 0 || i >= xs_cfg_seq_len(seq))
		return n;
	n.idx = s->data.sequence.items.start[i];
	snprintf(n.path, sizeof(n.path), "%s[%d]", seq.path, i);
	return n;
}

static const char *scalar_or_error(xs_node n, const char *what)
{
	const char *s = xs_node_scalar(n);

	if (!s || !*s)
		xs_cfg_error(n, "expected %s", what);
	return s && *s ? s : NULL;
}

int xs_cfg_node_u64(xs_node n, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s = scalar_or_error(n, "an integer");
	uint64_t v;

	if (!s)
		return -1;
	/* Accept 1_000_000 as YAML 1.1 does? No: the flags' one spelling. */
	if (xs_strtou64(s, &v)) {
		xs_cfg_error(n, "expected a non-negative integer, got '%s'", s);
		return -1;
	}
	if (v < min || v > max) {
		xs_cfg_error(n, "%llu is out of range (%llu..%llu)", (unsigned long long)v,
			     (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int xs_cfg_u64(xs_node map, const char *key, uint64_t min, uint64_t max, uint64_t *out)
{
	xs_node n = xs_cfg_get(map, key);

	if (!n.idx)
		return 0;
	return xs_cfg_node_u64(n, min, max, out);
}

int xs_cfg_u32(xs_node map, const char *key, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int err = 0;

	if (!xs_cfg_get(map, key).idx)
		return 0;
	err = xs_cfg_u64(map, key, min, max, &v);
	if (!err)
		*out = (uint32_t)v;
	return err;
}

int xs_cfg_double(xs_node map, const char *key, double min, double max, double *out)
{
	xs_node n = xs_cfg_get(map, key);
	const char *s;
	char *end;
	double v;

	if (!n.idx)
		return 0;
	s = scalar_or_error(n, "a number");
	if (!s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || isnan(v)) {
		xs_cfg_error(n, "expected a number, got '%s'", s);
		return -1;
	}
	if (v < min || v > max) {
		xs_cfg_error(n, "%g is out of range (%g..%g)", v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int xs_cfg_bool(xs_node map, const char *key, bool *out)
{
	xs_node n = xs_cfg_get(map, key);
	const char *s;

	if (!n.idx)
		return 0;
	s = scalar_or_error(n, "true or false");
	if (!s)
		return -1;
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		*out = true;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off"))
		*out = false;
	else {
		xs_cfg_error(n, "expected true or false, got '%s'", s);
		return -1;
	}
	return 0;
}

int xs_cfg_node_str(xs_node n, char *out, size_t outlen)
{
	const char *s = xs_node_scalar(n);

	if (!s) {
		xs_cfg_error(n, "expected a string");
		return -1;
	}
	if (strlen(s) >= outlen) {
		xs_cfg_error(n, "too long (at most %zu characters)", outlen - 1);
		return -1;
	}
	strcpy(out, s);
	return 0;
}

int xs_cfg_str(xs_node map, const char *key, char *out, size_t outlen)
{
	xs_node n = xs_cfg_get(map, key);

	if (!n.idx)
		return 0;
	return xs_cfg_node_str(n, out, outlen);
}

int xs_cfg_enum(xs_node map, const char *key, const char *const *names, int *out)
{
	xs_node n = xs_cfg_get(map, key);
	const char *s;
	char list[256] = "";
	int i;

	if (!n.idx)
		return 0;
	s = scalar_or_error(n, "a value");
	if (!s)
		return -1;
	for (i = 0; names[i]; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 names[i]);
	}
	xs_cfg_error(n, "expected one of %s, got '%s'", list, s);
	return -1;
}

int xs_cfg_check_unknown(xs_node map)
{
	yaml_node_t *m = node(map);
	yaml_node_pair_t *pair;
	int n = 0;

	if (!m || m->type != YAML_MAPPING_NODE)
		return 0;
	for (pair = m->data.mapping.pairs.start; pair < m->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&map.cfg->doc, pair->key);
		char path[200];

		if (map.cfg->read[pair->key])
			continue;
		child_path(path, sizeof(path), map.path,
			   k && k->type == YAML_SCALAR_NODE ? (char *)k->data.scalar.value : "?");
		add_error(map.cfg, k ? (int)k->start_mark.line + 1 : 0, path, "unknown key");
		n++;
	}
	return n;
}

int xs_cfg_nerrors(const struct xs_cfg *cfg)
{
	return cfg->nerrors;
}

const char *xs_cfg_error_at(const struct xs_cfg *cfg, int i)
{
	return i >= 0 && i < cfg->nerrors ? cfg->errors[i] : NULL;
}

const char *xs_cfg_filename(const struct xs_cfg *cfg)
{
	return cfg->name;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	/* FNV-1a: enough to tell two configurations apart. */
	while (n--)
		h = (h ^ *c++) * 0x100000001b3ULL;
	return h;
}

static uint64_t hash_node(struct xs_cfg *cfg, int idx, uint64_t h, int depth)
{
	yaml_node_t *y = idx ? yaml_document_get_node(&cfg->doc, idx) : NULL;
	yaml_node_pair_t *pair;
	yaml_node_item_t *item;

	if (!y || depth > 64)
		return mix(h, "~", 1);
	h = mix(h, &y->type, sizeof(y->type));
	switch (y->type) {
	case YAML_SCALAR_NODE:
		return mix(h, y->data.scalar.value, y->data.scalar.length + 1);
	case YAML_SEQUENCE_NODE:
		for (item = y->data.sequence.items.start; item < y->data.sequence.items.top; item++)
			h = hash_node(cfg, *item, h, depth + 1);
		return mix(h, "]", 1);
	case YAML_MAPPING_NODE:
		for (pair = y->data.mapping.pairs.start; pair < y->data.mapping.pairs.top; pair++) {
			h = hash_node(cfg, pair->key, h, depth + 1);
			h = hash_node(cfg, pair->value, h, depth + 1);
		}
		return mix(h, "}", 1);
	default:
		return h;
	}
}

uint64_t xs_cfg_hash(xs_node n)
{
	return n.cfg ? hash_node(n.cfg, n.idx, 0xcbf29ce484222325ULL, 0) : 0;
}
