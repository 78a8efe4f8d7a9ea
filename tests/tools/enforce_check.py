#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Checks `xdpstream replay --report` against tcpdump, packet for packet.

For each fingerprint of the report: its victim's packets of the alert's
class (the attack's) and the others, and for each clause the attack's and
the other packets it matches, are counted again by tcpdump's own filter
compiler over the same capture; every number must be equal. The
fingerprint must cover at least --min-coverage of the attack, and the
alerts named by --expect RULE:VICTIM must have one.

IPv4 captures only (the filters below are written for IPv4 headers).

Usage: enforce_check.py REPORT.json CAPTURE --expect RULE:VICTIM [...]
       [--min-coverage 0.9] [--reflector-ports 19,53,...]
"""
import argparse
import json
import subprocess
import sys

LATER = "(ip[6:2] & 0x1fff != 0)"
NOT_LATER = "(ip[6:2] & 0x1fff = 0)"
FRAG = {"none": "(ip[6:2] & 0x3fff = 0)", "first": "(ip[6:2] & 0x3fff = 0x2000)", "later": LATER}
FLAGS = "FSRPAUEC"


def flags(s):
    return 0 if s == "-" else sum(1 << FLAGS.index(c) for c in s)


def class_filter(rule, refl_ports):
    """The packets the kernel counts as the attack's (bpf/mitigate.h)."""
    if rule == "syn_flood":
        return "(tcp and %s and tcp[13] & 0x12 = 0x02)" % NOT_LATER
    if rule == "udp_flood":
        return "(udp and %s)" % NOT_LATER
    if rule == "icmp_flood":
        return "(icmp and %s)" % NOT_LATER
    if rule == "reflection":
        ports = " or ".join("src port %d" % p for p in refl_ports)
        return "((udp and %s and (%s)) or %s)" % (NOT_LATER, ports, LATER)
    return "(ip)"


def clause_filter(c):
    """A fingerprint clause (bpf/filter.h's rule_match) as a tcpdump filter."""
    f = []
    if "protocol" in c:
        f.append("ip proto %d" % c["protocol"])
    if "fragment" in c:
        f.append("(" + " or ".join(FRAG[x] for x in c["fragment"]) + ")")
    if "length" in c:
        f.append("(ip[2:2] >= %d and ip[2:2] <= %d)" % tuple(c["length"]))
    if "ttl" in c:
        f.append("(ip[8] >= %d and ip[8] <= %d)" % tuple(c["ttl"]))
    l4 = [k for k in ("source_port", "destination_port", "tcp_flags", "icmp_type") if k in c]
    if l4:
        # Ports, flags and types only where the L4 header is (never in a
        # later fragment); udp[]/tcp[] read from the IP header's length.
        f.append(NOT_LATER)
    if "source_port" in c or "destination_port" in c:
        f.append("(tcp or udp)")
    if "source_port" in c:
        f.append("(src portrange %d-%d)" % tuple(c["source_port"]))
    if "destination_port" in c:
        f.append("(dst portrange %d-%d)" % tuple(c["destination_port"]))
    if "tcp_flags" in c:
        f.append("(tcp and tcp[13] & %d = %d)" % (flags(c["tcp_flags_mask"]), flags(c["tcp_flags"])))
    if "icmp_type" in c:
        f.append("(icmp and icmp[0] = %d)" % c["icmp_type"])
    return "(" + (" and ".join(f) if f else "ip") + ")"


def count(capture, expr):
    out = subprocess.run(["tcpdump", "-nr", capture, expr], capture_output=True, text=True)
    if out.returncode and "expression rejects all packets" in out.stderr:
        return 0
    if out.returncode:
        sys.exit("tcpdump failed on %r: %s" % (expr, out.stderr.strip()))
    return sum(1 for line in out.stdout.splitlines() if line.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("capture")
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--min-coverage", type=float, default=0.9)
    ap.add_argument("--reflector-ports", default="19,53,123,161,389,1900,11211")
    a = ap.parse_args()
    refl = [int(p) for p in a.reflector_ports.split(",")]
    rep = json.load(open(a.report))
    bad = []
    seen = set()
    lines = []
    for fp in rep["fingerprints"]:
        rule, victim = fp["rule"], fp["victim"]
        seen.add((rule, victim))
        if ":" in victim:
            bad.append("%s: IPv6 victim %s: not checked here" % (rule, victim))
            continue
        to = "(ip and dst host %s)" % victim
        cls = class_filter(rule, refl)
        want = {"attack_packets": count(a.capture, "%s and %s" % (to, cls)),
                "other_packets": count(a.capture, "%s and not %s" % (to, cls))}
        if "fingerprint" not in fp:
            bad.append("%s on %s: no fingerprint" % (rule, victim))
            continue
        for i, c in enumerate(fp["fingerprint"]["clauses"]):
            m = clause_filter(c)
            hit_a = count(a.capture, "%s and %s and %s" % (to, cls, m))
            hit_o = count(a.capture, "%s and not %s and %s" % (to, cls, m))
            got = fp["clauses"][i]
            if (got["attack_dropped"], got["other_hit"]) != (hit_a, hit_o):
                bad.append("%s on %s, clause %r: report %d attack / %d other, tcpdump %d / %d"
                           % (rule, victim, got["match"], got["attack_dropped"], got["other_hit"],
                              hit_a, hit_o))
        for k, v in want.items():
            if fp[k] != v:
                bad.append("%s on %s: %s %d, tcpdump %d" % (rule, victim, k, fp[k], v))
        if fp["attack_dropped"] != sum(c["attack_dropped"] for c in fp["clauses"]) or \
                fp["other_hit"] != sum(c["other_hit"] for c in fp["clauses"]):
            bad.append("%s on %s: the totals are not the clauses' sums" % (rule, victim))
        cov = fp["attack_dropped"] / fp["attack_packets"] if fp["attack_packets"] else 0
        if cov < a.min_coverage:
            bad.append("%s on %s: covers %.4f of the attack, below %.2f"
                       % (rule, victim, cov, a.min_coverage))
        lines.append("%s %s: %s: drops %d/%d of the attack, hits %d/%d others"
                     % (rule, victim, fp["fingerprint"]["match"], fp["attack_dropped"],
                        fp["attack_packets"], fp["other_hit"], fp["other_packets"]))
    for e in a.expect:
        rule, victim = e.split(":", 1)
        if (rule, victim) not in seen:
            bad.append("no fingerprint for the %s alert on %s" % (rule, victim))
    for line in lines:
        print("ok: " + line)
    for b in bad:
        print("FAIL: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
