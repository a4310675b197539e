"""The `memory` stock engine: stock in the process, orders made durable by group commit.

For one node. Each hot listing's remaining units and per-buyer holdings live in memory,
loaded from the database the first time the listing is bought from (so a restart rebuilds
from what is durable). An attempt is checked and reserved without touching the database;
accepted claims join the open batch of the group commit (groupcommit.py), and a buyer hears
"accepted" only after that batch is durable. If it fails, its claims are undone and their
buyers get 503.

Sold-out fast path: a listing with nothing left rejects at once, with no database access.
Releases (expiry, cancellation) and operator stock changes reach the engine after their own
transactions commit, through the database's listeners.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from liveshop.core.db import Database
from liveshop.inventory import store
from liveshop.inventory.errors import (
    ListingNotFound,
    ListingWithdrawn,
    NotEnoughStock,
    PerUserLimitExceeded,
    SoldOut,
    StockEngineUnavailable,
)
from liveshop.inventory.groupcommit import Batch, Flush, GroupCommit, Kind, KnownKey, replay
from liveshop.rooms.errors import RoomEnded, RoomNotLive

__all__ = ["MemoryStockEngine", "StockEngineUnavailable", "KnownKey", "HotListing"]


@dataclass(eq=False, slots=True)
class HotListing:
    id: int
    room_id: int
    shop_id: int
    product_id: int
    title: str
    price_cents: int
    currency: str
    per_user_limit: int | None
    status: str
    initial_stock: int
    remaining: int
    room_status: str
    held: dict[int, int] = field(default_factory=dict)
    in_flight: int = 0
    stale: bool = False


# Collaborators from the orders capability (the engine never reads its tables itself):
# (buyer, key) → KnownKey for every order of a listing, loaded with the listing.
KnownKeys = Callable[[int], Awaitable[dict[tuple[int, str], KnownKey]]]
LoadOrder = Callable[[int], Awaitable[Any]]
RoomStatus = Callable[[int], Awaitable[str]]


def check_claim(hot: HotListing, held: int, quantity: int) -> None:
    """The rules an attempt must pass, in the order a buyer should hear about them."""
    if hot.status != "active":
        raise ListingWithdrawn()
    if hot.room_status == "scheduled":
        raise RoomNotLive("Buying opens when the show goes live")
    if hot.room_status == "ended":
        raise RoomEnded()
    if hot.remaining <= 0:
        raise SoldOut(listing_id=hot.id)
    if hot.per_user_limit is not None and held + quantity > hot.per_user_limit:
        raise PerUserLimitExceeded(limit=hot.per_user_limit, already=held)
    if hot.remaining < quantity:
        raise NotEnoughStock(f"Only {hot.remaining} left", listing_id=hot.id, stock_left=hot.remaining)


class MemoryStockEngine:
    name = "memory"

    def __init__(
        self,
        db: Database,
        *,
        flush: Flush,
        known_keys: KnownKeys,
        load_order: LoadOrder,
        room_status: RoomStatus,
        max_batch: int = 1000,
    ) -> None:
        self._db = db
        self._known_keys = known_keys
        self._load_order = load_order
        self._room_status = room_status
        self._hot: dict[int, HotListing] = {}
        self._loading: dict[int, asyncio.Lock] = {}
        self.commits = GroupCommit(
            flush, listings=self._hot, settled=self._settled, failed=self._failed, max_batch=max_batch
        )
        # Every key that made an order of a hot listing (its batch while in flight): bounded
        # by the units sold, and checked before any rejection, so a retry gets its answer.
        self._keys = self.commits.keys
        db.listeners.append(self._observe)

    def start(self) -> None:
        self.commits.start()

    async def stop(self, *, drain_seconds: float = 10.0) -> None:
        await self.commits.stop(drain_seconds=drain_seconds)

    # --- the hot path -------------------------------------------------------------------

    async def place(
        self,
        *,
        buyer_id: int,
        listing_id: int,
        quantity: int,
        idempotency_key: str,
        fingerprint: str,
        now: datetime,
        payment_timeout: int,
    ) -> tuple[Any, bool]:
        hot = self._hot.get(listing_id)
        if hot is None or hot.stale:
            hot = await self._listing(listing_id)
        # From here to registering the claim there is no await: check-and-claim is atomic.
        earlier = self._keys.get((buyer_id, idempotency_key))
        if earlier is not None:
            return await self._replay(earlier, buyer_id, idempotency_key, fingerprint)
        batch, index = self._claim(hot, buyer_id, quantity, idempotency_key, fingerprint, now, payment_timeout)
        return await self.commits.answer(batch, index)  # type: ignore[no-any-return]

    def _claim(
        self, hot: HotListing, buyer_id: int, quantity: int, idempotency_key: str, fingerprint: str,
        now: datetime, payment_timeout: int,
    ) -> tuple[Batch, int]:
        """The whole decision, in memory and without awaiting: limits, stock, idempotency record."""
        held = hot.held.get(buyer_id, 0)
        remaining = hot.remaining
        limit = hot.per_user_limit
        if (
            remaining < quantity or hot.status != "active" or hot.room_status != "live"
            or (limit is not None and held + quantity > limit)
        ):
            check_claim(hot, held, quantity)  # raises the reason, sold out first-class
        hot.remaining = remaining - quantity
        hot.held[buyer_id] = held + quantity
        hot.in_flight += 1
        batch = self.commits.open_batch()
        index = batch.add(hot.id, buyer_id, quantity, hot.price_cents, idempotency_key, fingerprint, now,
                          payment_timeout)
        if remaining == quantity:
            batch.sells_out.add(hot.id)
        self._keys[(buyer_id, idempotency_key)] = batch
        return batch, index

    async def _replay(self, earlier: Batch | KnownKey, buyer_id: int, key: str, fingerprint: str) -> tuple[Any, bool]:
        return await replay(earlier, buyer_id, key, fingerprint, self._load_order)

    # --- after the commit ---------------------------------------------------------------

    def _settled(self, batch: Batch, results: list[tuple[Kind, Any]]) -> None:
        for i, (kind, _) in enumerate(results):
            if kind == "created":
                self._hot[batch.listing_ids[i]].in_flight -= 1
            else:
                # The key was used before (before a restart, or on another listing): that
                # earlier order is the answer, and the units taken here go back.
                self._undo(batch, i, stale=False)

    def _failed(self, batch: Batch) -> None:
        for i in range(len(batch)):
            self._undo(batch, i, stale=True)

    def _undo(self, batch: Batch, i: int, *, stale: bool) -> None:
        hot = self._hot.get(batch.listing_ids[i])
        if hot is None:
            return
        quantity, buyer_id = batch.quantities[i], batch.buyer_ids[i]
        hot.remaining += quantity
        hot.held[buyer_id] = hot.held.get(buyer_id, 0) - quantity
        hot.in_flight -= 1
        if stale:
            # The database may disagree with memory: reload once nothing is in flight.
            hot.stale = True

    # --- state ----------------------------------------------------------------------------

    async def _listing(self, listing_id: int) -> HotListing:
        hot = self._hot.get(listing_id)
        if hot is not None and not (hot.stale and hot.in_flight == 0):
            return hot
        lock = self._loading.setdefault(listing_id, asyncio.Lock())
        async with lock:
            hot = self._hot.get(listing_id)
            if hot is None or (hot.stale and hot.in_flight == 0):
                hot = await self._load(listing_id)
                self._hot[listing_id] = hot
        return hot

    async def _load(self, listing_id: int) -> HotListing:
        """The listing as the database has it: the engine's state after any restart."""
        async with self._db.transaction(write=False) as tx:
            listing = await store.listing_by_id(tx.conn, listing_id)
            if listing is None:
                raise ListingNotFound()
            held = dict(await store.quotas_of_listing(tx.conn, listing_id))
        for key, known in (await self._known_keys(listing_id)).items():
            self._keys.setdefault(key, known)
        return HotListing(
            id=listing.id, room_id=listing.room_id, shop_id=listing.shop_id, product_id=listing.product_id,
            title=listing.title, price_cents=listing.price_cents, currency=listing.currency,
            per_user_limit=listing.per_user_limit, status=listing.status, initial_stock=listing.initial_stock,
            remaining=listing.remaining, room_status=await self._room_status(listing.room_id), held=held,
        )

    def _observe(self, room_id: int | None, event: dict[str, Any]) -> None:
        """Keep in step with committed changes made outside the engine."""
        kind = event.get("type")
        if kind == "stock_released":
            hot = self._hot.get(event["listing_id"])
            if hot is not None:
                hot.remaining += event["quantity"]
                hot.held[event["buyer_id"]] = hot.held.get(event["buyer_id"], 0) - event["quantity"]
        elif kind in ("listing_updated", "listing_added"):
            view = event["listing"]
            hot = self._hot.get(view["id"])
            if hot is not None:
                hot.remaining += view["initial_stock"] - hot.initial_stock  # operator added/withdrew
                hot.initial_stock = view["initial_stock"]
                hot.price_cents = view["price_cents"]
                hot.per_user_limit = view["per_user_limit"]
                hot.status = view["status"]
        elif kind == "room_status" and room_id is not None:
            for hot in self._hot.values():
                if hot.room_id == room_id:
                    hot.room_status = event.get("sale_status", event["status"])
