#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Judges one case of tests/sh/live_tools.sh: the alerts `xdpstream run`
wrote while a real attack tool (or a benign client) ran against the lab.

  tools_check.py ALERTS --stats STATS_JSON --t0 UNIX --t1 UNIX
                 [--expect RULE:ATTACKER>VICTIM]... [--need EXPR]...

- Every alert valid against the schema, every life cycle whole
  (tests/tools/check_alerts.py).
- Each --expect item is raised: an alert started with that rule, attacker
  (source.ip; '*' = any or none) and victim (destination.ip; '*' = any; a
  prefix such as 198.51.100.0/24 = any address in it, for alerts that name
  a network); and it is raised once: all the alerts matching it share one
  key (rule, source, destination, port). One attack, one alert.
- Nothing else: every alert started matches an --expect item. Without
  --expect the case is benign and must raise nothing at all.
- --need EXPR: the tool's traffic reached the sensor, from its counters
  (`stats --json`, read before the sensor stopped): NAME[+NAME...]>=N, e.g.
  counter_tcp_syn>=1000. A miss that comes from a tool that did not run is
  reported as such, not as a detector's.
- Time to detect: each expected alert's start (@timestamp) minus --t0, the
  moment the tool started (--t1: when it ended); reported, not bounded.
Prints "ok: ..." and exits 0, or "FAIL: ..." lines and exits 1; in both
cases a last line "raised: ..." lists every alert started, with its time
after t0 (the suite's summary is made of these lines).
"""
import argparse
import datetime
import ipaddress
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def iso_to_unix(ts):
    return datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc).timestamp()


def key(d):
    return (d['rule']['name'], d.get('source', {}).get('ip'),
            d.get('destination', {}).get('ip'), d.get('destination', {}).get('port'))


def show(k):
    rule, src, dst, port = k
    return '%s:%s>%s%s' % (rule, src or '*', dst or '*', '' if port is None else ':%d' % port)


def parse_expect(item):
    m = re.fullmatch(r'([a-z0-9_]+):([^>]+)>(.+)', item)
    if not m:
        raise SystemExit('bad --expect %r: RULE:ATTACKER>VICTIM' % item)
    return m.groups()


def addr_match(pattern, ip):
    if pattern == '*':
        return True
    if ip is None:
        return False
    if '/' in pattern:
        try:
            return ipaddress.ip_address(ip) in ipaddress.ip_network(pattern)
        except ValueError:
            return False
    return ipaddress.ip_address(ip) == ipaddress.ip_address(pattern)


def matches(d, item):
    rule, attacker, victim = parse_expect(item)
    return (d['rule']['name'] == rule
            and addr_match(attacker, d.get('source', {}).get('ip'))
            and addr_match(victim, d.get('destination', {}).get('ip')))


def need_ok(expr, stats):
    m = re.fullmatch(r'([a-z0-9_+]+)>=(\d+)', expr)
    if not m:
        raise SystemExit('bad --need %r: NAME[+NAME...]>=N' % expr)
    names = m.group(1).split('+')
    for n in names:
        if n not in stats:
            raise SystemExit('--need %r: stats has no counter %s' % (expr, n))
    got = sum(stats[n] for n in names)
    return got >= int(m.group(2)), got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('alerts')
    ap.add_argument('--stats', required=True)
    ap.add_argument('--t0', type=float, required=True)
    ap.add_argument('--t1', type=float, required=True)
    ap.add_argument('--expect', action='append', default=[])
    ap.add_argument('--need', action='append', default=[])
    ap.add_argument('--schema', default=os.path.join(HERE, '..', '..', 'schema',
                                                     'alert.schema.json'))
    a = ap.parse_args()
    for e in a.expect:
        parse_expect(e)

    errors, notes = [], []
    r = subprocess.run([sys.executable, os.path.join(HERE, 'check_alerts.py'), a.schema, a.alerts],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        errors += [l.replace('FAIL: ', '') for l in r.stdout.strip().splitlines()]

    docs = []
    with open(a.alerts) as f:
        for line in f:
            try:
                docs.append(json.loads(line))
            except ValueError:
                pass  # check_alerts.py said so
    starts = [d for d in docs if d.get('event', {}).get('kind') == 'alert'
              and d.get('event', {}).get('action') == 'start']

    for item in a.expect:
        found = [d for d in starts if matches(d, item)]
        if not found:
            errors.append('expected %s: not raised' % item)
            continue
        keys = sorted({key(d) for d in found}, key=str)
        if len(keys) > 1:
            errors.append('expected %s once, raised as %d alerts: %s' % (
                item, len(keys), ', '.join(map(show, keys))))
        ttd = min(iso_to_unix(d['@timestamp']) for d in found) - a.t0
        notes.append('%s detected %.1f s after the tool started (it ran %.1f s)' % (
            item, ttd, a.t1 - a.t0))
    for d in starts:
        if not any(matches(d, e) for e in a.expect):
            errors.append('unexpected alert %s (expected %s)' % (
                show(key(d)), ', '.join(a.expect) or 'none'))

    with open(a.stats) as f:
        stats = json.load(f)
    for expr in a.need:
        ok, got = need_ok(expr, stats)
        if not ok:
            errors.append('the tool did not do its part: %s, the sensor counted %d' % (expr, got))
    if stats.get('packets_malformed'):
        errors.append('%d malformed packets' % stats['packets_malformed'])
    notes.append('%d packets seen' % stats['packets'])

    raised = []
    for d in starts:
        raised.append('%s@%+.1fs' % (show(key(d)), iso_to_unix(d['@timestamp']) - a.t0))
    if errors:
        for e in errors:
            print('FAIL: ' + e)
    else:
        print('ok: ' + '; '.join(notes))
    print('raised: ' + (' '.join(raised) or 'none'))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
