#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Tests leave nothing behind, and the checks that say so can fail:
#  1. the shell library (tests/sh/lib/cleanup.sh): a victim
#     (tests/tools/cleanup_victim.sh) with a lab, `xdpstream run` attached
#     in it, a temporary directory and a process it does not track ends by
#     `set -e`, SIGTERM, Ctrl-C (SIGINT to its process group), SIGHUP,
#     SIGKILL, SIGKILL to its process group: its exact exit status, then
#     nothing of it left. Control: with the reaper off, a SIGKILL leaves
#     the lab and the untracked process, while the sensor dies with its shell.
#  2. the leftover check (scripts/lib/leftovers.py): planted leftovers of a
#     run -- a namespace with an XDP program and a process inside, a veth
#     pair on the host with an XDP program, a bpffs mount, a /run directory,
#     temporary files, a pin, a process carrying the tag -- are each listed,
#     exactly; the same things of another tag are not; --remove removes
#     that run's only.
#  3. the sandbox (scripts/lib/sandbox.sh): a suite that leaks everything
#     exits 125 with the exact list; SIGTERM to a sandbox stops its suite,
#     which cleans up (143, nothing listed); a suite deaf to SIGTERM is
#     killed when its time is out (124) and what it left is listed and
#     removed; a sandbox killed with SIGKILL takes everything with it.
#  4. scripts/run-tests.sh: a passing suite, a leaking one and one out of
#     time give the right summary and no leftover; SIGTERM to the runner
#     mid-suite: 143, the rest skipped, nothing left; SIGKILL to it: nothing
#     left, and the next run clears its lock; without sandboxes the host
#     check after each suite catches the leak.
# Usage: bash tests/sh/cleanup.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=$(realpath "${1:-build}")
source tests/sh/lib/cleanup.sh
if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: needs root (namespaces, BPF)"
	exit 0
fi
xs_cleanup_init
tmp=$(xs_tmpdir xs-cleanup)
fails=0
ok() { echo "  ok   $*"; }
bad() {
	echo "  FAIL $*"
	fails=$((fails + 1))
}
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
rand() { tr -dc a-z0-9 </dev/urandom | head -c"$1"; }
alive() { [[ $(xs__start "$1") == "$2" ]]; }
leftovers() { python3 scripts/lib/leftovers.py "$@"; }

# ---- 1. the shell library ------------------------------------------------

# victim MODE [ENV...]: starts it in a process group of its own, with
# SIGINT not ignored (as a terminal's job), and waits until it made
# everything; sets V and V_*.
victim() {
	local mode=$1 rep=$tmp/rep-$1 i key a b
	shift
	rm -f "$rep"
	setsid env --default-signal=INT,QUIT "$@" bash tests/tools/cleanup_victim.sh "$OUT" "$mode" \
		"$rep" >"$rep.log" 2>&1 &
	V=$!
	for ((i = 0; i < 300; i++)); do
		grep -qx ready "$rep" 2>/dev/null && break
		kill -0 "$V" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -qx ready "$rep" 2>/dev/null; then
		echo "victim $mode not ready:"
		cat "$rep.log"
		return 1
	fi
	while read -r key a b; do
		case $key in
		lab) V_LAB=$a ;;
		sensor) V_SENSOR=$a V_SENSOR_START=$b ;;
		stray) V_STRAY=$a V_STRAY_START=$b ;;
		tmp) V_TMP=$a ;;
		reg) V_REG=$a ;;
		esac
	done <"$rep"
	# Ours too, should a check below fail.
	xs_track_lab "$V_LAB"
	xs_track_dir "$V_TMP"
	xs_track_pid "$V_SENSOR"
	xs_track_pid "$V_STRAY"
	xs_defer rm -f "$V_REG" "$V_REG.reaper"
}

# What of the victim is still there, after up to $1 s.
victim_left() {
	local i left
	for ((i = 0; i <= $1 * 10; i++)); do
		left=
		ip netns list | grep -q "^$V_LAB-" && left+=" namespaces"
		[[ -e /run/$V_LAB ]] && left+=" /run/$V_LAB"
		alive "$V_SENSOR" "$V_SENSOR_START" && left+=" sensor"
		alive "$V_STRAY" "$V_STRAY_START" && left+=" untracked-process"
		[[ -e $V_TMP ]] && left+=" tmpdir"
		[[ -z $left ]] && break
		sleep 0.1
	done
	echo "${left# }"
}

