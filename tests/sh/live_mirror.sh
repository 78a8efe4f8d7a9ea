#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Mirror mode, live (`xdpstream run --mirror`), in a lab of this test's own:
#   - refused on an interface with an address: exit 4, one error line that
#     names the address, no program left attached; the config key
#     `mirror: true` is refused the same way; --force runs with a warning;
#   - on a port without an address, 3,000 spoofed SYNs and 5,000 spoofed UDP
#     frames (sent to the sensor veth's own MAC, so the stack would take
#     them) are counted exactly (`stats`: packets, TCP, UDP, SYNs) and none
#     reaches the sensor's stack: a packet socket (tcpdump) on the interface
#     captures nothing, the namespace's IP InReceives does not move, and the
#     veth counts every frame as dropped by XDP;
#   - the control, without --mirror, on the same port: the same frames are
#     all seen by the packet socket and by IP (so the checks above can fail).
# Usage: bash tests/sh/live_mirror.sh BUILD_DIR
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
XS_LAB=$(xs_lab_name m) && export XS_LAB
tmp=$(xs_tmpdir xs-mirror)
DUMP=
fails=0
SYNS=3000 UDPS=5000
MAC=02:00:00:00:00:02	# the generator's destination MAC (user/gen/scenarios/common.c)

ok() { printf 'ok   %s\n' "$1"; }
fail() {
	echo "FAIL $1"
	fails=$((fails + 1))
}
check() { # check WHAT WANT GOT
	if [[ $2 == "$3" ]]; then ok "$1: $3"; else fail "$1: expected $2, got $3"; fi
}
sen() { ip netns exec "$XS_LAB_NS_SENSOR" "$@"; }
xdp_attached() { ip -n "$XS_LAB_NS_SENSOR" link show "$XS_LAB_IF_SENSOR" | grep -c prog/xdp; }
in_receives() { sen awk '/^Ip: [0-9]/ {print $4}' /proc/net/snmp; }	# Ip: InReceives
xdp_drops() { sen ethtool -S "$XS_LAB_IF_SENSOR" | awk '/rx_queue_[0-9]+_xdp_drops:/ {n += $2} END {print n + 0}'; }
stat_of() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))' "$@"; }

live_up || {
	echo "FAIL: cannot build the lab"
	exit 1
}

# --- refusals on the lab's sensor port, which has 192.0.2.2 ---------------
refused() { # refused WHAT RUN-FLAGS...
	local what=$1 rc n
	shift
	scripts/lab.sh exec sensor "$BIN" run -i "$XS_LAB_IF_SENSOR" --pin-dir "$XS_LAB_PIN_DIR" \
		-q -d 1 "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "$what: exit code" 4 "$rc"
	n=$(grep -c 'error: mirror mode drops every frame, but .* has the address 192.0.2.2' "$tmp/err")
	check "$what: one error line naming the address" "1 1" "$n $(wc -l <"$tmp/err")"
	check "$what: no program attached" 0 "$(xdp_attached)"
}
refused "--mirror on an addressed port" --mirror
printf 'mirror: true\n' >"$tmp/mirror.yaml"
refused "mirror: true in the configuration" -c "$tmp/mirror.yaml"

scripts/lab.sh exec sensor "$BIN" run -i "$XS_LAB_IF_SENSOR" --pin-dir "$XS_LAB_PIN_DIR" \
	-q -d 1 --mirror --force >"$tmp/out" 2>"$tmp/err"
check "--mirror --force on an addressed port: exit code" 0 "$?"
check "--mirror --force: the warning" 1 \
	"$(grep -c 'warning: mirror mode on .* which has the address 192.0.2.2 (--force)' "$tmp/err")"

# --- a port without an address, frames to its own MAC ----------------------
ip -n "$XS_LAB_NS_SENSOR" addr flush dev "$XS_LAB_IF_SENSOR"
ip -n "$XS_LAB_NS_SENSOR" link set dev "$XS_LAB_IF_SENSOR" address "$MAC"

# one_run NAME [RUN FLAGS...]: the sensor, a packet socket on its port, the
# frames; leaves $tmp/NAME.{stats.json,pcap,ip,drops}.
one_run() {
	local name=$1 ip0 d0 i
	shift
	live_sensor_start "$tmp/$name.jsonl" "$@" || return 1
	: >"$tmp/$name.tcpdump"
	# $XS_SPAWNED is tcpdump itself: ip execs it.
	xs_spawn ip netns exec "$XS_LAB_NS_SENSOR" tcpdump -i "$XS_LAB_IF_SENSOR" -n -B 16384 \
		-w "$tmp/$name.pcap" 2>"$tmp/$name.tcpdump"
	DUMP=$XS_SPAWNED
	for i in $(seq 50); do	# until the capture socket is open
		grep -q listening "$tmp/$name.tcpdump" && break
		sleep 0.1
	done
	ip0=$(in_receives) d0=$(xdp_drops)
	live_gen "$tmp/$name.gen.json" syn_flood -n $SYNS --rate 20000 + udp_flood -n $UDPS \
		--payload 18 --rate 20000 2>"$tmp/$name.gen.err" || {
		cat "$tmp/$name.gen.err"
		return 1
	}
	sleep 1.3	# a tick: the sensor drains
	live_stats "$tmp/$name.stats.json"
	echo $(($(in_receives) - ip0)) >"$tmp/$name.ip"
	echo $(($(xdp_drops) - d0)) >"$tmp/$name.drops"
	kill "$DUMP" && wait "$DUMP"
	DUMP=
	grep -q '^0 packets dropped by kernel' "$tmp/$name.tcpdump" ||
		{ echo "tcpdump lost frames:"; cat "$tmp/$name.tcpdump"; }
	live_sensor_stop || { cat "$tmp/$name.jsonl.log"; return 1; }
}
captured() { awk '/packets captured$/ {print $1}' "$1"; }	# tcpdump's own count

if one_run mirror --mirror; then
	s=$tmp/mirror.stats.json
	check "mirror: packets counted" $((SYNS + UDPS)) "$(stat_of "$s" packets)"
	check "mirror: TCP, UDP, SYN" "$SYNS $UDPS $SYNS" \
		"$(stat_of "$s" packets_ipv4_tcp) $(stat_of "$s" packets_ipv4_udp) $(stat_of "$s" counter_tcp_syn)"
	check "mirror: frames the packet socket saw" 0 "$(captured "$tmp/mirror.tcpdump")"
	check "mirror: IP InReceives, sensor namespace" 0 "$(cat "$tmp/mirror.ip")"
	check "mirror: frames the veth counts as dropped by XDP" $((SYNS + UDPS)) "$(cat "$tmp/mirror.drops")"
	check "mirror: the gen sent every frame" 0 "$(stat_of "$tmp/mirror.gen.json" 'segments[0]["tx_dropped"] + segments[1]["tx_dropped"]')"
else
	fail "mirror: the run failed"
fi

if one_run inline; then
	s=$tmp/inline.stats.json
	check "inline (control): packets counted" $((SYNS + UDPS)) "$(stat_of "$s" packets)"
	check "inline (control): frames the packet socket saw" $((SYNS + UDPS)) "$(captured "$tmp/inline.tcpdump")"
	check "inline (control): IP InReceives" $((SYNS + UDPS)) "$(cat "$tmp/inline.ip")"
	check "inline (control): dropped by XDP" 0 "$(cat "$tmp/inline.drops")"
else
	fail "inline: the run failed"
fi

[[ $fails == 0 ]] && echo "all mirror checks passed"
exit $((fails > 0))
