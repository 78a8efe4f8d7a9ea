// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Per-packet cost of the XDP program, by packet class, next to a program
 * that only passes, measured in the same run: BPF_PROG_TEST_RUN with a
 * large repeat, the kernel's own per-repetition duration, several runs.
 * New-flow classes go through xdp_bench_rand, which randomises the source
 * of every repetition and tail-calls the program under test (or xdp_pass,
 * for its baseline).
 *
 * A test run repeats one frame in a tight loop, so whatever the program
 * touches stays in the caches between repetitions: a spoofed flood's new
 * sources and flows land in tables of megabytes that fit this machine's
 * last-level cache. Live, other work (the daemon, the stack, other
 * processes) evicts them, and every probe of a full table is a miss. The
 * cold case reproduces that: the same flood into full tables, in chunks
 * of CHUNK repetitions, with the source and flow tables flushed from every
 * cache level (clflush on their mappings) before each chunk.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpstream.skel.h"
#include "xdp_bench.skel.h"
#include "xdp_pass.skel.h"
#include "bench.h"
#include "collector.h"
#include "loader.h"
#include "log.h"
#include "names.h"
#include "pktbuild.h"
#include "victims.h"

/* Watched victims (bpf/filter.h) while a class runs. */
enum { W_NONE, W_OTHER, W_COUNT, W_DROP };

struct pclass {
	const char *name;
	bool new_flow;	/* every packet a new flow (via xdp_bench_rand) */
	bool cold;	/* tables flushed from the caches before each chunk */
	bool admit_off;	/* source admission off (bpf/account.h admit_src) */
	struct xs_pkt_spec s;
	int cut;
	int watch;	/* W_OTHER: another destination is watched; W_COUNT: this one,
			 * sampled 1 in 1000 with two rules counting; W_DROP: and the
			 * second drops it */
};

static const char sip_register[] = "REGISTER sip:192.0.2.10 SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n"
				   "From: <sip:1000@192.0.2.10>;tag=1\r\nTo: <sip:1000@192.0.2.10>\r\n"
				   "Call-ID: 1@10.0.0.1\r\nCSeq: 1 REGISTER\r\n"
				   "Content-Length: 0\r\n\r\n";

static int build_classes(struct pclass *c)
{
	int n = 0;

	c[n].name = "ipv4_tcp_syn_new_flow";
	c[n].new_flow = true;
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_SYN;

	c[n].name = "ipv4_tcp_established";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n].s.tcp_flags = XS_TCP_ACK | XS_TCP_PSH;
	c[n++].s.payload = 10;

	c[n].name = "ipv4_udp";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_UDP, 40000, 53);
	c[n++].s.payload = 18;

	c[n].name = "ipv4_icmp_echo";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_ICMP, 0, 0);
	c[n].s.icmp_type = 8;
	c[n++].s.payload = 18;

	c[n].name = "ipv6_tcp_established";
	xs_pkt_spec_init(&c[n].s, "2001:db8::1", "2001:db8::10", IPPROTO_TCP, 40000, 443);
	c[n++].s.tcp_flags = XS_TCP_ACK;

	/* An established connection's pure ACK (no payload): one flow table
	 * lookup tells it from an ACK probe (bpf/probe.h). */
	c[n].name = "ipv4_tcp_pure_ack";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_ACK;

	/* ACKs that no connection knows, each from a new source: an ACK
	 * flood or scan, recorded and reported like SYNs. */
	c[n].name = "ipv4_tcp_ack_probe_new";
	c[n].new_flow = true;
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_ACK;

	/* A SIP REGISTER on 5060: the first word read (bpf/sip.h). */
	c[n].name = "ipv4_udp_sip_register";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_UDP, 5060, 5060);
	c[n].s.payload = sizeof(sip_register) - 1;
	c[n++].s.data = (const uint8_t *)sip_register;

	c[n].name = "vlan_ipv4_udp";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_UDP, 40000, 53);
	c[n].s.nvlan = 1;
	c[n].s.vlan_id[0] = 10;
	c[n++].s.payload = 14;

	c[n].name = "ipv4_later_fragment";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_UDP, 53, 40000);
	c[n].s.frag_offset = 185;
	c[n++].s.payload = 26;

	c[n].name = "malformed_tcp_trunc";
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].cut = 14 + 20 + 10;

	/* Out-of-state TCP from spoofed sources (hping3 -A --rand-source):
	 * no flow lookup, a new source slot and the ACK HyperLogLog each. */
	c[n].name = "spoofed_ack_flood";
	c[n].new_flow = true;
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_ACK;

	c[n].name = "worst_spoofed_syn_flood";
	c[n].new_flow = true;
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_SYN;

	c[n].name = "worst_spoofed_syn_flood_cold";
	c[n].new_flow = true;
	c[n].cold = true;
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_SYN;

	/* The same two without source admission: every spoofed source claims
	 * a slot, probes the flow table and fills both. */
	c[n].name = "worst_spoofed_syn_flood_admission_off";
	c[n].new_flow = true;
	c[n].admit_off = true;
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_SYN;

	c[n].name = "worst_spoofed_syn_flood_cold_admission_off";
	c[n].new_flow = true;
	c[n].cold = true;
	c[n].admit_off = true;
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n++].s.tcp_flags = XS_TCP_SYN;

	/* What fingerprints cost: nothing with the table empty (above); one
	 * lookup for everyone while a victim is watched; the victim's own. */
	c[n].name = "ipv4_tcp_established_victim_elsewhere";
	c[n].watch = W_OTHER;
	xs_pkt_spec_init(&c[n].s, "10.0.0.1", "192.0.2.10", IPPROTO_TCP, 40000, 80);
	c[n].s.tcp_flags = XS_TCP_ACK | XS_TCP_PSH;
	c[n++].s.payload = 10;

	c[n].name = "ipv4_udp_reply_watched_victim";
	c[n].watch = W_COUNT;
	xs_pkt_spec_init(&c[n].s, "100.64.0.1", "192.0.2.20", IPPROTO_UDP, 53, 40000);
	c[n++].s.payload = 1200;

	c[n].name = "ipv4_udp_reply_fingerprint_drop";
	c[n].watch = W_DROP;
	xs_pkt_spec_init(&c[n].s, "100.64.0.1", "192.0.2.20", IPPROTO_UDP, 53, 40000);
	c[n++].s.payload = 1200;
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* runs repetitions of repeat packets; fills stats in ns/packet. */
static int measure(int prog_fd, const void *frame, int len, int repeat, int runs,
		   struct bench_stat *st)
{
	__u32 d[64] = {};
	int i;

