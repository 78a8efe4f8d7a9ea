#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make fleet-demo`: what one sensor cannot see and the fleet can.
#
# Three sensors, each `xdpstream run` on a link of its own (a two-namespace
# lab each, scripts/lib/fleetlab.sh), send their per-tick aggregates to one
# Apache Kafka broker (scripts/kafka.sh, 127.0.0.1); the fleet application
# (fleet/, Kafka Streams) merges them. A SYN flood is spread over the three
# links: each sensor sees 4,000 SYN/s, under its own 6,000/s threshold, so
# none alerts; together they see 12,000/s, over the fleet's 10,000/s. The
# fleet alert shows up on screen (scripts/fleet_demo_view.py: a line per
# window of what each sensor sent, the alert's start and end, and the
# sensors reporting the fleet's rate limit, which they only report:
# enforce mode is off), then a verdict.
#
# Files, in BUILD_DIR/fleet-demo/ (or $XS_FLEET_DEMO_DIR): fleet-alerts.jsonl
# (the fleet's alerts), sensor-NAME.jsonl (each sensor's own alerts and
# mitigation events), sensor-NAME.log, gen-NAME.json (what each generator
# sent), app.log. Exit 0 when the fleet raised exactly one alert (start
# and end) with a distinct-source estimate within 3 % of the truth, no
# sensor alerted on its own, and every sensor reported the rate limit.
# Everything is removed at the end, on failure and on Ctrl-C. About 60 s
# once built and the broker's jars are cached.
# Environment: XS_FLEET_DEMO_LAB (lab prefix, default xsfd),
# XS_FLEET_DEMO_PORT (broker port, default 19780, and the next two).
# Usage: scripts/fleet-demo.sh [BUILD_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build}
DIR=${XS_FLEET_DEMO_DIR:-$OUT/fleet-demo}

die() {
	echo "fleet-demo: $*" >&2
	exit 1
}
[[ $(id -u) -eq 0 ]] || die "needs root (BPF, network namespaces): run 'sudo make fleet-demo'"
[[ -x $OUT/xdpstream ]] || die "no $OUT/xdpstream: run 'make fleet-demo' (it builds first)"
[[ -f $OUT/fleet/xdpstream-fleet.jar ]] || die "no fleet jar in $OUT/fleet: run 'make fleet-demo'"
FL_BUILD=$(realpath "$OUT")
FL_BIN=$FL_BUILD/xdpstream
FL_TAG=${XS_FLEET_DEMO_LAB:-xsfd}
FL_PORT=${XS_FLEET_DEMO_PORT:-19780}
mkdir -p "$DIR" || die "cannot create $DIR"
DIR=$(realpath "$DIR")
FL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/xs-fleet-demo.XXXXXX")
export XS_KAFKA_DIR=$FL_TMP/broker
# shellcheck source=scripts/lib/fleetlab.sh
. scripts/lib/fleetlab.sh
ks=scripts/kafka.sh
b=127.0.0.1:$FL_PORT
sensors=(a b c)
declare -A pool=([a]=10.0.0.0/20 [b]=10.0.16.0/20 [c]=10.0.8.0/21)
key=000102030405060708090a0b0c0d0e0f
victim=198.18.0.20
thr=10000 sthr=6000 per=4000 window_ms=2000

