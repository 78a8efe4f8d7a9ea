// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fleet_hll.h"
#include "log.h"
#include "output.h"
#include "settings.h"

int xs_settings_init(struct xs_settings *s)
{
	/* DNS, NTP, SNMP, SSDP, CLDAP, memcached, chargen: the reflectors
	 * with the largest amplification factors (US-CERT TA14-017A). */
	static const uint16_t refl[] = { 19, 53, 123, 161, 389, 1900, 11211 };

	memset(s, 0, sizeof(*s));
	s->tick_ms = 1000;
	s->event_budget = 200000;
	s->admit_after = 20000;
	s->admit_sample = 16;
	memcpy(s->refl_ports, refl, sizeof(refl));
	s->nrefl_ports = sizeof(refl) / sizeof(refl[0]);
	xs_sizes_default(&s->sizes);
	s->limits = (struct xs_limits){
		.destinations = 8192,
		.track_min_pps = 10,
		.pairs = 262144,
		.scan_keys = 65536,
		.sweep_keys = 65536,
		.services = 65536,
		.connections = 32768,
		.alerts = 10000,
		.prefixes = 4096,
		.prefix_track_pps = 500,
		.login_services = 8192,
		.probers = 16384,
		.sip_pairs = 8192,
		.frag_sources = 4096,
	};
	s->ipv6_source_prefix = 64;
	s->alerts.update_interval_s = 10;
	s->alerts.cooldown_s = 30;
	s->alerts.top_sources = 5;
	s->fleet.p = 14;
	s->fleet.items_max = 256;
	s->fleet.top_sources = 8;
	s->fleet.watch = XS_FLEET_WATCH;
	snprintf(s->fleet.mitigation_topic, sizeof(s->fleet.mitigation_topic),
		 "xdpstream.fleet.mitigations");
	s->rules = malloc(sizeof(*s->rules));
	s->mitigation = calloc(1, sizeof(*s->mitigation));
	if (!s->rules || !s->mitigation) {
		xs_settings_free(s);
		return -ENOMEM;
	}
	s->mitigation->require_evidence = true;
	s->mitigation->exempt_local = true;
	s->mitigation->rule_blocks_max = 3072;
	s->mitigation->rule_blocks_per_minute = 60;
	xs_ruleset_default(s->rules);
	s->mitigation->fp = (struct xs_fp_cfg){
		.enabled = true,
		.samples_per_tick = 256,
		.min_samples = 64,
		.coverage = 0.99,
		.pcap_max_bytes = 1 << 20,
		.pcap_max_files = 100,
	};
	xs_bgp_cfg_default(&s->mitigation->bgp);
	return 0;
}

void xs_settings_free(struct xs_settings *s)
{
	free(s->rules);
	free(s->mitigation);
	xs_cfg_free(s->doc);
	s->rules = NULL;
	s->mitigation = NULL;
	s->doc = NULL;
	s->root = (xs_node){ 0 };
}

static void read_u32(xs_node m, const char *key, uint32_t min, uint32_t max, uint32_t *out)
{
	xs_cfg_u32(m, key, min, max, out);
}

static void read_fingerprint(struct xs_fp_cfg *f, xs_node n)
{
	xs_cfg_bool(n, "enabled", &f->enabled);
	xs_cfg_u32(n, "samples_per_tick", 1, 65536, &f->samples_per_tick);
	xs_cfg_u32(n, "min_samples", 1, 4096, &f->min_samples);
	xs_cfg_double(n, "coverage", 0.5, 1, &f->coverage);
	if (!xs_cfg_str(n, "pcap_dir", f->pcap_dir, sizeof(f->pcap_dir)) && f->pcap_dir[0] &&
	    f->pcap_dir[0] != '/')
		xs_cfg_error(xs_cfg_get(n, "pcap_dir"), "give an absolute path (/var/lib/xdpstream/pcap)");
	xs_cfg_u64(n, "pcap_max_bytes", 4096, 1ULL << 32, &f->pcap_max_bytes);
	xs_cfg_u32(n, "pcap_max_files", 1, 100000, &f->pcap_max_files);
	xs_cfg_check_unknown(n);
}

