"""The served affinity model: viewer × host (shop) ALS, retrained on a schedule from the
analytics event log.

A show is one evening; the host behind it is what a viewer comes back to. So the model learns
viewer × shop from the last `window_days` of the log — visits, follows, chat, likes, orders and
payments, weighted by how much each says about taste (`WEIGHTS`) — and a room's affinity for a
viewer is its shop's. Guests' browsers (cookie ids) train the shops' factors too, but a guest's
feed is never personalised. Each node trains its own copy from the shared log (the same events
and seed give the same model); a node that just started serves the unpersonalised blend until
its first training ends. Training runs in a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from liveshop.analytics import events as ev
from liveshop.analytics import service as analytics
from liveshop.core.clock import Clock
from liveshop.core.db import Database
from liveshop.core.tasks import Periodic
from liveshop.discovery.affinity import AffinityModel, train

log = logging.getLogger(__name__)

# How many interactions one event counts as.
WEIGHTS = {ev.JOIN: 1, ev.COMMENT: 1, ev.LIKE: 1, ev.FOLLOW: 3, ev.ORDER: 2, ev.PAID: 4}
MIN_INTERACTIONS = 20  # below this there is nothing to learn: everyone gets the unpersonalised blend


@dataclass(frozen=True)
class TrainingRun:
    at: datetime
    interactions: int
    viewers: int
    shops: int
    seconds: float


def pairs_of(rows: Iterable[tuple[str, int, str, float]]) -> list[tuple[str, int]]:
    return [(viewer, shop) for viewer, shop, kind, _ in rows for _ in range(WEIGHTS.get(kind, 0))]


class FeedModel:
    def __init__(self, db: Database, clock: Clock, *, every_seconds: float = 600.0, window_days: int = 30,
                 max_events: int = 2_000_000, factors: int = 32) -> None:
        self.db = db
        self.clock = clock
        self.window_days = window_days
        self.max_events = max_events
        self.factors = factors
        self.model: AffinityModel | None = None
        self._shops: np.ndarray | None = None  # the model's shop ids in factor order (lookalike targeting)
        self.last_run: TrainingRun | None = None
        self._retrainer = Periodic("retraining the feed model", self.retrain, every_seconds,
                                   first_after=min(every_seconds, 2.0))
        self._lock = asyncio.Lock()

    async def retrain(self) -> TrainingRun | None:
        async with self._lock:
            now = self.clock.now()
            started = time.perf_counter()
            rows = await analytics.actions(self.db, since=now - timedelta(days=self.window_days),
                                           kinds=WEIGHTS, limit=self.max_events)
            pairs = pairs_of(rows)
            if len(pairs) < MIN_INTERACTIONS:
                return None
            model = await asyncio.to_thread(train, pairs, factors=self.factors)
            self.model, self._shops = model, None
            self.last_run = TrainingRun(now, len(pairs), len(model.viewer_index), len(model.room_index),
                                        round(time.perf_counter() - started, 3))
            log.info("feed model trained: %s", self.last_run)
            return self.last_run

    def affinity(self, viewer: str | None, shops: list[int]) -> np.ndarray:
        """Each shop's affinity for a signed-in viewer (zeros for guests and unknown viewers)."""
        if viewer is None or self.model is None:
            return np.zeros(len(shops))
        return self.model.scores(viewer, shops)  # type: ignore[arg-type]

    def similar_shops(self, viewer: str | None, *, limit: int) -> list[int]:
        """The `limit` shops this viewer's history suggests most, best first (lookalike targeting)."""
        model = self.model
        if viewer is None or model is None or viewer not in model.viewer_index:
            return []
        scores = model.room_factors @ model.viewer_factors[model.viewer_index[viewer]]
        limit = min(limit, len(scores))
        top = np.argpartition(-scores, limit - 1)[:limit] if limit < len(scores) else np.arange(len(scores))
        shops = self._shops if self._shops is not None and len(self._shops) == len(scores) else \
            np.fromiter(model.room_index, dtype=np.int64, count=len(scores))
        self._shops = shops
        return [int(s) for s in shops[top[np.argsort(-scores[top], kind="stable")]]]

    def start(self) -> None:
        self._retrainer.start()

    async def stop(self) -> None:
        await self._retrainer.stop()
