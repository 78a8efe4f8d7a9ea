#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs every test: CUnit binaries (unit, bpf, integ) and the shell-driven
# system tests in tests/sh/. Prints a summary; exits non-zero on any failure.
#
# Nothing a run makes survives it, and it proves so:
#  - every suite runs in a sandbox of its own (scripts/lib/sandbox.sh: PID
#    and mount namespaces, private /tmp, /run, /run/netns, /sys/fs/bpf); the
#    sandbox lists and removes whatever the suite left, and fails it (a
#    suite with a line "# xs-sandbox: host-pids" keeps the host's PIDs);
#  - a suite gets XS_SUITE_TIMEOUT seconds (default 600: the slowest take
#    about 2 minutes), then SIGTERM, then SIGKILL 30 s later, and fails;
#  - SIGINT, SIGTERM or SIGHUP to this script stop the running suite the
#    same way and skip the others; if this script is killed, the sandbox
#    dies with it, and the kernel ends everything in it;
#  - every name the tests make starts with "xs" and the run's tag (printed
#    at the start; XS_RUN_TAG, kept if no running run has it), and every
#    process carries the tag in its environment: at the end the host is
#    checked for anything of this run that survived (scripts/lib/leftovers.py:
#    processes, namespaces, interfaces and their XDP programs, mounts, pins,
#    /run and temporary files); it is listed, removed, and the run fails.
#    Other runs on the machine have other tags: they are never counted.
#    What a run killed outright left on the host is removed by the next one.
# Usage: scripts/run-tests.sh [BUILD_DIR] [FILTER]
#   FILTER: only the suites whose name (e.g. integ/test_live, sh/lab) has it.
# Env: XS_SUITE_TIMEOUT (seconds), XS_SANDBOX=0 (no sandboxes: each suite in
#      a process group of its own, the host checked after each), XS_SUITES=FILE
#      (run these instead: one "NAME COMMAND..." per line).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build}
FILTER=${2:-}
TIMEOUT=${XS_SUITE_TIMEOUT:-600}
GRACE=30
export XS_BUILD=$OUT

if [[ $(id -u) -ne 0 ]]; then
	echo "make test needs root (BPF, network namespaces): run it with sudo" >&2
	exit 1
fi
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || { echo "XS_SUITE_TIMEOUT=$TIMEOUT: seconds, please" >&2; exit 2; }

# The run's tag, held by a lock in $RUNS for as long as the run (or anything
# it started) lives.
RUNS=/tmp/xs-runs
new_tag() { echo "r$(tr -dc a-z0-9 </dev/urandom | head -c5)"; }
tag=${XS_RUN_TAG:-}
[[ $tag =~ ^[a-z0-9]{1,8}$ ]] || tag=$(new_tag)
while :; do
	# (Another run may remove the directory when it is empty.)
	mkdir -p "$RUNS"
	if exec {lock}>>"$RUNS/$tag"; then
		flock -n "$lock" && break
		exec {lock}>&-
		tag=$(new_tag)
	fi
done 2>/dev/null
export XS_RUN_TAG=$tag
left_check() { python3 scripts/lib/leftovers.py --tag "$1" "${@:2}"; }

# Runs that were killed outright (their lock is free) may have left
# something on the host: remove it now.
for f in "$RUNS"/*; do
	t=${f##*/}
	[[ -f $f && $t != "$tag" && $t =~ ^[a-z0-9]{1,8}$ ]] || continue
	flock -n "$f" true || continue
	if ! out=$(left_check "$t" --remove); then
		echo "run-tests: an earlier run ($t) was killed and left this (now removed):"
		echo "$out"
	fi
	rm -rf "$f" "$f.logs"
done

# The run's temporary directory: each sandbox makes its own (in its private
# /tmp); without sandboxes, it is this one on the host, checked after each suite.
export TMPDIR=/tmp/xs$tag.tmp
checks=(--tmpdir "$TMPDIR")

sandbox=1
if [[ ${XS_SANDBOX:-1} == 0 ]]; then
	sandbox=0
elif ! scripts/lib/sandbox.sh --probe; then
	echo "run-tests: no PID and mount namespaces here: each suite runs in a process" \
		"group of its own, and the host is checked after each"
	sandbox=0
fi
if ((!sandbox)); then
	mkdir -p "$TMPDIR"
	# A suite could pin in the default /sys/fs/bpf/xdpstream (no tag there):
	# new ones are its. (A sandboxed suite has a bpffs of its own.)
	checks+=(--pins-before "$(ls /sys/fs/bpf 2>/dev/null | tr '\n' ,)")
