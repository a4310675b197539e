"""Writing the event log and folding it back.

Services emit events after their transaction commits (`events.emit`); the database hands them to
`EventLog.observe` (no I/O: a list append); a background loop writes them in batches, so
recording costs nothing on a buyer's path. `replay` folds the log, in id order,
into an Aggregator — what the report recomputes and what the live screen keeps up to date.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from liveshop.analytics import store
from liveshop.analytics.aggregate import Aggregator
from liveshop.analytics.events import KINDS, NOTICE, Event
from liveshop.core.db import Database
from liveshop.core.tasks import Periodic


class EventLog:
    def __init__(self, db: Database, *, flush_every: float = 0.5, max_buffer: int = 100_000) -> None:
        self.db = db
        self.max_buffer = max_buffer
        self._buffer: list[Event] = []
        self._writer = Periodic("writing analytics events", self.flush, flush_every)
        self.dropped = 0
        self._shops: dict[int, int] = {}  # room → shop (a room never changes shop)
        # One write at a time: a flush called while the background writer is mid-write waits
        # for it, so "flushed" means everything recorded before the call is in the log.
        self._writing = asyncio.Lock()

    def observe(self, room_id: int | None, notice: dict[str, Any]) -> None:
        """A database listener: the analytics events of committed changes."""
        if notice.get("type") == NOTICE:
            self.record(notice["event"])

    def record(self, event: Event) -> None:
        assert event.kind in KINDS, event.kind
        if len(self._buffer) >= self.max_buffer:
            self.dropped += 1  # the database is far behind: analytics yields before buyers do
            return
        self._buffer.append(event)

    async def flush(self) -> int:
        async with self._writing:
            batch, self._buffer = self._buffer, []
            if not batch:
                return 0
            try:
                async with self.db.transaction() as tx:
                    batch = await self._with_shops(tx.conn, batch)
                    await store.append(tx.conn, batch)
            except BaseException:  # a failed write, or the writer cancelled mid-write at shutdown
                self._buffer[:0] = batch  # keep them, in order, for the next try
                raise
            return len(batch)

    async def _with_shops(self, conn: Any, batch: list[Event]) -> list[Event]:
        """Events recorded where only the room is known (a viewer connecting) get its shop here."""
        unknown = {e.room for e in batch if not e.shop and e.room not in self._shops}
        if unknown:
            self._shops.update(await store.shops_of_rooms(conn, unknown))
        return [e if e.shop else dataclasses.replace(e, shop=self._shops.get(e.room, 0)) for e in batch]

    def start(self) -> None:
        self._writer.start()

    async def stop(self) -> None:
        await self._writer.stop()
        await self.flush()


async def replay(db: Database, *, shop_id: int | None = None, page: int = 10_000) -> Aggregator:
    """The log folded from the start (one shop's events, or everything)."""
    aggregator = Aggregator()
    await fold(db, aggregator, lambda conn, after: store.read(conn, after_id=after, shop_id=shop_id, limit=page),
               after_id=0, page=page)
    return aggregator


async def fold(db: Database, aggregator: Aggregator, read: Callable[[Any, int], Awaitable[list[tuple[int, Event]]]],
               *, after_id: int, page: int) -> None:
    """Fold what `read(conn, after_id)` returns, page by page in id order, until a short page."""
    while True:
        async with db.transaction(write=False) as tx:
            rows = await read(tx.conn, after_id)
        for row_id, event in rows:
            aggregator.add(event)
            after_id = row_id
        if len(rows) < page:
            return
