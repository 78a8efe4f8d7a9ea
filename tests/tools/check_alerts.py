#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Checks alert files (JSON lines) that xdpstream wrote.

  check_alerts.py SCHEMA FILE...                    every line valid, lifecycles whole
  check_alerts.py SCHEMA FILE --truth TSV --capture NAME
                                                    and the TRUTH.tsv row of NAME holds

Every alert line (event.kind "alert") must validate against the JSON
Schema; every alert (event.id) must be one start, then updates, then one
end, with the same rule and key. Mitigation events (event.kind "event")
are validated against schema/mitigation.schema.json, next to SCHEMA, and
each block (rate_limit, filter, flowspec, blackhole) id has at most one
end (unblock, unlimit, unfilter, flowspec_withdraw, blackhole_withdraw),
last.
A truth row's `expect` items are RULE:ATTACKER>VICTIM ('*' = any, or
absent); `forbid` lists rule names that must not appear ('*' = none at all).
An IPv6 attacker (an address or a block) is also found in an alert that
names the prefix holding it (xdpstream.source_prefix: per-source rules
count IPv6 sources per /64 by default).
Prints what is wrong and exits 1, or prints a one-line summary and exits 0.
"""
import argparse
import ipaddress
import json
import sys

from jsonschema import Draft202012Validator, FormatChecker


def load_truth(path, capture):
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith('#'):
                continue
            cols = line.rstrip('\n').split('\t')
            if cols[0] == capture:
                cols += [''] * (3 - len(cols))
                expect = [e for e in cols[1].split(';') if e]
                forbid = [r for r in cols[2].split(';') if r]
                return expect, forbid
    raise SystemExit('%s: no row for %s' % (path, capture))


def names_attacker(d, attacker):
    """The alert names the attacker: its address, or a prefix holding it."""
    if attacker == '*' or d.get('source', {}).get('ip') == attacker:
        return True
    pfx = d.get('xdpstream', {}).get('source_prefix')
    if not pfx:
        return False
    try:
        want = ipaddress.ip_network(attacker, strict=False)
        return want.version == 6 and want.subnet_of(ipaddress.ip_network(pfx))
    except ValueError:
        return False


def parse_expect(item):
    rule, rest = item.split(':', 1)
    attacker, victim = rest.split('>', 1)
    return rule, attacker, victim


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('schema')
    ap.add_argument('files', nargs='+')
    ap.add_argument('--truth')
    ap.add_argument('--capture')
    ap.add_argument('--min-alerts', type=int, default=0)
    a = ap.parse_args()

    with open(a.schema) as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    v = Draft202012Validator(schema, format_checker=FormatChecker())
    import os
    with open(os.path.join(os.path.dirname(os.path.abspath(a.schema)),
                           'mitigation.schema.json')) as f:
        mschema = json.load(f)
    Draft202012Validator.check_schema(mschema)
    mv = Draft202012Validator(mschema, format_checker=FormatChecker())
    errors = []
    docs = []
    mitig = {}
    for path in a.files:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    d = json.loads(line)
                except ValueError as e:
                    errors.append('%s:%d: not JSON: %s' % (path, n, e))
                    continue
                kind = d.get('event', {}).get('kind') if isinstance(d, dict) else None
                for e in (mv if kind == 'event' else v).iter_errors(d):
                    where = '/'.join(str(p) for p in e.absolute_path)
                    errors.append('%s:%d: %s: %s' % (path, n, where or '(top)', e.message))
                if kind == 'event':
                    ev = d.get('event', {})
                    mitig.setdefault(ev.get('id'), []).append(ev.get('action'))
                    continue
                docs.append((path, n, d))

    # Lifecycles: start, update*, end, one key per id.
    life = {}
    for path, n, d in docs:
        ev = d.get('event', {})
        key = (d.get('rule', {}).get('name'), d.get('source', {}).get('ip'),
               d.get('destination', {}).get('ip'), d.get('destination', {}).get('port'))
        st = life.setdefault(ev.get('id'), {'key': key, 'actions': [], 'where': '%s:%d' % (path, n)})
        if st['key'] != key:
            errors.append('%s:%d: alert %s changed its key %s -> %s'
                          % (path, n, ev.get('id'), st['key'], key))
        st['actions'].append(ev.get('action'))
    for aid, st in life.items():
        acts = st['actions']
        ok = (acts and acts[0] == 'start' and acts[-1] == 'end' and acts.count('start') == 1
              and acts.count('end') == 1)
        if not ok:
            errors.append('%s: alert %s: actions %s, expected start, update..., end'
                          % (st['where'], aid, acts))

    END_ACTIONS = ('unblock', 'unlimit', 'unfilter', 'flowspec_withdraw', 'blackhole_withdraw')
    for mid, acts in mitig.items():
        ends = [x for x in acts if x in END_ACTIONS]
        if len(ends) > 1 or (ends and acts[-1] not in END_ACTIONS):
            errors.append('mitigation %s: actions %s' % (mid, acts))

    starts = [d for _, _, d in docs if d.get('event', {}).get('action') == 'start']
    if len(starts) < a.min_alerts:
        errors.append('%d alerts, expected at least %d' % (len(starts), a.min_alerts))
    if a.truth:
        expect, forbid = load_truth(a.truth, a.capture)
        for item in expect:
            rule, attacker, victim = parse_expect(item)
            found = [d for d in starts if d['rule']['name'] == rule
                     and names_attacker(d, attacker)
                     and (victim == '*' or d.get('destination', {}).get('ip') == victim)]
            if not found:
                errors.append('%s: expected alert %s not raised' % (a.capture, item))
        for rule in forbid:
            bad = [d for d in starts if rule == '*' or d['rule']['name'] == rule]
            for d in bad:
                errors.append('%s: forbidden alert %s %s>%s' % (
                    a.capture, d['rule']['name'], d.get('source', {}).get('ip', '*'),
                    d.get('destination', {}).get('ip', '*')))

    if errors:
        for e in errors:
            print('FAIL: ' + e)
        return 1
    rules = {}
    for d in starts:
        rules[d['rule']['name']] = rules.get(d['rule']['name'], 0) + 1
    print('ok: %d alert events, %d alerts %s%s' % (
        len(docs), len(starts), ' '.join('%s=%d' % kv for kv in sorted(rules.items())),
        ', %d mitigation events' % sum(len(x) for x in mitig.values()) if mitig else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
