#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The shared ground-truth captures, live: each capture listed in TRUTH.tsv
# is pushed by `xdpstream gen --pcap` at its own pace (--speed original)
# into a lab where `xdpstream run` (default configuration) watches, and
# (tests/tools/live_check.py):
#   - its alerts hold the TRUTH.tsv row, exactly as in tests/sh/replay_truth.sh
#     (tests/tools/check_alerts.py: schema, life cycles, expected, forbidden);
#   - live and replay agree: the same set of alerts (rule, attacker, victim,
#     port) as `xdpstream replay` of the same file;
#   - the kernel counted every frame gen sent, bytes included.
# Pace: the original one, so every rate and window the rules see is the
# capture's own (a faster pace would turn benign captures into floods and
# sweeps). The captures take 366 s in all, up to 90 s each; they run in
# parallel lanes (5 labs, balanced by duration), so the test takes about
# as long as the longest capture. They are light (1,600 frames/s at most,
# but for bursts), so the lanes do not slow each other.
# The captures live outside the repository: $XS_PCAPS, else ../shared/pcaps
# next to the repository (or next to the main worktree of this clone).
# Usage: bash tests/sh/live_captures.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=$(realpath "${1:-build}")
BIN=$OUT/xdpstream
LANES=${XS_LIVE_LANES:-5}
source tests/sh/lib/live.sh

source tests/sh/lib/pcaps.sh
pcaps=$(truth_pcaps)
if [[ -z $pcaps ]]; then
	echo "SKIP: no ground-truth captures (set XS_PCAPS or provide ../shared/pcaps)"
	exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: live tests need root (BPF, network namespaces)"
	exit 0
fi
pcaps=$(realpath "$pcaps")

xs_cleanup_init
tmp=$(xs_tmpdir xs-livecap)
lane_pids=()
# A lane waits for its gen to end before it acts on a signal: removing the
# labs (tracked by live_up) ends what runs inside them (gen, sensor) at once.
stop_lanes() {
	local p
	for p in "${lane_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
}
xs_on_exit stop_lanes

# Replay first (seconds, one CPU): the reference, and each capture's length.
captures=()
fails=0
while IFS=$'\t' read -r file _; do
	[[ -z $file || $file == \#* ]] && continue
	if [[ ! -f $pcaps/$file ]]; then
		echo "FAIL: $file: listed in TRUTH.tsv but missing"
		fails=$((fails + 1))
		continue
	fi
	if ! "$BIN" replay "$pcaps/$file" >"$tmp/$file.replay" 2>"$tmp/$file.replay.err"; then
		echo "FAIL: $file: replay exited non-zero:"
		cat "$tmp/$file.replay.err"
		fails=$((fails + 1))
		continue
	fi
	secs=$(grep -o '([0-9.]*s of capture)' "$tmp/$file.replay.err" | tr -dc '0-9.')
	captures+=("${secs:-60} $file")
done <"$pcaps/TRUTH.tsv"
((${#captures[@]})) || {
	echo "FAIL: TRUTH.tsv lists no capture"
	exit 1
}

# Longest first, each to the lane with the least to play (3 s per capture
# for starting and stopping the sensor).
declare -a lane_files
for ((i = 0; i < LANES; i++)); do lane_files[i]=""; done
while read -r i file; do
	lane_files[i]+="$file"$'\n'
done < <(printf '%s\n' "${captures[@]}" | sort -rn | awk -v lanes="$LANES" '{
	best = 0
	for (i = 1; i < lanes; i++)
		if (load[i] < load[best])
			best = i
	load[best] += $1 + 3
	print best, $2
}')

# live_one FILE: one capture through a fresh sensor in this lane's lab.
live_one() {
	local file=$1 a=$tmp/$1
	if ! live_sensor_start "$a.jsonl"; then
		echo "FAIL $file: no sensor" >"$a.result"
		return
	fi
	if ! live_gen "$a.gen.json" --pcap "$pcaps/$file" --speed original 2>"$a.gen.err"; then
		live_sensor_stop
		{
			echo "FAIL $file: xdpstream gen --pcap failed:"
			cat "$a.gen.err"
		} >"$a.result"
		return
	fi
	sleep 1.3 # one more tick: the last frames drained and judged
	live_stats "$a.stats.json"
	if ! live_sensor_stop; then
		{
			echo "FAIL $file: xdpstream run exited non-zero:"
			cat "$a.jsonl.log"
		} >"$a.result"
		return
	fi
	if python3 tests/tools/live_check.py "$a.jsonl" --gen "$a.gen.json" --stats "$a.stats.json" \
		--truth "$pcaps/TRUTH.tsv" --capture "$file" --replay "$a.replay" >"$a.check" 2>&1; then
		printf 'ok   %-84s %s\n' "$file" "$(sed 's/^ok: //' "$a.check")" >"$a.result"
	else
		{
			echo "FAIL $file"
			sed 's/^/     /' "$a.check"
			sed 's/^/     live:   /' "$a.jsonl" | cut -c1-300
			sed 's/^/     replay: /' "$a.replay" | cut -c1-300
		} >"$a.result"
	fi
}

lane() { # lane N: the lane's captures, one after the other, in lab xs<tag>cN
	XS_LAB=$(xs_lab_name "c$1") && export XS_LAB
	if ! live_up; then
		echo "FAIL: cannot build lab $XS_LAB" >"$tmp/lane$1.err"
		return
	fi
	trap 'live_sensor_stop; live_down' EXIT
	trap 'exit 143' TERM
	local f
	while read -r f; do
		[[ -n $f ]] && live_one "$f"
	done <<<"${lane_files[$1]}"
}

start=$SECONDS
echo "=== ${#captures[@]} captures live at their own pace, in $LANES parallel labs"
for ((i = 0; i < LANES; i++)); do
	[[ -n ${lane_files[i]} ]] || continue
	lane "$i" &
	lane_pids+=($!)
done
wait
lane_pids=()
cat "$tmp"/lane*.err 2>/dev/null && fails=$((fails + $(cat "$tmp"/lane*.err 2>/dev/null | wc -l)))
while IFS=$'\t' read -r file _; do
	[[ -z $file || $file == \#* || ! -f $tmp/$file.replay ]] && continue
	if [[ -f $tmp/$file.result ]]; then
		cat "$tmp/$file.result"
		grep -q '^ok ' "$tmp/$file.result" || fails=$((fails + 1))
	else
		echo "FAIL $file: not played"
		fails=$((fails + 1))
	fi
done <"$pcaps/TRUTH.tsv"
echo "${#captures[@]} captures played live in $((SECONDS - start)) s, checked against $pcaps/TRUTH.tsv and replay"
exit $((fails > 0))
