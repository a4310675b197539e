"""`liveshop bench analytics` runs, reports its baseline, and folds every paid order."""

from __future__ import annotations

from typer.testing import CliRunner

from liveshop.bench.analytics import run_analytics_bench, synthetic_show
from liveshop.cli import app


def test_the_bench_folds_the_synthetic_show_and_reports_a_same_run_baseline(capsys):
    from rich.console import Console

    show = synthetic_show(20_000, seed=3)
    assert len(show) >= 20_000 and all(a.at <= b.at for a, b in zip(show, show[1:], strict=False) if a.kind != "refund")
    result = run_analytics_bench(events=20_000, seed=3, runs=1, console=Console(file=None, quiet=True))
    assert result.gmv_cents == sum(e.amount for e in show if e.kind == "paid")
    assert result.bare_per_second > 0 and result.aggregator_per_second > 0
    out = CliRunner().invoke(app, ["bench", "analytics", "--events", "20000", "--runs", "1"])
    assert "bare loop" in out.output and "ratio aggregator / bare loop" in out.output
