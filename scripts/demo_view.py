#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The terminal side of `make demo` (scripts/demo.sh).

  demo_view.py view --alerts FILE [--log FILE]
      Reads what `xdpstream run` writes (alerts as JSON lines on stdout, the
      per-second counter line and log lines on stderr, both into stdin) and
      prints one line per alert start and end and one counter line per
      second; every alert line (updates included) is appended to FILE, the
      other lines as they came to the --log file.
      Ignores SIGINT: on Ctrl-C the daemon ends its open alerts and exits,
      and those last lines are still shown; the view exits at end of input.
  demo_view.py sent GEN_JSON
      One line: what one `xdpstream gen --json` run sent.
  demo_view.py summary --alerts FILE --benign GEN_JSON --attack NAME=GEN_JSON...
                       [--stats STATS_JSON]
      The table: each attack detected or not, by which alert, and the time
      to detect (the alert's @timestamp minus the time the attack's first
      frame left, `start_unix`). Exits 1 if an attack's expected alert is
      missing, if an alert started while only benign traffic ran, or if an
      alert matches none of the attacks; 0 otherwise.
"""
import argparse
import datetime
import json
import os
import re
import signal
import time
import sys

COLOR = sys.stdout.isatty() and os.environ.get('TERM') != 'dumb' and 'NO_COLOR' not in os.environ


def paint(code, s):
    return '\033[%sm%s\033[0m' % (code, s) if COLOR else s


def num(v):
    """12345 -> 12.3k, as the daemon writes values in its alert lines."""
    v = float(v)
    for above, div, unit in ((1e9, 1e9, 'G'), (1e6, 1e6, 'M'), (1e4, 1e3, 'k')):
        if abs(v) >= above:
            return '%.1f%s' % (v / div, unit)
    return '%d' % v if v == int(v) else '%.1f' % v


def thousands(v):
    return '{:,}'.format(int(v))


def iso_to_unix(ts):
    return datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc).timestamp()


def local_clock(unix):
    return datetime.datetime.fromtimestamp(unix).strftime('%H:%M:%S.%f')[:10]


def who(d):
    """attacker -> victim[:port][/transport], as in the daemon's own line."""
    src = d.get('source', {}).get('ip', '*')
    dst = d.get('destination', {}).get('ip', '*')
    if ':' in dst:
        dst = '[%s]' % dst
    port = d.get('destination', {}).get('port')
    if port is not None:
        dst += ':%d' % port
    tr = d.get('network', {}).get('transport')
    if tr:
        dst += '/' + tr
    return '%s -> %s' % (src, dst)


SEVERITY = {21: 'low', 47: 'medium', 73: 'high', 99: 'critical'}
# The per-second line of `xdpstream run` (user/cmd/cmd_run.c print_rates).
RATES = re.compile(r'^(\d\d:\d\d:\d\d) pkts/s (\S+) bits/s (\S+) \| tcp (\S+) udp (\S+) '
                   r'icmp (\S+) frag (\d+) other (\d+) \| syn (\d+) \| malformed (\d+) \| '
                   r'flows (\d+) events (\d+) lost (\d+)$')


def view(args):
    # Ctrl-C reaches the whole process group: the daemon then ends its open
    # alerts and exits, and this view must live to show those last lines.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out = open(args.alerts, 'a', buffering=1)
    log = open(args.log, 'a', buffering=1) if args.log else None
    open_alerts = {}
    for line in sys.stdin:
        line = line.rstrip('\n')
        if log and not line.startswith('{'):
            log.write(line + '\n')
        if line.startswith('{'):
            out.write(line + '\n')
            try:
                d = json.loads(line)
            except ValueError:
                print(paint('31', 'not JSON: ' + line), flush=True)
                continue
            ev, x = d['event'], d['xdpstream']
            rule = d['rule']['name']
            t = local_clock(iso_to_unix(d['@timestamp']))
            obs = x.get('observed', {})
            if ev['action'] == 'start':
                open_alerts[ev['id']] = d
                limit = ('>= %s' % num(x['threshold'])) if 'threshold' in x else 'above baseline'
                sev = SEVERITY.get(ev.get('severity'), str(ev.get('severity')))
                print('%s  %s %-12s %-40s %s %s %s over %gs  [%s]' % (
                    t, paint('1;31', 'START'), rule, who(d), num(obs.get('value', 0)),
                    obs.get('unit', ''), limit, x['window_s'], sev), flush=True)
            elif ev['action'] == 'end':
                open_alerts.pop(ev['id'], None)
                print('%s  %s %-12s %-40s peak %s %s, lasted %.1f s (%s)' % (
                    t, paint('1;32', 'END  '), rule, who(d), num(x.get('peak', 0)),
                    obs.get('unit', ''), ev.get('duration', 0) / 1e9, ev.get('reason', '')),
                    flush=True)
            continue
        m = RATES.match(line)
        if m:
            (_, pps, bps, tcp, udp, icmp, frag, _, _, _, flows, _,
             _) = m.groups()
            print(paint('2', '%s  | %8s pkt/s %8s bit/s | tcp %s udp %s icmp %s frag %s | '
                        'new flows %s | alerts open %d' % (
                            local_clock(time.time()), pps, bps, tcp, udp, icmp, num(frag),
                            num(flows), len(open_alerts))), flush=True)
            continue
        if line.strip():
            print(paint('2', '      sensor: ' + line), flush=True)
    out.close()
    return 0


