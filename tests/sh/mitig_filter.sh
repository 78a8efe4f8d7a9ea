#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The fingerprint's drop rule in XDP against a reflection flood mixed with
# benign traffic to the same victim, live (scripts/lab.sh of this test's
# own): `xdpstream run` with reflection's action filter, a DNS reflection
# until the filter is in, then, measured, two scenarios at once (merged by
# `xdpstream synth`, played by `xdpstream gen --pcap`): more of the
# reflection, and benign visits whose client is the victim itself (its own
# DNS answers from port 53, and HTTPS) - the attack's frames come from the
# reflectors (100.64.0.0/16), the benign ones never do. A tcpdump on the sensor's interface sees what XDP
# passed. With the generator's counts as the ground truth:
#   - the kernel counted every frame gen sent (nothing lost on the veth);
#   - every benign frame passed (none dropped);
#   - at least 99% of the attack's frames were dropped, and the kernel's
#     dropped_fingerprint counter equals exactly the attack frames that did
#     not pass;
#   - the alert's samples are in a pcap named after its id, within the
#     configured size, headers only (128 bytes), every packet to the victim.
# Usage: bash tests/sh/mitig_filter.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=$(realpath "${1:-build}")
BIN=$OUT/xdpstream
source tests/sh/lib/live.sh

if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: live tests need root (BPF, network namespaces)"
	exit 0
fi
xs_cleanup_init
XS_LAB=$(xs_lab_name f) && export XS_LAB
VICTIM=198.18.0.10
tmp=$(xs_tmpdir xs-mitig-filter)

live_up || {
	echo "FAIL: cannot build the lab"
	exit 1
}
cat >"$tmp/xdpstream.yaml" <<EOF
alerts:
  cooldown_s: 5
mitigation:
  enforce: true
  fingerprint: {pcap_dir: $tmp/pcap, pcap_max_bytes: 65536}
rules:
  reflection:
    window_s: 2
    action: filter
EOF
live_sensor_start "$tmp/alerts.jsonl" -c "$tmp/xdpstream.yaml" || exit 1

# The attack alone until its fingerprint is installed.
live_gen "$tmp/gen1.json" dns_reflection -t "$VICTIM" -r 3000 -d 3 2>"$tmp/gen1.err" || {
	echo "FAIL: gen: $(cat "$tmp/gen1.err")"
	exit 1
}
if ! grep -q '"action":"filter"' "$tmp/alerts.jsonl"; then
	echo "FAIL: no filter installed after 3 s of attack:"
	cut -c1-300 "$tmp/alerts.jsonl"
	exit 1
fi
grep '"action":"filter"' "$tmp/alerts.jsonl" | head -1 |
	python3 -c 'import json,sys; e=json.load(sys.stdin); print("ok   filter:", e["xdpstream"]["mitigation"]["fingerprint"]["match"])'

# Measured: the two scenarios at once (synth merges them by time, gen plays
# the capture at its pace), what XDP passes, and the counters around it.
"$BIN" synth -o "$tmp/mix.pcap" dns_reflection -t "$VICTIM" -r 3000 -n 12000 -S 7 \
	+ benign --family 4 -s "$VICTIM/32" -r 300 -n 1200 --at 0 -j >"$tmp/mix.json" || {
	echo "FAIL: synth"
	exit 1
}
xs_spawn scripts/lab.sh exec sensor tcpdump -i "$XS_LAB_IF_SENSOR" -B 65536 -U \
	-w "$tmp/pass.pcap" 2>"$tmp/dump.err"
DUMP=$XS_SPAWNED
for _ in $(seq 50); do
	grep -q "listening on" "$tmp/dump.err" && break
	sleep 0.1
done
live_stats "$tmp/before.json"
live_gen "$tmp/gen2.json" --pcap "$tmp/mix.pcap" --speed original 2>"$tmp/gen2.err" || {
	echo "FAIL: gen: $(cat "$tmp/gen2.err")"
	exit 1
}
sleep 1.3	# one more tick
live_stats "$tmp/after.json"
sleep 0.5
kill -INT "$DUMP"
wait "$DUMP"
live_sensor_stop || echo "FAIL: xdpstream run exited non-zero: $(cat "$tmp/alerts.jsonl.log")"

attack_passed=$(tcpdump -nr "$tmp/pass.pcap" "src net 100.64.0.0/16" 2>/dev/null | wc -l)
benign_passed=$(tcpdump -nr "$tmp/pass.pcap" "not src net 100.64.0.0/16" 2>/dev/null | wc -l)
python3 - "$tmp" "$attack_passed" "$benign_passed" <<'EOF'
import json, re, sys
tmp, attack_passed, benign_passed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
plan = json.load(open(tmp + "/mix.json"))
attack = [s for s in plan["segments"] if s["scenario"] == "dns_reflection"][0]["frames"]
benign = [s for s in plan["segments"] if s["scenario"] == "benign"][0]["frames"]
sent = json.load(open(tmp + "/gen2.json"))["frames"]
def total(path):
    d = json.load(open(path))
    return d["packets"], d["counter_dropped_fingerprint"]
p0, d0 = total(tmp + "/before.json")
p1, d1 = total(tmp + "/after.json")
dump = open(tmp + "/dump.err").read()
m = re.search(r"(\d+) packets dropped by kernel", dump)
fails = []
if not m or int(m.group(1)):
    fails.append("tcpdump lost packets, the count is not conclusive: " + dump.strip())
if sent != attack + benign:
    fails.append("gen sent %d frames of the %d in the capture" % (sent, attack + benign))
if p1 - p0 != attack + benign:
    fails.append("the kernel counted %d frames, gen sent %d" % (p1 - p0, attack + benign))
if benign_passed != benign:
    fails.append("%d of the %d benign frames passed" % (benign_passed, benign))
dropped = attack - attack_passed
if dropped < 0.99 * attack:
    fails.append("only %d of the %d attack frames dropped" % (dropped, attack))
if d1 - d0 != dropped:
    fails.append("dropped_fingerprint grew by %d, %d attack frames did not pass" % (d1 - d0, dropped))
for f in fails:
    print("FAIL: " + f)
if fails:
    sys.exit(1)
print("ok   %d of %d attack frames dropped (%.2f%%), all %d benign frames passed, "
      "dropped_fingerprint +%d" % (dropped, attack, 100.0 * dropped / attack, benign, d1 - d0))
EOF
rc=$?
# The alert's samples as a pcap named after it, within its size.
id=$(grep -m1 '"action":"start"' "$tmp/alerts.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["event"]["id"])')
pcap=$tmp/pcap/$id.pcap
n=$(tcpdump -nr "$pcap" 2>/dev/null | wc -l)
to=$(tcpdump -nr "$pcap" "dst host $VICTIM" 2>/dev/null | wc -l)
if [[ ! -f $pcap || $(stat -c %s "$pcap") -gt 65536 || $n -lt 100 || $to != "$n" ]] ||
	! tcpdump -nr "$pcap" -c 1 2>&1 | grep -q "snapshot length 128"; then
	echo "FAIL: the alert's pcap: $(ls -l "$tmp/pcap"), $n packets, $to to the victim"
	rc=1
else
	echo "ok   $id.pcap: $n sampled packets, $(stat -c %s "$pcap") bytes"
fi
python3 tests/tools/check_alerts.py schema/alert.schema.json "$tmp/alerts.jsonl" --min-alerts 1 ||
	rc=1
exit $rc
