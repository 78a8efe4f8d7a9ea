#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Rewrites a classic pcap of link type Linux SLL (113) or raw IP (101/12/14)
as Ethernet (1): `xdpstream replay` reads Ethernet only. Each frame gets a
14-byte Ethernet header (fixed locally administered MACs, the SLL protocol
or the IP version as EtherType); frames that carry neither IPv4 nor IPv6
are dropped and counted. Timestamps and payloads are kept byte for byte.
Usage: sll2eth.py IN.pcap OUT.pcap"""
import struct
import sys

SRC = bytes.fromhex('020000000001')
DST = bytes.fromhex('020000000002')


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: sll2eth.py IN.pcap OUT.pcap')
    data = open(sys.argv[1], 'rb').read()
    if len(data) < 24:
        sys.exit('sll2eth: %s: not a pcap file' % sys.argv[1])
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        sys.exit('sll2eth: %s: not a classic pcap (convert pcapng with editcap -F pcap)' % sys.argv[1])
    vmaj, vmin, zone, sig, snap, lt = struct.unpack(e + 'HHiIII', data[4:24])
    if lt not in (113, 101, 12, 14):
        sys.exit('sll2eth: %s: link type %d is neither Linux SLL nor raw IP' % (sys.argv[1], lt))
    out = [magic + struct.pack(e + 'HHiIII', vmaj, vmin, zone, sig, snap + 14, 1)]
    off, kept, dropped = 24, 0, 0
    while off + 16 <= len(data):
        ts, tu, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if lt == 113:
            proto, payload, cut = (struct.unpack('>H', frame[14:16])[0] if len(frame) >= 16 else 0), frame[16:], 16
        else:
            ver = frame[0] >> 4 if frame else 0
            proto, payload, cut = {4: 0x0800, 6: 0x86dd}.get(ver, 0), frame, 0
        if proto not in (0x0800, 0x86dd):
            dropped += 1
            continue
        eth = DST + SRC + struct.pack('>H', proto) + payload
        out.append(struct.pack(e + 'IIII', ts, tu, len(eth), orig - cut + 14) + eth)
        kept += 1
    open(sys.argv[2], 'wb').write(b''.join(out))
    print('sll2eth: %d frames kept, %d without IP dropped' % (kept, dropped), file=sys.stderr)


if __name__ == '__main__':
    main()
