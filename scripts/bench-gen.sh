#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Generator throughput into a veth lab: frames per second of `xdpstream gen
# --rate max`, median of RUNS runs, for a fixed frame (the baseline: no
# field varies) and for frames varied in the XDP program, into a receiver
# that only returns XDP_PASS and into `xdpstream run`. Both ends share the
# CPU that makes the test-run call (the veth peer's NAPI runs there).
# Usage: scripts/bench-gen.sh [BUILD_DIR] [RUNS] [FRAMES]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath "${1:-build}")
RUNS=${2:-5}
N=${3:-2000000}
export XS_LAB=${XS_RUN_TAG:+xs${XS_RUN_TAG}g}
XS_LAB=${XS_LAB:-xsbench$$}
LAB=scripts/lab.sh
[[ $(id -u) -eq 0 ]] || { echo "bench-gen: needs root" >&2; exit 1; }
trap '$LAB down >/dev/null 2>&1' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
$LAB up >/dev/null || exit 1
eval "$($LAB env)"

cases=(
	"fixed 60 B (baseline)|udp_flood -s 10.0.0.1 --sport 1000 -p 2000 --payload 18"
	"syn_flood, 4 fields at random|syn_flood"
	"udp_flood, 4 fields at random|udp_flood --payload 18"
	"syn_flood IPv6, 3 fields|syn_flood -s 2001:db8:a::/64 -t 2001:db8::1"
	"dns_reflection 1514 B, 3 frames a reply|dns_reflection"
)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run_case() { # run_case ARGS -> median frames/s
	local args=$1 i r
	for ((i = 0; i < RUNS; i++)); do
		r=$($LAB exec attacker "$OUT/xdpstream" gen -i "$XS_LAB_IF_ATTACKER" $args \
			-n "$N" --rate max --json | grep -o '"rate_achieved": *[0-9.e+]*' | grep -o '[0-9.e+]*$')
		echo "${r:-0}"
	done | median
}

printf "%-40s %16s %16s\n" "frames ($N per run, median of $RUNS)" "into XDP_PASS" "into xdpstream"
for c in "${cases[@]}"; do
	name=${c%%|*}
	args=${c#*|}
	ip -n "$XS_LAB_NS_SENSOR" link set dev "$XS_LAB_IF_SENSOR" xdp obj "$OUT/xdp_pass.bpf.o" sec xdp
	pass=$(run_case "$args")
	ip -n "$XS_LAB_NS_SENSOR" link set dev "$XS_LAB_IF_SENSOR" xdp off
	$LAB exec sensor "$OUT/xdpstream" run -i "$XS_LAB_IF_SENSOR" --pin-dir "$XS_LAB_PIN_DIR" -q \
		>/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		ip -n "$XS_LAB_NS_SENSOR" link show "$XS_LAB_IF_SENSOR" | grep -q prog/xdp && break
		sleep 0.1
	done
	xs=$(run_case "$args")
	kill -INT "$pid"
	wait "$pid"
	awk -v n="$name" -v a="$pass" -v b="$xs" 'BEGIN {printf "%-40s %12.2f Mpps %12.2f Mpps\n", n, a / 1e6, b / 1e6}'
done
