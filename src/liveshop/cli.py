"""`liveshop serve | demo | db | check | user`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from liveshop.core.config import Settings

app = typer.Typer(help="liveshop: self-hosted live commerce.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).")
bench_app = typer.Typer(help="Benchmarks, each with its same-run baselines.")
user_app = typer.Typer(help="Accounts.")
inventory_app = typer.Typer(help="Stock engines.")
eval_app = typer.Typer(help="Offline evaluations on public data, with the issue's targets.")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(bench_app, name="bench")
app.add_typer(inventory_app, name="inventory")
app.add_typer(eval_app, name="eval")
trust_app = typer.Typer(help="Trust & safety: the detectors on this installation's own data.")
app.add_typer(trust_app, name="trust")
media_app = typer.Typer(help="Video: the bundled media server (nginx with the RTMP module).")
app.add_typer(media_app, name="media")
console = Console()


def _settings(database_url: str | None = None) -> Settings:
    return Settings(database_url=database_url) if database_url else Settings()


DbOption = Annotated[str | None, typer.Option("--database-url", help="overrides LIVESHOP_DATABASE_URL")]


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="processes; >1 needs PostgreSQL")] = 1,
    database_url: DbOption = None,
) -> None:
    """Serve the API, pages and room channels (applies migrations first)."""
    import uvicorn

    settings = _settings(database_url)
    if database_url:
        os.environ["LIVESHOP_DATABASE_URL"] = database_url
    if workers > 1:
        if settings.inventory_backend == "memory":
            raise typer.BadParameter(
                "the memory stock engine keeps stock in its process: run one worker "
                "(or LIVESHOP_INVENTORY_BACKEND=sql for several)"
            )
        if settings.is_sqlite:
            raise typer.BadParameter("several workers need PostgreSQL (LIVESHOP_DATABASE_URL)")
        console.print(
            "[yellow]note:[/] room channels are per process until the Redis bus lands; "
            "viewers of one room should reach one worker"
        )
        asyncio.run(_migrate(settings))
    console.print(f"liveshop on [bold]http://{host}:{port}[/] · database {_safe_url(settings.database_url)}")
    uvicorn.run(
        "liveshop.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        log_level="info",
    )


@app.command()
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    viewers: Annotated[int, typer.Option(help="simulated audience size")] = 60,
    database: Annotated[Path, typer.Option(help="SQLite file for the demo (recreated)")] = Path("liveshop-demo.db"),
    keep: Annotated[bool, typer.Option(help="keep an existing demo database")] = False,
    duration: Annotated[float, typer.Option(help="seconds to run; 0 runs until Ctrl-C")] = 0,
    inventory: Annotated[str, typer.Option(help="stock engine: sql | memory | redis")] = "sql",
) -> None:
    """Seed a demo shop with a live room and run it with a simulated audience."""
    from liveshop.demo import run_demo

    if not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    asyncio.run(
        run_demo(
            host=host, port=port, viewers=viewers,
            database_url=f"sqlite+aiosqlite:///{database}", duration=duration, console=console,
            inventory=inventory,
        )
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = "head", database_url: DbOption = None) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    settings = _settings(database_url)
    asyncio.run(_migrate(settings, revision))
    console.print(f"[green]database at {revision}[/] · {_safe_url(settings.database_url)}")


@db_app.command("current")
def db_current(database_url: DbOption = None) -> None:
    """Print the applied migration revision."""
    from liveshop.core.db import Database
    from liveshop.core.migrate import current_revision

    async def run() -> str | None:
        db = Database(_settings(database_url).database_url)
        try:
            return await current_revision(db)
        finally:
            await db.dispose()

    console.print(asyncio.run(run()) or "(empty database)")


async def _migrate(settings: Settings, revision: str = "head") -> None:
    from liveshop.core.db import Database
    from liveshop.core.migrate import upgrade

    db = Database(settings.database_url)
    try:
        await upgrade(db, revision)
    finally:
        await db.dispose()


@app.command()
def check(
    database_url: DbOption = None,
    acks: Annotated[Path | None, typer.Option(help="file of acknowledged order ids, one per line")] = None,
) -> None:
    """Verify from the database alone: sold + reserved + remaining = initial stock for every
    listing, per-user limits, idempotency, acknowledged orders exist. Exit 1 on a violation."""
    from liveshop.check import run_check
    from liveshop.core.db import Database

    ack_ids = [int(x) for x in acks.read_text().split()] if acks else []

    async def run():  # type: ignore[no-untyped-def]
        db = Database(_settings(database_url).database_url)
        try:
            return await run_check(db, acknowledged_order_ids=ack_ids)
        finally:
            await db.dispose()

    report = asyncio.run(run())
    table = Table(title="liveshop check")
    table.add_column("checked")
    table.add_column("count", justify="right")
    table.add_row("listings (stock conservation, reserved/sold vs orders)", str(report.listings))
    table.add_row("orders (price and discount lines, paid ⇒ payment, idempotency keys)", str(report.orders))
    table.add_row("buyer × listing (per-user limits)", str(report.buyers))
    table.add_row("acknowledged orders present", str(report.acknowledged))
    console.print(table)
    if report.ok:
        console.print("[green]OK[/] no violations")
        return
    for violation in report.violations[:100]:
        console.print(f"[red]VIOLATION[/] {violation}")
    console.print(f"[red]{len(report.violations)} violation(s)[/]")
    raise typer.Exit(1)


@app.command("report")
def report_command(
    room: Annotated[int, typer.Argument(help="the room (show) id")],
    out: Annotated[Path | None, typer.Option(help="folder for report.json, minutes.csv and the PNG charts")] = None,
    database_url: DbOption = None,
) -> None:
    """The post-show report of a room, recomputed from the raw event log: key numbers, the
    comparison with the shop's previous shows, the minute table (CSV) and charts (PNG)."""
    import orjson
    from rich.progress import Progress

    from liveshop.analytics import report
    from liveshop.core.clock import SystemClock
    from liveshop.core.db import Database
    from liveshop.core.errors import NotFound

    folder = out or Path(f"report-room-{room}")

    async def run():  # type: ignore[no-untyped-def]
        db = Database(_settings(database_url).database_url)
        try:
            return await report.build(db, await report.room_of(db, room), now=SystemClock().now())
        finally:
            await db.dispose()

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("recomputing from the event log", total=2 + len(report.CHARTS))
        try:
            found = asyncio.run(run())
        except NotFound:
            console.print(f"[red]no room {room}[/]")
            raise typer.Exit(1) from None
        progress.advance(task)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.json").write_bytes(orjson.dumps(found, option=orjson.OPT_INDENT_2))
        (folder / "minutes.csv").write_text(report.minute_csv(found), encoding="utf-8")
        progress.advance(task)
        for chart in report.CHARTS:
            progress.update(task, description=f"chart {chart}")
            (folder / f"{chart}.png").write_bytes(report.chart_png(found, chart))
            progress.advance(task)
    f = found["figures"]
    head = found["room"]
    table = Table(title=f"room {head['id']} · {head['title']} · {head['status']}")
    table.add_column("metric")
    table.add_column("this show", justify="right")
    table.add_column(f"avg of {len(found['previous_shows'])} previous", justify="right")
    table.add_column("change", justify="right")
    for row in found["comparison"]:
        average = row["previous_average"]
        table.add_row(row["metric"], _number(row["this_show"]), _number(average),
                      "—" if row["change_percent"] is None else f"{row['change_percent']:+.1f}%")
    console.print(table)
    console.print(f"orders {f['orders']} · exposures {f['exposures']} → clicks {f['clicks']} · "
                  f"sources {f['traffic_sources']} · {len(f['per_minute'])} minutes")
    console.print(f"written to [bold]{folder}[/]: report.json, minutes.csv, " + ", ".join(f"{c}.png" for c in report.CHARTS))


