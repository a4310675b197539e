"""A lean HTTP/1.1 load generator: keep-alive connections on uvloop, pre-built requests.

Run as its own process (`python -m liveshop.bench.loadgen PLAN RESULT`) so it does not share
the server's CPU. The plan is JSON: host, port, connections, and requests as
[method, path, headers, body] lists; each request is sent once (attempts are not retried
unless the plan repeats them). The result is JSON: status counts, latencies (p50/p99),
wall time, and the ids of created orders.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from pathlib import Path

import orjson


def encode(method: str, path: str, headers: dict[str, str], body: bytes, host: str) -> bytes:
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        return status, await reader.readexactly(length) if length else b""
    body = b""
    while True:
        size = int((await reader.readline()).strip(), 16)
        if size == 0:
            await reader.readline()
            return status, body
        body += await reader.readexactly(size)
        await reader.readline()


async def run(plan: dict) -> dict:
    host, port = plan["host"], plan["port"]
    requests = [
        encode(m, p, h, b.encode() if isinstance(b, str) else orjson.dumps(b), f"{host}:{port}")
        for m, p, h, b in plan["requests"]
    ]
    cursor = iter(range(len(requests)))
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    created: list[int] = []
    seen: set[int] = set()
    last_created_at = 0.0
    errors = 0

    async def connection() -> None:
        nonlocal errors, last_created_at
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for index in cursor:
                started = time.perf_counter()
                writer.write(requests[index])
                try:
                    status, body = await read_response(reader)
                except (ConnectionError, asyncio.IncompleteReadError):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append(time.perf_counter() - started)
                statuses[status] += 1
                if status == 201 and body.startswith(b'{"id":'):
                    order_id = orjson.loads(body)["id"]
                    if order_id not in seen:  # a retried key's replay is not a new sale
                        seen.add(order_id)
                        last_created_at = time.perf_counter() - started_all
                    created.append(order_id)
        finally:
            writer.close()

    started_all = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(plan["connections"])))
    wall = time.perf_counter() - started_all
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "requests": len(latencies),
        "wall_seconds": wall,
        "per_second": len(latencies) / wall if wall else 0.0,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "errors": errors,
        "last_created_seconds": last_created_at,
        "created_order_ids": created,
    }


def main() -> None:
    plan = orjson.loads(Path(sys.argv[1]).read_bytes())
    try:
        import uvloop

        result = uvloop.run(run(plan))
    except ImportError:
        result = asyncio.run(run(plan))
    Path(sys.argv[2]).write_bytes(orjson.dumps(result))


if __name__ == "__main__":
    main()
