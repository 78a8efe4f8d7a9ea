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
    for k, v in pp.items():
        if not row_stat(v):
            continue
        goal = met = None
        if k == "ipv4_tcp_established":
            goal, met = "<= 50", v["median"] <= 50
        elif k.startswith("worst"):
            goal, met = "<= 150 (3x)", v["median"] <= 150
        else:
            goal, met = "<= 100 (2x)", v["median"] <= 100
        out.append(Row("test run: " + k, v, "ns/packet", v.get("baseline"), "XDP_PASS", goal, met))
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
