#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Checks the fleet alerts of tests/sh/fleet_e2e.sh against the producer's truth.

usage: fleet_check.py ALERTS.jsonl TRUTH.json TOP.jsonl SCHEMA_DIR SYN_PPS SENSOR_SYN_PPS
Exit 0 when every check holds; one line per failed check otherwise.
"""
import json
import sys
from datetime import datetime, timezone

import jsonschema


def ms(ts):
    return int(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000)


def main():
    alerts_f, truth_f, top_f, schema_dir, thr, sthr = sys.argv[1:7]
    thr, sthr = float(thr), float(sthr)
    truth = json.load(open(truth_f))
    alerts = [json.loads(l) for l in open(alerts_f) if l.strip()]
    schema = json.load(open(f"{schema_dir}/alert.schema.json"))
    v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    bad = []
    for a in alerts:
        for e in v.iter_errors(a):
            bad.append(f"schema: {e.message} in {json.dumps(a)[:200]}")
    fleet = [a for a in alerts if a["observer"]["type"] == "fleet"]
    other = sorted({a["rule"]["name"] for a in fleet} - {"syn_flood"})
    if other:
        bad.append(f"unexpected fleet rules: {other}")
    syn = [a for a in fleet if a["rule"]["name"] == "syn_flood"]
    ids = sorted({a["event"]["id"] for a in syn})
    if len(ids) != 1:
        bad.append(f"expected exactly one fleet syn_flood alert, got ids {ids}")
    acts = [a["event"]["action"] for a in syn]
    if acts.count("start") != 1 or acts.count("end") != 1 or acts[0] != "start" or acts[-1] != "end":
        bad.append(f"lifecycle: {acts}")
    w = truth["window_ms"]
    firing = [a for a in syn if a["event"]["action"] != "end"]
    seen = [ms(a["xdpstream"]["fleet"]["window"]["start"]) for a in firing]
    if len(seen) != len(set(seen)):
        bad.append(f"a window alerted twice: {seen}")
    want = {t["start_ms"]: t for t in truth["windows"] if t["syn"] * 1000.0 / w >= thr}
    if sorted(seen) != sorted(want):
        bad.append(f"windows alerted {sorted(seen)} != windows over the threshold {sorted(want)}")
    if seen and min(seen) > truth["start_ms"] + 2 * w:
        bad.append(f"first alert window {min(seen)} later than two windows after the flood's start {truth['start_ms']}")
    worst = 0.0
    for a in firing:
        ws = ms(a["xdpstream"]["fleet"]["window"]["start"])
        t = want.get(ws)
        if not t:
            continue
        f = a["xdpstream"]["fleet"]
        if f["merged"]["syn"] != t["syn"]:
            bad.append(f"window {ws}: merged syn {f['merged']['syn']} != sent {t['syn']} (lost or doubled ticks)")
        per = [p["value"] for p in f["per_sensor"]]
        want_per = [s * 1000.0 / w for s in t["syn_per_sensor"] if s]
        if per != want_per:
            bad.append(f"window {ws}: per-sensor {per} != {want_per}")
        if max(per) >= sthr:
            bad.append(f"window {ws}: a sensor passes its own threshold {sthr}: {per}")
        est, true = f["distinct_sources"]["estimate"], t["distinct_sources"]
        err = abs(est - true) / true
        worst = max(worst, err)
        if err >= 0.03:
            bad.append(f"window {ws}: distinct sources {est} vs true union {true}: {err:.2%}")
    # The compacted topic keeps the latest window per key; a fresh topic still has each window's.
    tops = {}
    for l in open(top_f):
        if l.startswith("destinations\t"):
            d = json.loads(l.split("\t", 1)[1])
            tops[ms(d["xdpstream"]["window"]["start"])] = d
    for ws, t in want.items():
        d = tops.get(ws)
        if not d or d["xdpstream"]["top"][0]["ip"] != truth["victim"] or d["xdpstream"]["top"][0]["count"] != t["syn"]:
            bad.append(f"window {ws}: top destinations do not lead with the victim's {t['syn']} packets: {d}")
    for b in bad:
        print("fleet_check: " + b)
    print(f"fleet_check: {len(alerts)} alerts, {len(firing)} windows alerted, worst distinct-source error {worst:.2%}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
