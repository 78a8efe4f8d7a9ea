// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpstream's XDP program: parse each packet, fold it into the current
 * generation of per-CPU aggregates, and report the first packet of each new
 * flow to the ring buffer under a per-tick budget. XDP_PASS, except in
 * enforce mode for a blocklisted source, a destination over its rate
 * limit, or a packet a victim's fingerprint rule drops (XDP_DROP), and in
 * mirror mode (XDP_DROP after counting).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xs_abi.h"
#include "maps.h"	/* every map and load-time knob */
#include "parse.h"	/* headers, one function each */
#include "mitigate.h"	/* blocklist, allowlist, rate limits */
#include "account.h"	/* per-destination and per-source tables */
#include "flowtab.h"	/* flow table, new-flow events */
#include "probe.h"	/* what can be a probe; out-of-state ACKs */
#include "sip.h"	/* SIP requests and failures on the SIP port */
#include "evidence.h"	/* watched sources: handshakes and data */
#include "filter.h"	/* watched victims: sampling, fingerprint rules */
#include "fleet.h"	/* fleet HyperLogLog of watched victims */

/*
 * The program is four global functions and the entry point that calls
 * them. The verifier checks a global function once, whatever its caller's
 * state: every outcome of the parser (classes, fragments, errors with or
 * without addresses, VLAN depths) would otherwise be verified again
 * through mitigation and accounting, and the product outgrew its limit.
 */

/* Fills *p from the frame; 0 or XS_ERR(reason). */
__noinline int xs_parse(struct xdp_md *ctx, struct xs_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	if (!p)
		return XS_ERR(XS_E_ETH_TRUNC);
#ifdef XS_TEST_VERIFIER_REJECT
	/* A read without a bounds check, on purpose: the verifier must refuse
	 * this build (tests/integ: the rejection is reported). */
	if (*(volatile __u8 *)(data + 64))
		return 0;
#endif
	return parse_packet(ctx, data, data_end, p);
}

/* Enforce mode: XDP_DROP or XDP_PASS for a packet whose addresses were
 * read. */
__noinline int xs_mitigate(struct xs_pkt *p, __u32 gen, __u32 flags)
{
	struct xs_global *g = bpf_map_lookup_elem(&xs_global, &gen);

	if (!p || !g)
		return XDP_PASS;
	return mitigate(g, p, p->len, p->refl, flags);
}

/* Everything a passed packet with addresses is counted in: counters, the
 * address tables, evidence of watched sources, the flow table. */