def load(path):
    with open(path) as f:
        return json.load(f)


def sent_line(g):
    """What one gen run sent, in a few words."""
    parts = []
    for s in g.get('segments', [g]):
        rate = s['frames'] / s['seconds'] if s.get('seconds') else 0
        what = '%s %s' % (thousands(s['units']), s['unit']) if s.get('unit') else ''
        parts.append('%s frames%s in %.1f s (%s frames/s%s)' % (
            thousands(s['frames']), ' (%s)' % what if what and s['unit'] != 'packets' else '',
            s['seconds'], num(rate), ', ' + s['tx'] if s.get('tx') else ''))
    return '; '.join(parts)


def sent(args):
    g = load(args.file)
    print('      sent: ' + sent_line(g))
    for s in g.get('segments', [g]):
        if s.get('rate_kept') is False:
            print('      (the %s path could not keep the rate asked)' % s.get('tx'))
    return 0


def matches(d, seg):
    if d['rule']['name'] != seg['rule']:
        return False
    if seg['attacker'] != '*' and d.get('source', {}).get('ip') != seg['attacker']:
        return False
    if seg['victim'] != '*' and d.get('destination', {}).get('ip') != seg['victim']:
        return False
    return True


def summary(args):
    starts = []
    with open(args.alerts) as f:
        for line in f:
            if line.strip():
                d = json.loads(line)
                if d['event']['action'] == 'start':
                    starts.append((iso_to_unix(d['@timestamp']), d))
    benign = load(args.benign)
    benign = benign.get('segments', [benign])[0]
    attacks = []
    for a in args.attack:
        name, path = a.split('=', 1)
        g = load(path)
        attacks.append((name, g.get('segments', [g])[0], g))
    first_attack = min(seg['start_unix'] for _, seg, _ in attacks)

    rows = [('phase', 'traffic sent', 'expected alert', 'result', 'time to detect')]
    failures = []
    benign_alerts = [d for t, d in starts if t < first_attack]
    rows.append(('benign, alone for %.0f s' % (first_attack - benign['start_unix']),
                 sent_line(benign), 'none', 'ok: no alert' if not benign_alerts
        else 'FALSE ALARM x%d' % len(benign_alerts), '-'))
    for d in benign_alerts:
        failures.append('an alert started while only benign traffic ran: %s %s' % (
            d['rule']['name'], who(d)))
    matched = set()
    for name, seg, g in attacks:
        exp = '%s %s -> %s' % (seg['rule'], seg['attacker'], seg['victim'])
        found = [(t, d) for t, d in starts if matches(d, seg)]
        for _, d in found:
            matched.add(d['event']['id'])
        if found:
            t, d = min(found, key=lambda td: td[0])
            rows.append((name, sent_line(g), exp, 'DETECTED',
                         '%.2f s' % (t - seg['start_unix'])))
        else:
            rows.append((name, sent_line(g), exp, 'MISSED', '-'))
            failures.append('%s: expected alert %s not raised' % (name, exp))
    for t, d in starts:
        if t >= first_attack and d['event']['id'] not in matched:
            failures.append('unexpected alert: %s %s' % (d['rule']['name'], who(d)))

    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        cells = [c.ljust(w) for c, w in zip(r, widths)]
        if i == 0:
            print(paint('1', '  '.join(cells).rstrip()))
            continue
        res = cells[3]
        cells[3] = paint('1;32' if r[3] in ('DETECTED', 'ok: no alert') else '1;31', res)
        print('  '.join(cells).rstrip())

    print('\ntime to detect: the first alert\'s @timestamp (the end of the tick that raised it) '
          'minus the moment the attack\'s first frame left the generator')
    if args.stats:
        st = load(args.stats)
        frames = sum(s['frames'] for _, seg, g in attacks for s in g.get('segments', [g]))
        frames += benign['frames']
        same = 'exactly what was sent' if st['packets'] == frames else \
            'MISMATCH: the generators sent %s' % thousands(frames)
        print('kernel counters: the sensor counted %s packets (%s bytes) -- %s' % (
            thousands(st['packets']), thousands(st['bytes']), same))
        if st['packets'] != frames:
            failures.append('the sensor counted %d packets, the generators sent %d' % (
                st['packets'], frames))
    if failures:
        print()
        for f in failures:
            print(paint('1;31', 'FAIL: ') + f)
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('view')
    p.add_argument('--alerts', required=True)
    p.add_argument('--log', help="the daemon's other lines, as they came")
    p = sub.add_parser('sent')
    p.add_argument('file')
    p = sub.add_parser('summary')
    p.add_argument('--alerts', required=True)
    p.add_argument('--benign', required=True)
    p.add_argument('--attack', action='append', required=True, metavar='NAME=GEN_JSON')
    p.add_argument('--stats')
    a = ap.parse_args()
    return {'view': view, 'sent': sent, 'summary': summary}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
