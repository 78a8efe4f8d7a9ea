# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A fleet on one host, for tests/sh/fleet_e2e.sh and `make fleet-demo`
# (scripts/fleet-demo.sh): a real Kafka broker (scripts/kafka.sh), sensors
# that each run `xdpstream run` in a two-namespace lab of their own
# (scripts/lab.sh) and reach the broker through scripts/lib/nsbridge.py,
# generators on the labs' attacker sides, the fleet application (fleet/).
# Sourced from the repository root, with:
#   FL_BIN   the xdpstream binary     FL_BUILD  the build folder (fleet jar)
#   FL_TMP   a folder of the caller's FL_TAG    prefix of the labs' names
#   FL_PORT  the broker's port (and the next two)
# Every function fails with a message on stderr and status 1.

declare -A FL_SPID	# sensor name -> daemon pid
declare -A FL_GPID	# sensor name -> generator pid
FL_PIDS=()		# bridge and app instances

# An array, not a function: `"${FL_FLEET[@]}" ... &` makes $! the JVM's own pid.
FL_FLEET=(java -XX:-UsePerfData -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.xdpstream-fleet=info
	-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$FL_BUILD/fleet/lib/*:$FL_BUILD/fleet/xdpstream-fleet.jar"
	io.xdpstream.fleet.Main)

# fl_var NAME WHAT: a lab's name from scripts/lab.sh env (NS_SENSOR, IF_SENSOR,
# PIN_DIR, NS_ATTACKER, IF_ATTACKER).
fl_var() { local v="FL_${1}_$2"; echo "${!v}"; }

# fl_labs_up NAME...: a lab per sensor, $FL_TAG$NAME.
fl_labs_up() {
	local s
	for s in "$@"; do
		XS_LAB=$FL_TAG$s scripts/lab.sh up >/dev/null || { echo "lab $FL_TAG$s failed" >&2; return 1; }
		eval "$(XS_LAB=$FL_TAG$s scripts/lab.sh env | sed "s/^XS_LAB_/FL_${s}_/")"
	done
}

fl_labs_down() {
	local s
	for s in "$@"; do XS_LAB=$FL_TAG$s scripts/lab.sh down >/dev/null 2>&1; done
}

# fl_bridge NAME...: each sensor namespace's 127.0.0.1:FL_PORT to the broker's;
# $FL_TMP/link cuts them ("cut NETNS" lines).
fl_bridge() {
	local s ns=()
	for s in "$@"; do ns+=("$(fl_var "$s" NS_SENSOR)"); done
	: >"$FL_TMP/link"
	python3 scripts/lib/nsbridge.py "$FL_PORT" "$FL_TMP/link" "${ns[@]}" >"$FL_TMP/bridge.out" 2>&1 &
	FL_PIDS+=($!)
	for _ in $(seq 50); do grep -q ready "$FL_TMP/bridge.out" && return 0; sleep 0.1; done
	echo "nsbridge: $(cat "$FL_TMP/bridge.out")" >&2
	return 1
}

fl_cut() { echo "cut $(fl_var "$1" NS_SENSOR)" >"$FL_TMP/link"; }
fl_uncut() { : >"$FL_TMP/link"; }

# fl_app ID PROPERTIES: an instance of the fleet application; its log is
# $FL_TMP/app-ID.log; its pid in FL_APP_<ID>.
fl_app() {
	cp "$2" "$FL_TMP/fleet-$1.properties"
	echo "streams.state.dir=$FL_TMP/state-$1" >>"$FL_TMP/fleet-$1.properties"
	"${FL_FLEET[@]}" run "$FL_TMP/fleet-$1.properties" >"$FL_TMP/app-$1.log" 2>&1 &
	FL_PIDS+=($!)
	eval "FL_APP_$1=$!"
}

# fl_apps_running N: waits (60 s) until N instances run their tasks.
fl_apps_running() {
	local n i
	for i in $(seq 120); do
		n=$(cat "$FL_TMP"/app-*.log 2>/dev/null | grep -c -- '-> RUNNING' || true)
		((n >= $1)) && return 0
		sleep 0.5
	done
	echo "the fleet application did not start: $(tail -3 "$FL_TMP"/app-*.log)" >&2
	return 1
}

# fl_sensor_start NAME CONFIG LOG PATTERN: `xdpstream run` on the lab's
# sensor side, alerts (stdout) to $FL_TMP/sensor-NAME.out and the log to
# LOG, started once LOG shows PATTERN.
fl_sensor_start() {
	local s=$1 i
	ip netns exec "$(fl_var "$s" NS_SENSOR)" "$FL_BIN" run -i "$(fl_var "$s" IF_SENSOR)" \
		--pin-dir "$(fl_var "$s" PIN_DIR)" -q -c "$2" >>"$FL_TMP/sensor-$s.out" 2>>"$3" &
	FL_SPID[$s]=$!
	for i in $(seq 100); do
		grep -qs "$4" "$3" && return 0
		kill -0 "${FL_SPID[$s]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "sensor $s did not start: no '$4' in $3: $(tail -3 "$3")" >&2
	return 1
}

# fl_gen NAME OUT ARGS...: `xdpstream gen --json ARGS` from the lab's
# attacker side, in the background (pid in FL_GPID[NAME]). One CPU for
# every generator: the veth's NAPI poll takes turns with them and every
# frame sent reaches the sensor (see tests/sh/lib/live.sh); real-time
# priority keeps their pace on a busy machine (a generator that falls
# behind catches up in bursts, and a burst over a sensor's threshold is
# a local flood).
fl_gen() {
	local s=$1 out=$2 cpu
	shift 2
	cpu=$(awk '/^Cpus_allowed_list/ { split($2, c, /[-,]/); print c[1] }' /proc/self/status)
	chrt -f 10 taskset -c "$cpu" ip netns exec "$(fl_var "$s" NS_ATTACKER)" "$FL_BIN" gen \
		-i "$(fl_var "$s" IF_ATTACKER)" --json "$@" >"$out" 2>"$out.err" &
	FL_GPID[$s]=$!
}

# Everything started, ended; the labs down.
fl_cleanup() {
	local p
	for p in "${FL_PIDS[@]}" "${FL_SPID[@]}" "${FL_GPID[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${FL_PIDS[@]}" "${FL_SPID[@]}" "${FL_GPID[@]}"; do wait "$p" 2>/dev/null; done
	fl_labs_down "$@"
}
