#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make demo`: xdpstream watching a live interface while it is attacked.
#
# Brings up the two-namespace lab (scripts/lab.sh, named "xsdemo" so that it
# never touches a lab of yours), attaches `xdpstream run` to the sensor side
# with config/demo.yaml (200 ms ticks), and plays a story from the attacker
# side with `xdpstream gen`: benign traffic (DNS and HTTPS visits, IPv4 and
# IPv6) that runs throughout, then a port scan, a spoofed SYN flood, a DNS
# reflection attack and an SSH brute-force burst, each against its own
# victim. The alerts show up live (scripts/demo_view.py: a line per alert
# start and end, a counter line per second); at the end a table says which
# attack was detected, by which alert, how long after its first packet.
#
# Files, in BUILD_DIR/demo/ (or $XS_DEMO_DIR): alerts.jsonl (every alert,
# JSON lines, as the daemon wrote them), sensor.log (the daemon's other
# output), gen-*.json (what each generator run sent, with its ground truth),
# stats.json (the sensor's kernel counters at the end).
# Exit 0 when every attack raised its expected alert and nothing else fired;
# 1 otherwise. The lab is removed at the end, on failure and on Ctrl-C.
# Takes about 40 s once built. XS_DEMO_LAB names the lab (default xsdemo).
# Usage: scripts/demo.sh [BUILD_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build}
export XS_LAB=${XS_DEMO_LAB:-xsdemo}
LAB=scripts/lab.sh
DIR=${XS_DEMO_DIR:-$OUT/demo}

die() {
	echo "demo: $*" >&2
	exit 1
}
[[ $(id -u) -eq 0 ]] || die "needs root (BPF, network namespaces): run 'sudo make demo'"
[[ -x $OUT/xdpstream ]] || die "no $OUT/xdpstream: run 'make demo' (it builds first)"
command -v python3 >/dev/null || die "needs python3: run scripts/deps.sh"
BIN=$(realpath "$OUT/xdpstream")
eval "$($LAB env)"

# One demo at a time: a lab of this name with processes inside is a demo
# still running; one without is a leftover (a killed demo) and is rebuilt.
for ns in "$XS_LAB_NS_ATTACKER" "$XS_LAB_NS_SENSOR"; do
	if [[ -n $(ip netns pids "$ns" 2>/dev/null) ]]; then
		die "another demo seems to be running (processes in namespace $ns);" \
			"if not, run 'XS_LAB=$XS_LAB $LAB down'"
	fi
done

