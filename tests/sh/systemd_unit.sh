#!/usr/bin/env bash
# The systemd unit is valid (systemd-analyze verify, with the built binary
# in place of the installed one), runs as its own user with only the
# capabilities loading needs, and sandboxes what a compromised daemon could
# reach (issue 13): a system-call filter that every system call of a short
# run passes (strace), read-only kernel tunables, no namespaces.
set -euo pipefail
OUT=${1:-build}
bin=$(realpath "$OUT/xdpstream")
source "$(dirname "$0")/lib/cleanup.sh"
xs_cleanup_init
work=$(xs_tmpdir xs-unit)
unit=packaging/xdpstream.service
sed "s|/usr/local/sbin/xdpstream|$bin|" "$unit" > "$work/xdpstream.service"
out=$(systemd-analyze verify "$work/xdpstream.service" 2>&1 || true)
# verify resolves User= where the user exists; on a host without it
# (before make install-systemd) that is the one thing it may say.
out=$(grep -v "xdpstream.*[Uu]ser\|[Uu]ser.*xdpstream\|Group=xdpstream" <<<"$out" || true)
if [[ -n $out ]]; then
	echo "systemd-analyze verify complained:"
	echo "$out"
	exit 1
fi
for want in \
	'^CapabilityBoundingSet=CAP_BPF CAP_NET_ADMIN CAP_PERFMON' \
	'^NoNewPrivileges=yes' \
	'^User=xdpstream' \
	'^SystemCallFilter=@system-service bpf$' \
	'^ProtectKernelTunables=yes' \
	'^RestrictNamespaces=yes' \
	'^ExecStartPre=+/usr/bin/install -d -o xdpstream -g xdpstream -m 0700 /sys/fs/bpf/xdpstream'; do
	if ! grep -q -- "$want" "$unit"; then
		echo "FAIL: the unit lacks $want"
		exit 1
	fi
done
# The filter's expansion: its system calls and its groups'.
allowed=$({
	systemd-analyze syscall-filter @system-service | awk '/^    [a-z]/{print $1}'
	for g in $(systemd-analyze syscall-filter @system-service | awk '/^    @/{print $1}'); do
		systemd-analyze syscall-filter "$g" | awk '/^    [a-z]/{print $1}'
	done
	echo bpf
} 2>/dev/null | sort -u)
if [[ $(id -u) -eq 0 ]]; then
	ns=$(xs_lab_name u)
	ip netns add "$ns"
	xs_defer ip netns del "$ns"
	ip -n "$ns" link add "${ns}a" type veth peer name "${ns}b"
	ip -n "$ns" link set "${ns}a" up
	ip -n "$ns" link set "${ns}b" up
	# LeakSanitizer cannot run under ptrace (SANITIZE=1 builds).
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		ip netns exec "$ns" sh -c "mount -t bpf bpf /sys/fs/bpf && exec strace -f -qq \
		-o $work/trace $bin run -i ${ns}b -q -d 2 -p /sys/fs/bpf/${ns}" >/dev/null 2>&1
	used=$(sed -E 's/^[0-9]+ +//; s/\(.*//' "$work/trace" | grep -E '^[a-z_0-9]+$' | sort -u)
	missing=$(comm -23 <(echo "$used") <(echo "$allowed") |
		grep -vE '^(execve|exit_group|exit)$' || true)
	if [[ -n $missing ]]; then
		echo "FAIL: system calls the daemon makes that the unit's filter refuses:"
		echo "$missing"
		exit 1
	fi
	echo "the daemon's $(wc -l <<<"$used") system calls are all in the filter"
fi
echo "unit verified"
