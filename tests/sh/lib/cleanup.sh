# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# What a shell test made, removed however the test ends: the shell side of
# tests/lib/xs_cleanup.h. Source it (any directory), call xs_cleanup_init
# once, then register what you make as you make it:
#
#   xs_tmpdir NAME          a new directory under $TMPDIR (prints it), removed
#   xs_track_pid PID [SIG]  ended: SIG (default TERM), SIGKILL after 5 s
#   xs_track_lab NAME       `XS_LAB=NAME scripts/lab.sh down`
#   xs_defer CMD ARGS...    runs CMD ARGS (quoted now), e.g. a broker's clean
#   xs_on_exit FUNC         runs FUNC first at exit (the test's own steps,
#                           with the test's variables; not after a SIGKILL)
#   xs_spawn CMD ARGS...    CMD in the background, tracked, and dying with
#                           this shell (parent-death signal); pid in XS_SPAWNED
#   xs_lab_name KIND        a lab name of this run: xs<tag><kind>, 13 bytes max
#   xs_uid                  a number no other running test has (for ports)
#
# At exit (success, failure, `set -e`, INT, TERM, HUP, QUIT) the entries
# run newest first. A reaper started by xs_cleanup_init, in a session of
# its own, waits for this shell's death: after a SIGKILL it runs them. Both
# also end every process still running that this shell started (they
# carry XS_CLEANUP_OWNER=<this shell's mark> in their environment).
# Entries are commands in a registry file, so that registering from a
# subshell ($(xs_tmpdir x)) counts too; each is harmless when run twice.

XS__LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
XS__ROOT=$(cd "$XS__LIB/../../.." && pwd)

