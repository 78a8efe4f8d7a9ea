// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: crafted header chains and fragments through the XDP
 * program itself (BPF_PROG_TEST_RUN; needs root). The input describes a
 * frame, not its bytes: VLAN tags, IPv4 (options, fragment offset, MF) or
 * IPv6 (a chain of extension headers of any kind and length, a fragment
 * header anywhere in it), the transport protocol, how many of its bytes
 * the packet carries, and a damage (a cut, a lying length field, a
 * flipped byte). Then the program's counters must say what the frame is:
 *
 *  - always: the verdict is XDP_PASS; one class; a parse error iff
 *    malformed; the per-address tables hold the packet iff its addresses
 *    were read (issue 13: whatever follows them), with nothing from an L4
 *    header that could not be read; at most one new-flow event
 *  - undamaged frames: the exact class, tiny and overlapping fragments
 *    counted as such, the ports when the packet carried them, the event's
 *    tiny-fragment flag, however deep the extension header chain.
 *
 * Every violation aborts, with the frame in the log.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "loader.h"
#include "log.h"
#include "names.h"

#define FRAME_MAX 3500	/* what a test run takes */

static struct xs_bpf b;
static struct xs_collector col;
static int prog_fd, nevents;
static struct xs_flow_event last_event;
static uint32_t serial;	/* a new source each run: each flow is new */

/* The run's source, 4 bytes: 22 bits of the serial and a check byte, so
 * that a damaged frame (one byte changed) never carries the source of a
 * later run, whose flow would then not be new. */
static void source_tag(uint8_t *p)
{
	uint8_t a = 0x40 | ((serial >> 16) & 0x3f), b = (uint8_t)(serial >> 8), c = (uint8_t)serial;

	p[0] = a;
	p[1] = b;
	p[2] = c;
	p[3] = (uint8_t)(a * 7 + b * 13 + c * 31);
}

static void on_event(void *ctx, const struct xs_flow_event *e)
{
	(void)ctx;
	nevents++;
	last_event = *e;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct xs_sizes sz;

	(void)argc;
	(void)argv;
	xs_log_init(XS_LOG_ERROR);
	xs_sizes_default(&sz);
	sz.dst_entries = sz.src_entries = 1024;
	sz.flow_entries = 65536;
	if (xs_bpf_load(&b, &sz) || xs_collector_init(&col, &b, false, on_event, NULL) ||
	    xs_collector_set_budget(&col, 1u << 30)) {
		fprintf(stderr, "fuzz_headers: cannot load the program (root? BPF?)\n");
		exit(1);
	}
	xs_collector_set_flow_ttl(&col, 1000);	/* ticks; two a run */
	prog_fd = xs_bpf_prog_fd(&b);
	return 0;
}

/* The program is not instrumented: what it did (class, parse error,
 * counters) is fed to libFuzzer as coverage, so that an input reaching a
 * new outcome is kept. */
#define OUTCOMES (XS_C_MAX * (XS_E_MAX + 1) + XS_N_MAX)
__attribute__((section("__libfuzzer_extra_counters"))) static uint8_t outcome[OUTCOMES];

static void note_outcome(int cls, const struct xs_tick *t)
{
	int e, first = -1;

	for (e = 0; e < XS_E_MAX; e++)
		if (t->g.err[e] && first < 0)
			first = e;
	if (cls >= 0)
		outcome[cls * (XS_E_MAX + 1) + first + 1]++;
	for (e = 0; e < XS_N_MAX; e++)
		if (t->g.cnt[e])
			outcome[XS_C_MAX * (XS_E_MAX + 1) + e]++;
}

/* The input, read as a stream of choices. */
struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned int take(struct in *in, unsigned int mod)
{
	unsigned int v = 0;

	if (in->n) {
		v = in->p[0];
		in->p++;
		in->n--;
	}
	return mod ? v % mod : v;
}

