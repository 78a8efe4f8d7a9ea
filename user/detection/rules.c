// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

const char *const xs_rule_names[XS_R_MAX] = {
	[XS_R_SYN_FLOOD] = "syn_flood",
	[XS_R_UDP_FLOOD] = "udp_flood",
	[XS_R_ICMP_FLOOD] = "icmp_flood",
	[XS_R_VOLUMETRIC] = "volumetric",
	[XS_R_REFLECTION] = "reflection",
	[XS_R_PORT_SCAN] = "port_scan",
	[XS_R_HOST_SWEEP] = "host_sweep",
	[XS_R_BRUTE_FORCE] = "brute_force",
	[XS_R_TRAFFIC_ANOMALY] = "traffic_anomaly",
	[XS_R_SYNACK_FLOOD] = "synack_flood",
	[XS_R_ACK_FLOOD] = "ack_flood",
	[XS_R_CARPET_BOMBING] = "carpet_bombing",
	[XS_R_CREDENTIAL_STUFFING] = "credential_stuffing",
	[XS_R_SIP_FRAUD] = "sip_fraud",
	[XS_R_FRAG_EVASION] = "frag_evasion",
};

const char *const xs_action_names[XS_ACT_MAX + 1] = {
	[XS_ACT_NONE] = "none",		[XS_ACT_BLOCK] = "block",
	[XS_ACT_RATE_LIMIT] = "rate_limit", [XS_ACT_FILTER] = "filter",
	[XS_ACT_FLOWSPEC] = "flowspec",	[XS_ACT_BLACKHOLE] = "blackhole",
	[XS_ACT_MAX] = NULL,
};

int xs_rule_by_name(const char *name)
{
	int i;

	for (i = 0; i < XS_R_MAX; i++)
		if (!strcmp(name, xs_rule_names[i]))
			return i;
	return -1;
}

