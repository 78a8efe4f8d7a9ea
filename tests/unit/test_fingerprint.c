// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The fingerprint search (user/mitigation/fingerprint.c) on samples built
 * here: the clauses it finds for reflection with fragments, a SYN flood, a
 * UDP flood beside other traffic of the same length (where the TTL helps)
 * and a length distribution with outliers; coverage and collateral exact;
 * the text, JSON and FlowSpec forms.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fingerprint.h"
#include "fppcap.h"
#include "names.h"
#include "speaker.h"
#include "xs_test.h"

#define N 4096
#define CLS(c) (1u << XS_LIM_ALL | (c))

static struct xs_fp_pkt s[N];
static size_t n;

static struct xs_fp_pkt *add(uint8_t proto, uint16_t sport, uint16_t dport, uint16_t len,
			     uint8_t ttl, uint8_t frag, uint8_t cls_bits)
{
	struct xs_fp_pkt *p = &s[n++];

	memset(p, 0, sizeof(*p));
	p->proto = proto;
	p->sport = sport;
	p->dport = dport;
	p->ip_len = len;
	p->ttl = ttl;
	p->frag = frag;
	p->l4 = frag != XS_FPFR_LATER;
	p->cls_bits = cls_bits;
	return p;
}

static const char *text(const struct xs_fingerprint *fp)
{
	static char buf[XS_FP_STRLEN];

	return xs_fp_str(fp, buf, sizeof(buf));
}

/* A DNS reflection: replies fragmented (first fragments carry port 53),
 * their later fragments, a few genuine small DNS answers to the victim
 * (the same class: UDP from port 53) and its own TCP. */
