#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# scripts/bgp-lab.sh: up builds the router namespace with BIRD, the veth and
# the speaker side; up again keeps them; BIRD has its four channels and
# tables; down removes everything, BIRD included, also after a half-built
# or broken lab; with XS_BGP_LAB_SPEAKER_NS the speaker side is a namespace
# of the caller's, which down leaves in place (without the veth).
# (The BGP sessions themselves: tests/integ/test_bgp.c.)
# Usage: bash tests/sh/bgp_lab.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
export XS_BGP_LAB=xsbt$$
LAB=scripts/bgp-lab.sh
OTHER=xsbo$$
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
	ip netns list | grep -q "^$XS_BGP_LAB-" && return 0
	ip link show "$XS_BGP_LAB-r" >/dev/null 2>&1 && return 0
	ip link show "$XS_BGP_LAB-b" >/dev/null 2>&1 && return 0
	[[ -e /run/$XS_BGP_LAB ]] && return 0
	pgrep -f "bird -c /run/$XS_BGP_LAB/" >/dev/null && return 0
	return 1
}
cleanup() {
	$LAB down >/dev/null 2>&1
	XS_BGP_LAB_SPEAKER_NS=$OTHER $LAB down >/dev/null 2>&1
	ip netns del "$OTHER" 2>/dev/null
}
trap cleanup EXIT

echo "=== bgp-lab: up, status, idempotence"
expect "up" $LAB up
expect "status says up" $LAB status
expect "up again keeps it" bash -c "$LAB up | grep -q 'already up'"
eval "$($LAB env)"
expect "env names the router side" test "$XS_BGP_LAB_NS_ROUTER" = "$XS_BGP_LAB-rtr"
expect "env names the socket" test "$XS_BGP_LAB_SOCKET" = "/run/$XS_BGP_LAB/bird.ctl"
expect "veth in the router namespace" ip -n "$XS_BGP_LAB_NS_ROUTER" link show "$XS_BGP_LAB_IF_ROUTER"
expect "veth on the speaker side" ip -n "$XS_BGP_LAB_NS_SPEAKER" link show "$XS_BGP_LAB_IF_SPEAKER"
expect "addresses inside only" bash -c "ip -n $XS_BGP_LAB_NS_SPEAKER addr show $XS_BGP_LAB_IF_SPEAKER |
	grep -q '198.51.100.2/24' && ! ip addr | grep -q 198.51.100.2/24"
# A closed port answers with a reset: the router is there (no ping needed).
reaches() {
	local msg
	msg=$(ip netns exec "$XS_BGP_LAB_NS_SPEAKER" timeout 3 bash -c "exec 3<>/dev/tcp/$1/9" 2>&1)
	[[ $msg == *"Connection refused"* ]]
}
expect "the speaker side reaches the router" reaches "$XS_BGP_LAB_ROUTER4"
expect "and over IPv6" reaches "$XS_BGP_LAB_ROUTER6"
out=$($LAB birdc show protocols all speaker 2>&1)
if grep -q "BGP state:          Passive" <<<"$out" && grep -q "Neighbor address: 198.51.100.2" <<<"$out" &&
	grep -q "Neighbor AS:      64513" <<<"$out" && grep -q "Local AS:         64512" <<<"$out"; then
	ok "BIRD waits for the speaker: 198.51.100.2, AS 64513"
else
	bad "BIRD's protocol speaker: $out"
fi
for ch in "Channel ipv4" "Channel ipv6" "Channel flow4" "Channel flow6" "Table:          flowspec4" \
	"Table:          flowspec6" "Input filter:   rtbh"; do
	expect "BIRD has '$ch'" grep -q "$ch" <<<"$out"
done
expect "and over IPv6, from 2001:db8:b6::2" bash -c "$LAB birdc show protocols all speaker6 |
	grep -q 'Neighbor address: 2001:db8:b6::2'"
expect "flowspec4 is empty" bash -c "$LAB birdc show route table flowspec4 count | grep -q '^0 of 0 routes'"
expect "BIRD listens on 179 in its namespace only" bash -c "ip netns exec $XS_BGP_LAB_NS_ROUTER ss -ltn |
	grep -q ':179 ' && ! ss -ltn | grep -q '198.51.100.1:179'"

echo "=== bgp-lab: down removes everything, BIRD included"
bird=$(cat "/run/$XS_BGP_LAB/bird.pid")
expect "down" $LAB down
expect "no leftovers" bash -c "! ($(declare -f leftovers); XS_BGP_LAB=$XS_BGP_LAB leftovers)"
expect "BIRD stopped" bash -c "! kill -0 $bird 2>/dev/null || grep -q '^State:.*Z' /proc/$bird/status"
expect "status says down" bash -c "! $LAB status"
expect "down again is harmless" $LAB down

echo "=== bgp-lab: a broken or half-built lab is rebuilt, and removed"
expect "up" $LAB up
kill "$(cat "/run/$XS_BGP_LAB/bird.pid")"
sleep 0.5
expect "status says down without BIRD" bash -c "! $LAB status"
expect "up rebuilds it" bash -c "$LAB up | grep -q 'is up'"
expect "BIRD answers again" $LAB birdc show status
$LAB down >/dev/null
ip netns add "$XS_BGP_LAB-rtr"
expect "down removes a half-built lab" $LAB down
expect "no leftovers" bash -c "! ($(declare -f leftovers); XS_BGP_LAB=$XS_BGP_LAB leftovers)"

echo "=== bgp-lab: the speaker side in a namespace of the caller's"
ip netns add "$OTHER"
expect "up into $OTHER" env XS_BGP_LAB_SPEAKER_NS="$OTHER" $LAB up
expect "the veth is in $OTHER" ip -n "$OTHER" link show "$XS_BGP_LAB-b"
expect "no namespace of its own for the speaker" bash -c "! ip netns list | grep -q '^$XS_BGP_LAB-spk'"
expect "down" env XS_BGP_LAB_SPEAKER_NS="$OTHER" $LAB down
expect "$OTHER is still there" bash -c "ip netns list | grep -q '^$OTHER'"
expect "without the veth" bash -c "! ip -n $OTHER link show $XS_BGP_LAB-b"
expect "no leftovers" bash -c "! ($(declare -f leftovers); XS_BGP_LAB=$XS_BGP_LAB leftovers)"
expect "a namespace that does not exist is refused" \
	bash -c "! XS_BGP_LAB_SPEAKER_NS=xsbt$$-none $LAB up"
expect "and leaves nothing" bash -c "! ($(declare -f leftovers); XS_BGP_LAB=$XS_BGP_LAB leftovers)"

echo
echo "$fails failed"
[[ $fails == 0 ]]
