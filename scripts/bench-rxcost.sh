# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# The "rxcost" section of scripts/bench.sh (sourced by it; uses its lab,
# generator, daemon and FastNetMon helpers): what each receiver costs per
# packet, measured on the receiving side only, so that the generator's
# speed (which differs between transmit paths and is the bottleneck in this
# lab) does not enter the figure.
#
# Every receiver gets the same frames at the same paced rate (RX_RATE),
# one traffic shape at a time. The receiving veth's NAPI runs in its own
# kernel thread pinned to CPU 1 (threaded NAPI); the generator is on CPU 0.
# Per run and shape, for each receiver:
#   cpu   the NAPI thread's CPU time (its schedstat: where the driver, the
#         XDP program, the skb, the stack and AF_PACKET's copy run) plus the
#         user-space sensor's (every thread's schedstat, i.e. utime + stime
#         in ns: `xdpstream run`, or FastNetMon's capture and processing
#         threads), from the first frame to a tick after the last, divided
#         by the frames the NAPI thread handled (the veth's
#         rx_queue_N_xdp_packets, which counts every frame of a NAPI poll,
#         with or without a program)
#   idle  the same receiver's CPU time without traffic, per second (a
#         user-space sensor's timers and background threads): the report
#         gives the cost per packet above it, and at the offered rate
#         (above idle + idle / rate), which does not depend on how many
#         frames the veth dropped (below)
#   bpf   the attached program's own run time per packet, from the kernel's
#         BPF statistics (kernel.bpf_stats_enabled=1 only for these runs,
#         restored afterwards, on failure too): run_time_ns / run_cnt, at
#         the generator's top rate (2 million frames: a flood fills the
#         tables, as it does when it lasts)
# Receivers: none (no program: the baseline of the stack alone), xdp_pass
# (a program that only passes), xdpstream (`run`, inline), xdpstream_mirror
# (`run --mirror`: XDP_DROP after counting, no skb), xdpstream_admission_off
# (`run` with source admission off: what admission saves under the spoofed
# shapes; not in the quick run), fastnetmon.
# The CPU passes run with the BPF statistics off (they cost two clock reads
# a packet). Above 20,000 frames/s the generator sends 100 ms worth at a
# time at its top speed: on the live and xdp paths the veth's 256-frame
# ring then drops what the receiver cannot take during a burst (recorded:
# offered, processed, loss), on the packet path the sender waits instead.
# A user-space sensor runs on CPU 0, with the generator.

RX_SHAPES="fixed established syn_flood udp_flood reflection"
RX_RATE=${XS_BENCH_RX_RATE:-100000}
RX_RUNS=${XS_BENCH_RX_RUNS:-3}
if [[ $QUICK == 1 ]]; then
	RX_N=20000 RX_N_BPF=20000 RX_RATE=40000 RX_RUNS=1 RX_IDLE_S=1
else
	RX_IDLE_S=4
	RX_N=$((RX_RATE * 3))		# 3 s of traffic per figure
	RX_N_BPF=2000000
fi
STATS_SAVED=	# kernel.bpf_stats_enabled before the section

# rx_shape SHAPE: the generator's scenario and flags.
rx_shape() {
	case $1 in
	fixed) echo "$FIXED" ;;
	# One TCP connection's ACK segments (fixed addresses and ports).
	established) echo "ack_flood -s 10.0.0.1 --sport 40000 -p 443" ;;
	syn_flood) echo "syn_flood" ;;
	udp_flood) echo "udp_flood --payload 18" ;;	# spoofed sources and ports, 60 bytes
	reflection) echo "ntp_reflection" ;;	# 65,536 reflectors, 482-byte replies
	esac
}

# The NAPI thread of the sensor's veth, pinned to CPU 1 (threaded NAPI on).
napi_thread() {
	local p c
	ip netns exec "$NS_S" sh -c "echo 1 > /sys/class/net/$IF_S/threaded" || return 1
	for p in $(pgrep '^napi/'); do
		c=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		if [[ napi/$IF_S- == "$c"* || $c == napi/$IF_S-* ]]; then
			taskset -pc 1 "$p" >/dev/null || return 1
			echo "$p"
			return 0
		fi
	done
	say "no NAPI thread for $IF_S"
	return 1
}