static void test_reflection_fragments(void)
{
	const uint8_t refl = CLS(1u << XS_LIM_UDP | 1u << XS_LIM_REFLECT);
	struct xs_fingerprint fp;
	int i;

	n = 0;
	for (i = 0; i < 600; i++) {
		add(17, 53, (uint16_t)(1024 + i * 97 % 60000), 1500, 52, XS_FPFR_FIRST, refl);
		add(17, 0, 0, i % 2 ? 1500 : 548, 52, XS_FPFR_LATER,
		    1u << XS_LIM_ALL | 1u << XS_LIM_REFLECT);
	}
	for (i = 0; i < 5; i++)
		add(17, 53, 33000, 76, 64, XS_FPFR_NONE, refl);
	for (i = 0; i < 50; i++)
		add(6, 443, 50000, 1200, 60, XS_FPFR_NONE, CLS(0));
	xs_fp_find(s, n, XS_LIM_REFLECT, 0.99, &fp);
	CU_ASSERT_EQUAL_FATAL(fp.n, 2);
	CU_ASSERT_STRING_EQUAL(text(&fp), "udp first-fragment sport 53 len 1500 or "
					  "udp later-fragment len 548-1500");
	CU_ASSERT_EQUAL(fp.attack, 1205);
	CU_ASSERT_EQUAL(fp.attack_hit, 1200);
	CU_ASSERT_EQUAL(fp.other, 50);
	CU_ASSERT_EQUAL(fp.other_hit, 0);
	CU_ASSERT_DOUBLE_EQUAL(fp.coverage, 1200.0 / 1205, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(fp.collateral, 0, 1e-12);
	/* The genuine answers are spared: they are not first fragments. */
	CU_ASSERT(!xs_fp_match(&fp, &s[1200]));
	CU_ASSERT(xs_fp_match(&fp, &s[0]) && xs_fp_match(&fp, &s[1]));
}

/* A SYN flood on one port from spoofed sources, beside the server's
 * established connections on that port. */
static void test_syn_flood(void)
{
	struct xs_fingerprint fp;
	struct xs_fp_pkt *p;
	int i;

	n = 0;
	for (i = 0; i < 1000; i++) {
		p = add(6, (uint16_t)(1024 + i * 31 % 64000), 80, 40, (uint8_t)(40 + i % 20),
			XS_FPFR_NONE, CLS(1u << XS_LIM_SYN));
		p->tcp_flags = 0x02;
	}
	for (i = 0; i < 300; i++) {
		p = add(6, (uint16_t)(40000 + i), 80, 52, 64, XS_FPFR_NONE, CLS(0));
		p->tcp_flags = 0x10;
	}
	xs_fp_find(s, n, XS_LIM_SYN, 0.99, &fp);
	CU_ASSERT_EQUAL_FATAL(fp.n, 1);
	CU_ASSERT_STRING_EQUAL(text(&fp), "tcp unfragmented dport 80 flags S len 40");
	CU_ASSERT_EQUAL(fp.attack_hit, 1000);
	CU_ASSERT_EQUAL(fp.other_hit, 0);
	/* Flags vary beyond SYN/ACK/RST/FIN (ECN): only those four are kept. */
	for (i = 0; i < 1000; i += 2)
		s[i].tcp_flags = 0x42;
	xs_fp_find(s, n, XS_LIM_SYN, 0.99, &fp);
	CU_ASSERT_STRING_EQUAL(text(&fp), "tcp unfragmented dport 80 flags S/FSRA len 40");
	CU_ASSERT_EQUAL(fp.attack_hit, 1000);
}

/* A two-vector reflection (DNS and NTP) to random ports: no one port, a
 * length range. The victim's own UDP (QUIC, not from a reflector port: not
 * the attack's) falls in that range but comes with another TTL: the TTL
 * range spares it. Without it, no TTL. */
static void test_ttl_where_it_helps(void)
{
	const uint8_t refl = CLS(1u << XS_LIM_UDP | 1u << XS_LIM_REFLECT);
	struct xs_fingerprint fp;
	int i;

	n = 0;
	for (i = 0; i < 400; i++) {
		add(17, 53, (uint16_t)(1024 + i * 7919 % 60000), 1500, (uint8_t)(50 + i % 6),
		    XS_FPFR_NONE, refl);
		add(17, 123, (uint16_t)(1024 + i * 104729 % 60000), 468, (uint8_t)(50 + i % 6),
		    XS_FPFR_NONE, refl);
	}
	xs_fp_find(s, n, XS_LIM_REFLECT, 0.99, &fp);
	CU_ASSERT_STRING_EQUAL(text(&fp), "udp unfragmented len 468-1500");
	CU_ASSERT_EQUAL(fp.other, 0);
	for (i = 0; i < 100; i++)
		add(17, 5000, 443, 1000, 64, XS_FPFR_NONE, CLS(1u << XS_LIM_UDP));
	xs_fp_find(s, n, XS_LIM_REFLECT, 0.99, &fp);
	CU_ASSERT_STRING_EQUAL(text(&fp), "udp unfragmented len 468-1500 ttl 50-55");
	CU_ASSERT_EQUAL(fp.attack, 800);
	CU_ASSERT_EQUAL(fp.attack_hit, 800);
	CU_ASSERT_EQUAL(fp.other, 100);
	CU_ASSERT_EQUAL(fp.other_hit, 0);
}

/* Lengths spread over 1400-1500 with a few small ones of the class: the
 * range is trimmed only because it halves; a spread alone is kept whole. */
static void test_length_range(void)
{
	struct xs_fingerprint fp;
	int i;

	n = 0;
	for (i = 0; i < 1000; i++)
		add(17, 123, 5000, (uint16_t)(1400 + i % 101), 52, XS_FPFR_NONE,
		    CLS(1u << XS_LIM_UDP | 1u << XS_LIM_REFLECT));
	xs_fp_find(s, n, XS_LIM_REFLECT, 0.99, &fp);
	CU_ASSERT_STRING_EQUAL(text(&fp), "udp unfragmented sport 123 dport 5000 len 1400-1500");
	CU_ASSERT_EQUAL(fp.attack_hit, 1000);
	for (i = 0; i < 8; i++)
		add(17, 123, 5000, 90, 52, XS_FPFR_NONE,
		    CLS(1u << XS_LIM_UDP | 1u << XS_LIM_REFLECT));
	xs_fp_find(s, n, XS_LIM_REFLECT, 0.99, &fp);
	CU_ASSERT_STRING_EQUAL(text(&fp), "udp unfragmented sport 123 dport 5000 len 1400-1500");
	CU_ASSERT_EQUAL(fp.attack_hit, 1000);
	CU_ASSERT_EQUAL(fp.attack, 1008);
}

/* Fragments too few to matter get no clause; no attack, no fingerprint. */
static void test_edges(void)
{
	struct xs_fingerprint fp, fp2;
	int i;

	n = 0;
	for (i = 0; i < 998; i++)
		add(17, 53, 4000, 1000, 52, XS_FPFR_NONE, CLS(1u << XS_LIM_REFLECT));
	add(17, 0, 0, 600, 52, XS_FPFR_LATER, 1u << XS_LIM_ALL | 1u << XS_LIM_REFLECT);
	add(17, 0, 0, 600, 52, XS_FPFR_LATER, 1u << XS_LIM_ALL | 1u << XS_LIM_REFLECT);
	xs_fp_find(s, n, XS_LIM_REFLECT, 0.99, &fp);
	CU_ASSERT_EQUAL(fp.n, 1);
	CU_ASSERT_EQUAL(fp.attack_hit, 998);
	xs_fp_find(s, n, XS_LIM_REFLECT, 0.99, &fp2);
	CU_ASSERT(xs_fp_same(&fp, &fp2));
	xs_fp_find(s, n, XS_LIM_SYN, 0.99, &fp);
	CU_ASSERT_EQUAL(fp.n, 0);
	CU_ASSERT_EQUAL(fp.attack, 0);
	xs_fp_find(s, 0, XS_LIM_ALL, 0.99, &fp);
	CU_ASSERT_EQUAL(fp.n, 0);
}

/* JSON for the alerts, and FlowSpec for the routers. */
static void test_forms(void)
{
	struct xs_fingerprint fp = { .n = 2 };
	struct xs_bgp_match m;
	struct xs_bgp_action act = { XS_BGP_DISCARD, 0 };
	struct xs_bgp_cfg c;
	struct xs_addr victim;
	char buf[1024], *js;
	json_t *o;

	fp.clause[0] = (struct xs_fp_rule){ .fields = XS_FPF_PROTO | XS_FPF_FRAG | XS_FPF_SPORT |
							  XS_FPF_LEN | XS_FPF_TTL,
					    .proto = 17, .frag = XS_FPFR_FIRST, .sport_lo = 53,
					    .sport_hi = 53, .len_lo = 1500, .len_hi = 1500,
					    .ttl_lo = 50, .ttl_hi = 55 };
	fp.clause[1] = (struct xs_fp_rule){ .fields = XS_FPF_PROTO | XS_FPF_FRAG | XS_FPF_LEN,
					    .proto = 17, .frag = XS_FPFR_LATER, .len_lo = 548,
					    .len_hi = 1500 };
	fp.attack = 1205;
	fp.attack_hit = 1200;
	fp.coverage = 1200.0 / 1205;
	o = xs_fp_json(&fp);
	js = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	CU_ASSERT_STRING_EQUAL(js, "{\"match\":\"udp first-fragment sport 53 len 1500 ttl 50-55 or "
				   "udp later-fragment len 548-1500\",\"clauses\":[{\"protocol\":17,"
				   "\"fragment\":[\"first\"],\"source_port\":[53,53],\"length\":"
				   "[1500,1500],\"ttl\":[50,55]},{\"protocol\":17,\"fragment\":"
				   "[\"later\"],\"length\":[548,1500]}],\"coverage\":0.9959,"
				   "\"collateral\":0,\"samples\":{\"attack\":1205,\"other\":0}}");
	free(js);
	json_decref(o);

	xs_addr_parse("198.18.0.10", &victim);
	xs_bgp_cfg_default(&c);
	xs_fp_to_bgp(&fp.clause[0], &victim, &m);
	CU_ASSERT_EQUAL(xs_bgp_flowspec_str(&c, &m, &act, buf, sizeof(buf)), 0);
	/* No TTL in FlowSpec: the rule is wider. */
	CU_ASSERT_STRING_EQUAL(buf, "flow route { match { destination 198.18.0.10/32; protocol "
				    "[ =17 ]; source-port [ =53 ]; packet-length [ =1500 ]; fragment "
				    "[ =first-fragment ]; } then { discard; } }");
	xs_fp_to_bgp(&fp.clause[1], &victim, &m);
	act = (struct xs_bgp_action){ XS_BGP_RATE_LIMIT, 125000 };
	CU_ASSERT_EQUAL(xs_bgp_flowspec_str(&c, &m, &act, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "flow route { match { destination 198.18.0.10/32; protocol "
				    "[ =17 ]; packet-length [ >=548&<=1500 ]; fragment "
				    "[ =is-fragment ]; } then { rate-limit 125000; } }");
	fp.clause[0] = (struct xs_fp_rule){ .fields = XS_FPF_PROTO | XS_FPF_FRAG | XS_FPF_TCP |
							  XS_FPF_DPORT,
					    .proto = 6, .frag = XS_FPFR_NONE, .tcp_flags = 0x02,
					    .tcp_mask = 0x17, .dport_lo = 80, .dport_hi = 80 };
	xs_addr_parse("2001:db8:18::10", &victim);
	xs_fp_to_bgp(&fp.clause[0], &victim, &m);
	act.kind = XS_BGP_DISCARD;
	CU_ASSERT_EQUAL(xs_bgp_flowspec_str(&c, &m, &act, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "flow route { match { destination 2001:db8:18::10/128/0; "
				    "next-header [ =6 ]; destination-port [ =80 ]; tcp-flags "
				    "[ =syn&!fin+rst+ack ]; fragment [ !is-fragment+first-fragment ]; "
				    "} then { discard; } }");
}

/* Pcaps: at most max_bytes each, at most max_files of ours (the oldest
 * go), never another file. */
static void test_pcaps(void)
{
	static const char *const ids[] = { "00000000000000a1", "00000000000000a2",
					   "00000000000000a3", "00000000000000a4" };
	char dir[] = "/tmp/xs-fppcap.XXXXXX", path[256];
	uint8_t pkt[XS_FP_SNAP] = { 0xff };
	struct xs_fppcap *f;
	struct stat st;
	int i, n = 0, ours = 0;
	struct dirent *de;
	DIR *d;
	FILE *keep;

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	keep = fopen(path, "w");
	CU_ASSERT_FATAL(keep != NULL);
	fclose(keep);
	for (i = 0; i < 4; i++) {
		f = xs_fppcap_open(dir, ids[i], 24 + 3 * (16 + XS_FP_SNAP), 3);
		CU_ASSERT_FATAL(f != NULL);
		for (n = 0; xs_fppcap_write(f, 1704067200.5 + n, pkt, sizeof(pkt), 1500); n++)
			;
		CU_ASSERT_EQUAL(n, 3);
		xs_fppcap_close(f);
		snprintf(path, sizeof(path), "%s/%s.pcap", dir, ids[i]);
		CU_ASSERT_EQUAL(stat(path, &st), 0);
		CU_ASSERT_EQUAL(st.st_size, 24 + 3 * (16 + XS_FP_SNAP));
		sleep(i < 3 ? 1 : 0);	/* mtimes apart: the oldest is known */
	}
	d = opendir(dir);
	CU_ASSERT_FATAL(d != NULL);
	while ((de = readdir(d)))
		ours += strstr(de->d_name, ".pcap") != NULL;
	closedir(d);
	CU_ASSERT_EQUAL(ours, 3);
	snprintf(path, sizeof(path), "%s/%s.pcap", dir, ids[0]);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);	/* the oldest went */
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);		/* not ours: kept */
	for (i = 1; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s.pcap", dir, ids[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	unlink(path);
	rmdir(dir);
}

static const struct xs_test tests[] = {
	{ "pcaps bounded in size and count", test_pcaps },
	{ "reflection with fragments: two clauses", test_reflection_fragments },
	{ "SYN flood beside established traffic", test_syn_flood },
	{ "a TTL range only where it spares others", test_ttl_where_it_helps },
	{ "length ranges: trimmed only for a reason", test_length_range },
	{ "small parts, no attack, determinism", test_edges },
	{ "JSON and FlowSpec forms", test_forms },
};

XS_RUN_SUITE("fingerprint", tests)