/* What the frame should be counted as, when it is not damaged. */
struct want {
	int cls;
	bool addrs;		/* its addresses are readable */
	bool tiny, overlap, first;
	bool ports;		/* the first fragment / packet carries the ports */
	uint16_t sport, dport;
	bool known;		/* an undamaged frame: all of the above hold exactly */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* The transport header's first bytes: ports, then TCP's flags at 13. */
static int l4_bytes(uint8_t *p, int proto, int k, struct want *w, struct in *in)
{
	uint8_t full[24] = { 0 };

	w->sport = (uint16_t)(1024 + take(in, 0) * 7);
	w->dport = (uint16_t)(1 + take(in, 0));
	put16(full, w->sport);
	put16(full + 2, w->dport);
	if (proto == IPPROTO_TCP) {
		full[12] = 5 << 4;	/* data offset */
		full[13] = XS_TCP_SYN;
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		full[0] = proto == IPPROTO_ICMP ? 8 : 128;	/* echo */
		full[1] = 0;
	}
	memcpy(p, full, k < (int)sizeof(full) ? k : (int)sizeof(full));
	return k;
}

static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, 47 };

/* Builds the frame; returns its length. */
static int build(uint8_t *f, struct in *in, struct want *w)
{
	int nvlan = take(in, 3), off = 12, i, l3, proto, k, v6 = take(in, 2);
	static const uint8_t exts[] = { 0, 43, 60, 51, 44 };

	memset(f, 0, FRAME_MAX);
	memset(w, 0, sizeof(*w));
	w->known = true;
	for (i = 0; i < nvlan; i++) {
		put16(f + off, i ? 0x8100 : 0x88a8);
		put16(f + off + 2, (uint16_t)(i + 1));
		off += 4;
	}
	put16(f + off, v6 ? 0x86dd : 0x0800);
	l3 = off + 2;
	proto = protos[take(in, 4)];
	if (v6 && proto == IPPROTO_ICMP)
		proto = IPPROTO_ICMPV6;
	/* Transport bytes carried: often the whole header, often fewer. */
	k = take(in, 4) ? (proto == IPPROTO_TCP ? 20 : 8) : take(in, 24);
	w->addrs = true;
	if (!v6) {
		uint8_t *ip = f + l3;
		int opt = take(in, 4) * 4, fo = 0, mf = 0, hl = 20 + opt;

		switch (take(in, 4)) {
		case 1:
			mf = 1;	/* a first fragment */
			break;
		case 2:
			fo = 1 + take(in, 3);	/* a later one, offset 8, 16 or 24 */
			break;
		}
		ip[0] = 0x40 | (hl / 4);
		put16(ip + 2, (uint16_t)(hl + k));
		put16(ip + 6, (uint16_t)(fo | (mf ? 0x2000 : 0)));
		ip[8] = 64;
		ip[9] = (uint8_t)proto;
		source_tag(ip + 12);
		memcpy(ip + 16, "\xc6\x12\x00\x0a", 4);	/* 198.18.0.10 */
		for (i = 0; i < opt; i++)
			ip[20 + i] = 1;	/* NOP options */
		l4_bytes(ip + hl, proto, k, w, in);
		w->first = mf;
		if (fo) {
			w->cls = XS_C_IPV4_FRAG;
			w->overlap = fo == 1 && proto == IPPROTO_TCP;
			return l3 + hl + k;
		}
		w->cls = proto == IPPROTO_TCP ? XS_C_IPV4_TCP : proto == IPPROTO_UDP ? XS_C_IPV4_UDP
					: proto == IPPROTO_ICMP ? XS_C_IPV4_ICMP : XS_C_IPV4_OTHER;
		if (w->cls == XS_C_IPV4_OTHER)
			return l3 + hl + k;
		if (k < (proto == IPPROTO_TCP ? 20 : 8)) {
			if (!mf)
				w->known = false;	/* a truncated header: malformed */
			w->tiny = true;
			w->ports = k >= 4 && proto != IPPROTO_ICMP;
		} else {
			w->ports = true;
		}
		return l3 + hl + k;
	} else {
		uint8_t *ip = f + l3, *h;
		int n = take(in, 0) % 40, hop = l3 + 40, nh_off = l3 + 6, plen, frag_at = -1;
		bool later = false;

		ip[0] = 0x60;
		ip[7] = 64;
		memcpy(ip + 8, "\x20\x01\x0d\xb8\x0b\xad\0\0\0\0\0\0\0\0\0\x66", 16);
		source_tag(ip + 8 + 12);
		memcpy(ip + 24, "\x20\x01\x0d\xb8\x00\x18\0\0\0\0\0\0\0\0\0\x10", 16);
		if (take(in, 2)) {
			frag_at = take(in, 0) % (n + 1);	/* where the fragment header goes */
			n++;
		}
		for (i = 0; i < n && hop + 16 * 8 + 64 < FRAME_MAX; i++) {
			int type, len;

			h = f + hop;
			if (i == frag_at) {
				int fo = take(in, 3);	/* 0: first, else later */

				f[nh_off] = 44;
				nh_off = hop;
				put16(h + 2, (uint16_t)((fo << 3) | (fo ? 0 : 1)));
				hop += 8;
				if (fo) {
					later = true;
					w->overlap = fo == 1 && proto == IPPROTO_TCP;
					break;
				}
				w->first = true;
				continue;
			}
			type = exts[take(in, 4)];
			f[nh_off] = (uint8_t)type;
			nh_off = hop;
			if (type == 51) {	/* AH: (len + 2) * 4 bytes */
				len = take(in, 4) * 2 + 1;
				h[1] = (uint8_t)len;
				hop += (len + 2) * 4;
			} else {
				len = take(in, 4);
				h[1] = (uint8_t)len;
				h[2] = 1;	/* PadN */
				h[3] = (uint8_t)(len * 8 + 4);
				hop += (len + 1) * 8;
			}
		}
		f[nh_off] = (uint8_t)proto;
		if (later) {
			f[nh_off] = (uint8_t)proto;
			plen = hop - (l3 + 40) + k;
			put16(ip + 4, (uint16_t)plen);
			w->cls = XS_C_IPV6_FRAG;
			return hop + k;
		}
		l4_bytes(f + hop, proto, k, w, in);
		plen = hop - (l3 + 40) + k;
		put16(ip + 4, (uint16_t)plen);
		w->cls = proto == IPPROTO_TCP ? XS_C_IPV6_TCP : proto == IPPROTO_UDP ? XS_C_IPV6_UDP
					: proto == IPPROTO_ICMPV6 ? XS_C_IPV6_ICMP : XS_C_IPV6_OTHER;
		if (w->cls != XS_C_IPV6_OTHER) {
			if (k < (proto == IPPROTO_TCP ? 20 : 8)) {
				if (!w->first)
					w->known = false;
				w->tiny = true;
				w->ports = k >= 4 && proto != IPPROTO_ICMPV6;
			} else {
				w->ports = true;
			}
		}
		return hop + k;
	}
}

