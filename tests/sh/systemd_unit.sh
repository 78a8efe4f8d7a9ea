#!/usr/bin/env bash
# The systemd unit is valid (systemd-analyze verify, with the built binary
# in place of the installed one), runs as its own user with only the
# capabilities loading needs, and sandboxes what a compromised daemon could
# reach (issue 13): a system-call filter, read-only kernel tunables, no
# namespaces. systemd-analyze security scores what is left.
set -euo pipefail
OUT=${1:-build}
bin=$(realpath "$OUT/xdpstream")
work=$(mktemp -d /tmp/xs-unit-XXXXXX)
trap 'rm -rf "$work"' EXIT
unit=packaging/xdpstream.service
sed "s|/usr/local/sbin/xdpstream|$bin|" "$unit" > "$work/xdpstream.service"
out=$(systemd-analyze verify "$work/xdpstream.service" 2>&1 || true)
# verify resolves User= when the user exists; on a host without it (before
# make install-systemd) that one line is expected, nothing else.
out=$(grep -v "User=xdpstream\|user xdpstream\|Failed to resolve user\|Group=xdpstream" <<<"$out" || true)
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
# Every system call the daemon makes is allowed by the filter: the ones a
# short run makes (strace), checked against the filter's expansion.
allowed=$(systemd-analyze syscall-filter @system-service 2>/dev/null | awk '/^    [a-z]/{print $1}';
	  for g in $(systemd-analyze syscall-filter @system-service 2>/dev/null | awk '/^    @/{print $1}'); do
		  systemd-analyze syscall-filter "$g" 2>/dev/null | awk '/^    [a-z]/{print $1}'
	  done; echo bpf)
if [[ $(id -u) -eq 0 ]]; then
	ns=xs-unit-$$
	ip netns add "$ns"
	trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$work"' EXIT
	ip -n "$ns" link add vu0 type veth peer name vu1
	ip -n "$ns" link set vu0 up
	ip -n "$ns" link set vu1 up
	ip netns exec "$ns" sh -c "mount -t bpf bpf /sys/fs/bpf && exec strace -f -qq -o $work/trace \
		$bin run -i vu1 -q -d 2 -p /sys/fs/bpf/xsunit" >/dev/null 2>&1
	used=$(sed -E 's/^[0-9]+ +//; s/\(.*//' "$work/trace" | grep -E '^[a-z_0-9]+$' | sort -u)
	missing=$(comm -23 <(echo "$used") <(echo "$allowed" | sort -u) |
		  grep -vE '^(execve|exit_group|exit)$' || true)
	if [[ -n $missing ]]; then
		echo "FAIL: system calls the daemon makes that the unit's filter refuses:"
		echo "$missing"
		exit 1
	fi
	echo "the daemon's $(echo "$used" | wc -l) system calls are all in the filter"
fi
echo "unit verified"
