#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The Kafka sink against a real Apache Kafka broker (scripts/kafka.sh, one
# KRaft node on its own port, started once), consumed with kcat:
#  1. alerts keyed by event id: every alert once, one partition per key, in
#     order; aggregates: one message per tick with exactly the tick's values,
#     valid against schema/aggregates.schema.json.
#  2. the broker stopped for 20 s in the middle of a stream: librdkafka keeps
#     the messages, every alert arrives exactly once, nothing spooled.
#  3. the broker away longer than delivery_timeout_ms: alerts go to the
#     spool and are re-sent when it returns, exactly once, in order.
#  4. the broker away at shutdown: the alerts are spooled, reported, and
#     delivered by the next start, exactly once.
# Usage: bash tests/sh/sinks_kafka.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
X=$build/xdpstream
ks=$root/scripts/kafka.sh
source "$(dirname "$0")/lib/cleanup.sh"
xs_cleanup_init
tmp=$(xs_tmpdir xs-sinks-kafka)
port=$((23000 + $(xs_uid) % 1000 * 2))
export XS_KAFKA_DIR=$tmp/broker
xs_defer env XS_KAFKA_DIR="$XS_KAFKA_DIR" "$ks" clean --port "$port"
b=127.0.0.1:$port
emit_pid=
t_start=$SECONDS

cleanup() {
	[[ -n $emit_pid ]] && kill "$emit_pid" 2>/dev/null
}
xs_on_exit cleanup
fail() { echo "sinks_kafka: FAIL: $*" >&2; exit 1; }
ok() { echo "sinks_kafka: ok: $* ($((SECONDS - t_start)) s so far)"; }

"$ks" start --port "$port" 2>&1 | tail -1
"$ks" topic xdpstream.alerts 3 --port "$port" 2>/dev/null
"$ks" topic xdpstream.aggregates 2 --port "$port" 2>/dev/null

# consume TOPIC FILE: everything in the topic as "partition offset key<TAB>value".
consume() {
	kcat -b "$b" -C -t "$1" -o beginning -e -q -f '%p %o %k\t%s\n' >"$2"
}

# check_alerts FILE PREFIX N: alerts PREFIX-* are 0..N-1 exactly once, one
# partition per key, offsets in production order, start/update/end.
check_alerts() {
	python3 - "$@" <<'EOF'
import json, sys, collections
path, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
seqs = collections.Counter(); keys = collections.defaultdict(list); errors = []
for line in open(path):
    head, value = line.rstrip("\n").split("\t", 1)
    p, o, k = head.split(" ", 2)
    if not k.startswith(prefix + "-"): continue
    m = json.loads(value); i = m["event"]["sequence"]
    seqs[i] += 1
    keys[k].append((int(p), int(o), i, m["event"]["action"]))
    if m["event"]["id"] != k: errors.append(f"key {k} != event.id {m['event']['id']}")
missing = sorted(set(range(n)) - set(seqs)); dups = sorted(i for i, c in seqs.items() if c > 1)
if missing or dups or sum(seqs.values()) != n:
    errors.append(f"{sum(seqs.values())} received: missing {missing[:10]} duplicated {dups[:10]}")
for k, v in keys.items():
    if len({p for p, _, _, _ in v}) != 1: errors.append(f"{k}: in partitions {sorted({p for p, *_ in v})}")
    v.sort()
    if [i for _, _, i, _ in v] != sorted(i for _, _, i, _ in v): errors.append(f"{k}: out of order {v}")
    acts = [a for *_, a in v]
    if len(acts) == 3 and acts != ["start", "update", "end"]: errors.append(f"{k}: actions {acts}")
parts = collections.Counter(v[0][0] for v in keys.values())
print(f"{sum(seqs.values())} alerts, {len(keys)} keys over partitions {dict(sorted(parts.items()))}")
for e in errors[:10]: print(e)
sys.exit(1 if errors else 0)
EOF
}

# stat FILE NAME FIELD: a counter from emit's summary line for output NAME.
stat() {
	sed -n "s/^output $2: .*\b$3 \([0-9]*\).*/\1/p" "$1"
}

