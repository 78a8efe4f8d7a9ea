#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The replay and check-config commands as a user meets them: exit codes,
# one-line errors, the summary, the sample configuration; and the alert
# checker itself rejecting what it must.
# Usage: tests/sh/replay_cli.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build}
BIN=$OUT/xdpstream
source "$(dirname "$0")/lib/cleanup.sh"
xs_cleanup_init
tmp=$(xs_tmpdir xs-cli)
fail=0

check() {	# check NAME CONDITION-COMMAND...
	local name=$1
	shift
	if "$@"; then
		echo "ok   $name"
	else
		echo "FAIL $name"
		fail=1
	fi
}

# A capture: a TCP port scan (120 ports in 1.2 s), and a raw-IP one.
python3 - "$tmp" <<'PY'
import struct, sys
d = sys.argv[1]
def pcap(path, linktype, frames):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype))
        for ts, b in frames:
            f.write(struct.pack('<IIII', int(ts), int((ts % 1) * 1e6), len(b), len(b)) + b)
def syn(src, dst, sport, dport):
    tcp = struct.pack('!HHIIBBHHH', sport, dport, 1, 0, 5 << 4, 0x02, 1024, 0, 0)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0,
                     bytes(src), bytes(dst))
    return ip + tcp
eth = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b'\x08\x00'
scan = [(1600000000 + p / 100.0, eth + syn([10, 0, 0, 1], [10, 0, 0, 2], 40000, p))
        for p in range(1, 121)]
pcap(d + '/scan.pcap', 1, scan)
pcap(d + '/raw.pcap', 101, [(1600000000, syn([10, 0, 0, 1], [10, 0, 0, 2], 1, 2))])
PY

# Unreadable file: one line on stderr, nothing on stdout, exit 2.
"$BIN" replay "$tmp/absent.pcap" >"$tmp/o" 2>"$tmp/e"
rc=$?
check "unreadable capture: exit 2" test $rc -eq 2
check "unreadable capture: one line" test "$(wc -l <"$tmp/e")" -eq 1
check "unreadable capture: says why" grep -q "cannot read capture $tmp/absent.pcap" "$tmp/e"
check "unreadable capture: no output" test ! -s "$tmp/o"

"$BIN" replay "$tmp/raw.pcap" >"$tmp/o" 2>"$tmp/e"
rc=$?
check "raw IP capture: exit 2" test $rc -eq 2
check "raw IP capture: names the link type" grep -q "link type RAW .* is not Ethernet" "$tmp/e"

"$BIN" replay >/dev/null 2>"$tmp/e"
check "no capture: exit 2" test $? -eq 2

# A scan: alerts on stdout, summary on stderr.
"$BIN" replay "$tmp/scan.pcap" >"$tmp/o" 2>"$tmp/e"
rc=$?
check "scan: exit 0" test $rc -eq 0
check "scan: start and end on stdout" test "$(grep -c '"rule":{"name":"port_scan"' "$tmp/o")" -ge 2
check "scan: summary counts frames" grep -q "scan.pcap: 120 frames" "$tmp/e"
check "scan: summary counts alerts" grep -q "alerts: port_scan 1 " "$tmp/e"
check "scan: alerts are valid" python3 tests/tools/check_alerts.py schema/alert.schema.json \
	"$tmp/o" --min-alerts 1

# The configuration: the sample is valid; errors name key and line.
check "sample config is valid" "$BIN" check-config config/xdpstream.yaml
printf 'rules:\n  port_scan:\n    threshold: 1\n    windows: 3\nbogus: 1\n' >"$tmp/bad.yaml"
"$BIN" check-config "$tmp/bad.yaml" >"$tmp/o" 2>"$tmp/e"
rc=$?
check "bad config: exit 2" test $rc -eq 2
check "bad config: value and line" grep -qx "xdpstream: error: $tmp/bad.yaml:3: rules.port_scan.threshold: 1 is out of range (2..65536)" "$tmp/e"
check "bad config: unknown key and line" grep -qx "xdpstream: error: $tmp/bad.yaml:4: rules.port_scan.windows: unknown key" "$tmp/e"
check "bad config: top-level key" grep -qx "xdpstream: error: $tmp/bad.yaml:5: bogus: unknown key" "$tmp/e"
check "bad config: count" grep -qx "$tmp/bad.yaml: 3 errors" "$tmp/e"
"$BIN" replay "$tmp/scan.pcap" --config "$tmp/bad.yaml" >"$tmp/o" 2>"$tmp/e"
check "replay with a bad config: exit 2" test $? -eq 2
check "replay with a bad config: no alerts" test ! -s "$tmp/o"
printf 'rules:\n  port_scan: {threshold: 200}\n' >"$tmp/high.yaml"
"$BIN" replay "$tmp/scan.pcap" --config "$tmp/high.yaml" >"$tmp/o" 2>/dev/null
check "replay with --config: its threshold applies" test ! -s "$tmp/o"
printf 'tick_ms: [1\n' >"$tmp/syntax.yaml"
"$BIN" check-config "$tmp/syntax.yaml" 2>"$tmp/e"
check "YAML syntax error: exit 2" test $? -eq 2
check "YAML syntax error: file and line" grep -q "^xdpstream: error: $tmp/syntax.yaml:[0-9]*: YAML syntax error" "$tmp/e"
"$BIN" replay "$tmp/scan.pcap" --config "$tmp/bad.yaml" >/dev/null 2>"$tmp/e"
check "replay with a bad config: one line per error" test "$(wc -l <"$tmp/e")" -eq 3

# The checker must reject what is wrong.
"$BIN" replay "$tmp/scan.pcap" >"$tmp/good.jsonl" 2>/dev/null
sed 's/"kind":"alert"/"kind":"event"/' "$tmp/good.jsonl" >"$tmp/bad.jsonl"
! python3 tests/tools/check_alerts.py schema/alert.schema.json "$tmp/bad.jsonl" >/dev/null
check "checker: rejects a schema violation" test $? -eq 0
grep -v '"action":"end"' "$tmp/good.jsonl" >"$tmp/noend.jsonl"
! python3 tests/tools/check_alerts.py schema/alert.schema.json "$tmp/noend.jsonl" >/dev/null
check "checker: rejects an alert without end" test $? -eq 0
printf 'x.pcap\tport_scan:10.0.0.9>*\t\ny.pcap\t\tport_scan\n' >"$tmp/truth.tsv"
! python3 tests/tools/check_alerts.py schema/alert.schema.json "$tmp/good.jsonl" \
	--truth "$tmp/truth.tsv" --capture x.pcap >/dev/null
check "checker: rejects a missing expected alert" test $? -eq 0
! python3 tests/tools/check_alerts.py schema/alert.schema.json "$tmp/good.jsonl" \
	--truth "$tmp/truth.tsv" --capture y.pcap >/dev/null
check "checker: rejects a forbidden rule" test $? -eq 0
exit $fail
