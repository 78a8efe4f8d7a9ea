#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The terminal side of `make fleet-demo` (scripts/fleet-demo.sh).

  fleet_demo_view.py view --broker HOST:PORT --dir DIR --stop FILE
                          --victim IP --window-ms MS --threshold PPS
      Follows the broker's topics (kcat, read_committed) and the sensors'
      files (DIR/sensor-X.jsonl) and prints: a line per window with each
      sensor's SYN/s to the victim and their sum (from the aggregates the
      sensors sent), every fleet alert start and end (appended to
      DIR/fleet-alerts.jsonl, updates too), each sensor's own alerts and
      mitigation events. Stops once FILE exists and what came is shown.
  fleet_demo_view.py summary --dir DIR --victim IP --threshold PPS
                             --sensor-threshold PPS --union N --sensors a,b,c
      The verdict: exits 0 when the fleet raised exactly one alert (start
      and end) on the victim whose distinct-source estimate is within 3 %
      of N, no sensor alerted on its own, and every sensor reported the
      fleet's rate limit; 1 otherwise, saying why.
"""
import argparse
import datetime
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections import defaultdict

COLOR = sys.stdout.isatty() and os.environ.get('TERM') != 'dumb' and 'NO_COLOR' not in os.environ


def paint(code, s):
    return '\033[%sm%s\033[0m' % (code, s) if COLOR else s


def num(v):
    v = float(v)
    for above, div, unit in ((1e9, 1e9, 'G'), (1e6, 1e6, 'M'), (1e4, 1e3, 'k')):
        if abs(v) >= above:
            return '%.1f%s' % (v / div, unit)
    return '%d' % round(v)


def clock(unix=None):
    return datetime.datetime.fromtimestamp(unix or time.time()).strftime('%H:%M:%S.%f')[:10]


def iso_ms(ts):
    return int(datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc).timestamp() * 1000)


def short(name):
    return name[len('sensor-'):] if name.startswith('sensor-') else name


class Windows:
    """Each sensor's SYNs to the victim per window; a window is shown once
    every sensor has sent a tick past it."""

    def __init__(self, victim, w, thr):
        self.victim, self.w, self.thr = victim, w, thr
        self.syn = defaultdict(lambda: defaultdict(int))
        self.progress = {}
        self.seen = set()
        self.shown = -1

    def tick(self, doc):
        x = doc['xdpstream']
        name = doc['observer']['name']
        key = (name, x['tick']['seq'])
        if key in self.seen:
            return []
        self.seen.add(key)
        start = x['tick']['start_us'] // 1000
        v = [i for i in x['fleet']['victims']['items'] if i['ip'] == self.victim]
        self.syn[start // self.w * self.w][name] += v[0]['syn'] if v else 0
        self.progress[name] = max(self.progress.get(name, 0), start)
        done = min(self.progress.values()) // self.w * self.w
        out = []
        for ws in sorted(k for k in self.syn if self.shown < k < done):
            per = self.syn[ws]
            total = sum(per.values())
            if total:
                rates = '  '.join('%s %s' % (short(n), num(per[n] * 1000 / self.w)) for n in sorted(per))
                mark = paint('31', 'over') if total * 1000 / self.w >= self.thr else 'under'
                out.append('%s  sensors %s SYN/s -> fleet %s SYN/s, %s %s (window %s-%s)' % (
                    clock(), rates, num(total * 1000 / self.w), mark, num(self.thr),
                    clock(ws / 1000)[:8], clock((ws + self.w) / 1000)[6:8]))
            self.shown = ws
        return out


def alert_line(a):
    x = a['xdpstream']
    act = a['event']['action']
    victim = a.get('destination', {}).get('ip', '*')
    if act == 'end':
        return paint('1;32', '%s  FLEET ALERT END   %s -> %s (%s)' % (
            clock(), a['rule']['name'], victim, a['event'].get('reason', '')))
    f = x['fleet']
    per = ', '.join('%s %s' % (short(p['name']), num(p['value'])) for p in f['per_sensor'])
    d = f.get('distinct_sources', {}).get('estimate')
    return paint('1;31', '%s  FLEET ALERT %-5s %s -> %s: %s SYN/s from %d sensors (%s), each under its own '
                 'threshold; ~%s distinct sources' % (
                     clock(), act.upper(), a['rule']['name'], victim, num(x['observed']['value']),
                     len(f['per_sensor']), per, '{:,}'.format(d) if d is not None else '?'))


def sensor_line(name, a):
    if a['event']['kind'] == 'alert':
        return paint('33', '%s  sensor %s: LOCAL ALERT %s %s' % (clock(), name, a['event']['action'],
                                                                a['rule']['name']))
    m = a['xdpstream']['mitigation']
    return '%s  sensor %s: %s %s by %s%s (%s)' % (
        clock(), name, a['event']['action'], m['prefix'], m['by'],
        ' %s/s' % '{:,}'.format(m['limit_pps']) if 'limit_pps' in m else '',
        'enforced' if m['enforced'] else 'reported, enforce mode off')


def follow(name, proc, q):
    for line in proc.stdout:
        q.put((name, line))


def view(a):
    w = Windows(a.victim, a.window_ms, a.threshold)
    kc = ['kcat', '-b', a.broker, '-C', '-u', '-q', '-X', 'isolation.level=read_committed', '-o', 'beginning']
    q = queue.Queue()
    procs = []
    for name, topic in (('alerts', 'xdpstream.alerts'), ('agg', 'xdpstream.aggregates')):
        p = subprocess.Popen(kc + ['-t', topic, '-f', '%s\n'], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        threading.Thread(target=follow, args=(name, p, q), daemon=True).start()
        procs.append(p)
    files = {}
    out = open(os.path.join(a.dir, 'fleet-alerts.jsonl'), 'a')
    stop_at = None
    while stop_at is None or time.time() < stop_at:
        if stop_at is None and os.path.exists(a.stop):
            stop_at = time.time() + 1.5  # what is on its way still shows
        for f in sorted(os.listdir(a.dir)):
            if f.startswith('sensor-') and f.endswith('.jsonl') and f not in files:
                files[f] = open(os.path.join(a.dir, f))
        for f, fh in files.items():
            for line in fh.readlines():
                if line.strip():
                    print(sensor_line(f[len('sensor-'):-len('.jsonl')], json.loads(line)), flush=True)
        try:
            which, line = q.get(timeout=0.2)
        except queue.Empty:
            continue
        if not line.strip():
            continue
        doc = json.loads(line)
        if which == 'agg':
            for l in w.tick(doc):
                print(l, flush=True)
        elif doc.get('observer', {}).get('type') == 'fleet':
            out.write(line)
            out.flush()
            if doc['event']['action'] != 'update':
                print(alert_line(doc), flush=True)
    for p in procs:
        p.kill()
        p.wait()
    return 0


def summary(a):
    bad, said = [], []
    names = a.sensors.split(',')
    alerts = [json.loads(l) for l in open(os.path.join(a.dir, 'fleet-alerts.jsonl')) if l.strip()]
    ids = sorted({x['event']['id'] for x in alerts})
    acts = [x['event']['action'] for x in alerts]
    if len(ids) != 1 or acts.count('start') != 1 or acts.count('end') != 1:
        bad.append('expected exactly one fleet alert with a start and an end, got %d (%s)' % (len(ids), acts))
    for x in alerts:
        if x['rule']['name'] != 'syn_flood' or x.get('destination', {}).get('ip') != a.victim:
            bad.append('unexpected fleet alert: %s -> %s' % (x['rule']['name'], x.get('destination', {}).get('ip')))
    firing = [x for x in alerts if x['event']['action'] != 'end']
    worst = 0.0
    for x in firing:
        est = x['xdpstream']['fleet']['distinct_sources']['estimate']
        err = abs(est - a.union) / a.union
        worst = max(worst, err)
        if err >= 0.03:
            bad.append('distinct sources %s, the truth %d: %.1f %% off' % (est, a.union, 100 * err))
    if firing:
        peak = max(x['xdpstream']['observed']['value'] for x in firing)
        said.append('fleet alert: syn_flood -> %s, %d window(s) over %s SYN/s, peak %s SYN/s; distinct '
                    'sources within %.1f %% of the %s spoofed' % (
                        a.victim, len(firing), num(a.threshold), num(peak), 100 * worst, '{:,}'.format(a.union)))
    reported = 0
    for n in names:
        own = [json.loads(l) for l in open(os.path.join(a.dir, 'sensor-%s.jsonl' % short(n))) if l.strip()]
        local = [x['rule']['name'] for x in own if x['event']['kind'] == 'alert']
        if local:
            bad.append('%s alerted on its own: %s' % (n, local))
        lim = [x for x in own if x['event']['kind'] == 'event' and x['event']['action'] == 'rate_limit'
               and x['xdpstream']['mitigation']['by'] == 'fleet']
        if len(lim) == 1 and ids and lim[0]['xdpstream']['mitigation'].get('alert_id') == ids[0]:
            reported += 1
        else:
            bad.append('%s did not report the fleet rate limit once (%d)' % (n, len(lim)))
    said.append('local alerts at the sensors: %s (each under its own %s SYN/s)' % (
        'none' if not any('on its own' in b for b in bad) else 'SOME', num(a.sensor_threshold)))
    said.append('the fleet\'s rate limit reported by %d of %d sensors (enforce mode off: not applied)' % (
        reported, len(names)))
    for s in said:
        print('  ' + s)
    for b in bad:
        print('  FAIL: ' + b)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    v = sub.add_parser('view')
    v.add_argument('--broker', required=True)
    v.add_argument('--dir', required=True)
    v.add_argument('--stop', required=True)
    v.add_argument('--victim', required=True)
    v.add_argument('--window-ms', type=int, required=True)
    v.add_argument('--threshold', type=float, required=True)
    s = sub.add_parser('summary')
    s.add_argument('--dir', required=True)
    s.add_argument('--victim', required=True)
    s.add_argument('--threshold', type=float, required=True)
    s.add_argument('--sensor-threshold', type=float, required=True)
    s.add_argument('--union', type=int, required=True)
    s.add_argument('--sensors', required=True)
    a = ap.parse_args()
    return view(a) if a.cmd == 'view' else summary(a)


if __name__ == '__main__':
    sys.exit(main())