def _number(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"


def _verdicts(checks: dict[str, tuple[float, str, bool]], chart: Path, png: bytes, *,
              shown: Callable[[str, float], str]) -> None:
    """An evaluation's end: each target met or missed, the chart written, exit 1 if one was missed."""
    missed = 0
    for label, (value, target, ok) in checks.items():
        console.print(f"{'[green]met[/]' if ok else '[red]missed[/]'}  {label}: {shown(label, value)} (target {target})")
        missed += not ok
    chart.write_bytes(png)
    console.print(f"chart written to [bold]{chart}[/]")
    if missed:
        raise typer.Exit(1)


@eval_app.command("feed")
def eval_feed(
    data: Annotated[Path, typer.Option(help="MovieLens-100K interactions (make data/ml-100k/ml-100k.inter)")] = Path(
        "data/ml-100k/ml-100k.inter"),
    strength: Annotated[float, typer.Option(help="the fair re-ranker's damping strength")] = 0.228,
    seed: Annotated[int, typer.Option(help="seed of the live windows and the model")] = 7,
    chart: Annotated[Path, typer.Option(help="where to write the comparison chart (PNG)")] = Path("feed-eval.png"),
) -> None:
    """Popularity, the personalised ranker and the fair re-ranker on a real interaction log
    (MovieLens-100K) with simulated live windows: NDCG@10, Recall@20, coverage@10, exposure Gini
    and the bottom half's share, in one run. Exit 1 if a target is missed."""
    from rich.progress import Progress

    from liveshop.discovery import evaluation, movielens

    try:
        rows = movielens.load(data)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("feed evaluation", total=5)
        report = evaluation.run(rows, strength=strength, seed=seed,
                                progress=lambda what: progress.update(task, advance=1, description=what))
    table = Table(title=f"feed rankers · {report['interactions']:,} interactions · {report['viewers']} viewers · "
                        f"{report['rooms']} rooms · {report['requests']} feed requests")
    metrics = ["ndcg@10", "recall@20", "coverage@10", "exposure_gini@10", "bottom_half_share@10"]
    table.add_column("ranker")
    for metric in metrics:
        table.add_column(metric, justify="right")
    for name, values in report["rankers"].items():  # type: ignore[attr-defined]
        table.add_row(name, *(f"{values[m]:.4f}" for m in metrics))
    console.print(table)
    _verdicts(report["checks"], chart, evaluation.chart_png(report),  # type: ignore[arg-type]
              shown=lambda label, value: f"{value:.2f}×" if "÷" in label else f"{value:.1%}")


@eval_app.command("fraud")
def eval_fraud(
    data: Annotated[Path, typer.Option(help="MovieLens-100K interactions (make data/ml-100k/ml-100k.inter)")] = Path(
        "data/ml-100k/ml-100k.inter"),
    edges: Annotated[int, typer.Option(min=10_000, help="edges of the synthetic power-law graph")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="seed of the graphs and the injections")] = 7,
    chart: Annotated[Path, typer.Option(help="where to write the F1 chart (PNG)")] = Path("fraud-eval.png"),
) -> None:
    """The dense-block detector (FRAUDAR peeling of accounts × (target, hour)) on MovieLens-100K
    and a synthetic power-law graph, with 200 × 200 fraud blocks injected at densities 0.05, 0.1
    and 0.2 under FRAUDAR's camouflages: precision, recall, F1 and time per 1M edges; then the
    lockstep detector on the same graphs with bot groups and organic bursts. Exit 1 if a target
    is missed."""
    from rich.progress import Progress

    from liveshop.trust import evaluation
    from liveshop.trust.injection import CAMOUFLAGES

    try:
        graphs = evaluation.graphs(data, synthetic_edges=edges, seed=seed)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    total = len(graphs) * len(CAMOUFLAGES) * len(evaluation.DENSITIES)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("fraud evaluation", total=total)
        cases = evaluation.run(graphs, seed=seed,
                               progress=lambda what: progress.update(task, advance=1, description=what))
    table = Table(title="dense-block detection · 200 × 200 injected blocks · accounts")
    for column in ("graph", "camouflage", "density", "precision", "recall", "F1", "s / 1M edges"):
        table.add_column(column, justify="left" if column in ("graph", "camouflage") else "right", no_wrap=True)
    for c in cases:
        table.add_row(c.graph, c.camouflage, f"{c.density:g}", f"{c.precision:.3f}", f"{c.recall:.3f}",
                      f"{c.f1:.3f}", f"{c.seconds_per_million:.2f}")
    console.print(table)
    with Progress(console=console, transient=True) as progress:
        progress.add_task("lockstep groups and organic bursts", total=None)
        locksteps = [evaluation.lockstep_case(name, graph, seed=seed) for name, graph in graphs.items()]
    table = Table(title="lockstep detection · 10 bot groups × 50 accounts × 10 hosts · 20 organic bursts × 2,000")
    for column in ("graph", "precision", "recall", "F1", "bursts flagged", "groups", "s", "actions"):
        table.add_column(column, justify="left" if column == "graph" else "right", no_wrap=True)
    for c in locksteps:
        table.add_row(c.graph, f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}",
                      f"{c.burst_false_positives:.2%}", str(c.groups), f"{c.seconds:.2f}", f"{c.actions:,}")
    console.print(table)
    _verdicts(evaluation.checks(cases) | evaluation.lockstep_checks(locksteps), chart, evaluation.chart_png(cases),
              shown=lambda label, value: f"{value:.3f}")


