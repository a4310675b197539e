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

from liveshop.trust.fraudar import peel_in_time
from liveshop.trust.injection import CAMOUFLAGES, Graph, dedupe, f1, inject, power_law

DENSITIES = (0.05, 0.1, 0.2)
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
    return {"MovieLens-100K": movielens_graph(data), f"power law {synthetic_edges:,}": power_law(
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