	for (i = 0; i < runs && i < 64; i++) {
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
				    .repeat = repeat);

		if (bpf_prog_test_run_opts(prog_fd, &o))
			return -errno;
		d[i] = o.duration;
	}
	if (runs > 64)
		runs = 64;
	qsort(d, runs, sizeof(d[0]), cmp_u32);
	st->min = d[0];
	st->median = d[runs / 2];
	st->max = d[runs - 1];
	return 0;
}

/* Memory to evict from the caches before each chunk of the cold case. */
struct cold {
	struct { const char *p; size_t len; } r[4];
	int n;
};

#define CHUNK 1024	/* repetitions between two flushes */

static void flush(const struct cold *c)
{
#ifdef __x86_64__
	size_t off;
	int i;

	for (i = 0; i < c->n; i++)
		for (off = 0; off < c->r[i].len; off += 64)
			__builtin_ia32_clflush(c->r[i].p + off);
	__builtin_ia32_mfence();
#else
#warning "no cache flush on this architecture: the cold case is warm"
#endif
}

/* runs measurements of repeat packets, each as chunks of CHUNK after a
 * flush; stats in ns/packet. */
static int measure_cold(int prog_fd, const void *frame, int len, int repeat, int runs,
			const struct cold *c, struct bench_stat *st)
{
	__u32 d[64] = {};
	int i, k, chunks = (repeat + CHUNK - 1) / CHUNK;

	if (runs > 64)
		runs = 64;
	for (i = 0; i < runs; i++) {
		__u64 sum = 0;

		for (k = 0; k < chunks; k++) {
			DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
					    .data_size_in = len, .repeat = CHUNK);

			flush(c);
			if (bpf_prog_test_run_opts(prog_fd, &o))
				return -errno;
			sum += (__u64)o.duration * CHUNK;
		}
		d[i] = (__u32)(sum / ((__u64)chunks * CHUNK));
	}
	qsort(d, runs, sizeof(d[0]), cmp_u32);
	st->min = d[0];
	st->median = d[runs / 2];
	st->max = d[runs - 1];
	return 0;
}

/* This CPU's region of the current generation's source table (slots and
 * buckets), and the flow table: what a spoofed flood's packets miss on. */
