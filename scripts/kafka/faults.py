#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""A TCP proxy in front of a test Kafka broker that loses chosen requests or
answers, for the Kafka sink's tests (tests/sh/sinks_kafka.sh).

    faults.py LISTEN_PORT BROKER_PORT CONTROL_FILE EVENT_LOG

It forwards whole Kafka frames (4-byte length, then the body) both ways and
remembers each request's API key by correlation id. The first line of
CONTROL_FILE, read for every frame, says what to lose:

    pass                   forward everything (also: no file)
    drop-request  KEY      requests with API key KEY never reach the broker
    drop-response KEY      the broker gets them, the client never hears back

(KEY 26 is EndTxn: "drop-response 26" makes a commit that the broker carries
out while the producer never learns that it did.) Every frame lost appends a
line "dropped request|response KEY" to EVENT_LOG, so a test can wait for it.

Scripts/kafka.sh puts the broker's FAULTS listener on BROKER_PORT and
advertises LISTEN_PORT on it (XS_KAFKA_FAULT_PORT), so a client that
bootstraps here keeps talking through the proxy.
"""
import asyncio
import struct
import sys


def mode(path):
    try:
        with open(path) as f:
            words = f.readline().split()
    except OSError:
        return "pass", None
    if len(words) == 2 and words[0] in ("drop-request", "drop-response"):
        return words[0], int(words[1])
    return "pass", None


def note(path, text):
    with open(path, "a") as f:
        f.write(text + "\n")


async def frames(reader):
    while True:
        head = await reader.readexactly(4)
        (size,) = struct.unpack(">i", head)
        body = await reader.readexactly(size)
        yield head + body, body


async def session(creader, cwriter, broker_port, control, log):
    try:
        ureader, uwriter = await asyncio.open_connection("127.0.0.1", broker_port)
    except OSError:
        cwriter.close()
        return
    keys = {}

    async def upstream():
        try:
            async for frame, body in frames(creader):
                key, _, corr = struct.unpack(">hhi", body[:8])
                what, lose = mode(control)
                if what == "drop-request" and key == lose:
                    note(log, f"dropped request {key}")
                    continue
                keys[corr] = key
                uwriter.write(frame)
                await uwriter.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            uwriter.close()

    async def downstream():
        try:
            async for frame, body in frames(ureader):
                (corr,) = struct.unpack(">i", body[:4])
                key = keys.pop(corr, None)
                what, lose = mode(control)
                if what == "drop-response" and key == lose:
                    note(log, f"dropped response {key}")
                    continue
                cwriter.write(frame)
                await cwriter.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            cwriter.close()

    await asyncio.gather(upstream(), downstream())


async def main():
    listen, broker_port, control, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    server = await asyncio.start_server(
        lambda r, w: session(r, w, broker_port, control, log), "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit("usage: faults.py LISTEN_PORT BROKER_PORT CONTROL_FILE EVENT_LOG")
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