static void read_mitigation(struct xs_mitig_cfg *m, xs_node n)
{
	xs_node allow = xs_cfg_get_seq(n, "allowlist");
	int i, len = xs_cfg_seq_len(allow);

	xs_cfg_bool(n, "enforce", &m->enforce);
	xs_cfg_bool(n, "drop_fragment_evasion", &m->drop_fragment_evasion);
	xs_cfg_bool(n, "require_evidence", &m->require_evidence);
	xs_cfg_bool(n, "exempt_local", &m->exempt_local);
	/* The blocklist holds XS_BLOCKLIST_MAX: the rest is the users'. */
	xs_cfg_u32(n, "rule_blocks_max", 0, XS_BLOCKLIST_MAX, &m->rule_blocks_max);
	xs_cfg_u32(n, "rule_blocks_per_minute", 0, 100000, &m->rule_blocks_per_minute);
	if (xs_node_present(allow)) {
		m->nallow = 0;
		for (i = 0; i < len; i++) {
			xs_node c = xs_cfg_seq_at(allow, i);
			const char *str = xs_node_scalar(c);

			if (m->nallow >= XS_ALLOWLIST_MAX) {
				xs_cfg_error(c, "at most %d prefixes", XS_ALLOWLIST_MAX);
				break;
			}
			if (!str || xs_prefix_parse(str, &m->allow[m->nallow]))
				xs_cfg_error(c, "expected an address or a prefix with zero host bits "
						"(192.0.2.0/24, 2001:db8::/32), got '%s'",
					     str ? str : "");
			else
				m->nallow++;
		}
	}
	read_fingerprint(&m->fp, xs_cfg_get_map(n, "fingerprint"));
	xs_bgp_cfg_default(&m->bgp);
	xs_bgp_cfg_read(&m->bgp, xs_cfg_get_map(n, "bgp"));
	/* What is never dropped is never announced either. */
	m->bgp.nallow = m->nallow;
	memcpy(m->bgp.allow, m->allow, m->nallow * sizeof(m->allow[0]));
	xs_cfg_check_unknown(n);
}

/* The first kafka output that sends aggregates (aggregates_topic absent
 * means the default topic), read without recording anything: the output
 * layer checks its keys. */
static xs_node aggregates_output(xs_node root)
{
	xs_node outs = xs_cfg_get_seq(root, "outputs");
	int i;

	for (i = 0; i < xs_cfg_seq_len(outs); i++) {
		xs_node o = xs_cfg_seq_at(outs, i), t, a;
		const char *v;

		if (!xs_node_is_map(o))
			continue;
		t = xs_cfg_get(o, "type");
		a = xs_cfg_get(o, "aggregates_topic");
		if (!xs_node_scalar(t) || strcmp(xs_node_scalar(t), "kafka"))
			continue;
		v = xs_node_scalar(a);
		if (!xs_node_present(a) || (v && v[0]))
			return o;
	}
	return (xs_node){ 0 };
}

/* Top-level fleet_* keys (config/xdpstream.yaml says why each). */
static void read_fleet(struct xs_settings *s, xs_node root)
{
	struct xs_fleet_set *f = &s->fleet;
	char key[40] = "";

	if (!xs_cfg_str(root, "fleet_hll_key", key, sizeof(key)) && key[0]) {
		if (xs_sipkey_parse(key, &f->key))
			xs_cfg_error(xs_cfg_get(root, "fleet_hll_key"),
				     "expected 32 hex digits (16 bytes), the same on every sensor of "
				     "the fleet (e.g. from 'openssl rand -hex 16')");
		else
			f->have_key = true;
	}
	if (f->have_key)
		xs_sipkey_id(&f->key, f->key_id);
	read_u32(root, "fleet_hll_p", XS_FHLL_P_MIN, XS_FLEET_P, &f->p);
	read_u32(root, "fleet_items_max", 1, 4096, &f->items_max);
	read_u32(root, "fleet_top_sources", 0, 64, &f->top_sources);
	read_u32(root, "fleet_watch", 0, XS_FLEET_WATCH, &f->watch);
	xs_cfg_bool(root, "fleet_mitigation", &f->mitigation);
	xs_cfg_str(root, "fleet_mitigation_topic", f->mitigation_topic,
		   sizeof(f->mitigation_topic));
	if (!f->mitigation_topic[0])
		xs_cfg_error(xs_cfg_get(root, "fleet_mitigation_topic"), "expected a topic name");
	f->kafka = aggregates_output(root);
	f->aggregates = xs_node_present(f->kafka);
	if (f->mitigation && !f->aggregates)
		xs_cfg_error(xs_cfg_get(root, "fleet_mitigation"),
			     "needs a kafka output (in outputs:) that sends aggregates: its brokers "
			     "and sensor_name are the consumer's");
	/* Kernel memory for the sketches only when they are sent. */
	s->sizes.fleet_watch = f->aggregates && f->have_key ? f->watch : 0;
}

