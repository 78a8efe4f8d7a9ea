#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The file sink never blocks the daemon on the disk (issue 13): with a
# sync after every alert (fsync_interval_ms: 0), the process itself calls
# neither fdatasync nor fsync (the syncs are asynchronous IOCB_CMD_FDSYNC,
# io_submit), and every line arrives. And it refuses a symbolic link
# planted at its path (O_NOFOLLOW), leaving the link's target untouched.
# Usage: tests/sh/file_sink_async.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-build}
BIN=$OUT/xdpstream
source "$(dirname "$0")/lib/cleanup.sh"
xs_cleanup_init
tmp=$(xs_tmpdir xs-filesink)
fail=0

cat >"$tmp/cfg.yaml" <<Y
outputs:
  - type: file
    path: $tmp/alerts.jsonl
    fsync_interval_ms: 0
Y
# LeakSanitizer cannot run under ptrace (SANITIZE=1 builds): leaks are
# looked for by the other suites; here only the system calls matter.
if ! ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	strace -f -qq -e trace=fdatasync,fsync,io_submit -o "$tmp/trace" \
	"$BIN" emit -c "$tmp/cfg.yaml" -n 40 -r 1000 2>"$tmp/emit.err"; then
	echo "FAIL: emit failed:"
	cat "$tmp/emit.err"
	fail=1
fi
lines=$(wc -l <"$tmp/alerts.jsonl")
syncs=$(grep -cE 'fdatasync\(|fsync\(' "$tmp/trace")
submits=$(grep -c 'io_submit(' "$tmp/trace")
if [[ $lines -ne 40 ]]; then
	echo "FAIL: $lines lines written, expected 40"
	fail=1
fi
if [[ $syncs -ne 0 ]]; then
	echo "FAIL: the process called fdatasync/fsync $syncs times:"
	grep -E 'fdatasync\(|fsync\(' "$tmp/trace" | head -5
	fail=1
fi
if [[ $submits -lt 1 ]]; then
	echo "FAIL: no asynchronous sync was submitted"
	fail=1
fi
echo "file sink: $lines lines, $submits asynchronous syncs, $syncs blocking ones"

# A symbolic link at the path: refused with a clear line, target intact.
echo "precious" >"$tmp/target"
ln -s "$tmp/target" "$tmp/link.jsonl"
sed "s|$tmp/alerts.jsonl|$tmp/link.jsonl|" "$tmp/cfg.yaml" >"$tmp/link.yaml"
if "$BIN" emit -c "$tmp/link.yaml" -n 1 2>"$tmp/link.err"; then
	echo "FAIL: emit wrote through a symbolic link"
	fail=1
fi
if ! grep -q "symbolic link" "$tmp/link.err"; then
	echo "FAIL: no clear error for the symbolic link:"
	cat "$tmp/link.err"
	fail=1
fi
if [[ $(cat "$tmp/target") != precious ]]; then
	echo "FAIL: the link's target was written"
	fail=1
fi
exit $fail
