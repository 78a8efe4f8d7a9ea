// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* libFuzzer target: the configuration core on arbitrary YAML. Every node
 * is visited through the typed getters, as the real readers do. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static void walk(xs_node n, int depth)
{
	char buf[64];
	uint64_t u;
	int i;

	if (depth > 64)
		return;
	if (xs_node_is_map(n)) {
		for (i = 0; i < xs_cfg_map_len(n); i++) {
			const char *k = xs_cfg_map_key(n, i);

			if (k) {
				double d;
				bool b;

				xs_cfg_double(n, k, -1e9, 1e9, &d);
				xs_cfg_bool(n, k, &b);
				xs_cfg_str(n, k, buf, sizeof(buf));
			}
			walk(xs_cfg_map_val(n, i), depth + 1);
		}
		xs_cfg_check_unknown(n);
	} else if (xs_node_is_seq(n)) {
		for (i = 0; i < xs_cfg_seq_len(n); i++)
			walk(xs_cfg_seq_at(n, i), depth + 1);
	} else {
		xs_cfg_node_u64(n, 0, 65535, &u);
		xs_cfg_node_str(n, buf, sizeof(buf));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], *s = malloc(size + 1);
	struct xs_cfg *cfg;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	cfg = xs_cfg_load_string("fuzz.yaml", s, err, sizeof(err));
	if (cfg) {
		walk(xs_cfg_root(cfg), 0);
		for (int i = 0; i < xs_cfg_nerrors(cfg); i++)
			(void)strlen(xs_cfg_error_at(cfg, i));
		xs_cfg_free(cfg);
	}
	free(s);
	return 0;
}