static int cold_regions(struct xs_collector *col, struct xs_bpf *b, int cpu, struct cold *c,
			void **flow_map, size_t *flow_len)
{
	struct bpf_map *m = b->skel->maps.xs_flowtab;
	size_t gen = col->rt.epoch & 1, region = (size_t)cpu * XS_GENS + gen;

	*flow_len = (size_t)bpf_map__value_size(m) * bpf_map__max_entries(m);
	*flow_map = mmap(NULL, *flow_len, PROT_READ, MAP_SHARED, bpf_map__fd(m), 0);
	if (*flow_map == MAP_FAILED)
		return -errno;
	c->n = 0;
	c->r[c->n].p = (const char *)(col->stab + region * col->sbuckets * XS_TABLE_WAYS);
	c->r[c->n++].len = (size_t)col->sbuckets * XS_TABLE_WAYS * sizeof(*col->stab);
	c->r[c->n].p = (const char *)(col->stags + region * col->sbuckets);
	c->r[c->n++].len = (size_t)col->sbuckets * sizeof(*col->stags);
	c->r[c->n].p = *flow_map;
	c->r[c->n++].len = *flow_len;
	return 0;
}

/* The fleet's sketch (bpf/fleet.h): what a packet pays with a fleet key,
 * next to xdp_pass in the same run. One victim is watched; packets go to
 * it (from one source: not hashed again; from a new source each: SipHash
 * and a register), to another destination, and to one an attacker picked
 * for sharing the watched victim's filter bit (the address compares). */
static int fleet_ctl(struct xs_bpf *b, const char *victim)
{
	struct xs_fleet_ctl c = { .k0 = 0x0706050403020100ULL, .k1 = 0x0f0e0d0c0b0a0908ULL };
	struct xs_addr v;
	__u32 zero = 0;
	int g;

	if (victim) {
		xs_addr_parse(victim, &v);
		for (g = 0; g < XS_GENS; g++) {
			c.gen[g].addr[0] = v;
			c.gen[g].on[0] = 1;
			c.gen[g].filter = 1ULL << XS_FLEET_BUCKET(&v);
		}
	}
	return bpf_map_update_elem(bpf_map__fd(b->skel->maps.xs_fleet_ctl), &zero, &c, BPF_ANY);
}

/* An address in 198.18.0.0/16 other than victim with the same filter bit. */
static void same_bucket(const char *victim, char *out, size_t n)
{
	struct xs_addr v, a;
	__u32 i;

	xs_addr_parse(victim, &v);
	for (i = 1; i < 65536; i++) {
		snprintf(out, n, "198.18.%u.%u", i >> 8, i & 255);
		xs_addr_parse(out, &a);
		if (memcmp(&a, &v, sizeof(a)) && XS_FLEET_BUCKET(&a) == XS_FLEET_BUCKET(&v))
			return;
	}
}

