#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""A sensor's network link to the test broker, which a test can cut.

    nsbridge.py PORT CONTROL_FILE NETNS...

The test broker (scripts/kafka.sh) listens on 127.0.0.1:PORT of this
namespace and advertises that address. Each sensor of the fleet lab
(scripts/lib/fleetlab.sh: the fleet test and demo) runs in a network
namespace of its own (a lab's sensor side), where 127.0.0.1 is its own
loopback: this listens on 127.0.0.1:PORT inside every NETNS given
and forwards each connection to 127.0.0.1:PORT here, so the sensor's Kafka
client reaches the broker under the address the broker advertises, and the
host's network is not touched.

CONTROL_FILE holds one line per namespace whose link is cut ("cut NETNS");
it is read every 100 ms. Cutting closes the namespace's connections and
refuses new ones (the client sees a broker that went away); removing the
line lets them through again. Prints "ready" once every listener is up.
"""
import asyncio
import ctypes
import os
import socket
import sys

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


def listener_in(netns, port):
    """A listening socket in netns (the socket stays there when we leave)."""
    home_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        setns(f"/run/netns/{netns}")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(64)
        s.setblocking(False)
    finally:
        if libc.setns(home_fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns back home")
        os.close(home_fd)
    return s


class Bridge:
    def __init__(self, port, control):
        self.port, self.control = port, control
        self.cut = set()
        self.sessions = {}  # netns -> set of writers

    def read_control(self):
        try:
            with open(self.control) as f:
                return {w[1] for w in (l.split() for l in f) if len(w) == 2 and w[0] == "cut"}
        except OSError:
            return set()

    async def watch(self):
        while True:
            cut = self.read_control()
            for ns in cut - self.cut:
                for w in list(self.sessions.get(ns, ())):
                    w.close()
            self.cut = cut
            await asyncio.sleep(0.1)

    async def pipe(self, r, w):
        try:
            while data := await r.read(65536):
                w.write(data)
                await w.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            w.close()

    async def session(self, netns, cr, cw):
        if netns in self.cut:
            cw.close()
            return
        try:
            ur, uw = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            cw.close()
            return
        mine = self.sessions.setdefault(netns, set())
        mine.update((cw, uw))
        await asyncio.gather(self.pipe(cr, uw), self.pipe(ur, cw))
        mine.discard(cw)
        mine.discard(uw)


async def main():
    port, control, names = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    b = Bridge(port, control)
    servers = []
    for ns in names:
        sock = listener_in(ns, port)
        servers.append(await asyncio.start_server(
            lambda r, w, ns=ns: b.session(ns, r, w), sock=sock))
    print("ready", flush=True)
    await b.watch()


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
