# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Helpers for the live tests (tests/sh/live_*.sh), sourced from the
# repository root with BIN set to the xdpstream binary: a lab of their own
# (scripts/lab.sh with XS_LAB set by the caller to a name of this run,
# xs_lab_name, so never the demo's or yours), a sensor in it, the
# generator, the counters. The lab and the sensors are tracked
# (tests/sh/lib/cleanup.sh: call xs_cleanup_init first): they go however
# the test ends, and a sensor dies with the shell that started it.
# (In tests/sh/lib/ so that scripts/run-tests.sh does not run it as a test.)
source "$(dirname "${BASH_SOURCE[0]}")/cleanup.sh"

# Builds the lab named $XS_LAB and sets the XS_LAB_* names.
live_up() {
	xs_track_lab "$XS_LAB"
	scripts/lab.sh up >/dev/null || return 1
	eval "$(scripts/lab.sh env)"
}

live_down() {
	scripts/lab.sh down >/dev/null 2>&1
}

# live_sensor_start ALERTS [RUN FLAGS...]: `xdpstream run` on the sensor side,
# alerts (JSON lines) to ALERTS and its log to ALERTS.log; waits until it has
# attached. Sets LIVE_SENSOR to its pid. Commands started with '&' in a
# script ignore SIGINT: live_sensor_stop uses SIGTERM.
live_sensor_start() {
	local alerts=$1 i
	shift
	xs_spawn scripts/lab.sh exec sensor "$BIN" run -i "$XS_LAB_IF_SENSOR" \
		--pin-dir "$XS_LAB_PIN_DIR" -q "$@" >"$alerts" 2>"$alerts.log"
	LIVE_SENSOR=$XS_SPAWNED
	for i in $(seq 100); do
		ip -n "$XS_LAB_NS_SENSOR" link show "$XS_LAB_IF_SENSOR" 2>/dev/null |
			grep -q prog/xdp && return 0
		kill -0 "$LIVE_SENSOR" 2>/dev/null || break
		sleep 0.1
	done
	echo "xdpstream run did not attach:" >&2
	cat "$alerts.log" >&2
	live_sensor_stop
	return 1
}

# Ends the open alerts, detaches; returns the daemon's exit status.
live_sensor_stop() {
	local rc
	[[ -n ${LIVE_SENSOR:-} ]] || return 0
	kill -TERM "$LIVE_SENSOR" 2>/dev/null
	wait "$LIVE_SENSOR"
	rc=$?
	LIVE_SENSOR=
	return $rc
}

# live_gen JSON GEN ARGS...: `xdpstream gen --json` from the attacker side,
# always on one CPU (the first this shell may use). The veth hands
# redirected frames to the sensor's program in a NAPI poll on the CPU that
# scheduled it; a generator on that CPU takes turns with the poll, while
# one on another CPU can fill the veth's ring faster than a busy sensor
# empties it, and the veth drops frames (its tx_dropped).
live_gen() {
	local json=$1
	shift
	taskset -c "$LIVE_GEN_CPU" scripts/lab.sh exec attacker "$BIN" gen -i "$XS_LAB_IF_ATTACKER" \
		--json "$@" >"$json"
}

LIVE_GEN_CPU=$(awk '/^Cpus_allowed_list/ { split($2, c, /[-,]/); print c[1] }' /proc/self/status)

# live_stats JSON: the sensor's kernel counters, the tick in progress included.
live_stats() {
	"$BIN" stats --pin-dir "$XS_LAB_PIN_DIR" --json >"$1"
}
