#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Aggregates the raw measurements of scripts/bench.sh (one JSON object a
line) and xdpstream-bench's JSON into bench/results.json: every figure with
min/median/max over its runs, next to its baseline, and the issue's targets
with whether each is met. Prints the table.

Usage: bench-report.py RAW.jsonl CORE.json RESULTS.json
       bench-report.py --markdown RESULTS.json   (the README's table)
"""
import datetime
import json
import os
import platform
import statistics
import sys


def stat(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return {"min": xs[0], "median": statistics.median(xs), "max": xs[-1], "runs": len(xs)}


def machine():
    model = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"hostname": platform.node(), "kernel": platform.release(), "cpu": model,
            "cpus": os.cpu_count(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def live(recs):
    """Per CPU arrangement and frame: baseline and full, and their ratios
    (runs paired in order: run i of each was measured back to back)."""
    out = {}
    for r in recs:
        r["processed"] = r["stats"] if r["rx"] == "xdpstream" else r["veth"]
        r["pps"] = r["processed"] / r["seconds"] if r["seconds"] else None
    keys = sorted({(r["cpu"], r["frame"]) for r in recs})
    for cpu, frame in keys:
        fig = {}
        runs = {}
        for rx, name in (("xdp_pass", "baseline"), ("xdpstream", "full")):
            rs = [r for r in recs if r["cpu"] == cpu and r["frame"] == frame and r["rx"] == rx]
            runs[name] = rs
            if not rs:
                continue
            fig[name] = {
                "offered": stat(r["offered"] for r in rs),
                "processed": stat(r["processed"] for r in rs),
                "loss": stat(r["offered"] - r["processed"] for r in rs),
                "loss_pct": stat(100.0 * (r["offered"] - r["processed"]) / r["offered"]
                                 for r in rs if r["offered"]),
                "offered_pps": stat(r["offered"] / r["seconds"] for r in rs if r["seconds"]),
                "processed_pps": stat(r["pps"] for r in rs),
            }
            if rx == "xdpstream":
                # The veth's count equals the program's own: the baseline's
                # count (the veth's) is the same measure.
                fig[name]["veth_count_equals_stats"] = all(r["veth"] == r["stats"] for r in rs)
        pairs = list(zip(runs.get("baseline", []), runs.get("full", [])))
        if pairs:
            fig["ratio_processed"] = stat(f["processed"] / b["processed"]
                                          for b, f in pairs if b["processed"])
            fig["ratio_pps"] = stat(f["pps"] / b["pps"] for b, f in pairs if b["pps"])
        out.setdefault(cpu + "_cpu", {})[frame] = fig
    return out


def lossfree(recs):
    out = {}
    for tool in sorted({r["tool"] for r in recs}):
        for frame in sorted({r["frame"] for r in recs if r["tool"] == tool}):
            rs = [r for r in recs if r["tool"] == tool and r["frame"] == frame]
            steps = []
            for r in rs:
                steps.append({"asked": r["asked"], "offered": r["offered"],
                              "counted": r["counted"], "loss": r["offered"] - r["counted"],
                              "counted_when_generator_ended": r["counted_at_end"],
                              "rate": r["offered"] / r["seconds"] if r["seconds"] else None})
            top = [s for s in steps if s["asked"] == "max"]
            if top and all(s["loss"] == 0 for s in top):
                best = stat(s["rate"] for s in top)
                limit = "no loss at the generator's top rate"
            else:
                ok = [s["rate"] for s in steps if s["asked"] != "max" and s["loss"] == 0]
                best = stat([max(ok)]) if ok else None
                limit = "loss above this rate"
            out.setdefault(tool, {})[frame] = {"loss_free_pps": best, "limit": limit,
                                               "steps": steps}
    return out


RX_SHAPES = ("fixed", "established", "syn_flood", "udp_flood", "reflection")
RX_NAMES = {"none": "no program", "xdp_pass": "XDP_PASS", "xdpstream": "xdpstream inline",
            "xdpstream_admission_off": "xdpstream inline, admission off",
            "xdpstream_mirror": "xdpstream mirror", "fastnetmon": "FastNetMon"}


def rxcost(recs, idle):
    """The receivers' cost per packet (scripts/bench-rxcost.sh): per shape
    and receiver, over the runs; ratios paired by run (measured in the same
    run, minutes apart at most)."""
    by = {}
    for r in recs:
        by.setdefault((r["pass"], r["shape"], r["rx"]), {})[r["run"]] = r
    idle_by = {(r["rx"], r["run"]): r for r in idle}

    def per_pkt(r, what):
        return r[what] / r["processed"] if r["processed"] else None

    def total(r):
        return per_pkt(r, "napi_ns") + per_pkt(r, "sensor_ns") if r["processed"] else None

    def above_idle(r):
        i = idle_by.get((r["rx"], r["run"]))
        if not r["processed"] or not i or not i["wall_s"]:
            return None
        bg = (i["napi_ns"] + i["sensor_ns"]) / i["wall_s"] * r["wall_s"]
        return (r["napi_ns"] + r["sensor_ns"] - bg) / r["processed"]

    def idle_per_s(r):
        i = idle_by.get((r["rx"], r["run"]))
        return (i["napi_ns"] + i["sensor_ns"]) / i["wall_s"] if i and i["wall_s"] else None

    def at_rate(r):
        """Per packet at the offered rate: above idle, plus idle / rate."""
        a, i = above_idle(r), idle_per_s(r)
        return a + i / float(r["rate"]) if a is not None and i is not None else total(r)

    out = {"shapes": {}}
    any_r = recs[0]
    out["rate_pps"] = float(next(r["rate"] for r in recs if r["pass"] == "cpu"))
    out["frames"] = max(r["offered"] for r in recs if r["pass"] == "cpu")
    out["bpf_frames"] = max([r["offered"] for r in recs if r["pass"] == "bpf"] or [0])
    for shape in [s for s in RX_SHAPES if any(k[1] == s for k in by)]:
        sh = {}
        for rx in RX_NAMES:
            cpu = list(by.get(("cpu", shape, rx), {}).values())
            bpf = list(by.get(("bpf", shape, rx), {}).values())
            if not cpu and not bpf:
                continue
            f = {}
            if cpu:
                f["cpu_ns_per_packet"] = stat(total(r) for r in cpu)
                f["napi_ns_per_packet"] = stat(per_pkt(r, "napi_ns") for r in cpu)
                f["sensor_ns_per_packet"] = stat(per_pkt(r, "sensor_ns") for r in cpu)
                f["cpu_above_idle_ns_per_packet"] = stat(above_idle(r) for r in cpu)
                f["cpu_at_offered_rate_ns_per_packet"] = stat(at_rate(r) for r in cpu)
                f["offered"] = stat(r["offered"] for r in cpu)
                f["processed"] = stat(r["processed"] for r in cpu)
                f["loss_pct"] = stat(100.0 * (r["offered"] - r["processed"]) / r["offered"]
                                     for r in cpu if r["offered"])
                f["rate_kept"] = all(r["rate_kept"] for r in cpu)
                if rx.startswith("xdpstream") or rx == "fastnetmon":
                    # The sensor's own count is the veth's, frame for frame.
                    f["count_equals_veth"] = all(r["counted"] == r["processed"] for r in cpu)
            if bpf:
                f["bpf_run_ns_per_packet"] = stat(r["bpf_run_ns"] / r["bpf_run_cnt"]
                                                  for r in bpf if r["bpf_run_cnt"])
                f["bpf_runs_equal_frames"] = all(r["bpf_run_cnt"] == r["processed"] for r in bpf)
            sh[rx] = f
        out["shapes"][shape] = sh

    def paired(a, b, fn):
        """fn(ra, rb) over the runs both have."""
        vs = []
        for run, ra in a.items():
            rb = b.get(run)
            if rb is not None:
                v = fn(ra, rb)
                if v is not None:
                    vs.append(v)
        return stat(vs)

    def bpf_pp(r):
        return r["bpf_run_ns"] / r["bpf_run_cnt"] if r["bpf_run_cnt"] else None

    def ratio(x, y):
        return x / y if x is not None and y else None

    rt = {}
    g = lambda p, sh, rx: by.get((p, sh, rx), {})
    # Kernel run time: the fixed flow next to XDP_PASS, each shape next to
    # the fixed flow.
    for rx in ("xdpstream", "xdpstream_admission_off", "xdpstream_mirror"):
        rt["bpf_fixed_vs_xdp_pass_" + rx] = paired(
            g("bpf", "fixed", rx), g("bpf", "fixed", "xdp_pass"),
            lambda a, b: ratio(bpf_pp(a), bpf_pp(b)))
        for shape in RX_SHAPES[1:]:
            rt["bpf_%s_vs_fixed_%s" % (shape, rx)] = paired(
                g("bpf", shape, rx), g("bpf", "fixed", rx),
                lambda a, b: ratio(bpf_pp(a), bpf_pp(b)))
    # The sensor's CPU next to FastNetMon's: mirror mode whole; inline as
    # what each adds to the receive path (over XDP_PASS, over no program).
    for shape in RX_SHAPES:
        fnm = g("cpu", shape, "fastnetmon")
        if not fnm:
            continue
        rt["fastnetmon_vs_mirror_" + shape] = paired(
            fnm, g("cpu", shape, "xdpstream_mirror"), lambda a, b: ratio(at_rate(a), at_rate(b)))
        runs = {}
        for run in fnm:
            parts = [g("cpu", shape, k).get(run) for k in ("fastnetmon", "none", "xdpstream",
                                                             "xdp_pass")]
            if all(parts) and all(p["processed"] for p in parts):
                f, n, x, p = (at_rate(q) for q in parts)
                runs[run] = ratio(f - n, x - p)
        rt["fastnetmon_vs_inline_" + shape] = stat(runs.values())
    out["ratios"] = {k: v for k, v in rt.items() if v}
    out["idle_cpu_ms_per_s"] = {
        rx: stat((r["napi_ns"] + r["sensor_ns"]) / r["wall_s"] / 1e6 for r in idle if r["rx"] == rx)
        for rx in sorted({r["rx"] for r in idle})}
    return out


def row_stat(d):
    return d if isinstance(d, dict) and "median" in d else None


class Row:
    """One line of the table: a figure, its baseline from the same run, and
    the issue's target where it has one."""

    def __init__(self, name, st, unit, base=None, base_name="", goal=None, met=None, note=""):
        self.name, self.st, self.unit, self.base = name, st, unit, base
        self.base_name, self.goal, self.met, self.note = base_name, goal, met, note


def pct(st):
    return st and {k: 100 * st[k] for k in ("min", "median", "max")}


def rows(res):
    out = []
    pp = res.get("per_packet_ns", {})
    est = (pp.get("ipv4_tcp_established") or {}).get("median")
    for k, v in pp.items():
        if not row_stat(v):
            continue
        goal = met = None
        note = ""
        # Issue 15's targets; issue 6's "within 2x of XDP_PASS" for the rest.
        if k == "ipv4_tcp_established":
            goal, met = "<= 50", v["median"] <= 50
        elif k == "ipv4_tcp_syn_new_flow":
            goal, met = "<= 150", v["median"] <= 150
        elif k == "ipv4_udp" and est:
            goal, met = "<= established + 10 (%.0f)" % (est + 10), v["median"] <= est + 10
        elif k == "worst_spoofed_syn_flood" and est:
            goal, met = "<= 2x established (%.0f)" % (2 * est), v["median"] <= 2 * est
        elif k.endswith("_cold"):
            if est:
                note = "%.1fx established" % (v["median"] / est)
        else:
            goal, met = "<= 100 (2x)", v["median"] <= 100
        out.append(Row("test run: " + k, v, "ns/packet", v.get("baseline"), "XDP_PASS", goal, met,
                       note))
    tick = res.get("tick", {})
    for k, v in tick.items():
        if row_stat(v):
            big = "1M" in k
            out.append(Row("tick: " + k, v, "ms", goal="< 100" if big else None,
                           met=v["median"] < 100 if big else None))
    for k, v in res.get("engine", {}).items():
        if not row_stat(v):
            continue
        if k.endswith("_events"):
            out.append(Row("engine: " + k, v, "M events/s", goal=">= 5", met=v["median"] >= 5))
        else:
            big = "1M" in k
            out.append(Row("engine: " + k, v, "ms", goal="< 100" if big else None,
                           met=v["median"] < 100 if big else None))
    for k, v in res.get("kernel_memory", {}).items():
        if isinstance(v, dict) and "value" in v:
            out.append(Row("kernel memory: " + k, {"median": v["value"]}, v["unit"]))
    rss = res.get("daemon_rss_kib", {})
    for k in sorted(rss, key=lambda k: k != "default"):
        out.append(Row("daemon RSS, %s map sizes" % k, {"median": rss[k] / 1024}, "MiB"))
    lv = res.get("live_veth", {})
    for cpu in ("own_cpu", "shared_cpu"):
        for frame, fig in sorted(lv.get(cpu, {}).items()):
            f, b = fig.get("full"), fig.get("baseline")
            if not f:
                continue
            tag = "live, %s CPU, %s: " % (cpu.split("_")[0], frame)
            out.append(Row(tag + "offered", f["offered"], "frames", b and b["offered"], "XDP_PASS"))
            out.append(Row(tag + "processed", f["processed"], "frames", b and b["processed"],
                           "XDP_PASS"))
            out.append(Row(tag + "loss", f["loss_pct"], "%", b and b["loss_pct"], "XDP_PASS"))
            out.append(Row(tag + "processed/s", f["processed_pps"], "packets/s",
                           b and b["processed_pps"], "XDP_PASS"))
            if cpu == "own_cpu" and fig.get("ratio_processed"):
                r = fig["ratio_processed"]
                out.append(Row(tag + "processed vs XDP_PASS", pct(r), "%", goal=">= 90",
                               met=r["median"] >= 0.9))
            elif fig.get("ratio_pps"):
                out.append(Row(tag + "packets/s vs XDP_PASS", pct(fig["ratio_pps"]), "%"))
    out += rx_rows(res.get("rxcost"))
    fnm = res.get("fastnetmon", {})
    lf = fnm.get("loss_free", {})
    for frame in sorted(lf.get("xdpstream", {})):
        a = lf["xdpstream"][frame].get("loss_free_pps")
        b = lf.get("fastnetmon", {}).get(frame, {}).get("loss_free_pps")
        if a:
            ratio = b and a["median"] / b["median"]
            out.append(Row("loss-free rate, %s" % frame, a, "packets/s", b, "FastNetMon",
                           ">= 5x" if b else None, ratio >= 5 if b else None,
                           "%.2fx" % ratio if b else ""))
    ttd = fnm.get("time_to_detect_s", {})
    x, f = row_stat(ttd.get("xdpstream")), row_stat(ttd.get("fastnetmon"))
    if x:
        out.append(Row("time to detect a 50k/s SYN flood (20k/s threshold)", x, "s", f,
                       "FastNetMon", "<= 0.5", x["max"] <= 0.5 and not ttd["xdpstream"]["not_detected"],
                       "slowest run" if x["runs"] > 1 else ""))
    elif f:
        out.append(Row("time to detect a 50k/s SYN flood, FastNetMon", f, "s"))
    rp = res.get("replay")
    if rp:
        out.append(Row("replay, %d-frame capture" % rp["frames"], rp["frames_per_s"], "frames/s"))
    return out


def rx_rows(rc):
    """The receiver-cost rows: kernel run time, the sensor's CPU, the
    ratios the issue sets targets on."""
    out = []
    if not rc:
        return out
    sh = rc["shapes"]
    ra = rc.get("ratios", {})
    for shape, rxs in sh.items():
        base = rxs.get("xdp_pass", {}).get("bpf_run_ns_per_packet")
        for rx in ("xdpstream", "xdpstream_admission_off", "xdpstream_mirror"):
            v = rxs.get(rx, {}).get("bpf_run_ns_per_packet")
            if not v:
                continue
            tag = "live run time (bpf_stats), %s: %s" % (shape, RX_NAMES[rx])
            goal = met = None
            note = ""
            if shape == "fixed":
                r = ra.get("bpf_fixed_vs_xdp_pass_" + rx)
                if r:
                    goal, met, note = "<= 2x XDP_PASS", r["median"] <= 2, "%.2fx" % r["median"]
            else:
                r = ra.get("bpf_%s_vs_fixed_%s" % (shape, rx))
                if r and shape in ("syn_flood", "udp_flood"):
                    goal, met = "<= 2x the fixed flow's", r["median"] <= 2
                if r:
                    note = "%.2fx the fixed flow's" % r["median"]
            if rx == "xdpstream_admission_off":
                goal = met = None	# a comparison, not the product's default
            out.append(Row(tag, v, "ns/packet", base, "XDP_PASS", goal, met, note))
    for shape, rxs in sh.items():
        base = rxs.get("none", {}).get("cpu_at_offered_rate_ns_per_packet")
        for rx in ("xdp_pass", "xdpstream", "xdpstream_admission_off", "xdpstream_mirror",
                   "fastnetmon"):
            v = rxs.get(rx, {}).get("cpu_at_offered_rate_ns_per_packet")
            if v:
                out.append(Row("sensor CPU, %s: %s" % (shape, RX_NAMES[rx]), v, "ns/packet", base,
                               "no program"))
        for kind, target in (("mirror", 5), ("inline", 2)):
            r = ra.get("fastnetmon_vs_%s_%s" % (kind, shape))
            if not r:
                continue
            judged = shape in ("fixed", "syn_flood")
            what = ("FastNetMon / xdpstream mirror, whole" if kind == "mirror" else
                    "FastNetMon over no program / xdpstream over XDP_PASS")
            out.append(Row("sensor CPU, %s: %s" % (shape, what), r, "x",
                           goal=(">= %dx less" % target) if judged else None,
                           met=r["median"] >= target if judged else None))
    for rx, v in sorted(rc.get("idle_cpu_ms_per_s", {}).items()):
        if v:
            out.append(Row("sensor CPU without traffic: %s" % RX_NAMES.get(rx, rx), v, "ms/s"))
    return out


def targets(res):
    return [{"target": r.name, "value": r.st["median"], "unit": r.unit, "goal": r.goal,
             "met": r.met, "note": r.note} for r in rows(res) if r.goal]


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 1e6:
        return "%.2fM" % (v / 1e6)
    if abs(v) >= 1e4:
        return "%.0fk" % (v / 1e3)
    if abs(v) >= 100:
        return "%.0f" % v
    return "%.3g" % v


def rng(st):
    return "%s..%s" % (fmt(st["min"]), fmt(st["max"])) if "min" in st else ""


def generator(recs):
    """The transmit path each run of the generator took (gen --tx)."""
    seen = {}
    for r in recs:
        if r.get("tx"):
            key = r["kind"] if r["kind"] != "live" else "live_veth"
            seen.setdefault(r["tx"], set()).add(key)
    if not seen:
        return None
    paths = sorted(seen)
    g = {"tx": paths[0] if len(paths) == 1 else "mixed",
         "paths": {p: sorted(seen[p]) for p in paths}}
    kept = [r["rate_kept"] for r in recs if r["kind"] == "lossfree" and "rate_kept" in r
            and r["asked"] != "max"]
    if kept:
        g["paced_steps_kept_rate"] = "%d of %d" % (sum(kept), len(kept))
    return g


def generator_line(g):
    if not g:
        return None
    names = {"live": "live-frames XDP test runs", "packet": "AF_PACKET TX ring",
             "xdp": "AF_XDP, copy mode"}
    if g["tx"] == "mixed":
        return "generator: xdpstream gen, paths %s" % ", ".join(
            "%s (%s)" % (p, ", ".join(w)) for p, w in g["paths"].items())
    line = "generator: xdpstream gen --tx %s (%s)" % (g["tx"], names.get(g["tx"], g["tx"]))
    if "paced_steps_kept_rate" in g:
        line += "; paced steps that kept the asked rate: " + g["paced_steps_kept_rate"]
    return line


def machine_line(m):
    return "%s, %s CPUs, kernel %s, %s (load average %s at the start)" % (
        m.get("cpu"), m.get("cpus"), m.get("kernel"), m.get("date"), m.get("loadavg_start", "?"))


def print_table(res, path):
    rs = rows(res)
    print()
    print("xdpstream benchmarks: " + machine_line(res["machine"]))
    if generator_line(res.get("generator")):
        print(generator_line(res.get("generator")))
    w = max([len(r.name) for r in rs] + [10])
    print("%-*s %9s %16s %-12s %9s %-10s %s" % (w, "figure", "median", "min..max", "unit",
                                                 "baseline", "", "target"))
    for r in rs:
        t = ""
        if r.goal:
            t = "%s %s%s" % ("met " if r.met else "MISS", r.goal, " " + r.note if r.note else "")
        print("%-*s %9s %16s %-12s %9s %-10s %s" % (
            w, r.name, fmt(r.st["median"]), rng(r.st), r.unit[:12],
            fmt(r.base["median"]) if r.base else "", r.base_name if r.base else "", t))
    for s, why in sorted(res.get("skipped", {}).items()):
        print("skipped %s: %s" % (s, why))
    missed = [r for r in rs if r.goal and not r.met]
    print("\ntargets: %d met, %d missed" % (sum(1 for r in rs if r.goal) - len(missed), len(missed)))
    print("results: %s" % path)


def print_markdown(res):
    """The README's table."""
    print("Measured by `make bench` on " + machine_line(res["machine"]) + ".")
    if generator_line(res.get("generator")):
        print("Traffic: " + generator_line(res.get("generator")) + ".")
    print()
    print("| figure | median | min..max | baseline, same run | target |")
    print("|---|---|---|---|---|")
    for r in rows(res):
        t = ""
        if r.goal:
            t = "%s: %s%s" % (r.goal, "**met**" if r.met else "**missed**",
                              " (" + r.note + ")" if r.note else "")
        b = "%s %s" % (r.base_name, fmt(r.base["median"])) if r.base else ""
        print("| %s | %s %s | %s | %s | %s |" % (r.name, fmt(r.st["median"]), r.unit, rng(r.st),
                                                 b, t))


def main():
    if sys.argv[1:2] == ["--markdown"]:
        print_markdown(json.load(open(sys.argv[2])))
        return
    raw_path, core_path, out_path = sys.argv[1:4]
    recs = [json.loads(line) for line in open(raw_path) if line.strip()]
    res = {}
    try:
        core = json.load(open(core_path))
    except (OSError, ValueError):
        core = {}
    res["machine"] = core.get("machine") or machine()
    res["machine"]["cpus"] = os.cpu_count()
    for r in recs:
        if r["kind"] == "load":
            res["machine"]["loadavg_" + r["when"]] = r["loadavg"]
    for k, v in core.items():
        if k != "machine":
            res[k] = v
    skips = {r["section"]: r["reason"] for r in recs if r["kind"] == "skip"}
    if skips:
        res["skipped"] = skips

    g = generator(recs)
    if g:
        res["generator"] = g
    lv = [r for r in recs if r["kind"] == "live"]
    if lv:
        res["live_veth"] = live(lv)
    rc = [r for r in recs if r["kind"] == "rxcost"]
    if rc:
        res["rxcost"] = rxcost(rc, [r for r in recs if r["kind"] == "rxidle"])
    rss = {r["sizes"]: r["kib"] for r in recs if r["kind"] == "rss" and r.get("kib") is not None}
    if rss:
        res["daemon_rss_kib"] = rss
    lf = [r for r in recs if r["kind"] == "lossfree"]
    ttd = [r for r in recs if r["kind"] == "ttd"]
    if lf or ttd:
        fnm = {"loss_free": lossfree(lf)}
        for r in recs:
            if r["kind"] == "fnm_version":
                fnm["fastnetmon_version"] = r["version"]
        fnm["time_to_detect_s"] = {}
        for tool in sorted({r["tool"] for r in ttd}):
            rs = [r for r in ttd if r["tool"] == tool]
            fnm["time_to_detect_s"][tool] = stat(r["seconds"] for r in rs) or {}
            fnm["time_to_detect_s"][tool]["not_detected"] = sum(r["seconds"] is None for r in rs)
        res["fastnetmon"] = fnm
    rp = [r for r in recs if r["kind"] == "replay"]
    if rp:
        res["replay"] = {"frames": rp[0]["frames"], "frames_per_s": stat(r["fps"] for r in rp)}

    res["targets"] = targets(res)
    with open(out_path, "w") as f:
        json.dump(res, f, indent=2, sort_keys=True)
        f.write("\n")
    print_table(res, out_path)


if __name__ == "__main__":
    main()
