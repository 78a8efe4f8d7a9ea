#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Runs one test suite in a sandbox of its own (scripts/run-tests.sh runs
# every suite so):
#  - a PID namespace: when the sandbox ends, however it ends (SIGKILL
#    included: it dies with its parent), the kernel ends every process of
#    the suite, daemons, brokers and rsyslogd included;
#  - a mount namespace with a private /tmp, /run/netns and /sys/fs/bpf, and
#    /run as an overlay (the host's /run is read through; what the suite
#    writes stays inside): the namespaces, bpffs mounts, pins and files the
#    suite makes are invisible to the host and go with the sandbox, so two
#    runs on one machine never see each other's.
# Because everything in there belongs to this one suite, the sandbox can
# tell exactly what it left: when the suite has ended it lists every
# process, namespace (with its XDP programs), mount, pin and temporary file
# still there (scripts/lib/leftovers.py), removes them, and fails the suite.
#
# Usage: scripts/lib/sandbox.sh [--name NAME] [--timeout S] [--grace S] [--host-pids]
#                               -- CMD ARGS...
#        scripts/lib/sandbox.sh --probe      exit 0 if sandboxes work here
# --host-pids: no PID namespace, for a suite that must see the host's
# processes (kernel threads: the benchmark pins the veth's NAPI thread); its
# processes are then those with the run's tag (XS_RUN_TAG) in their
# environment, and if the sandbox is killed, their own cleanup (the reapers
# of tests/sh/lib/cleanup.sh) and the next run's check have to do.
# Exit: CMD's status; 124 when it ran out of time (--timeout, default none:
# then SIGTERM to every process of the suite, SIGKILL --grace seconds later,
# default 30); 125 when it passed but left something behind. SIGTERM, SIGINT
# or SIGHUP to the sandbox stop it the same way (exit 143).
# Sets XS_HOST_PID (this sandbox's pid on the host: unique among running
# suites, for ports) and keeps TMPDIR (created inside).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() {
	echo "sandbox: $*" >&2
	exit 2
}

# ---- on the host: enter the namespaces ----------------------------------
if [[ ${1:-} != --inside ]]; then
	[[ $(id -u) -eq 0 ]] || die "needs root (namespaces)"
	command -v unshare >/dev/null || die "unshare missing (util-linux)"
	if [[ ${1:-} == --probe ]]; then
		exec unshare --pid --fork --kill-child --mount --mount-proc --propagation private \
			bash -c 'mount -t tmpfs xs-probe /tmp && mkdir -p /run/netns &&
				mount -t tmpfs xs-probe /run/netns' \
			>/dev/null 2>&1
	fi
	# Dies with whoever started it (the parent-death signal), and so does
	# unshare with this script, and the namespace's init with unshare
	# (--kill-child): if the caller is killed, the kernel ends the suite.
	if [[ -z ${XS__SANDBOX_OUTER:-} ]]; then
		XS__SANDBOX_OUTER=1 exec setpriv --pdeathsig KILL -- bash "$0" "$@"
	fi
	unset XS__SANDBOX_OUTER
	export XS_HOST_PID=$$
	pidns=(--pid --fork --kill-child --mount-proc)
	for a in "$@"; do
		[[ $a == -- ]] && break
		[[ $a == --host-pids ]] && pidns=()
	done
	setpriv --pdeathsig KILL -- unshare "${pidns[@]}" --mount --propagation private -- \
		bash "$0" --inside "$@" &
	ns=$!
	# unshare blocks SIGTERM and SIGINT: pass them on to the namespace's
	# init, as SIGTERM (it ignores SIGINT, as everything started with '&').
	forward() {
		local init=$ns
		((${#pidns[@]})) && read -r init _ <"/proc/$ns/task/$ns/children" 2>/dev/null
		[[ -n $init ]] && kill -TERM "$init"
	}
	trap forward TERM INT HUP
	while :; do
		wait "$ns"
		rc=$?
		kill -0 "$ns" 2>/dev/null || exit "$rc"
	done
fi

# ---- inside: PID 1 of the suite's namespace -----------------------------
shift
name=suite timeout=0 grace=30 host_pids=0
while [[ $# -gt 0 ]]; do
	case $1 in
	--host-pids) host_pids=1 && shift ;;
	--name) name=$2 && shift 2 ;;
	--timeout) timeout=$2 && shift 2 ;;
	--grace) grace=$2 && shift 2 ;;
	--) shift && break ;;
	*) die "unknown option $1" ;;
	esac
