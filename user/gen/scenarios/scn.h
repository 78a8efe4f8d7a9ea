/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Helpers for the scenario builders in user/gen/scenarios/; not an API. */
#ifndef XS_SCN_H
#define XS_SCN_H

#include <netinet/in.h>

#include "log.h"
#include "pktbuild.h"
#include "scenario.h"

/* Builders, one per scenario (table in scenarios/registry.c). */
int xs_scn_syn_flood(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_udp_flood(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_icmp_flood(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_synack_flood(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_ack_flood(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_udp_burst(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_carpet(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_wsd_reflection(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_bacnet_reflection(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_dns_reflection(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_ntp_reflection(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_snmp_reflection(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_port_scan(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_host_sweep(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_brute_force(const struct xs_scn_params *p, struct xs_plan *pl);
int xs_scn_benign(const struct xs_scn_params *p, struct xs_plan *pl);

/* Default address plan (documentation and benchmarking ranges). */
#define SCN_VICTIM4 "198.18.0.10"
#define SCN_VICTIM6 "2001:db8:18::10"
#define SCN_SPOOF4 "10.0.0.0/8"
#define SCN_SPOOF6 "2001:db8::/32"	/* spoofed: a new /64 per packet */
#define SCN_ATTACKER4 "203.0.113.66"
#define SCN_ATTACKER6 "2001:db8:bad::66"
#define SCN_REFLECTORS4 "100.64.0.0/16"
#define SCN_REFLECTORS6 "2001:db8:64::/112"
#define SCN_SWEEP4 "198.18.1.0/24"
#define SCN_SWEEP6 "2001:db8:18:1::/120"
#define SCN_CLIENTS4 "172.16.0.0/16"
#define SCN_CLIENTS6 "2001:db8:c::/64"
#define SCN_SERVERS4 "198.18.2.0/26"
#define SCN_SERVERS6 "2001:db8:5::/122"
#define SCN_RESOLVER4 "198.18.0.53"
#define SCN_RESOLVER6 "2001:db8:53::53"

/* A template frame and where its headers are. */
struct scn_frame {
	uint8_t buf[XS_PKT_MAX];
	int len;
	int kind;
	struct xs_pkt_layout lay;
	uint8_t proto;
	bool v4;
	bool later;		/* a non-first fragment: no L4 header */
};

/* The parameter's range, or the default for the family (v4 true: IPv4). */
void scn_range(const struct xs_range *given, bool set, const char *def4, const char *def6,
	       bool v4, struct xs_range *out);
/* The family of a scenario: from --dst, else --src, else IPv4. */
bool scn_v4(const struct xs_scn_params *p);
/* Fails (logged, returns 2) unless r is one address. */
int scn_need_single(const struct xs_range *r, const char *flag, const char *scenario);
/* Fails unless both ranges are of one family. */
int scn_same_family(const struct xs_range *a, const struct xs_range *b, const char *scenario);

/* A spec with the lab's MACs, the VLAN tag of p, and the addresses. */
void scn_spec(const struct xs_scn_params *p, struct xs_pkt_spec *s, const struct xs_addr *src,
	      const struct xs_addr *dst, uint8_t proto, uint16_t sport, uint16_t dport);
/* Builds s into fr and adds it to the plan as a kind. Returns 0 or -1. */
int scn_add(struct xs_plan *pl, const char *name, const struct xs_pkt_spec *s,
	    struct scn_frame *fr);
/* Adds an already built frame (fragments). */
int scn_add_raw(struct xs_plan *pl, const char *name, struct scn_frame *fr);

/* How a field varies (the offsets and checksums are filled in by the
 * scn_vary_* helpers). */
struct xs_gen_field scn_seq(uint32_t span);
struct xs_gen_field scn_rand(uint32_t span, uint32_t stream);
/* Each value once per pass, in an order drawn from the seed. */
struct xs_gen_field scn_perm(uint32_t span, uint64_t seed, uint32_t stream);

/* The field how, placed on every kind in kinds (all laid out like fr):
 * the source or destination address (its last 32 bits for IPv6) */
int scn_vary_addr(struct xs_plan *pl, uint32_t kinds, const struct scn_frame *fr, bool src,
		  struct xs_gen_field how);
/* IPv6 sources of a block of /32 or wider vary in bits 32-63 too (stream:
 * another than the low half's): spoofed sources spread over many /64s,
 * as real spoofing does, and as a sensor counting sources per /64 sees. */
int scn_vary_src6_net(struct xs_plan *pl, uint32_t kinds, const struct scn_frame *fr,
		      const struct xs_range *r, uint32_t stream);
/* a field at l4off bytes into the L4 header (ports 0/2, TCP seq 4, ack 8,
 * ICMP id 4 and seq 6; the payload starts at the header's length) */
int scn_vary_l4(struct xs_plan *pl, uint32_t kinds, const struct scn_frame *fr, int l4off,
		int size, struct xs_gen_field how);
/* the IPv4 identification */
int scn_vary_ipid(struct xs_plan *pl, uint32_t kinds, const struct scn_frame *fr,
		  struct xs_gen_field how);

/* Frame count and rate from p, else the defaults (count 0: from the
 * duration). */
void scn_timing(struct xs_plan *pl, const struct xs_scn_params *p, uint64_t def_rate,
		double def_duration, uint64_t def_count);
/* Sets the label; attacker NULL or a block of more than one address: "*". */
void scn_label(struct xs_plan *pl, const char *rule, const struct xs_range *attacker,
	       const char *victim, const char *forbid);

/* Payloads (scenarios/payload.c): each fills exactly size bytes. */
int scn_dns_query(uint8_t *b, int size, uint16_t txid, const char *name, uint16_t qtype);
int scn_dns_response(uint8_t *b, int size, uint16_t txid, const char *name, uint16_t qtype);
int scn_dns_query_len(const char *name);
void scn_ntp_monlist(uint8_t *b, int size);
void scn_snmp_response(uint8_t *b, int size);
void scn_bacnet_ack(uint8_t *b, int size);
void scn_tls_record(uint8_t *b, int size, uint8_t type, uint64_t seed);
void scn_text(uint8_t *b, int size, const char *text);

#endif