# ends MODE HOW SIGNAL-COMMAND EXPECTED-STATUS WAIT: one victim's end.
ends() {
	local mode=$1 how=$2 sig=$3 want=$4 wait_s=$5 rc left
	if ! victim "$mode"; then
		bad "$how: the victim did not start"
		return
	fi
	[[ -n $sig ]] && eval "kill $sig"
	wait "$V" 2>/dev/null
	rc=$?
	left=$(victim_left "$wait_s")
	check "$how: exit $want (got $rc), nothing left${left:+ (left: $left)}" \
		test "$rc" = "$want" -a -z "$left"
}

echo "=== the shell library: a lab, a sensor, a temporary directory, an untracked process"
ends fail "set -e" "" 1 0
ends wait "SIGTERM to the shell" '-TERM "$V"' 143 0
ends wait "Ctrl-C (SIGINT to its process group)" '-INT -- -"$V"' 130 0
ends wait "SIGHUP" '-HUP "$V"' 129 0
ends wait "SIGKILL: its reaper removes everything" '-KILL "$V"' 137 15
ends wait "SIGKILL to its process group" '-KILL -- -"$V"' 137 15

if victim wait XS_CLEANUP_REAPER=0; then
	kill -KILL "$V"
	wait "$V" 2>/dev/null
	left=$(victim_left 10)
	[[ $left != *sensor* ]] && ok "control, no reaper: the sensor still dies with its shell" ||
		bad "control, no reaper: the sensor survived its shell ($left)"
	sleep 2
	left=$(victim_left 0)
	check "control, no reaper: SIGKILL leaves the lab, the directory and the untracked process" \
		test "$left" = "namespaces /run/$V_LAB untracked-process tmpdir"
	XS_LAB=$V_LAB scripts/lab.sh down >/dev/null 2>&1
	kill "$V_STRAY" 2>/dev/null
	rm -rf "$V_TMP" "$V_REG"
else
	bad "control: the victim did not start"
fi

# ---- 2. the leftover check -----------------------------------------------

echo "=== the leftover check finds what a run left, and only that run's"
bpffs_pins=0
[[ $(stat -f -c %T /sys/fs/bpf 2>/dev/null) == bpf_fs ]] && bpffs_pins=1

# plant TAG: what a run could leave; prints the lines leftovers.py must give.
# Each thing is registered as it is made: it goes whatever the checker does.
plant() {
	local t=$1 p q xdp_n xdp_h
	mkdir -p "$tmp/runtmp-$t" && echo x >"$tmp/runtmp-$t/file"
	xs_defer rm -f "/tmp/xs${t}t"
	echo x >"/tmp/xs${t}t"
	xs_defer ip netns del "xs${t}n"
	xs_defer ip link del "xs${t}h"
	xs_defer rm -rf "/run/xs${t}m" "/run/xs${t}d" "/sys/fs/bpf/xs${t}pin"
	xs_defer umount "/run/xs${t}m"
	ip netns add "xs${t}n"
	ip -n "xs${t}n" link add "xs${t}b" type veth peer name "xs${t}c"
	ip -n "xs${t}n" link set "xs${t}b" up
	ip -n "xs${t}n" link set dev "xs${t}b" xdp obj "$OUT/xdp_pass.bpf.o" sec xdp
	ip link add "xs${t}h" type veth peer name "xs${t}p"
	ip link set dev "xs${t}h" xdp obj "$OUT/xdp_pass.bpf.o" sec xdp
	mkdir -p "/run/xs${t}m" "/run/xs${t}d"
	mount -t bpf bpf "/run/xs${t}m"
	((bpffs_pins)) && bpftool map create "/sys/fs/bpf/xs${t}pin" type array key 4 value 4 \
		entries 1 name xsplanted
	# A process inside the namespace (no tag: found as the namespace's)
	# and one carrying the tag, in a session of its own.
	env -u XS_RUN_TAG setsid ip netns exec "xs${t}n" sleep 1000 </dev/null >/dev/null 2>&1 &
	p=$!
	XS_RUN_TAG=$t setsid sleep 1000 </dev/null >/dev/null 2>&1 &
	q=$!
	xs_track_pid "$p"
	xs_track_pid "$q"
	sleep 0.3
	xdp_n=$(ip -n "xs${t}n" link show "xs${t}b" | grep -o 'prog/xdp id [0-9]*')
	xdp_h=$(ip link show "xs${t}h" | grep -o 'prog/xdp id [0-9]*')
	{
		echo "  process   $q (sleep 1000)"
		echo "  netns     xs${t}n (xs${t}b: $xdp_n, processes $p)"
		echo "  interface xs${t}h ($xdp_h)"
		echo "  interface xs${t}p"
		echo "  mount     /run/xs${t}m (bpf)"
		echo "  path      /run/xs${t}d"
		echo "  path      /tmp/xs${t}t"
		echo "  path      $tmp/runtmp-$t/file"
		((bpffs_pins)) && echo "  pin       /sys/fs/bpf/xs${t}pin"
	} | sort
}
mine=z$(rand 5) other=y$(rand 5)
# `ip ... xdp obj` makes its pin directories in a bpffs at /sys/fs/bpf.
for d in ip tc xdp; do
	[[ -e /sys/fs/bpf/$d ]] || xs_defer rm -rf "/sys/fs/bpf/$d"
