#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# An attack replay feeding a real Kafka broker that goes away for 20 s in
# the middle: `xdpstream replay --speed` plays a capture of 24 port scans
# (one alert each, start and end) at twice its pace while the broker is
# stopped and restarted; every alert event the replay wrote to its file
# output arrives in Kafka exactly once (event id and action), keyed by
# event id, one partition per alert (read committed, as the README asks).
# Usage: bash tests/sh/sinks_kafka_replay.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
X=$build/xdpstream
ks=$root/scripts/kafka.sh
source "$(dirname "$0")/lib/cleanup.sh"
source "$(dirname "$0")/lib/kafka.sh"
xs_cleanup_init
tmp=$(xs_tmpdir xs-kafka-replay)
port=$((25000 + $(xs_uid) % 1000 * 2))
export XS_KAFKA_DIR=$tmp/broker
xs_defer env XS_KAFKA_DIR="$XS_KAFKA_DIR" "$ks" clean --port "$port"
b=127.0.0.1:$port
replay_pid=

cleanup() {
	[[ -n $replay_pid ]] && kill "$replay_pid" 2>/dev/null
}
xs_on_exit cleanup
fail() { echo "sinks_kafka_replay: FAIL: $*" >&2; exit 1; }

# 24 scans, 1 s each, 1 s apart: 47 s of capture, about 24 s at speed 2.
args=()
for i in $(seq 1 24); do
	((i > 1)) && args+=(+)
	args+=(port_scan -s "10.77.0.$i" -t 192.0.2.50 -p 1-150 -r 150 -n 150)
	((i > 1)) && args+=(--gap 1)
done
"$X" synth "${args[@]}" -o "$tmp/scans.pcap" >/dev/null

cat >"$tmp/cfg.yaml" <<YAML
outputs:
  - type: file
    path: $tmp/alerts.jsonl
    fsync_interval_ms: 0
  - type: kafka
    brokers: "$b"
    topic: xdpstream.alerts
    aggregates_topic: ""
    spool: $tmp/kafka.spool
    close_timeout_ms: 30000
YAML

"$ks" start --port "$port" 2>&1 | tail -1
"$ks" topic xdpstream.alerts 3 --port "$port" 2>/dev/null

"$X" replay "$tmp/scans.pcap" --config "$tmp/cfg.yaml" --speed 2 -q >/dev/null 2>"$tmp/replay.log" &
replay_pid=$!
sleep 2
"$ks" stop --port "$port" >/dev/null
echo "sinks_kafka_replay: broker stopped at 2 s into the replay"
sleep 20
"$ks" start --port "$port" 2>&1 | tail -1
wait "$replay_pid" || { cat "$tmp/replay.log"; fail "replay exited with $?"; }
replay_pid=

kafka_read "$b" xdpstream.alerts '%p %k\t%s\n' "$tmp/kafka.txt"
python3 - "$tmp/alerts.jsonl" "$tmp/kafka.txt" <<'PY' || fail "Kafka did not get every alert exactly once"
import collections, json, sys
sent = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
want = collections.Counter((d["event"]["id"], d["event"]["action"]) for d in sent)
got = collections.Counter()
parts = collections.defaultdict(set)
for line in open(sys.argv[2]):
    head, value = line.rstrip("\n").split("\t", 1)
    p, k = head.split(" ", 1)
    d = json.loads(value)
    assert d["event"]["id"] == k, (k, d["event"]["id"])
    got[(k, d["event"]["action"])] += 1
    parts[k].add(p)
starts = sum(1 for (_, a) in want if a == "start")
print(f"{len(sent)} alert events written ({starts} alerts), {sum(got.values())} in Kafka")
assert starts == 24, starts
assert got == want, (sorted((want - got).items())[:5], sorted((got - want).items())[:5])
assert all(len(v) == 1 for v in parts.values())
PY
python3 "$root/tests/tools/check_alerts.py" "$root/schema/alert.schema.json" "$tmp/alerts.jsonl"
echo "sinks_kafka_replay: ok: a 20 s broker outage during a replay lost and doubled nothing"