bool xs_ports_has(const struct xs_ports *s, uint16_t port)
{
	int lo = 0, hi = (int)s->n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (s->p[mid] == port)
			return true;
		if (s->p[mid] < port)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void ports_set(struct xs_ports *s, const uint16_t *p, size_t n)
{
	size_t i, j = 0;
	uint16_t tmp[XS_PORTS_MAX];

	if (n > XS_PORTS_MAX)
		n = XS_PORTS_MAX;
	memcpy(tmp, p, n * sizeof(*p));
	qsort(tmp, n, sizeof(*tmp), cmp_u16);
	for (i = 0; i < n; i++)
		if (!j || tmp[i] != s->p[j - 1])
			s->p[j++] = tmp[i];
	s->n = j;
}

/*
 * Defaults. The reasoning behind each number is in config/xdpstream.yaml
 * and docs/detection.md; keep the three in step.
 */
void xs_rule_params_default(struct xs_rule_params *p)
{
	static const uint16_t login[] = { 21, 22, 23, 25, 110, 143, 465, 587, 993, 995, 3389, 5060,
					  5061 };
	static const uint16_t web[] = { 80, 443, 8080, 8443 };
	static const uint16_t client[] = { 53, 80, 123, 443, 853, 8080, 8443 };
	static const uint16_t stuff[] = { 21, 22, 23, 110, 143, 465, 587, 993, 995, 3389 };
	static const uint16_t quic[] = { 443 };

	memset(p, 0, sizeof(*p));
	/* Mitigation is opt-in per rule (and needs mitigation.enforce). */
	for (int r = 0; r < XS_R_MAX; r++)
		p->act[r] = (struct xs_rule_action){ XS_ACT_NONE, 600, 0 };
	p->syn.enabled = true;
	p->syn.window_s = 3;
	p->syn.threshold_pps = 1000;
	p->syn.min_sources = 16;
	p->syn.max_ports = 8;
	p->syn.min_answered_ratio = 0.5;
	p->syn.min_completed_ratio = 0.5;
	p->syn.burst_min_packets = 1000;

	p->udp = (struct xs_p_flood){ true, 3, 50000, 500e6, 20000, 64, 1000, 0 };
	p->icmp = (struct xs_p_flood){ true, 3, 5000, 50e6, 0, 64, 1000, 0 };
	p->vol = (struct xs_p_flood){ true, 3, 100000, 1e9, 0, 64, 1000, 16 };

	p->refl.enabled = true;
	p->refl.window_s = 10;
	p->refl.threshold_pps = 50;
	p->refl.threshold_bps = 0;
	p->refl.min_reflectors = 20;
	p->refl.any_port_threshold_pps = 1000;
	ports_set(&p->refl.any_port_ignore, quic, sizeof(quic) / sizeof(quic[0]));
	p->refl.burst_min_packets = 1000;

	p->synack.enabled = true;
	p->synack.window_s = 3;
	p->synack.threshold_pps = 5000;
	p->synack.min_sources = 16;
	p->synack.min_share = 0.5;
	p->synack.burst_min_packets = 1000;

	p->ack.enabled = true;
	p->ack.window_s = 3;
	p->ack.threshold_pps = 5000;
	p->ack.min_sources = 16;
	p->ack.max_pkts_per_source = 2;
	p->ack.burst_min_packets = 1000;

	p->carpet.enabled = true;
	p->carpet.window_s = 3;
	p->carpet.min_hosts = 16;
	p->carpet.max_host_share = 0.5;

	p->scan.enabled = true;
	p->scan.window_s = 60;
	p->scan.threshold = 100;
	p->scan.udp_threshold = 50;
	p->scan.nscales = 1;
	p->scan.scales[0] = (struct xs_scale){ .window_s = 600, .threshold = 200 };

	p->sweep.enabled = true;
	p->sweep.window_s = 10;
	p->sweep.threshold = 32;
	p->sweep.client_threshold = 100;
	p->sweep.any_threshold = 128;
	ports_set(&p->sweep.client_ports, client, sizeof(client) / sizeof(client[0]));
	p->sweep.nscales = 2;
	p->sweep.scales[0] = (struct xs_scale){ .window_s = 60, .threshold = 64 };
	p->sweep.scales[1] = (struct xs_scale){ .window_s = 600, .threshold = 128 };

	p->brute.enabled = true;
	p->brute.window_s = 60;
	p->brute.threshold = 40;
	p->brute.login_threshold = 20;
	p->brute.web_threshold = 0;
	p->brute.min_pkts_per_conn = 4.5;
	p->brute.min_data_per_conn = 0.5;
	ports_set(&p->brute.login_ports, login, sizeof(login) / sizeof(login[0]));
	ports_set(&p->brute.web_ports, web, sizeof(web) / sizeof(web[0]));
	p->brute.nscales = 2;
	p->brute.scales[0] =
		(struct xs_scale){ .window_s = 10, .threshold = 20, .login_threshold = 10 };
	p->brute.scales[1] =
		(struct xs_scale){ .window_s = 600, .threshold = 50, .login_threshold = 25 };

	p->anom.enabled = true;
	p->anom.window_s = 5;
	p->anom.k = 4;
	p->anom.baseline_s = 600;
	p->anom.warmup_s = 600;
	p->anom.dst_floor_pps = 5000;
	p->anom.dst_floor_bps = 50e6;
	p->anom.total_floor_pps = 20000;
	p->anom.total_floor_bps = 200e6;
	p->anom.service_floor_cps = 5;
	p->anom.service_min_sources = 10;

	p->stuff.enabled = true;
	p->stuff.window_s = 60;
	p->stuff.min_sources = 32;
	p->stuff.min_connections = 64;
	p->stuff.min_pkts_per_conn = 4.5;
	p->stuff.k = 4;
	p->stuff.baseline_s = 600;
	p->stuff.warmup_s = 600;
	ports_set(&p->stuff.ports, stuff, sizeof(stuff) / sizeof(stuff[0]));

	p->sip.enabled = true;
	p->sip.window_s = 60;
	p->sip.request_threshold = 100;
	p->sip.failure_threshold = 20;

	p->frag.enabled = true;
	p->frag.window_s = 10;
	p->frag.threshold = 10;
}

void xs_ruleset_default(struct xs_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->nprofiles = 1;
	xs_rule_params_default(&rs->prof[0]);
	snprintf(rs->prof_name[0], sizeof(rs->prof_name[0]), "default");
}

/* One table describes every parameter: the parser, the overrides and
 * `check-config` all go through it. */
enum ptype { P_BOOL, P_DBL, P_U32, P_PORTS, P_SCALES };

struct pdesc {
	int rule;
	const char *key;
	enum ptype type;
	size_t off;
	double min, max;
};

#define OFF(f) offsetof(struct xs_rule_params, f)
#define BPS_MAX 1e13
#define PPS_MAX 1e10

static const struct pdesc params[] = {
	{ XS_R_SYN_FLOOD, "enabled", P_BOOL, OFF(syn.enabled) },
	{ XS_R_SYN_FLOOD, "window_s", P_DBL, OFF(syn.window_s), 0.001, 3600 },
	{ XS_R_SYN_FLOOD, "threshold_pps", P_DBL, OFF(syn.threshold_pps), 1, PPS_MAX },
	{ XS_R_SYN_FLOOD, "min_sources", P_U32, OFF(syn.min_sources), 1, 1e9 },
	{ XS_R_SYN_FLOOD, "max_ports", P_U32, OFF(syn.max_ports), 1, 65536 },
	{ XS_R_SYN_FLOOD, "min_answered_ratio", P_DBL, OFF(syn.min_answered_ratio), 0, 1 },
	{ XS_R_SYN_FLOOD, "min_completed_ratio", P_DBL, OFF(syn.min_completed_ratio), 0, 100 },
	{ XS_R_SYN_FLOOD, "burst_min_packets", P_U32, OFF(syn.burst_min_packets), 1, 1e9 },

	{ XS_R_UDP_FLOOD, "enabled", P_BOOL, OFF(udp.enabled) },
	{ XS_R_UDP_FLOOD, "window_s", P_DBL, OFF(udp.window_s), 0.001, 3600 },
	{ XS_R_UDP_FLOOD, "threshold_pps", P_DBL, OFF(udp.threshold_pps), 0, PPS_MAX },
	{ XS_R_UDP_FLOOD, "threshold_bps", P_DBL, OFF(udp.threshold_bps), 0, BPS_MAX },
	{ XS_R_UDP_FLOOD, "spread_threshold_pps", P_DBL, OFF(udp.spread_threshold_pps), 0, PPS_MAX },
	{ XS_R_UDP_FLOOD, "min_sources", P_U32, OFF(udp.min_sources), 1, 1e9 },
	{ XS_R_UDP_FLOOD, "burst_min_packets", P_U32, OFF(udp.burst_min_packets), 1, 1e9 },

	{ XS_R_ICMP_FLOOD, "enabled", P_BOOL, OFF(icmp.enabled) },
	{ XS_R_ICMP_FLOOD, "window_s", P_DBL, OFF(icmp.window_s), 0.001, 3600 },
	{ XS_R_ICMP_FLOOD, "threshold_pps", P_DBL, OFF(icmp.threshold_pps), 0, PPS_MAX },
	{ XS_R_ICMP_FLOOD, "threshold_bps", P_DBL, OFF(icmp.threshold_bps), 0, BPS_MAX },
	{ XS_R_ICMP_FLOOD, "spread_threshold_pps", P_DBL, OFF(icmp.spread_threshold_pps), 0, PPS_MAX },
	{ XS_R_ICMP_FLOOD, "min_sources", P_U32, OFF(icmp.min_sources), 1, 1e9 },
	{ XS_R_ICMP_FLOOD, "burst_min_packets", P_U32, OFF(icmp.burst_min_packets), 1, 1e9 },

	{ XS_R_VOLUMETRIC, "enabled", P_BOOL, OFF(vol.enabled) },
	{ XS_R_VOLUMETRIC, "window_s", P_DBL, OFF(vol.window_s), 0.001, 3600 },
	{ XS_R_VOLUMETRIC, "threshold_pps", P_DBL, OFF(vol.threshold_pps), 0, PPS_MAX },
	{ XS_R_VOLUMETRIC, "threshold_bps", P_DBL, OFF(vol.threshold_bps), 0, BPS_MAX },
	{ XS_R_VOLUMETRIC, "spread_threshold_pps", P_DBL, OFF(vol.spread_threshold_pps), 0, PPS_MAX },
	{ XS_R_VOLUMETRIC, "min_sources", P_U32, OFF(vol.min_sources), 1, 1e9 },
	{ XS_R_VOLUMETRIC, "burst_min_packets", P_U32, OFF(vol.burst_min_packets), 1, 1e9 },
	{ XS_R_VOLUMETRIC, "transfer_max_sources", P_U32, OFF(vol.transfer_max_sources), 0, 1e9 },

	{ XS_R_REFLECTION, "enabled", P_BOOL, OFF(refl.enabled) },
	{ XS_R_REFLECTION, "window_s", P_DBL, OFF(refl.window_s), 0.001, 3600 },
	{ XS_R_REFLECTION, "threshold_pps", P_DBL, OFF(refl.threshold_pps), 0, PPS_MAX },
	{ XS_R_REFLECTION, "threshold_bps", P_DBL, OFF(refl.threshold_bps), 0, BPS_MAX },
	{ XS_R_REFLECTION, "min_reflectors", P_U32, OFF(refl.min_reflectors), 1, 1e9 },
	{ XS_R_REFLECTION, "any_port_threshold_pps", P_DBL, OFF(refl.any_port_threshold_pps), 0,
	  PPS_MAX },
	{ XS_R_REFLECTION, "any_port_ignore", P_PORTS, OFF(refl.any_port_ignore) },
	{ XS_R_REFLECTION, "burst_min_packets", P_U32, OFF(refl.burst_min_packets), 1, 1e9 },

	{ XS_R_SYNACK_FLOOD, "enabled", P_BOOL, OFF(synack.enabled) },
	{ XS_R_SYNACK_FLOOD, "window_s", P_DBL, OFF(synack.window_s), 0.001, 3600 },
	{ XS_R_SYNACK_FLOOD, "threshold_pps", P_DBL, OFF(synack.threshold_pps), 1, PPS_MAX },
	{ XS_R_SYNACK_FLOOD, "min_sources", P_U32, OFF(synack.min_sources), 1, 1e9 },
	{ XS_R_SYNACK_FLOOD, "min_share", P_DBL, OFF(synack.min_share), 0, 1 },
	{ XS_R_SYNACK_FLOOD, "burst_min_packets", P_U32, OFF(synack.burst_min_packets), 1, 1e9 },

	{ XS_R_ACK_FLOOD, "enabled", P_BOOL, OFF(ack.enabled) },
	{ XS_R_ACK_FLOOD, "window_s", P_DBL, OFF(ack.window_s), 0.001, 3600 },
	{ XS_R_ACK_FLOOD, "threshold_pps", P_DBL, OFF(ack.threshold_pps), 1, PPS_MAX },
	{ XS_R_ACK_FLOOD, "min_sources", P_U32, OFF(ack.min_sources), 1, 1e9 },
	{ XS_R_ACK_FLOOD, "max_pkts_per_source", P_DBL, OFF(ack.max_pkts_per_source), 1, 1e6 },
	{ XS_R_ACK_FLOOD, "burst_min_packets", P_U32, OFF(ack.burst_min_packets), 1, 1e9 },

	{ XS_R_CARPET_BOMBING, "enabled", P_BOOL, OFF(carpet.enabled) },
	{ XS_R_CARPET_BOMBING, "window_s", P_DBL, OFF(carpet.window_s), 0.001, 3600 },
	{ XS_R_CARPET_BOMBING, "min_hosts", P_U32, OFF(carpet.min_hosts), 2, 1e9 },
	{ XS_R_CARPET_BOMBING, "max_host_share", P_DBL, OFF(carpet.max_host_share), 0.001, 1 },

	{ XS_R_PORT_SCAN, "enabled", P_BOOL, OFF(scan.enabled) },
	{ XS_R_PORT_SCAN, "window_s", P_DBL, OFF(scan.window_s), 0.001, 3600 },
	{ XS_R_PORT_SCAN, "threshold", P_U32, OFF(scan.threshold), 2, 65536 },
	{ XS_R_PORT_SCAN, "udp_threshold", P_U32, OFF(scan.udp_threshold), 0, 65536 },
	{ XS_R_PORT_SCAN, "scales", P_SCALES, OFF(scan.nscales) },

	{ XS_R_HOST_SWEEP, "enabled", P_BOOL, OFF(sweep.enabled) },
	{ XS_R_HOST_SWEEP, "window_s", P_DBL, OFF(sweep.window_s), 0.001, 3600 },
	{ XS_R_HOST_SWEEP, "threshold", P_U32, OFF(sweep.threshold), 2, 1e9 },
	{ XS_R_HOST_SWEEP, "client_threshold", P_U32, OFF(sweep.client_threshold), 2, 1e9 },
	{ XS_R_HOST_SWEEP, "client_ports", P_PORTS, OFF(sweep.client_ports) },
	{ XS_R_HOST_SWEEP, "any_threshold", P_U32, OFF(sweep.any_threshold), 0, 1e9 },
	{ XS_R_HOST_SWEEP, "scales", P_SCALES, OFF(sweep.nscales) },

	{ XS_R_BRUTE_FORCE, "enabled", P_BOOL, OFF(brute.enabled) },
	{ XS_R_BRUTE_FORCE, "window_s", P_DBL, OFF(brute.window_s), 0.001, 3600 },
	{ XS_R_BRUTE_FORCE, "threshold", P_U32, OFF(brute.threshold), 2, 1e9 },
	{ XS_R_BRUTE_FORCE, "login_threshold", P_U32, OFF(brute.login_threshold), 2, 1e9 },
	{ XS_R_BRUTE_FORCE, "web_threshold", P_U32, OFF(brute.web_threshold), 0, 1e9 },
	{ XS_R_BRUTE_FORCE, "min_pkts_per_conn", P_DBL, OFF(brute.min_pkts_per_conn), 0, 1e6 },
	{ XS_R_BRUTE_FORCE, "min_data_per_conn", P_DBL, OFF(brute.min_data_per_conn), 0, 1e6 },
	{ XS_R_BRUTE_FORCE, "login_ports", P_PORTS, OFF(brute.login_ports) },
	{ XS_R_BRUTE_FORCE, "web_ports", P_PORTS, OFF(brute.web_ports) },
	{ XS_R_BRUTE_FORCE, "scales", P_SCALES, OFF(brute.nscales) },

	{ XS_R_TRAFFIC_ANOMALY, "enabled", P_BOOL, OFF(anom.enabled) },
	{ XS_R_TRAFFIC_ANOMALY, "window_s", P_DBL, OFF(anom.window_s), 0.001, 3600 },
	{ XS_R_TRAFFIC_ANOMALY, "k", P_DBL, OFF(anom.k), 0.5, 100 },
	{ XS_R_TRAFFIC_ANOMALY, "baseline_s", P_DBL, OFF(anom.baseline_s), 1, 86400 * 7 },
	{ XS_R_TRAFFIC_ANOMALY, "warmup_s", P_DBL, OFF(anom.warmup_s), 0, 86400 * 7 },
	{ XS_R_TRAFFIC_ANOMALY, "dst_floor_pps", P_DBL, OFF(anom.dst_floor_pps), 0, PPS_MAX },
	{ XS_R_TRAFFIC_ANOMALY, "dst_floor_bps", P_DBL, OFF(anom.dst_floor_bps), 0, BPS_MAX },
	{ XS_R_TRAFFIC_ANOMALY, "total_floor_pps", P_DBL, OFF(anom.total_floor_pps), 0, PPS_MAX },
	{ XS_R_TRAFFIC_ANOMALY, "total_floor_bps", P_DBL, OFF(anom.total_floor_bps), 0, BPS_MAX },
	{ XS_R_TRAFFIC_ANOMALY, "service_floor_cps", P_DBL, OFF(anom.service_floor_cps), 0, 1e9 },
	{ XS_R_TRAFFIC_ANOMALY, "service_min_sources", P_U32, OFF(anom.service_min_sources), 1,
	  1e9 },

	{ XS_R_CREDENTIAL_STUFFING, "enabled", P_BOOL, OFF(stuff.enabled) },
	{ XS_R_CREDENTIAL_STUFFING, "window_s", P_DBL, OFF(stuff.window_s), 0.001, 3600 },
	{ XS_R_CREDENTIAL_STUFFING, "min_sources", P_U32, OFF(stuff.min_sources), 2, 1e9 },
	{ XS_R_CREDENTIAL_STUFFING, "min_connections", P_U32, OFF(stuff.min_connections), 2, 1e9 },
	{ XS_R_CREDENTIAL_STUFFING, "min_pkts_per_conn", P_DBL, OFF(stuff.min_pkts_per_conn), 0,
	  1e6 },
	{ XS_R_CREDENTIAL_STUFFING, "k", P_DBL, OFF(stuff.k), 0.5, 100 },
	{ XS_R_CREDENTIAL_STUFFING, "baseline_s", P_DBL, OFF(stuff.baseline_s), 1, 86400 * 7 },
	{ XS_R_CREDENTIAL_STUFFING, "warmup_s", P_DBL, OFF(stuff.warmup_s), 0, 86400 * 7 },
	{ XS_R_CREDENTIAL_STUFFING, "ports", P_PORTS, OFF(stuff.ports) },

	{ XS_R_SIP_FRAUD, "enabled", P_BOOL, OFF(sip.enabled) },
	{ XS_R_SIP_FRAUD, "window_s", P_DBL, OFF(sip.window_s), 0.001, 3600 },
	{ XS_R_SIP_FRAUD, "request_threshold", P_U32, OFF(sip.request_threshold), 0, 1e9 },
	{ XS_R_SIP_FRAUD, "failure_threshold", P_U32, OFF(sip.failure_threshold), 0, 1e9 },

	{ XS_R_FRAG_EVASION, "enabled", P_BOOL, OFF(frag.enabled) },
	{ XS_R_FRAG_EVASION, "window_s", P_DBL, OFF(frag.window_s), 0.001, 3600 },
	{ XS_R_FRAG_EVASION, "threshold", P_U32, OFF(frag.threshold), 1, 1e9 },
};

/* `scales`: a list of {window_s, thresholds...}, each with the threshold
 * keys its rule takes; a threshold left out is 0: off. */
static void read_scales(xs_node map, const char *key, int rule, struct xs_rule_params *p)
{
	xs_node seq = xs_cfg_get_seq(map, key);
	int i, n = xs_cfg_seq_len(seq);
	struct xs_scale *sc, v;
	uint32_t *nscales;

	if (!xs_node_present(seq))
		return;
	if (n > XS_SCALES_EXTRA) {
		xs_cfg_error(seq, "at most %d scales besides the rule's own window", XS_SCALES_EXTRA);
		return;
	}
	switch (rule) {
	case XS_R_PORT_SCAN:
		sc = p->scan.scales, nscales = &p->scan.nscales;
		break;
	case XS_R_HOST_SWEEP:
		sc = p->sweep.scales, nscales = &p->sweep.nscales;
		break;
	default:
		sc = p->brute.scales, nscales = &p->brute.nscales;
		break;
	}
	for (i = 0; i < n; i++) {
		xs_node m = xs_cfg_seq_at(seq, i);

		memset(&v, 0, sizeof(v));
		if (!xs_node_is_map(m)) {
			xs_cfg_error(m, "expected a mapping like {window_s: 600, threshold: 200}");
			return;
		}
		if (!xs_node_present(xs_cfg_get(m, "window_s"))) {
			xs_cfg_error(m, "a scale needs its window_s");
			return;
		}
		xs_cfg_double(m, "window_s", 0.001, 86400, &v.window_s);
		xs_cfg_u32(m, "threshold", 0, 1000000000, &v.threshold);
		if (rule == XS_R_HOST_SWEEP)
			xs_cfg_u32(m, "client_threshold", 0, 1000000000, &v.client_threshold);
		if (rule == XS_R_BRUTE_FORCE) {
			xs_cfg_u32(m, "login_threshold", 0, 1000000000, &v.login_threshold);
			xs_cfg_u32(m, "web_threshold", 0, 1000000000, &v.web_threshold);
		}
		xs_cfg_check_unknown(m);
		sc[i] = v;
	}
	*nscales = (uint32_t)n;
}

static void read_ports(xs_node map, const char *key, struct xs_ports *out)
{
	xs_node seq = xs_cfg_get_seq(map, key);
	uint16_t tmp[XS_PORTS_MAX];
	int i, n = xs_cfg_seq_len(seq);
	uint64_t v;

	if (!xs_node_present(seq))
		return;
	if (n > XS_PORTS_MAX) {
		xs_cfg_error(seq, "at most %d ports", XS_PORTS_MAX);
		return;
	}
	for (i = 0; i < n; i++) {
		if (xs_cfg_node_u64(xs_cfg_seq_at(seq, i), 0, 65535, &v))
			return;
		tmp[i] = (uint16_t)v;
	}
	ports_set(out, tmp, n);
}

/* One action name of `action`, into *a (which the caller reset). */
static void add_action(xs_node n, const char *name, int rule, struct xs_rule_action *a,
		       bool alone)
{
	int act;

	for (act = 0; act < XS_ACT_MAX; act++)
		if (name && !strcmp(name, xs_action_names[act]))
			break;
	if (act == XS_ACT_MAX) {
		xs_cfg_error(n, "expected one of none, block, rate_limit, filter, flowspec, "
				"blackhole, got '%s'", name ? name : "");
		return;
	}
	if (act == XS_ACT_NONE) {
		if (!alone)
			xs_cfg_error(n, "none stands alone: leave it out of a list");
		return;
	}
	if (act != XS_ACT_BLOCK && !xs_rule_limitable(rule)) {
		xs_cfg_error(n, "%s protects a flood's victim: it applies to syn_flood, udp_flood, "
				"icmp_flood, volumetric and reflection", name);
		return;
	}
	if (act == XS_ACT_BLOCK || act == XS_ACT_RATE_LIMIT) {
		if (a->action != XS_ACT_NONE && a->action != act)
			xs_cfg_error(n, "block and rate_limit exclude each other: choose one");
		else
			a->action = act;
		return;
	}
	a->fp_actions |= 1u << act;
}

/* action (a name or a list of names), action_ttl_s, limit_pps and
 * flowspec_rate_bytes_s: the same keys for every rule. */
static void read_action(xs_node m, int rule, struct xs_rule_action *a)
{
	xs_node n = xs_cfg_get(m, "action");
	struct xs_rule_action set = *a;
	int i, len;

	if (xs_node_present(n)) {
		set.action = XS_ACT_NONE;
		set.fp_actions = 0;
		if (xs_node_is_seq(n)) {
			len = xs_cfg_seq_len(n);
			for (i = 0; i < len; i++) {
				xs_node c = xs_cfg_seq_at(n, i);

				add_action(c, xs_node_scalar(c), rule, &set, len == 1);
			}
		} else {
			add_action(n, xs_node_scalar(n), rule, &set, true);
		}
		a->action = set.action;
		a->fp_actions = set.fp_actions;
	}
	xs_cfg_double(m, "action_ttl_s", 1, 86400 * 30, &a->ttl_s);
	xs_cfg_double(m, "limit_pps", 0, PPS_MAX, &a->limit_pps);
	/* RFC 8955 traffic-rate-bytes: a 32-bit float of bytes/s. */
	xs_cfg_double(m, "flowspec_rate_bytes_s", 0, 1e12, &a->flowspec_rate);
}

static void read_rule(xs_node m, int rule, struct xs_rule_params *p)
{
	size_t i;

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		const struct pdesc *d = &params[i];
		void *f = (char *)p + d->off;
		uint32_t u;

		if (d->rule != rule)
			continue;
		switch (d->type) {
		case P_BOOL:
			xs_cfg_bool(m, d->key, f);
			break;
		case P_DBL:
			xs_cfg_double(m, d->key, d->min, d->max, f);
			break;
		case P_U32:
			u = *(uint32_t *)f;
			if (!xs_cfg_u32(m, d->key, (uint32_t)d->min, (uint32_t)d->max, &u))
				*(uint32_t *)f = u;
			break;
		case P_PORTS:
			read_ports(m, d->key, f);
			break;
		case P_SCALES:
			read_scales(m, d->key, rule, p);
			break;
		}
	}
	read_action(m, rule, &p->act[rule]);
	xs_cfg_check_unknown(m);
}

