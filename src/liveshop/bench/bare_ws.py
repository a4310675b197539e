"""The hardware ceiling of `liveshop bench fanout`: a bare asyncio WebSocket server.

Run as its own process (`python -m liveshop.bench.bare_ws PORT RATE TICK`). It accepts
upgrades on any path, and every tick builds one frame of RATE × TICK chat messages (the
same shape liveshop sends, with `sent_at`), frames it once and writes the same bytes to
every connection — no per-connection work beyond the write. What liveshop delivers is
compared with what this delivers to the same clients on the same machine.
"""

from __future__ import annotations

import asyncio
import sys
import time

import orjson
from websockets.utils import accept_key

from liveshop.realtime.gateway import ws_frame


class Peer(asyncio.Protocol):
    def __init__(self, peers: set[asyncio.Transport]) -> None:
        self.peers = peers
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.transport in self.peers:
            return  # client frames are ignored
        self.buffer += data
        if b"\r\n\r\n" not in self.buffer:
            return
        key = b""
        for line in self.buffer.split(b"\r\n"):
            if line.lower().startswith(b"sec-websocket-key:"):
                key = line.split(b":", 1)[1].strip()
        accept = accept_key(key.decode()).encode()
        self.transport.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"  # type: ignore[union-attr]
                             b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        self.peers.add(self.transport)  # type: ignore[arg-type]

    def connection_lost(self, exc: Exception | None) -> None:
        self.peers.discard(self.transport)  # type: ignore[arg-type]


async def main(port: int, rate: float, tick: float) -> None:
    peers: set[asyncio.Transport] = set()
    server = await asyncio.get_running_loop().create_server(lambda: Peer(peers), "127.0.0.1", port, backlog=4096)
    per_tick, carry, next_id = 0.0, 0.0, 1
    async with server:
        while True:
            started = time.monotonic()
            carry += rate * tick
            per_tick, carry = int(carry), carry - int(carry)
            now = time.time()
            events = [{"type": "comment", "id": next_id + i, "user": {"id": 1, "name": "bench"}, "text": "bench message",
                       "staff": None, "buyer": False, "fan": False, "sent_at": now} for i in range(per_tick)]
            next_id += per_tick
            frame = ws_frame(orjson.dumps({"seq": 0, "events": events, "counters": {"viewers": len(peers), "likes": 0}}))
            for transport in list(peers):
                transport.write(frame)
            await asyncio.sleep(max(0.0, tick - (time.monotonic() - started)))


if __name__ == "__main__":
    from liveshop.bench.wsclients import raise_file_limit

    raise_file_limit(100_000)
    import uvloop

    uvloop.run(main(int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])))
