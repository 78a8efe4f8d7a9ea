#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `make bench`'s driver works (not how fast): scripts/bench.sh in its quick
# mode runs every section on a lab of its own and writes results.json with
# the exact counts that tiny runs must give; the lab, the daemon and
# FastNetMon are gone afterwards. FastNetMon is skipped, with the reason,
# when its package cannot be installed within a short time. Speed is
# measured by `make bench`, never here.
# Usage: bash tests/sh/bench_live_smoke.sh BUILD_DIR
# The benchmark pins the veth's NAPI kernel thread to a CPU: kernel threads
# are seen only from the host's PID namespace (scripts/run-tests.sh):
# xs-sandbox: host-pids
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=$(realpath "${1:-build}")
source tests/sh/lib/cleanup.sh
xs_cleanup_init
TMP=$(xs_tmpdir xs-bench-smoke)
# scripts/bench.sh names its lab after the run's tag.
lab=xs${XS_RUN_TAG}b
xs_track_lab "$lab"

before_fnm=$(pgrep -xc fastnetmon || true)
before_stats=$(sysctl -n kernel.bpf_stats_enabled)
XS_BENCH_QUICK=1 XS_BENCH_OUT=$TMP/results.json XS_DEPS_FETCH_TIMEOUT=15 \
	scripts/bench.sh "$OUT" >"$TMP/out" 2>"$TMP/err"
rc=$?
cat "$TMP/out"
if [[ $rc != 0 ]]; then
	echo "FAIL: scripts/bench.sh exited $rc"
	tail -20 "$TMP/err"
	exit 1
fi
fails=0
after_fnm=$(pgrep -xc fastnetmon || true)
if ip netns list | grep -q "^$lab-" || [[ -e /run/$lab ]]; then
	echo "FAIL: lab $lab left behind"
	fails=1
fi
[[ $after_fnm == "$before_fnm" ]] || { echo "FAIL: a FastNetMon process left behind"; fails=1; }
[[ $(sysctl -n kernel.bpf_stats_enabled) == "$before_stats" ]] ||
	{ echo "FAIL: kernel.bpf_stats_enabled not restored to $before_stats"; fails=1; }
grep -q '^targets:' "$TMP/out" || { echo "FAIL: no table of targets printed"; fails=1; }
grep -q '^generator: xdpstream gen --tx [a-z]* (' "$TMP/out" ||
	{ echo "FAIL: the table does not name the generator's transmit path"; fails=1; }

