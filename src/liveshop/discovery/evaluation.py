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


class Learned:
    """The personalised ranker: ALS affinity, highest score first."""

    name = "personalised (ALS)"

    def __init__(self, model) -> None:  # type: ignore[no-untyped-def]
        self.model = model

    def rank(self, viewer: int, candidates: Sequence[int], k: int) -> list[int]:
        scores = self.model.scores(viewer, candidates)
        order = sorted(range(len(candidates)), key=lambda i: (-scores[i], candidates[i]))
        return [candidates[i] for i in order[:k]]


class Fair:
    """The personalised ranker's scores through the amortised exposure re-ranker."""

    name = "fair re-ranker"

    def __init__(self, model, strength: float) -> None:  # type: ignore[no-untyped-def]
        from liveshop.discovery.fairness import ExposureDamping

        self.model = model
        self.reranker = ExposureDamping(strength=strength)

    def rank(self, viewer: int, candidates: Sequence[int], k: int) -> list[int]:
        return self.reranker.rank(candidates, list(self.model.scores(viewer, candidates)))[:k]


# The targets for the evaluation.
TARGET_NDCG_RATIO = 1.2  # personalised NDCG@10 ÷ popularity's
TARGET_GINI_DROP = 0.25  # fair re-ranker's exposure Gini below the personalised ranker's…
TARGET_NDCG_LOSS = 0.05  # …at no more NDCG@10 loss than this
TARGET_COVERAGE = 0.40


@dataclass
class Setting:
    """What every ranker is evaluated on: the split, the feed requests and the popularity counts."""

    train: list[Interaction]
    catalogue: list[int]
    requests: list[Request]
    popularity: Counter[int]

    def evaluate(self, ranker: Ranker) -> dict[str, float]:
        return evaluate(ranker, self.requests, catalogue=self.catalogue, popularity=self.popularity)


def setting(rows: list[Interaction], *, seed: int = 7) -> Setting:
    from liveshop.discovery import movielens
    from liveshop.discovery.simulation import weekly_schedule

    train, test = movielens.split_per_viewer(rows)
    catalogue = sorted({r.room for r in rows})
    requests = feed_requests(train, test, weekly_schedule(catalogue, seed=seed))
    return Setting(train, catalogue, requests, Counter(r.room for r in train))


def run(rows: list[Interaction], *, strength: float = 0.228, seed: int = 7,
        progress=None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Popularity, personalised and fair rankers on the same requests, with the targets' verdicts."""
    from liveshop.discovery.affinity import train as fit

    def step(what: str) -> None:
        if progress is not None:
            progress(what)

    on = setting(rows, seed=seed)
    step("split and live windows")
    model = fit(((r.viewer, r.room) for r in on.train), seed=seed)
    step("ALS trained")
    results = {}
    for ranker in (Popularity(on.train), Learned(model), Fair(model, strength)):
        results[ranker.name] = on.evaluate(ranker)
        step(ranker.name)
    pop, learned, fair = (results[n] for n in ("popularity", Learned.name, Fair.name))
    ratio = learned["ndcg@10"] / pop["ndcg@10"]
    gini_drop = 1 - fair["exposure_gini@10"] / learned["exposure_gini@10"]
    ndcg_loss = 1 - fair["ndcg@10"] / learned["ndcg@10"]
    return {
        "interactions": len(rows), "viewers": len({r.viewer for r in rows}), "rooms": len(on.catalogue),
        "requests": len(on.requests), "strength": strength, "rankers": results,
        "checks": {
            "personalised NDCG@10 ÷ popularity": (ratio, f"≥ {TARGET_NDCG_RATIO}", ratio >= TARGET_NDCG_RATIO),
            "fair: exposure Gini lower by": (gini_drop, f"≥ {TARGET_GINI_DROP:.0%}", gini_drop >= TARGET_GINI_DROP),
            "fair: NDCG@10 loss": (ndcg_loss, f"≤ {TARGET_NDCG_LOSS:.0%}", ndcg_loss <= TARGET_NDCG_LOSS),
            "personalised coverage@10": (learned["coverage@10"], f"≥ {TARGET_COVERAGE:.0%}",
                                         learned["coverage@10"] >= TARGET_COVERAGE),
        },
    }


def chart_png(report: dict[str, object]) -> bytes:
    """Accuracy and reach of the three rankers side by side (PNG)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rankers: dict[str, dict[str, float]] = report["rankers"]  # type: ignore[assignment]
    metrics = ["ndcg@10", "recall@20", "coverage@10", "exposure_gini@10", "bottom_half_share@10"]
    fig = Figure(figsize=(8, 3.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / len(rankers)
    colors = ["#999999", "#3ea6ff", "#ff2d55"]
    for n, (name, values) in enumerate(rankers.items()):
        xs = [i + n * width for i in range(len(metrics))]
        ax.bar(xs, [values[m] for m in metrics], width=width, label=name, color=colors[n % len(colors)])
    ax.set_xticks([i + width for i in range(len(metrics))], metrics, fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_title(f"Feed rankers on MovieLens-100K ({report['requests']} feed requests)")
    ax.legend(fontsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
