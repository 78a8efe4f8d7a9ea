#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `replay --enforce` on every attack capture of the shared set whose
# ground truth (TRUTH.tsv) expects a flood or reflection alert: the report
# must have a fingerprint for that alert covering at least 90% of the
# attack's packets, and every count in it (the attack's packets, the
# others, what each clause matches of both) must equal tcpdump's own count
# of the same filter over the same capture (tests/tools/enforce_check.py).
# Usage: tests/sh/replay_enforce.sh BUILD_DIR
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
tmp=$(xs_tmpdir xs-enforce)
fail=0 n=0
while IFS=$'\t' read -r file expect _; do
	[[ -z $file || $file == \#* ]] && continue
	want=()
	IFS=';' read -ra alerts <<<"$expect"
	for a in "${alerts[@]}"; do
		rule=${a%%:*}
		case $rule in
		syn_flood | udp_flood | icmp_flood | volumetric | reflection)
			want+=(--expect "$rule:${a##*>}") ;;
		esac
	done
	((${#want[@]})) || continue
	n=$((n + 1))
	if ! "$BIN" replay -q --report "$tmp/$file.json" "$pcaps/$file" >/dev/null \
		2>"$tmp/$file.err"; then
		echo "FAIL: $file: replay --report exited non-zero:"
		cat "$tmp/$file.err"
		fail=1
		continue
	fi
	if python3 tests/tools/enforce_check.py "$tmp/$file.json" "$pcaps/$file" "${want[@]}" \
		>"$tmp/check" 2>&1; then
		sed "s|^ok: |ok   $file: |" "$tmp/check"
	else
		echo "FAIL $file"
		sed 's/^/     /' "$tmp/check"
		fail=1
	fi
done <"$pcaps/TRUTH.tsv"
if ((n == 0)); then
	echo "FAIL: TRUTH.tsv lists no flood or reflection capture"
	exit 1
fi
echo "$n attack captures: fingerprints checked against tcpdump"
exit $fail
