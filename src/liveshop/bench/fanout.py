"""`liveshop bench fanout`: one room, C WebSocket viewers, chat published at rate R.

Three processes on loopback: the server, the load generator (`bench/wsclients.py`) and this
runner, which publishes chat through the bench route (straight into the room hub, as
committed comments reach it) and a critical event every half second through the real API
(a listing's price changes: numbered, stored, never to be lost). Measured in the same run:

- baseline: `bench/bare_ws.py`, a bare asyncio server writing one pre-framed frame per tick
  with the same chat to the same number of clients — the ceiling for Python here;
- liveshop's channel gateway (`LIVESHOP_CHANNEL_PORT`) at rate R, the ASGI route at rate R,
  then the gateway under a chat flood of 10× the room's chat budget (each run a fresh room).

Reported: delivered logical messages/s (events × receiving clients), frames/s, publish →
receive p50/p99, server CPU, critical events lost, disconnects (clients resume).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from liveshop.bench.flash_sale import bench_database
from liveshop.bench.server import free_port, spawn_server
from liveshop.core.db import Database
from liveshop.core.migrate import upgrade


@dataclass
class FanoutOptions:
    clients: int = 5000
    rate: float = 200.0
    seconds: float = 10.0
    tick: float = 0.1
    chat_budget: int = 30
    flood: bool = True
    database_url: str | None = None


@dataclass
class Run:
    name: str
    rate: float
    result: dict[str, Any]
    server_cpu: float | None = None

    @property
    def delivered_per_second(self) -> float:
        return self.result["events"] / self.result["seconds"]

    @property
    def frames_per_second(self) -> float:
        return self.result["frames"] / self.result["seconds"]

    def percentile(self, q: float) -> float | None:
        buckets = sorted((int(k), n) for k, n in self.result["latency_buckets_ms"].items())
        total = sum(n for _, n in buckets)
        if not total:
            return None
        seen = 0
        for ms, n in buckets:
            seen += n
            if seen >= q * total:
                return ms + 5  # the bucket's upper edge
        return buckets[-1][0] + 5


@dataclass
class FanoutResult:
    options: FanoutOptions
    runs: list[Run] = field(default_factory=list)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_port(port: int, seconds: float = 20) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


async def _seed(base: str) -> tuple[dict[str, str], int, int, int]:
    """A merchant, a live room with one listing, over the API: (auth, room, listing, seq)."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        name = f"fanout{os.getpid()}{int(time.time())}"
        await http.post("/api/v1/users", json={"username": name, "password": "bench password 1"})
        token = (await http.post("/api/v1/sessions", json={"username": name, "password": "bench password 1"})).json()
        auth = {"Authorization": f"Bearer {token['token']}"}
        shop = (await http.post("/api/v1/shops", json={"name": "Fanout"}, headers=auth)).json()
        product = (await http.post(f"/api/v1/shops/{shop['id']}/products", json={
            "title": "Bench tea", "price_cents": 1000, "currency": "CNY", "stock": 100}, headers=auth)).json()
        room = (await http.post("/api/v1/rooms", json={"shop_id": shop["id"], "title": "Fanout",
                                                       "scheduled_at": "2026-01-01T00:00:00Z"}, headers=auth)).json()
        await http.post(f"/api/v1/rooms/{room['id']}/start", headers=auth)
        listing = (await http.post(f"/api/v1/rooms/{room['id']}/listings",
                                   json={"product_id": product["id"], "stock": 10}, headers=auth)).json()
        seq = (await http.get(f"/api/v1/rooms/{room['id']}")).json()["seq"]
        return auth, room["id"], listing["id"], seq


def _start_clients(workdir: Path, name: str, port: int, path: str, clients: int, seconds: float,
                   since: int | None) -> tuple[subprocess.Popen[bytes], Path, Path, Path]:
    plan, result = workdir / f"{name}.plan.json", workdir / f"{name}.result.json"
    ready, go = workdir / f"{name}.ready", workdir / f"{name}.go"
    plan.write_bytes(orjson.dumps({"host": "127.0.0.1", "port": port, "path": path, "clients": clients,
                                   "seconds": seconds, "since": since, "ready_file": str(ready),
                                   "go_file": str(go)}))
    proc = subprocess.Popen([sys.executable, "-m", "liveshop.bench.wsclients", str(plan), str(result)])
    deadline = time.monotonic() + 120
    while not ready.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the WebSocket load generator did not connect its clients")
        time.sleep(0.05)
    return proc, result, go, ready


def _baseline(options: FanoutOptions, workdir: Path) -> Run:
    port = free_port()
    bare = subprocess.Popen([sys.executable, "-m", "liveshop.bench.bare_ws", str(port), str(options.rate),
                             str(options.tick)])
    try:
        _wait_port(port)
        proc, result, go, _ = _start_clients(workdir, "bare", port, "/", options.clients, options.seconds, None)
        cpu0 = _cpu_seconds(bare.pid)
        go.touch()
        proc.wait(timeout=options.seconds + 120)
        cpu = (_cpu_seconds(bare.pid) - cpu0) / options.seconds
        return Run("bare asyncio server (baseline)", options.rate, orjson.loads(result.read_bytes()), cpu)
    finally:
        bare.terminate()
        bare.wait(timeout=10)


