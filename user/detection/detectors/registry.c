// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The detectors, one line each, in the order they run each tick: the
 * specific flood rules before the ones that defer to them (ack_flood to
 * syn_flood; udp_flood to reflection; volumetric and traffic_anomaly to
 * every flood rule). */
#include "engine_int.h"

extern const struct xs_detector xs_det_syn_flood, xs_det_reflection, xs_det_udp_flood,
	xs_det_icmp_flood, xs_det_volumetric, xs_det_port_scan, xs_det_host_sweep,
	xs_det_brute_force, xs_det_traffic_anomaly, xs_det_synack_flood, xs_det_ack_flood,
	xs_det_carpet_bombing, xs_det_credential_stuffing, xs_det_sip_fraud,
	xs_det_frag_evasion;

const struct xs_detector *const xs_detectors[] = {
	&xs_det_syn_flood,
	&xs_det_synack_flood,
	&xs_det_ack_flood,
	&xs_det_reflection,
	&xs_det_udp_flood,
	&xs_det_icmp_flood,
	&xs_det_volumetric,
	&xs_det_carpet_bombing,
	&xs_det_port_scan,
	&xs_det_host_sweep,
	&xs_det_brute_force,
	&xs_det_credential_stuffing,
	&xs_det_sip_fraud,
	&xs_det_traffic_anomaly,
	&xs_det_frag_evasion,
};

const int xs_ndetectors = sizeof(xs_detectors) / sizeof(xs_detectors[0]);
