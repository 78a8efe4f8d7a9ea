#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Mitigation upstream, end to end against a real router: a lab of this
# test's own (scripts/lab.sh: attacker and sensor; scripts/bgp-lab.sh: BIRD 2
# in a router namespace peering with the sensor side), `xdpstream run` in the
# sensor with reflection's action [filter, flowspec, blackhole], and
# `xdpstream gen dns_reflection` from the attacker:
#   1. within two ticks of the alert's start, `birdc show route` has the
#      blackhole route (198.18.0.10/32, community 65535:666, dest blackhole)
#      and the fingerprint's FlowSpec rules (flowspec4: dst 198.18.0.10/32,
#      UDP, source port 53 on the first clause); the mitigation events name
#      the fingerprint and the routes (schema-valid, whole life cycles);
#      when the alert ends, both are withdrawn;
#   2. the daemon killed (SIGKILL) with its alert open (the attack just
#      over): BIRD drops every route at once (the speaker died with it); the
#      XDP program stays attached with the dead daemon's drop rule; a new
#      daemon empties the kernel's victims table and announces nothing (it
#      knows of no alert);
#   3. a daemon stopped (SIGTERM) during an attack withdraws everything; a
#      new one started while the attack goes on announces again once its
#      alert fires (what is still active comes back, nothing else);
#   4. an IPv6 victim: its /128 blackhole (master6) and FlowSpec rules
#      (flowspec6);
#   5. enforce: false: BIRD never sees a route, the filter only counts, and
#      every action is an event with "enforced": false;
#   6. the speaker's dry run: announcements logged and reported, none sent;
#   7. an allowlisted victim: blackhole and FlowSpec refused, with the reason;
#   8. run --user nobody: the daemon as nobody, the speaker as exabgp; killed,
#      the speaker is started again by the daemon, routes come and go.
# Usage: bash tests/sh/mitig_bgp.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=$(realpath "${1:-build}")
BIN=$OUT/xdpstream
source tests/sh/lib/live.sh

if [[ $(id -u) -ne 0 ]]; then
	echo "SKIP: needs root (BPF, network namespaces, BIRD)"
	exit 0
fi
for t in bird birdc exabgp bpftool; do
	if ! command -v "$t" >/dev/null; then
		echo "FAIL: $t is not installed (scripts/deps.sh installs it)"
		exit 1
	fi
done
xs_cleanup_init
XS_LAB=$(xs_lab_name m) && XS_BGP_LAB=$(xs_lab_name r) && export XS_LAB XS_BGP_LAB
VICTIM=198.18.0.10
TICK=1
tmp=$(xs_tmpdir xs-mitig-bgp)
GEN=
fails=0
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

live_up || {
	echo "FAIL: cannot build the lab"
	exit 1
}
# Down before the lab (the registry runs newest first).
xs_defer env XS_BGP_LAB="$XS_BGP_LAB" XS_BGP_LAB_SPEAKER_NS="$XS_LAB_NS_SENSOR" \
	"$PWD/scripts/bgp-lab.sh" down
XS_BGP_LAB_SPEAKER_NS=$XS_LAB_NS_SENSOR scripts/bgp-lab.sh up >/dev/null || {
	echo "FAIL: cannot start the BGP lab"
	exit 1
}
MPORT=$((20000 + $$ % 20000))
# config FILE ENFORCE [MITIGATION LINE] [BGP LINE]: the test's configuration.
config() {
	cat >"$1" <<EOF
tick_ms: $((TICK * 1000))
outputs:
  - type: stdout
  - type: metrics
    port: $MPORT
alerts:
  cooldown_s: 3
mitigation:
  enforce: $2
  ${3:-allowlist: []}
  bgp:
    local_as: 64513
    local_address: 198.51.100.2
    peer_address: 198.51.100.1
    peer_as: 64512
    announce_prefixes: [198.18.0.0/15, "2001:db8:18::/48"]
    blackhole: {next_hop6: "2001:db8:b6::2"}
    ${4:-dry_run: false}
rules:
  reflection:
    window_s: 2
    action: [filter, flowspec, blackhole]
EOF
}
config "$tmp/xdpstream.yaml" true