/* Actions that need what is not configured: said once, at the rules. */
static void check_actions(const struct xs_settings *s, xs_node root)
{
	xs_node at = xs_cfg_get(root, "rules");
	int p, r;

	if (!xs_node_present(at))
		at = xs_cfg_get(root, "networks");
	for (p = 0; p < s->rules->nprofiles; p++)
		for (r = 0; r < XS_R_MAX; r++) {
			uint32_t a = s->rules->prof[p].act[r].fp_actions;

			if ((a & (1u << XS_ACT_FILTER | 1u << XS_ACT_FLOWSPEC)) &&
			    !s->mitigation->fp.enabled) {
				xs_cfg_error(at, "%s: filter and flowspec act on the fingerprint: "
						 "mitigation.fingerprint.enabled must be true",
					     xs_rule_names[r]);
				return;
			}
			if ((a & (1u << XS_ACT_FLOWSPEC | 1u << XS_ACT_BLACKHOLE)) &&
			    !s->mitigation->bgp.enabled) {
				xs_cfg_error(at, "%s: flowspec and blackhole announce routes: "
						 "configure mitigation.bgp (see config/bgp.example.yaml)",
					     xs_rule_names[r]);
				return;
			}
		}
}

static void configure(struct xs_settings *s, xs_node root)
{
	xs_node maps, limits, alerts, refl, admission;
	uint64_t v;
	int i, n;

	if (xs_node_present(root) && !xs_node_is_map(root)) {
		xs_cfg_error(root, "expected a mapping (key: value lines) at the top level");
		return;
	}
	read_u32(root, "tick_ms", 10, 60000, &s->tick_ms);
	read_u32(root, "ipv6_source_prefix", 1, 128, &s->ipv6_source_prefix);
	xs_cfg_u64(root, "event_budget", 0, 100000000, &s->event_budget);
	xs_cfg_bool(root, "mirror", &s->mirror);
	admission = xs_cfg_get_map(root, "admission");
	xs_cfg_u64(admission, "after", 0, 100000000, &s->admit_after);
	if (xs_node_present(xs_cfg_get(admission, "sample"))) {
		uint32_t n = s->admit_sample;

		if (!xs_cfg_u32(admission, "sample", 1, 32768, &n)) {
			if (n & (n - 1))
				xs_cfg_error(xs_cfg_get(admission, "sample"),
					     "must be a power of two (1, 2, 4, ... 32768)");
			else
				s->admit_sample = n;
		}
	}
	xs_cfg_check_unknown(admission);

	refl = xs_cfg_get_seq(root, "reflector_ports");
	n = xs_cfg_seq_len(refl);
	if (xs_node_present(refl)) {
		if (n > XS_REFL_PORTS_MAX) {
			xs_cfg_error(refl, "at most %d ports", XS_REFL_PORTS_MAX);
		} else {
			s->nrefl_ports = 0;
			for (i = 0; i < n; i++)
				if (!xs_cfg_node_u64(xs_cfg_seq_at(refl, i), 1, 65535, &v))
					s->refl_ports[s->nrefl_ports++] = (uint16_t)v;
		}
	}

	maps = xs_cfg_get_map(root, "maps");
	read_u32(maps, "dst_entries", 64, 1 << 26, &s->sizes.dst_entries);
	read_u32(maps, "src_entries", 64, 1 << 26, &s->sizes.src_entries);
	read_u32(maps, "flow_entries", 64, 1 << 26, &s->sizes.flow_entries);
	if (xs_node_present(xs_cfg_get(maps, "ringbuf_bytes"))) {
		uint32_t rb = s->sizes.ringbuf_bytes;

		if (!xs_cfg_u32(maps, "ringbuf_bytes", 4096, 1u << 30, &rb)) {
			if (rb & (rb - 1))
				xs_cfg_error(xs_cfg_get(maps, "ringbuf_bytes"),
					     "must be a power of two (4096, 8192, ... 1073741824)");
			else
				s->sizes.ringbuf_bytes = rb;
		}
	}
	xs_cfg_check_unknown(maps);

	limits = xs_cfg_get_map(root, "limits");
	read_u32(limits, "destinations", 16, 1 << 24, &s->limits.destinations);
	read_u32(limits, "track_min_pps", 0, 1000000000, &s->limits.track_min_pps);
	read_u32(limits, "pairs", 16, 1 << 28, &s->limits.pairs);
	read_u32(limits, "scan_keys", 16, 1 << 28, &s->limits.scan_keys);
	read_u32(limits, "sweep_keys", 16, 1 << 28, &s->limits.sweep_keys);
	read_u32(limits, "services", 16, 1 << 28, &s->limits.services);
	read_u32(limits, "connections", 16, 1 << 26, &s->limits.connections);
	read_u32(limits, "alerts", 16, 1 << 24, &s->limits.alerts);
	read_u32(limits, "prefixes", 16, 1 << 22, &s->limits.prefixes);
	read_u32(limits, "prefix_track_pps", 0, 1000000000, &s->limits.prefix_track_pps);
	read_u32(limits, "login_services", 16, 1 << 24, &s->limits.login_services);
	read_u32(limits, "probers", 16, 1 << 24, &s->limits.probers);
	read_u32(limits, "sip_pairs", 16, 1 << 24, &s->limits.sip_pairs);
	read_u32(limits, "frag_sources", 16, 1 << 24, &s->limits.frag_sources);
	xs_cfg_check_unknown(limits);

	alerts = xs_cfg_get_map(root, "alerts");
	xs_cfg_double(alerts, "update_interval_s", 0, 86400, &s->alerts.update_interval_s);
	xs_cfg_double(alerts, "cooldown_s", 0, 86400, &s->alerts.cooldown_s);
	read_u32(alerts, "top_sources", 0, 32, &s->alerts.top_sources);
	xs_cfg_str(alerts, "hostname", s->alerts.hostname, sizeof(s->alerts.hostname));
	xs_cfg_check_unknown(alerts);

	read_mitigation(s->mitigation, xs_cfg_get_map(root, "mitigation"));
	xs_ruleset_configure(s->rules, root);
	check_actions(s, root);
	/* The sinks read their own section when the caller applies it: here
	 * it is only checked, so that one pass reports every error. */
	xs_cfg_get(root, "outputs");
	xs_output_check(root);
	read_fleet(s, root);
	xs_cfg_check_unknown(root);
	s->root = root;
}

