"""The offline evaluation of feed rankers on a real interaction log (`liveshop eval feed`).

One feed request per viewer, at the moment of their first held-out interaction: the candidates
are the rooms live then (`simulation.py`) that the viewer has not interacted with in training;
the relevant ones are their held-out rooms among those. Each ranker orders the same candidates;
the report gives accuracy (NDCG@10, Recall@20) and reach (coverage@10, hosts' exposure Gini,
the bottom half's share of exposure) side by side. In this mapping a host is one room series
(a MovieLens item).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from liveshop.discovery.metrics import (
    bottom_half_share,
    coverage_at,
    exposure_at,
    gini,
    ndcg_at,
    recall_at,
)
from liveshop.discovery.movielens import Interaction
from liveshop.discovery.simulation import Schedule


@dataclass(frozen=True)
class Request:
    viewer: int
    at: int
    candidates: list[int]
    relevant: frozenset[int]


class Ranker(Protocol):
    name: str

    def rank(self, viewer: int, candidates: Sequence[int], k: int) -> list[int]: ...


def feed_requests(train: list[Interaction], test: list[Interaction], schedule: Schedule) -> list[Request]:
    seen: dict[int, set[int]] = {}
    for row in train:
        seen.setdefault(row.viewer, set()).add(row.room)
    held_out: dict[int, list[Interaction]] = {}
    for row in test:
        held_out.setdefault(row.viewer, []).append(row)
    requests = []
    for viewer, rows in sorted(held_out.items()):
        at = min(r.at for r in rows)
        mine = seen.get(viewer, set())
        candidates = [room for room in schedule.live_at(at) if room not in mine]
        live = frozenset(r.room for r in rows if schedule.is_live(r.room, at) and r.room not in mine)
        if live:
            requests.append(Request(viewer, at, candidates, live))
    return requests


class Popularity:
    """The baseline: most interactions in training first (ties by room id)."""

    name = "popularity"

    def __init__(self, train: list[Interaction]) -> None:
        self.counts = Counter(r.room for r in train)

    def rank(self, viewer: int, candidates: Sequence[int], k: int) -> list[int]:
        return sorted(candidates, key=lambda room: (-self.counts[room], room))[:k]


def evaluate(ranker: Ranker, requests: list[Request], *, catalogue: Sequence[int],
             popularity: Counter[int]) -> dict[str, float]:
    lists = [ranker.rank(q.viewer, q.candidates, 20) for q in requests]
    exposure = exposure_at(lists, k=10)
    return {
        "requests": len(requests),
        "ndcg@10": sum(ndcg_at(ranked, set(q.relevant), 10) for ranked, q in zip(lists, requests, strict=True))
        / len(requests),
        "recall@20": sum(recall_at(ranked, set(q.relevant), 20) for ranked, q in zip(lists, requests, strict=True))
        / len(requests),
        "coverage@10": coverage_at(lists, len(catalogue), k=10),
        "exposure_gini@10": gini(exposure.get(room, 0.0) for room in catalogue),
        "bottom_half_share@10": bottom_half_share(exposure, {room: popularity[room] for room in catalogue}),
    }