# The run's tag: scripts/run-tests.sh sets one; by hand, "p" and this
# shell's pid in base 36 (the C tests do the same).
xs__b36() {
	local n=$1 d=0123456789abcdefghijklmnopqrstuvwxyz s=
	while ((${#s} < 5)); do
		s=${d:n % 36:1}$s
		n=$((n / 36))
	done
	echo "$s"
}
if [[ ! ${XS_RUN_TAG:-} =~ ^[a-z0-9]{1,8}$ ]]; then
	XS_RUN_TAG=p$(xs__b36 $$)
fi
export XS_RUN_TAG

# xs__stat PID: XS__S = field 22 of /proc/PID/stat (its start time); fails
# if the process is gone or a zombie. No fork: the reaper calls it in a loop.
xs__stat() {
	local s f
	read -r s 2>/dev/null <"/proc/$1/stat" || return 1
	# The command name can hold anything: fields follow the last ')'.
	s=${s##*) }
	read -r -a f <<<"$s"
	[[ ${f[0]} == [ZX] ]] && return 1
	XS__S=${f[19]}
}
xs__start() { xs__stat "$1" && echo "$XS__S"; }

xs__say() { echo "xs_cleanup: ${XS__NAME:-$0} (pid $$): $*" >&2; }

# xs__end START_PID_PAIRS...: "pid:start" each; TERM (or $XS__SIG), KILL after 5 s.
xs__end() {
	local p pid start left i
	for p in "$@"; do
		pid=${p%%:*} start=${p#*:}
		[[ $(xs__start "$pid") == "$start" ]] || continue
		xs__say "ending process $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-100))"
		kill -"${XS__SIG:-TERM}" "$pid" 2>/dev/null
	done
	for ((i = 0; i < 70; i++)); do
		left=()
		for p in "$@"; do
			pid=${p%%:*} start=${p#*:}
			[[ $(xs__start "$pid") == "$start" ]] && left+=("$p")
		done
		((${#left[@]})) || return 0
		if ((i == 50)); then
			for p in "${left[@]}"; do
				xs__say "process ${p%%:*} ignored SIG${XS__SIG:-TERM}: SIGKILL"
				kill -KILL "${p%%:*}" 2>/dev/null
			done
		fi
		sleep 0.1
	done
}

# Processes that carry this shell's mark, but for this shell and the reaper.
xs__owned() {
	local f pid start
	# grep runs without the mark, or it would find itself.
	env -u XS_CLEANUP_OWNER grep -lzFx "XS_CLEANUP_OWNER=$XS_CLEANUP_OWNER" \
		/proc/[0-9]*/environ 2>/dev/null | while read -r f; do
		pid=${f#/proc/}
		pid=${pid%/environ}
		[[ $pid == "$$" || $pid == "$BASHPID" || $pid == "${XS__REAPER:-}" ]] && continue
		start=$(xs__start "$pid") && echo "$pid:$start"
	done
}

xs__sweep() {
	local owned
	mapfile -t owned < <(xs__owned)
	((${#owned[@]})) || return 0
	xs__say "${#owned[@]} process(es) it started still run"
	xs__end "${owned[@]}"
}

# Runs the registry newest first, then the sweep.
xs__unwind() {
	local line
	if [[ -f ${XS__REG:-} ]]; then
		while IFS= read -r line; do
			eval "$line"
		done < <(tac "$XS__REG")
		rm -f "$XS__REG"
	fi
	xs__sweep
}

xs__add() {
	if [[ -n ${XS__REG:-} ]]; then echo "$*" >>"$XS__REG"; fi
}

xs_defer() { xs__add "$(printf '%q ' "$@") >/dev/null 2>&1"; }

xs_track_pid() {
	local start
	start=$(xs__start "$1") || return 0
	xs__add "XS__SIG=${2:-TERM} xs__end $1:$start"
}

xs_track_lab() {
	xs__add "$(printf 'XS_LAB=%q %q down >/dev/null 2>&1' "$1" "$XS__ROOT/scripts/lab.sh")"
}

xs_track_dir() { xs__add "$(printf 'rm -rf -- %q' "$1")"; }

xs_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/${1:-xs}.XXXXXX") || return 1
	xs_track_dir "$d"
	echo "$d"
}

xs_on_exit() { XS__ON_EXIT+=("$@"); }

xs_spawn() {
	setpriv --pdeathsig TERM -- "$@" &
	XS_SPAWNED=$!
	xs_track_pid "$XS_SPAWNED"
}

xs_lab_name() {
	local n=xs$XS_RUN_TAG$1
	if ((${#n} > 13)); then
		echo "xs_lab_name: $n is longer than 13 bytes" >&2
		return 1
	fi
	echo "$n"
}

xs_uid() { echo "${XS_HOST_PID:-$$}"; }

xs__exit() {
	local rc=$? f
	set +e
	trap - EXIT INT TERM HUP QUIT
	for f in "${XS__ON_EXIT[@]}"; do
		"$f"
	done
	xs__unwind
	if [[ -n ${XS__REAPER:-} ]]; then
		kill -KILL "$XS__REAPER" 2>/dev/null
		rm -f "$XS__REG.reaper"
	fi
	exit "$rc"
}

xs_cleanup_init() {
	local start
	XS__NAME=$(basename "$0")
	XS__ON_EXIT=()
	start=$(xs__start $$)
	export XS_CLEANUP_OWNER=$XS_RUN_TAG.$$.$start
	XS__REG=$(mktemp "${TMPDIR:-/tmp}/xs$XS_RUN_TAG-reg.XXXXXX") || return 1
	trap xs__exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	trap 'exit 131' QUIT
	[[ ${XS_CLEANUP_REAPER:-1} == 0 ]] && return 0
	env -u XS_CLEANUP_OWNER setsid -f bash "$XS__LIB/cleanup.sh" --reaper $$ "$start" "$XS__REG" \
		"$XS__NAME" </dev/null >/dev/null
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -s $XS__REG.reaper ]] && break
		sleep 0.02
	done
	XS__REAPER=$(cat "$XS__REG.reaper" 2>/dev/null) || true
}

# The reaper: bash cleanup.sh --reaper OWNER_PID OWNER_START REGISTRY NAME
if [[ ${BASH_SOURCE[0]} == "$0" && ${1:-} == --reaper ]]; then
	trap '' INT TERM HUP QUIT USR1 USR2 PIPE
	owner=$2 XS__REG=$4 XS__NAME=$5
	XS__REAPER=$$
	echo $$ >"$XS__REG.reaper"
	# Gone, or another process with its pid: twice, to be sure.
	for confirm in 1 2; do
		while xs__stat "$owner" && [[ $XS__S == "$3" ]]; do
			sleep 0.5
		done
		sleep 0.1
	done
	rm -f "$XS__REG.reaper"
	[[ -f $XS__REG ]] || exit 0 # the test cleaned up
	export XS_CLEANUP_OWNER=${XS_RUN_TAG}.$owner.$3
	xs__say "the test (pid $owner) died without cleaning up: removing what it left"
	xs__unwind
	exit 0
fi
