#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A two-namespace lab: an attacker side and a sensor side joined by a veth
# pair, for running `xdpstream gen` against `xdpstream run` on one host.
#
#   scripts/lab.sh up       build the lab (idempotent: an intact lab is kept,
#                           a broken one is removed and rebuilt)
#   scripts/lab.sh down     remove everything the lab made, whatever state it
#                           is in (idempotent; ends the processes left inside)
#   scripts/lab.sh status   what exists; exit 0 if the lab is up, 1 if not
#   scripts/lab.sh env      the names, as shell assignments (eval them)
#   scripts/lab.sh exec attacker|sensor CMD...   run CMD inside a namespace
#
# Names (XS_LAB=NAME changes the prefix, default "xslab"):
#   namespaces   NAME-atk (attacker)       NAME-sen (sensor)
#   veth         NAME-a in NAME-atk   <->  NAME-s in NAME-sen
#   addresses    192.0.2.1/24 on NAME-a,   192.0.2.2/24 on NAME-s
#                (and 2001:db8:ffff::1/64, ::2/64 with XS_LAB_IPV6=1)
#   bpffs        /run/NAME/bpf (pin dir for the sensor: /run/NAME/bpf/xdpstream)
# IPv6 is off by default so that the kernels send nothing of their own (no
# router or neighbour solicitations): the sensor sees only what is sent.
# The addresses live inside the namespaces only; the host is not touched.
set -uo pipefail

LAB=${XS_LAB:-xslab}
NS_A=$LAB-atk
NS_S=$LAB-sen
IF_A=$LAB-a
IF_S=$LAB-s
RUN_DIR=/run/$LAB
BPFFS=$RUN_DIR/bpf
PIN_DIR=$BPFFS/xdpstream
IPV6=${XS_LAB_IPV6:-0}

die() {
	echo "lab: $*" >&2
	exit 1
}