bold() { if [[ -t 1 && -z ${NO_COLOR:-} ]]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
now() { date +%H:%M:%S.%N | cut -c1-10; }

# One demo at a time: a lab of this name with processes inside is a demo
# still running; one without is a leftover and is rebuilt.
for s in "${sensors[@]}"; do
	if [[ -n $(ip netns pids "$FL_TAG$s-sen" 2>/dev/null) ]]; then
		die "another fleet demo seems to be running (processes in $FL_TAG$s-sen); if not, run" \
			"'XS_LAB=$FL_TAG$s scripts/lab.sh down'"
	fi
done

view=0 done_ok=0
cleanup() {
	trap - EXIT INT TERM
	touch "$FL_TMP/stop"
	fl_cleanup "${sensors[@]}"
	((view)) && wait "$view" 2>/dev/null
	"$ks" clean --port "$FL_PORT" >/dev/null 2>&1
	rm -rf "$FL_TMP"
	[[ $done_ok == 1 ]] || echo "fleet-demo: stopped early; the labs and the broker were removed" >&2
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
rm -f "$DIR"/{fleet-alerts.jsonl,sensor-*.jsonl,sensor-*.log,gen-*.json,app.log,verdict.txt}

bold "== xdpstream fleet demo: three sensors, one Kafka broker, the fleet application"
echo "starting a Kafka broker on $b and three labs ($FL_TAG{a,b,c}) ..."
"$ks" start --port "$FL_PORT" >"$FL_TMP/broker.out" 2>&1 &
kpid=$!
fl_labs_up "${sensors[@]}" || die "could not build the labs"
wait "$kpid" || die "the broker did not start: $(tail -3 "$FL_TMP/broker.out")"
for t in "xdpstream.aggregates 4" "xdpstream.alerts 2" "xdpstream.fleet.mitigations 1" \
	"xdpstream.sensor-alerts 1"; do
	# shellcheck disable=SC2086
	"$ks" topic $t --port "$FL_PORT" >/dev/null 2>&1 || die "cannot create topic $t"
done
fl_bridge "${sensors[@]}" || die "cannot link the sensors to the broker"

cat >"$FL_TMP/fleet.properties" <<CONF
bootstrap.servers=$b
application.id=xs-fleet-demo-$FL_TAG
observer.hostname=fleet-demo
hll.key_id=$("${FL_FLEET[@]}" key-id "$key")
window.ms=$window_ms
grace.ms=10000
flood.syn_pps=$thr
flood.sensor_syn_pps=$sthr
flood.pps=0
flood.bps=0
mitigation.enabled=true
alert.end_after_windows=2
streams.commit.interval.ms=200
CONF
fl_app A "$FL_TMP/fleet.properties"
for s in "${sensors[@]}"; do
	cat >"$FL_TMP/sensor-$s.yaml" <<YAML
tick_ms: 500
fleet_hll_key: $key
fleet_mitigation: true
mitigation: {enforce: false}
rules:
  syn_flood: {threshold_pps: $sthr}
outputs:
  - type: file
    path: $DIR/sensor-$s.jsonl
    fsync_interval_ms: 0
  - type: kafka
    brokers: "$b"
    sensor_name: sensor-$s
    topic: xdpstream.sensor-alerts
    spool: $FL_TMP/sensor-$s.spool
YAML
	: >"$DIR/sensor-$s.jsonl"
	fl_sensor_start "$s" "$FL_TMP/sensor-$s.yaml" "$DIR/sensor-$s.log" "fleet_mitigation: applying" ||
		die "sensor $s did not start (see $DIR/sensor-$s.log)"
done
echo "sensors: sensor-a, sensor-b, sensor-c: 'xdpstream run' each on its own link, 500 ms ticks,"
echo "         syn_flood at 6,000 SYN/s; aggregates (fleet_hll_key) to Kafka; fleet_mitigation on"
echo "fleet:   a SYN flood is 10,000 SYN/s summed over the sensors while each stays under 6,000,"
echo "         in 2 s windows"
fl_apps_running 1 || die "the fleet application did not start (see $FL_TMP/app-A.log)"
: >"$DIR/fleet-alerts.jsonl"
python3 scripts/fleet_demo_view.py view --broker "$b" --dir "$DIR" --stop "$FL_TMP/stop" \
	--victim "$victim" --window-ms "$window_ms" --threshold "$thr" &
view=$!
sleep 3

echo
bold "$(now)  == a SYN flood at $victim spread over three links: 4,000 SYN/s at each sensor,"
bold "           from overlapping spoofed blocks (${pool[a]}, ${pool[b]}, ${pool[c]}: 8,192 addresses)"
for s in "${sensors[@]}"; do
	fl_gen "$s" "$DIR/gen-$s.json" syn_flood -s "${pool[$s]}" -t "$victim" -p 80 -r "$per" -d 10 \
		--order random -S 7
done
for s in "${sensors[@]}"; do
	wait "${FL_GPID[$s]}" || die "generator $s failed: $(cat "$DIR/gen-$s.json.err")"
	unset "FL_GPID[$s]"
done
bold "$(now)  == the flood is over; waiting for the fleet alert to end"
for _ in $(seq 60); do
	grep -q '"action":"end"' "$DIR/fleet-alerts.jsonl" && break
	sleep 0.5
done
sleep 1
for s in "${sensors[@]}"; do
	kill -TERM "${FL_SPID[$s]}"
	wait "${FL_SPID[$s]}"
	unset "FL_SPID[$s]"
done
touch "$FL_TMP/stop"
wait "$view"
view=0
cp "$FL_TMP/app-A.log" "$DIR/app.log"

echo
bold "== summary"
python3 scripts/fleet_demo_view.py summary --dir "$DIR" --victim "$victim" --threshold "$thr" \
	--sensor-threshold "$sthr" --union 8192 --sensors sensor-a,sensor-b,sensor-c | tee "$DIR/verdict.txt"
rc=${PIPESTATUS[0]}
done_ok=1
if ((rc == 0)); then
	bold "fleet demo: the fleet saw what no sensor could"
else
	bold "fleet demo: FAILED (see above and $DIR)"
fi
exit "$rc"
