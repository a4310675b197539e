"""Offline ranking metrics for the feed evaluation (docs/discovery.md once the feed lands).

Accuracy: NDCG@k (binary relevance, ideal DCG over min(|relevant|, k) hits) and Recall@k.
Reach: item coverage@k (share of the catalogue appearing in anyone's top k), the Gini
coefficient of hosts' exposure, and the share of exposure that goes to the bottom half of hosts
by popularity. Exposure of rank r (0-based) is 1 / log2(r + 2) — the position-based attention
model of Singh & Joachims (2018), the same discount NDCG uses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence


def position_weight(rank: int) -> float:
    return 1.0 / math.log2(rank + 2)


def ndcg_at(ranked: Sequence[int], relevant: set[int], k: int = 10) -> float:
    if not relevant:
        return 0.0
    dcg = sum(position_weight(r) for r, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(position_weight(r) for r in range(min(len(relevant), k)))
    return dcg / ideal


def recall_at(ranked: Sequence[int], relevant: set[int], k: int = 20) -> float:
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def coverage_at(lists: Iterable[Sequence[int]], catalogue_size: int, k: int = 10) -> float:
    shown: set[int] = set()
    for ranked in lists:
        shown.update(ranked[:k])
    return len(shown) / catalogue_size if catalogue_size else 0.0


def exposure_at(lists: Iterable[Sequence[int]], k: int = 10) -> dict[int, float]:
    """Position-weighted exposure each item received over all top-k lists."""
    totals: dict[int, float] = {}
    for ranked in lists:
        for r, item in enumerate(ranked[:k]):
            totals[item] = totals.get(item, 0.0) + position_weight(r)
    return totals


def gini(values: Iterable[float]) -> float:
    """0 when everyone gets the same, → 1 when one gets everything (values ≥ 0)."""
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * v for i, v in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n


def bottom_half_share(exposure: Mapping[int, float], popularity: Mapping[int, float]) -> float:
    """Share of all exposure received by the less popular half of the hosts (ties by id)."""
    hosts = sorted(popularity, key=lambda h: (popularity[h], h))
    bottom = hosts[: len(hosts) // 2]
    total = sum(exposure.values())
    return sum(exposure.get(h, 0.0) for h in bottom) / total if total else 0.0
