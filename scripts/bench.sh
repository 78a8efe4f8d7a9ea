#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make bench`: every benchmark, each next to its baseline measured in the
# same run; prints one table and writes bench/results.json (the machine, and
# every figure with min/median/max over repeated runs). A few minutes.
#
#   core        build/xdpstream-bench: per-packet cost by class next to an
#               XDP_PASS program, the worst case, the tick with 1M keys, the
#               engine (where built), kernel memory
#   live        the generator at its top rate into the lab, the full program
#               with the daemon running vs a program that only passes, a
#               fixed-flow frame and a spoofed SYN flood; on its own CPU (the
#               receiver drops what it cannot take) and sharing one CPU
#   rxcost      what each receiver costs per packet, on the receiving side
#               only, at one paced rate, for five traffic shapes: the XDP
#               program's own run time (the kernel's BPF statistics) and the
#               sensor's CPU time (NAPI thread + daemon), for no program,
#               XDP_PASS, xdpstream inline and in mirror mode, FastNetMon
#               (scripts/bench-rxcost.sh)
#   fastnetmon  Debian's FastNetMon (AF_PACKET) on the same lab and generator:
#               the highest rate without loss, and the time to detect a
#               50k packets/s SYN flood with a 20k packets/s threshold, for
#               both tools
#   replay      frames/s of `xdpstream replay` on a 1M-frame synthetic capture
#
# Usage: scripts/bench.sh [BUILD_DIR]
# Environment:
#   XS_BENCH_OUT=FILE      results (default: bench/results.json)
#   XS_BENCH_SECTIONS=...  a subset, e.g. "live fastnetmon" (default: all five)
#   XS_BENCH_RUNS=N        repetitions of each live figure (default 5)
#   XS_BENCH_RX_RUNS=N     repetitions of each receiver-cost figure (default 3)
#   XS_BENCH_RX_RATE=PPS   the receiver-cost section's offered rate (default 100000)
#   XS_BENCH_QUICK=1       tiny counts and one run each: checks that the code
#                          works, not how fast (tests/sh/bench_live_smoke.sh)
#   XS_BENCH_INSTALL=0     do not install FastNetMon when it is missing
#   XS_BENCH_TX=PATH       the generator's transmit path (gen --tx: auto, the
#                          default, live, packet or xdp); results.json and the
#                          table name the path that sent
#
# The generator always runs on CPU 0. "own CPU": the receiving veth's NAPI
# runs in a kernel thread on CPU 1 (threaded NAPI), so the generator sends
# at its own top rate and frames the receiver cannot take are dropped at
# the veth's 256-frame ring: loss is real and processed(full) /
# processed(baseline) says how much of the baseline's capacity the full
# program keeps. (On the packet path the kernel sends a refused frame
# again: no loss, the generator slows to what the receiver takes.) "shared CPU": the NAPI poll runs in softirq on CPU 0 after
# every 64-frame batch of the generator, so nothing is lost and the receiver's
# cost shows as a lower rate. Receivers' counts are exact: xdpstream's own
# counters (`xdpstream stats`) for the full program; for the baseline the
# veth's rx_queue_N_xdp_packets (ethtool -S), which the veth increments once
# for every frame it hands to the XDP program -- the bench checks that it
# equals xdpstream's count on every full-program run.
set -uo pipefail
RESULTS=$(realpath -m "${XS_BENCH_OUT:-$(dirname "$0")/../bench/results.json}")
cd "$(dirname "$0")/.."
OUT=$(realpath "${1:-build}")
SECTIONS=${XS_BENCH_SECTIONS:-core live rxcost fastnetmon replay}
TX=${XS_BENCH_TX:-auto}
QUICK=${XS_BENCH_QUICK:-0}
RUNS=${XS_BENCH_RUNS:-5}
LAB=scripts/lab.sh
# The lab's name: a test run's tag when there is one (tests/sh/bench_live_smoke.sh).
export XS_LAB=${XS_RUN_TAG:+xs${XS_RUN_TAG}b}
XS_LAB=${XS_LAB:-xb$$}

