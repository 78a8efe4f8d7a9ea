# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Helpers for tests/sh/live_tools.sh, sourced from the repository root with
# BIN set to the xdpstream binary and XS_LAB to the lane's lab name: the
# tools lab (scripts/toolslab.sh), a sensor on the victim's side of the
# veth, and commands on the attacker's side.

# Builds the lab $XS_LAB with its servers; sets the XS_LAB_* and XS_TOOLS_*
# names.
tools_up() {
	scripts/toolslab.sh up >/dev/null || return 1
	eval "$(scripts/toolslab.sh env)"
}

tools_down() {
	scripts/toolslab.sh down >/dev/null 2>&1
}

# tools_sensor_start ALERTS: `xdpstream run` (default configuration) inline on
# the victim's interface, alerts to ALERTS, its log to ALERTS.log; waits
# until the program is attached. Sets TOOLS_SENSOR to its pid.
tools_sensor_start() {
	local alerts=$1 i
	ip netns exec "$XS_LAB_NS_SENSOR" "$BIN" run -i "$XS_LAB_IF_SENSOR" \
		--pin-dir "$XS_LAB_PIN_DIR" -q >"$alerts" 2>"$alerts.log" &
	TOOLS_SENSOR=$!
	for i in $(seq 100); do
		ip -n "$XS_LAB_NS_SENSOR" link show "$XS_LAB_IF_SENSOR" 2>/dev/null |
			grep -q prog/xdp && return 0
		kill -0 "$TOOLS_SENSOR" 2>/dev/null || break
		sleep 0.1
	done
	echo "xdpstream run did not attach:" >&2
	cat "$alerts.log" >&2
	tools_sensor_stop
	return 1
}

# Ends the open alerts and detaches (SIGTERM: a command started with '&'
# in a script ignores SIGINT); returns the daemon's exit status.
tools_sensor_stop() {
	local rc
	[[ -n ${TOOLS_SENSOR:-} ]] || return 0
	kill -TERM "$TOOLS_SENSOR" 2>/dev/null
	wait "$TOOLS_SENSOR"
	rc=$?
	TOOLS_SENSOR=
	return $rc
}

# atk LIMIT CMD...: CMD on the attacker's side, in the case's directory
# ($CASE_DIR, also its HOME: sipvicious and hydra keep state there),
# ended after LIMIT seconds (SIGINT first: hping3 then prints its totals).
atk() {
	local limit=$1
	shift
	(cd "$CASE_DIR" && HOME=$CASE_DIR ip netns exec "$XS_LAB_NS_ATTACKER" \
		timeout -s INT -k 5 "$limit" "$@")
}

# atk_sh LIMIT SCRIPT: a shell script on the attacker's side, as atk.
atk_sh() {
	atk "$1" bash -c "$2"
}

# tools_stats JSON: the sensor's kernel counters, the tick in progress included.
tools_stats() {
	"$BIN" stats --pin-dir "$XS_LAB_PIN_DIR" --json >"$1"
}
