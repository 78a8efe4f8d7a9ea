#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Aggregates the raw measurements of scripts/bench.sh (one JSON object a
line) and xdpstream-bench's JSON into bench/results.json: every figure with
min/median/max over its runs, next to its baseline, and the issue's targets
with whether each is met. Prints the table.

Usage: bench-report.py RAW.jsonl CORE.json RESULTS.json
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


def row_stat(d):
    return d if isinstance(d, dict) and "median" in d else None


def main():
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

    lv = [r for r in recs if r["kind"] == "live"]
    if lv:
        res["live_veth"] = live(lv)
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


def targets(res):
    t = []

    def add(what, value, unit, goal, met, note=""):
        t.append({"target": what, "value": value, "unit": unit, "goal": goal,
                  "met": met, "note": note})

    pp = res.get("per_packet_ns", {})
    est = row_stat(pp.get("ipv4_tcp_established"))
    if est:
        add("established-flow packet, test run", est["median"], "ns", "<= 50",
            est["median"] <= 50, "XDP_PASS alone: %.0f ns" % est["baseline"]["median"])
        classes = {k: v for k, v in pp.items() if row_stat(v) and not k.startswith("worst")}
        worst_cls = max(classes, key=lambda k: classes[k]["median"])
        v = classes[worst_cls]["median"]
        add("every class within 2x (<= 100 ns)", v, "ns", "<= 100", v <= 100,
            "slowest: " + worst_cls)
    worst = row_stat(pp.get("worst_spoofed_syn_flood"))
    if worst:
        add("worst case within 3x (<= 150 ns)", worst["median"], "ns", "<= 150",
            worst["median"] <= 150, "spoofed SYN flood, maps full")
    own = res.get("live_veth", {}).get("own_cpu", {})
    for frame, fig in sorted(own.items()):
        r = fig.get("ratio_processed")
        if r:
            add("live, own CPU, %s: processed vs XDP_PASS" % frame, 100 * r["median"], "%",
                ">= 90", r["median"] >= 0.9)
    fnm = res.get("fastnetmon", {})
    lf = fnm.get("loss_free", {})
    for frame in sorted(lf.get("xdpstream", {})):
        a = (lf["xdpstream"][frame].get("loss_free_pps") or {}).get("median")
        b = (lf.get("fastnetmon", {}).get(frame, {}).get("loss_free_pps") or {}).get("median")
        if a and b:
            add("loss-free rate vs FastNetMon, %s" % frame, a / b, "x", ">= 5", a / b >= 5)
    x = fnm.get("time_to_detect_s", {}).get("xdpstream", {})
    if "median" in x:
        add("SYN flood detected (50k pps, threshold 20k)", x["max"], "s (slowest run)",
            "<= 0.5", x["max"] <= 0.5 and not x["not_detected"])
    eng = res.get("engine", {})
    ev = {k: v for k, v in eng.items() if k.endswith("_events") and row_stat(v)}
    if ev:
        k = min(ev, key=lambda k: ev[k]["median"])
        add("engine events/s, one core", ev[k]["median"], "M/s", ">= 5", ev[k]["median"] >= 5,
            "slowest: " + k)
    tick = row_stat(res.get("tick", {}).get("tick_1M_dst_1M_src"))
    if tick:
        add("tick with 1M keys (flip, read, clear)", tick["median"], "ms", "< 100",
            tick["median"] < 100)
    et = {k: v for k, v in eng.items() if k.endswith("1M_keys_tick") and row_stat(v)}
    if et:
        k = max(et, key=lambda k: et[k]["median"])
        add("engine tick with 1M keys", et[k]["median"], "ms", "< 100", et[k]["median"] < 100,
            "slowest: " + k)
    return t


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


def print_table(res, path):
    m = res["machine"]
    rows = []

    def row(name, st, unit="", base=None):
        if not st:
            return
        rows.append((name, fmt(st["median"]), "%s..%s" % (fmt(st["min"]), fmt(st["max"])), unit,
                     fmt(base["median"]) if base else ""))

    for k, v in res.get("per_packet_ns", {}).items():
        if row_stat(v):
            row("test run " + k, v, "ns", v.get("baseline"))
    for sec in ("tick", "engine"):
        for k, v in res.get(sec, {}).items():
            if row_stat(v):
                row(sec + " " + k, v, v.get("unit", ""))
    for k, v in res.get("kernel_memory", {}).items():
        if isinstance(v, dict) and "value" in v:
            rows.append(("kernel memory " + k, fmt(v["value"]), "", v["unit"], ""))
    for cpu, frames in sorted(res.get("live_veth", {}).items()):
        for frame, fig in sorted(frames.items()):
            f, b = fig.get("full"), fig.get("baseline")
            if f:
                row("live %s %s offered" % (cpu, frame), f["offered"], "frames",
                    b and b["offered"])
                row("live %s %s processed" % (cpu, frame), f["processed"], "frames",
                    b and b["processed"])
                row("live %s %s loss" % (cpu, frame), f["loss_pct"], "%", b and b["loss_pct"])
                row("live %s %s processed/s" % (cpu, frame), f["processed_pps"], "pps",
                    b and b["processed_pps"])
            for r in ("ratio_processed", "ratio_pps"):
                if fig.get(r):
                    st = {k: 100 * fig[r][k] for k in ("min", "median", "max")}
                    row("live %s %s %s" % (cpu, frame, r), st, "% of baseline")
    for k, v in res.get("daemon_rss_kib", {}).items():
        rows.append(("daemon RSS, %s map sizes" % k, fmt(v), "", "KiB", ""))
    fnm = res.get("fastnetmon", {})
    for tool, frames in sorted(fnm.get("loss_free", {}).items()):
        for frame, fig in sorted(frames.items()):
            row("loss-free rate %s %s" % (tool, frame), fig["loss_free_pps"], "pps")
    for tool, st in sorted(fnm.get("time_to_detect_s", {}).items()):
        row("time to detect %s" % tool, row_stat(st), "s")
    rp = res.get("replay")
    if rp:
        row("replay %d frames" % rp["frames"], rp["frames_per_s"], "frames/s")

    print()
    print("xdpstream benchmarks: %s, %s CPUs, kernel %s, %s (load %s at the start)" % (
        m.get("cpu"), m.get("cpus"), m.get("kernel"), m.get("date"), m.get("loadavg_start", "?")))
    w = max([len(r[0]) for r in rows] + [10])
    print("%-*s %10s %20s %-14s %10s" % (w, "figure", "median", "min..max", "unit", "baseline"))
    for r in rows:
        print("%-*s %10s %20s %-14s %10s" % (w, r[0], r[1], r[2], r[3], r[4]))
    for s, why in sorted(res.get("skipped", {}).items()):
        print("skipped %s: %s" % (s, why))
    print()
    print("targets:")
    for t in res["targets"]:
        print("  %-4s %-48s %10s %-16s goal %s%s" % (
            "met" if t["met"] else "MISS", t["target"], fmt(t["value"]), t["unit"], t["goal"],
            "  (" + t["note"] + ")" if t["note"] else ""))
    print("\nresults: %s" % path)


if __name__ == "__main__":
    main()