if [[ $QUICK == 1 ]]; then
	RUNS=1
	LIVE_N=20000		# frames per live run, shared CPU
	LIVE_N_OWN=20000	# and on its own CPU
	MAX_N=20000		# frames per top-rate step of the loss-free search
	STEPS="40000"		# paced steps (frames/s)
	MAX_RUNS=1
	TTD_RUNS=1
	REPLAY_N=20000
else
	LIVE_N=2000000
	LIVE_N_OWN=8000000	# ~2 s at the generator's top rate
	MAX_N=3000000		# more than FastNetMon's 256 MiB ring holds
	STEPS="100000 300000 1000000"
	MAX_RUNS=3
	TTD_RUNS=3
	REPLAY_N=1000000
fi
FIXED="udp_flood -s 10.0.0.1 --sport 1000 -p 2000 --payload 18"	# one flow, 60 bytes
SYN="syn_flood"		# random spoofed source, ports, sequence, IP id
# shellcheck source=scripts/bench-rxcost.sh
source scripts/bench-rxcost.sh

[[ $(id -u) -eq 0 ]] || { echo "bench: needs root (BPF, network namespaces)" >&2; exit 1; }
for b in xdpstream xdpstream-bench xdp_pass.bpf.o; do
	[[ -e $OUT/$b ]] || { echo "bench: $OUT/$b is missing: run 'make' first" >&2; exit 1; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/xs-bench-XXXXXX")
RAW=$TMP/raw.jsonl
: >"$RAW"
DAEMON_PID= FNM_PID= DAEMON_FAILED=0
cleanup() {
	bpf_stats_restore
	[[ -n $DAEMON_PID ]] && kill -INT "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	[[ -n $FNM_PID ]] && kill -TERM "$FNM_PID" 2>/dev/null && wait "$FNM_PID" 2>/dev/null
	$LAB down >/dev/null 2>&1
	[[ -n ${XS_BENCH_KEEP:-} ]] && cp "$RAW" "$XS_BENCH_KEEP"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

want() { [[ " $SECTIONS " == *" $1 "* ]]; }
say() { echo "bench: $*" >&2; }
# rec JSON: one raw measurement, aggregated by scripts/bench-report.py.
rec() { echo "$1" >>"$RAW"; }
skip() { # skip SECTION REASON
	say "$1 skipped: $2"
	rec "$(python3 -c 'import json,sys; print(json.dumps({"kind": "skip", "section": sys.argv[1], "reason": sys.argv[2]}))' "$1" "$2")"
}
# jf KEY.PATH: a field of the JSON document on stdin ('' if absent).
jf() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)' "$1" 2>/dev/null
}

lab_up() {
	$LAB up >/dev/null || return 1
	eval "$($LAB env)"
	NS_A=$XS_LAB_NS_ATTACKER NS_S=$XS_LAB_NS_SENSOR IF_A=$XS_LAB_IF_ATTACKER IF_S=$XS_LAB_IF_SENSOR
	PIN=$XS_LAB_PIN_DIR
}

# gen SCENARIO-ARGS...: the generator on CPU 0 of the attacker side; prints
# its JSON summary. A failure is said, with the exit status (callers try a
# run once more, from new counts: a stray signal must not sink the bench).
gen() {
	local j rc
	j=$($LAB exec attacker taskset -c 0 "$OUT/xdpstream" gen -i "$IF_A" --tx "$TX" "$@" --json)
	rc=$?
	if [[ $rc != 0 || -z $j ]]; then
		say "the generator failed (exit status $rc) on: $*"
		return 1
	fi
	echo "$j"
}

# Frames the veth handed to its XDP program, all queues.
veth_xdp() {
	ip netns exec "$NS_S" ethtool -S "$IF_S" | awk '/rx_queue_[0-9]+_xdp_packets:/ {n += $2} END {print n + 0}'
}
stats_pkts() { $LAB exec sensor "$OUT/xdpstream" stats --json --pin-dir "$PIN" | jf packets; }