__noinline int xs_account(struct xdp_md *ctx, struct xs_pkt *p, __u32 epoch)
{
	__u32 zero = 0, gen = epoch & 1, region;
	struct xs_runtime *rt = bpf_map_lookup_elem(&xs_rt, &zero);
	struct xs_global *g = bpf_map_lookup_elem(&xs_global, &gen);
	int established, known, probe, admit;
	__u64 hsrc, hdst, ports;
	struct xs_dst_slot *ds;
	struct xs_src_slot *ss;
	struct xs_src *src;

	if (!p || !rt || !g)
		return 0;
	if (p->frag == XS_FRAG_FIRST)
		g->cnt[XS_N_IP_FRAG_FIRST]++;
	if (p->tiny)
		g->cnt[XS_N_FRAG_TINY]++;
	if (p->overlap)
		g->cnt[XS_N_FRAG_OVERLAP]++;
	if (p->l4 && p->proto == IPPROTO_TCP) {
		if ((p->tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == XS_TCP_SYN)
			g->cnt[XS_N_TCP_SYN]++;
		else if ((p->tcp_flags & (XS_TCP_SYN | XS_TCP_ACK)) == (XS_TCP_SYN | XS_TCP_ACK))
			g->cnt[XS_N_TCP_SYNACK]++;
		if (p->tcp_flags & XS_TCP_RST)
			g->cnt[XS_N_TCP_RST]++;
		if (p->tcp_flags & XS_TCP_FIN)
			g->cnt[XS_N_TCP_FIN]++;
	} else if (p->refl) {
		g->cnt[XS_N_REFLECT]++;
	}

	/* Keyed hashes (bpf/sketch.h): each picks its bucket with its low
	 * half and is remembered there by its high half. */
	hsrc = xs_hash_addr(&p->src);
	hdst = xs_hash_addr(&p->dst);
	region = bpf_get_smp_processor_id() * XS_GENS + gen;
	ds = dst_slot(g, region, &p->dst, hdst, 1);
	admit = admit_src(rt, ds, hsrc);
	/* What can be a probe needs the L4 header (a malformed packet has
	 * none: p->l4 is 0). A bare ACK is a probe only if no connection
	 * knows it: asking the flow table also records it (and reports it)
	 * as a new flow. Outside the sample of a flooded destination it is
	 * not asked (a spoofed ACK flood would probe a cold table per
	 * packet): such a source's ACK probes count only if it had its slot
	 * already, and then not as probes. (Asked after the source's slot,
	 * the verifier's walk of the two loops in a row goes past its limit.) */
	probe = probe_kind(p, p->refl);
	if (probe == XS_PRB_ACK && !admit) {
		g->cnt[XS_N_FLOW_UNADMITTED]++;
		probe = 0;
	} else if (probe == XS_PRB_ACK) {
		probe = !(rt->flags & XS_RT_FLOWS_OFF) &&
			probe_ack(ctx, g, rt, epoch, p, p->len, hsrc, hdst);
	}
	ss = src_slot(g, region, &p->src, hsrc, admit);
	/* A slot claimed just now (its first packet is counted below). */
	if (ss && ds && !ss->v.pkts && ds->v.new_src != 0xffff)
		ds->v.new_src++;
	/* Not admitted: not found, not added (see admit_src). */
	admit = ss || admit;
	/* A TCP segment with ACK belongs to a connection whose first segment
	 * (SYN, or a scanner's flagless/FIN probe) already went through the
	 * flow table (bare ACKs went through probe_ack above); it adds nothing
	 * to the sketches either. Nor does a packet of the flow its source's
	 * slot remembers. A tiny first fragment starts a flow as far as it is
	 * known (keyed without the ports it did not carry); a malformed
	 * packet, whose L4 header could not be read, starts none. */
	established = p->l4 && p->proto == IPPROTO_TCP && (p->tcp_flags & XS_TCP_ACK);
	ports = p->l4 || p->tiny ? flow_ports(p) : 0;
	known = ports && ss && ss->flow_dst == hdst && ss->flow_ports == ports;
	account_dst(g, ds, p, p->len, p->refl, hsrc, !established && !known,
		    *(volatile __u32 *)&rt->slice);
	if (admit) {
		src = account_src(g, ss, p, p->len, probe, hdst);
	} else {
		src = NULL;
		g->cnt[XS_N_SRC_UNADMITTED]++;
		if (ds && ds->v.unadmitted != 0xffffffff)
			ds->v.unadmitted++;
	}
	if (src && sip_port(p))
		account_sip(ctx, src, p, epoch + 1);
	if (rt->flags & XS_RT_FLEET)
		fleet_account(p, region, gen);
	account_evidence(p, p->len, rt->flags, hsrc);
	if (ports && !established && !known) {
		/* An unadmitted source's flows neither cost a flow-table probe
		 * nor spend the tick's events, which stay for the rest. */
		if (!admit)
			g->cnt[XS_N_FLOW_UNADMITTED]++;
		else if (!(rt->flags & XS_RT_FLOWS_OFF))
			account_flow(ctx, g, rt, epoch, p, p->len, xs_hash_flow(hsrc, hdst, ports));
		if (ss) {
			ss->flow_dst = hdst;
			ss->flow_ports = ports;
		}
	}
	return 0;
}

/* A packet to a victim under attack (only while some are watched): its
 * sampling and fingerprint rules; XDP_DROP or XDP_PASS. */
__noinline int xs_victim(struct xdp_md *ctx, struct xs_pkt *p, __u32 epoch)
{
	__u32 zero = 0, gen = epoch & 1;
	struct xs_runtime *rt = bpf_map_lookup_elem(&xs_rt, &zero);
	struct xs_global *g = bpf_map_lookup_elem(&xs_global, &gen);

	if (!p || !rt || !g)
		return XDP_PASS;
	return watch_victim(ctx, g, rt, epoch, p, p->len, p->refl);
}

/* Counts the frame; its verdict, before mirror mode. */
static __always_inline int xdpstream_frame(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;
	struct xs_pkt p = {};
	struct xs_runtime *rt;
	struct xs_global *g;
	__u32 zero = 0, gen, epoch;
	int ret;

	rt = bpf_map_lookup_elem(&xs_rt, &zero);
	if (!rt)
		return XDP_PASS;
	/* Read the epoch once: the generation, the flow table's tick and the
	 * events must agree even if userspace flips it while this packet is
	 * processed. */
	epoch = *(volatile __u32 *)&rt->epoch;
	gen = epoch & 1;
	g = bpf_map_lookup_elem(&xs_global, &gen);
	if (!g)
		return XDP_PASS;

	ret = xs_parse(ctx, &p);
	if (ret < 0) {
		__u32 reason = XS_ERR_REASON(ret);

		/* Bound for the verifier: reason indexes g->err. */
		if (reason < XS_E_MAX)
			g->err[reason]++;
		p.cls = XS_C_MALFORMED;
		p.l4 = p.ports = 0;
		p.pl_len = 0;
	}
	/* Bound for the verifier: cls indexes the per-class arrays. */
	if (p.cls >= XS_C_MAX)
		return XDP_PASS;
	g->pkts[p.cls]++;
	g->bytes[p.cls] += len;
	if (p.vlans && p.cls != XS_C_MALFORMED)
		g->cnt[XS_N_VLAN]++;

	/* Not IP, or malformed before the addresses: nothing to mitigate or
	 * aggregate by address. From here on, whatever followed the
	 * addresses, the packet is mitigated and accounted to them: a header
	 * the parser refuses must not hide a source (issue 13). */
	if (!p.addrs)
		return XDP_PASS;
	p.len = len;
	p.refl = p.l4 && p.proto == IPPROTO_UDP && is_reflector_port(p.sport);
	/* Mitigation first: what is dropped is counted above (it arrived)
	 * but aggregated nowhere else. */
	if (xs_mitigate(&p, gen, rt->flags) == XDP_DROP)
		return XDP_DROP;
	xs_account(ctx, &p, epoch);
	/* Victims under attack, last: what their rules drop is aggregated
	 * above as if it had passed, so the alert sees the attack go on. */
	if (rt->flags & XS_RT_VICTIMS)
		return xs_victim(ctx, &p, epoch);
	return XDP_PASS;
}

SEC("xdp")
int xdpstream(struct xdp_md *ctx)
{
	struct xs_runtime *rt;
	__u32 zero = 0;
	int act = xdpstream_frame(ctx);

	/* Mirror mode: the frames are copies nobody on this host needs.
	 * Counted above, dropped here: the kernel never builds an skb. */
	rt = bpf_map_lookup_elem(&xs_rt, &zero);
	if (act == XDP_PASS && rt && (rt->flags & XS_RT_MIRROR))
		return XDP_DROP;
	return act;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
