"""The live exposure ledger: what each shop's rooms received in feed lists and what their
relevance deserved, per UTC day, shared by every node.

A feed request books its list here in memory (no write on the request's path); every
`flush_seconds` the node adds its deltas to the shared table (additive upserts, so nodes never
overwrite each other) and reads back the totals of the last `window_days`, which the fairness
damping ranks with. A node therefore sees other nodes' exposure a flush late — the damping is
a slow force, a couple of seconds change nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from liveshop.core.clock import Clock
from liveshop.core.db import Database
from liveshop.core.tasks import Periodic
from liveshop.discovery import store

log = logging.getLogger(__name__)


def day_of(at: datetime) -> str:
    return at.astimezone(UTC).date().isoformat()


class ExposureBook:
    def __init__(self, db: Database, clock: Clock, *, flush_seconds: float = 2.0, window_days: int = 7) -> None:
        self.db = db
        self.clock = clock
        self.window_days = window_days
        self._pending: dict[tuple[int, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self._totals: dict[int, dict[str, float]] = {}
        self._received_unwritten: dict[int, float] = defaultdict(float)
        self._in_flight: dict[int, float] = {}  # being written: counted until the totals include it
        self._flusher = Periodic("writing the feed's exposure ledger", self.flush, flush_seconds,
                                 first_after=flush_seconds)
        self._lock = asyncio.Lock()

    def book(self, shop_id: int, now: datetime, **amounts: float) -> None:
        row = self._pending[(shop_id, day_of(now))]
        for name, amount in amounts.items():
            row[name] += amount
        self._received_unwritten[shop_id] += amounts.get("received", 0.0)

    def book_deserved(self, shop_ids: list[int], shares: list[float], now: datetime) -> None:
        """One request's deserved shares, for all its candidates at once."""
        day = day_of(now)
        pending = self._pending
        for shop, share in zip(shop_ids, shares, strict=True):
            pending[(shop, day)]["deserved"] += share

    def received_many(self, shop_ids: list[int]) -> list[float]:
        """What each shop's rooms received in the window, this node's unwritten part included."""
        totals, unwritten, in_flight = self._totals, self._received_unwritten, self._in_flight
        return [totals.get(s, {}).get("received", 0.0) + unwritten.get(s, 0.0) + in_flight.get(s, 0.0)
                for s in shop_ids]

    def since_day(self) -> str:
        return day_of(self.clock.now() - timedelta(days=self.window_days - 1))

    async def flush(self) -> None:
        async with self._lock:
            batch, self._pending = self._pending, defaultdict(lambda: defaultdict(float))
            unwritten, self._received_unwritten = self._received_unwritten, defaultdict(float)
            self._in_flight = dict(unwritten)
            rows = [{"shop_id": shop, "day": day, **{k: row.get(k, 0.0) if k in ("received", "deserved")
                                                      else int(row.get(k, 0)) for k in store.LEDGER_COUNTS}}
                    for (shop, day), row in batch.items()]
            try:
                if rows:
                    async with self.db.transaction() as tx:
                        await store.add_exposure(tx.conn, rows)
            except Exception:
                for key, row in batch.items():  # keep the deltas for the next round
                    for name, amount in row.items():
                        self._pending[key][name] += amount
                for shop, amount in unwritten.items():
                    self._received_unwritten[shop] += amount
                self._in_flight = {}
                raise
            async with self.db.transaction(write=False) as tx:
                self._totals = await store.exposure_totals(tx.conn, since_day=self.since_day())
            self._in_flight = {}

    def start(self) -> None:
        self._flusher.start()

    async def stop(self) -> None:
        await self._flusher.stop()
        if not self._pending:
            return
        try:
            await self.flush()
        except Exception:
            log.exception("feed exposure not yet written at shutdown was lost")
