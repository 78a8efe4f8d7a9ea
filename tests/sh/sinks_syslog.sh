#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The syslog sink against a real rsyslogd (scripts/rsyslog.sh, own ports):
#  1. RFC 5424 over UDP and octet-counted TCP, and the BSD form on a unix
#     socket: rsyslog parsed facility, severity, host, app-name, procid,
#     msgid, structured data and message as we meant them.
#  2. rsyslog restarted in the middle of a stream: every alert arrives
#     over TCP exactly once.
#  3. The queue bound: rsyslog down, 80 alerts into a 50-message queue:
#     exactly the first 50 arrive, 30 are counted as overflow and logged.
# Usage: bash tests/sh/sinks_syslog.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-build}" && pwd)
X=$build/xdpstream
rs=$root/scripts/rsyslog.sh
source "$(dirname "$0")/lib/cleanup.sh"
xs_cleanup_init
tmp=$(xs_tmpdir xs-sinks-syslog)
export XS_RSYSLOG_DIR=$tmp/rsyslog
xs_defer env XS_RSYSLOG_DIR="$XS_RSYSLOG_DIR" "$rs" clean
base=$((21000 + $(xs_uid) % 1000 * 2))
udp=$base tcp=$((base + 1))
emit_pid=

cleanup() {
	[[ -n $emit_pid ]] && kill "$emit_pid" 2>/dev/null
}
xs_on_exit cleanup
fail() { echo "sinks_syslog: FAIL: $*" >&2; exit 1; }
ok() { echo "sinks_syslog: ok: $*"; }

command -v rsyslogd >/dev/null || fail "rsyslogd missing (scripts/deps.sh installs rsyslog)"
"$rs" start --udp "$udp" --tcp "$tcp" 2>/dev/null
out=$("$rs" path)
sock=$("$rs" socket)

# Waits until the collector wrote at least N lines.
wait_lines() {
	local n=$1 i
	for ((i = 0; i < 100; i++)); do
		[[ $(wc -l <"$out") -ge $n ]] && return 0
		sleep 0.1
	done
	return 1
}

# --- 1. what rsyslog parsed ----------------------------------------------
cat >"$tmp/parse.yaml" <<EOF
outputs:
  - type: syslog
    name: s-udp
    transport: udp
    port: $udp
    facility: local3
    app_name: xdps-udp
  - type: syslog
    name: s-tcp
    transport: tcp
    port: $tcp
    facility: auth
    hostname: sensor-7
  - type: syslog
    name: s-local
    transport: local
    socket: $sock
    facility: daemon
EOF
"$X" emit -c "$tmp/parse.yaml" -n 45 -r 500 --prefix p 2>"$tmp/parse.err" >/dev/null ||
	{ cat "$tmp/parse.err"; fail "emit to three syslog outputs"; }
wait_lines 135 || fail "rsyslog wrote $(wc -l <"$out") of 135 lines"
python3 - "$out" <<'EOF' || fail "rsyslog did not parse what we sent (above)"
import json, sys
rules = ["syn_flood", "udp_flood", "icmp_flood", "volumetric", "reflection", "port_scan",
         "host_sweep", "brute_force", "traffic_anomaly"]
def sev(action, s):
    if action == "end": return 5
    return 2 if s >= 90 else 3 if s >= 70 else 4 if s >= 40 else 5
by = {"udp": [], "tcp": [], "imuxsock": []}
for line in open(sys.argv[1]):
    d = json.loads(line)
    by[d["input"]].append(d)
errors = []
def want(cond, what):
    if not cond: errors.append(what)
for inp, fac, app, host in (("udp", 19, "xdps-udp", None), ("tcp", 4, "xdpstream", "sensor-7"),
                            ("imuxsock", 3, "xdpstream", None)):
    msgs = by[inp]
    want(len(msgs) == 45, f"{inp}: {len(msgs)} messages, expected 45")
    seen = set()
    for d in msgs:
        m = json.loads(d["msg"])
        i = m["event"]["sequence"]; k = i // 3
        action = ["start", "update", "end"][i % 3]
        s = 20 + (k * 17) % 80
        seen.add(i)
        want(m["event"]["action"] == action and m["event"]["id"] == f"p-{k}", f"{inp} #{i}: alert {m}")
        want(d["facility"] == fac, f"{inp} #{i}: facility {d['facility']} != {fac}")
        want(d["severity"] == sev(action, s), f"{inp} #{i}: severity {d['severity']} != {sev(action, s)}")
        want(d["app-name"] == app, f"{inp} #{i}: app-name {d['app-name']}")
        want(d["procid"].isdigit(), f"{inp} #{i}: procid {d['procid']}")
        if host: want(d["hostname"] == host, f"{inp} #{i}: hostname {d['hostname']}")
        if inp == "imuxsock":
            # BSD form: no structured data; MSG keeps the space after "app[pid]:".
            want(d["msg"].startswith(" {"), f"{inp} #{i}: msg {d['msg'][:20]}")
            continue
        want(d["protocol-version"] == "1", f"{inp} #{i}: not parsed as RFC 5424")
        want(d["msgid"] == rules[k % 9], f"{inp} #{i}: msgid {d['msgid']}")
        sd = (f'[xdpstream@32473 rule="{rules[k % 9]}" action="{action}" event_id="p-{k}" '
              f'attacker="198.51.100.{k % 250 + 1}" victim="203.0.113.{k % 250 + 1}" '
              f'victim_port="80" severity="{s}"]')
        want(d["structured-data"] == sd, f"{inp} #{i}: structured-data {d['structured-data']} != {sd}")
        want(d["msg"].startswith("{") and d["msg"].endswith("}"), f"{inp} #{i}: msg is not the JSON")
    want(seen == set(range(45)), f"{inp}: sequences {sorted(set(range(45)) - seen)} missing")
