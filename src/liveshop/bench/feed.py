"""`liveshop bench feed`: the latency of ranking one viewer's candidates (target p99 ≤ 10 ms for
1,000 candidates), against the same-run baseline of sorting the same candidates by popularity.

Each request draws 1,000 candidate rooms with their live signals, scores them with a trained
ALS model (32 factors, the shape the evaluation uses) and blends (discovery/ranking.py). Both
paths are timed per request on the same candidates.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from liveshop.discovery.ranking import BlendWeights, Candidates, rank

TARGET_P99_MS = 10.0


@dataclass
class FeedBenchResult:
    candidates: int
    requests: int
    blend_ms: list[float]
    popularity_ms: list[float]

    @staticmethod
    def pct(values: list[float], q: float) -> float:
        return float(np.percentile(values, q))

    @property
    def meets_target(self) -> bool:
        return self.pct(self.blend_ms, 99) <= TARGET_P99_MS


def run_feed_bench(*, candidates: int = 1000, requests: int = 2000, rooms: int = 50_000, factors: int = 32,
                   seed: int = 7, console: Console | None = None) -> FeedBenchResult:
    rng = np.random.default_rng(seed)
    # A trained model's shapes: factor matrices for viewers and every room of a big installation.
    viewer_factors = rng.normal(0, 0.1, (5_000, factors)).astype(np.float32)
    room_factors = rng.normal(0, 0.1, (rooms, factors)).astype(np.float32)
    popularity = dict(enumerate(rng.zipf(1.6, rooms).tolist()))  # room → interactions, as a node would cache it
    received = rng.exponential(2.0, rooms)
    weights = BlendWeights()
    blend_ms, popularity_ms = [], []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("ranking", total=requests)
        for _ in range(requests):
            ids = rng.choice(rooms, candidates, replace=False)
            viewer = int(rng.integers(0, len(viewer_factors)))
            live = (rng.exponential(40.0, candidates), rng.poisson(50, candidates).astype(float),
                    rng.poisson(3, candidates).astype(float), rng.poisson(200, candidates).astype(float))
            ids_list = ids.tolist()

            started = time.perf_counter()
            affinity = room_factors[ids] @ viewer_factors[viewer]
            c = Candidates(ids, affinity, live[0], live[1], live[2], live[3], received[ids])
            rank(c, weights, k=20)
            blend_ms.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            sorted(ids_list, key=lambda r: (-popularity[r], r))[:20]
            popularity_ms.append((time.perf_counter() - started) * 1000)
            progress.advance(task)
    return FeedBenchResult(candidates, requests, blend_ms, popularity_ms)


def print_feed_result(result: FeedBenchResult, console: Console) -> None:
    table = Table(title=f"feed ranking · {result.candidates:,} candidates · {result.requests:,} requests")
    table.add_column("")
    for q in ("p50", "p99", "max"):
        table.add_column(f"{q} ms", justify="right")
    for name, values in (("sort by popularity (baseline)", result.popularity_ms),
                         ("blend: ALS + live signals + fairness", result.blend_ms)):
        table.add_row(name, f"{result.pct(values, 50):.3f}", f"{result.pct(values, 99):.3f}", f"{max(values):.3f}")
    ratio = result.pct(result.blend_ms, 99) / result.pct(result.popularity_ms, 99)
    table.add_row("ratio blend / baseline (p99)", "", f"{ratio:.2f}×", "")
    table.add_row(f"target p99 ≤ {TARGET_P99_MS:g} ms", "", "met" if result.meets_target else "MISSED", "")
    console.print(table)