def _liveshop(options: FanoutOptions, workdir: Path, server_pid: int, base: str, port: int, name: str,
              rate: float) -> Run:
    """A fresh room; its viewers connect to `port` (the gateway's or the ASGI server's)."""
    auth, room_id, listing_id, seq = asyncio.run(_seed(base))
    proc, result, go, _ = _start_clients(workdir, name.replace(" ", "_").replace(",", ""), port,
                                         f"/api/v1/rooms/{room_id}/live", options.clients, options.seconds, seq)

    async def publish() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            carry, price, next_critical = 0.0, 1000, time.monotonic()
            deadline = time.monotonic() + options.seconds + 1
            while time.monotonic() < deadline:
                started = time.monotonic()
                carry += rate * options.tick
                count, carry = int(carry), carry - int(carry)
                if count:
                    await http.post("/api/v1/bench/publish", json={"room_id": room_id, "messages": count})
                if started >= next_critical:
                    price += 1
                    await http.patch(f"/api/v1/listings/{listing_id}", json={"price_cents": price}, headers=auth)
                    next_critical += 0.5
                await asyncio.sleep(max(0.0, options.tick - (time.monotonic() - started)))

    cpu0 = _cpu_seconds(server_pid)
    go.touch()
    asyncio.run(publish())
    proc.wait(timeout=options.seconds + 120)
    cpu = (_cpu_seconds(server_pid) - cpu0) / (options.seconds + 1)
    return Run(name, rate, orjson.loads(result.read_bytes()), cpu)


def run_fanout(options: FanoutOptions, console: Console) -> FanoutResult:
    out = FanoutResult(options)
    with contextlib.ExitStack() as stack, Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="liveshop-fanout-")))
        task = progress.add_task(f"baseline: bare asyncio server, {options.clients} clients, {options.rate:g} msg/s",
                                 total=1)
        out.runs.append(_baseline(options, workdir))
        progress.update(task, completed=1)
        port = free_port()
        database_url = bench_database(stack, options.database_url, workdir)

        async def migrate() -> None:
            db = Database(database_url)
            try:
                await upgrade(db)
            finally:
                await db.dispose()

        asyncio.run(migrate())
        channel_port = free_port()
        server = spawn_server(database_url=database_url, port=port, env={
            "LIVESHOP_BENCH_ROUTES": "true", "LIVESHOP_ENV": "development", "LIVESHOP_ARGON2_TIME_COST": "1",
            "LIVESHOP_ARGON2_MEMORY_KIB": "1024", "LIVESHOP_TICK_SECONDS": str(options.tick),
            "LIVESHOP_CHAT_BUDGET_PER_TICK": str(options.chat_budget), "LIVESHOP_CHANNEL_PORT": str(channel_port),
        })
        try:
            base = f"http://127.0.0.1:{port}"
            task = progress.add_task(f"liveshop gateway: {options.clients} clients, {options.rate:g} msg/s", total=1)
            out.runs.append(_liveshop(options, workdir, server.pid, base, channel_port, "liveshop gateway",
                                      options.rate))
            progress.update(task, completed=1)
            task = progress.add_task(f"liveshop ASGI route: {options.clients} clients, {options.rate:g} msg/s", total=1)
            out.runs.append(_liveshop(options, workdir, server.pid, base, port, "liveshop ASGI route", options.rate))
            progress.update(task, completed=1)
            if options.flood:
                flood = 10 * options.chat_budget / options.tick
                task = progress.add_task(f"gateway under a chat flood: {flood:g} msg/s (10× the budget)", total=1)
                out.runs.append(_liveshop(options, workdir, server.pid, base, channel_port,
                                          "liveshop gateway, chat flood", flood))
                progress.update(task, completed=1)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return out


def print_fanout(result: FanoutResult, console: Console) -> None:
    table = Table(title=f"room fan-out · {result.options.clients} WebSocket clients · tick {result.options.tick:g} s")
    for column in ("run", "published msg/s", "delivered msg/s", "frames/s", "p50 / p99 ms", "server CPU",
                   "critical lost", "disconnects", "connected", "joins/s", "loadgen CPU"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for run in result.runs:
        r = run.result
        p50, p99 = run.percentile(0.5), run.percentile(0.99)
        table.add_row(run.name, f"{run.rate:,.0f}", f"{run.delivered_per_second:,.0f}", f"{run.frames_per_second:,.0f}",
                      f"{p50 or 0:.0f} / {p99 or 0:.0f}", f"{(run.server_cpu or 0) * 100:.0f} %",
                      str(r["lost_critical"]), str(r["disconnects"]), f"{r['connected']}/{r['clients']}",
                      f"{r['joins_per_second']:,.0f}", f"{r['loadgen_cpu'] * 100:.0f} %")
    console.print(table)
    base = result.runs[0]
    ratios = Table(title="ratios (same run)")
    for column in ("ratio", "value", "target"):
        ratios.add_column(column)
    for run in result.runs[1:]:
        if run.rate == base.rate:
            value = f"{run.delivered_per_second / base.delivered_per_second:.2f}" if base.delivered_per_second else "n/a"
            ratios.add_row(f"delivered msg/s ÷ bare asyncio server ({run.name})", value, "≥ 0.6")
    for run in result.runs[1:]:
        ratios.add_row(f"p99 ms ({run.name})", f"{run.percentile(0.99) or 0:.0f}", "≤ 250")
        ratios.add_row(f"critical events lost ({run.name})", str(run.result["lost_critical"]), "0")
    console.print(ratios)


def fanout_ok(result: FanoutResult) -> bool:
    return all(run.result["lost_critical"] == 0 for run in result.runs[1:])
