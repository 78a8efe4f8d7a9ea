// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>

#include "bench.h"

void bench_section(struct bench_ctx *bc, const char *key, const char *title)
{
	bc->section = json_object();
	json_object_set_new(bc->section, "title", json_string(title));
	json_object_set_new(bc->root, key, bc->section);
	printf("\n%s\n", title);
}

void bench_section_end(struct bench_ctx *bc)
{
	bc->section = NULL;
	fflush(stdout);
}

void bench_row(struct bench_ctx *bc, const char *name, const struct bench_stat *st,
	       const struct bench_stat *baseline, const char *unit)
{
	json_t *o = json_pack("{s:f,s:f,s:f,s:s}", "min", st->min, "median", st->median, "max",
			      st->max, "unit", unit);

	if (baseline) {
		json_object_set_new(o, "baseline", json_pack("{s:f,s:f,s:f}", "min", baseline->min,
							     "median", baseline->median, "max",
							     baseline->max));
		printf("  %-28s median %10.1f %-6s (min %.1f, max %.1f)   baseline %.1f\n", name,
		       st->median, unit, st->min, st->max, baseline->median);
	} else {
		printf("  %-28s median %10.1f %-6s (min %.1f, max %.1f)\n", name, st->median, unit,
		       st->min, st->max);
	}
	json_object_set_new(bc->section, name, o);
}

void bench_value(struct bench_ctx *bc, const char *name, double v, const char *unit)
{
	printf("  %-28s %12.1f %s\n", name, v, unit);
	json_object_set_new(bc->section, name, json_pack("{s:f,s:s}", "value", v, "unit", unit));
}
