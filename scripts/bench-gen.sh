#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Generator throughput into a veth lab: frames per second of `xdpstream gen
# --rate max`, median of RUNS runs, on each transmit path that works here,
# for a fixed frame (the baseline: no field varies) and for frames that
# vary (in the XDP program on the live path, in userspace on the others),
# into a receiver that only returns XDP_PASS and into `xdpstream run`. The
# generator runs on CPU 0, and both ends share it (the veth peer's NAPI
# runs in the softirq after each frame or batch the generator sends).
# Usage: scripts/bench-gen.sh [BUILD_DIR] [RUNS] [FRAMES] [PATHS]
#   PATHS: "live packet xdp" (default: every one that sends here)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath "${1:-build}")
RUNS=${2:-5}
N=${3:-2000000}
PATHS=${4:-live packet xdp}
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

run_case() { # run_case TX ARGS -> median frames/s
	local tx=$1 args=$2 i r
	for ((i = 0; i < RUNS; i++)); do
		r=$($LAB exec attacker taskset -c 0 "$OUT/xdpstream" gen -i "$XS_LAB_IF_ATTACKER" \
			--tx "$tx" $args -n "$N" --rate max --json |
			grep -o '"rate_achieved": *[0-9.e+]*' | grep -o '[0-9.e+]*$')
		echo "${r:-0}"
	done | median
}

# The paths that send here (a failed gen prints its reason once).
works=()
for tx in $PATHS; do
	if $LAB exec attacker "$OUT/xdpstream" gen -i "$XS_LAB_IF_ATTACKER" --tx "$tx" -q \
		udp_flood -n 1 >/dev/null; then
		works+=("$tx")
	else
		echo "--tx $tx: does not send here, not measured"
	fi
done

printf "%-40s %-7s %16s %16s\n" "frames ($N per run, median of $RUNS)" "--tx" "into XDP_PASS" "into xdpstream"
for c in "${cases[@]}"; do
	name=${c%%|*}
	args=${c#*|}
	declare -A pass=()
	ip -n "$XS_LAB_NS_SENSOR" link set dev "$XS_LAB_IF_SENSOR" xdp obj "$OUT/xdp_pass.bpf.o" sec xdp
	for tx in "${works[@]}"; do pass[$tx]=$(run_case "$tx" "$args"); done
	ip -n "$XS_LAB_NS_SENSOR" link set dev "$XS_LAB_IF_SENSOR" xdp off
	$LAB exec sensor "$OUT/xdpstream" run -i "$XS_LAB_IF_SENSOR" --pin-dir "$XS_LAB_PIN_DIR" -q \
		>/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		ip -n "$XS_LAB_NS_SENSOR" link show "$XS_LAB_IF_SENSOR" | grep -q prog/xdp && break
		sleep 0.1
	done
	for tx in "${works[@]}"; do
		xs=$(run_case "$tx" "$args")
		awk -v n="$name" -v t="$tx" -v a="${pass[$tx]}" -v b="$xs" \
			'BEGIN {printf "%-40s %-7s %12.2f Mpps %12.2f Mpps\n", n, t, a / 1e6, b / 1e6}'
	done
	kill -INT "$pid"
	wait "$pid"
done
