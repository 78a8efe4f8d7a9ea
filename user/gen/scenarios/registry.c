// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The scenarios, one line each (the builders are in this folder, one file
 * per family), in the order `synth --list` shows them. */
#include "scn.h"

const struct xs_scenario xs_scenarios[] = {
	{ "syn_flood", "TCP SYNs from spoofed sources to one ip:port", xs_scn_syn_flood },
	{ "udp_flood", "UDP from spoofed sources to random ports of one host", xs_scn_udp_flood },
	{ "icmp_flood", "ICMP echo requests from spoofed sources to one host", xs_scn_icmp_flood },
	{ "synack_flood", "SYN-ACKs from many servers (TCP reflection) to one host that sent no SYN",
	  xs_scn_synack_flood },
	{ "ack_flood", "TCP ACK segments from spoofed sources, outside any connection",
	  xs_scn_ack_flood },
	{ "udp_burst", "a 100 ms UDP flood from spoofed sources (a pulse)", xs_scn_udp_burst },
	{ "carpet", "UDP from spoofed sources spread over every address of a /24", xs_scn_carpet },
	{ "dns_reflection", "large DNS replies (port 53) from many resolvers, fragmented",
	  xs_scn_dns_reflection },
	{ "ntp_reflection", "NTP monlist replies (port 123) from many servers",
	  xs_scn_ntp_reflection },
	{ "snmp_reflection", "SNMP GetBulk replies (port 161) from many agents, fragmented",
	  xs_scn_snmp_reflection },
	{ "wsd_reflection", "WS-Discovery ProbeMatches (port 3702) from many devices, fragmented",
	  xs_scn_wsd_reflection },
	{ "bacnet_reflection", "BACnet/IP ReadPropertyMultiple acks (port 47808) from many controllers",
	  xs_scn_bacnet_reflection },
	{ "port_scan", "one source, SYNs to many ports of one host", xs_scn_port_scan },
	{ "host_sweep", "one source, ICMP echo or a TCP SYN to every host of a range",
	  xs_scn_host_sweep },
	{ "brute_force", "one source, many short TCP connections to one service",
	  xs_scn_brute_force },
	{ "benign", "many clients: DNS then HTTPS, IPv4 and IPv6, normal rates", xs_scn_benign },
};
const int xs_nscenarios = sizeof(xs_scenarios) / sizeof(xs_scenarios[0]);