# napi_mode own|shared: threaded NAPI pinned to CPU 1, or softirq on the
# sending CPU.
napi_mode() {
	local t=0 p c
	[[ $1 == own ]] && t=1
	ip netns exec "$NS_S" sh -c "echo $t > /sys/class/net/$IF_S/threaded" || return 1
	[[ $t == 1 ]] || return 0
	# The thread is "napi/IFNAME-ID", cut to 15 bytes.
	for p in $(pgrep '^napi/'); do
		c=$(cat "/proc/$p/comm" 2>/dev/null) || continue
		if [[ napi/$IF_S- == "$c"* || $c == napi/$IF_S-* ]]; then
			taskset -pc 1 "$p" >/dev/null && return 0
		fi
	done
	say "no NAPI thread for $IF_S"
	return 1
}

# daemon_start [ARGS...]: xdpstream run on the sensor side; alerts (stdout)
# go to $TMP/alerts, each line prefixed with the wall time it arrived.
daemon_start() {
	: >"$TMP/alerts"
	$LAB exec sensor "$OUT/xdpstream" run -i "$IF_S" --pin-dir "$PIN" -q "$@" \
		> >(while IFS= read -r l; do echo "$EPOCHREALTIME $l"; done >>"$TMP/alerts") \
		2>"$TMP/daemon.err" &
	DAEMON_PID=$!
	local i
	for i in $(seq 150); do
		if ip -n "$NS_S" link show "$IF_S" | grep -q prog/xdp && [[ -n $(stats_pkts) ]]; then
			return 0
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	say "the daemon did not start: $(tail -3 "$TMP/daemon.err")"
	daemon_stop
	return 1
}
daemon_stop() {
	local rc
	[[ -n $DAEMON_PID ]] || return 0
	kill -INT "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	rc=$?
	DAEMON_PID=
	if [[ $rc != 0 ]]; then	# a clean SIGINT exit is 0: anything else is a bug
		say "the daemon exited with status $rc: $(tail -5 "$TMP/daemon.err")"
		DAEMON_FAILED=1
	fi
}
daemon_rss() { # daemon_rss SIZES: records the daemon's resident memory
	local k
	k=$(awk '/^VmRSS:/ {print $2}' "/proc/$DAEMON_PID/status" 2>/dev/null)
	rec "{\"kind\":\"rss\",\"sizes\":\"$1\",\"kib\":${k:-null}}"
}

# live_run CPU FRAME RX ARGS...: one top-rate run; RX is xdp_pass or xdpstream.
live_run() {
	local cpu=$1 frame=$2 rx=$3 j= v0 v1 s0=0 s1=0 n=$LIVE_N try
	shift 3
	[[ $cpu == own ]] && n=$LIVE_N_OWN
	for try in 1 2; do
		v0=$(veth_xdp)
		[[ $rx == xdpstream ]] && s0=$(stats_pkts)
		j=$(gen "$@" -n "$n" --rate max) && break
		sleep 0.5
	done
	[[ -n $j ]] || return 1
	sleep 0.3	# the receiver's ring drains
	v1=$(veth_xdp)
	[[ $rx == xdpstream ]] && s1=$(stats_pkts)
	rec "{\"kind\":\"live\",\"cpu\":\"$cpu\",\"frame\":\"$frame\",\"rx\":\"$rx\",\
\"tx\":\"$(jf tx <<<"$j")\",\"offered\":$(jf segments.0.frames <<<"$j"),\"seconds\":$(jf segments.0.seconds <<<"$j"),\
\"veth\":$((v1 - v0)),\"stats\":$((s1 - s0))}"
}

