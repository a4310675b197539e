"""The numbers while the show runs, the same on every node.

Each node folds the shared event log in id order (`LiveFigures.catch_up`, every second), so what
one node's big screen shows is what any other node's shows, and what the report recomputes
from the log afterwards (`recompute`): the fold is the same code over the same events in the
same order.

Ids come from a sequence and are handed out before commit, so on PostgreSQL a batch written by
one node can become visible after a later batch of another: a missing id is waited for
(`gap_hold_seconds`) before it is given up as a rolled-back write.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from liveshop.analytics import store
from liveshop.analytics.aggregate import ATTRIBUTION_DAYS, Aggregator
from liveshop.analytics.log import fold
from liveshop.core.clock import Clock
from liveshop.core.db import Database
from liveshop.core.tasks import Periodic


class LiveFigures:
    def __init__(self, db: Database, clock: Clock, *, poll_seconds: float = 1.0, gap_hold_seconds: float = 10.0,
                 window_days: int = ATTRIBUTION_DAYS, page: int = 10_000) -> None:
        self.db = db
        self.clock = clock
        self.gap_hold_seconds = gap_hold_seconds
        self.window_days = window_days
        self.page = page
        self.aggregator = Aggregator()
        self.start_id: int | None = None  # the first id this node folds (events of the last `window_days`)
        self.last_id = 0
        self._gap_seen: float | None = None  # when the missing id after last_id was first noticed
        self._poller = Periodic("folding analytics events", self.catch_up, poll_seconds)
        self._lock = asyncio.Lock()

    async def _load(self) -> None:
        since = self.clock.now().timestamp() - self.window_days * 86_400
        async with self.db.transaction(write=False) as tx:
            first = await store.first_id_since(tx.conn, since)
            # Nothing in the window yet: everything from here on is new.
            self.start_id = first if first is not None else await store.last_id(tx.conn) + 1
        self.last_id = self.start_id - 1

    async def catch_up(self) -> int:
        """Fold what was written since the last call; returns how many events were folded."""
        async with self._lock:
            if self.start_id is None:
                await self._load()
            folded = 0
            while True:
                async with self.db.transaction(write=False) as tx:
                    rows = await store.read(tx.conn, after_id=self.last_id, limit=self.page)
                for row_id, event in rows:
                    if row_id != self.last_id + 1 and not self._gap_given_up():
                        return folded  # wait for the missing ids to commit
                    self._gap_seen = None
                    self.aggregator.add(event)
                    self.last_id = row_id
                    folded += 1
                if len(rows) < self.page:
                    return folded

    def _gap_given_up(self) -> bool:
        now = time.monotonic()
        if self._gap_seen is None:
            self._gap_seen = now
        return now - self._gap_seen >= self.gap_hold_seconds

    def covers(self, first_id: int) -> bool:
        return self.start_id is not None and first_id >= self.start_id

    def start(self) -> None:
        self._poller.start()

    async def stop(self) -> None:
        await self._poller.stop()

    async def folded(self, room_id: int) -> Aggregator:
        """An aggregator holding the room's whole history: this node's fold when it covers the
        room, else the room recomputed from the log (its first events are older than the window)."""
        async with self.db.transaction(write=False) as tx:
            first = await store.first_of_room(tx.conn, room_id)
        if first is None:
            return Aggregator()
        await self.catch_up()  # one indexed read: what was written since the last poll shows at once
        if self.covers(first[0]):
            return self.aggregator
        return await recompute(self.db, room_id)

    async def figures(self, room_id: int, *, now: float | None = None) -> dict[str, Any]:
        """A room's numbers now (`folded`)."""
        now = self.clock.now().timestamp() if now is None else now
        return (await self.folded(room_id)).figures(room_id, now=now)


async def recompute(db: Database, room_id: int, *, page: int = 10_000) -> Aggregator:
    """A room's numbers folded afresh from the raw log: its events and its shop's payments from
    its first event on, in id order — all that its figures depend on (docs/metrics.md)."""
    aggregator = Aggregator()
    async with db.transaction(write=False) as tx:
        first = await store.first_of_room(tx.conn, room_id)
    if first is None:
        return aggregator
    shop = first[1]
    await fold(db, aggregator, lambda conn, after: store.read_for_room(conn, room_id, shop, after_id=after, limit=page),
               after_id=first[0] - 1, page=page)
    return aggregator