static void read_rules(xs_node rules, struct xs_rule_params *p)
{
	int i, n = xs_cfg_map_len(rules);

	for (i = 0; i < n; i++) {
		const char *name = xs_cfg_map_key(rules, i);
		xs_node m = xs_cfg_map_val(rules, i);
		int r = name ? xs_rule_by_name(name) : -1;

		if (r < 0) {
			char all[512] = "";
			int k;

			for (k = 0; k < XS_R_MAX; k++)
				snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s",
					 k ? ", " : "", xs_rule_names[k]);
			xs_cfg_error(m, "unknown rule (one of %s)", all);
			continue;
		}
		if (xs_node_is_scalar(m) && !*xs_node_scalar(m))
			continue;	/* "syn_flood:" alone: defaults */
		if (!xs_node_is_map(m)) {
			xs_cfg_error(m, "expected a mapping of the rule's settings");
			continue;
		}
		read_rule(m, r, p);
	}
}

int xs_ruleset_profile(const struct xs_ruleset *rs, const struct xs_addr *a)
{
	int i, best = 0, best_len = -1;

	for (i = 0; i < rs->ncidrs; i++)
		if ((int)rs->cidrs[i].p.len > best_len && xs_prefix_contains(&rs->cidrs[i].p, a)) {
			best = rs->cidrs[i].profile;
			best_len = rs->cidrs[i].p.len;
		}
	return best;
}

