#!/usr/bin/env bash
# A short libFuzzer run of each fuzz target (make fuzz runs long ones).
set -euo pipefail
OUT=${1:-build}
source "$(dirname "$0")/lib/cleanup.sh"
xs_cleanup_init
for t in "$OUT"/fuzz/fuzz_*; do
	[[ -x $t ]] || continue
	n=$(basename "$t")
	work=$(xs_tmpdir xs-fuzz)
	log=$(xs_tmpdir xs-fuzz-log)/log
	"$t" -max_total_time=10 -print_final_stats=0 "$work" "fuzz/corpus/${n#fuzz_}" >"$log" 2>&1 ||
		{ tail -40 "$log"; exit 1; }
	echo "$n: $(grep -o 'Done [0-9]* runs' "$log" || echo done)"
	rm -rf "$work" "${log%/log}"
done
