#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A BGP router for the mitigation tests: BIRD 2 in a namespace of its own,
# peering over a veth with the speaker side, where xdpstream runs ExaBGP.
#
#   scripts/bgp-lab.sh up       build the lab and start BIRD (idempotent: an
#                               intact lab is kept, a broken one rebuilt)
#   scripts/bgp-lab.sh down     remove everything the lab made, whatever state
#                               it is in (idempotent; ends the processes inside)
#   scripts/bgp-lab.sh status   what exists; exit 0 if the lab is up, 1 if not
#   scripts/bgp-lab.sh env      the names, as shell assignments (eval them)
#   scripts/bgp-lab.sh birdc ARGS...   birdc on the lab's control socket
#   scripts/bgp-lab.sh exec router|speaker CMD...   run CMD inside a namespace
#
# Names (XS_BGP_LAB=NAME changes the prefix, default "xsbgp"):
#   namespaces   NAME-rtr (router, BIRD)    NAME-spk (speaker side)
#   veth         NAME-r in NAME-rtr   <->   NAME-b on the speaker side
#   addresses    198.51.100.1/24 and 2001:db8:b6::1/64 on NAME-r (AS 64512)
#                198.51.100.2/24 and 2001:db8:b6::2/64 on NAME-b (AS 64513)
#   BIRD         /run/NAME/bird.conf, control socket /run/NAME/bird.ctl,
#                log /run/NAME/bird.log
# XS_BGP_LAB_SPEAKER_NS=NS puts the speaker side into an existing namespace
# (the sensor of scripts/lab.sh, so that `xdpstream run` there peers with the
# router) instead of NAME-spk; down then removes only the veth from it.
#
# BIRD accepts a passive session from 198.51.100.2, AS 64513 (protocol
# "speaker"; and one from 2001:db8:b6::2, "speaker6"), with four channels:
# ipv4 and ipv6 unicast into master4/master6 (a route carrying the BLACKHOLE
# community 65535:666, RFC 7999, becomes a blackhole route, the way an edge
# router does remotely triggered blackholing), and FlowSpec (RFC 8955,
# RFC 8956) into the tables flowspec4 and flowspec6. BIRD exports nothing.
set -uo pipefail

LAB=${XS_BGP_LAB:-xsbgp}
NS_R=$LAB-rtr
OWN_SPK=1
NS_S=$LAB-spk
if [[ -n ${XS_BGP_LAB_SPEAKER_NS:-} ]]; then
	NS_S=$XS_BGP_LAB_SPEAKER_NS
	OWN_SPK=0
fi
IF_R=$LAB-r
IF_S=$LAB-b
RUN_DIR=/run/$LAB
CONF=$RUN_DIR/bird.conf
CTL=$RUN_DIR/bird.ctl
PIDF=$RUN_DIR/bird.pid
LOG=$RUN_DIR/bird.log
ROUTER4=198.51.100.1
SPEAKER4=198.51.100.2
ROUTER6=2001:db8:b6::1
SPEAKER6=2001:db8:b6::2
ROUTER_AS=64512
SPEAKER_AS=64513

die() {
	echo "bgp-lab: $*" >&2
	exit 1
}