static void read_network(struct xs_ruleset *rs, xs_node g)
{
	int prof = rs->nprofiles, i, n;
	xs_node cidrs, rules;
	char name[48] = "";

	if (!xs_node_is_map(g)) {
		xs_cfg_error(g, "expected a mapping with name, cidrs and rules");
		return;
	}
	if (prof >= XS_PROFILES_MAX) {
		xs_cfg_error(g, "at most %d network groups", XS_PROFILES_MAX - 1);
		return;
	}
	xs_cfg_str(g, "name", name, sizeof(name));
	if (!name[0])
		snprintf(name, sizeof(name), "network%d", prof);
	cidrs = xs_cfg_get_seq(g, "cidrs");
	n = xs_cfg_seq_len(cidrs);
	if (!n)
		xs_cfg_error(xs_cfg_get(g, "cidrs"), "a network group needs a list of CIDRs");
	for (i = 0; i < n; i++) {
		xs_node c = xs_cfg_seq_at(cidrs, i);
		const char *s = xs_node_scalar(c);

		if (rs->ncidrs >= XS_CIDRS_MAX) {
			xs_cfg_error(c, "at most %d CIDRs in all", XS_CIDRS_MAX);
			break;
		}
		/* Host bits must be zero: 10.1.2.3/8 is more likely a typo
		 * than a way to write 10.0.0.0/8. */
		if (!s || xs_prefix_parse(s, &rs->cidrs[rs->ncidrs].p)) {
			xs_cfg_error(c, "expected an address or CIDR like 10.0.0.0/8 or 2001:db8::/32 "
					"(host bits zero), got '%s'",
				     s ? s : "");
			continue;
		}
		rs->cidrs[rs->ncidrs++].profile = (uint8_t)prof;
	}
	rs->prof[prof] = rs->prof[0];
	snprintf(rs->prof_name[prof], sizeof(rs->prof_name[prof]), "%s", name);
	rules = xs_cfg_get_map(g, "rules");
	if (xs_node_present(rules))
		read_rules(rules, &rs->prof[prof]);
	xs_cfg_check_unknown(g);
	rs->nprofiles++;
}