# cpu_ns PID: CPU time of every thread of PID so far, in ns (0 if none).
cpu_ns() {
	local t s n=0
	[[ -n $1 ]] || { echo 0; return; }
	for t in /proc/"$1"/task/*/schedstat; do
		read -r s _ <"$t" 2>/dev/null && n=$((n + s))
	done
	echo "$n"
}

veth_rx() { # frames the receiving veth's NAPI handled, all queues
	ip netns exec "$NS_S" ethtool -S "$IF_S" | awk '/rx_queue_[0-9]+_xdp_packets:/ {n += $2} END {print n + 0}'
}

xdp_prog_id() {
	ip -n "$NS_S" -j -d link show "$IF_S" | python3 -c '
import json, sys
x = json.load(sys.stdin)[0].get("xdp") or {}
p = x.get("prog") or (x.get("attached") or [{}])[0].get("prog") or {}
print(p.get("id", ""))'
}

# prog_stats ID: "run_time_ns run_cnt" of a program.
prog_stats() {
	bpftool prog show id "$1" -j | python3 -c '
import json, sys
p = json.load(sys.stdin)
print(p.get("run_time_ns", 0), p.get("run_cnt", 0))'
}

bpf_stats_on() {
	[[ -n $STATS_SAVED ]] || STATS_SAVED=$(sysctl -n kernel.bpf_stats_enabled) || return 1
	sysctl -qw kernel.bpf_stats_enabled=1
}
# Called by the section and by bench.sh's cleanup (a failure, a signal).
bpf_stats_restore() {
	[[ -n $STATS_SAVED ]] || return 0
	sysctl -qw kernel.bpf_stats_enabled="$STATS_SAVED"
	STATS_SAVED=
}

rx_up() {
	case $1 in
	none | fastnetmon) ip -n "$NS_S" link set dev "$IF_S" xdp off ;;&
	fastnetmon) fnm_start ;;
	xdp_pass) ip -n "$NS_S" link set dev "$IF_S" xdp obj "$OUT/xdp_pass.bpf.o" sec xdp ;;
	xdpstream) daemon_start ;;
	xdpstream_mirror) daemon_start --mirror ;;
	xdpstream_admission_off)
		echo 'admission: {after: 0}' >"$TMP/admission-off.yaml" &&
			daemon_start --config "$TMP/admission-off.yaml"
		;;
	esac || return 1
	# A user-space sensor on the generator's CPU (which sleeps between its
	# bursts), every thread: CPU 1 is the NAPI thread's, for every receiver.
	[[ -z $(rx_pid "$1") ]] || taskset -apc 0 "$(rx_pid "$1")" >/dev/null
}
rx_down() {
	case $1 in
	fastnetmon) fnm_stop ;;
	xdp_pass) ip -n "$NS_S" link set dev "$IF_S" xdp off ;;
	xdpstream*) daemon_stop ;;
	esac
}
rx_pid() {
	case $1 in
	xdpstream*) echo "$DAEMON_PID" ;;
	fastnetmon) echo "$FNM_PID" ;;
	esac
}

# rx_measure RX SHAPE PASS RUN: one figure (PASS: cpu or bpf).
rx_measure() {
	local rx=$1 shape=$2 pass=$3 run=$4 n=$RX_N rate=$RX_RATE napi pid id j= try settle=0.3
	local n0 n1 p0 p1 v0 v1 s0 t0 t1 c0=0 c1=0 b0 b1 bt=0 bc=0
	[[ $pass == bpf ]] && n=$RX_N_BPF rate=max
	# A user-space sensor drains its last frames at its next tick.
	[[ $pass == cpu && $rx != none && $rx != xdp_pass ]] && settle=1.3
	napi=$(napi_thread) || return 1
	pid=$(rx_pid "$rx")
	id=
	[[ $pass == bpf ]] && { id=$(xdp_prog_id) && [[ -n $id ]] || { say "$rx: no program attached"; return 1; }; }
	for try in 1 2; do
		t0=$EPOCHREALTIME
		n0=$(cpu_ns "$napi") p0=$(cpu_ns "$pid") v0=$(veth_rx)
		[[ -n $id ]] && read -r b0 c0 < <(prog_stats "$id")
		case $rx in
		xdpstream*) s0=$(stats_pkts) ;;
		fastnetmon) s0=$(fnm_metric total_simple_packets_processed) ;;
		esac
		# shellcheck disable=SC2046
		j=$(gen $(rx_shape "$shape") -n "$n" --rate "$rate") && break
		sleep 1
	done
	[[ -n $j ]] || return 1
	sleep "$settle"
	n1=$(cpu_ns "$napi") p1=$(cpu_ns "$pid") v1=$(veth_rx)
	t1=$EPOCHREALTIME
	[[ -n $id ]] && { read -r b1 c1 < <(prog_stats "$id"); bt=$((b1 - b0)); bc=$((c1 - c0)); }
	local counted=null
	case $rx in
	xdpstream*) counted=$(($(stats_pkts) - s0)) ;;
	fastnetmon) counted=$(($(fnm_metric total_simple_packets_processed) - s0)) ;;
	esac
	rec "{\"kind\":\"rxcost\",\"pass\":\"$pass\",\"run\":$run,\"rx\":\"$rx\",\"shape\":\"$shape\",\
\"tx\":\"$(jf tx <<<"$j")\",\"rate\":\"$rate\",\"offered\":$(jf segments.0.frames <<<"$j"),\
\"seconds\":$(jf segments.0.seconds <<<"$j"),\"rate_kept\":$(jf segments.0.rate_kept <<<"$j" | tr A-Z a-z),\
\"tx_dropped\":$(jf segments.0.tx_dropped <<<"$j"),\"processed\":$((v1 - v0)),\"counted\":$counted,\
\"napi_ns\":$((n1 - n0)),\"sensor_ns\":$((p1 - p0)),\"wall_s\":$(python3 -c "print($t1 - $t0)"),\
\"bpf_run_ns\":$bt,\"bpf_run_cnt\":$bc}"
}

# rx_idle RX RUN: the receiver's CPU time without traffic (a user-space
# sensor's timers, its background threads), for as long as a figure lasts.
rx_idle() {
	local rx=$1 run=$2 napi pid n0 n1 p0 p1 t0 t1
	napi=$(napi_thread) || return 1
	pid=$(rx_pid "$rx")
	t0=$EPOCHREALTIME n0=$(cpu_ns "$napi") p0=$(cpu_ns "$pid")
	sleep "$RX_IDLE_S"
	n1=$(cpu_ns "$napi") p1=$(cpu_ns "$pid") t1=$EPOCHREALTIME
	rec "{\"kind\":\"rxidle\",\"run\":$run,\"rx\":\"$rx\",\"napi_ns\":$((n1 - n0)),\"sensor_ns\":$((p1 - p0)),\
\"wall_s\":$(python3 -c "print($t1 - $t0)")}"
}

rxcost_section() {
	local r rx shape shapes="" rxs="none xdp_pass xdpstream xdpstream_mirror fastnetmon"
	[[ $QUICK == 1 ]] || rxs="none xdp_pass xdpstream xdpstream_admission_off xdpstream_mirror fastnetmon"
	if (($(nproc) < 2)); then
		skip rxcost "one CPU: the receiver cannot have a CPU of its own"
		return 0
	fi
	for shape in $RX_SHAPES; do
		# shellcheck disable=SC2046
		if $LAB exec attacker "$OUT/xdpstream" gen -i "$IF_A" --tx "$TX" \
			$(rx_shape "$shape") -n 1 -q 2>/dev/null; then
			shapes+=" $shape"
		else
			skip "rxcost_$shape" "the generator has no scenario for it ($(rx_shape "$shape" | cut -d' ' -f1))"
		fi
	done
	if ! command -v fastnetmon >/dev/null; then
		rxs=${rxs% fastnetmon}
		skip rxcost_fastnetmon "the fastnetmon package is not installed"
	fi
	command -v bpftool >/dev/null || { skip rxcost "bpftool is missing (scripts/deps.sh)"; return 0; }
	# Without a program on the receiving veth, a frame from a sender with
	# TSO goes to netif_rx on the sender's CPU; without TSO it takes the
	# receiver's NAPI like the others (an XDP program turns it off anyway).
	ip netns exec "$NS_A" ethtool -K "$IF_A" tso off gso off >/dev/null || return 1
	# A mirror port carries no address (`run --mirror` refuses one that
	# does): none for any receiver, so that all see the same interface.
	ip -n "$NS_S" addr flush dev "$IF_S" || return 1
	say "receiver cost: $RX_RUNS runs of$shapes at $RX_RATE frames/s, $RX_N frames each" \
		"(BPF statistics: $RX_N_BPF at the top rate), into: $rxs"
	for ((r = 0; r < RX_RUNS; r++)); do
		for rx in $rxs; do
			rx_up "$rx" || return 1
			sleep 1	# past a user-space sensor's start-up work
			rx_idle "$rx" "$r" || { rx_down "$rx"; return 1; }
			for shape in $shapes; do
				rx_measure "$rx" "$shape" cpu "$r" || { rx_down "$rx"; return 1; }
			done
			if [[ $rx != none && $rx != fastnetmon ]]; then
				bpf_stats_on || { rx_down "$rx"; return 1; }
				for shape in $shapes; do
					rx_measure "$rx" "$shape" bpf "$r" || { bpf_stats_restore; rx_down "$rx"; return 1; }
				done
				bpf_stats_restore
			fi
			rx_down "$rx"
		done
	done
	ip netns exec "$NS_A" ethtool -K "$IF_A" tso on gso on >/dev/null
	ip -n "$NS_S" addr add 192.0.2.2/24 dev "$IF_S"
	napi_mode shared
}