engine=0
"$OUT/xdpstream" replay --help >/dev/null 2>&1 && engine=1
python3 - "$TMP/results.json" "$engine" <<'PY' || fails=1
import json, os, sys
r = json.load(open(sys.argv[1]))
engine = sys.argv[2] == "1"
N = 20000  # frames of every quick run
bad = []
def check(what, cond):
    print("  %-4s %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        bad.append(what)

m = r["machine"]
check("machine: kernel, CPU, date", all(m.get(k) for k in ("kernel", "cpu", "date")))
g = r.get("generator", {})
check("the generator's transmit path named: %s" % g.get("tx"), g.get("tx") in ("live", "packet", "xdp"))
if os.environ.get("XS_GEN_DENY_LIVE", "0") not in ("", "0"):
    check("live frames refused (XS_GEN_DENY_LIVE): sent on another path", g.get("tx") != "live")
check("xdpstream-bench merged", "ipv4_tcp_established" in r.get("per_packet_ns", {})
      and "baseline" in r["per_packet_ns"]["ipv4_tcp_established"])
live = r["live_veth"]
for frame in ("fixed", "syn_flood"):
    for rx in ("baseline", "full"):
        s = live["shared_cpu"][frame][rx]
        # One CPU: the receiver runs after every batch, nothing is lost.
        check("shared CPU %s %s: offered %d, processed %d" % (frame, rx, N, N),
              s["offered"]["median"] == N and s["processed"]["min"] == N
              and s["processed"]["max"] == N and s["loss"]["max"] == 0)
        o = live["own_cpu"][frame][rx]
        check("own CPU %s %s: offered %d, 0 < processed <= offered" % (frame, rx, N),
              o["offered"]["median"] == N and 0 < o["processed"]["min"] <= N
              and o["loss"]["median"] == N - o["processed"]["median"])
    for cpu in ("shared_cpu", "own_cpu"):
        check("%s %s: veth count == xdpstream stats" % (cpu, frame),
              live[cpu][frame]["full"]["veth_count_equals_stats"] is True)
        check("%s %s: ratio computed" % (cpu, frame), live[cpu][frame]["ratio_processed"]["runs"] == 1)
rc = r["rxcost"]
shapes = ["fixed", "syn_flood", "udp_flood", "reflection"]
if "rxcost_established" not in r.get("skipped", {}):
    shapes.append("established")
rxs = ["none", "xdp_pass", "xdpstream", "xdpstream_mirror"]
if "fastnetmon" not in r.get("skipped", {}) and "rxcost_fastnetmon" not in r.get("skipped", {}):
    rxs.append("fastnetmon")
check("receiver cost: shapes %s" % sorted(rc["shapes"]), sorted(rc["shapes"]) == sorted(shapes))
for shape in shapes:
    for rx in rxs:
        f = rc["shapes"][shape].get(rx, {})
        ok = f.get("offered", {}).get("median") == N and 0 < f["processed"]["min"] <= N
        if rx != "none" and rx != "xdp_pass":
            ok = ok and f.get("count_equals_veth") is True  # the sensor's count, frame for frame
        if rx in ("xdp_pass", "xdpstream", "xdpstream_mirror"):
            # the program ran once per frame the veth handed it
            ok = ok and f.get("bpf_runs_equal_frames") is True and \
                f["bpf_run_ns_per_packet"]["median"] > 0
        check("receiver cost %s %s: %d offered, counts agree" % (shape, rx, N), ok)
check("receiver cost: idle measured", set(rc["idle_cpu_ms_per_s"]) == set(rxs))
check("daemon RSS at both sizes", r["daemon_rss_kib"]["1M"] > r["daemon_rss_kib"]["default"] > 0)

f = r["fastnetmon"]
tools = ["xdpstream"]
if "fastnetmon" in r.get("skipped", {}):
    print("  skip FastNetMon: " + r["skipped"]["fastnetmon"])
else:
    tools.append("fastnetmon")
    check("FastNetMon version recorded", f["fastnetmon_version"].startswith("1."))
    t = f["time_to_detect_s"]["fastnetmon"]
    check("FastNetMon banned the 50k pps flood", t["not_detected"] == 0 and t["median"] > 0)
for tool in tools:
    for frame in ("fixed", "syn_flood"):
        steps = f["loss_free"][tool][frame]["steps"]
        check("%s %s: %d frames at 40k/s and at the top rate, all counted" % (tool, frame, N),
              [(s["asked"], s["offered"], s["counted"]) for s in steps]
              == [("40000", N, N), ("max", N, N)])
        check("%s %s: loss-free rate found" % (tool, frame),
              f["loss_free"][tool][frame]["loss_free_pps"]["median"] > 0)
if engine:
    t = f["time_to_detect_s"]["xdpstream"]
    check("xdpstream raised syn_flood for the flood", t["not_detected"] == 0 and t["median"] > 0)
    check("replay: %d frames" % N, r["replay"]["frames"] == N and r["replay"]["frames_per_s"]["median"] > 0)
else:
    check("replay and xdpstream's time to detect skipped with a reason",
          "replay" in r["skipped"] and "ttd_xdpstream" in r["skipped"])
names = [t["target"] for t in r["targets"]]
check("targets judged", any(n.startswith("live, own CPU") for n in names)
      and any(n.endswith("ipv4_tcp_established") for n in names)
      and all(t["met"] in (True, False) for t in r["targets"]))
sys.exit(1 if bad else 0)
PY
exit $fails
