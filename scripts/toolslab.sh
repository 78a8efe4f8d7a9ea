#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The tools lab: scripts/lab.sh's two namespaces, grown into an attacker
# and a victim network with real servers, for real attack tools (nmap,
# hping3, hydra, sipvicious...) to attack while `xdpstream run` watches the
# victim's side of the veth (tests/sh/live_tools.sh).
#
#   scripts/toolslab.sh up      the lab (IPv6 on), its addresses and routes,
#                               the servers in the victim namespace
#   scripts/toolslab.sh down    stop everything, remove the lab (idempotent)
#   scripts/toolslab.sh env     names, addresses and paths (eval them)
#   scripts/toolslab.sh exec attacker|victim CMD...
#
# XS_LAB=NAME as for scripts/lab.sh (default "xstools"); the servers'
# configuration, logs and the test user's files live in /run/NAME-tools.
#
# attacker  NAME-atk, NAME-a: 192.0.2.1/24, 2001:db8:ffff::1/64
#           203.0.113.1-64 (the pool of a distributed attacker), routes to
#           198.51.100.0/24 and 2001:db8:1::/64 via the victim
# victim    NAME-sen, NAME-s: 192.0.2.2-7/24, 2001:db8:ffff::2-7/64; on lo
#           198.51.100.{1,10,20,30,40} and 2001:db8:1::{1,10,20}, the live
#           hosts of the routed networks (the rest of them does not exist:
#           a sweep's probes reach the victim's MAC and are dropped there);
#           default routes via the attacker
# servers   (in the victim namespace, on every address)
#           sshd :22       password login, user "victim" (password
#                          "$XS_TOOLS_SSH_PASSWORD"), sshd's default limits
#           kamailio :5060 UDP (on 192.0.2.2, .4, 2001:db8:ffff::4 and the
#                          live hosts of 198.51.100.0/24): REGISTER and
#                          INVITE of users 1000-1009 are challenged (401,
#                          407), of others refused (404); OPTIONS 200;
#                          1000's password is "$XS_TOOLS_SIP_PASSWORD"
#           lighttpd :80   a static page (HTTP/1.1, keep-alive allowed)
#           dnsmasq  :53   authoritative for lab.example: every name
#           iperf3   :5201
# The sensor's interface is NAME-s; the sensor is not started here.
set -uo pipefail
cd "$(dirname "$0")/.."

export XS_LAB=${XS_LAB:-xstools}
export XS_LAB_IPV6=1
LAB=$XS_LAB
NS_A=$LAB-atk
NS_V=$LAB-sen
IF_A=$LAB-a
IF_V=$LAB-s
DIR=/run/$LAB-tools
SSH_USER=victim
SSH_PASSWORD=${XS_TOOLS_SSH_PASSWORD:-winter2024}
SIP_PASSWORD=${XS_TOOLS_SIP_PASSWORD:-blue42}

die() {
	echo "toolslab: $*" >&2
	exit 1
}

in_v() { ip netns exec "$NS_V" "$@"; }
in_a() { ip netns exec "$NS_A" "$@"; }

# Victim and attacker addresses and routes on top of scripts/lab.sh's.
net_up() {
	local i
	for i in 3 4 5 6 7; do
		ip -n "$NS_V" addr add 192.0.2.$i/24 dev "$IF_V" &&
			ip -n "$NS_V" addr add 2001:db8:ffff::$i/64 dev "$IF_V" nodad || return 1
	done
	for i in 1 10 20 30 40; do ip -n "$NS_V" addr add 198.51.100.$i/32 dev lo || return 1; done
	for i in 1 10 20; do ip -n "$NS_V" addr add 2001:db8:1::$i/128 dev lo || return 1; done
	ip -n "$NS_V" route add default via 192.0.2.1 &&
		ip -n "$NS_V" -6 route add default via 2001:db8:ffff::1 || return 1
	# The distributed attacker's pool: source addresses of their own, which
	# the victim reaches through its default route.
	for i in $(seq 1 64); do ip -n "$NS_A" addr add 203.0.113.$i/32 dev "$IF_A" || return 1; done
	ip -n "$NS_A" route add 198.51.100.0/24 via 192.0.2.2 &&
		ip -n "$NS_A" -6 route add 2001:db8:1::/64 via 2001:db8:ffff::2
}

