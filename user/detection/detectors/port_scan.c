// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * port_scan: one source reaching at least `threshold` distinct ports of
 * one destination within the window. A port counts when the source opens
 * something there: a TCP SYN (or a FIN/NULL/Xmas probe), or UDP towards a
 * port lower than its own (the service side). Answers (SYN-ACK, RST, UDP
 * from the lower port) never count, so the scanned host is not a scanner,
 * and one spoofed packet per source never adds up to a scan.
 */
#include "engine_int.h"

static void eval(struct xs_det_ctx *c)
{
	uint32_t min = UINT32_MAX;
	struct xs_htab_iter it;
	void *ent;
	int i;

	for (i = 0; i < c->e->rs->nprofiles; i++)
		if (c->e->rs->prof[i].scan.threshold < min)
			min = c->e->rs->prof[i].scan.threshold;
	for (ent = xs_htab_first(&c->e->scans, &it); ent; ent = xs_htab_next(&c->e->scans, &it)) {
		const struct xs_scan_key *k = ent;
		const struct xs_scan_val *v = xs_htab_val(&c->e->scans, ent);
		const struct xs_rule_params *p;
		struct xs_finding f;

		if (v->count < min)
			continue;	/* most keys: a glance */
		p = xs_det_params(c, v->prof);
		if (!p->scan.enabled || v->count < p->scan.threshold)
			continue;
		xs_finding_init(&f, XS_R_PORT_SCAN);
		f.has_src = f.has_dst = true;
		f.src = k->src;
		f.dst = k->dst;
		f.value = v->count;
		f.unit = "ports";
		f.threshold = p->scan.threshold;
		for (i = 0; i < v->nports; i++)
			f.ports[f.nports++] = v->ports[i];
		xs_finding_detail(&f, "distinct_ports", v->count);
		xs_det_report(c, &f, v->prof, xs_det_window(c, v->prof, XS_R_PORT_SCAN));
	}
}

const struct xs_detector xs_det_port_scan = { XS_R_PORT_SCAN, eval };