@trust_app.command("scan")
def trust_scan(
    days: Annotated[int, typer.Option(min=1, max=90, help="how many days of follows, joins and orders to read")] = 7,
    until: Annotated[datetime | None, typer.Option(help="the end of the period (UTC); default now")] = None,
    flag: Annotated[bool, typer.Option(help="put the accounts found in the admins' review queue")] = False,
    database_url: DbOption = None,
) -> None:
    """Lockstep groups and the densest block of accounts × (host, hour) in the follows, room joins
    and paid orders of the last days, and the order-brushing rules: evidence for a review.
    Exit 1 if anything was found."""
    from rich.progress import Progress

    from liveshop.core.clock import SystemClock
    from liveshop.core.db import Database
    from liveshop.trust import scan

    async def run():  # type: ignore[no-untyped-def]
        db = Database(_settings(database_url).database_url)
        try:
            end = until.replace(tzinfo=until.tzinfo or UTC) if until else SystemClock().now()
            findings = await scan.scan(db, now=end, days=days)
            if flag:
                from liveshop.trust import service as trust

                added = await trust.record_findings(db, findings, now=SystemClock().now())
                console.print(f"{added['account']} accounts put in the review queue, {added['room']} rooms, "
                              f"payouts held for {added['shop']} shops")
            return findings
        finally:
            await db.dispose()

    with Progress(console=console, transient=True) as progress:
        progress.add_task("reading follows, joins and orders, peeling, looking for lockstep and brushing", total=None)
        findings = asyncio.run(run())
    if not findings:
        console.print(f"[green]nothing suspicious[/] in the last {days} days of follows, room joins and orders")
        return
    table = Table(title=f"trust scan · last {days} days")
    for column in ("graph", "finding", "accounts", "shops · rooms", "evidence"):
        table.add_column(column)
    for f in findings:
        shown = ", ".join(f.accounts[:8]) + (f" … (+{len(f.accounts) - 8})" if len(f.accounts) > 8 else "")
        where = ", ".join(map(str, f.hosts[:10])) + (f" · rooms {', '.join(map(str, f.rooms))}" if f.rooms else "")
        table.add_row(f.graph, f.kind, f"{len(f.accounts)}: {shown}", where,
                      ", ".join(f"{k} {v}" for k, v in f.evidence.items()))
    console.print(table)
    raise typer.Exit(1)