birdc_() { scripts/bgp-lab.sh birdc "$@" 2>/dev/null; }
now() { date +%s.%N; }
# What BIRD has of ours: "bh" (the victim's blackhole with 65535:666) and
# the number of FlowSpec rules for the victim.
routes() {
	local bh=0 fs
	birdc_ show route table master4 all "$VICTIM/32" | tr '\n' ' ' |
		grep -q "$VICTIM/32 *blackhole .*BGP.community: (65535,666)" && bh=1
	fs=$(birdc_ show route table flowspec4 | grep -c "flow4 { dst $VICTIM/32;")
	echo "$bh $fs"
}
session_up() { birdc_ show protocols speaker | grep -q Established; }
# wait_until SECONDS CMD...: polls CMD every 50 ms; 0 when it held.
wait_until() {
	local end
	end=$(echo "$(now) + $1" | bc)
	shift
	while (($(echo "$(now) < $end" | bc))); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}
both_present() { [[ $(routes) == "1 2" ]]; }
none_left() { [[ $(routes) == "0 0" ]]; }
alert_started() { grep -q '"action":"start".*"rule":{"name":"reflection"' "$1"; }
alert_ended() { grep -q '"kind":"alert".*"action":"end".*"rule":{"name":"reflection"' "$1"; }
victims() {
	bpftool -j map dump pinned "$XS_LAB_PIN_DIR/xs_victims" 2>/dev/null |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
attack() {	# attack SECONDS [VICTIM]: dns_reflection in the background
	xs_spawn taskset -c "$LIVE_GEN_CPU" scripts/lab.sh exec attacker "$BIN" gen \
		-i "$XS_LAB_IF_ATTACKER" -q dns_reflection -t "${2:-$VICTIM}" -r 3000 -d "$1"
	GEN=$XS_SPAWNED
}
attack_end() {
	[[ -n $GEN ]] && wait "$GEN"
	GEN=
}
sensor() {	# sensor NAME [CONFIG]: a daemon with the test's configuration
	live_sensor_start "$tmp/$1.jsonl" -c "${2:-$tmp/xdpstream.yaml}" && wait_until 10 session_up
}
# events FILE: the mitigation events, "action enforced dry_run reason" a line each.
events() {
	python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"]["kind"] == "event":
        x = e["xdpstream"]["mitigation"]
        print(e["event"]["action"], x["enforced"], x.get("dry_run", False), e["event"]["reason"])
' "$1"
}
# quiet_attack NAME: an attack of 3 s; BIRD never shows a route of ours;
# the alert ends.
quiet_attack() {
	local seen=0
	attack 3
	while kill -0 "$GEN" 2>/dev/null; do
		none_left || seen=1
		sleep 0.1
	done
	attack_end
	wait_until 20 alert_ended "$tmp/$1.jsonl" || fail "$1: the alert did not end"
	((seen)) && fail "$1: BIRD showed a route"
	none_left || fail "$1: BIRD has $(routes)"
}

echo "=== 1. routes within two ticks of the alert, withdrawn at its end"
sensor a || fail "sensor a: no BGP session"
attack 6
if wait_until 10 alert_started "$tmp/a.jsonl"; then
	t0=$(now)
	if wait_until 5 both_present; then
		dt=$(echo "$(now) - $t0" | bc)
		if (($(echo "$dt <= 2 * $TICK" | bc))); then
			echo "ok   blackhole and FlowSpec in BIRD ${dt}s after the alert (tick ${TICK}s)"
		else
			fail "the routes took ${dt}s after the alert, more than two ticks"
		fi
	else
		fail "BIRD has $(routes) (blackhole, FlowSpec rules), expected 1 2"
	fi
else
	fail "no reflection alert"
fi
birdc_ show route table master4 all "$VICTIM/32" >"$tmp/master4.txt"
birdc_ show route table flowspec4 all >"$tmp/flowspec4.txt"
grep -q "BGP.community: (65535,666)" "$tmp/master4.txt" ||
	fail "no blackhole community: $(cat "$tmp/master4.txt")"
grep -q "flow4 { dst $VICTIM/32; proto 17; sport 53; length 1500; fragment first_fragment; }" \
	"$tmp/flowspec4.txt" || fail "no FlowSpec rule for the replies: $(cat "$tmp/flowspec4.txt")"
grep -q "flow4 { dst $VICTIM/32; proto 17; length .*; fragment is_fragment; }" "$tmp/flowspec4.txt" ||
	fail "no FlowSpec rule for the later fragments: $(cat "$tmp/flowspec4.txt")"
# The same, as the metrics say it (they are a tick late at most).
sleep $TICK
scripts/lab.sh exec sensor curl -s "http://127.0.0.1:$MPORT/metrics" >"$tmp/metrics.txt"
for m in 'xdpstream_bgp_session_up{state="up"} 1' 'xdpstream_bgp_routes{kind="blackhole"} 1' \
	'xdpstream_bgp_routes{kind="flowspec"} 2' 'xdpstream_fingerprint_victims 1' \
	'xdpstream_fingerprints_total{event="found"} 1' 'xdpstream_fingerprint_filter_rules 2' \
	'xdpstream_bgp_refused_total{reason="allowlist"} 0'; do
	grep -qxF "$m" "$tmp/metrics.txt" || fail "metrics: no line '$m'"
done
grep -q '^xdpstream_mitigation_dropped_packets_total{reason="fingerprint"} [1-9]' "$tmp/metrics.txt" ||
	fail "metrics: nothing dropped by the fingerprint"
attack_end
if wait_until 20 alert_ended "$tmp/a.jsonl"; then
	t0=$(now)
	if wait_until 3 none_left; then
		echo "ok   withdrawn $(echo "$(now) - $t0" | bc)s after the alert ended"
	else
		fail "BIRD still has $(routes) after the alert ended"
	fi
else
	fail "the reflection alert did not end"
fi
live_sensor_stop || fail "sensor a exited non-zero: $(cat "$tmp/a.jsonl.log")"
python3 - "$tmp/a.jsonl" <<'EOF' || fail "the mitigation events are not as expected"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m = [e for e in ev if e["event"]["kind"] == "event"]
acts = [e["event"]["action"] for e in m]
want = ["blackhole", "filter", "flowspec", "unfilter", "flowspec_withdraw", "blackhole_withdraw"]
assert sorted(acts) == sorted(want), acts
for e in m:
    x = e["xdpstream"]["mitigation"]
    assert e["destination"]["ip"] == "198.18.0.10" and x["enforced"], e
    if e["event"]["action"].startswith(("filter", "unfilter", "flowspec")):
        assert x["fingerprint"]["match"].startswith("udp first-fragment sport 53 len 1500 or "
                                                    "udp later-fragment len "), x
    if e["event"]["action"].startswith("flowspec"):
        assert len(x["routes"]) == 2 and x["routes"][0].startswith(
            "flow route { match { destination 198.18.0.10/32; protocol [ =17 ]; "
            "source-port [ =53 ]; packet-length [ =1500 ]; fragment [ =first-fragment ]; }"), x
    if e["event"]["action"].startswith("blackhole"):
        assert x["routes"] == ["route 198.18.0.10/32 next-hop 198.51.100.2 "
                               "community [ 65535:666 ]"], x
unf = [e for e in m if e["event"]["action"] == "unfilter"][0]
assert unf["xdpstream"]["mitigation"]["packets_matched"] > 0
upd = [e for e in ev if e["event"]["kind"] == "alert" and e["event"]["action"] != "start"]
assert all("fingerprint" in e["xdpstream"] for e in upd), "alert updates without a fingerprint"
print("ok   events: " + ", ".join(acts))
EOF
python3 tests/tools/check_alerts.py schema/alert.schema.json "$tmp/a.jsonl" --min-alerts 1 ||
	fail "alerts or events invalid"

echo "=== 2. SIGKILL: BIRD drops the routes; a new daemon leaves nothing stale"
# Killed once the attack is over and drained, its alert still open (window
# and cooldown): what it announced and installed is stale from then on.
sensor b || fail "sensor b: no BGP session"
attack 3
wait_until 10 both_present || fail "no routes before the kill: $(routes)"
attack_end
sleep $((2 * TICK))
both_present || fail "the alert should still be open: $(routes)"
t0=$(now)
kill -KILL "$LIVE_SENSOR"
wait "$LIVE_SENSOR" 2>/dev/null
LIVE_SENSOR=
if wait_until 3 none_left; then
	echo "ok   BIRD empty $(echo "$(now) - $t0" | bc)s after SIGKILL"
else
	fail "BIRD still has $(routes) after the daemon was killed"
fi
[[ $(victims) == 1 ]] || fail "the dead daemon's victims table has $(victims) entries, expected 1"
sensor c || fail "sensor c: no BGP session"
sleep $((3 * TICK))
[[ $(victims) == 0 ]] || fail "the new daemon kept $(victims) victims"
none_left || fail "the new daemon announced $(routes)"
"$BIN" status --pin-dir "$XS_LAB_PIN_DIR" --json >"$tmp/status.json" ||
	fail "status failed"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["fingerprints"] == [], s' \
	"$tmp/status.json" || fail "status shows fingerprints: $(cat "$tmp/status.json")"
echo "ok   nothing stale: no victim in the kernel, no route in BIRD, none in status"

echo "=== 3. SIGTERM withdraws; a daemon started during the attack announces again"
attack 12
wait_until 10 both_present || fail "no routes in the attack: $(routes)"
live_sensor_stop || fail "sensor c exited non-zero"
wait_until 3 none_left || fail "BIRD still has $(routes) after SIGTERM"
sensor d || fail "sensor d: no BGP session"
if wait_until 10 both_present; then
	echo "ok   the attack still on: announced again by the new daemon"
else
	fail "the new daemon did not announce the attack still going on: $(routes)"
fi
attack_end
wait_until 20 none_left || fail "BIRD still has $(routes) after the attack"
live_sensor_stop || fail "sensor d exited non-zero"

echo "=== 4. IPv6: flowspec6 and the /128 blackhole"
VICTIM6=2001:db8:18::10
routes6() {
	local bh=0 fs
	birdc_ show route table master6 all "$VICTIM6/128" | tr '\n' ' ' |
		grep -q "$VICTIM6/128 *blackhole .*BGP.community: (65535,666)" && bh=1
	fs=$(birdc_ show route table flowspec6 | grep -c "flow6 { dst $VICTIM6/128;")
	echo "$bh $fs"
}
both6() { [[ $(routes6) == "1 2" ]]; }
none6() { [[ $(routes6) == "0 0" ]]; }
sensor e || fail "sensor e: no BGP session"
attack 4 "$VICTIM6"
if wait_until 10 both6; then
	if birdc_ show route table flowspec6 | grep -q \
		"flow6 { dst $VICTIM6/128; next header 17; sport 53; length .*; fragment first_fragment; }"; then
		echo "ok   IPv6: blackhole in master6, FlowSpec in flowspec6"
	else
		fail "flowspec6: $(birdc_ show route table flowspec6)"
	fi
else
	fail "IPv6: BIRD has $(routes6)"
fi
attack_end
wait_until 20 none6 || fail "IPv6: BIRD still has $(routes6)"
live_sensor_stop || fail "sensor e exited non-zero"

echo "=== 5. enforce: false: nothing announced, nothing dropped, all reported"
config "$tmp/report.yaml" false
sensor f "$tmp/report.yaml" || fail "sensor f: no BGP session"
live_stats "$tmp/f0.json"
quiet_attack f
live_stats "$tmp/f1.json"
live_sensor_stop || fail "sensor f exited non-zero"
events "$tmp/f.jsonl" >"$tmp/f.events"
for a in blackhole filter flowspec unfilter flowspec_withdraw blackhole_withdraw; do
	grep -q "^$a False False" "$tmp/f.events" || fail "enforce off: no unenforced $a event"
done
grep -q "^[a-z_]* True " "$tmp/f.events" && fail "enforce off: an event says enforced"
python3 - "$tmp" <<'EOF' || fail "enforce off: the filter dropped, or counted nothing"
import json, sys
t = sys.argv[1]
d = json.load(open(t + "/f1.json"))["counter_dropped_fingerprint"] - \
    json.load(open(t + "/f0.json"))["counter_dropped_fingerprint"]
unf = [json.loads(l) for l in open(t + "/f.jsonl") if '"action":"unfilter"' in l][0]
assert d == 0, d
assert unf["xdpstream"]["mitigation"]["packets_matched"] > 0, unf
EOF
echo "ok   enforce off: routes and filter only reported ($(wc -l <"$tmp/f.events") events)"

echo "=== 6. dry run: the session up, nothing sent"
config "$tmp/dry.yaml" true "" "dry_run: true"
sensor g "$tmp/dry.yaml" || fail "sensor g: no BGP session"
quiet_attack g
live_sensor_stop || fail "sensor g exited non-zero"
events "$tmp/g.jsonl" >"$tmp/g.events"
for a in blackhole flowspec; do
	grep -q "^$a False True" "$tmp/g.events" || fail "dry run: no $a event marked dry_run"
done
grep -q "would announce route $VICTIM/32" "$tmp/g.jsonl.log" || fail "dry run: not logged"
echo "ok   dry run: announcements checked, logged and reported, none sent"

echo "=== 7. the allowlist: never announced"
config "$tmp/allow.yaml" true "allowlist: [$VICTIM/32]"
sensor h "$tmp/allow.yaml" || fail "sensor h: no BGP session"
quiet_attack h
live_sensor_stop || fail "sensor h exited non-zero"
events "$tmp/h.jsonl" >"$tmp/h.events"
grep -q "^blackhole False False refused: $VICTIM is inside $VICTIM/32 of the allowlist" \
	"$tmp/h.events" || fail "allowlist: no refused blackhole: $(cat "$tmp/h.events")"
grep -q "^flowspec False False refused: $VICTIM is inside $VICTIM/32 of the allowlist" \
	"$tmp/h.events" || fail "allowlist: no refused FlowSpec: $(cat "$tmp/h.events")"
echo "ok   allowlisted victim: blackhole and FlowSpec refused, and said so"
python3 tests/tools/check_alerts.py schema/alert.schema.json "$tmp"/[e-h].jsonl >/dev/null ||
	fail "alerts or events of sections 4-7 invalid"

echo "=== 8. --user nobody: the daemon and its speaker unprivileged, a speaker restart, routes"
# uid PID: the real uid of a process (empty if it is gone).
uid() { awk '/^Uid:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
speaker_pid() { pgrep -P "$1" -f exabgp | head -1; }
live_sensor_start "$tmp/i.jsonl" -c "$tmp/xdpstream.yaml" --user nobody &&
	wait_until 10 session_up || fail "sensor i (--user nobody): no BGP session"
DPID=$(pgrep -f "^$BIN run -i $XS_LAB_IF_SENSOR --pin-dir $XS_LAB_PIN_DIR" | head -1)
NOBODY=$(id -u nobody)
SPID=$(speaker_pid "${DPID:-0}")
[[ -n $DPID && $(uid "$DPID") == "$NOBODY" ]] || fail "--user: the daemon (${DPID:-none}) runs as uid $(uid "${DPID:-0}")"
# The speaker runs as its own user (mitigation.bgp.user, exabgp).
SPEAKER_UID=$(id -u exabgp)
[[ -n $SPID && $(uid "$SPID") == "$SPEAKER_UID" ]] || fail "--user: the speaker (${SPID:-none}) runs as uid $(uid "${SPID:-0}")"
# The speaker killed: the session drops, and the unprivileged daemon
# starts a new one (its private directory, its credentials).
[[ -n $SPID ]] && kill -KILL "$SPID"
respawned() { local p; p=$(speaker_pid "$DPID"); [[ -n $p && $p != "$SPID" ]] && session_up; }
if wait_until 20 respawned; then
	echo "ok   --user nobody: the speaker killed, a new one ($(speaker_pid "$DPID"), uid $(uid "$(speaker_pid "$DPID")")) has the session"
	[[ $(uid "$(speaker_pid "$DPID")") == "$SPEAKER_UID" ]] || fail "--user: the new speaker is not exabgp"
else
	fail "--user: no new speaker with a session: $(tail -3 "$tmp/i.jsonl.log")"
fi
attack 6
wait_until 10 both_present && echo "ok   --user nobody: blackhole and FlowSpec announced" ||
	fail "--user: BIRD has $(routes), expected 1 2"
attack_end
wait_until 20 none_left || fail "--user: BIRD still has $(routes) after the attack"
live_sensor_stop || fail "sensor i (--user nobody) exited non-zero"
# Its directory is in /run, root's: nobody empties it but cannot remove
# it; the next start sweeps it, as after a crash.
left=$(compgen -G "/run/xdpstream-bgp-$DPID-*")
if [[ -n $left ]]; then
	[[ -z $(ls -A "$left") ]] || fail "--user: $left not emptied at exit: $(ls -A "$left")"
	sensor j || fail "sensor j: no BGP session"
	live_sensor_stop || fail "sensor j exited non-zero"
	[[ -e $left ]] && fail "--user: $left not swept by the next start"
fi
echo "ok   --user nobody: the speaker's directory emptied at exit, swept by the next start"

if ((fails)); then
	echo "$fails check(s) failed"
	exit 1
fi
echo "mitigation over BGP: every check passed"