void xs_ruleset_configure(struct xs_ruleset *rs, xs_node root)
{
	xs_node rules = xs_cfg_get_map(root, "rules");
	xs_node nets = xs_cfg_get_seq(root, "networks");
	int i, n;

	/* Defaults first: every network group starts from them. */
	if (xs_node_present(rules))
		read_rules(rules, &rs->prof[0]);
	xs_cfg_check_unknown(rules);
	n = xs_cfg_seq_len(nets);
	for (i = 0; i < n; i++)
		read_network(rs, xs_cfg_seq_at(nets, i));
}

double xs_rule_window_s(const struct xs_rule_params *p, int rule)
{
	switch (rule) {
	case XS_R_SYN_FLOOD:
		return p->syn.window_s;
	case XS_R_UDP_FLOOD:
		return p->udp.window_s;
	case XS_R_ICMP_FLOOD:
		return p->icmp.window_s;
	case XS_R_VOLUMETRIC:
		return p->vol.window_s;
	case XS_R_REFLECTION:
		return p->refl.window_s;
	case XS_R_PORT_SCAN:
		return p->scan.window_s;
	case XS_R_HOST_SWEEP:
		return p->sweep.window_s;
	case XS_R_BRUTE_FORCE:
		return p->brute.window_s;
	case XS_R_TRAFFIC_ANOMALY:
		return p->anom.window_s;
	case XS_R_SYNACK_FLOOD:
		return p->synack.window_s;
	case XS_R_ACK_FLOOD:
		return p->ack.window_s;
	case XS_R_CARPET_BOMBING:
		return p->carpet.window_s;
	case XS_R_CREDENTIAL_STUFFING:
		return p->stuff.window_s;
	case XS_R_SIP_FRAUD:
		return p->sip.window_s;
	case XS_R_FRAG_EVASION:
		return p->frag.window_s;
	}
	return 1;
}

