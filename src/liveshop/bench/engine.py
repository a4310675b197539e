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


@dataclass
class EngineResult:
    database: str
    reserve_per_second: float
    durable_per_second: float
    durable_orders: int
    batches: int
    single_buyer_ms: float
    pg_single_client_ms: float | None
    baselines: list[Baseline] = field(default_factory=list)
    check_ok: bool = False


async def _measure(database_url: str, *, reserves: int, durable: int, concurrency: int) -> tuple[float, float, int, int, float, bool]:
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
        started = time.perf_counter()
        for buyer in range(1, reserves + 1):
            engine._claim(hot, buyer, 1, f"k{buyer}", "f", now, 900)
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
        batches = engine.commits.commits - batches_before
        # 3. One buyer at a time: reserve → durable, nothing to share a commit with.
        listing_id, _, _ = await seed(services.db, stock=200, buyers=0)
        timings = []
        for buyer in buyers[:200]:
            t0 = time.perf_counter()
            await engine.place(buyer_id=buyer, listing_id=listing_id, quantity=1, idempotency_key=uuid.uuid4().hex,
                               fingerprint="f", now=now, payment_timeout=900)
            timings.append(time.perf_counter() - t0)
        timings.sort()
        single_ms = timings[len(timings) // 2] * 1000
        report = await run_check(services.db, acknowledged_order_ids=acked)
        return reserve_rate, durable_rate, len(acked), batches, single_ms, report.ok
    finally:
        await engine.stop()
        await services.db.dispose()


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
            reserve_rate, durable_rate, orders, batches, single_ms, ok = asyncio.run(
                _measure(url, reserves=reserves, durable=durable, concurrency=concurrency)
            )
        progress.update(task, completed=1)
        task = progress.add_task("baselines: redis-benchmark, pgbench (32 clients and 1 client)", total=1)
        baselines = [redis_evalsha(redis_url), redis_evalsha(redis_url, pipeline=16), pgbench_hot_row(postgres_url)]
        pg_one = _pgbench_single_client_ms(postgres_url)
        progress.update(task, completed=1)
    return EngineResult("postgresql", reserve_rate, durable_rate, orders, batches, single_ms, pg_one, baselines, ok)


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
    console.print(table)
    console.print("liveshop check: " + ("[green]OK[/]" if result.check_ok else "[red]violations[/]"))
