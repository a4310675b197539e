"""`liveshop eval fraud`: the dense-block detector on a real graph and a synthetic one, with
fraud injected FRAUDAR-style (injection.py), every camouflage × density, in one run.

Graphs: MovieLens-100K (943 viewers × 1,682 rooms, 100,000 interactions with their real
timestamps over seven months) and a Chung–Lu power-law follow graph of 1,000,000 edges over 30
days. The detector (fraudar.py) peels accounts × (target, hour); a block is flagged as fraud;
its accounts are scored against the injected ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liveshop.trust import lockstep
from liveshop.trust.fraudar import peel_in_time
from liveshop.trust.injection import CAMOUFLAGES, Graph, dedupe, f1, inject, power_law

DENSITIES = (0.05, 0.1, 0.2)
TARGET_LOCKSTEP_PRECISION = 0.99
TARGET_LOCKSTEP_RECALL = 0.8
TARGET_BURST_FALSE_POSITIVES = 0.01
TARGET_F1 = 0.9  # for densities ≥ 0.1, every camouflage
TARGET_SECONDS_PER_M = 10.0


def movielens_graph(path: Path) -> Graph:
    from liveshop.discovery import movielens

    rows = movielens.load(path)
    viewers = {v: i for i, v in enumerate(sorted({r.viewer for r in rows}))}
    rooms = {r: i for i, r in enumerate(sorted({r.room for r in rows}))}
    r, c, t = dedupe(np.array([viewers[x.viewer] for x in rows]), np.array([rooms[x.room] for x in rows]),
                     np.array([float(x.at) for x in rows]), len(rooms))
    return Graph(r, c, t, len(viewers), len(rooms))


@dataclass(frozen=True)
class Case:
    graph: str
    camouflage: str
    density: float
    precision: float
    recall: float
    f1: float
    seconds: float
    edges: int

    @property
    def seconds_per_million(self) -> float:
        return self.seconds / self.edges * 1e6


def run(graphs: dict[str, Graph], *, densities: tuple[float, ...] = DENSITIES, seed: int = 7,
        bucket_seconds: float = 3600.0, progress: Callable[[str], None] | None = None) -> list[Case]:
    cases = []
    for name, graph in graphs.items():
        for camouflage in CAMOUFLAGES:
            for density in densities:
                injected = inject(graph, density=density, camouflage=camouflage, seed=seed)
                g = injected.graph
                started = time.perf_counter()
                block = peel_in_time(g.rows, g.cols, g.times, g.n_rows, g.n_cols, bucket_seconds=bucket_seconds)
                seconds = time.perf_counter() - started
                precision, recall, score = f1(block.rows, injected.fraud_rows)
                cases.append(Case(name, camouflage, density, precision, recall, score, seconds, g.edges))
                if progress:
                    progress(f"{name} · {camouflage} · {density}")
    return cases


def checks(cases: list[Case]) -> dict[str, tuple[float, str, bool]]:
    judged = [c for c in cases if c.density >= 0.1]
    worst = min(c.f1 for c in judged) if judged else 0.0
    slowest = max(c.seconds_per_million for c in cases)
    return {
        "worst account F1 at density ≥ 0.1": (worst, f"≥ {TARGET_F1}", worst >= TARGET_F1),
        "slowest seconds per 1M edges": (slowest, f"≤ {TARGET_SECONDS_PER_M:g}", slowest <= TARGET_SECONDS_PER_M),
    }


def graphs(data: Path, *, synthetic_edges: int = 1_000_000, seed: int = 7) -> dict[str, Graph]:
    return {"MovieLens-100K": movielens_graph(data), f"power law {synthetic_edges / 1e6:g}M edges": power_law(
        edges=synthetic_edges, seed=seed)}


def chart_png(cases: list[Case]) -> bytes:
    """Account-level F1 by density, one line per camouflage, one panel per graph."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    names = list(dict.fromkeys(c.graph for c in cases))
    fig = Figure(figsize=(4.2 * len(names), 3.4), dpi=100, layout="constrained")
    for n, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), n + 1)
        for camouflage in CAMOUFLAGES:
            mine = sorted((c for c in cases if c.graph == name and c.camouflage == camouflage), key=lambda c: c.density)
            ax.plot([c.density for c in mine], [c.f1 for c in mine], marker="o", label=camouflage)
        ax.axhline(TARGET_F1, color="#999", linestyle="--", linewidth=1)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("injected block density")
        ax.set_ylabel("account F1")
        ax.set_title(name, fontsize=10)
        ax.legend(fontsize=7)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class LockstepCase:
    graph: str
    precision: float
    recall: float
    f1: float
    burst_false_positives: float  # share of the organic bursts' viewers flagged
    groups: int
    seconds: float
    actions: int


