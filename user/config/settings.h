/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Everything the configuration file sets for `run` and `replay`: the tick,
 * the kernel's knobs (event budget, reflector ports, map sizes), the
 * engine's memory limits, the alert life cycle and the rules. Settings
 * only describe: loading checks every section in one pass (the outputs'
 * too, without touching any sink) and keeps the document, and the caller
 * applies it (the pipeline pushes the kernel's knobs and configures its
 * outputs from s->root). config/xdpstream.yaml documents every key.
 */
#ifndef XS_SETTINGS_H
#define XS_SETTINGS_H

#include <stdint.h>
#include "bgp_cfg.h"
#include "config.h"
#include "sizes.h"
#include "prefix.h"
#include "rules.h"
#include "siphash.h"

#define XS_REFL_PORTS_MAX 256

/* Most entries the engine keeps, per table; past them new keys are
 * refused and counted (the alerts' evidence reports it). */
struct xs_limits {
	uint32_t destinations;	/* destinations with windows (flood rules, baselines) */
	uint32_t track_min_pps;	/* a destination gets a window from this rate on */
	uint32_t pairs;		/* (source, destination, protocol, port) records */
	uint32_t scan_keys;	/* (source, destination): distinct ports */
	uint32_t sweep_keys;	/* (source, service): distinct destinations */
	uint32_t services;	/* (destination, service): distinct sources, baselines */
	uint32_t connections;	/* (source, service) with repeated connections */
	uint32_t alerts;	/* alerts open at once */
	uint32_t prefixes;	/* victim prefixes (/24, /64) with windows (carpet bombing) */
	uint32_t prefix_track_pps;	/* a prefix gets a window from this rate on */
	uint32_t login_services;	/* (destination, login port): sources, connections */
	uint32_t probers;	/* sources whose probes reach many destinations */
	uint32_t sip_pairs;	/* (SIP client, server): requests and failures */
	uint32_t frag_sources;	/* sources of tiny/overlapping fragments (frag_evasion) */
};

struct xs_alert_cfg {
	double update_interval_s;	/* at most one update per alert this often */
	double cooldown_s;		/* quiet this long: the alert ends */
	uint32_t top_sources;		/* sources listed in the evidence */
	char hostname[256];		/* observer.hostname; empty = gethostname() */
};

#define XS_ALLOWLIST_MAX 1024

/* Fingerprints of flood and reflection alerts (user/mitigation/fpolicy.c). */
struct xs_fp_cfg {
	bool enabled;			/* sample the victims, fingerprint the attacks */
	uint32_t samples_per_tick;	/* per victim, per CPU and tick */
	uint32_t min_samples;		/* attack samples before a fingerprint */
	double coverage;		/* share of the attack's samples a fingerprint keeps */
	char pcap_dir[256];		/* a pcap of each alert's samples; "" = none */
	uint64_t pcap_max_bytes;	/* per file */
	uint32_t pcap_max_files;	/* the oldest go past this */
};

/* Enforce mode: off, rules' actions are only reported (as not enforced). */
struct xs_mitig_cfg {
	bool enforce;
	bool drop_fragment_evasion;	/* enforce: drop tiny/overlapping fragments */
	bool require_evidence;		/* rules block only sources seen to be real */
	bool exempt_local;		/* never block the sensor's own networks */
	uint32_t rule_blocks_max;	/* blocklist entries rules may hold */
	uint32_t rule_blocks_per_minute;	/* new rule-made blocks per minute */
	int nallow;
	struct xs_prefix allow[XS_ALLOWLIST_MAX];	/* never dropped */
	struct xs_fp_cfg fp;
	struct xs_bgp_cfg bgp;		/* enabled: mitigation.bgp is there */
};

/* The fleet (docs/fleet.md): what the aggregates carry for the fleet
 * application, and whether its mitigations apply here. */
struct xs_fleet_set {
	bool aggregates;	/* a kafka output sends aggregates: build their fleet part */
	bool have_key;		/* fleet_hll_key set: HyperLogLog registers */
	struct xs_sipkey key;
	char key_id[17];
	uint32_t p;		/* fleet_hll_p: registers 2^p */
	uint32_t items_max;	/* entries per list */
	uint32_t top_sources;	/* per victim */
	uint32_t watch;		/* victims with a kernel sketch */
	bool mitigation;	/* consume the fleet's mitigations */
	char mitigation_topic[250];
	xs_node kafka;		/* the kafka output whose brokers the consumer uses */
};

struct xs_settings {
	uint32_t tick_ms;
	uint32_t ipv6_source_prefix;	/* per-source rules count IPv6 sources per /N */
	uint64_t event_budget;	/* new-flow events per second, all CPUs */
	/* Source admission (bpf/account.h admit_src): new sources per
	 * destination and second, all CPUs, before the sample (0: all); the
	 * sample, 1 in admit_sample (a power of two). */
	uint64_t admit_after;
	uint32_t admit_sample;
	bool mirror;		/* count, then drop every frame (a SPAN/TAP port) */
	uint16_t refl_ports[XS_REFL_PORTS_MAX];
	int nrefl_ports;
	struct xs_sizes sizes;
	struct xs_limits limits;
	struct xs_alert_cfg alerts;
	struct xs_mitig_cfg *mitigation;	/* owned */
	struct xs_ruleset *rules;	/* owned */
	struct xs_fleet_set fleet;
	/* The document the settings came from, for the sections the caller
	 * applies itself (xs_output_configure(out, s->root)). Absent (all
	 * zero) with the defaults. */
	xs_node root;
	struct xs_cfg *doc;	/* owned when loaded from a file or a string */
};

/* Defaults only (no file). Returns 0 or -ENOMEM. */
int xs_settings_init(struct xs_settings *s);
void xs_settings_free(struct xs_settings *s);

/* Loads path into s (which must hold the defaults), checking `outputs`
 * too. Every problem is logged as one error line "FILE:LINE: key: what";
 * returns the number of errors (0: s is ready), or -1 when the file
 * cannot be read or parsed (one line logged). */
int xs_settings_load(struct xs_settings *s, const char *path);

/* Applies a loaded document without printing: the errors stay in cfg,
 * which the caller keeps and frees (tests). Returns the number of errors. */
int xs_settings_apply(struct xs_settings *s, struct xs_cfg *cfg);

/* The same as xs_settings_load, from a string. */
int xs_settings_load_string(struct xs_settings *s, const char *name, const char *yaml);

#endif