bold() { if [[ -t 1 ]]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
now() { date +%H:%M:%S.%N | cut -c1-10; }

sensor=0 view=0 benign=0 done_ok=0
cleanup() {
	trap - EXIT INT TERM HUP
	((benign)) && kill -INT "$benign" 2>/dev/null
	((sensor)) && kill -TERM "$sensor" 2>/dev/null
	((sensor)) && wait "$sensor" 2>/dev/null
	((view)) && wait "$view" 2>/dev/null
	((benign)) && wait "$benign" 2>/dev/null
	$LAB down >/dev/null 2>&1 ||
		echo "demo: could not remove the lab: see 'XS_LAB=$XS_LAB $LAB status'" >&2
	[[ $done_ok == 1 ]] || echo "demo: stopped early; the lab was removed" >&2
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mkdir -p "$DIR" || die "cannot create $DIR"
rm -f "$DIR"/{alerts.jsonl,sensor.log,gen-*.json,stats.json,check.txt,sensor.fifo}
: >"$DIR/alerts.jsonl"

bold "== xdpstream demo: a two-namespace lab, a sensor, and attacks against it"
$LAB down >/dev/null 2>&1
$LAB up || die "could not build the lab"
echo "attacker side: $XS_LAB_NS_ATTACKER/$XS_LAB_IF_ATTACKER" \
	"  sensor side: $XS_LAB_NS_SENSOR/$XS_LAB_IF_SENSOR"
echo "sensor: xdpstream run -i $XS_LAB_IF_SENSOR --config config/demo.yaml" \
	"(200 ms ticks, default rules)"
echo

# The daemon's stdout (alerts, JSON) and stderr (counter and log lines)
# go through one pipe to the view: each is one write per line. Commands
# started with '&' here ignore SIGINT (no job control), so the daemon is
# stopped with SIGTERM, which ends its open alerts the same way.
fifo=$DIR/sensor.fifo
mkfifo "$fifo" || die "cannot create $fifo"
python3 scripts/demo_view.py view --alerts "$DIR/alerts.jsonl" --log "$DIR/sensor.log" <"$fifo" &
view=$!
$LAB exec sensor "$BIN" run -i "$XS_LAB_IF_SENSOR" --pin-dir "$XS_LAB_PIN_DIR" \
	--config config/demo.yaml >"$fifo" 2>&1 &
sensor=$!
for _ in $(seq 100); do
	ip -n "$XS_LAB_NS_SENSOR" link show "$XS_LAB_IF_SENSOR" 2>/dev/null | grep -q prog/xdp && break
	kill -0 "$sensor" 2>/dev/null || die "xdpstream run exited (see above)"
	sleep 0.1
done
ip -n "$XS_LAB_NS_SENSOR" link show "$XS_LAB_IF_SENSOR" | grep -q prog/xdp ||
	die "xdpstream did not attach within 10 s"

# Every generator runs on one CPU (the first this script may use). Frames
# redirected into a veth are taken off its ring by a NAPI poll on the CPU
# that scheduled it; a generator on another CPU than the one running that
# poll (the benign one, say) could fill the ring faster than the sensor's
# program empties it, and the veth would drop frames (its tx_dropped)
# before the sensor sees them. On one CPU the generators and the sensor's
# program take turns, and every frame sent is counted.
GEN_CPU=$(awk '/^Cpus_allowed_list/ { split($2, c, /[-,]/); print c[1] }' /proc/self/status)
gen() { # gen NAME ARGS...: one generator run from the attacker side
	local name=$1
	shift
	taskset -c "$GEN_CPU" $LAB exec attacker "$BIN" gen -i "$XS_LAB_IF_ATTACKER" --json "$@" \
		>"$DIR/gen-$name.json" && return
	grep -q '"interrupted":true' "$DIR/gen-$name.json" && exit 130 # Ctrl-C
	die "xdpstream gen $* failed"
}
phase() { # phase NAME TITLE ARGS...
	local name=$1 title=$2
	shift 2
	echo
	bold "$(now)  == $title"
	gen "$name" "$@"
	python3 scripts/demo_view.py sent "$DIR/gen-$name.json"
}

# Background: visits by many clients, the whole time (stopped at the end).
echo
bold "$(now)  == benign traffic: 300 frames/s of DNS + HTTPS visits (IPv4 and IPv6), from now on"
taskset -c "$GEN_CPU" $LAB exec attacker "$BIN" gen -i "$XS_LAB_IF_ATTACKER" --json benign -d 60 \
	>"$DIR/gen-benign.json" &
benign=$!
sleep 8

phase scan "port scan: 203.0.113.66 probes ports 1-1024 of 198.18.0.10, 1,000 SYN/s" \
	port_scan -s 203.0.113.66 -t 198.18.0.10 -p 1-1024 -r 1000
sleep 3
phase synflood "SYN flood: 200,000 SYN/s for 2 s from spoofed 10.0.0.0/8 to 198.18.0.20:80" \
	syn_flood -s 10.0.0.0/8 -t 198.18.0.20 -p 80 -r 200000 -d 2
sleep 3
phase reflection "DNS reflection: 10,000 replies/s (3 fragments each) from resolvers in\
 100.64.0.0/16 to 198.18.0.30" \
	dns_reflection -s 100.64.0.0/16 -t 198.18.0.30 -r 30000 -d 1
sleep 3
phase brute "brute force: 203.0.113.99 opens 100 SSH connections to 198.18.0.40:22,\
 one login each" \
	brute_force -s 203.0.113.99 -t 198.18.0.40 -p 22
# Long enough for the floods' alerts to end (3 or 10 s windows, 5 s cool-down).
sleep 10

echo
bold "$(now)  == end of the story: stopping the benign traffic and the sensor"
kill -INT "$benign" 2>/dev/null
wait "$benign"
benign=0
sleep 0.5
"$BIN" stats --pin-dir "$XS_LAB_PIN_DIR" --json >"$DIR/stats.json" ||
	die "cannot read the sensor's counters"
kill -TERM "$sensor"
wait "$sensor"
sensor_rc=$?
sensor=0
wait "$view"
view=0
rm -f "$fifo"

echo
bold "== summary"
python3 scripts/demo_view.py summary --alerts "$DIR/alerts.jsonl" --benign "$DIR/gen-benign.json" \
	--attack "port scan=$DIR/gen-scan.json" --attack "SYN flood=$DIR/gen-synflood.json" \
	--attack "DNS reflection=$DIR/gen-reflection.json" --attack "brute force=$DIR/gen-brute.json" \
	--stats "$DIR/stats.json"
rc=$?
if ((sensor_rc != 0)); then
	echo "xdpstream run exited with status $sensor_rc (see $DIR/sensor.log)"
	rc=1
fi
if python3 tests/tools/check_alerts.py schema/alert.schema.json "$DIR/alerts.jsonl" \
	>"$DIR/check.txt" 2>&1; then
	echo "alerts: $DIR/alerts.jsonl ($(grep -c . "$DIR/alerts.jsonl") JSON lines, valid against" \
		"schema/alert.schema.json)"
else
	echo "alerts: $DIR/alerts.jsonl is NOT valid:"
	cat "$DIR/check.txt"
	rc=1
fi
done_ok=1
if ((rc == 0)); then
	bold "demo: every attack detected, no false alarm"
else
	bold "demo: FAILED (see above)"
fi
exit $rc