write_configs() {
	mkdir -p "$DIR"/{ssh,www,kamailio,log} && chmod 0700 "$DIR" || return 1
	# sshd: its own host key, a passwd with the test user bind-mounted over
	# /etc/passwd in sshd's mount namespace only (`ip netns exec` gives each
	# command one), and a shadow that holds that user alone.
	ssh-keygen -q -t ed25519 -N '' -f "$DIR/ssh/host_ed25519" || return 1
	{
		cat /etc/passwd
		echo "$SSH_USER:x:4242:4242:xdpstream test user:/:/bin/sh"
	} >"$DIR/ssh/passwd"
	echo "$SSH_USER:$(openssl passwd -6 "$SSH_PASSWORD"):19000:0:99999:7:::" >"$DIR/ssh/shadow"
	chmod 0644 "$DIR/ssh/passwd" && chmod 0600 "$DIR/ssh/shadow" || return 1
	cat >"$DIR/ssh/sshd_config" <<EOF
# OpenSSH's defaults (MaxAuthTries 6, MaxStartups 10:30:100, LoginGraceTime
# 120), password login on, nothing from the host's configuration.
HostKey $DIR/ssh/host_ed25519
PidFile none
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AuthorizedKeysFile none
UseDNS no
PrintMotd no
AllowUsers $SSH_USER
EOF
	cat >"$DIR/www/index.html" <<EOF
<!doctype html><title>lab</title><p>xdpstream tools lab
EOF
	cat >"$DIR/lighttpd.conf" <<EOF
server.document-root = "$DIR/www"
server.port = 80
server.errorlog = "$DIR/log/lighttpd.err"
server.max-connections = 1024
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html")
\$SERVER["socket"] == "[::]:80" { }
EOF
	cat >"$DIR/kamailio/kamailio.cfg" <<EOF
#!KAMAILIO
# A registrar with authentication: REGISTER and INVITE of its users are
# challenged (401, 407), of anyone else refused (404).
debug=1
log_stderror=yes
children=1
disable_tcp=yes
listen=udp:192.0.2.2:5060
listen=udp:192.0.2.4:5060
listen=udp:[2001:db8:ffff::4]:5060
listen=udp:198.51.100.1:5060
listen=udp:198.51.100.10:5060
listen=udp:198.51.100.20:5060
listen=udp:198.51.100.30:5060
listen=udp:198.51.100.40:5060
disable_sctp=yes
dns=no
rev_dns=no
auto_aliases=no
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "auth.so"
modparam("auth", "secret", "xdpstream-tools-lab")

request_route {
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (is_method("OPTIONS")) {
		sl_send_reply("200", "OK");
		exit;
	}
	if (is_method("REGISTER|INVITE")) {
		# Users 1000-1009 exist: challenged (401, 407), and 1000 can log
		# in; anyone else is not found (404), as a registrar that looks its
		# subscribers up first answers.
		if (!(\$fU =~ "^100[0-9]\$")) {
			sl_send_reply("404", "Not Found");
			exit;
		}
		if (\$fU == "1000" && pv_auth_check("\$fd", "$SIP_PASSWORD", "0", "0")) {
			sl_send_reply("200", "OK");
			exit;
		}
		auth_challenge("\$fd", "1");
		exit;
	}
	if (is_method("ACK")) {
		exit;
	}
	sl_send_reply("405", "Method Not Allowed");
}
EOF
	mkdir -p "$DIR/kamailio/run"
}

# spawn NAME CMD...: a server in the victim namespace, in the background,
# its output in $DIR/log/NAME.log.
spawn() {
	local name=$1
	shift
	setsid ip netns exec "$NS_V" "$@" </dev/null >"$DIR/log/$name.log" 2>&1 &
	echo $! >"$DIR/$name.pid"
}

