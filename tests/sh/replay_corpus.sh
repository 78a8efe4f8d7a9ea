#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The public corpus (tests/corpus/): replays every capture of
# tests/corpus/TRUTH.tsv with the default configuration (no --config) and
# checks its row as replay_truth does: every expected alert raised, no
# forbidden rule, every alert valid against schema/alert.schema.json with a
# whole life cycle. Ends with a table per class: captures, passed.
# Registry captures are fetched first (scripts/corpus.sh fetch); a failed
# download fails the test unless XS_CORPUS_OFFLINE=1, which skips them.
# Captures from public repositories are skipped, with the reason, when
# ../shared/corpus ($XS_CORPUS_SHARED) is absent.
# Usage: tests/sh/replay_corpus.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build}
BIN=$OUT/xdpstream
TRUTH=tests/corpus/TRUTH.tsv
MANIFEST=tests/corpus/MANIFEST.tsv

source tests/sh/lib/pcaps.sh
if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: replay loads BPF: needs root"
	exit 0
fi

fail=0
have_deb=1
if [[ ${XS_CORPUS_OFFLINE:-0} == 1 ]]; then
	have_deb=0
	echo "skip: registry captures (XS_CORPUS_OFFLINE=1)"
elif ! scripts/corpus.sh fetch "$OUT"; then
	echo "FAIL: scripts/corpus.sh fetch (set XS_CORPUS_OFFLINE=1 on a machine without the package registry)"
	fail=1
	have_deb=0
fi
shared=$(corpus_shared)
[[ -z $shared ]] && echo "skip: captures from public repositories: no ../shared/corpus (set XS_CORPUS_SHARED)"

tmp=$(mktemp -d /tmp/xs-corpus.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
declare -A cls_n=() cls_ok=() kind_of=() class_of=()
while IFS=$'\t' read -r name class kind _; do
	[[ -z $name || $name == \#* || $name == name ]] && continue
	class_of[$name]=$class
	kind_of[$name]=$kind
done <"$MANIFEST"

n=0 skipped=0
failed=()
while IFS=$'\t' read -r file expect forbid; do
	[[ -z $file || $file == \#* ]] && continue
	kind=${kind_of[$file]:-}
	class=${class_of[$file]:-}
	if [[ -z $kind ]]; then
		echo "FAIL: $file: in TRUTH.tsv but not in MANIFEST.tsv"
		fail=1
		continue
	fi
	if [[ ($kind == deb && $have_deb == 0) || ($kind == github && -z $shared) ]]; then
		skipped=$((skipped + 1))
		continue
	fi
	n=$((n + 1))
	cls_n[$class]=$((${cls_n[$class]:-0} + 1))
	if ! pcap=$(scripts/corpus.sh path "$file" "$OUT"); then
		echo "FAIL: $file: missing or not matching its sha256 ($(scripts/corpus.sh list "$OUT" | grep -F "$file" | awk '{print $4, $5, $6}'))"
		fail=1
		failed+=("$file")
		continue
	fi
	if ! "$BIN" replay "$pcap" >"$tmp/$file.jsonl" 2>"$tmp/$file.err"; then
		echo "FAIL: $file: replay exited non-zero:"
		cat "$tmp/$file.err"
		fail=1
		failed+=("$file")
		continue
	fi
	if python3 tests/tools/check_alerts.py schema/alert.schema.json "$tmp/$file.jsonl" \
		--truth "$TRUTH" --capture "$file" >"$tmp/check" 2>&1; then
		printf 'ok   %-58s %s\n' "$file" "$(sed 's/^ok: //' "$tmp/check")"
		cls_ok[$class]=$((${cls_ok[$class]:-0} + 1))
	else
		printf 'FAIL %s\n' "$file"
		sed 's/^/     /' "$tmp/check"
		# What the rules did raise: the input for the detection work.
		python3 - "$tmp/$file.jsonl" <<-'EOF'
			import json, sys
			starts = [d for d in map(json.loads, filter(str.strip, open(sys.argv[1])))
			          if d.get('event', {}).get('action') == 'start']
			print('     raised: ' + (', '.join('%s:%s>%s' % (d['rule']['name'],
			      d.get('source', {}).get('ip', '*'), d.get('destination', {}).get('ip', '*'))
			      for d in starts) or 'nothing'))
		EOF
		fail=1
		failed+=("$file")
	fi
done <"$TRUTH"

echo
printf '%-22s %8s %6s\n' class captures passed
for c in $(printf '%s\n' "${!cls_n[@]}" | sort); do
	printf '%-22s %8d %6d\n' "$c" "${cls_n[$c]}" "${cls_ok[$c]:-0}"
done
echo "$n captures checked against $TRUTH, $skipped skipped"
if ((n == 0)); then
	echo "SKIP: no corpus capture available"
	exit $fail
fi
exit $fail
