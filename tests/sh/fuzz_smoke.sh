#!/usr/bin/env bash
# A short libFuzzer run of each fuzz target (make fuzz runs long ones).
set -euo pipefail
OUT=${1:-build}
for t in "$OUT"/fuzz/fuzz_*; do
	[[ -x $t ]] || continue
	n=$(basename "$t")
	work=$(mktemp -d /tmp/xs-fuzz-XXXXXX)
	trap 'rm -rf "$work"' EXIT
	"$t" -max_total_time=10 -print_final_stats=0 "$work" "fuzz/corpus/${n#fuzz_}" >"$work.log" 2>&1 ||
		{ tail -40 "$work.log"; rm -f "$work.log"; exit 1; }
	echo "$n: $(grep -o 'Done [0-9]* runs' "$work.log" || echo done)"
	rm -rf "$work" "$work.log"
done
