"""`liveshop bench feed` runs and reports both paths on the same requests (timing is for the
bench to print, not for a test to judge)."""

from __future__ import annotations

from rich.console import Console

from liveshop.bench.feed import print_feed_result, run_feed_bench


def test_the_feed_bench_times_the_blend_and_its_baseline_on_the_same_requests():
    result = run_feed_bench(candidates=200, requests=100, rooms=5_000)
    assert len(result.blend_ms) == len(result.popularity_ms) == 100 and len(result.served_ms) == 10
    console = Console(record=True, width=120)
    print_feed_result(result, console)
    text = console.export_text()
    assert "sort by popularity (baseline)" in text and "ratio blend / baseline" in text
    assert "served live list" in text and "ratio served list / baseline" in text
