#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Checks one live run: the alerts `xdpstream run` wrote while `xdpstream gen`
sent traffic at it.

  live_check.py ALERTS --gen GEN_JSON --stats STATS_JSON
                [--truth TSV --capture NAME] [--exact]
                [--ttd-max S --min-rate FPS] [--replay REPLAY_ALERTS]

- Every alert line valid against the schema, every life cycle whole, and the
  ground truth holds (expected alerts raised, no forbidden rule): by
  tests/tools/check_alerts.py, with the TRUTH.tsv row of --capture, or a row
  made from the truth gen printed for its segments.
- --exact: besides, every alert started is one the truth expects (rule,
  attacker, victim): nothing else at all fired.
- The kernel's counters (`stats --json`, read before the sensor stopped) equal
  what gen sent: packets = frames, bytes = bytes; and the interface dropped
  nothing (gen's tx_dropped is 0).
- --ttd-max S: each segment's expected alert started at most S seconds after
  the segment's first frame left (gen's start_unix); --min-rate: and gen
  really sent at least that many frames per second.
- --replay FILE: the alerts started live are those `xdpstream replay` started
  on the same capture: the same set of (rule, source, destination, port).
Prints one line and exits 0, or prints each problem and exits 1.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def iso_to_unix(ts):
    return datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc).timestamp()


def load_alerts(path):
    docs = []
    with open(path) as f:
        for line in f:
            if line.strip():
                try:
                    docs.append(json.loads(line))
                except ValueError:
                    pass  # check_alerts.py reports it
    return docs


def key(d):
    return (d['rule']['name'], d.get('source', {}).get('ip', '*'),
            d.get('destination', {}).get('ip', '*'), d.get('destination', {}).get('port'))


def show(k):
    rule, src, dst, port = k
    return '%s:%s>%s%s' % (rule, src, dst, '' if port is None else ':%d' % port)


def parse_expect(item):
    rule, rest = item.split(':', 1)
    attacker, victim = rest.split('>', 1)
    return rule, attacker, victim


def matches(d, item):
    rule, attacker, victim = parse_expect(item)
    return (d['rule']['name'] == rule
            and (attacker == '*' or d.get('source', {}).get('ip') == attacker)
            and (victim == '*' or d.get('destination', {}).get('ip') == victim))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('alerts')
    ap.add_argument('--gen', required=True)
    ap.add_argument('--stats', required=True)
    ap.add_argument('--schema', default=os.path.join(HERE, '..', '..', 'schema',
                                                     'alert.schema.json'))
    ap.add_argument('--truth')
    ap.add_argument('--capture')
    ap.add_argument('--exact', action='store_true')
    ap.add_argument('--ttd-max', type=float)
    ap.add_argument('--min-rate', type=float, default=0)
    ap.add_argument('--replay')
    a = ap.parse_args()

    with open(a.gen) as f:
        gen = json.load(f)
    with open(a.stats) as f:
        stats = json.load(f)
    segs = gen.get('segments', [gen])
    errors = []
    notes = []

    # Schema, life cycles, truth: the same checker as the replay tests.
    tmp = None
    if a.truth:
        truth, capture = a.truth, a.capture
    else:
        tmp = tempfile.NamedTemporaryFile('w', suffix='.tsv', delete=False)
        expect = ';'.join(s['truth'] for s in segs if s.get('truth', 'none') != 'none')
        forbid = ';'.join(sorted({r for s in segs for r in s.get('forbid', '').split(';') if r}))
        if '*' in forbid.split(';'):
            forbid = '*'
        tmp.write('live\t%s\t%s\n' % (expect, forbid))
        tmp.close()
        truth, capture = tmp.name, 'live'
    r = subprocess.run([sys.executable, os.path.join(HERE, 'check_alerts.py'), a.schema, a.alerts,
                        '--truth', truth, '--capture', capture],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if tmp:
        os.unlink(tmp.name)
    if r.returncode:
        errors += r.stdout.strip().splitlines()
    else:
        notes.append(r.stdout.strip().replace('ok: ', ''))

    docs = load_alerts(a.alerts)
    starts = [d for d in docs if d.get('event', {}).get('action') == 'start']
    expected = [s['truth'] for s in segs if s.get('truth', 'none') != 'none'] if not a.truth \
        else None
    if a.exact and expected is not None:
        for d in starts:
            if not any(matches(d, e) for e in expected):
                errors.append('unexpected alert %s (expected only %s)' % (
                    show(key(d)), ', '.join(expected) or 'none'))

    # Time to detect, per segment with an expected alert (bounded with
    # --ttd-max, reported anyway).
    for s in segs:
        if expected is None or s.get('truth', 'none') == 'none':
            continue
        rate = s['frames'] / s['seconds'] if s['seconds'] else 0
        if a.ttd_max is not None and rate < a.min_rate:
            errors.append('%s: gen sent %.0f frames/s, the test needs at least %.0f' % (
                s['scenario'], rate, a.min_rate))
        found = sorted(iso_to_unix(d['@timestamp']) for d in starts if matches(d, s['truth']))
        if not found:
            continue  # reported above as missing
        ttd = found[0] - s['start_unix']
        notes.append('detected %.2f s after the first frame (%.0f frames/s%s)' % (
            ttd, rate, ', tx ' + s['tx'] if s.get('tx') else ''))
        if a.ttd_max is not None and ttd > a.ttd_max:
            errors.append('%s: detected %.2f s after the first frame, more than %.1f s' % (
                s['truth'], ttd, a.ttd_max))

    # The kernel counted exactly what was sent.
    frames = sum(s['frames'] for s in segs)
    nbytes = sum(s['bytes'] for s in segs)
    dropped = max(s.get('tx_dropped', 0) for s in segs)
    if stats['packets'] != frames or stats['bytes'] != nbytes:
        errors.append('kernel counted %d packets, %d bytes; gen sent %d frames, %d bytes' % (
            stats['packets'], stats['bytes'], frames, nbytes))
    if dropped:
        errors.append('the interface dropped %d frames (tx_dropped)' % dropped)
    if stats.get('packets_malformed'):
        errors.append('%d malformed packets' % stats['packets_malformed'])
    notes.append('counted %d packets, %d bytes = sent' % (frames, nbytes))

    # Live and replay agree.
    if a.replay:
        live = {key(d) for d in starts}
        rep = {key(d) for d in load_alerts(a.replay) if d['event']['action'] == 'start'}
        if live != rep:
            errors.append('live and replay disagree: live only %s; replay only %s' % (
                sorted(map(show, live - rep)) or 'none', sorted(map(show, rep - live)) or 'none'))
        else:
            notes.append('same alerts as replay: %s' % (', '.join(sorted(map(show, live))) or
                                                         'none'))

    if errors:
        for e in errors:
            print('FAIL: ' + e)
        return 1
    print('ok: ' + '; '.join(notes))
    return 0


if __name__ == '__main__':
    sys.exit(main())
