"""`liveshop bench analytics`: the live aggregation's throughput on one core.

A seeded synthetic show (rooms, viewers joining and leaving, product cards shown and clicked,
orders, payments, refunds, chat, likes, follows) is generated first; then the same events are
folded by the Aggregator and, as the same-run baseline, by a bare loop that only counts events
by kind. The target is ≥ 50,000 events/s for the aggregator.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from liveshop.analytics.aggregate import Aggregator
from liveshop.analytics.events import Event

TARGET_PER_SECOND = 50_000


def synthetic_show(n: int, *, rooms: int = 20, seed: int = 1) -> list[Event]:
    """About `n` events of `rooms` concurrent shows, in time order, with a realistic mix."""
    rng = random.Random(seed)
    events: list[Event] = []
    online: list[list[str]] = [[] for _ in range(rooms)]
    at = 1_780_000_000.0
    next_viewer = 0
    order = 0
    unpaid: list[tuple[int, str, int, int]] = []
    while len(events) < n:
        at += rng.expovariate(2000)  # ~2,000 events a second across the rooms
        room = rng.randrange(rooms)
        shop = room // 2 + 1
        roll = rng.random()
        here = online[room]
        if roll < 0.12 or not here:
            next_viewer += 1
            viewer = f"u{rng.randrange(next_viewer) if rng.random() < 0.2 else next_viewer}"
            here.append(viewer)
            events.append(Event(at, "join", room, shop, viewer, source=rng.choice(
                ("feed", "feed", "follow", "share", "reservation", "boost", "direct"))))
            continue
        viewer = rng.choice(here)
        listing = room * 10 + rng.randrange(5)
        if roll < 0.22:
            here.remove(viewer)
            events.append(Event(at, "leave", room, shop, viewer))
        elif roll < 0.45:
            events.append(Event(at, "exposure", room, shop, viewer, listing=listing))
        elif roll < 0.52:
            events.append(Event(at, "click", room, shop, viewer, listing=listing))
        elif roll < 0.56:
            order += 1
            amount = rng.choice((3990, 12800, 29900))
            unpaid.append((order, viewer, listing, amount))
            events.append(Event(at, "order", room, shop, viewer, listing=listing, order=order, amount=amount))
        elif roll < 0.59 and unpaid:
            paid_order, buyer, paid_listing, amount = unpaid.pop(rng.randrange(len(unpaid)))
            events.append(Event(at, "paid", paid_listing // 10, paid_listing // 20 + 1, buyer, listing=paid_listing,
                                order=paid_order, amount=amount))
            if rng.random() < 0.03:
                events.append(Event(at + 1, "refund", paid_listing // 10, paid_listing // 20 + 1, buyer,
                                    order=paid_order, amount=amount))
        elif roll < 0.80:
            events.append(Event(at, "comment", room, shop, viewer))
        elif roll < 0.97:
            events.append(Event(at, "like", room, shop, viewer, amount=rng.randint(1, 10)))
        else:
            events.append(Event(at, "follow", room, shop, viewer))
    return events


@dataclass
class AnalyticsResult:
    events: int
    aggregator_per_second: float
    bare_per_second: float
    rooms: int
    gmv_cents: int

    @property
    def ratio(self) -> float:
        return self.aggregator_per_second / self.bare_per_second

    @property
    def meets_target(self) -> bool:
        return self.aggregator_per_second >= TARGET_PER_SECOND


def _best_of(runs: int, fn) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def run_analytics_bench(*, events: int, seed: int, runs: int, console: Console) -> AnalyticsResult:
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("generating the synthetic show", total=None)
        show = synthetic_show(events, seed=seed)
        progress.update(task, description=f"folding {len(show):,} events ({runs} runs each)")

        def bare() -> None:
            counts: dict[str, int] = {}
            for e in show:
                counts[e.kind] = counts.get(e.kind, 0) + 1

        last: list[Aggregator] = []

        def aggregate() -> None:
            agg = Aggregator()
            add = agg.add
            for e in show:
                add(e)
            last[:] = [agg]

        bare_s = _best_of(runs, bare)
        agg_s = _best_of(runs, aggregate)
    agg = last[0]
    gmv = sum(agg.figures(room)["gmv_cents"] for room in agg.rooms)
    return AnalyticsResult(len(show), len(show) / agg_s, len(show) / bare_s, len(agg.rooms), gmv)


def print_analytics_result(result: AnalyticsResult, console: Console) -> None:
    table = Table(title=f"live aggregation · {result.events:,} events · {result.rooms} rooms · one core")
    table.add_column("")
    table.add_column("events/s", justify="right")
    table.add_row("bare loop (count by kind) — baseline", f"{result.bare_per_second:,.0f}")
    table.add_row("Aggregator (every metric, per minute)", f"{result.aggregator_per_second:,.0f}")
    table.add_row("ratio aggregator / bare loop", f"{result.ratio:.2f}×")
    table.add_row(f"target ≥ {TARGET_PER_SECOND:,}/s", "[green]met[/]" if result.meets_target else "[red]missed[/]")
    console.print(table)
