#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# scripts/lab.sh: up builds the two namespaces, the veth pair and the bpffs;
# up again keeps them; a sensor started the documented way counts what the
# attacker side sends; down removes everything, processes inside included,
# and leaves nothing after a half-built lab either; down again is harmless.
# Usage: bash tests/sh/lab.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=$(realpath "${1:-build}")
source tests/sh/lib/cleanup.sh
xs_cleanup_init
XS_LAB=$(xs_lab_name t) && export XS_LAB
xs_track_lab "$XS_LAB"
LAB=scripts/lab.sh
fails=0

ok() { echo "  ok   $*"; }
bad() {
	echo "  FAIL $*"
	fails=$((fails + 1))
}
expect() { # expect DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}
leftovers() {
	ip netns list | grep -q "^$XS_LAB-" && return 0
	ip link show "$XS_LAB-a" >/dev/null 2>&1 && return 0
	ip link show "$XS_LAB-s" >/dev/null 2>&1 && return 0
	grep -q " /run/$XS_LAB/" /proc/self/mountinfo && return 0
	[[ -e /run/$XS_LAB ]] && return 0
	return 1
}

echo "=== lab: up, status, idempotence"
expect "up" $LAB up
expect "status says up" $LAB status
expect "up again keeps it" bash -c "$LAB up | grep -q 'already up'"
eval "$($LAB env)"
expect "env names the sensor side" test "$XS_LAB_NS_SENSOR" = "$XS_LAB-sen"
expect "veth in the attacker namespace" ip -n "$XS_LAB_NS_ATTACKER" link show "$XS_LAB_IF_ATTACKER"
expect "veth in the sensor namespace" ip -n "$XS_LAB_NS_SENSOR" link show "$XS_LAB_IF_SENSOR"
expect "no lab interface outside" bash -c "! ip link show $XS_LAB_IF_ATTACKER"
expect "addresses inside only" bash -c "ip -n $XS_LAB_NS_ATTACKER addr show $XS_LAB_IF_ATTACKER | grep -q 192.0.2.1/24 && ! ip addr | grep -q 192.0.2.1/24"
expect "bpffs mounted" test "$(stat -f -c %T "$XS_LAB_BPFFS")" = bpf_fs
expect "the link is up on both sides" bash -c "ip -n $XS_LAB_NS_ATTACKER link show $XS_LAB_IF_ATTACKER | grep -q LOWER_UP && ip -n $XS_LAB_NS_SENSOR link show $XS_LAB_IF_SENSOR | grep -q LOWER_UP"
expect "IPv6 off" bash -c "[[ \$($LAB exec sensor sysctl -n net.ipv6.conf.all.disable_ipv6) == 1 ]]"

echo "=== lab: a sensor and a generator, the documented way"
log=$(xs_tmpdir xs-labtest)/sensor.log
xs_spawn $LAB exec sensor "$OUT/xdpstream" run -i "$XS_LAB_IF_SENSOR" --pin-dir "$XS_LAB_PIN_DIR" \
	--tick-ms 100 -q >"$log" 2>&1
sensor=$XS_SPAWNED
for _ in $(seq 100); do
	ip -n "$XS_LAB_NS_SENSOR" link show "$XS_LAB_IF_SENSOR" | grep -q prog/xdp && break
	sleep 0.1
done
expect "sensor attached" bash -c "ip -n $XS_LAB_NS_SENSOR link show $XS_LAB_IF_SENSOR | grep -q prog/xdp"
before=$("$OUT/xdpstream" stats --pin-dir "$XS_LAB_PIN_DIR" --json | grep -o '"packets":[0-9]*' | cut -d: -f2)
$LAB exec attacker "$OUT/xdpstream" gen -i "$XS_LAB_IF_ATTACKER" host_sweep -r 5000 -q
after=$("$OUT/xdpstream" stats --pin-dir "$XS_LAB_PIN_DIR" --json | grep -o '"packets":[0-9]*' | cut -d: -f2)
if [[ -n $before && -n $after && $((after - before)) -eq 256 ]]; then
	ok "the sensor counted the 256 probes (stats from outside, through the lab's bpffs)"
else
	bad "the sensor counted $before -> $after, expected 256 more"
	cat "$log"
fi
expect "status shows the sensor process" bash -c "$LAB status | grep -q processes"

echo "=== lab: down removes everything, processes included"
expect "down" $LAB down
expect "no leftovers" bash -c "! ($(declare -f leftovers); leftovers)"
state=$(awk '{print $3}' "/proc/$sensor/stat" 2>/dev/null)
if [[ -z $state || $state == Z* ]]; then ok "the sensor was stopped"; else bad "the sensor still runs ($state)"; fi
wait "$sensor" 2>/dev/null
expect "status says down" bash -c "! $LAB status"
expect "down again is harmless" $LAB down

echo "=== lab: a half-built lab goes away, and up rebuilds a broken one"
ip netns add "$XS_LAB-atk"
ip link add "$XS_LAB-a" type veth peer name "$XS_LAB-s"
mkdir -p "/run/$XS_LAB/bpf" && mount -t bpf bpf "/run/$XS_LAB/bpf"
expect "down after a partial up" $LAB down
expect "no leftovers" bash -c "! ($(declare -f leftovers); leftovers)"
expect "up" $LAB up
ip netns del "$XS_LAB-sen"
expect "status sees the damage" bash -c "! $LAB status"
expect "up rebuilds it" bash -c "$LAB up | grep -q 'is up'"
expect "status says up" $LAB status
expect "down" $LAB down
expect "no leftovers" bash -c "! ($(declare -f leftovers); leftovers)"

if ((fails)); then
	echo "lab: $fails check(s) failed"
	exit 1
fi
echo "lab: all checks passed"
