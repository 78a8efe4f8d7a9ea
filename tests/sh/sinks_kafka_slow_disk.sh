#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The Kafka sink's spool on a slow disk never holds the loop (issue 13):
# every fdatasync and rename the process makes takes 2 s (strace delays
# them), the broker (a real one, scripts/kafka.sh) is stopped for 6 s past
# a 1 s delivery_timeout_ms, so alerts and ticks go to the spool (appends,
# syncs) and are re-sent from it when the broker is back (rewrites: a
# sync and a rename each). `xdpstream emit` sends a tick every 100 ms from
# the loop the sink runs on, one per wake-up (a stalled loop sends fewer):
# the ticks' timestamps, as read back from Kafka, are never 1 s apart
# (each sync or rename on the loop made a gap of 2 s or more), and every
# alert and every tick arrives exactly once, in order, none lost.
# Usage: bash tests/sh/sinks_kafka_slow_disk.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
X=$build/xdpstream
ks=$root/scripts/kafka.sh
source "$(dirname "$0")/lib/cleanup.sh"
source "$(dirname "$0")/lib/kafka.sh"
xs_cleanup_init
tmp=$(xs_tmpdir xs-kafka-slowdisk)
port=$((23000 + $(xs_uid) % 1000 * 2))
export XS_KAFKA_DIR=$tmp/broker
xs_defer env XS_KAFKA_DIR="$XS_KAFKA_DIR" "$ks" clean --port "$port"
b=127.0.0.1:$port
emit_pid=

cleanup() {
	[[ -n $emit_pid ]] && kill -KILL "$emit_pid" 2>/dev/null
}
xs_on_exit cleanup
fail() { echo "sinks_kafka_slow_disk: FAIL: $*" >&2; exit 1; }
# The sink's own account (emit runs with -v), without the line per message
# that failed or was purged by an abort.
show_log() { grep -v 'not delivered: ' "$tmp/emit.err" | tail -"${1:-60}"; }

"$ks" start --port "$port" 2>&1 | tail -1
"$ks" topic xdpstream.alerts 3 --port "$port" 2>/dev/null
"$ks" topic xdpstream.aggregates 1 --port "$port" 2>/dev/null

cat >"$tmp/cfg.yaml" <<EOF
outputs:
  - type: kafka
    brokers: $b
    sensor_name: sensor-slowdisk
    delivery_timeout_ms: 1000
    spool_retry_ms: 500
    spool: $tmp/slowdisk.spool
EOF
# 400 alerts at 20/s and 200 ticks at 10/s: 20 s. LeakSanitizer cannot run
# under ptrace (SANITIZE=1 builds).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -f -qq --seccomp-bpf -e trace=fdatasync,rename,renameat,renameat2 \
	-e inject=fdatasync,rename,renameat,renameat2:delay_enter=2000000 -o "$tmp/trace" \
	"$X" emit -v -c "$tmp/cfg.yaml" -n 400 -r 20 -T 200 --tick-ms 100 --prefix sd -w 120 \
	>/dev/null 2>"$tmp/emit.err" &
emit_pid=$!
sleep 4
"$ks" stop --port "$port" 2>/dev/null
sleep 6
"$ks" start --port "$port" 2>/dev/null
wait "$emit_pid" || { show_log; fail "emit exited $?"; }
emit_pid=

st() { sed -n "s/^output kafka: .*\b$1 \([0-9]*\).*/\1/p" "$tmp/emit.err"; }
spooled=$(st spooled_total)
echo "sink: sent $(st sent) failed $(st failed) spooled_total $spooled resent $(st resent)"
[[ $(st sent) == 600 && $(st failed) == 0 && $spooled -gt 0 && $(st resent) == "$spooled" ]] ||
	{ show_log; fail "sink stats"; }
