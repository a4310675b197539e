"""`liveshop bench feed`: the latency of ranking one viewer's candidates (target p99 ≤ 10 ms for
1,000 candidates), against the same-run baseline of sorting the same candidates by popularity.

Each request draws 1,000 candidate rooms with their live signals, scores them with a trained
ALS model (32 factors, the shape the evaluation uses) and blends (discovery/ranking.py). Both
paths are timed per request on the same candidates.

A third row times the whole served live list (`discovery.service`'s page builder) for 1,000
live rooms: candidate sources, the blend, pool and fairness terms, reserved slots, and booking
the exposure — everything a feed request does between reading the rooms and writing nothing
(no boost running, so no database write on the way).
"""

from __future__ import annotations

import asyncio
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
    served_ms: list[float]

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
    served_ms = asyncio.run(_served_page(candidates=candidates, requests=max(1, requests // 10), shops=rooms,
                                         factors=factors, seed=seed))
    return FeedBenchResult(candidates, requests, blend_ms, popularity_ms, served_ms)


async def _served_page(*, candidates: int, requests: int, shops: int, factors: int, seed: int) -> list[float]:
    from datetime import timedelta
    from types import SimpleNamespace

    from liveshop.analytics.aggregate import RoomFigures
    from liveshop.core.clock import FrozenClock
    from liveshop.discovery import service
    from liveshop.discovery.affinity import AffinityModel
    from liveshop.discovery.ledger import ExposureBook
    from liveshop.discovery.model import FeedModel
    from liveshop.rooms.store import Room

    rng = np.random.default_rng(seed)
    clock = FrozenClock()
    now = clock.now()
    model = FeedModel(None, clock)  # type: ignore[arg-type] - never trains here
    model.model = AffinityModel({f"u{v}": v for v in range(5_000)}, {s: s for s in range(shops)},
                                rng.normal(0, 0.1, (5_000, factors)), rng.normal(0, 0.1, (shops, factors)))
    book = ExposureBook(None, clock)  # type: ignore[arg-type] - books in memory; nothing flushed here
    discovery = SimpleNamespace(weights=BlendWeights(), model=model, book=book)
    picked = rng.choice(shops, candidates, replace=False).tolist()
    rooms = [Room(i + 1, shop, f"show {i}", "", "live", now, now - timedelta(minutes=float(rng.exponential(40))),
                  None, "", None, 1, now) for i, shop in enumerate(picked)]
    figures = []
    for room in rooms:
        f = RoomFigures(room.id, room.shop_id, online=int(rng.poisson(50)))
        f.viewers = {f"a{n}" for n in range(int(rng.poisson(200)))}
        f.buyers = {f"a{n}" for n in range(int(rng.poisson(3)))}
        figures.append(f)
    live = service._Live(rooms, figures, [int(rng.integers(0, 4)) for _ in rooms],
                         [int(rng.integers(0, 300)) for _ in rooms])
    followed = set(rng.choice(picked, 20, replace=False).tolist())
    timings = []
    for n in range(requests):
        viewer = service.Viewer(user=SimpleNamespace(id=n % 5_000), guest=None, region=None)  # type: ignore[arg-type]
        started = time.perf_counter()
        await service._live_page(None, discovery, live, viewer=viewer, followed=followed,  # type: ignore[arg-type]
                                 names={}, running=[], now=now,
                                 limit=20)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def print_feed_result(result: FeedBenchResult, console: Console) -> None:
    table = Table(title=f"feed ranking · {result.candidates:,} candidates · {result.requests:,} requests")
    table.add_column("")
    for q in ("p50", "p99", "max"):
        table.add_column(f"{q} ms", justify="right")
    for name, values in (("sort by popularity (baseline)", result.popularity_ms),
                         ("blend: ALS + live signals + fairness", result.blend_ms),
                         ("served live list: sources, blend, pools, slots, ledger", result.served_ms)):
        table.add_row(name, f"{result.pct(values, 50):.3f}", f"{result.pct(values, 99):.3f}", f"{max(values):.3f}")
    ratio = result.pct(result.blend_ms, 99) / result.pct(result.popularity_ms, 99)
    table.add_row("ratio blend / baseline (p99)", "", f"{ratio:.2f}×", "")
    served = result.pct(result.served_ms, 99) / result.pct(result.popularity_ms, 99)
    table.add_row("ratio served list / baseline (p99)", "", f"{served:.2f}×", "")
    table.add_row(f"target p99 ≤ {TARGET_P99_MS:g} ms", "", "met" if result.meets_target else "MISSED", "")
    console.print(table)
