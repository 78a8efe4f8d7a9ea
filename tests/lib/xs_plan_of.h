/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
#ifndef XS_PLAN_OF_H
#define XS_PLAN_OF_H

#include "plan.h"

/* Builds a scenario's plan from command-line flags ("-r 1000 -n 50"),
 * parsed as synth and gen parse them. Returns 0, or -1 on a bad flag or
 * the builder's error. */
int xs_plan_of(const char *scenario, const char *flags, struct xs_plan *p);

#endif
