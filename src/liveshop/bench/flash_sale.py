"""`liveshop bench flash-sale`: one hot listing, many distinct buyers, over real HTTP.

The server (uvicorn, N workers) and the load generator run as separate processes on
loopback. In the same run the bench measures the baselines it is judged against: a trivial
POST of the same server stack, Redis EVALSHA (plain and pipelined) and pgbench on one hot
row. It prints figures and ratios, then runs `liveshop check` on the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import insert

from liveshop.bench.baselines import Baseline, pgbench_hot_row, redis_evalsha
from liveshop.bench.server import free_port, spawn_server
from liveshop.catalog import service as catalog
from liveshop.check import CheckReport, run_check
from liveshop.core.auth.store import sessions, users
from liveshop.core.auth.tokens import issue as issue_token
from liveshop.core.clock import SystemClock
from liveshop.core.config import Settings
from liveshop.core.db import Database
from liveshop.core.ids import digest
from liveshop.core.migrate import upgrade
from liveshop.inventory import service as inventory
from liveshop.rooms import service as rooms


@dataclass
class FlashSaleOptions:
    workers: int = 1
    inventory: str = "sql"
    stock: int = 2000
    buyers: int = 20000
    connections: int = 64
    retry_fraction: float = 0.05
    database_url: str | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    baselines: bool = True


@dataclass
class FlashSaleResult:
    options: FlashSaleOptions
    sale: dict[str, Any]
    trivial: dict[str, Any]
    lean: dict[str, Any]
    baselines: list[Baseline] = field(default_factory=list)
    check: CheckReport | None = None
    oversold: int = 0

    @property
    def accepted_per_second(self) -> float:
        """Distinct orders per second from the start until the last one was acknowledged."""
        window = self.sale["last_created_seconds"] or self.sale["wall_seconds"]
        return len(set(self.sale["created_order_ids"])) / window if window else 0.0


async def seed(db: Database, *, stock: int, buyers: int) -> tuple[int, list[str], list[int]]:
    """A live room with one hot listing (limit 1 per buyer) and `buyers` logged-in accounts:
    (listing id, their session tokens, their user ids)."""
    now = SystemClock().now()
    async with db.transaction() as tx:
        merchant_id = (
            await tx.conn.execute(
                insert(users).values(username=f"bench_m_{uuid.uuid4().hex[:8]}", password_hash="!", role="viewer",
                                     created_at=now).returning(users.c.id)
            )
        ).scalar_one()
    from liveshop.core.auth.store import User

    merchant = User(id=merchant_id, username="bench", role="viewer")
    shop = await catalog.create_shop(db, owner=merchant, name="bench", description="", now=now)
    product = await catalog.create_product(db, user=merchant, shop_id=shop.id, title="Flash phone",
                                           price_cents=199900, currency="CNY", stock=stock, now=now)
    room = await rooms.create_room(db, user=merchant, shop_id=shop.id, title="bench", description="",
                                   scheduled_at=now, now=now)
    await rooms.change_status(db, user=merchant, room_id=room.id, action="start", now=now)
    listing = await inventory.create_listing(db, user=merchant, room_id=room.id, product_id=product.id,
                                             price_cents=None, stock=stock, per_user_limit=1, now=now)
    # Sessions as a login makes them (signed with the server's key), without argon2 per buyer.
    key = Settings().session_signing_key
    expires_at = now + timedelta(days=1)
    tokens: list[str] = []
    buyer_ids: list[int] = []
    run = uuid.uuid4().hex[:6]
    for start in range(0, buyers, 2000):
        async with db.transaction() as tx:
            rows = [{"username": f"b{run}_{i}", "password_hash": "!", "role": "viewer", "created_at": now}
                    for i in range(start, min(buyers, start + 2000))]
            ids = (await tx.conn.execute(insert(users).returning(users.c.id), rows)).scalars().all()
            batch = [issue_token(key, user_id=user_id, expires_at=expires_at) for user_id in ids]
            await tx.conn.execute(insert(sessions), [
                {"token_digest": digest(token), "user_id": user_id, "created_at": now, "expires_at": expires_at}
                for token, user_id in zip(batch, ids, strict=True)
            ])
            tokens += batch
            buyer_ids += ids
    return listing["id"], tokens, buyer_ids


def _plan(path: str, tokens: list[str], listing_id: int, port: int, connections: int,
          retry_fraction: float, seed: int = 7) -> dict[str, Any]:
    body = orjson.dumps({"listing_id": listing_id, "quantity": 1}).decode()
    requests = [
        ["POST", path, {"Authorization": f"Bearer {t}", "Idempotency-Key": uuid.uuid4().hex,
                        "Content-Type": "application/json"}, body]
        for t in tokens
    ]
    rng = random.Random(seed)
    # Buyers whose answer got lost retry with the same key: same answer, never a second order.
    requests += [rng.choice(requests) for _ in range(int(len(requests) * retry_fraction))]
    return {"host": "127.0.0.1", "port": port, "connections": connections, "requests": requests}


def _load(plan: dict[str, Any], workdir: Path, name: str) -> dict[str, Any]:
    plan_file, result_file = workdir / f"{name}.plan.json", workdir / f"{name}.result.json"
    plan_file.write_bytes(orjson.dumps(plan))
    subprocess.run([sys.executable, "-m", "liveshop.bench.loadgen", str(plan_file), str(result_file)], check=True)
    return orjson.loads(result_file.read_bytes())


@contextlib.contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A fresh database on the same PostgreSQL server, dropped afterwards: the bench never
    writes into a database that matters."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"liveshop_bench_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(sql))
        finally:
            await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def bench_database(stack: contextlib.ExitStack, given: str | None, folder: Path) -> str:
    """Where a bench runs: a PostgreSQL server URL becomes a scratch database on it (dropped
    when `stack` closes); anything else is used as given, by default a SQLite file in `folder`."""
    if given and given.startswith("postgresql"):
        return stack.enter_context(scratch_database(given))
    return given or f"sqlite+aiosqlite:///{folder / 'bench.db'}"


def run_flash_sale(options: FlashSaleOptions, console: Console) -> FlashSaleResult:
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="liveshop-bench-")))
        database_url = bench_database(stack, options.database_url, workdir)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=console, transient=False) as progress:

            def step(text: str) -> int:
                return progress.add_task(text, total=1)

            task = step(f"seeding 1 hot listing ({options.stock} units) and {options.buyers} buyers")

            async def prepare() -> tuple[int, list[str], list[int]]:
                db = Database(database_url)
                try:
                    await upgrade(db)
                    return await seed(db, stock=options.stock, buyers=options.buyers)
                finally:
                    await db.dispose()

            listing_id, tokens, _ = asyncio.run(prepare())
            progress.update(task, completed=1)
            port = free_port()
            task = step(f"starting the server ({options.workers} worker(s)) on 127.0.0.1:{port}")
            env = {"LIVESHOP_BENCH_ROUTES": "true", "LIVESHOP_INVENTORY_BACKEND": options.inventory,
                   "LIVESHOP_ENV": "development"}
            if options.inventory == "redis":
                env |= {"LIVESHOP_REDIS_URL": options.redis_url,
                        "LIVESHOP_REDIS_PREFIX": f"liveshop-bench:{uuid.uuid4().hex[:8]}:"}
            server = spawn_server(database_url=database_url, port=port, workers=options.workers, env=env)
            progress.update(task, completed=1)
            try:
                task = step("same-stack baseline: trivial POST parsing the same body")
                warm = _plan("/api/v1/bench/echo", tokens[:500], listing_id, port, options.connections, 0)
                _load(warm, workdir, "warmup")
                trivial = _load(_plan("/api/v1/bench/echo", tokens, listing_id, port, options.connections,
                                      options.retry_fraction), workdir, "trivial")
                progress.update(task, completed=1)
                task = step("same-layer baseline: lean echo beside the order hot path")
                lean = _load(_plan("/api/v1/bench/echo-lean", tokens, listing_id, port, options.connections,
                                   options.retry_fraction), workdir, "lean")
                progress.update(task, completed=1)
                task = step(f"flash sale: {len(tokens)} buyers race for {options.stock} units")
                sale = _load(_plan("/api/v1/orders", tokens, listing_id, port, options.connections,
                                   options.retry_fraction), workdir, "sale")
                progress.update(task, completed=1)
            finally:
                server.terminate()
                server.wait(timeout=30)
            baselines: list[Baseline] = []
            if options.baselines:
                task = step("baselines: redis-benchmark EVALSHA, pgbench hot row")
                baselines = [
                    redis_evalsha(options.redis_url),
                    redis_evalsha(options.redis_url, pipeline=16),
                    pgbench_hot_row(options.postgres_url),
                ]
                progress.update(task, completed=1)
            task = step("liveshop check")

            async def audit() -> CheckReport:
                db = Database(database_url)
                try:
                    return await run_check(db, acknowledged_order_ids=sale["created_order_ids"])
                finally:
                    await db.dispose()

            report = asyncio.run(audit())
            progress.update(task, completed=1)
    accepted = len(set(sale["created_order_ids"]))
    return FlashSaleResult(options, sale, trivial, lean, baselines, report, oversold=max(0, accepted - options.stock))


def print_result(result: FlashSaleResult, console: Console) -> None:
    sale, trivial = result.sale, result.trivial
    table = Table(title=f"flash sale · {result.options.inventory} engine · {result.options.workers} worker(s) · stock {result.options.stock} · "
                        f"{result.options.buyers} buyers · {result.options.connections} connections")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("attempts/s (POST /api/v1/orders)", f"{sale['per_second']:,.0f}")
    table.add_row("accepted orders/s (until the last unit sold)",
                  f"{result.accepted_per_second:,.0f}")
    table.add_row("latency p50 / p99 (ms)", f"{sale['p50_ms']:.1f} / {sale['p99_ms']:.1f}")
    table.add_row("answers", ", ".join(f"{k}: {v}" for k, v in sale["statuses"].items()))
    table.add_row("distinct orders created / stock", f"{len(set(sale['created_order_ids']))} / {result.options.stock}")
    table.add_row("trivial POST req/s (FastAPI route, same body)", f"{trivial['per_second']:,.0f}")
    table.add_row("lean echo req/s (the hot path's ASGI layer, same body)", f"{result.lean['per_second']:,.0f}")
    for baseline in result.baselines:
        value = f"{baseline.per_second:,.0f}" if baseline.per_second else f"n/a ({baseline.note})"
        table.add_row(baseline.name + " ops/s", value)
    console.print(table)
    ratios = Table(title="ratios (same run)")
    ratios.add_column("ratio")
    ratios.add_column("value", justify="right")
    ratios.add_column("target", justify="right")
    ratios.add_row("attempts/s ÷ trivial POST (FastAPI route)", f"{sale['per_second'] / trivial['per_second']:.2f}",
                   "≥ 0.80")
    ratios.add_row("attempts/s ÷ lean echo (rules + engine cost)", f"{sale['per_second'] / result.lean['per_second']:.2f}",
                   "≥ 0.80")
    pg = next((b for b in result.baselines if b.name.startswith("PostgreSQL") and b.per_second), None)
    if pg:
        ratios.add_row("accepted orders/s ÷ pgbench hot-row tps", f"{result.accepted_per_second / pg.per_second:.2f}",
                       "≥ 5 (group commit)")
    console.print(ratios)
    report = result.check
    ok = report is not None and report.ok and result.oversold == 0
    console.print(f"oversold: {result.oversold} · liveshop check: "
                  + ("[green]OK[/]" if report and report.ok else f"[red]{len(report.violations) if report else '?'} violations[/]")
                  + f" ({report.listings if report else 0} listings, {report.orders if report else 0} orders, "
                    f"{report.acknowledged if report else 0} acknowledged)")
    if not ok and report:
        for v in report.violations[:20]:
            console.print(f"[red]VIOLATION[/] {v}")
