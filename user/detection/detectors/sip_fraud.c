// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sip_fraud: the reconnaissance and password guessing that toll fraud
 * starts with, between one SIP client and one server (bpf/sip.h counts
 * the messages on the SIP port per source; the engine pairs them). Within
 * the window:
 *   - request_threshold requests from the client to the server: a phone
 *     registers once per expiry (minutes to an hour, one more REGISTER per
 *     401 challenge) and a trunk sends a few OPTIONS a minute; a scanner
 *     walking extensions or a guesser sends hundreds, mostly over UDP from
 *     one port (one flow: connection counts see one);
 *   - or failure_threshold failure answers from the server to the client,
 *     when the sensor sees them (a mirror, or both directions inline).
 * The alert says which (xdpstream.kind): with the answers, 404s mostly
 * (no such user) an extension_scan, 401/403/407 mostly a password_guessing;
 * with the requests alone, the method they use (register_requests,
 * invite_requests, options_requests, requests). A source spraying many
 * servers with one request each is a sweep (host_sweep), not this.
 */
#include "engine_int.h"

static void eval(struct xs_det_ctx *c)
{
	const struct xs_engine *e = c->e;
	struct xs_htab_iter it;
	void *ent;

	for (ent = xs_htab_first(&c->e->sips, &it); ent; ent = xs_htab_next(&c->e->sips, &it)) {
		const struct xs_sip_key *k = ent;
		const struct xs_sip_val *v = xs_htab_val(&c->e->sips, ent);
		const struct xs_rule_params *p = xs_det_params(c, v->prof);
		uint32_t n = xs_det_window(c, v->prof, XS_R_SIP_FRAUD), id, req = 0, fail = 0;
		uint32_t r[XS_SIP_REQ_MAX] = {0}, x[XS_SIP_FAIL_MAX] = {0};
		struct xs_finding f;
		int j, top = 0;

		if (!p->sip.enabled || v->head == UINT32_MAX)
			continue;
		for (id = xs_wfirst_id(&e->sgeom, c->now, n); id <= v->head; id++) {
			const struct xs_sip_slot *sl = xs_ring_slot(
			    (void *)v->ring, sizeof(v->ring[0]), &e->sgeom, v->head, id);

			if (!sl)
				continue;
			for (j = 0; j < XS_SIP_REQ_MAX; j++)
				r[j] += sl->req[j];
			for (j = 0; j < XS_SIP_FAIL_MAX; j++)
				x[j] += sl->fail[j];
		}
		for (j = 0; j < XS_SIP_REQ_MAX; j++)
			req += r[j];
		for (j = 0; j < XS_SIP_FAIL_MAX; j++)
			fail += x[j];
		xs_finding_init(&f, XS_R_SIP_FRAUD);
		if (p->sip.failure_threshold && fail >= p->sip.failure_threshold) {
			f.value = fail;
			f.unit = "failures";
			f.threshold = p->sip.failure_threshold;
		} else if (p->sip.request_threshold && req >= p->sip.request_threshold) {
			f.value = req;
			f.unit = "requests";
			f.threshold = p->sip.request_threshold;
		} else {
			continue;
		}
		if (fail) {
			f.kind = x[XS_SIP_F_NOTFOUND] > x[XS_SIP_F_AUTH] + x[XS_SIP_F_FORBIDDEN]
				     ? "extension_scan"
				     : "password_guessing";
		} else {
			for (j = 1; j < XS_SIP_REQ_MAX; j++)
				if (r[j] > r[top])
					top = j;
			f.kind = (const char *const[]){"register_requests", "invite_requests",
						       "options_requests", "requests"}[top];
		}
		f.has_src = f.has_dst = true;
		f.src = k->client;
		f.dst = k->server;
		f.dport = f.key_port = 5060;
		xs_finding_detail(&f, "register", r[XS_SIP_REGISTER]);
		xs_finding_detail(&f, "invite", r[XS_SIP_INVITE]);
		xs_finding_detail(&f, "options", r[XS_SIP_OPTIONS]);
		xs_finding_detail(&f, "other_requests", r[XS_SIP_OTHER]);
		xs_finding_detail(&f, "fail_auth", x[XS_SIP_F_AUTH]);
		xs_finding_detail(&f, "fail_forbidden", x[XS_SIP_F_FORBIDDEN]);
		xs_finding_detail(&f, "fail_not_found", x[XS_SIP_F_NOTFOUND]);
		xs_finding_detail(&f, "fail_other", x[XS_SIP_F_OTHER]);
		xs_det_report(c, &f, v->prof, n);
	}
}

const struct xs_detector xs_det_sip_fraud = {XS_R_SIP_FRAUD, eval};