done
want_mine=$(plant "$mine")
want_other=$(plant "$other")
got=$(leftovers --tag "$mine" --tmpdir "$tmp/runtmp-$mine")
rc=$?
check "exit 1 when something is left" test "$rc" = 1
check "every planted thing of the run listed, nothing of the other run" \
	test "$(sort <<<"$got")" = "$want_mine"
[[ $(sort <<<"$got") == "$want_mine" ]] || diff <(echo "$want_mine") <(sort <<<"$got")
((bpffs_pins)) || echo "  (no bpffs at /sys/fs/bpf here: pins not planted)"
got=$(leftovers --tag "$other" --tmpdir "$tmp/runtmp-$other")
check "the other run's things listed for its own tag" test "$(sort <<<"$got")" = "$want_other"
leftovers --tag "$mine" --tmpdir "$tmp/runtmp-$mine" --remove >"$tmp/removed"
check "--remove: exit 1, the same list" test $? = 1 -a "$(sort "$tmp/removed")" = "$want_mine"
got=$(leftovers --tag "$mine" --tmpdir "$tmp/runtmp-$mine")
check "after --remove: nothing left (exit 0)" test $? = 0 -a -z "$got"
got=$(leftovers --tag "$other" --tmpdir "$tmp/runtmp-$other")
check "after --remove: the other run's things untouched" test "$(sort <<<"$got")" = "$want_other"
leftovers --tag "$other" --tmpdir "$tmp/runtmp-$other" --remove >/dev/null
check "the other run's, removed in turn" leftovers --tag "$other" --tmpdir "$tmp/runtmp-$other"
check "a bad tag is refused (exit 2)" test "$(leftovers --tag 'x y' 2>/dev/null; echo $?)" = 2

# ---- 3. the sandbox ------------------------------------------------------

echo "=== the sandbox: lists and removes what a suite left"
tag=s$(rand 5)
# sandboxed VICTIM-MODE OPTIONS...: runs the victim in a sandbox in the
# background, output to $tmp/sb.out (report) and $tmp/sb.err; sets SB.
sandboxed() {
	local mode=$1 i
	shift
	: >"$tmp/sb.out"
	XS_RUN_TAG=$tag scripts/lib/sandbox.sh --name "$mode" "$@" -- \
		bash tests/tools/cleanup_victim.sh "$OUT" "$mode" - >"$tmp/sb.out" 2>"$tmp/sb.err" &
	SB=$!
	for ((i = 0; i < 300; i++)); do
		grep -qx ready "$tmp/sb.out" && return 0
		kill -0 "$SB" 2>/dev/null || return 0
		sleep 0.1
	done
}
report() { awk -v k="$1" '$1 == k { print $2 }' "$tmp/sb.out"; }
nothing_of_tag() { # nothing with the sandbox runs' tag on this side, after up to $1 s
	local i
	for ((i = 0; i <= $1 * 10; i++)); do
		leftovers --tag "$tag" >/dev/null && return 0
		sleep 0.1
	done
	leftovers --tag "$tag"
	return 1
}

sandboxed leak
wait "$SB"
rc=$?
lab=$(report lab)
want=$(sort <<EOF
  netns     $lab-atk
  netns     $lab-sen
  mount     /run/$lab/bpf (bpf)
  path      /run/$lab
  path      $(report tmp)
  process   $(report stray) (sleep 1000)
EOF
)
got=$(sed -n '/left behind (now removed):/,$p' "$tmp/sb.err" | grep '^  ' | sort)
check "a suite that leaks: exit 125 (got $rc)" test "$rc" = 125
check "the exact list of what it left" test "$got" = "$want"
[[ $got == "$want" ]] || diff <(echo "$want") <(echo "$got")
check "nothing of it on this side" nothing_of_tag 0

sandboxed wait
kill -TERM "$SB"
wait "$SB"
rc=$?
check "SIGTERM to a sandbox: its suite cleans up, exit 143 (got $rc), nothing listed" \
	test "$rc" = 143 -a -z "$(grep 'left behind' "$tmp/sb.err")"

start=$SECONDS
sandboxed deaf --timeout 8 --grace 2
wait "$SB"
rc=$?
lab=$(report lab)
check "a suite deaf to SIGTERM: out of time, killed, exit 124 (got $rc) in $((SECONDS - start)) s" \
	test "$rc" = 124 -a $((SECONDS - start)) -lt 25
