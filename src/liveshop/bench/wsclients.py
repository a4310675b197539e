"""WebSocket load generator for `liveshop bench fanout`: C raw clients in one room.

Run as its own process (`python -m liveshop.bench.wsclients PLAN RESULT`). Each client is a
bare asyncio protocol: the HTTP upgrade, then unmasked server frames parsed by hand. A room's
frame is the same bytes for every client, so what a frame holds (its events, critical
sequence numbers, the send times of its chat messages) is decoded once and cached by
content; per receipt a client only adds counts. That keeps the generator far cheaper per
frame than the server it measures.

Measured: frames and logical messages (events) delivered, publish → receive latency of
every chat message (bench messages carry `sent_at`, wall clock, same machine) as a 5 ms
histogram, critical sequence numbers missed, disconnects (a closed client resumes with
since=<last seq>, as the viewer page does).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

BUCKET_MS = 5


@dataclass
class FrameInfo:
    events: int
    seqs: list[int]
    # chat send times, as offsets (in buckets) before the newest one, with counts
    newest_sent_at: float | None
    offsets: Counter[int]


@dataclass
class Totals:
    frames: int = 0
    events: int = 0
    chat: int = 0
    lost_critical: int = 0
    disconnects: int = 0
    connected: int = 0
    latency: Counter[int] = field(default_factory=Counter)  # bucket → logical messages
    cache: dict[int, FrameInfo] = field(default_factory=dict)

    def info(self, payload: bytes) -> FrameInfo:
        key = hash(payload)
        found = self.cache.get(key)
        if found is None:
            frame = orjson.loads(payload)
            events = frame.get("events", [])
            seqs = [e["seq"] for e in events if "seq" in e]
            sent = [e["sent_at"] for e in events if "sent_at" in e]
            newest = max(sent) if sent else None
            offsets: Counter[int] = Counter(int((newest - s) * 1000 // BUCKET_MS) for s in sent) if sent else Counter()
            found = FrameInfo(len(events), seqs, newest, offsets)
            if len(self.cache) > 20_000:
                self.cache.clear()
            self.cache[key] = found
        return found


class Client(asyncio.Protocol):
    def __init__(self, totals: Totals, on_lost: asyncio.Future[None]) -> None:
        self.totals = totals
        self.buffer = bytearray()
        self.upgraded = False
        self.last_seq: int | None = None
        self.on_lost = on_lost
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buffer.startswith(b"HTTP/1.1 101"):
                self.transport.close()  # type: ignore[union-attr]
                return
            del self.buffer[: end + 4]
            self.upgraded = True
            self.totals.connected += 1
        self._frames()

    def _frames(self) -> None:
        buf = self.buffer
        pos = 0
        while len(buf) - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if len(buf) - pos < head + length:
                break
            opcode = b0 & 0x0F
            if opcode == 1:
                self._frame(bytes(buf[pos + head : pos + head + length]))
            elif opcode == 8:
                self.transport.close()  # type: ignore[union-attr]
            pos += head + length
        del buf[:pos]

    def _frame(self, payload: bytes) -> None:
        now = time.time()
        totals = self.totals
        info = totals.info(payload)
        totals.frames += 1
        totals.events += info.events
        if info.newest_sent_at is not None:
            base = int((now - info.newest_sent_at) * 1000 // BUCKET_MS)
            for offset, count in info.offsets.items():
                totals.latency[base + offset] += count
            totals.chat += sum(info.offsets.values())
        for seq in info.seqs:
            if self.last_seq is not None and seq > self.last_seq + 1:
                totals.lost_critical += seq - self.last_seq - 1
            if self.last_seq is None or seq > self.last_seq:
                self.last_seq = seq

    def connection_lost(self, exc: Exception | None) -> None:
        if self.upgraded:
            self.totals.connected -= 1
        if not self.on_lost.done():
            self.on_lost.set_result(None)


def _request(host: str, port: int, path: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()


async def _client(plan: dict[str, Any], totals: Totals, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    since = plan.get("since")
    first = True
    while not stop.is_set():
        lost: asyncio.Future[None] = loop.create_future()
        try:
            transport, client = await loop.create_connection(
                functools.partial(Client, totals, lost), plan["host"], plan["port"]
            )
        except OSError:
            totals.disconnects += 1
            await asyncio.sleep(0.5)
            continue
        path = plan["path"] + (f"?since={since}" if since is not None else "")
        transport.write(_request(plan["host"], plan["port"], path))
        if not first:
            totals.disconnects += 1
        first = False
        stop_wait = asyncio.ensure_future(stop.wait())
        await asyncio.wait([lost, stop_wait], return_when=asyncio.FIRST_COMPLETED)
        stop_wait.cancel()
        transport.close()
        since = client.last_seq if client.last_seq is not None else since
        if not stop.is_set():
            await asyncio.sleep(0.2)  # resume after a close, from the last seq seen


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    totals = Totals()
    stop = asyncio.Event()
    clients = []
    joins_started = time.monotonic()
    for i in range(plan["clients"]):
        clients.append(asyncio.create_task(_client(plan, totals, stop)))
        if i % 200 == 199:
            await asyncio.sleep(0.01)  # a join storm, not a SYN flood
    deadline = time.monotonic() + plan.get("connect_seconds", 30)
    while totals.connected < plan["clients"] and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    join_seconds = time.monotonic() - joins_started
    Path(plan["ready_file"]).write_text(str(totals.connected))
    # Measure only once everyone is in and the publisher has started.
    while not Path(plan["go_file"]).exists():
        await asyncio.sleep(0.01)
    start = (totals.frames, totals.events, totals.chat, Counter(totals.latency), totals.lost_critical, totals.disconnects)
    cpu0, t0 = time.process_time(), time.monotonic()
    await asyncio.sleep(plan["seconds"])
    wall, cpu = time.monotonic() - t0, time.process_time() - cpu0
    latency = totals.latency - start[3]
    result = {
        "clients": plan["clients"], "connected": totals.connected, "seconds": wall,
        "frames": totals.frames - start[0], "events": totals.events - start[1], "chat": totals.chat - start[2],
        "lost_critical": totals.lost_critical - start[4], "disconnects": totals.disconnects - start[5],
        "latency_buckets_ms": {str(b * BUCKET_MS): n for b, n in sorted(latency.items())}, "loadgen_cpu": cpu / wall,
        "joins_per_second": totals.connected / join_seconds if join_seconds else 0.0,
    }
    stop.set()
    await asyncio.gather(*clients, return_exceptions=True)
    return result


def main() -> None:
    plan = orjson.loads(Path(sys.argv[1]).read_bytes())
    raise_file_limit(plan["clients"] + 256)
    import uvloop

    result = uvloop.run(run(plan))
    Path(sys.argv[2]).write_bytes(orjson.dumps(result))


def raise_file_limit(wanted: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, wanted), hard))


if __name__ == "__main__":
    main()