@app.command("verify-draw")
def verify_draw(
    bag: Annotated[str, typer.Argument(help="a lucky bag id (read from --server) or a saved draw record .json")],
    server: Annotated[str, typer.Option(help="the liveshop server that published the draw")] = "http://127.0.0.1:8000",
) -> None:
    """Recompute a lucky bag's winners from its revealed seed and entrant list, and check the
    seed against the commitment shown when the bag opened. Exit 1 if anything disagrees."""
    import httpx
    import orjson

    from liveshop.luckybags import draw

    path = Path(bag)
    if path.suffix == ".json" and path.exists():
        record = orjson.loads(path.read_bytes())
    elif bag.isdigit():
        response = httpx.get(f"{server.rstrip('/')}/api/v1/lucky-bags/{bag}/draw", timeout=30)
        if response.status_code != 200:
            console.print(f"[red]{response.status_code}[/] {response.text[:300]}")
            raise typer.Exit(2)
        record = response.json()
    else:
        raise typer.BadParameter("give a bag id or the path of a .json draw record")
    problems = draw.verify(record)
    table = Table(title=f"lucky bag {record.get('bag_id', '?')} · {record.get('algorithm', '?')}")
    table.add_column("")
    table.add_column("", overflow="fold")
    table.add_row("commitment", str(record.get("commitment")))
    table.add_row("seed", str(record.get("seed")))
    table.add_row("entrants", str(len(record.get("entrants", []))))
    table.add_row("winners", ", ".join(str(w) for w in record.get("winners", [])) or "—")
    console.print(table)
    if problems:
        for problem in problems:
            console.print(f"[red]✗[/] {problem}")
        raise typer.Exit(1)
    console.print("[green]✓[/] the seed matches its commitment and the winners follow from it")


