#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Installs every Debian package xdpstream needs to build, test and run.
# Idempotent and non-interactive; `--check` only reports what is missing.
# `--bench` (with or without --check) handles the benchmark's packages
# instead: FastNetMon, the tool `make bench` compares against.
# XS_DEPS_FETCH_TIMEOUT=S gives up (exit 1, nothing half-installed) when
# updating the package lists or downloading takes longer than S seconds;
# the installation itself is never interrupted.
set -euo pipefail

PKGS=(
	# build: BPF target, skeletons, libraries
	clang llvm lld bpftool libbpf-dev libxdp-dev libelf-dev zlib1g-dev pkg-config make gcc
	libpcap-dev librdkafka-dev libjansson-dev libyaml-dev libmicrohttpd-dev
	# tests
	libcunit1-dev iproute2 ethtool xdp-tools tcpdump python3 python3-jsonschema
	# hostile-input tests: which system calls the daemon makes (strace), the
	# systemd unit's sandbox (systemd-analyze), a YAML bomb's parse (timeout)
	strace systemd coreutils
	# the man pages: rendered and checked against --help
	man-db groff-base
	util-linux coreutils
	rsyslog kcat maven default-jre-headless curl
	# BGP mitigation: ExaBGP, the speaker xdpstream runs (user/mitigation/bgp/), and BIRD 2,
	# the router of its tests (scripts/bgp-lab.sh); the policy-rc.d guard below
	# keeps their system services from starting
	exabgp bird2
	# the fleet application: Java 17 compiler (Debian 12's default JDK)
	openjdk-17-jdk-headless
	# the public capture corpus (scripts/corpus.sh): unpacking source tarballs,
	# editcap to rewrite pcapng
	bzip2 xz-utils wireshark-common
	# promtool (checks the metrics format); the policy-rc.d guard below keeps
	# the package's Prometheus server from being started
	prometheus
	# sanitizers, fuzzing, lint
	libclang-rt-14-dev cppcheck clang-format
)
# The real attack tools and the servers they attack (tests/sh/live_tools.sh).
# The servers' packages ship system services: none may run on the host (the
# test starts its own instances in its namespaces); see SERVICES below.
TOOL_PKGS=(
	nmap masscan hping3 hydra sipvicious openssh-client sshpass bind9-dnsutils iperf3
	openssh-server kamailio lighttpd dnsmasq-base
)
PKGS+=("${TOOL_PKGS[@]}")
# package=its services: disabled and stopped when this script installed
# the package (an sshd the host already had is none of our business).
SERVICES=(openssh-server=ssh.service,ssh.socket kamailio=kamailio.service
	lighttpd=lighttpd.service iperf3=iperf3.service)
# The benchmark's comparison (scripts/bench.sh installs it when missing);
# the policy-rc.d guard below keeps its system service from starting.
BENCH_PKGS=(fastnetmon)

check=0
for a in "$@"; do
	case $a in
	--check) check=1 ;;
	--bench) PKGS=("${BENCH_PKGS[@]}") ;;
	*)
		echo "usage: $0 [--check] [--bench]" >&2
		exit 2
		;;
	esac
done

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [[ $check == 1 ]]; then
	if ((${#missing[@]})); then
		echo "missing packages: ${missing[*]}" >&2
		exit 1
	fi
	exit 0
fi

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "deps: need root to install: ${missing[*]} (run: sudo $0)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Servers pulled in as packages (rsyslog) must not start system services:
# the tests run their own instances on loopback.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e $policy ]]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 0755 "$policy"
	own_policy=1
fi
trap '[[ $own_policy == 1 ]] && rm -f "$policy"' EXIT
fetch() {
	if ((${XS_DEPS_FETCH_TIMEOUT:-0} > 0)); then timeout "$XS_DEPS_FETCH_TIMEOUT" "$@"; else "$@"; fi
}
fetch apt-get update -qq
fetch apt-get install -y -qq --no-install-recommends --download-only "${missing[@]}" >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# policy-rc.d kept the services from starting; they are still enabled for
# the next boot: disable them (and on systemd stop any that runs).
for s in "${SERVICES[@]}"; do
	[[ " ${missing[*]} " == *" ${s%%=*} "* ]] || continue
	IFS=, read -ra units <<<"${s#*=}"
	if [[ -d /run/systemd/system ]]; then
		systemctl disable --now "${units[@]}" >/dev/null 2>&1 || true
	else
		for u in "${units[@]}"; do
			[[ $u == *.service && -x /etc/init.d/${u%.service} ]] &&
				update-rc.d "${u%.service}" disable >/dev/null 2>&1 || true
		done
	fi
done
echo "deps: done"