check "what it left listed and removed (its namespaces among them)" \
	grep -q "^  netns     $lab-sen" "$tmp/sb.err"
check "nothing of it on this side" nothing_of_tag 0

sandboxed wait
kill -KILL "$SB"
wait "$SB" 2>/dev/null
check "SIGKILL to a sandbox: its processes are gone at once, nothing of it left" nothing_of_tag 5

# ---- 4. the runner -------------------------------------------------------

echo "=== scripts/run-tests.sh: timeouts, leaks, signals, the final check"
victim_cmd="bash tests/tools/cleanup_victim.sh $OUT"
runner() { # runner TAG SUITES-FILE [ENV...]: in the background, output in $tmp/run.out
	local t=$1 list=$2
	shift 2
	env XS_RUN_TAG="$t" XS_SUITES="$list" "$@" scripts/run-tests.sh "$OUT" >"$tmp/run.out" 2>&1 &
	RUNNER=$!
}
wait_for() { # wait_for PATTERN: in the runner's output, up to 30 s
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q "$1" "$tmp/run.out" && return 0
		sleep 0.1
	done
	return 1
}

t=r$(rand 5) before=$fails
cat >"$tmp/suites" <<EOF
good true
leak $victim_cmd leak -
slow sleep 60
EOF
runner "$t" "$tmp/suites" XS_SUITE_TIMEOUT=4
wait "$RUNNER"
rc=$?
check "three suites: exit 1 (got $rc)" test "$rc" = 1
check "the good one passed" grep -q '^  ok   good (' "$tmp/run.out"
check "the leaking one failed for it" grep -qx '  FAIL leak (left things behind)' "$tmp/run.out"
check "the slow one ran out of time" grep -qx '  FAIL slow (out of time after 4 s)' "$tmp/run.out"
check "no leftovers of the run" grep -qx "leftovers of this run (tag $t): none" "$tmp/run.out"
check "its lock is gone" test ! -e "/tmp/xs-runs/$t"
shown() { ((fails == $1)) || cat "$tmp/run.out"; }
shown "$before"

t=r$(rand 5) before=$fails
printf 'victim %s wait -\nnever true\n' "$victim_cmd" >"$tmp/suites"
runner "$t" "$tmp/suites"
if wait_for '^ready$'; then
	kill -TERM "$RUNNER"
	wait "$RUNNER"
	rc=$?
	check "SIGTERM to the runner: exit 143 (got $rc)" test "$rc" = 143
	check "the running suite stopped" grep -qx '  FAIL victim (stopped by signal 15)' "$tmp/run.out"
	check "the rest skipped" bash -c "! grep -q '=== never' '$tmp/run.out'"
	check "no leftovers of the run" grep -qx "leftovers of this run (tag $t): none" \
		"$tmp/run.out"
	shown "$before"
else
	bad "SIGTERM to the runner: the victim did not start"
	cat "$tmp/run.out"
fi

t=r$(rand 5)
runner "$t" "$tmp/suites"
if wait_for '^ready$'; then
	kill -KILL "$RUNNER"
	wait "$RUNNER" 2>/dev/null
	tag=$t
	check "SIGKILL to the runner: nothing of its run left" nothing_of_tag 10
	check "its lock stays until the next run" test -e "/tmp/xs-runs/$t"
	echo "good true" >"$tmp/suites"
	env XS_RUN_TAG="r$(rand 5)" XS_SUITES="$tmp/suites" scripts/run-tests.sh "$OUT" \
		>"$tmp/run.out" 2>&1
	check "the next run clears it" test ! -e "/tmp/xs-runs/$t"
else
	bad "SIGKILL to the runner: the victim did not start"
	cat "$tmp/run.out"
fi

t=r$(rand 5) before=$fails
echo "leak $victim_cmd leak -" >"$tmp/suites"
runner "$t" "$tmp/suites" XS_SANDBOX=0
wait "$RUNNER"
rc=$?
lab=$(awk '$1 == "lab" { print $2 }' "$tmp/run.out")
check "no sandbox: the host check after the suite fails it (exit $rc)" \
	grep -qx '  FAIL leak (left things behind)' "$tmp/run.out"
check "and lists its namespaces" grep -q "^  netns     $lab-sen" "$tmp/run.out"
check "no leftovers at the end" grep -qx "leftovers of this run (tag $t): none" "$tmp/run.out"
tag=$t
check "nothing of it on this side" nothing_of_tag 0
shown "$before"

if ((fails)); then
	echo "cleanup: $fails check(s) failed"
	exit 1
fi
echo "cleanup: all checks passed"