int xs_rule_scales(const struct xs_rule_params *p, int rule, struct xs_scale sc[XS_SCALES])
{
	const struct xs_scale *extra = NULL;
	uint32_t i, n = 0;

	memset(sc, 0, sizeof(*sc) * XS_SCALES);
	sc[0].window_s = xs_rule_window_s(p, rule);
	switch (rule) {
	case XS_R_PORT_SCAN:
		sc[0].threshold = p->scan.threshold;
		extra = p->scan.scales;
		n = p->scan.nscales;
		break;
	case XS_R_HOST_SWEEP:
		sc[0].threshold = p->sweep.threshold;
		sc[0].client_threshold = p->sweep.client_threshold;
		extra = p->sweep.scales;
		n = p->sweep.nscales;
		break;
	case XS_R_BRUTE_FORCE:
		sc[0].threshold = p->brute.threshold;
		sc[0].login_threshold = p->brute.login_threshold;
		sc[0].web_threshold = p->brute.web_threshold;
		extra = p->brute.scales;
		n = p->brute.nscales;
		break;
	}
	for (i = 0; i < n && i < XS_SCALES_EXTRA; i++)
		sc[1 + i] = extra[i];
	return 1 + (int)i;
}

bool xs_rule_enabled(const struct xs_rule_params *p, int rule)
{
	switch (rule) {
	case XS_R_SYN_FLOOD:
		return p->syn.enabled;
	case XS_R_UDP_FLOOD:
		return p->udp.enabled;
	case XS_R_ICMP_FLOOD:
		return p->icmp.enabled;
	case XS_R_VOLUMETRIC:
		return p->vol.enabled;
	case XS_R_REFLECTION:
		return p->refl.enabled;
	case XS_R_PORT_SCAN:
		return p->scan.enabled;
	case XS_R_HOST_SWEEP:
		return p->sweep.enabled;
	case XS_R_BRUTE_FORCE:
		return p->brute.enabled;
	case XS_R_TRAFFIC_ANOMALY:
		return p->anom.enabled;
	case XS_R_SYNACK_FLOOD:
		return p->synack.enabled;
	case XS_R_ACK_FLOOD:
		return p->ack.enabled;
	case XS_R_CARPET_BOMBING:
		return p->carpet.enabled;
	case XS_R_CREDENTIAL_STUFFING:
		return p->stuff.enabled;
	case XS_R_SIP_FRAUD:
		return p->sip.enabled;
	case XS_R_FRAG_EVASION:
		return p->frag.enabled;
	}
	return false;
}

