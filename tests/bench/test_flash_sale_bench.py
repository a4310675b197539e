"""The benchmark harness itself works end to end (tiny numbers; figures are not asserted)."""

from rich.console import Console

from liveshop.bench.flash_sale import FlashSaleOptions, print_result, run_flash_sale


def test_flash_sale_bench_runs_and_its_audit_passes(tmp_path):
    console = Console(record=True, width=120)
    options = FlashSaleOptions(stock=20, buyers=120, connections=8, baselines=False,
                               database_url=f"sqlite+aiosqlite:///{tmp_path / 'bench.db'}")
    result = run_flash_sale(options, console)
    print_result(result, console)
    assert result.sale["statuses"]["201"] >= 20  # 20 orders plus replays of retried keys
    assert len(set(result.sale["created_order_ids"])) == 20
    assert result.oversold == 0 and result.check is not None and result.check.ok
    assert result.trivial["statuses"] == {"201": result.trivial["requests"]}
    assert result.lean["statuses"] == {"201": result.lean["requests"]}
    assert "attempts/s ÷ trivial POST" in console.export_text()


async def test_engine_bench_measures_and_audits(tmp_path):
    from liveshop.bench.engine import _measure

    m = await _measure(f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}", reserves=2000, durable=300, concurrency=100)
    assert m.orders == 300 and m.check_ok
    assert 1 <= m.batches < 300  # concurrent buyers shared commits
    assert m.reserve_rate > 0 and m.durable_rate > 0 and m.single_ms > 0
    assert m.asyncpg_single_ms is None  # a PostgreSQL-only baseline


def test_stress_bench_runs_rounds_and_reports(tmp_path):
    from liveshop.bench.stress import print_stress, run_stress

    console = Console(record=True, width=120)
    summary = run_stress(database_url=f"sqlite+aiosqlite:///{tmp_path / 'stress.db'}", inventory_backend="memory",
                         redis_url="", rounds=2, scale=1, seed=5, console=console)
    print_stress(summary, console)
    assert summary.rounds == 2 and summary.orders > 0 and summary.ok
    assert "oversold units" in console.export_text()


def test_fanout_bench_measures_liveshop_and_the_bare_baseline():
    from liveshop.bench.fanout import FanoutOptions, fanout_ok, print_fanout, run_fanout

    console = Console(record=True, width=200)
    result = run_fanout(FanoutOptions(clients=30, rate=50, seconds=1.5, flood=False), console)
    print_fanout(result, console)
    bare, live, route = result.runs
    assert bare.result["connected"] == live.result["connected"] == route.result["connected"] == 30
    assert route.delivered_per_second > 0 and route.result["lost_critical"] == 0
    assert bare.delivered_per_second > 0 and live.delivered_per_second > 0
    assert live.result["chat"] > 0 and live.percentile(0.99) is not None
    assert fanout_ok(result) and live.result["lost_critical"] == 0
    assert "delivered msg/s ÷ bare asyncio server (liveshop gateway)" in console.export_text()
