#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Ground truth: replays every capture TRUTH.tsv lists with the default
# configuration (no --config) and checks its alerts against the row:
# every expected alert raised, no forbidden rule, every alert valid
# against schema/alert.schema.json with a whole life cycle.
# The captures live outside the repository: $XS_PCAPS, else ../shared/pcaps
# next to the repository (or next to the main worktree of this clone).
# Usage: tests/sh/replay_truth.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build}
BIN=$OUT/xdpstream

source tests/sh/lib/pcaps.sh
pcaps=$(truth_pcaps)
if [[ -z $pcaps ]]; then
	echo "SKIP: no ground-truth captures (set XS_PCAPS or provide ../shared/pcaps)"
	exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: replay loads BPF: needs root"
	exit 0
fi

source "$(dirname "$0")/lib/cleanup.sh"
xs_cleanup_init
tmp=$(xs_tmpdir xs-truth)
fail=0 n=0
while IFS=$'\t' read -r file expect forbid; do
	[[ -z $file || $file == \#* ]] && continue
	n=$((n + 1))
	if [[ ! -f $pcaps/$file ]]; then
		echo "FAIL: $file: listed in TRUTH.tsv but missing"
		fail=1
		continue
	fi
	if ! "$BIN" replay "$pcaps/$file" >"$tmp/$file.jsonl" 2>"$tmp/$file.err"; then
		echo "FAIL: $file: replay exited non-zero:"
		cat "$tmp/$file.err"
		fail=1
		continue
	fi
	if python3 tests/tools/check_alerts.py schema/alert.schema.json "$tmp/$file.jsonl" \
		--truth "$pcaps/TRUTH.tsv" --capture "$file" >"$tmp/check" 2>&1; then
		printf 'ok   %-84s %s\n' "$file" "$(sed 's/^ok: //' "$tmp/check")"
	else
		printf 'FAIL %s\n' "$file"
		sed 's/^/     /' "$tmp/check"
		fail=1
	fi
done <"$pcaps/TRUTH.tsv"
if ((n == 0)); then
	echo "FAIL: TRUTH.tsv lists no capture"
	exit 1
fi
echo "$n captures checked against $pcaps/TRUTH.tsv"
exit $fail