# --- 1. content, keys, order; aggregates -------------------------------------
cat >"$tmp/k1.yaml" <<EOF
outputs:
  - type: kafka
    brokers: $b
    sensor_name: sensor-test
    top_n: 5
    spool: $tmp/k1.spool
EOF
"$X" emit -c "$tmp/k1.yaml" -n 60 -r 200 -T 4 --tick-ms 100 --prefix a 2>"$tmp/k1.err" >/dev/null ||
	{ cat "$tmp/k1.err"; fail "emit to Kafka"; }
[[ $(stat "$tmp/k1.err" kafka sent) == 64 ]] || { cat "$tmp/k1.err"; fail "64 delivery reports expected"; }
consume xdpstream.alerts "$tmp/a.txt"
check_alerts "$tmp/a.txt" a 60 || fail "alerts topic content"
consume xdpstream.aggregates "$tmp/g.txt"
python3 - "$tmp/g.txt" "$root/schema/aggregates.schema.json" <<'EOF' || fail "aggregates topic content"
import json, sys, jsonschema
schema = json.load(open(sys.argv[2]))
rows = [l.rstrip("\n").split("\t", 1) for l in open(sys.argv[1])]
errors = []
if len(rows) != 4: errors.append(f"{len(rows)} aggregate messages, expected 4")
docs = sorted((json.loads(v) for _, v in rows), key=lambda d: d["xdpstream"]["epoch"])
for head, _ in rows:
    if head.split(" ", 2)[2] != "sensor-test": errors.append(f"key {head}")
if len({h.split(" ")[0] for h, _ in rows}) != 1: errors.append("one sensor's ticks in several partitions")
for t, d in enumerate(docs):
    jsonschema.validate(d, schema, format_checker=jsonschema.FormatChecker())
    x = d["xdpstream"]
    def top(items, key, n=5):
        return sorted(items, key=lambda e: (-e[key], tuple(int(b) for b in e["ip"].split("."))))[:n]
    dst = [{"ip": f"203.0.113.{j+1}", "packets": 10*(j+1)+t, "bytes": 1000*(20-j)+t} for j in range(20)]
    src = [{"ip": f"198.51.100.{j+1}", "packets": 5*((7*j) % 30 + 1), "bytes": 100*(j+1)+t} for j in range(30)]
    got = lambda l: [{k: e[k] for k in ("ip", "packets", "bytes")} for e in l]
    checks = [
        (x["epoch"], t + 1), (d["observer"]["name"], "sensor-test"), (x["interval_s"], 0.1),
        (d["event"]["duration"], 100000000),
        (x["totals"]["packets"], 1500*(t+1)), (x["totals"]["bytes"], 320000*(t+1)),
        (x["totals"]["classes"]["ipv4_udp"], {"packets": 500*(t+1), "bytes": 256000*(t+1)}),
        (x["destinations"]["tracked"], 20), (x["sources"]["tracked"], 30),
        (got(x["destinations"]["top_by_packets"]), top(dst, "packets")),
        (got(x["destinations"]["top_by_bytes"]), top(dst, "bytes")),
        (got(x["sources"]["top_by_packets"]), top(src, "packets")),
        (got(x["sources"]["top_by_bytes"]), top(src, "bytes")),
    ]
    for i, (a, b) in enumerate(checks):
        if a != b: errors.append(f"tick {t} check {i}: {a} != {b}")
print(f"{len(docs)} aggregate messages checked against the ticks sent and the schema")
for e in errors[:10]: print(e)
sys.exit(1 if errors else 0)
EOF
ok "60 alerts keyed by event id (one partition each, in order); 4 ticks of aggregates exact"

# --- 2. 20 s outage, within the delivery timeout ------------------------------
cat >"$tmp/k2.yaml" <<EOF
outputs:
  - type: kafka
    brokers: $b
    delivery_timeout_ms: 120000
    spool: $tmp/k2.spool
