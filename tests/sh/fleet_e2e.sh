#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The fleet end to end with real sensors: three `xdpstream run` daemons, each
# in a lab of its own (scripts/lab.sh) fed by `xdpstream gen`, send their
# aggregates (v2, the fleet HLL key) to a real Apache Kafka broker
# (scripts/kafka.sh), read by two instances of the fleet application
# (exactly-once v2). Each sensor sees 40 % of the fleet's SYN flood
# threshold, from its own spoofed block (blocks overlap; each address once
# per pass, so every window holds whole blocks: the true union is known).
# Mid-run: sensor c loses its link to the broker (tests/tools/nsbridge.py
# cuts it), spools, is restarted while cut (SIGUSR2 keeps its program
# attached, the new daemon adopts it: no packet uncounted) and re-sends its
# spool when the link returns; the second app instance is killed (SIGKILL).
# tests/tools/fleet_check.py then holds the app's output against what the
# sensors and generators sent: exactly one fleet alert, first within two
# windows, exact sums per window, distinct sources within 3 % of the true
# union, no local alert, each sensor's report of the fleet's rate limit
# (enforce off), the top talkers.
# Usage: bash tests/sh/fleet_e2e.sh BUILD_DIR
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=$(cd "${1:-build}" && pwd)
X=$build/xdpstream
jar=$build/fleet/xdpstream-fleet.jar
ks=$root/scripts/kafka.sh
t_start=$SECONDS

if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: needs root (BPF, network namespaces)"
	exit 0
fi
tmp=$(mktemp -d /tmp/xs-fleet-e2e.XXXXXX)
# A port of this run's own (the broker takes it and the next two).
port=${XS_FLEET_KAFKA_PORT:-$((19700 + ($$ % 25) * 4))}
export XS_KAFKA_DIR=$tmp/broker
b=127.0.0.1:$port
tag=fe$(($$ % 100000))
sensors=(a b c)
declare -A pool=([a]=10.0.0.0/20 [b]=10.0.16.0/20 [c]=10.0.8.0/21)
declare -A spid gpid
pids=()

cleanup() {
	local p s
	trap - EXIT INT TERM
	for p in "${pids[@]}" "${spid[@]}" "${gpid[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${pids[@]}" "${spid[@]}" "${gpid[@]}"; do wait "$p" 2>/dev/null; done
	for s in "${sensors[@]}"; do XS_LAB=$tag$s scripts/lab.sh down >/dev/null 2>&1; done
	"$ks" clean --port "$port" >/dev/null 2>&1
	# XS_FLEET_KEEP=1: leave the files for a look.
	[[ ${XS_FLEET_KEEP:-0} == 1 ]] && echo "fleet_e2e: files kept in $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() {
	local f
	echo "fleet_e2e: FAIL: $*" >&2
	for f in "$tmp"/app-*.log "$tmp"/sensor-*.log; do
		[[ -f $f ]] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }
	done
	exit 1
}
ok() { echo "fleet_e2e: ok: $* ($((SECONDS - t_start)) s so far)"; }

