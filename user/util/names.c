// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <string.h>

#include "names.h"

const char *const xs_class_names[XS_C_MAX] = {
	[XS_C_IPV4_TCP] = "ipv4_tcp",	[XS_C_IPV4_UDP] = "ipv4_udp",
	[XS_C_IPV4_ICMP] = "ipv4_icmp", [XS_C_IPV4_OTHER] = "ipv4_other",
	[XS_C_IPV4_FRAG] = "ipv4_frag", [XS_C_IPV6_TCP] = "ipv6_tcp",
	[XS_C_IPV6_UDP] = "ipv6_udp",	[XS_C_IPV6_ICMP] = "ipv6_icmp",
	[XS_C_IPV6_OTHER] = "ipv6_other", [XS_C_IPV6_FRAG] = "ipv6_frag",
	[XS_C_ARP] = "arp",		[XS_C_OTHER_L2] = "other_l2",
	[XS_C_MALFORMED] = "malformed",
};

const char *const xs_err_names[XS_E_MAX] = {
	[XS_E_ETH_TRUNC] = "eth_trunc",
	[XS_E_VLAN_TRUNC] = "vlan_trunc",
	[XS_E_VLAN_DEPTH] = "vlan_depth",
	[XS_E_IPV4_TRUNC] = "ipv4_trunc",
	[XS_E_IPV4_HDR] = "ipv4_hdr",
	[XS_E_IPV6_TRUNC] = "ipv6_trunc",
	[XS_E_IPV6_HDR] = "ipv6_hdr",
	[XS_E_IPV6_EXT_TRUNC] = "ipv6_ext_trunc",
	[XS_E_IPV6_EXT_DEPTH] = "ipv6_ext_depth",
	[XS_E_TCP_TRUNC] = "tcp_trunc",
	[XS_E_TCP_HDR] = "tcp_hdr",
	[XS_E_UDP_TRUNC] = "udp_trunc",
	[XS_E_ICMP_TRUNC] = "icmp_trunc",
	[XS_E_ICMP6_TRUNC] = "icmp6_trunc",
	[XS_E_IPV6_V4MAPPED] = "ipv6_v4mapped",
};

const char *const xs_cnt_names[XS_N_MAX] = {
	[XS_N_TCP_SYN] = "tcp_syn",
	[XS_N_TCP_SYNACK] = "tcp_synack",
	[XS_N_TCP_RST] = "tcp_rst",
	[XS_N_TCP_FIN] = "tcp_fin",
	[XS_N_VLAN] = "vlan_tagged",
	[XS_N_IP_FRAG_FIRST] = "ip_frag_first",
	[XS_N_REFLECT] = "reflector_src_port",
	[XS_N_FLOW_NEW] = "flows_new",
	[XS_N_EV_SENT] = "events_sent",
	[XS_N_EV_BUDGET] = "events_lost_budget",
	[XS_N_EV_RINGFULL] = "events_lost_ringbuf_full",
	[XS_N_DST_FULL] = "dst_map_full",
	[XS_N_SRC_FULL] = "src_map_full",
	[XS_N_FLOW_FULL] = "flow_map_full",
	[XS_N_DST_USED] = "dst_slots_used",
	[XS_N_SRC_USED] = "src_slots_used",
	[XS_N_BLOCKED] = "dropped_blocklist",
	[XS_N_RATE_LIMITED] = "dropped_rate_limit",
	[XS_N_FP_DROPPED] = "dropped_fingerprint",
	[XS_N_FRAG_TINY] = "frag_tiny_first",
	[XS_N_FRAG_OVERLAP] = "frag_overlap",
	[XS_N_FRAG_DROPPED] = "dropped_frag_evasion",
	[XS_N_SRC_UNADMITTED] = "src_unadmitted",
	[XS_N_FLOW_UNADMITTED] = "flows_unadmitted",
};

static const __u8 v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int xs_addr_is_v4(const struct xs_addr *a)
{
	return !memcmp(a->a, v4_prefix, sizeof(v4_prefix));
}

int xs_addr_is_zero(const struct xs_addr *a)
{
	static const struct xs_addr zero;

	return !memcmp(a, &zero, sizeof(zero));
}

const char *xs_addr_str(const struct xs_addr *a, char *buf)
{
	if (xs_addr_is_v4(a))
		inet_ntop(AF_INET, &a->a[12], buf, XS_ADDR_STRLEN);
	else
		inet_ntop(AF_INET6, a->a, buf, XS_ADDR_STRLEN);
	return buf;
}

int xs_addr_parse(const char *s, struct xs_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->a[12]) == 1) {
		memcpy(a->a, v4_prefix, sizeof(v4_prefix));
		return 0;
	}
	return inet_pton(AF_INET6, s, a->a) == 1 ? 0 : -1;
}
