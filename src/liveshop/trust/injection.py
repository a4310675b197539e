"""Graphs with known fraud, for `liveshop eval fraud`: a real bipartite graph (MovieLens-100K
viewers × rooms, with its own timestamps) or a synthetic power-law one, with a block of fake
accounts injected the way FRAUDAR's paper does, under its three camouflages.

- `none`: 200 new accounts, each acting on each of 200 targets with probability `density`;
- `random`: the same, and each fake account also acts on as many random targets as it has
  fraud edges, at ordinary times (to look like an ordinary user);
- `biased`: …its camouflage goes to targets in proportion to their popularity (following the
  famous hosts everyone follows);
- `hijacked`: the fraud edges are added to 200 existing, real accounts (bought or stolen).

The fraud targets are 200 random targets (hosts who bought followers); the fraud edges arrive
within `window` seconds (a follower package is delivered within the hour), at a random moment
of the graph's time span. Everything is seeded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CAMOUFLAGES = ("none", "random", "biased", "hijacked")


@dataclass
class Graph:
    rows: np.ndarray  # accounts
    cols: np.ndarray  # targets
    times: np.ndarray  # unix seconds of each edge
    n_rows: int
    n_cols: int

    @property
    def edges(self) -> int:
        return len(self.rows)


def dedupe(rows: np.ndarray, cols: np.ndarray, times: np.ndarray, n_cols: int) -> tuple[np.ndarray, ...]:
    """One edge per (row, col): the first time it happened."""
    keys = rows.astype(np.int64) * n_cols + cols
    order = np.lexsort((times, keys))
    keys, times = keys[order], times[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    keys, times = keys[first], times[first]
    return keys // n_cols, keys % n_cols, times


def power_law(*, edges: int = 1_000_000, n_rows: int = 200_000, n_cols: int = 50_000, days: float = 30.0,
              seed: int = 7, row_exponent: float = 2.5, col_exponent: float = 2.0,
              max_row_degree: int = 500) -> Graph:
    """A Chung–Lu bipartite graph with power-law expected degrees: most accounts follow a few
    hosts and some follow hundreds (capped: an account following thousands is itself a bot),
    while a few famous hosts draw a large share of all edges — the shape of a follow graph.
    Edges happen at uniformly random moments over `days`."""
    rng = np.random.default_rng(seed)

    def pareto(n: int, exponent: float) -> np.ndarray:
        return (1.0 - rng.random(n)) ** (-1.0 / (exponent - 1.0))  # minimum 1

    p_rows = np.minimum(pareto(n_rows, row_exponent), max_row_degree)
    p_cols = pareto(n_cols, col_exponent)
    p_rows, p_cols = p_rows / p_rows.sum(), p_cols / p_cols.sum()
    rows, cols, times = np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    while len(rows) < edges:  # duplicates are dropped: draw until there are enough distinct edges
        draw = int((edges - len(rows)) * 1.3) + 1000
        rows, cols, times = dedupe(np.concatenate([rows, rng.choice(n_rows, draw, p=p_rows)]),
                                   np.concatenate([cols, rng.choice(n_cols, draw, p=p_cols)]),
                                   np.concatenate([times, rng.uniform(0, days * 86_400, draw)]), n_cols)
    keep = np.sort(rng.choice(len(rows), edges, replace=False))
    return Graph(rows[keep], cols[keep], times[keep], n_rows, n_cols)


@dataclass
class Injected:
    graph: Graph
    fraud_rows: np.ndarray  # the accounts that are fraud (new ones, or the hijacked real ones)
    fraud_cols: np.ndarray


def inject(graph: Graph, *, density: float, camouflage: str, size: tuple[int, int] = (200, 200),
           window: float = 3600.0, seed: int = 7) -> Injected:
    if camouflage not in CAMOUFLAGES:
        raise ValueError(f"camouflage must be one of {CAMOUFLAGES}")
    rng = np.random.default_rng(seed)
    m, k = size
    fraud_cols = np.sort(rng.choice(graph.n_cols, k, replace=False))
    if camouflage == "hijacked":
        fraud_rows = np.sort(rng.choice(graph.n_rows, m, replace=False))
        n_rows = graph.n_rows
    else:
        fraud_rows = np.arange(graph.n_rows, graph.n_rows + m)
        n_rows = graph.n_rows + m
    first, last = float(graph.times.min()), float(graph.times.max())
    start = rng.uniform(first, max(first, last - window))
    mask = rng.random((m, k)) < density
    r, c = np.nonzero(mask)
    new_rows, new_cols, new_times = [fraud_rows[r]], [fraud_cols[c]], [rng.uniform(start, start + window, len(r))]
    if camouflage in ("random", "biased"):
        per_row = mask.sum(axis=1)
        total = int(per_row.sum())
        if camouflage == "random":
            targets = rng.integers(0, graph.n_cols, total)
        else:
            popularity = np.bincount(graph.cols, minlength=graph.n_cols).astype(float)
            targets = rng.choice(graph.n_cols, total, p=popularity / popularity.sum())
        new_rows.append(np.repeat(fraud_rows, per_row))
        new_cols.append(targets)
        new_times.append(rng.uniform(first, last, total))  # camouflage looks ordinary in time too
    rows, cols, times = dedupe(np.concatenate([graph.rows, *new_rows]), np.concatenate([graph.cols, *new_cols]),
                               np.concatenate([graph.times, *new_times]), graph.n_cols)
    return Injected(Graph(rows, cols, times, n_rows, graph.n_cols), fraud_rows, fraud_cols)


def f1(found: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall and F1 of the accounts found against the fraud accounts."""
    hits = len(np.intersect1d(found, truth))
    precision = hits / len(found) if len(found) else 0.0
    recall = hits / len(truth) if len(truth) else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if hits else 0.0)
