#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The fleet application end to end, against a real Apache Kafka broker
# (scripts/kafka.sh) with two instances of the app (exactly-once v2):
#  - three producers send the v2 aggregates a sensor would send (the test
#    producer, `xdpstream-fleet simulate`, until the C sensors send v2), each
#    seeing 40 % of the fleet's SYN flood threshold: none passes its own bar;
#  - one producer re-sends its last 4 ticks mid-run, as a spool does;
#  - the second app instance is killed (SIGKILL) mid-run;
#  - read with read_committed, the alerts hold exactly one fleet alert (one
#    start, one end), first within two windows of the flood, every window
#    over the threshold alerted once with the exact SYN sum sent (nothing
#    lost, nothing doubled), and a distinct-source estimate within 3 % of the
#    true union; the compacted top talkers lead with the victim.
# Usage: bash tests/sh/fleet_e2e.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
jar=$build/fleet/xdpstream-fleet.jar
ks=$root/scripts/kafka.sh
tmp=$(mktemp -d /tmp/xs-fleet-e2e.XXXXXX)
port=${XS_FLEET_KAFKA_PORT:-19292}
export XS_KAFKA_DIR=$tmp/broker
b=127.0.0.1:$port
pids=()
t_start=$SECONDS

cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	"$ks" clean --port "$port" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
	echo "fleet_e2e: FAIL: $*" >&2
	for f in "$tmp"/app-*.log; do [[ -f $f ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
	exit 1
}
ok() { echo "fleet_e2e: ok: $* ($((SECONDS - t_start)) s so far)"; }

[[ -f $jar ]] || fail "$jar missing (make fleet)"
# An array, not a function: `"${fleet[@]}" ... &` makes $! the JVM's own pid.
# -XX:-UsePerfData: no /tmp/hsperfdata_USER left behind.
fleet=(java -XX:-UsePerfData -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.xdpstream-fleet=info
	-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$build/fleet/lib/*:$jar" io.xdpstream.fleet.Main)

key=000102030405060708090a0b0c0d0e0f
window_ms=2000
thr=10000      # fleet SYN/s
sthr=5000      # each sensor's own threshold
per=4000       # each sensor's share: 40 % of the fleet threshold

"$ks" start --port "$port" 2>&1 | tail -1
"$ks" topic xdpstream.aggregates 4 --port "$port" 2>/dev/null
"$ks" topic xdpstream.alerts 2 --port "$port" 2>/dev/null

cat >"$tmp/fleet.properties" <<CONF
bootstrap.servers=$b
application.id=xs-fleet-e2e
hll.key_id=$("${fleet[@]}" key-id "$key")
window.ms=$window_ms
# covers a killed instance's takeover: session timeout + transaction timeout
grace.ms=25000
flood.syn_pps=$thr
flood.sensor_syn_pps=$sthr
flood.pps=0
flood.bps=0
silent.after.ms=120000
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
# Both instances running: each has joined the group and got its tasks.
for _ in $(seq 1 120); do
	n=$(cat "$tmp"/app-A.log "$tmp"/app-B.log 2>/dev/null | grep -c -- '-> RUNNING' || true)
	[[ $n == 2 ]] && break
	kill -0 "$pid_A" && kill -0 "$pid_B" || fail "an app instance exited"
	sleep 0.5
done
[[ $n == 2 ]] || fail "the two instances did not reach RUNNING"
ok "broker and two app instances running"

# 28 ticks of 500 ms from 3 sensors: a flood during ticks 0-19 (10 s, 5 windows),
# then quiet ticks that close the last flood windows and end the alert.
"${fleet[@]}" simulate --bootstrap "$b" --sensors 3 --tick-ms 500 --ticks 28 --flood-ticks 0:20 --realtime \
	--syn-pps "$per" --botnet 30000 --per-tick 3000 --key "$key" --resend 2:4:13 \
	--window-ms "$window_ms" --truth "$tmp/truth.json" 2>"$tmp/sim.log" &
sim=$!
pids+=($sim)
sleep 6
kill -9 "$pid_B"
ok "instance B killed (SIGKILL) mid-run"
wait "$sim" || fail "the producer failed: $(cat "$tmp/sim.log")"

# read_committed: what an aborted transaction of B wrote is never seen.
consume() { kcat -b "$b" -C -t "$1" -e -q -X isolation.level=read_committed -f "$2" 2>/dev/null || true; }
for _ in $(seq 1 120); do
	consume xdpstream.alerts '%s\n' >"$tmp/alerts.jsonl"
	grep -q '"action":"end"' "$tmp/alerts.jsonl" && break
	sleep 0.5
done
grep -q '"action":"end"' "$tmp/alerts.jsonl" || fail "no end of the fleet alert: $(head -c 600 "$tmp/alerts.jsonl")"
grep -q -- 'RUNNING -> REBALANCING\|REBALANCING' "$tmp/app-A.log" || fail "instance A never took over B's partitions"
consume xdpstream.fleet.top '%k\t%s\n' >"$tmp/top.jsonl"
python3 "$root/tests/tools/fleet_check.py" "$tmp/alerts.jsonl" "$tmp/truth.json" "$tmp/top.jsonl" \
	"$root/schema" "$thr" "$sthr" || fail "alerts do not match what the sensors sent"
ok "one fleet alert, exact sums after a re-send and a killed instance, estimate within 3 %"
echo "fleet_e2e: passed in $((SECONDS - t_start)) s"