# The disk was slow where it matters: the spool was synced and rewritten.
syncs=$(grep -c 'fdatasync(.*(DELAYED)' "$tmp/trace" || true)
renames=$(grep -c "rename.*slowdisk.spool.tmp.*(DELAYED)" "$tmp/trace" || true)
echo "slow disk: $syncs fdatasync and $renames spool renames delayed 2 s each"
((syncs >= 1 && renames >= 1)) || { head -20 "$tmp/trace"; fail "the spool's disk was not slow"; }
[[ $(grep -vc '^#' "$tmp/slowdisk.spool" || true) == 0 ]] || fail "spool not empty after the re-send"

kafka_read "$b" xdpstream.alerts '%k\t%s\n' "$tmp/alerts.txt"
kafka_read "$b" xdpstream.aggregates '%o %k\t%s\n' "$tmp/ticks.txt"
if ! python3 - "$tmp/alerts.txt" "$tmp/ticks.txt" <<'EOF'
import collections, datetime, json, sys
errors = []
seqs = collections.Counter()
for line in open(sys.argv[1]):
    k, v = line.rstrip("\n").split("\t", 1)
    if k.startswith("sd-"):
        seqs[json.loads(v)["event"]["sequence"]] += 1
missing = sorted(set(range(400)) - set(seqs))
dups = sorted(i for i, c in seqs.items() if c > 1)
if missing or dups or sum(seqs.values()) != 400:
    errors.append(f"alerts: {sum(seqs.values())} received, missing {missing[:10]}, twice {dups[:10]}")
ticks = []
for line in open(sys.argv[2]):
    head, v = line.rstrip("\n").split("\t", 1)
    off, key = head.split(" ", 1)
    if key != "sensor-slowdisk":
        continue
    d = json.loads(v)
    ts = datetime.datetime.strptime(d["@timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    ticks.append((int(off), d["xdpstream"]["epoch"], ts))
ticks.sort()
epochs = [e for _, e, _ in ticks]
if epochs != list(range(1, 201)):
    errors.append(f"ticks not 1..200 exactly once in order: {len(epochs)}, first {epochs[:12]}")
by_epoch = sorted((e, t) for _, e, t in ticks)
gaps = [(by_epoch[i][1] - by_epoch[i - 1][1], by_epoch[i][0]) for i in range(1, len(by_epoch))]
worst = max(gaps) if gaps else (0, 0)
print(f"{sum(seqs.values())} alerts, {len(epochs)} ticks; the longest time between two ticks "
      f"{worst[0]:.2f} s (before tick {worst[1]}), "
      f"{sum(1 for g, _ in gaps if g >= 1.0)} gaps of 1 s or more")
if worst[0] >= 1.0:
    errors.append(f"the loop stalled: ticks {worst[0]:.2f} s apart (100 ms expected)")
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
then
	# Were the missing ones written at all (then aborted), or never?
	kafka_read "$b" xdpstream.alerts '%p %o %k\t%s\n' "$tmp/alerts_all.txt" read_uncommitted
	show_log 16
	python3 - "$tmp/alerts.txt" "$tmp/alerts_all.txt" <<'EOF'
import json, sys
seen = {json.loads(l.split("\t", 1)[1])["event"]["sequence"] for l in open(sys.argv[1])
        if l.split("\t", 1)[0].startswith("sd-")}
where = {}
for l in open(sys.argv[2]):
    head, v = l.rstrip("\n").split("\t", 1)
    part, off, key = head.split(" ", 2)
    if key.startswith("sd-"):
        where.setdefault(json.loads(v)["event"]["sequence"], []).append(f"{part}/{off}")
for q in sorted(set(range(400)) - seen):
    print(f"alert {q}: read uncommitted at (partition/offset) {where.get(q, 'nowhere')}")
EOF
	fail "what arrived in Kafka"
fi
echo "sinks_kafka_slow_disk: ok: spool synced and rewritten on a 2 s disk while the broker was away; ticks kept their pace; 400 alerts and 200 ticks exactly once"