[[ -f $jar ]] || fail "$jar missing (make fleet)"
# An array, not a function: `"${fleet[@]}" ... &` makes $! the JVM's own pid.
fleet=(java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.xdpstream-fleet=info
	-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$build/fleet/lib/*:$jar" io.xdpstream.fleet.Main)

key=000102030405060708090a0b0c0d0e0f
window_ms=2000
thr=10000      # fleet SYN/s
sthr=5000      # each sensor's own threshold (the sensors' syn_flood too)
per=4000       # each sensor's share: 40 % of the fleet threshold
victim=198.18.0.20
flood_s=12

# --- broker, labs, the link bridge (the broker starts while the labs are built)
"$ks" start --port "$port" >"$tmp/broker.out" 2>&1 &
kpid=$!
for s in "${sensors[@]}"; do
	XS_LAB=$tag$s scripts/lab.sh up >/dev/null || fail "lab $tag$s"
	eval "$(XS_LAB=$tag$s scripts/lab.sh env | sed "s/^XS_LAB_/L_${s}_/")"
done
wait "$kpid" || fail "broker: $(tail -3 "$tmp/broker.out")"
for t in "xdpstream.aggregates 4" "xdpstream.alerts 2" "xdpstream.fleet.mitigations 2" \
	"xdpstream.sensor-alerts 1"; do
	# shellcheck disable=SC2086
	"$ks" topic $t --port "$port" 2>/dev/null || fail "topic $t"
done
: >"$tmp/link"
ns_of() { local v="L_${1}_NS_SENSOR"; echo "${!v}"; }
python3 tests/tools/nsbridge.py "$port" "$tmp/link" "$(ns_of a)" "$(ns_of b)" "$(ns_of c)" \
	>"$tmp/bridge.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$tmp/bridge.out" && break; sleep 0.1; done
grep -q ready "$tmp/bridge.out" || fail "nsbridge: $(cat "$tmp/bridge.out")"
ok "broker on $port, three labs, each sensor's link to the broker"

# --- the application: two instances --------------------------------------
cat >"$tmp/fleet.properties" <<CONF
bootstrap.servers=$b
application.id=xs-fleet-e2e-$tag
hll.key_id=$("${fleet[@]}" key-id "$key")
window.ms=$window_ms
# covers a killed instance's takeover and a sensor's cut link
grace.ms=25000
flood.syn_pps=$thr
flood.sensor_syn_pps=$sthr
flood.pps=0
flood.bps=0
silent.after.ms=120000
mitigation.enabled=true
streams.consumer.session.timeout.ms=6000
streams.consumer.heartbeat.interval.ms=1000
streams.producer.transaction.timeout.ms=10000
streams.commit.interval.ms=200
CONF
for i in A B; do
	cp "$tmp/fleet.properties" "$tmp/fleet-$i.properties"
	echo "streams.state.dir=$tmp/state-$i" >>"$tmp/fleet-$i.properties"
	"${fleet[@]}" run "$tmp/fleet-$i.properties" >"$tmp/app-$i.log" 2>&1 &
	pids+=($!)
	eval "pid_$i=$!"
done

# --- the sensors (while the JVMs start) -------------------------------------
sensor_cfg() { # NAME
	cat <<YAML
tick_ms: 500
fleet_hll_key: $key
fleet_mitigation: true
mitigation:
  enforce: false
rules:
  syn_flood: {threshold_pps: $sthr}
outputs:
  - type: file
    path: $tmp/sensor-$1.jsonl
    fsync_interval_ms: 0
  - type: kafka
    brokers: "$b"
    sensor_name: sensor-$1
    topic: xdpstream.sensor-alerts
    spool: $tmp/sensor-$1.spool
    delivery_timeout_ms: 2000
    spool_retry_ms: 500
    # A restart while the link is cut waits this long for the brokers: the
    # time the kept program counts without a daemon (one longer tick).
    close_timeout_ms: 200
YAML
}
start_sensor() { # NAME LOG PATTERN: started once LOG shows PATTERN
	local s=$1 v i
	v="L_${s}_IF_SENSOR"
	local ifs=${!v}
	v="L_${s}_PIN_DIR"
	local pin=${!v}
	ip netns exec "$(ns_of "$s")" "$X" run -i "$ifs" --pin-dir "$pin" -q -c "$tmp/sensor-$s.yaml" \
		>>"$tmp/sensor-$s.out" 2>>"$2" &
	spid[$s]=$!
	for i in $(seq 100); do
		grep -q "$3" "$2" && return 0
		kill -0 "${spid[$s]}" 2>/dev/null || break
		sleep 0.1
	done
	fail "sensor $s did not start: no '$3' in $2"
}
for s in "${sensors[@]}"; do
	sensor_cfg "$s" >"$tmp/sensor-$s.yaml"
	"$X" check-config "$tmp/sensor-$s.yaml" >/dev/null || fail "sensor config: $("$X" check-config "$tmp/sensor-$s.yaml" 2>&1)"
	start_sensor "$s" "$tmp/sensor-$s.log" "fleet_mitigation: applying"
done
for _ in $(seq 120); do
	n=$(cat "$tmp"/app-A.log "$tmp"/app-B.log 2>/dev/null | grep -c -- '-> RUNNING' || true)
	[[ $n == 2 ]] && break
	kill -0 "$pid_A" && kill -0 "$pid_B" || fail "an app instance exited"
	sleep 0.5
done
[[ $n == 2 ]] || fail "the two instances did not reach RUNNING"
# Every sensor's ticks reach the app before the flood: then each is live.
sleep 2
ok "two app instances running, three sensors sending ticks"

# --- the flood, a cut link, a restart, a killed instance --------------------
GEN_CPU=$(awk '/^Cpus_allowed_list/ { split($2, c, /[-,]/); print c[1] }' /proc/self/status)
for s in "${sensors[@]}"; do
	v="L_${s}_NS_ATTACKER"
	ns=${!v}
	v="L_${s}_IF_ATTACKER"
	# One CPU for the generators: the veth's NAPI poll takes turns with them
	# and every frame sent reaches the sensor (see tests/sh/lib/live.sh).
	# Real-time priority keeps their pace on a busy machine: a generator
	# that falls behind catches up in bursts, and a burst over a sensor's
	# own threshold is a local flood, not the scenario.
	chrt -f 10 taskset -c "$GEN_CPU" ip netns exec "$ns" "$X" gen -i "${!v}" --json syn_flood -s "${pool[$s]}" \
		-t "$victim" -p 80 -r "$per" -d "$flood_s" --order random -S "$((RANDOM + 1))" \
		>"$tmp/gen-$s.json" 2>"$tmp/gen-$s.err" &
	gpid[$s]=$!
done
sleep 3
echo "cut $(ns_of c)" >"$tmp/link"
ok "flood started; sensor c's link to the broker cut"
sleep 2
kill -USR2 "${spid[c]}"
wait "${spid[c]}" || fail "sensor c did not exit cleanly on SIGUSR2 (status $?)"
grep -q 'not delivered are in' "$tmp/sensor-c.log" || fail "sensor c had nothing to spool at its exit"
# Adopted: the kept program counted on while no daemon ran.
start_sensor c "$tmp/sensor-c2.log" 'adopted the program kept attached'
grep -q "fleet_mitigation: applying" "$tmp/sensor-c2.log" || sleep 1
ok "sensor c restarted while cut, its program kept attached and adopted"
kill -9 "$pid_B"
ok "app instance B killed (SIGKILL)"
sleep 2
: >"$tmp/link"
ok "sensor c's link back"
for s in "${sensors[@]}"; do
	wait "${gpid[$s]}" || fail "generator $s: $(cat "$tmp/gen-$s.err")"
	unset "gpid[$s]"
done
ok "flood over"

# --- the alert ends, the sensors stop --------------------------------------
consume() { kcat -b "$b" -C -t "$1" -e -q -X isolation.level=read_committed -f "$2" 2>/dev/null || true; }
for _ in $(seq 120); do
	consume xdpstream.alerts '%s\n' >"$tmp/alerts.jsonl"
	grep -q '"action":"end"' "$tmp/alerts.jsonl" && break
	sleep 0.5
done
grep -q '"action":"end"' "$tmp/alerts.jsonl" || fail "no end of the fleet alert: $(head -c 600 "$tmp/alerts.jsonl")"
grep -q 'from an earlier run: re-sending' "$tmp/sensor-c2.log" &&
	grep -q 're-sent .*spooled messages' "$tmp/sensor-c2.log" || fail "sensor c re-sent no spool"
for s in "${sensors[@]}"; do
	kill -TERM "${spid[$s]}"
	wait "${spid[$s]}" || fail "sensor $s exited with status $?"
	unset "spid[$s]"
done
grep -q -- 'RUNNING -> REBALANCING\|REBALANCING' "$tmp/app-A.log" || fail "instance A never took over B's partitions"
consume xdpstream.alerts '%s\n' >"$tmp/alerts.jsonl"
consume xdpstream.aggregates '%k\t%s\n' >"$tmp/aggregates.tsv"
consume xdpstream.fleet.top '%k\t%s\n' >"$tmp/top.tsv"
for s in "${sensors[@]}"; do mv "$tmp/sensor-$s.jsonl" "$tmp/sensor-sensor-$s.jsonl"; mv "$tmp/gen-$s.json" "$tmp/gen-sensor-$s.json"; done
python3 tests/tools/fleet_check.py "$tmp" schema "$thr" "$sthr" "$window_ms" "$victim" \
	sensor-a="${pool[a]}" sensor-b="${pool[b]}" sensor-c="${pool[c]}" ||
	fail "the fleet's output does not match what the sensors sent"
ok "one fleet alert, exact sums after a cut link, a restart and a killed instance, estimate within 3 %"
echo "fleet_e2e: passed in $((SECONDS - t_start)) s"