# wait_port PROTO PORT: until something listens there in the victim namespace.
wait_port() {
	local i
	for i in $(seq 100); do
		in_v ss -Hln"${1:0:1}" "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	echo "toolslab: nothing listens on $1 port $2 in $NS_V" >&2
	return 1
}

servers_up() {
	# sshd refuses to start without its privilege separation directory.
	if [[ ! -d /run/sshd ]]; then
		mkdir -p /run/sshd && touch "$DIR/made-run-sshd"
	fi
	spawn sshd sh -c "mount --bind '$DIR/ssh/passwd' /etc/passwd &&
		mount --bind '$DIR/ssh/shadow' /etc/shadow &&
		exec /usr/sbin/sshd -D -e -f '$DIR/ssh/sshd_config'"
	spawn kamailio kamailio -f "$DIR/kamailio/kamailio.cfg" -DD -E -m 32 -M 4 \
		-Y "$DIR/kamailio/run"
	spawn lighttpd lighttpd -D -f "$DIR/lighttpd.conf"
	spawn dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--pid-file= --user=root --log-facility=- --address=/lab.example/198.51.100.80 \
		--address=/lab.example/2001:db8:1::80 --local=/lab.example/
	spawn iperf3 iperf3 -s
	wait_port tcp 22 && wait_port udp 5060 && wait_port tcp 80 && wait_port udp 53 &&
		wait_port tcp 5201
}

env_vars() {
	local mac
	mac=$(ip -n "$NS_V" -br link show "$IF_V" 2>/dev/null | awk '{print $3}')
	cat <<EOF
XS_LAB_NS_ATTACKER=$NS_A
XS_LAB_NS_SENSOR=$NS_V
XS_LAB_IF_ATTACKER=$IF_A
XS_LAB_IF_SENSOR=$IF_V
XS_LAB_BPFFS=/run/$LAB/bpf
XS_LAB_PIN_DIR=/run/$LAB/bpf/xdpstream
XS_TOOLS_DIR=$DIR
XS_TOOLS_VICTIM_MAC=$mac
XS_TOOLS_SSH_USER=$SSH_USER
XS_TOOLS_SSH_PASSWORD=$SSH_PASSWORD
XS_TOOLS_SIP_PASSWORD=$SIP_PASSWORD
EOF
}

down() {
	# scripts/lab.sh down ends every process in the namespaces (servers,
	# tools, a sensor), then removes them; its /run/NAME must be ours no more.
	local rc=0
	scripts/lab.sh down >/dev/null 2>&1 || rc=1
	if [[ -f $DIR/made-run-sshd ]]; then rmdir /run/sshd 2>/dev/null; fi
	rm -rf "$DIR"
	[[ $rc == 0 ]] || scripts/lab.sh down >&2
}

up() {
	down
	if ! scripts/lab.sh up >/dev/null; then
		down
		die "could not build the lab"
	fi
	if ! net_up; then
		down
		die "could not set up the addresses and routes"
	fi
	if ! write_configs || ! servers_up; then
		tail -n 5 "$DIR"/log/*.log >&2 2>/dev/null
		down
		die "could not start the servers"
	fi
	echo "toolslab: $LAB is up: attacker $NS_A, victim $NS_V ($IF_V), servers: sshd kamailio lighttpd dnsmasq iperf3"
}

[[ $(id -u) -eq 0 ]] || die "needs root: run it with sudo"
case ${1:-} in
up) up ;;
down) down ;;
env) env_vars ;;
exec)
	shift
	case ${1:-} in
	attacker) ns=$NS_A ;;
	victim | sensor) ns=$NS_V ;;
	*) die "exec: say attacker or victim, then the command" ;;
	esac
	shift
	[[ $# -gt 0 ]] || die "exec: no command"
	exec ip netns exec "$ns" "$@"
	;;
*)
	sed -n '3,35p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
