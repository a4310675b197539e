"""Viewer × room affinity learned from interactions: implicit-feedback matrix factorisation
(alternating least squares, Hu, Koren & Volinsky 2008, via the `implicit` library).

Rooms a viewer interacted with are positives with confidence 1 + alpha·count; everything else
is a weak negative. Scores are dot products of the viewer's and the room's factors; a viewer or
room unseen in training scores 0 (the blend's other signals decide for them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class AffinityModel:
    viewer_index: dict[int, int]
    room_index: dict[int, int]
    viewer_factors: np.ndarray
    room_factors: np.ndarray

    def scores(self, viewer: int, rooms: Sequence[int]) -> np.ndarray:
        row = self.viewer_index.get(viewer)
        if row is None:
            return np.zeros(len(rooms))
        cols = np.array([self.room_index.get(r, -1) for r in rooms])
        known = cols >= 0
        out = np.zeros(len(rooms))
        out[known] = self.room_factors[cols[known]] @ self.viewer_factors[row]
        return out


def train(pairs: Iterable[tuple[int, int]], *, factors: int = 32, regularization: float = 0.1,
          iterations: int = 15, alpha: float = 5.0, seed: int = 7) -> AffinityModel:
    """Fit on (viewer, room) interactions (repeats add confidence). The defaults were chosen on
    the MovieLens evaluation (docs/benchmarks.md once `liveshop eval feed` lands)."""
    from implicit.als import AlternatingLeastSquares
    from scipy.sparse import coo_matrix
    from threadpoolctl import threadpool_limits

    counts: dict[tuple[int, int], int] = {}
    for pair in pairs:
        counts[pair] = counts.get(pair, 0) + 1
    viewers = {v: i for i, v in enumerate(sorted({v for v, _ in counts}))}
    rooms = {r: i for i, r in enumerate(sorted({r for _, r in counts}))}
    rows = np.fromiter((viewers[v] for v, _ in counts), dtype=np.int32, count=len(counts))
    cols = np.fromiter((rooms[r] for _, r in counts), dtype=np.int32, count=len(counts))
    confidence = 1.0 + alpha * np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
    matrix = coo_matrix((confidence, (rows, cols)), shape=(len(viewers), len(rooms))).tocsr()
    with threadpool_limits(1, "blas"):  # implicit parallelises itself; BLAS threads on top only contend
        model = AlternatingLeastSquares(factors=factors, regularization=regularization, iterations=iterations,
                                        random_state=seed, use_gpu=False)
        model.fit(matrix, show_progress=False)
    return AffinityModel(viewers, rooms, np.asarray(model.user_factors), np.asarray(model.item_factors))
