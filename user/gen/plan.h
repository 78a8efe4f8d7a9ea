/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A traffic plan: template frames ("kinds"), the fields that vary per unit,
 * a frame count and a rate (maps/xs_gen.h explains the model). A scenario
 * builds one; `synth` writes its frames to a capture with xs_plan_frame(),
 * `gen` hands it to the XDP generator, which computes the same frames.
 */
#ifndef XS_PLAN_H
#define XS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_abi.h"
#include "xs_gen.h"

#define XS_PLAN_NAME 32
#define XS_PLAN_KINDS 32	/* kinds a scenario may use (field masks are 32 bits) */

/* Ground truth, in the words of ../shared/pcaps/TRUTH.tsv: the alert the
 * traffic must raise (rule, attacker or "*", victim or "*") and the rules
 * that must stay silent. rule is empty for benign traffic. */
struct xs_label {
	char rule[24];
	char attacker[64];
	char victim[64];
	char forbid[128];	/* ';'-separated rule names, "*" = every rule */
};

struct xs_plan {
	char scenario[XS_PLAN_NAME];
	char unit_name[XS_PLAN_NAME];	/* what one unit is: "packet", "reply", ... */
	struct xs_gen_cfg cfg;
	struct xs_gen_tmpl *tmpl;	/* nkinds templates */
	char (*kind_name)[XS_PLAN_NAME];
	int nkinds, cap;
	uint64_t count;			/* frames */
	uint64_t rate;			/* frames per second; 0 = as fast as possible */
	struct xs_label label;
};

/* A zeroed plan with unit 1 and the seed. */
void xs_plan_init(struct xs_plan *p, const char *scenario, uint64_t seed);
void xs_plan_free(struct xs_plan *p);

/* Adds a template; returns its kind number or -1 (too many, too long). */
int xs_plan_add_kind(struct xs_plan *p, const char *name, const uint8_t *frame, int len);
/* Appends kind to the unit's sequence of positions. Returns 0 or -1. */
int xs_plan_push(struct xs_plan *p, int kind);
/* Adds a varying field; returns 0, or -1 when the plan is full. A field
 * whose span is 1 never changes and is not added. */
int xs_plan_add_field(struct xs_plan *p, const struct xs_gen_field *f);

/* Checks what the XDP program will check (unit, kinds, fields inside the
 * templates). Returns 0 or -1 with the problem logged. */
int xs_plan_check(const struct xs_plan *p);

/* Frame n into buf (at least XS_GEN_FRAME_MAX bytes); returns its length. */
int xs_plan_frame(const struct xs_plan *p, uint64_t n, uint8_t *buf);
/* Time of frame n after the start of the plan, in nanoseconds. */
uint64_t xs_plan_time_ns(const struct xs_plan *p, uint64_t n);
/* Duration: the time of the frame after the last one. */
uint64_t xs_plan_duration_ns(const struct xs_plan *p);
/* Frames of each kind among the first count (per_kind: nkinds entries). */
void xs_plan_kind_counts(const struct xs_plan *p, uint64_t count, uint64_t *per_kind);
/* Bytes of the first count frames. */
uint64_t xs_plan_bytes(const struct xs_plan *p, uint64_t count);
/* Longest template. */
int xs_plan_max_len(const struct xs_plan *p);

/* The plan's first frames as a JSON object (jansson, new reference):
 * scenario, unit, units, frames, bytes, rate, kinds (name: frames, kinds
 * of one name summed), and the label (rule, attacker, victim, forbid,
 * truth). */
struct json_t;
struct json_t *xs_plan_json(const struct xs_plan *p, uint64_t frames);
/* "name N, name N, ..." for the first frames. */
void xs_plan_kinds_str(const struct xs_plan *p, uint64_t frames, char *buf, size_t n);

/* "RULE:ATTACKER>VICTIM", or "none" for benign traffic. */
const char *xs_label_str(const struct xs_label *l, char *buf, size_t n);

#endif