@bench_app.command("flash-sale")
def bench_flash_sale(
    workers: Annotated[int, typer.Option(help="server worker processes")] = 1,
    inventory: Annotated[str, typer.Option(help="stock engine: sql | memory | redis")] = "sql",
    stock: Annotated[int, typer.Option(help="units of the hot listing")] = 2000,
    buyers: Annotated[int, typer.Option(help="distinct buyers, one attempt each")] = 20000,
    connections: Annotated[int, typer.Option(help="load generator keep-alive connections")] = 64,
    retry_fraction: Annotated[float, typer.Option(help="share of attempts retried with the same key")] = 0.05,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="PostgreSQL server to bench on (a scratch database is made); default SQLite"),
    ] = None,
    baselines: Annotated[bool, typer.Option(help="also run redis-benchmark and pgbench")] = True,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the figures here")] = None,
) -> None:
    """One hot listing, many buyers, over HTTP; with same-run baselines and `liveshop check`."""
    from liveshop.bench.flash_sale import FlashSaleOptions, print_result, run_flash_sale

    if inventory == "memory" and workers > 1:
        raise typer.BadParameter("the memory engine keeps stock in one process; use --inventory redis "
                                 "for several workers", param_hint="--workers")
    options = FlashSaleOptions(
        workers=workers, inventory=inventory, stock=stock, buyers=buyers, connections=connections,
        retry_fraction=retry_fraction, database_url=database_url, baselines=baselines,
    )
    result = run_flash_sale(options, console)
    print_result(result, console)
    if json_out:
        import orjson

        json_out.write_bytes(orjson.dumps({
            "options": options.__dict__,
            "accepted_per_second": result.accepted_per_second,
            "sale": {k: v for k, v in result.sale.items() if k != "created_order_ids"},
            "trivial": {k: v for k, v in result.trivial.items() if k != "created_order_ids"},
            "lean": {k: v for k, v in result.lean.items() if k != "created_order_ids"},
            "baselines": [b.__dict__ for b in result.baselines],
            "oversold": result.oversold,
            "check_ok": bool(result.check and result.check.ok),
        }, option=orjson.OPT_INDENT_2))
    if result.oversold or not (result.check and result.check.ok):
        raise typer.Exit(1)


