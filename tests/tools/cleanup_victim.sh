#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A shell test that makes what live tests make -- a lab (two namespaces, a
# veth pair, a bpffs), `xdpstream run` attached in it, a temporary
# directory, a process it forgets to track -- and then ends badly, for
# tests/sh/cleanup.sh to check that nothing of it survives.
# Usage: bash tests/tools/cleanup_victim.sh BUILD_DIR MODE REPORT
#   MODE fail   `set -e` stops it at a failing command (exit 1)
#        wait   waits to be killed (SIGTERM, SIGINT, SIGHUP, SIGKILL...)
#        deaf   the same, but ignores SIGTERM, SIGINT and SIGHUP
#        leak   registers nothing and exits 0: everything stays (unless a
#               sandbox takes it away)
# REPORT ("-": standard output) gets "lab NAME", "sensor PID START",
# "stray PID START", "tmp DIR", "reg FILE" (its registry) and finally "ready".
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=$(realpath "$1")
mode=$2 report=$3
BIN=$OUT/xdpstream
source tests/sh/lib/live.sh
# Without xs_cleanup_init nothing is registered, no trap, no reaper.
[[ $mode == leak ]] || xs_cleanup_init
XS_LAB=$(xs_lab_name "v${mode:0:2}") && export XS_LAB
live_up
tmp=$(xs_tmpdir xs-victim)
echo "some data" >"$tmp/file"
live_sensor_start "$tmp/alerts.jsonl" --tick-ms 100
# Not tracked: only the sweep of what this shell started can end it.
sleep 1000 &
stray=$!
emit() { if [[ $report == - ]]; then cat; else cat >>"$report"; fi; }
{
	echo "lab $XS_LAB"
	echo "sensor $LIVE_SENSOR $(xs__start "$LIVE_SENSOR")"
	echo "stray $stray $(xs__start "$stray")"
	echo "tmp $tmp"
	echo "reg ${XS__REG:-}"
	echo ready
} | emit
case $mode in
fail)
	false
	echo "not reached"
	;;
wait)
	while :; do sleep 1; done
	;;
deaf)
	trap '' INT TERM HUP
	while :; do sleep 1; done
	;;
leak)
	exit 0
	;;
esac