[[ ${#IF_A} -le 15 ]] || die "XS_LAB='$LAB' is too long: interface names are limited to 15 bytes"
[[ $LAB =~ ^[A-Za-z0-9_.-]+$ ]] || die "XS_LAB='$LAB': use letters, digits, '.', '_' or '-'"

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
is_bpffs() { [[ $(stat -f -c %T "$1" 2>/dev/null) == bpf_fs ]]; }

lab_ok() {
	ns_exists "$NS_A" && ns_exists "$NS_S" &&
		ip -n "$NS_A" link show "$IF_A" >/dev/null 2>&1 &&
		ip -n "$NS_S" link show "$IF_S" >/dev/null 2>&1 && is_bpffs "$BPFFS"
}

# Ends what still runs inside a namespace: a process there keeps the
# namespace (and the veth) alive after `ip netns del`.
kill_inside() {
	local ns=$1 pids
	ns_exists "$ns" || return 0
	pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
	[[ -z ${pids// /} ]] && return 0
	echo "lab: stopping processes in $ns: $pids" >&2
	kill -TERM $pids 2>/dev/null
	for _ in $(seq 50); do
		pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		[[ -z ${pids// /} ]] && return 0
		sleep 0.1
	done
	kill -KILL $pids 2>/dev/null
	sleep 0.2
}

down() {
	kill_inside "$NS_A"
	kill_inside "$NS_S"
	ns_exists "$NS_A" && ip netns del "$NS_A"
	ns_exists "$NS_S" && ip netns del "$NS_S"
	# A half-built lab may have left the veth in this namespace.
	ip link show "$IF_A" >/dev/null 2>&1 && ip link del "$IF_A"
	ip link show "$IF_S" >/dev/null 2>&1 && ip link del "$IF_S"
	while is_bpffs "$BPFFS"; do umount "$BPFFS" || break; done
	[[ -d $BPFFS ]] && rmdir "$BPFFS"
	[[ -d $RUN_DIR ]] && rmdir "$RUN_DIR"
	if ns_exists "$NS_A" || ns_exists "$NS_S" || [[ -e $RUN_DIR ]] ||
		ip link show "$IF_A" >/dev/null 2>&1; then
		die "could not remove everything: see 'scripts/lab.sh status'"
	fi
	return 0
}

up_steps() {
	ip netns add "$NS_A" && ip netns add "$NS_S" &&
		ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_S" netns "$NS_S" || return 1
	local ns
	for ns in "$NS_A" "$NS_S"; do
		if [[ $IPV6 == 1 ]]; then
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 || return 1
		else
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1 || return 1
		fi
		ip -n "$ns" link set lo up || return 1
	done
	ip -n "$NS_A" addr add 192.0.2.1/24 dev "$IF_A" &&
		ip -n "$NS_S" addr add 192.0.2.2/24 dev "$IF_S" || return 1
	if [[ $IPV6 == 1 ]]; then
		ip -n "$NS_A" addr add 2001:db8:ffff::1/64 dev "$IF_A" nodad &&
			ip -n "$NS_S" addr add 2001:db8:ffff::2/64 dev "$IF_S" nodad || return 1
	fi
	# Frames redirected into a veth need NAPI on the receiving side: an XDP
	# program there gives it, and so does GRO (for skb mode, or no program).
	ip netns exec "$NS_S" ethtool -K "$IF_S" gro on >/dev/null 2>&1 || return 1
	ip -n "$NS_A" link set "$IF_A" up && ip -n "$NS_S" link set "$IF_S" up || return 1
	mkdir -p "$BPFFS" && mount -t bpf bpf "$BPFFS" || return 1
}

up() {
	if lab_ok; then
		echo "lab: $LAB is already up"
		return 0
	fi
	down >/dev/null 2>&1
	# Interrupted half-way, it removes what it made so far.
	trap 'down >/dev/null 2>&1; exit 130' INT
	trap 'down >/dev/null 2>&1; exit 143' TERM
	trap 'down >/dev/null 2>&1; exit 129' HUP
	if ! up_steps; then
		down >/dev/null 2>&1
		die "could not build the lab (are you root? is iproute2 installed?); nothing was left behind"
	fi
	trap - INT TERM HUP
	echo "lab: $LAB is up: $NS_A/$IF_A (attacker) <-> $NS_S/$IF_S (sensor), bpffs at $BPFFS"
}

status() {
	local ok=0
	echo "lab $LAB:"
	for ns in "$NS_A" "$NS_S"; do
		if ns_exists "$ns"; then
			echo "  namespace $ns: present"
			ip -n "$ns" -br addr 2>/dev/null | grep -v '^lo ' | sed 's/^/    /'
			ip -n "$ns" link 2>/dev/null | grep -o 'prog/xdp id [0-9]*' | sed 's/^/    xdp: /'
			local pids
			pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
			[[ -n ${pids// /} ]] && echo "    processes: $pids"
		else
			echo "  namespace $ns: absent"
			ok=1
		fi
	done
	if is_bpffs "$BPFFS"; then echo "  bpffs $BPFFS: mounted"; else
		echo "  bpffs $BPFFS: absent"
		ok=1
	fi
	lab_ok || ok=1
	[[ $ok == 0 ]] && echo "  state: up" || echo "  state: down or incomplete"
	return $ok
}

env_vars() {
	cat <<EOF
XS_LAB_NS_ATTACKER=$NS_A
XS_LAB_NS_SENSOR=$NS_S
XS_LAB_IF_ATTACKER=$IF_A
XS_LAB_IF_SENSOR=$IF_S
XS_LAB_BPFFS=$BPFFS
XS_LAB_PIN_DIR=$PIN_DIR
EOF
}

[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces, bpffs): run it with sudo"
case ${1:-} in
up) up ;;
down) down && echo "lab: $LAB is down" ;;
status) status ;;
env) env_vars ;;
exec)
	shift
	case ${1:-} in
	attacker) ns=$NS_A ;;
	sensor) ns=$NS_S ;;
	*) die "exec: say attacker or sensor, then the command" ;;
	esac
	shift
	[[ $# -gt 0 ]] || die "exec: no command"
	ns_exists "$ns" || die "the lab is not up: run 'scripts/lab.sh up'"
	exec ip netns exec "$ns" "$@"
	;;
*)
	sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