fi
echo "run-tests: run tag $tag ($( ((sandbox)) && echo "sandboxed suites" ||
	echo "no sandbox"), ${TIMEOUT} s per suite)"

pass=() fail=() current= stop=
# Each suite's output also goes to a log: a failed suite's last lines are
# repeated at the end, where a truncated CI log still shows them. Beside
# the run's lock: if this script is killed, the next run removes both.
logs=$RUNS/$tag.logs
rm -rf "$logs" && mkdir -p "$logs"
trap 'rm -rf "$logs"' EXIT
on_signal() {
	stop=$1
	echo "run-tests: SIG$1: stopping${current:+ the running suite}, skipping the rest"
	# timeout(1) passes it on to the suite's process group (the sandbox's
	# init and all it runs, or the suite): they clean up, then SIGKILL.
	[[ -n $current ]] && kill -TERM "$current" 2>/dev/null
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# run [--host-pids] NAME COMMAND...
run() {
	local opts=() name start=$SECONDS rc limit cmd why out
	[[ $1 == --host-pids ]] && opts=(--host-pids) && shift
	name=$1
	shift
	[[ -n $FILTER && $name != *$FILTER* ]] && return
	[[ -n $stop ]] && return
	echo "=== $name"
	if ((sandbox)); then
		cmd=(scripts/lib/sandbox.sh --name "$name" --timeout "$TIMEOUT" --grace "$GRACE"
			"${opts[@]}" -- "$@")
		limit=$((TIMEOUT + GRACE + 60)) # in case the sandbox itself hangs
	else
		cmd=("$@")
		limit=$TIMEOUT
	fi
	# timeout(1): a process group of its own, SIGTERM to all of it when the
	# time is over, SIGKILL GRACE s later. It dies if this script is killed.
	setpriv --pdeathsig KILL -- timeout -k "$GRACE" "$limit" "${cmd[@]}" \
		> >(env -u XS_RUN_TAG tee "$logs/${name//\//_}.log") 2>&1 &
	current=$!
	while :; do
		wait "$current"
		rc=$?
		kill -0 "$current" 2>/dev/null || break
	done
	current=
	if ((!sandbox)) && ! out=$(left_check "$tag" "${checks[@]}" --remove); then
		echo "=== $name left behind (now removed):"
		echo "$out"
		((rc == 0)) && rc=125
	fi
	case $rc in
	0) pass+=("$name ($((SECONDS - start))s)") && return ;;
	124) why="out of time after $TIMEOUT s" ;;
	125) why="left things behind" ;;
	1[2-9][0-9]) why="stopped by signal $((rc - 128))" ;;
	*) why="exit $rc" ;;
	esac
	fail+=("$name ($why)")
	echo "=== FAILED: $name ($why)"
}

if [[ -n ${XS_SUITES:-} ]]; then
	while read -r name line; do
		[[ -z $name || $name == \#* ]] && continue
		run "$name" bash -c "$line"
	done <"$XS_SUITES"
else
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
	# A suite that must see the host's processes says so in a line of its own.
	for t in tests/sh/*.sh; do
		[[ -f $t ]] || continue
		opts=()
		grep -q '^# xs-sandbox: host-pids' "$t" && opts=(--host-pids)
		run "${opts[@]}" "sh/$(basename "$t" .sh)" bash "$t" "$OUT"
	done
fi

echo
echo "passed: ${#pass[@]}"
for p in "${pass[@]}"; do echo "  ok   $p"; done
if ((${#fail[@]})); then
	echo "failed: ${#fail[@]}"
	for f in "${fail[@]}"; do echo "  FAIL $f"; done
	for f in "${fail[@]}"; do
		f=${f%% (*}
		echo "--- the last lines of $f:"
		tail -n 30 "$logs/${f//\//_}.log" 2>/dev/null | cut -c1-400
	done
	echo "--- (the summary again)"
	for f in "${fail[@]}"; do echo "  FAIL $f"; done
fi
status=0
((${#fail[@]})) && status=1
if out=$(left_check "$tag" "${checks[@]}" --remove); then
	echo "leftovers of this run (tag $tag): none"
else
	echo "leftovers of this run (tag $tag), now removed:"
	echo "$out"
	status=1
fi
rm -rf "$TMPDIR" "$logs"
rm -f "$RUNS/$tag"
rmdir "$RUNS" 2>/dev/null
case $stop in
INT) exit 130 ;;
TERM) exit 143 ;;
HUP) exit 129 ;;
esac
exit $status