/* A damage: the frame cut, a length field lying, or a byte flipped. */
static int damage(uint8_t *f, int len, struct in *in, struct want *w)
{
	unsigned int how = take(in, 8), at;

	if (how < 5 || len < 15)
		return len;
	w->known = false;
	at = take(in, 0) | take(in, 0) << 8;
	if (how == 5)
		return 14 + (int)(at % (unsigned int)(len - 13));
	f[14 + at % (unsigned int)(len - 14)] ^= (uint8_t)(take(in, 0) | 1);
	return len;
}

static struct xs_tick t;	/* the counters, printed on a failure */

static void fail(const char *what, const uint8_t *f, int len)
{
	int i;

	fprintf(stderr, "fuzz_headers: %s (run %u, %d events); counters:", what, serial, nevents);
	for (i = 0; i < XS_C_MAX; i++)
		if (t.g.pkts[i])
			fprintf(stderr, " %s=%llu", xs_class_names[i], (unsigned long long)t.g.pkts[i]);
	for (i = 0; i < XS_E_MAX; i++)
		if (t.g.err[i])
			fprintf(stderr, " %s=%llu", xs_err_names[i], (unsigned long long)t.g.err[i]);
	for (i = 0; i < XS_N_MAX; i++)
		if (t.g.cnt[i])
			fprintf(stderr, " %s=%llu", xs_cnt_names[i], (unsigned long long)t.g.cnt[i]);
	fprintf(stderr, "\nframe of %d bytes:", len);
	for (i = 0; i < len && i < 256; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", f[i]);
	fprintf(stderr, "\n");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t f[FRAME_MAX];
	struct in in = { data, size };
	struct want w;
	__u64 errs = 0, classes = 0;
	int len, c, cls = -1, verdict;

	serial++;
	len = build(f, &in, &w);
	len = damage(f, len, &in, &w);
	if (len < 14 || len > FRAME_MAX)
		return 0;
	xs_collector_flip(&col, &t);	/* an empty generation */
	nevents = 0;
	{
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len,
				    .repeat = 1);

		if (bpf_prog_test_run_opts(prog_fd, &o))
			fail("the test run failed", f, len);
		verdict = (int)o.retval;
	}
	if (xs_collector_flip(&col, &t))
		fail("cannot drain", f, len);
	if (verdict != 2)
		fail("not XDP_PASS", f, len);
	for (c = 0; c < XS_C_MAX; c++)
		if (t.g.pkts[c]) {
			classes += t.g.pkts[c];
			cls = c;
		}
	for (c = 0; c < XS_E_MAX; c++)
		errs += t.g.err[c];
	if (classes != 1)
		fail("not exactly one class", f, len);
	note_outcome(cls, &t);
	if (errs != t.g.pkts[XS_C_MALFORMED])
		fail("a parse error without malformed (or the reverse)", f, len);
	if (t.ndst > 1 || t.nsrc > 1 || t.ndst != t.nsrc)
		fail("per-address entries inconsistent", f, len);
	if (t.ndst && (t.dst[0].v.pkts != 1 || t.dst[0].v.bytes != (__u64)len))
		fail("the destination does not hold exactly this packet", f, len);
	if (cls == XS_C_MALFORMED && t.ndst &&
	    (t.dst[0].v.tcp | t.dst[0].v.udp | t.dst[0].v.icmp | t.dst[0].v.syn))
		fail("a malformed packet counted by a header that could not be read", f, len);
	if (cls == XS_C_MALFORMED && nevents)
		fail("a malformed packet started a flow", f, len);
	if (nevents > 1)
		fail("more than one event for one packet", f, len);
	if (t.g.cnt[XS_N_FRAG_TINY] > 1 || t.g.cnt[XS_N_FRAG_OVERLAP] > 1)
		fail("fragment counters above one", f, len);
	if (!w.known)
		return 0;
	/* Undamaged: exactly what it is. */
	if (cls != w.cls) {
		char m[96];

		snprintf(m, sizeof(m), "class %s, expected %s", cls >= 0 ? xs_class_names[cls] : "?",
			 xs_class_names[w.cls]);
		fail(m, f, len);
	}
	if (!t.ndst)
		fail("addresses read but the packet not accounted to them", f, len);
	if (t.g.cnt[XS_N_FRAG_TINY] != (w.tiny ? 1u : 0u))
		fail(w.tiny ? "a tiny first fragment not counted" : "counted as tiny", f, len);
	if (t.g.cnt[XS_N_FRAG_OVERLAP] != (w.overlap ? 1u : 0u))
		fail(w.overlap ? "an overlapping fragment not counted" : "counted as overlapping",
		     f, len);
	if (t.src[0].v.frag_evasion != ((w.tiny || w.overlap) ? 1u : 0u))
		fail("the source's evasion count is wrong", f, len);
	if (t.g.cnt[XS_N_IP_FRAG_FIRST] != (w.first ? 1u : 0u))
		fail("first fragment miscounted", f, len);
	if (w.ports && (cls == XS_C_IPV4_TCP || cls == XS_C_IPV4_UDP || cls == XS_C_IPV6_TCP ||
			cls == XS_C_IPV6_UDP)) {
		if (nevents != 1)
			fail("no event for a flow's first packet", f, len);
		if (ntohs(last_event.sport) != w.sport || ntohs(last_event.dport) != w.dport)
			fail("the event's ports are not the packet's", f, len);
		if (!!(last_event.flags & XS_EV_F_TINY_FRAG) != w.tiny)
			fail("the event's tiny-fragment flag is wrong", f, len);
	}
	return 0;
}