static int bench_fleet(struct bench_ctx *bc, int pass_fd, struct xdp_bench_bpf *rnd)
{
	static const char *const victim = "192.0.2.10";
	struct {
		const char *name, *dst;
		bool watch, new_flow;
		uint8_t proto;
	} rows[] = {
		{ "udp_fleet_key_nothing_watched", victim, false, false, IPPROTO_UDP },
		{ "udp_to_unwatched_destination", "192.0.2.77", true, false, IPPROTO_UDP },
		{ "udp_to_same_filter_bit", NULL, true, false, IPPROTO_UDP },
		{ "udp_to_watched_one_source", victim, true, false, IPPROTO_UDP },
		{ "syn_flood_unwatched_victim", victim, false, true, IPPROTO_TCP },
		{ "syn_flood_watched_victim", victim, true, true, IPPROTO_TCP },
	};
	int rnd_fd = bpf_program__fd(rnd->progs.xdp_bench_rand);
	int next_fd = bpf_map__fd(rnd->maps.xs_bench_next), full_fd, err, zero = 0;
	struct bench_stat st, base;
	struct xs_collector col = {};
	struct xs_bpf b = {};
	struct xs_sizes sz;
	char collide[32];
	size_t i;

	xs_sizes_default(&sz);
	sz.fleet_watch = XS_FLEET_WATCH;
	err = xs_bpf_load(&b, &sz);
	if (err)
		return err;
	err = xs_collector_init(&col, &b, false, NULL, NULL);
	if (err)
		goto out;
	xs_collector_set_budget(&col, 200000 / col.ncpus);
	xs_collector_set_flags(&col, XS_RT_FLEET);
	full_fd = xs_bpf_prog_fd(&b);
	same_bucket(victim, collide, sizeof(collide));
	bench_section(bc, "fleet_per_packet_ns", "Fleet HyperLogLog, test runs (ns/packet)");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct xs_pkt_spec s;
		uint8_t frame[XS_PKT_MAX];
		struct xs_tick t;
		int len;

		xs_pkt_spec_init(&s, "10.0.0.1", rows[i].dst ? rows[i].dst : collide, rows[i].proto,
				 40000, 80);
		if (rows[i].proto == IPPROTO_TCP)
			s.tcp_flags = XS_TCP_SYN;
		else
			s.payload = 18;
		len = xs_pkt_build(&s, frame, sizeof(frame));
		err = fleet_ctl(&b, rows[i].watch ? victim : NULL);
		if (err)
			goto out;
		xs_collector_flip(&col, &t);
		xs_collector_flip(&col, &t);
		if (rows[i].new_flow) {
			bpf_map_update_elem(next_fd, &zero, &pass_fd, BPF_ANY);
			measure(rnd_fd, frame, len, bc->repeat, bc->runs, &base);
			bpf_map_update_elem(next_fd, &zero, &full_fd, BPF_ANY);
			err = measure(rnd_fd, frame, len, bc->repeat, bc->runs, &st);
		} else {
			measure(pass_fd, frame, len, bc->repeat, bc->runs, &base);
			err = measure(full_fd, frame, len, bc->repeat, bc->runs, &st);
		}
		if (err)
			goto out;
		bench_row(bc, rows[i].name, &st, &base, "ns");
		xs_collector_poll_events(&col);
	}
	bench_section_end(bc);
out:
	xs_collector_free(&col);
	xs_bpf_close(&b);
	return err;
}

static const char *const victims[] = { "192.0.2.20", "198.51.100.99" };

/* Watches the victim of the fingerprint classes: a reflection's replies
 * (rule 0, first fragments: never matches here) and the replies themselves
 * (rule 1, counting or dropping). W_OTHER watches an unrelated address. */
static int watch(struct xs_victims *v, int how)
{
	struct xs_victim e = {};
	struct xs_addr a;
	int slot;

	xs_addr_parse(victims[how == W_OTHER], &a);
	slot = xs_victims_watch(v, &a, 1000, 256);
	if (slot < 0)
		return slot;
	e.slot = (__u32)slot;
	e.sample_every = 1000;
	e.sample_budget = 256;
	e.nrules = 2;
	e.rule[0] = (struct xs_fp_rule){ .fields = XS_FPF_PROTO | XS_FPF_FRAG | XS_FPF_SPORT,
					 .proto = IPPROTO_UDP, .frag = XS_FPFR_FIRST,
					 .sport_lo = 53, .sport_hi = 53, .cls = XS_LIM_REFLECT };
	e.rule[1] = (struct xs_fp_rule){ .fields = XS_FPF_PROTO | XS_FPF_SPORT | XS_FPF_LEN,
					 .proto = IPPROTO_UDP, .sport_lo = 53, .sport_hi = 53,
					 .len_lo = 1000, .len_hi = 1500, .cls = XS_LIM_REFLECT,
					 .drop = how == W_DROP };
	return xs_victims_put(v, &a, &e);
}

static void unwatch(struct xs_victims *v)
{
	struct xs_addr a;
	size_t i;

	for (i = 0; i < sizeof(victims) / sizeof(victims[0]); i++) {
		xs_addr_parse(victims[i], &a);
		xs_victims_unwatch(v, &a);
	}
}

