#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Every scenario `xdpstream synth` writes, replayed with the default
# configuration: the alerts equal the ground truth synth prints for it
# (every expected alert raised, none of the rules it says must stay
# silent), every alert valid against the schema. Variants: IPv6, VLAN
# tags, a TCP sweep of a web port, reflection from unlisted ports (3702,
# 47808, 3283), bursts and carpet bombing, attacks on top of benign traffic.
# Usage: tests/sh/replay_synth.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build}
BIN=$OUT/xdpstream
if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: replay loads BPF: needs root"
	exit 0
fi
source "$(dirname "$0")/lib/cleanup.sh"
xs_cleanup_init
tmp=$(xs_tmpdir xs-synth)
fail=0

cases=(
	"syn_flood|syn_flood"
	"udp_flood|udp_flood"
	"icmp_flood|icmp_flood"
	"dns_reflection|dns_reflection"
	"ntp_reflection|ntp_reflection"
	"snmp_reflection|snmp_reflection"
	"synack_flood|synack_flood"
	"ack_flood|ack_flood"
	"udp_burst|udp_burst"
	"udp_burst_v6|udp_burst -t 2001:db8::5"
	"carpet|carpet"
	"carpet_v6|carpet -t 2001:db8:18:1::/120"
	"wsd_reflection|wsd_reflection"
	"bacnet_reflection|bacnet_reflection"
	"ard_reflection|wsd_reflection --sport 3283 --payload 1000"
	"port_scan|port_scan"
	"host_sweep|host_sweep"
	"brute_force|brute_force"
	"benign|benign -d 10"
	"benign_10min|benign -d 600"
	"port_scan_v6|port_scan -s 2001:db8::66 -t 2001:db8::10"
	"host_sweep_tcp80|host_sweep --probe tcp -p 80"
	"syn_flood_vlan|syn_flood --vlan 42"
	"brute_force_2222|brute_force -p 2222"
	"story|benign -d 20 + port_scan --at 2 + syn_flood --at 6 -t 198.18.0.20 + dns_reflection --at 10 -t 198.18.0.30 + brute_force --at 13 -s 203.0.113.77 -t 198.18.0.40"
	"bursts_in_benign|benign -d 20 + udp_burst --at 3 -t 198.18.0.50 + wsd_reflection --at 8 -t 198.18.0.60 -n 4000 + ack_flood --at 14 -t 198.18.0.70 -d 0.3"
)

for c in "${cases[@]}"; do
	name=${c%%|*}
	args=${c#*|}
	# shellcheck disable=SC2086
	if ! "$BIN" synth $args -o "$tmp/$name.pcap" -j >"$tmp/$name.json" 2>"$tmp/$name.err"; then
		echo "FAIL $name: synth failed:"
		cat "$tmp/$name.err"
		fail=1
		continue
	fi
	# The truth row: every segment's expected alert; forbidden, the rules
	# some segment wants silent that no segment expects.
	python3 - "$tmp/$name.json" "$name.pcap" >"$tmp/$name.tsv" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
expect, forbid = [], set()
for s in d["segments"]:
    if s.get("truth") and s["truth"] != "none":
        expect.append(s["truth"])
    forbid |= set(r for r in s.get("forbid", "").split(";") if r)
rules = set(e.split(":", 1)[0] for e in expect)
if "*" in forbid and not expect:
    forbid = {"*"}
else:
    forbid = sorted(forbid - rules - {"*"})
print("%s\t%s\t%s" % (sys.argv[2], ";".join(expect), ";".join(sorted(forbid))))
PY
	if ! "$BIN" replay "$tmp/$name.pcap" >"$tmp/$name.jsonl" 2>"$tmp/$name.err"; then
		echo "FAIL $name: replay exited non-zero:"
		cat "$tmp/$name.err"
		fail=1
		continue
	fi
	if python3 tests/tools/check_alerts.py schema/alert.schema.json "$tmp/$name.jsonl" \
		--truth "$tmp/$name.tsv" --capture "$name.pcap" >"$tmp/check" 2>&1; then
		printf 'ok   %-18s %-70s %s\n' "$name" "$(cut -f2 "$tmp/$name.tsv" | cut -c1-70)" \
			"$(sed 's/^ok: //' "$tmp/check")"
	else
		printf 'FAIL %s (%s)\n' "$name" "$args"
		sed 's/^/     /' "$tmp/check"
		fail=1
	fi
done
exit $fail
