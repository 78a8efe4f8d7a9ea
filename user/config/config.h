/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The configuration file's core: libyaml loads the document, and each
 * module reads its own section through typed getters that check ranges,
 * remember which keys were read, and record errors as
 *   FILE:LINE: KEY.PATH: what is wrong
 * Unread keys are reported by xs_cfg_check_unknown() as unknown keys.
 */
#ifndef XS_CONFIG_H
#define XS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xs_cfg;

/* A position in the document: idx 0 means "absent". */
typedef struct {
	struct xs_cfg *cfg;
	int idx;
	char path[160];		/* dotted key path, for messages */
} xs_node;

/* Loads a YAML file (or a string, for tests). On a syntax error returns
 * NULL and writes one "FILE:LINE: ..." line into err. */
struct xs_cfg *xs_cfg_load_file(const char *path, char *err, size_t errlen);
struct xs_cfg *xs_cfg_load_string(const char *name, const char *yaml, char *err, size_t errlen);
void xs_cfg_free(struct xs_cfg *cfg);

xs_node xs_cfg_root(struct xs_cfg *cfg);
bool xs_node_present(xs_node n);
bool xs_node_is_map(xs_node n);
bool xs_node_is_seq(xs_node n);
bool xs_node_is_scalar(xs_node n);
int xs_node_line(xs_node n);
const char *xs_node_scalar(xs_node n);	/* NULL if not a scalar */

/* Map access; marks the key as read. Absent key: n.idx == 0. A present
 * key whose node is not a map/sequence where one is needed is an error. */
xs_node xs_cfg_get(xs_node map, const char *key);
xs_node xs_cfg_get_map(xs_node map, const char *key);
xs_node xs_cfg_get_seq(xs_node map, const char *key);

/* Iteration over a map's keys (for sections keyed by name, like rules)
 * and over a sequence. */
int xs_cfg_map_len(xs_node map);
const char *xs_cfg_map_key(xs_node map, int i);
/* The i-th value of a mapping, without marking its key as read. */
xs_node xs_cfg_map_peek(xs_node map, int i);
xs_node xs_cfg_map_val(xs_node map, int i);	/* marks key i as read */
int xs_cfg_seq_len(xs_node seq);
xs_node xs_cfg_seq_at(xs_node seq, int i);

/* Typed getters. An absent key leaves *out untouched (the default) and
 * returns 0; a bad value records an error and returns -1. */
int xs_cfg_u64(xs_node map, const char *key, uint64_t min, uint64_t max, uint64_t *out);
int xs_cfg_u32(xs_node map, const char *key, uint32_t min, uint32_t max, uint32_t *out);
int xs_cfg_double(xs_node map, const char *key, double min, double max, double *out);
int xs_cfg_bool(xs_node map, const char *key, bool *out);
int xs_cfg_str(xs_node map, const char *key, char *out, size_t outlen);
/* One of names[] (NULL-terminated); *out is its index. */
int xs_cfg_enum(xs_node map, const char *key, const char *const *names, int *out);
/* The same, for a scalar node itself (sequence items). */
int xs_cfg_node_u64(xs_node n, uint64_t min, uint64_t max, uint64_t *out);
int xs_cfg_node_str(xs_node n, char *out, size_t outlen);

/* Records an error about node n (its line and path) or, if n is absent,
 * about its parent map and key. */
void xs_cfg_error(xs_node n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records "unknown key" for every key of map that no getter read.
 * Returns the number of unknown keys. */
int xs_cfg_check_unknown(xs_node map);

/* A fingerprint of a subtree (keys, values, order), to tell whether a
 * section changed between two loads. 0 for an absent node. */
uint64_t xs_cfg_hash(xs_node n);

int xs_cfg_nerrors(const struct xs_cfg *cfg);
const char *xs_cfg_error_at(const struct xs_cfg *cfg, int i);
const char *xs_cfg_filename(const struct xs_cfg *cfg);

#endif
