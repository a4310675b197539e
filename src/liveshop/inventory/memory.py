"""The `memory` stock engine: stock in the process, orders made durable by group commit.

For one node. Each hot listing's remaining units and per-buyer holdings live in memory,
loaded from the database the first time the listing is bought from (so a restart rebuilds
from what is durable). An attempt is checked and reserved without touching the database;
accepted claims queue for the single writer task, which commits everything queued while
the previous commit ran in one transaction (group commit: no timer, so a lone buyer waits
for one commit and a rush shares each commit among many). A buyer hears "accepted" only
after that commit; if it fails, the claims are undone and their buyers get 503.

Sold-out fast path: a listing with nothing left rejects at once, with no database access.
Releases (expiry, cancellation) and operator stock changes reach the engine after their own
transactions commit, through the database's listeners.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from liveshop.core.db import Database
from liveshop.core.errors import LiveshopError
from liveshop.inventory import store
from liveshop.inventory.errors import (
    ListingNotFound,
    ListingWithdrawn,
    NotEnoughStock,
    PerUserLimitExceeded,
    SoldOut,
)
from liveshop.orders.errors import IdempotencyKeyReused
from liveshop.rooms.errors import RoomEnded, RoomNotLive

log = logging.getLogger(__name__)



class StockEngineUnavailable(LiveshopError):
    status = 503
    code = "stock_engine_unavailable"
    title = "Orders cannot be saved right now; try again in a moment (same Idempotency-Key)"


@dataclass
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


@dataclass(eq=False)
class Claim:
    """Units taken in memory for one buyer, waiting for the batch that makes them durable."""

    listing_id: int
    room_id: int
    shop_id: int
    product_id: int
    title: str
    unit_price_cents: int
    currency: str
    buyer_id: int
    quantity: int
    idempotency_key: str
    fingerprint: str
    created_at: datetime
    expires_at: datetime
    future: asyncio.Future[Any]


@dataclass(frozen=True, slots=True)
class KnownKey:
    """An Idempotency-Key that made an order before this engine started."""

    fingerprint: str
    order_id: int


# Collaborators from the orders capability (the engine never reads its tables itself):
# the batch writer: given the claims, one transaction; per claim ("created" | "replay", order)
# or ("mismatch", None); raises if nothing was committed.
Flush = Callable[[Database, list[Claim], datetime], Awaitable[list[tuple[str, Any]]]]
# (buyer, key) → KnownKey for every order of a listing, loaded with the listing.
KnownKeys = Callable[[int], Awaitable[dict[tuple[int, str], KnownKey]]]
LoadOrder = Callable[[int], Awaitable[Any]]
RoomStatus = Callable[[int], Awaitable[str]]


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
        self._flush = flush
        self._known_keys = known_keys
        self._load_order = load_order
        self._room_status = room_status
        self.max_batch = max_batch
        self._hot: dict[int, HotListing] = {}
        self._loading: dict[int, asyncio.Lock] = {}
        # Every key that made an order of a hot listing: bounded by the units sold, and
        # checked before any rejection, so a retry always gets its original answer.
        self._keys: dict[tuple[int, str], Claim | KnownKey] = {}
        self._queue: list[Claim] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.flushed = 0
        db.listeners.append(self._observe)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._writer(), name="stock-group-commit")

    async def stop(self, *, drain_seconds: float = 10.0) -> None:
        """Let the writer commit what is queued (for a while), then stop it."""
        deadline = asyncio.get_running_loop().time() + drain_seconds
        while self._queue and self._task and not self._task.done():
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.001)
        for claim in self._queue:  # never committed: their buyers must not wait forever
            self._undo(claim, stale=True)
            if not claim.future.done():
                claim.future.set_exception(StockEngineUnavailable())
        self._queue.clear()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

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
        hot = await self._listing(listing_id)
        # From here to registering the claim there is no await: check-and-claim is atomic.
        earlier = self._keys.get((buyer_id, idempotency_key))
        if earlier is not None:
            if earlier.fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            if isinstance(earlier, KnownKey):
                return await self._load_order(earlier.order_id), True
            order, _ = await asyncio.shield(earlier.future)
            # The order as it is now (paid, expired...), as the sql backend answers a replay.
            return await self._load_order(order.id), True
        claim = self._claim(hot, buyer_id, quantity, idempotency_key, fingerprint, now, payment_timeout)
        self._queue.append(claim)
        self._wake.set()
        order, replayed = await asyncio.shield(claim.future)
        return order, replayed

    def _claim(
        self, hot: HotListing, buyer_id: int, quantity: int, idempotency_key: str, fingerprint: str,
        now: datetime, payment_timeout: int,
    ) -> Claim:
        """The whole decision, in memory and without awaiting: limits, stock, idempotency record."""
        if hot.status != "active":
            raise ListingWithdrawn()
        if hot.room_status == "scheduled":
            raise RoomNotLive("Buying opens when the show goes live")
        if hot.room_status == "ended":
            raise RoomEnded()
        if hot.remaining <= 0:
            raise SoldOut(listing_id=hot.id)  # the fast path: no database, no lock
        held = hot.held.get(buyer_id, 0)
        if hot.per_user_limit is not None and held + quantity > hot.per_user_limit:
            raise PerUserLimitExceeded(limit=hot.per_user_limit, already=held)
        if hot.remaining < quantity:
            raise NotEnoughStock(f"Only {hot.remaining} left", listing_id=hot.id, stock_left=hot.remaining)
        hot.remaining -= quantity
        hot.held[buyer_id] = held + quantity
        hot.in_flight += 1
        claim = Claim(
            listing_id=hot.id, room_id=hot.room_id, shop_id=hot.shop_id, product_id=hot.product_id,
            title=hot.title, unit_price_cents=hot.price_cents, currency=hot.currency, buyer_id=buyer_id,
            quantity=quantity, idempotency_key=idempotency_key, fingerprint=fingerprint, created_at=now,
            expires_at=now + timedelta(seconds=payment_timeout),
            future=asyncio.get_running_loop().create_future(),
        )
        # A buyer who hung up no longer awaits the answer; retrieve it so none goes unread.
        claim.future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._remember(claim)
        return claim

    def _remember(self, claim: Claim) -> None:
        self._keys[(claim.buyer_id, claim.idempotency_key)] = claim

    # --- group commit -------------------------------------------------------------------

    async def _writer(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = self._queue[: self.max_batch]
                del self._queue[: len(batch)]
                try:
                    await self._commit(batch)
                except Exception:  # the writer must outlive any one batch
                    log.exception("stock engine batch handling failed")
                    for claim in batch:
                        if not claim.future.done():
                            claim.future.set_exception(StockEngineUnavailable())

    async def _commit(self, batch: list[Claim]) -> None:
        now = batch[-1].created_at
        try:
            outcomes = await self._flush(self._db, batch, now)
        except Exception as exc:  # nothing of the batch is durable: undo it all
            log.warning("group commit of %d claims failed: %r", len(batch), exc)
            for claim in batch:
                self._undo(claim, stale=True)
                self._keys.pop((claim.buyer_id, claim.idempotency_key), None)
                claim.future.set_exception(StockEngineUnavailable())
            return
        self.batches += 1
        self.flushed += len(batch)
        for claim, (kind, order) in zip(batch, outcomes, strict=True):
            self._hot[claim.listing_id].in_flight -= 1
            if kind == "created":
                claim.future.set_result((order, False))
                continue
            # The key was used before (before a restart, or on another listing): that
            # earlier order is the answer, and the units taken here go back.
            self._undo(claim, stale=False, counted=False)
            if kind == "replay":
                claim.future.set_result((order, True))
            else:
                self._keys.pop((claim.buyer_id, claim.idempotency_key), None)
                claim.future.set_exception(IdempotencyKeyReused())

    def _undo(self, claim: Claim, *, stale: bool, counted: bool = True) -> None:
        hot = self._hot.get(claim.listing_id)
        if hot is None:
            return
        hot.remaining += claim.quantity
        hot.held[claim.buyer_id] = hot.held.get(claim.buyer_id, 0) - claim.quantity
        if counted:
            hot.in_flight -= 1
        if stale:
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
            rows = await tx.conn.execute(
                select(store.listing_buyers.c.user_id, store.listing_buyers.c.quantity).where(
                    store.listing_buyers.c.listing_id == listing_id
                )
            )
            held = {user_id: qty for user_id, qty in rows if qty}
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
                    hot.room_status = event["status"]