live_section() {
	local modes="shared" r rx m
	if (($(nproc) >= 2)); then
		modes="own shared"
	else
		skip live_own_cpu "one CPU: the receiver cannot have its own"
	fi
	say "live on veth: $RUNS runs per figure, $LIVE_N_OWN frames on its own CPU, $LIVE_N shared"
	for ((r = 0; r < RUNS; r++)); do
		for rx in xdp_pass xdpstream; do
			if [[ $rx == xdp_pass ]]; then
				ip -n "$NS_S" link set dev "$IF_S" xdp obj "$OUT/xdp_pass.bpf.o" sec xdp || return 1
			else
				daemon_start || return 1
			fi
			for m in $modes; do
				napi_mode "$m" || return 1
				live_run "$m" fixed "$rx" $FIXED || return 1
				live_run "$m" syn_flood "$rx" $SYN || return 1
			done
			napi_mode shared
			if [[ $rx == xdp_pass ]]; then
				ip -n "$NS_S" link set dev "$IF_S" xdp off
			else
				[[ $r == 0 ]] && daemon_rss default
				daemon_stop
			fi
		done
	done
	# The daemon's memory with 1M destinations, sources and flows.
	if daemon_start --dst-entries 1048576 --src-entries 1048576 --flow-entries 1048576; then
		daemon_rss 1M
		daemon_stop
	fi
}

# --- FastNetMon ---------------------------------------------------------
FNM_DIR=$TMP/fastnetmon
fnm_metric() { # fnm_metric NAME: a counter from FastNetMon's Prometheus endpoint
	$LAB exec sensor curl -sf --max-time 2 http://127.0.0.1:9209/metrics |
		awk -v n="fastnetmon_$1" '$1 == n {print $2}'
}
fnm_start() {
	mkdir -p "$FNM_DIR"
	sed -e "s|@DIR@|$FNM_DIR|g" -e "s|@IFACE@|$IF_S|g" bench/fastnetmon.conf >"$FNM_DIR/fastnetmon.conf"
	printf '198.18.0.0/15\n' >"$FNM_DIR/networks_list"
	: >"$FNM_DIR/networks_whitelist"
	: >"$FNM_DIR/notify.log"
	# FastNetMon calls it as: IP DIRECTION PPS ACTION (ban, unban, attack_details).
	printf '#!/bin/sh\necho "$(date +%%s.%%N) $*" >>%s/notify.log\n' "$FNM_DIR" >"$FNM_DIR/notify.sh"
	chmod 0755 "$FNM_DIR/notify.sh"
	$LAB exec sensor fastnetmon --configuration_file "$FNM_DIR/fastnetmon.conf" \
		--log_file "$FNM_DIR/fastnetmon.log" --disable_pid_logic >"$FNM_DIR/stdout" 2>&1 &
	FNM_PID=$!
	local i
	for i in $(seq 150); do
		if grep -q "Start AF_PACKET worker" "$FNM_DIR/fastnetmon.log" 2>/dev/null &&
			[[ -n $(fnm_metric total_simple_packets_processed) ]]; then
			sleep 0.5	# the capture sockets are bound
			return 0
		fi
		kill -0 "$FNM_PID" 2>/dev/null || break
		sleep 0.1
	done
	say "FastNetMon did not start: $(tail -3 "$FNM_DIR/fastnetmon.log" "$FNM_DIR/stdout" 2>/dev/null)"
	fnm_stop
	return 1
}
fnm_stop() {
	[[ -n $FNM_PID ]] || return 0
	kill -TERM "$FNM_PID" 2>/dev/null
	wait "$FNM_PID" 2>/dev/null
	FNM_PID=
}
# Packets a tool counted so far (FastNetMon: every packet it parsed).
tool_count() {
	if [[ $1 == xdpstream ]]; then stats_pkts; else fnm_metric total_simple_packets_processed; fi
}

