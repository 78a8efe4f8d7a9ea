#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make fleet-demo` (scripts/fleet-demo.sh) in labs and on a broker port of
# its own: it exits 0 with the fleet alert on screen (start and end), no
# local alert, the rate limit reported by the three sensors, its files
# valid, and leaves no lab and no broker behind; and its verdict
# (scripts/fleet_demo_view.py summary) fails when the fleet alert is
# missing, when a sensor alerted on its own, and when the distinct-source
# estimate is off.
# Usage: bash tests/sh/fleet_demo.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=$(realpath "${1:-build}")
fails=0
ok() { echo "  ok   $*"; }
bad() {
	echo "  FAIL $*"
	fails=$((fails + 1))
}

if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: the fleet demo needs root (BPF, network namespaces)"
	exit 0
fi
source tests/sh/lib/cleanup.sh
xs_cleanup_init
tmp=$(xs_tmpdir xs-fleet-demo)
XS_FLEET_DEMO_LAB=$(xs_lab_name fd) || exit 1
export XS_FLEET_DEMO_LAB XS_FLEET_DEMO_DIR=$tmp/demo
export XS_FLEET_DEMO_PORT=$((19700 + $(xs_uid) % 25 * 4))
for s in a b c; do xs_track_lab "$XS_FLEET_DEMO_LAB$s"; done
d=$XS_FLEET_DEMO_DIR

echo "=== the fleet demo, as make fleet-demo runs it"
start=$SECONDS
NO_COLOR=1 scripts/fleet-demo.sh "$OUT" >"$tmp/out.txt" 2>&1
rc=$?
took=$((SECONDS - start))
if ((rc == 0)); then ok "exit 0 in $took s"; else bad "exit $rc"; fi
((took < 180)) && ok "under three minutes" || bad "took $took s"
grep -qE '^[0-9:.]+  FLEET ALERT START syn_flood -> 198\.18\.0\.20: [0-9.]+k SYN/s from 3 sensors' "$tmp/out.txt" &&
	grep -qE '^[0-9:.]+  FLEET ALERT END   syn_flood -> 198\.18\.0\.20' "$tmp/out.txt" &&
	ok "the fleet alert's start and end on screen" || bad "no fleet alert start/end lines"
n=$(grep -cE '^[0-9:.]+  sensor [abc]: rate_limit 198\.18\.0\.20/32 by fleet 3,333/s \(reported' "$tmp/out.txt")
[[ $n == 3 ]] && ok "three sensors report the fleet's rate limit" || bad "$n sensors report the rate limit"
grep -q 'LOCAL ALERT' "$tmp/out.txt" && bad "a sensor alerted on its own" || ok "no local alert on screen"
# Window lines: each sensor's share and the sum (exact values depend on
# where ticks fall; tests/sh/fleet_e2e.sh checks those).
grep -qE 'sensors a [0-9]+  b [0-9]+  c [0-9]+ SYN/s -> fleet [0-9.]+k SYN/s, over 10\.0k \(window ' "$tmp/out.txt" &&
	ok "window lines: each sensor's SYN/s, the fleet's over its threshold" || bad "no window line over the threshold"
grep -q 'fleet demo: the fleet saw what no sensor could' "$tmp/out.txt" && ok "the verdict line" || bad "no verdict line"
python3 tests/tools/check_alerts.py schema/alert.schema.json "$d/fleet-alerts.jsonl" >/dev/null &&
	ok "fleet-alerts.jsonl valid, one whole life cycle" || bad "fleet-alerts.jsonl"
python3 tests/tools/check_alerts.py schema/alert.schema.json "$d"/sensor-?.jsonl >/dev/null &&
	ok "the sensors' mitigation events valid" || bad "sensor-?.jsonl"
# shellcheck source=scripts/lib/daemon.sh
. scripts/lib/daemon.sh
if ip netns list | grep -q "^$XS_FLEET_DEMO_LAB" || [[ -e /run/${XS_FLEET_DEMO_LAB}a ]] ||
	port_bound tcp "$XS_FLEET_DEMO_PORT"; then
	bad "a lab or the broker is still there"
else
	ok "the labs and the broker are gone"
fi
if ((fails)); then
	echo "--- demo output"
	cat "$tmp/out.txt"
fi

echo "=== the verdict fails when it should"
summary() {
	python3 scripts/fleet_demo_view.py summary --dir "$1" --victim 198.18.0.20 --threshold 10000 \
		--sensor-threshold 6000 --union 8192 --sensors sensor-a,sensor-b,sensor-c >"$1/verdict.txt" 2>&1
}
if [[ -s $d/fleet-alerts.jsonl ]]; then
	summary "$d" && ok "the real run passes" || bad "the real run fails: $(cat "$d/verdict.txt")"
	cp -r "$d" "$tmp/none" && : >"$tmp/none/fleet-alerts.jsonl"
	summary "$tmp/none"
	[[ $? == 1 ]] && grep -q 'expected exactly one fleet alert' "$tmp/none/verdict.txt" &&
		ok "no fleet alert: exit 1, said" || bad "no fleet alert: $(cat "$tmp/none/verdict.txt")"
	cp -r "$d" "$tmp/local" && head -1 "$d/fleet-alerts.jsonl" >>"$tmp/local/sensor-b.jsonl"
	summary "$tmp/local"
	[[ $? == 1 ]] && grep -q 'sensor-b alerted on its own' "$tmp/local/verdict.txt" &&
		ok "a local alert: exit 1, named" || bad "a local alert: $(cat "$tmp/local/verdict.txt")"
	cp -r "$d" "$tmp/off"
	python3 - "$tmp/off/fleet-alerts.jsonl" <<'EOF'
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
for d in docs:
    if d["event"]["action"] != "end":
        d["xdpstream"]["fleet"]["distinct_sources"]["estimate"] = 10240  # the sum, not the union
open(sys.argv[1], "w").write("".join(json.dumps(d) + "\n" for d in docs))
EOF
	summary "$tmp/off"
	[[ $? == 1 ]] && grep -q 'distinct sources 10240, the truth 8192' "$tmp/off/verdict.txt" &&
		ok "sources summed instead of merged: exit 1" || bad "an estimate off: $(cat "$tmp/off/verdict.txt")"
else
	bad "the demo left no fleet alerts in $d"
fi
((fails == 0)) || exit 1
