#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make demo` (scripts/demo.sh), the README's first command, in a lab of its
# own name: it exits 0 with every attack detected, the kernel's count equal
# to what was sent, valid alerts in its file, and leaves no lab behind; and
# its verdict (scripts/demo_view.py summary) fails when an expected alert is
# missing, when an alert starts while only benign traffic runs, and when an
# alert matches no attack. config/demo.yaml is a valid configuration.
# Usage: bash tests/sh/demo.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=$(realpath "${1:-build}")
fails=0
ok() { echo "  ok   $*"; }
bad() {
	echo "  FAIL $*"
	fails=$((fails + 1))
}

if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: the demo needs root (BPF, network namespaces)"
	exit 0
fi
source tests/sh/lib/cleanup.sh
xs_cleanup_init
tmp=$(xs_tmpdir xs-demo)
XS_DEMO_LAB=$(xs_lab_name d) && export XS_DEMO_LAB XS_DEMO_DIR=$tmp/demo
xs_track_lab "$XS_DEMO_LAB"
d=$XS_DEMO_DIR

if "$OUT/xdpstream" check-config config/demo.yaml >/dev/null 2>&1; then
	ok "config/demo.yaml is valid"
else
	bad "config/demo.yaml: $("$OUT/xdpstream" check-config config/demo.yaml 2>&1)"
fi

echo "=== the demo, as make demo runs it"
start=$SECONDS
NO_COLOR=1 scripts/demo.sh "$OUT" >"$tmp/out.txt" 2>&1
rc=$?
took=$((SECONDS - start))
if ((rc == 0)); then ok "exit 0 in $took s"; else bad "exit $rc"; fi
((took < 120)) && ok "under two minutes" || bad "took $took s"
n=$(grep -cE '^(port scan|SYN flood|DNS reflection|brute force) .* DETECTED +[0-9.]+ s$' "$tmp/out.txt")
[[ $n == 4 ]] && ok "four attacks detected, each with a time" || bad "$n of 4 attacks detected"
grep -q '^benign, alone for [0-9]* s .* ok: no alert' "$tmp/out.txt" && ok "benign phase: no alert" ||
	bad "benign phase row"
grep -q 'exactly what was sent' "$tmp/out.txt" && ok "kernel counters = sent" || bad "kernel counters"
lines=0
for rule in port_scan syn_flood reflection brute_force; do
	grep -qE "START $rule " "$tmp/out.txt" && grep -qE "END   $rule " "$tmp/out.txt" &&
		lines=$((lines + 1))
done
((lines == 4)) && ok "a START and an END line for each attack" || bad "START/END lines missing"
python3 tests/tools/check_alerts.py schema/alert.schema.json "$d/alerts.jsonl" --min-alerts 4 \
	>/dev/null && ok "alerts.jsonl valid, whole life cycles" || bad "alerts.jsonl"
if ip netns list | grep -q "^$XS_DEMO_LAB-" || [[ -e /run/$XS_DEMO_LAB ]]; then
	bad "the lab is still there"
else
	ok "the lab is gone"
fi
if ((fails)); then
	echo "--- demo output"
	cat "$tmp/out.txt"
fi

echo "=== the verdict fails when it should"
summary() {
	python3 scripts/demo_view.py summary --alerts "$1" --benign "$d/gen-benign.json" \
		--attack "port scan=$d/gen-scan.json" --attack "SYN flood=$d/gen-synflood.json" \
		--attack "DNS reflection=$d/gen-reflection.json" --attack "brute force=$d/gen-brute.json" \
		>"$d/verdict.txt" 2>&1
}
if [[ -f $d/gen-benign.json && -f $d/gen-brute.json ]]; then
	summary "$d/alerts.jsonl" && ok "the real alerts pass" || bad "the real alerts fail"
	grep -v '"name":"syn_flood"' "$d/alerts.jsonl" >"$d/missing.jsonl"
	summary "$d/missing.jsonl"
	[[ $? == 1 ]] && grep -q 'SYN flood: expected alert syn_flood \* -> 198.18.0.20 not raised' \
		"$d/verdict.txt" && ok "a missing alert: exit 1, named" || bad "a missing alert: $(cat "$d/verdict.txt")"
	# A copy of the port scan's alert, started one second after the benign traffic.
	python3 - "$d" <<'EOF'
import datetime, json, sys
d = sys.argv[1]
b = json.load(open(d + '/gen-benign.json'))['segments'][0]['start_unix'] + 1
ts = datetime.datetime.fromtimestamp(b, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.000Z')
lines = [json.loads(l) for l in open(d + '/alerts.jsonl')]
early = [dict(l, **{'@timestamp': ts}) for l in lines
         if l['event']['action'] == 'start' and l['rule']['name'] == 'port_scan']
with open(d + '/early.jsonl', 'w') as f:
    for l in early + lines:
        f.write(json.dumps(l) + '\n')
odd = dict(lines[0])
odd['rule'] = dict(odd['rule'], name='host_sweep')
odd['event'] = dict(odd['event'], id='0123456789abcdef')
with open(d + '/odd.jsonl', 'w') as f:
    for l in lines + [odd]:
        f.write(json.dumps(l) + '\n')
EOF
	summary "$d/early.jsonl"
	[[ $? == 1 ]] && grep -q 'an alert started while only benign traffic ran: port_scan' "$d/verdict.txt" &&
		grep -q 'FALSE ALARM' "$d/verdict.txt" && ok "an alert during the benign phase: exit 1" ||
		bad "an alert during the benign phase: $(cat "$d/verdict.txt")"
	summary "$d/odd.jsonl"
	[[ $? == 1 ]] && grep -q 'unexpected alert: host_sweep' "$d/verdict.txt" &&
		ok "an alert matching no attack: exit 1" || bad "an unexpected alert: $(cat "$d/verdict.txt")"
else
	bad "the demo left no generator reports in $d"
fi

((fails == 0)) || exit 1