# lossfree TOOL FRAME ARGS...: paced steps, then the top rate; each
# records offered and counted (after the tool's queue drained) and what
# was counted when the generator finished.
lossfree() {
	local tool=$1 frame=$2 rate n j c0 c_end c prev i sent try
	shift 2
	for rate in $STEPS max; do
		local runs=1
		[[ $rate == max ]] && runs=$MAX_RUNS
		for ((i = 0; i < runs; i++)); do
			n=$MAX_N	# the top rate; a paced step lasts a second
			[[ $rate != max ]] && n=$rate
			[[ $rate != max && $QUICK == 1 ]] && n=20000
			for try in 1 2; do
				c0=$(tool_count "$tool")
				j=$(gen "$@" -n "$n" --rate "$rate") && break
				sleep 1		# what was sent drains before the new count
			done
			[[ -n $j ]] || return 1
			c_end=$(tool_count "$tool")
			sent=$(jf segments.0.frames <<<"$j")
			c=$c_end prev=-1
			# Until all are counted or the count stops moving.
			while ((c - c0 < sent)) && [[ $c != "$prev" ]]; do
				sleep 0.5
				prev=$c
				c=$(tool_count "$tool")
			done
			rec "{\"kind\":\"lossfree\",\"tool\":\"$tool\",\"frame\":\"$frame\",\"asked\":\"$rate\",\
\"tx\":\"$(jf tx <<<"$j")\",\"rate_kept\":$(jf segments.0.rate_kept <<<"$j" | tr A-Z a-z),\"offered\":$sent,\"seconds\":$(jf segments.0.seconds <<<"$j"),\
\"counted\":$((c - c0)),\"counted_at_end\":$((c_end - c0))}"
		done
	done
}

# ttd TOOL RUN: a 50k packets/s SYN flood at a victim of its own; seconds
# from the generator's first frame to the first alert (xdpstream: a
# syn_flood line on stdout; FastNetMon: its ban notification).
ttd() {
	local tool=$1 run=$2 victim dur j t0 t1=
	if [[ $tool == xdpstream ]]; then
		victim=198.18.2.$((run + 1)) dur=2
	else
		victim=198.18.3.$((run + 1)) dur=5
	fi
	[[ $QUICK == 1 ]] && dur=$((dur / 2))
	if ! j=$(gen syn_flood -t "$victim" --rate 50000 --duration "$dur"); then
		victim=${victim%.*}.$((run + 101))	# again, at a victim not yet alerted on
		j=$(gen syn_flood -t "$victim" --rate 50000 --duration "$dur") || return 1
	fi
	t0=$(jf segments.0.start_unix <<<"$j")
	rec "{\"kind\":\"gen\",\"tx\":\"$(jf tx <<<"$j")\"}"
	sleep 0.5
	if [[ $tool == xdpstream ]]; then
		t1=$(python3 - "$TMP/alerts" "$victim" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    t, _, doc = line.partition(" ")
    try:
        a = json.loads(doc)
    except ValueError:
        continue
    if a.get("rule", {}).get("name") == "syn_flood" and \
       a.get("destination", {}).get("ip") == sys.argv[2]:
        print(t)
        break
PY
)
	else
		t1=$(awk -v v="$victim" '$2 == v && $5 == "ban" {print $1; exit}' "$FNM_DIR/notify.log")
	fi
	if [[ -n $t1 ]]; then
		rec "{\"kind\":\"ttd\",\"tool\":\"$tool\",\"seconds\":$(python3 -c "print($t1 - $t0)")}"
	else
		rec "{\"kind\":\"ttd\",\"tool\":\"$tool\",\"seconds\":null,\"within\":$dur}"
		say "$tool raised nothing for the flood to $victim within $dur s"
	fi
}

have_engine() { "$OUT/xdpstream" replay --help >/dev/null 2>&1; }