EOF
"$X" emit -c "$tmp/k2.yaml" -n 600 -r 20 --prefix o -w 60 >/dev/null 2>"$tmp/k2.err" &
emit_pid=$!
sleep 4
"$ks" stop --port "$port" 2>/dev/null
sleep 20
"$ks" start --port "$port" 2>/dev/null
wait "$emit_pid" || { cat "$tmp/k2.err"; fail "emit across the outage exited $?"; }
emit_pid=
grep -q "^output kafka: sent 600 failed 0 overflow 0 queued 0 spooled 0 spooled_total 0 " \
	"$tmp/k2.err" || { cat "$tmp/k2.err"; fail "sink stats after the outage"; }
consume xdpstream.alerts "$tmp/o.txt"
check_alerts "$tmp/o.txt" o 600 || fail "alerts across a 20 s broker outage"
ok "broker stopped 20 s mid-stream: 600 alerts exactly once, in order, none spooled"

# --- 3. longer than the delivery timeout: the spool ---------------------------
cat >"$tmp/k3.yaml" <<EOF
outputs:
  - type: kafka
    brokers: $b
    delivery_timeout_ms: 2000
    spool_retry_ms: 500
    spool: $tmp/k3.spool
EOF
"$X" emit -c "$tmp/k3.yaml" -n 200 -r 20 --prefix s -w 60 >/dev/null 2>"$tmp/k3.err" &
emit_pid=$!
sleep 2
"$ks" stop --port "$port" 2>/dev/null
sleep 6
"$ks" start --port "$port" 2>/dev/null
wait "$emit_pid" || { cat "$tmp/k3.err"; fail "emit with spooling exited $?"; }
emit_pid=
spooled=$(stat "$tmp/k3.err" kafka spooled_total)
[[ $(stat "$tmp/k3.err" kafka sent) == 200 && $(stat "$tmp/k3.err" kafka failed) == 0 &&
	$spooled -gt 0 && $(stat "$tmp/k3.err" kafka resent) == "$spooled" ]] ||
	{ cat "$tmp/k3.err"; fail "spool stats"; }
grep -q "spooling to $tmp/k3.spool" "$tmp/k3.err" || fail "spooling not logged"
[[ ! -s $tmp/k3.spool ]] || fail "spool file not empty after the re-send"
consume xdpstream.alerts "$tmp/s.txt"
check_alerts "$tmp/s.txt" s 200 || fail "alerts through the spool"
ok "broker away past delivery_timeout_ms: $spooled alerts spooled, re-sent, all 200 exactly once"

# --- 4. broker away at shutdown: spooled, sent by the next start --------------
cat >"$tmp/k4.yaml" <<EOF
outputs:
  - type: kafka
    brokers: $b
    delivery_timeout_ms: 5000
    close_timeout_ms: 1000
    spool: $tmp/k4.spool
EOF
"$ks" stop --port "$port" 2>/dev/null
rc=0
"$X" emit -c "$tmp/k4.yaml" -n 30 -r 200 --prefix d -w 0 >/dev/null 2>"$tmp/k4a.err" || rc=$?
[[ $rc == 1 ]] || { cat "$tmp/k4a.err"; fail "emit with the broker away exited $rc, expected 1"; }
grep -q "30 messages not delivered are in $tmp/k4.spool" "$tmp/k4a.err" ||
	{ cat "$tmp/k4a.err"; fail "undelivered alerts not reported at shutdown"; }
[[ $(wc -l <"$tmp/k4.spool") == 30 ]] || fail "spool holds $(wc -l <"$tmp/k4.spool") lines, expected 30"
"$ks" start --port "$port" 2>/dev/null
"$X" emit -c "$tmp/k4.yaml" -n 0 -w 60 >/dev/null 2>"$tmp/k4b.err" ||
	{ cat "$tmp/k4b.err"; fail "the next start did not deliver the spool"; }
grep -q "30 messages in $tmp/k4.spool from an earlier run" "$tmp/k4b.err" || fail "spool not found at start"
[[ $(stat "$tmp/k4b.err" kafka resent) == 30 ]] || { cat "$tmp/k4b.err"; fail "30 re-sent expected"; }
consume xdpstream.alerts "$tmp/d.txt"
check_alerts "$tmp/d.txt" d 30 || fail "alerts spooled at shutdown"
ok "broker away at shutdown: 30 alerts spooled and reported, delivered once by the next start"
echo "sinks_kafka: 4 passed, 0 failed ($((SECONDS - t_start)) s)"