sevs = sorted({d["severity"] for d in by["tcp"]})
want(sevs == [2, 3, 4, 5], f"severities covered: {sevs}")
for e in errors[:20]: print(e)
sys.exit(1 if errors else 0)
EOF
ok "RFC 5424 over UDP and TCP, BSD form on the unix socket: parsed as sent (3 x 45 messages)"

# --- 2. collector restart mid-stream ---------------------------------------
cat >"$tmp/restart.yaml" <<EOF
outputs:
  - type: syslog
    transport: tcp
    port: $tcp
    reconnect_min_ms: 100
    reconnect_max_ms: 400
EOF
: >"$out"
"$X" emit -c "$tmp/restart.yaml" -n 300 -r 50 --prefix r -w 20 >/dev/null 2>"$tmp/restart.err" &
emit_pid=$!
sleep 2
"$rs" stop 2>/dev/null
sleep 2
"$rs" start 2>/dev/null
wait "$emit_pid" || { cat "$tmp/restart.err"; fail "emit across a restart exited $?"; }
emit_pid=
grep -q "output syslog: sent 300 failed 0 overflow 0 queued 0 .* reconnects 1$" "$tmp/restart.err" ||
	{ cat "$tmp/restart.err"; fail "sink stats after the restart"; }
wait_lines 300 || fail "only $(wc -l <"$out") of 300 lines after the restart"
python3 - "$out" 300 <<'EOF' || fail "alerts lost or duplicated across the restart"
import json, sys, collections
c = collections.Counter(json.loads(json.loads(l)["msg"])["event"]["sequence"] for l in open(sys.argv[1]))
n = int(sys.argv[2])
missing = sorted(set(range(n)) - set(c)); dups = sorted(k for k, v in c.items() if v > 1)
print(f"received {sum(c.values())}, missing {missing[:10]}, duplicated {dups[:10]}")
sys.exit(1 if missing or dups or sum(c.values()) != n else 0)
EOF
ok "rsyslog restarted mid-stream: 300 alerts, each exactly once"

# --- 3. the queue bound ------------------------------------------------------
cat >"$tmp/bound.yaml" <<EOF
outputs:
  - type: syslog
    transport: tcp
    port: $tcp
    queue_max: 50
    reconnect_min_ms: 100
    reconnect_max_ms: 200
EOF
"$rs" stop 2>/dev/null
: >"$out"
"$X" emit -c "$tmp/bound.yaml" -n 80 -r 1000 --prefix b -w 20 >/dev/null 2>"$tmp/bound.err" &
emit_pid=$!
sleep 1.5
"$rs" start 2>/dev/null
rc=0
wait "$emit_pid" || rc=$?
emit_pid=
[[ $rc == 1 ]] || { cat "$tmp/bound.err"; fail "emit with overflow exited $rc, expected 1"; }
grep -q "output syslog: sent 50 failed 30 overflow 30 queued 0 " "$tmp/bound.err" ||
	{ cat "$tmp/bound.err"; fail "overflow not counted as 30"; }
grep -q "queue full (50 messages" "$tmp/bound.err" || fail "overflow not logged"
grep -q "30 messages were dropped while it was full" "$tmp/bound.err" || fail "overflow total not logged"
wait_lines 50 || fail "only $(wc -l <"$out") of 50 queued alerts arrived"
python3 - "$out" <<'EOF' || fail "the queued alerts did not arrive exactly once"
import json, sys
seqs = sorted(json.loads(json.loads(l)["msg"])["event"]["sequence"] for l in open(sys.argv[1]))
print(f"received {len(seqs)}: {seqs[:3]}..{seqs[-3:]}")
sys.exit(0 if seqs == list(range(50)) else 1)
EOF
ok "rsyslog down, 80 alerts into a 50-message queue: the 50 arrive once, 30 counted and logged"
echo "sinks_syslog: 3 passed, 0 failed"
