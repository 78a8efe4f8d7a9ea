#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Hostile input (issue 13), performed with crafted captures: each attack
# is written by `xdpstream synth` (the scenario and packet builders) and
# replayed; the alerts of each rule are counted exactly.
#   - a 1,000-port SYN scan in 8-byte fragments (nmap -f): port_scan, and
#     frag_evasion for the fragments (nothing before the fix)
#   - a spoofed IPv6 SYN flood with 7 Destination Options headers per
#     packet: syn_flood (nothing before: the parser stopped at 6)
#   - 160 spoofed SYNs from 192.0.2.53 to ports 20-26 (the issue's case):
#     no brute_force (4 alerts naming the innocent before)
#   - a scanner rotating its address inside one IPv6 /64: port_scan naming
#     the /64 (nothing before)
#   - smoke screen: a spoofed flood filling small engine tables while a
#     brute force and a port scan start: all three raised (only the flood
#     before)
# Usage: tests/sh/hostile_replay.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build}
BIN=$OUT/xdpstream
if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: replay loads BPF: needs root"
	exit 0
fi
source tests/sh/lib/cleanup.sh
xs_cleanup_init
tmp=$(xs_tmpdir xs-hostile)
fail=0

cat >"$tmp/smoke.yaml" <<'Y'
limits: {pairs: 4096, scan_keys: 4096, sweep_keys: 4096}
Y

# name|synth arguments|replay config (or -)|expected starts per rule
cases=(
	"frag_scan|port_scan -p 1-1000 --frag 8|-|port_scan=1 frag_evasion=1"
	"ext_hdr_flood|syn_flood -t 2001:db8:18::10 --ext-hdrs 7 -n 30000 -r 10000|-|syn_flood=1"
	"spoofed_brute|syn_flood -s 192.0.2.53 -t 198.18.0.10 -p 20-26 -r 4 -d 40|-|"
	"v6_rotation|port_scan -s 2001:db8:bad::/64 -t 2001:db8:18::10 -p 1-300|-|port_scan=1"
	"smoke_screen|syn_flood -r 20000 -d 6 + brute_force --at 1 -t 198.18.0.11 + port_scan --at 1.5 -s 203.0.113.99 -t 198.18.0.12|$tmp/smoke.yaml|syn_flood=1 brute_force=1 port_scan=1"
)

for c in "${cases[@]}"; do
	IFS='|' read -r name args cfg want <<<"$c"
	# shellcheck disable=SC2086
	if ! "$BIN" synth $args -o "$tmp/$name.pcap" -q 2>"$tmp/$name.err"; then
		echo "FAIL $name: synth failed:"
		cat "$tmp/$name.err"
		fail=1
		continue
	fi
	copt=()
	[[ $cfg != - ]] && copt=(-c "$cfg")
	if ! "$BIN" replay "$tmp/$name.pcap" "${copt[@]}" -q >"$tmp/$name.jsonl" 2>"$tmp/$name.err"; then
		echo "FAIL $name: replay failed:"
		cat "$tmp/$name.err"
		fail=1
		continue
	fi
	got=$(python3 - "$tmp/$name.jsonl" <<'PY'
import json, sys, collections
n = collections.Counter()
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d.get("event", {}).get("action") == "start" and d["event"].get("kind") == "alert":
        n[d["rule"]["name"]] += 1
print(" ".join(f"{k}={v}" for k, v in sorted(n.items())))
PY
)
	want_sorted=$(tr ' ' '\n' <<<"$want" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')
	if [[ $got != "$want_sorted" ]]; then
		echo "FAIL $name: alerts '$got', expected '$want_sorted'"
		fail=1
		continue
	fi
	if ! python3 tests/tools/check_alerts.py schema/alert.schema.json "$tmp/$name.jsonl" \
		--min-alerts 0 >"$tmp/$name.chk" 2>&1; then
		echo "FAIL $name: alerts do not match the schema:"
		cat "$tmp/$name.chk"
		fail=1
		continue
	fi
	echo "ok   $name: ${got:-no alert}"
done

# The rotating scanner is named by its /64.
if ! grep -q '"source_prefix":"2001:db8:bad::/64"' "$tmp/v6_rotation.jsonl"; then
	echo "FAIL v6_rotation: the alert does not name 2001:db8:bad::/64"
	fail=1
fi
exit $fail