done
[[ $# -gt 0 ]] || die "no command"
init=$$ # PID 1 of its PID namespace (with --host-pids, just this shell)
say() { echo "sandbox: $name: $*" >&2; }

# Others' mounts, copied into this namespace: a bpffs anywhere, anything
# under /tmp and /run (labs' bpffs, namespaces' names). Hidden below ours,
# they would still be found by a tool that looks for "the" bpffs in the
# mount table (iproute2 takes the first): detached here (only here).
findmnt -rn -o TARGET,FSTYPE | awk '$2 == "bpf" || $1 ~ "^/(tmp|run)/" { print $1 }' | sort -r |
	while read -r m; do umount -l "$m" 2>/dev/null; done

# Private filesystems. The overlay's upper half lives on a tmpfs at /tmp that
# a second, empty tmpfs then hides: the suite gets an empty /tmp.
mount -t tmpfs -o mode=0700 xs-sandbox /tmp || die "cannot mount a tmpfs on /tmp"
mkdir -p /tmp/run-upper /tmp/run-work
if ! mount -t overlay xs-sandbox -o lowerdir=/run,upperdir=/tmp/run-upper,workdir=/tmp/run-work /run; then
	say "no overlay on /run: what the suite writes there is the host's"
fi
mount -t tmpfs -o mode=1777 xs-tmp /tmp || die "cannot mount a tmpfs on /tmp"
mkdir -p /run/netns && mount -t tmpfs -o mode=0755 xs-netns /run/netns ||
	die "cannot mount a tmpfs on /run/netns"
if [[ -d /sys/fs/bpf ]]; then
	mount -t bpf xs-bpf /sys/fs/bpf || say "cannot mount a private bpffs on /sys/fs/bpf"
fi
[[ -n ${TMPDIR:-} ]] && mkdir -p "$TMPDIR"
mounts_before=$(awk '{print $1}' /proc/self/mountinfo | tr '\n' ' ')
pins_before=$(ls /sys/fs/bpf 2>/dev/null | tr '\n' ,) # a fresh bpffs has its iterators

# Every process of the suite gets sig: kill -1 from PID 1 reaches exactly
# the namespace; without one, those with the run's tag.
signal_all() {
	if ((host_pids)); then
		python3 "$here/leftovers.py" --tag "${XS_RUN_TAG:-none}" --signal "$1"
	else
		kill -"$1" -1 2>/dev/null
	fi
}

# Stop: SIGTERM to every process of the suite, SIGKILL once the grace time
# is over.
reason= stopping=0 timer= graceful=
stop() {
	((stopping)) && return
	stopping=1 reason=$1
	say "$2: SIGTERM to every process of the suite"
	signal_all TERM
	(
		# The trap first: a TERM before it would leave the sleep behind.
		trap 'kill $! 2>/dev/null; exit 0' TERM
		sleep "$grace" &
		wait $!
		kill -USR2 "$init"
	) &
	graceful=$!
}
kill_all() {
	((stopping == 1)) || return
	stopping=2
	say "still running $grace s after SIGTERM: SIGKILL to every process of the suite"
	signal_all KILL
}
trap 'stop signal "SIGTERM"; reason=143' TERM
trap 'stop signal "SIGINT"; reason=130' INT
trap 'stop signal "SIGHUP"; reason=129' HUP
trap '((stopping)) || stop timeout "out of time after $timeout s"' USR1
trap kill_all USR2

# '&' starts it with SIGINT and SIGQUIT ignored, which a shell could then
# not trap: back to their defaults, as for a command typed at a terminal.
env --default-signal=INT,QUIT "$@" &
suite=$!
if ((timeout > 0)); then
	(
		# The trap first: a TERM before it would leave the sleep behind.
		trap 'kill $! 2>/dev/null; exit 0' TERM
		sleep "$timeout" &
		wait $!
		kill -USR1 "$init"
	) &
	timer=$!
fi
while :; do
	wait "$suite" 2>/dev/null
	rc=$?
	kill -0 "$suite" 2>/dev/null || break
done
for p in $timer $graceful; do kill -TERM "$p" 2>/dev/null; done
wait 2>/dev/null

# What the suite left: processes get a few seconds (a reaper may be at work).
((host_pids)) && pids_opt=--host-pids || pids_opt=
out=$(python3 "$here/leftovers.py" --sandbox $pids_opt --tag "${XS_RUN_TAG:-none}" \
	--mounts-before "$mounts_before" --pins-before "$pins_before" ${TMPDIR:+--tmpdir "$TMPDIR"} \
	--settle 10 --remove)
left=$?
if ((left == 1)); then
	say "left behind (now removed):"
	echo "$out" >&2
elif ((left != 0)); then
	say "cannot check what it left: $out"
fi
case $reason in
timeout) exit 124 ;;
1[0-9][0-9]) exit "$reason" ;;
esac
((rc == 0 && left != 0)) && exit 125
exit "$rc"