@bench_app.command("engine")
def bench_engine(
    postgres_url: Annotated[str, typer.Option(help="PostgreSQL server (a scratch database is made)")] = (
        "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    ),
    redis_url: str = "redis://127.0.0.1:6379/0",
    reserves: Annotated[int, typer.Option(help="in-memory reserve decisions to time")] = 200_000,
    durable: Annotated[int, typer.Option(help="orders made durable through group commit")] = 20_000,
    concurrency: Annotated[int, typer.Option(help="buyers in flight at once")] = 1000,
) -> None:
    """The memory stock engine without HTTP: reserves/s, durable orders/s, single-buyer latency."""
    from liveshop.bench.engine import print_engine_result, run_engine_bench

    result = run_engine_bench(postgres_url=postgres_url, redis_url=redis_url, reserves=reserves,
                              durable=durable, concurrency=concurrency, console=console)
    print_engine_result(result, console)
    if not result.check_ok:
        raise typer.Exit(1)


@bench_app.command("analytics")
def bench_analytics(
    events: Annotated[int, typer.Option(help="events in the synthetic show")] = 500_000,
    seed: int = 1,
    runs: Annotated[int, typer.Option(help="timed runs of each; the best counts")] = 3,
) -> None:
    """The live aggregation's events/s on one core, against a bare loop over the same events."""
    from liveshop.bench.analytics import print_analytics_result, run_analytics_bench

    result = run_analytics_bench(events=events, seed=seed, runs=runs, console=console)
    print_analytics_result(result, console)
    if not result.meets_target:
        raise typer.Exit(1)


@bench_app.command("feed")
def bench_feed(
    candidates: Annotated[int, typer.Option(min=1, help="candidate rooms per request")] = 1000,
    requests: Annotated[int, typer.Option(min=100, help="timed requests")] = 2000,
    seed: int = 7,
) -> None:
    """Ranking latency for one viewer's candidates (p50/p99), against sorting them by popularity."""
    from liveshop.bench.feed import print_feed_result, run_feed_bench

    result = run_feed_bench(candidates=candidates, requests=requests, seed=seed, console=console)
    print_feed_result(result, console)
    if not result.meets_target:
        raise typer.Exit(1)


@bench_app.command("video")
def bench_video(
    seconds: Annotated[float, typer.Option(min=10, max=600, help="seconds of stream to measure")] = 30,
) -> None:
    """How late viewers see the host: HLS segment delay through nginx-rtmp against ffmpeg
    writing HLS directly, and hls.js's distance from the live edge in Chromium."""
    from liveshop.bench.video import print_video_result, run_video

    try:
        result = asyncio.run(run_video(seconds, console))
    except RuntimeError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    print_video_result(result, console)
    if not result.meets_target:
        raise typer.Exit(1)


@bench_app.command("stress")
def bench_stress(
    inventory: Annotated[str, typer.Option(help="stock engine: sql | memory | redis")] = "memory",
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="PostgreSQL server (a scratch database is made); default SQLite"),
    ] = None,
    redis_url: str = "redis://127.0.0.1:6379/0",
    rounds: Annotated[int, typer.Option(min=1, help="sales, one after another")] = 30,
    scale: Annotated[int, typer.Option(min=1, max=100, help="stock and buyers per round, × (1 = test size)")] = 10,
    seed: int = 2026,
) -> None:
    """Many seeded randomized flash sales under chaos (retries, payments, cancels, late
    payments racing the expiry sweep); fails on any oversell, loss or duplicate."""
    import contextlib
    import tempfile

    from liveshop.bench.flash_sale import bench_database
    from liveshop.bench.stress import print_stress, run_stress

    if inventory not in ("sql", "memory", "redis"):
        raise typer.BadParameter("sql, memory or redis", param_hint="--inventory")
    with contextlib.ExitStack() as stack:
        url = bench_database(stack, database_url, Path(stack.enter_context(tempfile.TemporaryDirectory())))
        summary = run_stress(database_url=url, inventory_backend=inventory, redis_url=redis_url, rounds=rounds,
                             scale=scale, seed=seed, console=console)
    print_stress(summary, console)
    if not summary.ok:
        raise typer.Exit(1)


@bench_app.command("fanout")
def bench_fanout(
    clients: Annotated[int, typer.Option(min=1, max=50_000, help="WebSocket viewers in the room")] = 5000,
    rate: Annotated[float, typer.Option(min=1, help="chat messages published per second")] = 200.0,
    seconds: Annotated[float, typer.Option(min=1, help="measured seconds per run")] = 10.0,
    flood: Annotated[bool, typer.Option(help="also a run at 10× the room's chat budget")] = True,
) -> None:
    """Room fan-out over WebSocket against a bare asyncio server writing the same frames."""
    from liveshop.bench.fanout import FanoutOptions, fanout_ok, print_fanout, run_fanout

    result = run_fanout(FanoutOptions(clients=clients, rate=rate, seconds=seconds, flood=flood), console)
    print_fanout(result, console)
    if not fanout_ok(result):
        raise typer.Exit(1)