bool xs_rule_limitable(int rule)
{
	return rule == XS_R_SYN_FLOOD || rule == XS_R_UDP_FLOOD || rule == XS_R_ICMP_FLOOD ||
	       rule == XS_R_VOLUMETRIC || rule == XS_R_REFLECTION;
}

double xs_rule_threshold_pps(const struct xs_rule_params *p, int rule)
{
	switch (rule) {
	case XS_R_SYN_FLOOD:
		return p->syn.threshold_pps;
	case XS_R_UDP_FLOOD:
		return p->udp.threshold_pps;
	case XS_R_ICMP_FLOOD:
		return p->icmp.threshold_pps;
	case XS_R_VOLUMETRIC:
		return p->vol.threshold_pps;
	case XS_R_REFLECTION:
		return p->refl.threshold_pps;
	case XS_R_SYNACK_FLOOD:
		return p->synack.threshold_pps;
	case XS_R_ACK_FLOOD:
		return p->ack.threshold_pps;
	}
	return 0;
}

double xs_ruleset_max_window(const struct xs_ruleset *rs, int rule)
{
	struct xs_scale sc[XS_SCALES];
	double m = 0;
	int i, j, n;

	for (i = 0; i < rs->nprofiles; i++) {
		n = xs_rule_scales(&rs->prof[i], rule, sc);
		for (j = 0; j < n; j++)
			if (sc[j].window_s > m)
				m = sc[j].window_s;
	}
	return m;
}
