#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Live detection, end to end: `xdpstream gen` attacks `xdpstream run` (the
# default configuration, as shipped) across a veth pair in a lab of this
# test's own (scripts/lab.sh, named after the run). For each scenario a
# fresh sensor, one gen run, then (tests/tools/live_check.py):
#   - the expected alert, with the right rule, attacker and victim, and no
#     other alert at all; every alert valid against the schema with a whole
#     life cycle (tests/tools/check_alerts.py);
#   - floods (asked 300,000 frames/s for 2 s; the test fails if gen achieved
#     less than 100,000/s): the alert starts within 3 s of the first frame
#     (a generous bound for a loaded machine, not a benchmark);
#   - the kernel's counters (stats --json) equal what gen sent (--json).
# The benign mix runs for 30 s and must raise nothing.
# Usage: bash tests/sh/live_detect.sh BUILD_DIR
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
XS_LAB=$(xs_lab_name l) && export XS_LAB
tmp=$(xs_tmpdir xs-live)
fails=0

# scenario NAME [--flood] -- GEN ARGS...
scenario() {
	local name=$1 check=(--exact)
	shift
	if [[ $1 == --flood ]]; then
		check+=(--ttd-max 3 --min-rate 100000)
		shift
	fi
	shift # --
	local a=$tmp/$name
	if ! live_sensor_start "$a.jsonl"; then
		echo "FAIL $name: no sensor"
		fails=$((fails + 1))
		return
	fi
	if ! live_gen "$a.gen.json" "$@" 2>"$a.gen.err"; then
		echo "FAIL $name: xdpstream gen $* failed:"
		cat "$a.gen.err"
		live_sensor_stop
		fails=$((fails + 1))
		return
	fi
	# One more tick (1 s): the last frames are drained and judged as
	# they would be in a run that goes on.
	sleep 1.3
	live_stats "$a.stats.json"
	if ! live_sensor_stop; then
		echo "FAIL $name: xdpstream run exited non-zero:"
		cat "$a.jsonl.log"
		fails=$((fails + 1))
		return
	fi
	if python3 tests/tools/live_check.py "$a.jsonl" --gen "$a.gen.json" --stats "$a.stats.json" \
		"${check[@]}" >"$a.check" 2>&1; then
		printf 'ok   %-16s %s\n' "$name" "$(sed 's/^ok: //' "$a.check")"
	else
		echo "FAIL $name (gen $*)"
		sed 's/^/     /' "$a.check"
		sed 's/^/     alert: /' "$a.jsonl" | cut -c1-400
		fails=$((fails + 1))
	fi
}

live_up || {
	echo "FAIL: cannot build the lab"
	exit 1
}
echo "=== live detection in lab $XS_LAB (default configuration, 1 s ticks)"
scenario syn_flood --flood -- syn_flood -r 300000 -d 2
scenario syn_flood_v6 --flood -- syn_flood -t 2001:db8:0:1::10 -p 443 -r 300000 -d 2
scenario udp_flood --flood -- udp_flood -r 300000 -d 2
scenario icmp_flood --flood -- icmp_flood -r 300000 -d 2
scenario synack_flood --flood -- synack_flood -r 300000 -d 2
scenario ack_flood --flood -- ack_flood -r 300000 -d 2
scenario carpet --flood -- carpet -r 300000 -d 2
scenario udp_burst -- udp_burst
scenario dns_reflection -- dns_reflection
scenario wsd_reflection -- wsd_reflection
scenario bacnet_reflection -- bacnet_reflection
scenario ntp_reflection -- ntp_reflection
scenario snmp_reflection -- snmp_reflection
scenario port_scan -- port_scan
scenario port_scan_vlan -- port_scan -s 203.0.113.7 -t 198.18.0.77 -p 1-300 --vlan 42 -r 2000
scenario host_sweep -- host_sweep
scenario host_sweep_tcp -- host_sweep --probe tcp -p 22 -r 1000
scenario brute_ssh -- brute_force -p 22 -r 600
scenario brute_port_2222 -- brute_force -s 203.0.113.99 -t 198.18.0.40 -p 2222 -r 600
scenario benign_30s -- benign -d 30

if ((fails)); then
	echo "$fails live scenario(s) failed"
	exit 1
fi
echo "every live scenario detected as expected"