def lockstep_case(name: str, graph: Graph, *, groups: int = 10, members: int = 50, targets: int = 10,
                  participation: float = 0.8, jitter: float = 240.0, bursts: int = 20, burst_size: int = 2_000,
                  seed: int = 7) -> LockstepCase:
    """The graph's own actions, plus `groups` bot groups (each member enters each of the group's
    `targets` rooms with probability `participation`, within `jitter` seconds of the group's
    moment for that room), plus `bursts` organic bursts (a popular room goes live: `burst_size`
    viewers — some of the graph's accounts, mostly others — enter within ten minutes)."""
    rng = np.random.default_rng(seed)
    accounts, rooms, times = [graph.rows], [graph.cols], [graph.times]
    first, last = float(graph.times.min()), float(graph.times.max())
    next_id = graph.n_rows
    bots = []
    for _ in range(groups):
        group = np.arange(next_id, next_id + members)
        next_id += members
        bots.append(group)
        for room in rng.choice(graph.n_cols, targets, replace=False):
            moment = rng.uniform(first, last)
            present = group[rng.random(members) < participation]
            accounts.append(present)
            rooms.append(np.full(len(present), room))
            times.append(moment + rng.uniform(0, jitter, len(present)))
    popular = np.argsort(-np.bincount(graph.cols, minlength=graph.n_cols), kind="stable")[:bursts]
    crowd = []
    for room in popular:
        audience = rng.choice(graph.n_rows + 100 * burst_size, burst_size, replace=False)
        audience = np.where(audience < graph.n_rows, audience, audience + next_id)  # newcomers: ids of their own
        crowd.append(audience)
        moment = rng.uniform(first, last)
        accounts.append(audience)
        rooms.append(np.full(burst_size, room))
        times.append(moment + rng.uniform(0, 600, burst_size))
    a, r, t = np.concatenate(accounts), np.concatenate(rooms), np.concatenate(times)
    started = time.perf_counter()
    found = lockstep.detect(a, r, t)
    seconds = time.perf_counter() - started
    truth = np.concatenate(bots)
    precision, recall, score = f1(found.accounts, truth)
    burst_viewers = np.setdiff1d(np.unique(np.concatenate(crowd)), truth)
    burst_fp = len(np.intersect1d(found.accounts, burst_viewers)) / len(burst_viewers)
    return LockstepCase(name, precision, recall, score, burst_fp, len(found.groups), seconds, len(a))


def lockstep_checks(cases: list[LockstepCase]) -> dict[str, tuple[float, str, bool]]:
    precision = min(c.precision for c in cases)
    recall = min(c.recall for c in cases)
    burst = max(c.burst_false_positives for c in cases)
    return {
        "lockstep: worst precision": (precision, f"≥ {TARGET_LOCKSTEP_PRECISION}",
                                      precision >= TARGET_LOCKSTEP_PRECISION),
        "lockstep: worst recall": (recall, f"≥ {TARGET_LOCKSTEP_RECALL}", recall >= TARGET_LOCKSTEP_RECALL),
        "lockstep: organic burst viewers flagged": (burst, f"≤ {TARGET_BURST_FALSE_POSITIVES:.0%}",
                                                    burst <= TARGET_BURST_FALSE_POSITIVES),
    }