int xs_settings_apply(struct xs_settings *s, struct xs_cfg *cfg)
{
	configure(s, xs_cfg_root(cfg));
	return xs_cfg_nerrors(cfg);
}

/* Prints the errors; keeps the document in s when there is none. */
static int finish(struct xs_settings *s, struct xs_cfg *cfg)
{
	int i, n = xs_cfg_nerrors(cfg);

	for (i = 0; i < n; i++)
		xs_err("%s", xs_cfg_error_at(cfg, i));
	if (n) {
		xs_cfg_free(cfg);
		s->root = (xs_node){ 0 };
		return n;
	}
	xs_cfg_free(s->doc);
	s->doc = cfg;
	return 0;
}

/* A key that holds a secret: passwords, tokens, private keys' passphrases. */
static bool secret_key(const char *k)
{
	return strstr(k, "password") || strstr(k, "secret") || strstr(k, "token") ||
	       !strcmp(k, "sasl.password") || !strcmp(k, "ssl.key.password");
}

/* The first key of n's subtree holding a non-empty secret, or NULL. */
static const char *find_secret(xs_node n, int depth)
{
	int i, len;

	if (depth > 16)
		return NULL;
	if (xs_node_is_map(n)) {
		for (i = 0, len = xs_cfg_map_len(n); i < len; i++) {
			const char *k = xs_cfg_map_key(n, i), *r;
			/* Peek without marking the key read. */
			xs_node v = { .cfg = n.cfg, .idx = 0 };

			v = xs_cfg_map_peek(n, i);
			if (k && secret_key(k) && xs_node_scalar(v) && *xs_node_scalar(v) &&
			    !strstr(k, "_file"))
				return k;
			if ((r = find_secret(v, depth + 1)))
				return r;
		}
	} else if (xs_node_is_seq(n)) {
		for (i = 0, len = xs_cfg_seq_len(n); i < len; i++) {
			const char *r = find_secret(xs_cfg_seq_at(n, i), depth + 1);

			if (r)
				return r;
		}
	}
	return NULL;
}

/* A configuration that holds a secret must not be readable by everyone
 * (issue 13): said once, at load. */
static void warn_exposed(const char *path, struct xs_cfg *cfg)
{
	struct stat st;
	const char *k;

	if (stat(path, &st) || !(st.st_mode & S_IROTH))
		return;
	k = find_secret(xs_cfg_root(cfg), 0);
	if (k)
		xs_warn("%s holds a secret (%s) and every user can read it: chmod o-r %s", path, k,
			path);
}

int xs_settings_load(struct xs_settings *s, const char *path)
{
	char err[512];
	struct xs_cfg *cfg = xs_cfg_load_file(path, err, sizeof(err));
	int n;

	if (!cfg) {
		xs_err("%s", err);
		return -1;
	}
	configure(s, xs_cfg_root(cfg));
	warn_exposed(path, cfg);
	n = finish(s, cfg);
	return n;
}

int xs_settings_load_string(struct xs_settings *s, const char *name, const char *yaml)
{
	char err[512];
	struct xs_cfg *cfg = xs_cfg_load_string(name, yaml, err, sizeof(err));

	if (!cfg) {
		xs_err("%s", err);
		return -1;
	}
	configure(s, xs_cfg_root(cfg));
	return finish(s, cfg);
}
