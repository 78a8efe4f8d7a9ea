#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs every test: CUnit binaries (unit, bpf, integ) and the shell-driven
# system tests in tests/sh/. Prints a summary; exits non-zero on any failure.
# Usage: scripts/run-tests.sh [BUILD_DIR] [FILTER]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build}
FILTER=${2:-}
export XS_BUILD=$OUT

if [[ $(id -u) -ne 0 ]]; then
	echo "make test needs root (BPF, network namespaces): run it with sudo" >&2
	exit 1
fi

pass=() fail=()
run() {
	local name=$1
	shift
	[[ -n $FILTER && $name != *$FILTER* ]] && return
	local start=$SECONDS
	echo "=== $name"
	if "$@"; then
		pass+=("$name ($((SECONDS - start))s)")
	else
		fail+=("$name")
		echo "=== FAILED: $name"
	fi
}

for kind in unit bpf integ; do
	for t in "$OUT"/tests/$kind/*; do
		[[ -x $t ]] || continue
		run "$kind/$(basename "$t")" "$t"
	done
done
# The fleet application's unit and topology tests (Maven, JUnit). Not under
# SANITIZE=1: that pass rebuilds the C code with ASan/UBSan, and the JVM
# build and tests are the same bytes in both passes; tests/sh/fleet_e2e.sh
# still runs there (make test builds the jar in both passes).
if [[ $OUT != build-san ]]; then
	run "fleet/maven" make --no-print-directory fleet-test OUT="$OUT"
fi
for t in tests/sh/*.sh; do
	[[ -f $t ]] || continue
	run "sh/$(basename "$t" .sh)" bash "$t" "$OUT"
done

echo
echo "passed: ${#pass[@]}"
for p in "${pass[@]}"; do echo "  ok   $p"; done
if ((${#fail[@]})); then
	echo "failed: ${#fail[@]}"
	for f in "${fail[@]}"; do echo "  FAIL $f"; done
	exit 1
fi