@inventory_app.command("resync")
def inventory_resync(
    listing_ids: Annotated[list[int], typer.Argument(help="listings whose Redis state to rebuild")],
    redis_url: Annotated[str | None, typer.Option(help="overrides LIVESHOP_REDIS_URL")] = None,
) -> None:
    """redis engine: rebuild listings' stock in Redis from the database (after a node crashed
    mid-sale, units it had taken but never committed stay unsellable until then)."""
    import redis.asyncio as aioredis

    from liveshop.inventory.redis_engine import forget

    settings = Settings()
    url = redis_url or settings.redis_url
    if not url:
        raise typer.BadParameter("set LIVESHOP_REDIS_URL or --redis-url", param_hint="--redis-url")

    async def run() -> int:
        client = aioredis.Redis.from_url(url)
        try:
            return await forget(client, settings.redis_prefix, listing_ids)
        finally:
            await client.aclose()

    removed = asyncio.run(run())
    console.print(f"{len(listing_ids)} listing(s): {removed} Redis key(s) dropped; the next attempt reseeds "
                  "each from the database")


@user_app.command("create")
def user_create(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    admin: bool = False,
    database_url: DbOption = None,
) -> None:
    """Create an account (use --admin for a platform administrator)."""
    from liveshop.core.auth import service
    from liveshop.core.auth.passwords import Passwords
    from liveshop.core.clock import SystemClock
    from liveshop.core.db import Database

    settings = _settings(database_url)

    async def run() -> None:
        db = Database(settings.database_url)
        try:
            await _migrate(settings)
            await service.sign_up(
                db, username=username, password=password,
                passwords=Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib),
                now=SystemClock().now(), role="admin" if admin else "viewer",
            )
        finally:
            await db.dispose()

    asyncio.run(run())
    console.print(f"[green]created[/] {username}{' (admin)' if admin else ''}")


def _safe_url(url: str) -> str:
    """The database URL without its password, for the console."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
for noisy in ("httpx", "httpcore", "alembic.runtime.plugins"):
    logging.getLogger(noisy).setLevel(logging.WARNING)


def _nginx(folder: Path | None, hooks: str, rtmp_port: int, http_port: int, host: str):  # type: ignore[no-untyped-def]
    from liveshop.media.nginx import NginxRtmp

    return NginxRtmp((folder or Path(_settings().media_dir)).resolve(), hooks, rtmp_port=rtmp_port,
                     http_port=http_port, host=host)


MediaDir = Annotated[Path | None, typer.Option("--dir", help="HLS, recordings, logs (default LIVESHOP_MEDIA_DIR)")]
Hooks = Annotated[str, typer.Option(help="liveshop's base URL as the media server reaches it")]


@media_app.command("config")
def media_config(
    out: Annotated[Path | None, typer.Option(help="write it here (default: print it)")] = None,
    folder: MediaDir = None,
    hooks: Hooks = "http://127.0.0.1:8000",
    rtmp_port: int = 1935,
    http_port: int = 8088,
    host: str = "127.0.0.1",
) -> None:
    """The nginx configuration for ingest (RTMP), HLS and recordings, with liveshop's hooks.
    Run it with `nginx -p DIR -c FILE`, or use `liveshop media run`."""
    nginx = _nginx(folder, hooks, rtmp_port, http_port, host)
    if out is None:
        typer.echo(nginx.config())
        return
    out.write_text(nginx.config())
    console.print(f"written to [bold]{out}[/]; HLS under {nginx.hls_dir}, recordings under {nginx.recordings}")


@media_app.command("run")
def media_run(
    folder: MediaDir = None,
    hooks: Hooks = "http://127.0.0.1:8000",
    rtmp_port: int = 1935,
    http_port: int = 8088,
    host: str = "127.0.0.1",
) -> None:
    """Run the bundled nginx-rtmp in the foreground (Ctrl-C stops it)."""
    nginx = _nginx(folder, hooks, rtmp_port, http_port, host)
    missing = nginx.available()
    if missing:
        console.print(f"[red]{missing}[/]")
        raise typer.Exit(1)

    async def run() -> None:
        process = await nginx.start()
        console.print(f"OBS server [bold]{nginx.rtmp_url}[/] · stream key: <room id>?key=<the room's stream key>\n"
                      f"HLS {nginx.hls_url}/<room id>.m3u8 · hooks → {hooks}")
        try:
            await process.wait()
        finally:
            await nginx.stop(process)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
