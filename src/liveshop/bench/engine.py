"""`liveshop bench engine`: the memory stock engine without HTTP, against its baselines.

- reserve ops/s: the engine's whole in-memory decision (room and listing state, per-user
  limit, stock, idempotency record) for distinct buyers, vs Redis EVALSHA (plain, pipelined 16);
- durable orders/s: concurrent buyers through reserve → group commit → acknowledged, vs
  pgbench on one hot row (32 clients);
- single-buyer latency: one buyer at a time, reserve → durable, vs pgbench with 1 client.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from liveshop.bench.baselines import Baseline, pgbench_hot_row, redis_evalsha
from liveshop.bench.flash_sale import scratch_database, seed
from liveshop.bootstrap import build_services
from liveshop.check import run_check
from liveshop.core.config import Settings
from liveshop.inventory.groupcommit import Batch


@dataclass
class EngineResult:
    database: str
    reserve_per_second: float
    durable_per_second: float
    durable_orders: int
    batches: int
    single_buyer_ms: float
    pg_single_client_ms: float | None
    asyncpg_single_client_ms: float | None
    direct_commit_ms: float
    baselines: list[Baseline] = field(default_factory=list)
    check_ok: bool = False


@dataclass
class Measured:
    reserve_rate: float
    durable_rate: float
    orders: int
    batches: int
    single_ms: float
    direct_ms: float
    asyncpg_single_ms: float | None
    check_ok: bool


async def _measure(database_url: str, *, reserves: int, durable: int, concurrency: int) -> Measured:
    settings = Settings(database_url=database_url, inventory_backend="memory", env="development")
    services = build_services(settings)
    engine = services.engine
    assert engine is not None
    from liveshop.core.migrate import upgrade

    await upgrade(services.db)
    now = services.clock.now()
    try:
        # 1. The in-memory decision alone (claims are not flushed: the writer is not running).
        listing_id, _, _ = await seed(services.db, stock=reserves, buyers=0)
        hot = await engine._listing(listing_id)
        keys = [uuid.uuid4().hex for _ in range(reserves)]  # as they arrive in the request header
        started = time.perf_counter()
        for buyer in range(reserves):
            engine._claim(hot, buyer, 1, keys[buyer], "f", now, 900)
        reserve_rate = reserves / (time.perf_counter() - started)
        engine.commits._batches.clear()
        # 2. Durable: many buyers at once through the whole engine, group commit included.
        listing_id, _, buyers = await seed(services.db, stock=durable, buyers=durable)
        engine.start()
        pending = iter(buyers)
        acked: list[int] = []

        async def buyer_loop() -> None:  # `concurrency` buyers in flight, as a load generator keeps them
            for buyer_id in pending:
                order, _ = await engine.place(buyer_id=buyer_id, listing_id=listing_id, quantity=1,
                                              idempotency_key=uuid.uuid4().hex, fingerprint="f", now=now,
                                              payment_timeout=900)
                acked.append(order.id)

        batches_before = engine.commits.commits
        started = time.perf_counter()
        await asyncio.gather(*(buyer_loop() for _ in range(concurrency)))
        durable_rate = len(acked) / (time.perf_counter() - started)
        durable_orders = len(acked)
        batches = engine.commits.commits - batches_before
        # 3. One buyer at a time: reserve → durable, nothing to share a commit with; interleaved
        # with the same one-order commit sent straight to the batch writer (no engine, no
        # hand-off to the writer task): the difference is what batching costs at low load.
        listing_id, _, _ = await seed(services.db, stock=201, buyers=0)
        direct_listing, _, _ = await seed(services.db, stock=201, buyers=0)
        await engine._listing(direct_listing)  # the writer copies the listing's facts from here
        timings, direct = [], []
        for buyer in buyers[:200]:
            t0 = time.perf_counter()
            order, _ = await engine.place(buyer_id=buyer, listing_id=listing_id, quantity=1,
                                          idempotency_key=uuid.uuid4().hex, fingerprint="f", now=now,
                                          payment_timeout=900)
            timings.append(time.perf_counter() - t0)
            acked.append(order.id)
            batch = Batch()
            batch.add(direct_listing, buyer, 1, 100, uuid.uuid4().hex, "f", now, 900)
            t0 = time.perf_counter()
            await engine.commits.flush(batch, engine._hot)
            direct.append(time.perf_counter() - t0)
        single_ms = statistics.median(timings) * 1000
        direct_ms = statistics.median(direct) * 1000
        report = await run_check(services.db, acknowledged_order_ids=acked)
        return Measured(reserve_rate, durable_rate, durable_orders, batches, single_ms, direct_ms,
                        await _asyncpg_single_client_ms(database_url), report.ok)
    finally:
        await engine.stop()
        await services.db.dispose()


async def _asyncpg_single_client_ms(database_url: str, runs: int = 500) -> float | None:
    """The Python client's floor: pgbench's one-row update sent from asyncpg (median)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    if not database_url.startswith("postgresql"):
        return None
    conn = await asyncpg.connect(make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await conn.execute("CREATE TABLE liveshop_bench_one (id int PRIMARY KEY, n bigint); "
                           "INSERT INTO liveshop_bench_one VALUES (1, 1000000000)")
        timings = []
        for _ in range(runs):
            t0 = time.perf_counter()
            await conn.execute("UPDATE liveshop_bench_one SET n = n - 1 WHERE id = 1 AND n > 0")
            timings.append(time.perf_counter() - t0)
        await conn.execute("DROP TABLE liveshop_bench_one")
    finally:
        await conn.close()
    timings.sort()
    return timings[len(timings) // 2] * 1000


def _pgbench_single_client_ms(server_url: str) -> float | None:
    """Median-ish latency of one hot-row update from a single client (pgbench's average)."""
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    db = url.database or "postgres"
    setup = ("DROP TABLE IF EXISTS liveshop_bench_one; CREATE TABLE liveshop_bench_one (id int PRIMARY KEY, n bigint);"
             "INSERT INTO liveshop_bench_one VALUES (1, 1000000000);")
    if subprocess.run(["psql", *args, "-d", db, "-q", "-c", setup], capture_output=True).returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "one.sql"
        script.write_text("UPDATE liveshop_bench_one SET n = n - 1 WHERE id = 1 AND n > 0;\n")
        out = subprocess.run(["pgbench", *args, "-n", "-c", "1", "-T", "3", "-f", str(script), db],
                             capture_output=True, text=True)
    subprocess.run(["psql", *args, "-d", db, "-q", "-c", "DROP TABLE liveshop_bench_one"], capture_output=True)
    match = re.search(r"latency average = ([\d.]+) ms", out.stdout)
    return float(match.group(1)) if match else None


def run_engine_bench(*, postgres_url: str, redis_url: str, reserves: int, durable: int, concurrency: int,
                     console: Console) -> EngineResult:
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("memory engine on a scratch PostgreSQL database", total=1)
        with scratch_database(postgres_url) as url:
            m = asyncio.run(
                _measure(url, reserves=reserves, durable=durable, concurrency=concurrency)
            )
        progress.update(task, completed=1)
        task = progress.add_task("baselines: redis-benchmark, pgbench (32 clients and 1 client)", total=1)
        baselines = [redis_evalsha(redis_url), redis_evalsha(redis_url, pipeline=16), pgbench_hot_row(postgres_url)]
        pg_one = _pgbench_single_client_ms(postgres_url)
        progress.update(task, completed=1)
    return EngineResult("postgresql", m.reserve_rate, m.durable_rate, m.orders, m.batches, m.single_ms, pg_one,
                        m.asyncpg_single_ms, m.direct_ms, baselines, m.check_ok)


def print_engine_result(result: EngineResult, console: Console) -> None:
    plain, piped, pg = result.baselines
    table = Table(title="memory stock engine (no HTTP) · PostgreSQL")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("baseline", justify="right")
    table.add_column("ratio", justify="right")
    table.add_column("target", justify="right")

    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}" if a and b else "n/a"

    table.add_row("reserve ops/s (limits + idempotency record)", f"{result.reserve_per_second:,.0f}",
                  f"EVALSHA piped 16: {piped.per_second or 0:,.0f}", ratio(result.reserve_per_second, piped.per_second), "≥ 2")
    table.add_row("", "", f"EVALSHA plain: {plain.per_second or 0:,.0f}", ratio(result.reserve_per_second, plain.per_second), "≥ 10")
    table.add_row(f"durable orders/s ({result.durable_orders} orders, {result.batches} commits)",
                  f"{result.durable_per_second:,.0f}", f"pgbench 32 clients: {pg.per_second or 0:,.0f} tps",
                  ratio(result.durable_per_second, pg.per_second), "≥ 5")
    table.add_row("single buyer, reserve → durable (ms, median)", f"{result.single_buyer_ms:.2f}",
                  f"pgbench 1 client: {result.pg_single_client_ms or 0:.2f} ms",
                  ratio(result.single_buyer_ms, result.pg_single_client_ms), "≤ 1.5")
    table.add_row("", "", f"same update from asyncpg: {result.asyncpg_single_client_ms or 0:.2f} ms",
                  ratio(result.single_buyer_ms, result.asyncpg_single_client_ms), "(Python floor)")
    table.add_row("", "", f"same order, batch writer called directly: {result.direct_commit_ms:.2f} ms",
                  ratio(result.single_buyer_ms, result.direct_commit_ms), "(batching's own cost)")
    console.print(table)
    console.print("liveshop check: " + ("[green]OK[/]" if result.check_ok else "[red]violations[/]"))
