// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * port_scan: one source reaching at least `threshold` distinct ports of
 * one destination within the window, or the threshold of one of its other
 * scales (`scales`: a slow scan over ten minutes). A port counts when the
 * source opens something there (engine.c, classify): a TCP SYN, a FIN,
 * NULL or Xmas probe, an ACK no connection knows (an ACK scan), UDP that
 * is not a service's answer. Answers (SYN-ACK, RST, UDP from a service
 * port to a client's) never count, so the scanned host is not a scanner,
 * and one spoofed packet per source never adds up to a scan.
 *
 * UDP has a lower bar within window_s, udp_threshold, for UDP ports probed
 * from few source ports (at most one change of source port per four
 * ports): scanners send from one port (nmap, masscan, zmap), and a UDP
 * scan goes at the pace of the victim's ICMP rate limit (about one closed
 * port a second on Linux: nmap's top 100 take a minute or more), while
 * media and peer-to-peer sessions, the only clients that reach many UDP
 * ports of one host, open a source port each. A scanner that changes
 * source port for every probe still meets the common bar.
 */
#include "engine_int.h"

static void eval(struct xs_det_ctx *c)
{
	uint32_t min = UINT32_MAX, i;
	struct xs_htab_iter it;
	void *ent;
	int p;

	for (p = 0; p < c->e->rs->nprofiles; p++) {
		for (i = 0; i < c->e->ms[p][XS_MS_SCAN].n; i++) {
			uint32_t t = c->e->ms[p][XS_MS_SCAN].sc[i].threshold;

			if (t && t < min)
				min = t;
		}
		if (c->e->rs->prof[p].scan.udp_threshold &&
		    c->e->rs->prof[p].scan.udp_threshold < min)
			min = c->e->rs->prof[p].scan.udp_threshold;
	}
	for (ent = xs_htab_first(&c->e->scans, &it); ent; ent = xs_htab_next(&c->e->scans, &it)) {
		const struct xs_scan_key *k = ent;
		const struct xs_scan_val *v = xs_htab_val(&c->e->scans, ent);
		const struct xs_mscale *m = &c->e->ms[v->prof][XS_MS_SCAN];
		uint32_t top = 0, main = 0, thr = 0, value = 0;
		const struct xs_rule_params *pr;
		struct xs_finding f;
		int hit = -1;

		for (i = 0; i < m->n; i++)
			if (v->count[i] > top)
				top = v->count[i];
		if (top < min)
			continue; /* most keys: a glance */
		pr = xs_det_params(c, v->prof);
		if (!pr->scan.enabled)
			continue;
		/* The shortest scale that fires: the fastest evidence. A longer
		 * one fires only while the scan goes on (a port joined within
		 * the window below it): its window still holds a finished
		 * scan for minutes. */
		for (i = 0; i < m->n && hit < 0; i++)
			if (m->sc[i].threshold && v->count[i] >= m->sc[i].threshold &&
			    (!i || c->now - v->last < m->win[i - 1])) {
				hit = (int)i;
				thr = m->sc[i].threshold;
				value = v->count[i];
			}
		if (hit < 0 && pr->scan.udp_threshold) {
			while (main < m->n - 1 &&
			       m->win[main] != xs_det_window(c, v->prof, XS_R_PORT_SCAN))
				main++;
			if (v->udp[main] >= pr->scan.udp_threshold &&
			    (uint32_t)v->udp_sports * 4 <= v->udp[main]) {
				hit = (int)main;
				thr = pr->scan.udp_threshold;
				value = v->udp[main];
			}
		}
		if (hit < 0)
			continue;
		xs_finding_init(&f, XS_R_PORT_SCAN);
		f.has_src = f.has_dst = true;
		f.src = k->src;
		f.dst = k->dst;
		f.value = value;
		f.unit = "ports";
		f.threshold = thr;
		for (i = 0; i < v->nports; i++)
			f.ports[f.nports++] = v->ports[i];
		xs_finding_detail(&f, "distinct_ports", v->count[hit]);
		xs_finding_detail(&f, "distinct_udp_ports", v->udp[hit]);
		xs_finding_detail(&f, "udp_source_port_changes", v->udp_sports);
		xs_det_report(c, &f, v->prof, m->win[hit]);
	}
}

const struct xs_detector xs_det_port_scan = {XS_R_PORT_SCAN, eval};