int bench_pktcost(struct bench_ctx *bc)
{
	struct xdp_pass_bpf *pass = NULL;
	struct xdp_bench_bpf *rnd = NULL;
	struct xs_collector col = {};
	struct xs_victims vic = {};
	struct pclass cls[32] = {};	/* build_classes fills 19 */
	struct xs_bpf b = {};
	struct xs_sizes sz;
	int n, i, err, zero = 0, pass_fd, full_fd, rnd_fd, next_fd;
	struct bench_stat base, base_rand, st;
	struct cold cold = {};
	void *flow_map = MAP_FAILED;
	size_t flow_len = 0;
	cpu_set_t cpus, was;
	int cpu;

	/* Test runs run on the caller's CPU, and the tables are per CPU: one
	 * CPU for the whole section, so that a table filled is the one
	 * measured. */
	cpu = sched_getcpu();
	sched_getaffinity(0, sizeof(was), &was);
	CPU_ZERO(&cpus);
	CPU_SET(cpu < 0 ? 0 : cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	cpu = sched_getcpu();

	xs_sizes_default(&sz);
	err = xs_bpf_load(&b, &sz);
	if (err)
		return err;
	err = xs_collector_init(&col, &b, false, NULL, NULL);
	if (err)
		goto out;
	/* The daemon's default budget at 1 s ticks on this many CPUs. */
	xs_collector_set_budget(&col, 200000 / col.ncpus);
	pass = xdp_pass_bpf__open_and_load();
	rnd = xdp_bench_bpf__open_and_load();
	if (!pass || !rnd) {
		err = -EINVAL;
		goto out;
	}
	pass_fd = bpf_program__fd(pass->progs.xdp_pass);
	full_fd = xs_bpf_prog_fd(&b);
	rnd_fd = bpf_program__fd(rnd->progs.xdp_bench_rand);
	next_fd = bpf_map__fd(rnd->maps.xs_bench_next);

	n = build_classes(cls);
	err = xs_victims_init(&vic, &b, &col, NULL, NULL);
	if (err)
		goto out;
	bench_section(bc, "per_packet_ns", "Per-packet cost, test runs (ns/packet)");
	for (i = 0; i < n; i++) {
		uint8_t frame[XS_PKT_MAX];
		int len = xs_pkt_build(&cls[i].s, frame, sizeof(frame));
		struct xs_tick t;

		if (cls[i].watch && (err = watch(&vic, cls[i].watch)))
			goto out;

		if (cls[i].cut)
			len = cls[i].cut;
		/* The daemon's default admission at 1 s ticks on this many
		 * CPUs (config/xdpstream.yaml: after 20000, sample 16). */
		xs_collector_set_admission(&col, cls[i].admit_off ? 0 : 20000 / col.ncpus, 4);
		if (!strncmp(cls[i].name, "worst", 5)) {
			/* Fill the maps first: the flood has been going on. */
			bpf_map_update_elem(next_fd, &zero, &full_fd, BPF_ANY);
			measure(rnd_fd, frame, len, 1000000, 1, &st);
			if (cls[i].cold && !cold.n &&
			    (err = cold_regions(&col, &b, cpu, &cold, &flow_map, &flow_len)))
				goto out;
		} else {
			xs_collector_flip(&col, &t);	/* empty maps for each class */
			xs_collector_flip(&col, &t);
		}
		if (cls[i].cold) {
			/* A tenth of the repetitions: each chunk costs a flush. */
			int rep = bc->repeat / 10 > CHUNK ? bc->repeat / 10 : CHUNK;

			bpf_map_update_elem(next_fd, &zero, &pass_fd, BPF_ANY);
			measure_cold(rnd_fd, frame, len, rep, bc->runs, &cold, &base_rand);
			bpf_map_update_elem(next_fd, &zero, &full_fd, BPF_ANY);
			err = measure_cold(rnd_fd, frame, len, rep, bc->runs, &cold, &st);
			bench_row(bc, cls[i].name, &st, &base_rand, "ns");
		} else if (cls[i].new_flow) {
			bpf_map_update_elem(next_fd, &zero, &pass_fd, BPF_ANY);
			measure(rnd_fd, frame, len, bc->repeat, bc->runs, &base_rand);
			bpf_map_update_elem(next_fd, &zero, &full_fd, BPF_ANY);
			err = measure(rnd_fd, frame, len, bc->repeat, bc->runs, &st);
			bench_row(bc, cls[i].name, &st, &base_rand, "ns");
		} else {
			measure(pass_fd, frame, len, bc->repeat, bc->runs, &base);
			err = measure(full_fd, frame, len, bc->repeat, bc->runs, &st);
			bench_row(bc, cls[i].name, &st, &base, "ns");
		}
		if (err)
			goto out;
		xs_collector_poll_events(&col);
		if (cls[i].watch)
			unwatch(&vic);
	}
	bench_section_end(bc);
	err = bench_fleet(bc, pass_fd, rnd);
out:
	if (flow_map != MAP_FAILED)
		munmap(flow_map, flow_len);
	sched_setaffinity(0, sizeof(was), &was);
	xs_victims_free(&vic);
	xdp_bench_bpf__destroy(rnd);
	xdp_pass_bpf__destroy(pass);
	xs_collector_free(&col);
	xs_bpf_close(&b);
	return err;
}
