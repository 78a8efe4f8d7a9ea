#!/usr/bin/env bash
# The benchmark code works (not how fast): a quick run writes every section
# with sane numbers. Speed is measured by `make bench`, never in tests.
set -euo pipefail
OUT=${1:-build}
source "$(dirname "$0")/lib/cleanup.sh"
xs_cleanup_init
res=$(xs_tmpdir xs-bench)/results.json
"$OUT/xdpstream-bench" --quick --out "$res" >/dev/null
python3 - "$res" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for key in ("machine", "per_packet_ns", "tick", "kernel_memory"):
    assert key in r, f"missing section {key}"
pp = r["per_packet_ns"]
for cls in ("ipv4_tcp_syn_new_flow", "ipv4_tcp_established", "ipv4_udp", "ipv4_icmp_echo",
            "ipv6_tcp_established", "vlan_ipv4_udp", "ipv4_later_fragment",
            "malformed_tcp_trunc", "worst_spoofed_syn_flood"):
    row = pp[cls]
    assert 0 < row["min"] <= row["median"] <= row["max"], (cls, row)
    assert row["baseline"]["median"] > 0, cls
t = r["tick"]["tick_20k_dst_20k_src"]
assert 0 < t["median"], t
assert r["kernel_memory"]["per_tracked_destination"]["value"] > 168
print("bench smoke: all sections present and ordered")
PY
