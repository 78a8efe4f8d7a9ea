#!/usr/bin/env bash
# The systemd unit is valid (systemd-analyze verify, with the built binary
# in place of the installed one) and keeps only the capabilities we need.
set -euo pipefail
OUT=${1:-build}
bin=$(realpath "$OUT/xdpstream")
source "$(dirname "$0")/lib/cleanup.sh"
xs_cleanup_init
work=$(xs_tmpdir xs-unit)
sed "s|/usr/local/sbin/xdpstream|$bin|" packaging/xdpstream.service > "$work/xdpstream.service"
out=$(systemd-analyze verify "$work/xdpstream.service" 2>&1 || true)
if [[ -n $out ]]; then
	echo "systemd-analyze verify complained:"
	echo "$out"
	exit 1
fi
grep -q '^CapabilityBoundingSet=CAP_BPF CAP_NET_ADMIN CAP_PERFMON' packaging/xdpstream.service
grep -q '^NoNewPrivileges=yes' packaging/xdpstream.service
echo "unit verified"