fastnetmon_section() {
	local r have_fnm=1 v
	if ! command -v fastnetmon >/dev/null; then
		if [[ ${XS_BENCH_INSTALL:-1} == 1 ]]; then
			say "installing FastNetMon (scripts/deps.sh --bench)"
			scripts/deps.sh --bench >&2
			command -v fastnetmon >/dev/null || {
				skip fastnetmon "the fastnetmon package could not be installed (scripts/deps.sh --bench failed${XS_DEPS_FETCH_TIMEOUT:+ or took over $XS_DEPS_FETCH_TIMEOUT s to fetch})"
				have_fnm=0
			}
		else
			skip fastnetmon "the fastnetmon package is not installed (XS_BENCH_INSTALL=0)"
			have_fnm=0
		fi
	fi
	napi_mode shared || return 1
	say "loss-free rate: steps of $STEPS frames/s, then the top rate ($MAX_RUNS x $MAX_N frames)"
	daemon_start || return 1
	lossfree xdpstream fixed $FIXED || return 1
	lossfree xdpstream syn_flood $SYN || return 1
	daemon_stop
	if [[ $have_fnm == 1 ]]; then
		v=$(dpkg-query -W -f='${Version}' fastnetmon 2>/dev/null)
		rec "{\"kind\":\"fnm_version\",\"version\":\"$v\"}"
		fnm_start || return 1
		lossfree fastnetmon fixed $FIXED || return 1
		lossfree fastnetmon syn_flood $SYN || return 1
		say "time to detect: FastNetMon, $TTD_RUNS runs"
		for ((r = 0; r < TTD_RUNS; r++)); do ttd fastnetmon "$r" || return 1; done
		fnm_stop
	fi
	if have_engine; then
		say "time to detect: xdpstream, $TTD_RUNS runs"
		daemon_start --config bench/xdpstream-ttd.yaml || return 1
		for ((r = 0; r < TTD_RUNS; r++)); do ttd xdpstream "$r" || return 1; done
		daemon_stop
	else
		skip ttd_xdpstream "this build has no detection engine ('xdpstream replay' is missing): no alerts to time"
	fi
}

replay_section() {
	local r line rc try
	have_engine || {
		skip replay "'xdpstream replay' is not in this build yet"
		return 0
	}
	say "replay: synthesising $REPLAY_N frames"
	# A benign mix with a spoofed SYN flood in it: 70 % repeating flows, 30 %
	# new sources.
	"$OUT/xdpstream" synth -q -o "$TMP/big.pcap" benign -n $((REPLAY_N * 7 / 10)) \
		+ syn_flood -n $((REPLAY_N * 3 / 10)) --at 1 || return 1
	for ((r = 0; r < RUNS && r < 3; r++)); do
		for try in 1 2; do
			line=$("$OUT/xdpstream" replay "$TMP/big.pcap" 2>&1 >/dev/null)
			rc=$?
			[[ $line =~ :\ ([0-9]+)\ frames,.*\ in\ ([0-9.]+)s:\ ([0-9]+)\ frames/s ]] && break
			say "replay failed (exit status $rc): $(tail -2 <<<"$line")"
			[[ $try == 2 ]] && return 1
		done
		rec "{\"kind\":\"replay\",\"frames\":${BASH_REMATCH[1]},\"seconds\":${BASH_REMATCH[2]},\"fps\":${BASH_REMATCH[3]}}"
	done
}

echo "bench: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
rec "{\"kind\":\"load\",\"when\":\"start\",\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
failed=()
if want core; then
	q=()
	[[ $QUICK == 1 ]] && q=(--quick)
	"$OUT/xdpstream-bench" "${q[@]}" --out "$TMP/core.json" >&2 || failed+=(core)
fi
if want live || want rxcost || want fastnetmon; then
	lab_up || { say "could not build the lab"; exit 1; }
	want live && { live_section || failed+=(live); }
	daemon_stop
	ip -n "$NS_S" link set dev "$IF_S" xdp off 2>/dev/null
	want rxcost && { rxcost_section || failed+=(rxcost); }
	bpf_stats_restore
	daemon_stop
	fnm_stop
	ip -n "$NS_S" link set dev "$IF_S" xdp off 2>/dev/null
	want fastnetmon && { fastnetmon_section || failed+=(fastnetmon); }
	daemon_stop
	fnm_stop
	$LAB down >/dev/null
fi
want replay && { replay_section || failed+=(replay); }
rec "{\"kind\":\"load\",\"when\":\"end\",\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"

[[ $DAEMON_FAILED == 1 ]] && failed+=(daemon)
python3 scripts/bench-report.py "$RAW" "$TMP/core.json" "$RESULTS" || failed+=(report)
if ((${#failed[@]})); then
	say "failed: ${failed[*]}"
	exit 1
fi