[[ ${#IF_R} -le 15 ]] ||
	die "XS_BGP_LAB='$LAB' is too long: interface names are limited to 15 bytes"
[[ $LAB =~ ^[A-Za-z0-9_.-]+$ ]] || die "XS_BGP_LAB='$LAB': use letters, digits, '.', '_' or '-'"

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
bird_pid() {
	local pid
	[[ -f $PIDF ]] || return 1
	pid=$(cat "$PIDF" 2>/dev/null)
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	# The pid must still be BIRD's, and in our namespace.
	[[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */bird ]] || return 1
	ip netns pids "$NS_R" 2>/dev/null | grep -qx "$pid" || return 1
	echo "$pid"
}

lab_ok() {
	ns_exists "$NS_R" && ns_exists "$NS_S" &&
		ip -n "$NS_R" link show "$IF_R" >/dev/null 2>&1 &&
		ip -n "$NS_S" link show "$IF_S" >/dev/null 2>&1 &&
		bird_pid >/dev/null && birdc -s "$CTL" show status >/dev/null 2>&1
}

kill_inside() {
	local ns=$1 pids
	ns_exists "$ns" || return 0
	pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
	[[ -z ${pids// /} ]] && return 0
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
	kill_inside "$NS_R"
	[[ $OWN_SPK == 1 ]] && kill_inside "$NS_S"
	ns_exists "$NS_R" && ip netns del "$NS_R"
	if [[ $OWN_SPK == 1 ]]; then
		ns_exists "$NS_S" && ip netns del "$NS_S"
	elif ns_exists "$NS_S"; then
		ip -n "$NS_S" link del "$IF_S" 2>/dev/null
	fi
	# A half-built lab may have left the veth in this namespace.
	ip link show "$IF_R" >/dev/null 2>&1 && ip link del "$IF_R"
	ip link show "$IF_S" >/dev/null 2>&1 && ip link del "$IF_S"
	rm -f "$CONF" "$CTL" "$PIDF" "$LOG"
	[[ -d $RUN_DIR ]] && rmdir "$RUN_DIR"
	if ns_exists "$NS_R" || [[ -e $RUN_DIR ]] || ip link show "$IF_R" >/dev/null 2>&1 ||
		{ [[ $OWN_SPK == 1 ]] && ns_exists "$NS_S"; }; then
		die "could not remove everything: see 'scripts/bgp-lab.sh status'"
	fi
	return 0
}

write_conf() {
	cat >"$CONF" <<EOF
# BIRD 2 configuration of the xdpstream BGP lab (scripts/bgp-lab.sh).
log "$LOG" all;
router id $ROUTER4;
flow4 table flowspec4;
flow6 table flowspec6;

protocol device { }

# RFC 7999: a route with the BLACKHOLE community drops its traffic here.
filter rtbh {
	if (65535, 666) ~ bgp_community then dest = RTD_BLACKHOLE;
	accept;
}

protocol bgp speaker {
	local $ROUTER4 as $ROUTER_AS;
	neighbor $SPEAKER4 as $SPEAKER_AS;
	passive on;
	# After an error (hold timer expired) take the speaker back within
	# seconds, not BIRD's default of 60 to 300: the tests restart it.
	error wait time 1, 1;
	ipv4 { import filter rtbh; export none; };
	ipv6 { import filter rtbh; export none; };
	flow4 { table flowspec4; import all; export none; };
	flow6 { table flowspec6; import all; export none; };
}

# The same over IPv6.
protocol bgp speaker6 {
	local $ROUTER6 as $ROUTER_AS;
	neighbor $SPEAKER6 as $SPEAKER_AS;
	passive on;
	error wait time 1, 1;
	ipv4 { import filter rtbh; export none; };
	ipv6 { import filter rtbh; export none; };
	flow4 { table flowspec4; import all; export none; };
	flow6 { table flowspec6; import all; export none; };
}
EOF
}

up_steps() {
	mkdir -p "$RUN_DIR" && chmod 0755 "$RUN_DIR" || return 1
	ip netns add "$NS_R" || return 1
	if [[ $OWN_SPK == 1 ]]; then
		ip netns add "$NS_S" || return 1
	else
		ns_exists "$NS_S" || {
			echo "bgp-lab: no namespace $NS_S (XS_BGP_LAB_SPEAKER_NS)" >&2
			return 1
		}
	fi
	ip link add "$IF_R" netns "$NS_R" type veth peer name "$IF_S" netns "$NS_S" || return 1
	ip netns exec "$NS_R" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 || return 1
	# The speaker side may have IPv6 off (the sensor of scripts/lab.sh): on
	# for this interface only.
	ip netns exec "$NS_S" sysctl -qw "net.ipv6.conf.$IF_S.disable_ipv6=0" || return 1
	ip -n "$NS_R" link set lo up && ip -n "$NS_S" link set lo up || return 1
	ip -n "$NS_R" addr add $ROUTER4/24 dev "$IF_R" &&
		ip -n "$NS_S" addr add $SPEAKER4/24 dev "$IF_S" &&
		ip -n "$NS_R" addr add $ROUTER6/64 dev "$IF_R" nodad &&
		ip -n "$NS_S" addr add $SPEAKER6/64 dev "$IF_S" nodad || return 1
	ip -n "$NS_R" link set "$IF_R" up && ip -n "$NS_S" link set "$IF_S" up || return 1
	write_conf || return 1
	rm -f "$LOG"
	# BIRD forks into the background; its standard streams must not keep
	# the caller's pipes open.
	ip netns exec "$NS_R" bird -c "$CONF" -s "$CTL" -P "$PIDF" </dev/null >/dev/null 2>&1 ||
		return 1
	for _ in $(seq 50); do
		birdc -s "$CTL" show status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "bgp-lab: BIRD did not answer on $CTL" >&2
	return 1
}

up() {
	if lab_ok; then
		echo "bgp-lab: $LAB is already up"
		return 0
	fi
	down >/dev/null 2>&1
	if ! up_steps; then
		[[ -f $LOG ]] && tail -5 "$LOG" >&2
		down >/dev/null 2>&1
		die "could not build the lab (are you root? is bird2 installed?);" \
			"nothing was left behind"
	fi
	echo "bgp-lab: $LAB is up: BIRD in $NS_R/$IF_R ($ROUTER4, AS $ROUTER_AS)" \
		"<-> $NS_S/$IF_S ($SPEAKER4, AS $SPEAKER_AS), birdc -s $CTL"
}

status() {
	local ok=0 ns
	echo "bgp lab $LAB:"
	for ns in "$NS_R" "$NS_S"; do
		if ns_exists "$ns"; then
			echo "  namespace $ns: present"
			ip -n "$ns" -br addr 2>/dev/null | grep -v '^lo ' | sed 's/^/    /'
		else
			echo "  namespace $ns: absent"
			ok=1
		fi
	done
	if bird_pid >/dev/null; then
		echo "  BIRD: pid $(bird_pid), socket $CTL"
		birdc -s "$CTL" show protocols '"speaker*"' 2>/dev/null | tail -n +2 | sed 's/^/    /'
	else
		echo "  BIRD: not running"
		ok=1
	fi
	lab_ok || ok=1
	[[ $ok == 0 ]] && echo "  state: up" || echo "  state: down or incomplete"
	return $ok
}

env_vars() {
	cat <<EOF
XS_BGP_LAB_NS_ROUTER=$NS_R
XS_BGP_LAB_NS_SPEAKER=$NS_S
XS_BGP_LAB_IF_ROUTER=$IF_R
XS_BGP_LAB_IF_SPEAKER=$IF_S
XS_BGP_LAB_ROUTER4=$ROUTER4
XS_BGP_LAB_SPEAKER4=$SPEAKER4
XS_BGP_LAB_ROUTER6=$ROUTER6
XS_BGP_LAB_SPEAKER6=$SPEAKER6
XS_BGP_LAB_ROUTER_AS=$ROUTER_AS
XS_BGP_LAB_SPEAKER_AS=$SPEAKER_AS
XS_BGP_LAB_SOCKET=$CTL
XS_BGP_LAB_LOG=$LOG
EOF
}

[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces): run it with sudo"
case ${1:-} in
up) up ;;
down) down && echo "bgp-lab: $LAB is down" ;;
status) status ;;
env) env_vars ;;
birdc)
	shift
	[[ -S $CTL ]] || die "the lab is not up: run 'scripts/bgp-lab.sh up'"
	exec birdc -s "$CTL" "$@"
	;;
exec)
	shift
	case ${1:-} in
	router) ns=$NS_R ;;
	speaker) ns=$NS_S ;;
	*) die "exec: say router or speaker, then the command" ;;
	esac
	shift
	[[ $# -gt 0 ]] || die "exec: no command"
	ns_exists "$ns" || die "the lab is not up: run 'scripts/bgp-lab.sh up'"
	exec ip netns exec "$ns" "$@"
	;;
*)
	sed -n '3,30p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
