"""Group commit: claims a stock engine accepted wait in a batch; one writer makes each batch
durable in one transaction and only then answers the buyers in it.

There is no timer: the writer commits everything that queued while its previous commit ran,
so a lone buyer waits for exactly one commit and a rush shares each commit among many.
A batch keeps its claims column by column, the shape the database statement takes them in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from liveshop.inventory.errors import StockEngineUnavailable
from liveshop.orders.errors import IdempotencyKeyReused

log = logging.getLogger(__name__)


class ListingFacts(Protocol):
    """What an order copies from its listing (the engine's cached view of it)."""

    room_id: int
    shop_id: int
    product_id: int
    title: str
    currency: str


class Batch:
    """Claims waiting for one commit. Index i of every column is claim i."""

    __slots__ = (
        "listing_ids", "buyer_ids", "quantities", "prices", "keys", "fingerprints", "created_at",
        "timeouts", "futures", "sells_out", "outcomes", "_done",
    )

    def __init__(self) -> None:
        self.listing_ids: list[int] = []
        self.buyer_ids: list[int] = []
        self.quantities: list[int] = []
        self.prices: list[int] = []
        self.keys: list[str] = []
        self.fingerprints: list[str] = []
        self.created_at: list[datetime] = []
        self.timeouts: list[int] = []
        # The waiting buyer's future per claim (None until it awaits, or for engines' own tests).
        self.futures: list[asyncio.Future[Any] | None] = []
        # Listings whose last unit is in this batch: the commit also records "sold out".
        self.sells_out: set[int] = set()
        # After the commit: per claim (order, replayed) or the exception its buyer gets.
        self.outcomes: list[tuple[Any, bool] | BaseException] | None = None
        self._done: asyncio.Future[None] | None = None

    def __len__(self) -> int:
        return len(self.buyer_ids)

    def add(self, listing_id: int, buyer_id: int, quantity: int, price: int, key: str, fingerprint: str,
            now: datetime, timeout: int) -> int:
        self.listing_ids.append(listing_id)
        self.buyer_ids.append(buyer_id)
        self.quantities.append(quantity)
        self.prices.append(price)
        self.keys.append(key)
        self.fingerprints.append(fingerprint)
        self.created_at.append(now)
        self.timeouts.append(timeout)
        self.futures.append(None)
        return len(self.buyer_ids) - 1

    def find(self, buyer_id: int, key: str) -> int:
        """The claim of this (buyer, key); a retry arriving while its batch commits (rare)."""
        for i, (b, k) in enumerate(zip(self.buyer_ids, self.keys, strict=True)):
            if b == buyer_id and k == key:
                return i
        raise KeyError((buyer_id, key))

    async def outcome(self, index: int) -> tuple[Any, bool]:
        """Wait for the commit (without being able to cancel it) and return claim `index`'s answer."""
        if self.outcomes is None:
            if self._done is None:
                self._done = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._done)
        assert self.outcomes is not None
        answer = self.outcomes[index]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def settle(self, outcomes: list[tuple[Any, bool] | BaseException]) -> None:
        self.outcomes = outcomes
        for fut, answer in zip(self.futures, outcomes, strict=True):
            if fut is None or fut.done():  # no one waits, or the buyer hung up
                continue
            if isinstance(answer, BaseException):
                fut.set_exception(answer)
            else:
                fut.set_result(answer)
        if self._done is not None:
            self._done.set_result(None)


@dataclass(frozen=True, slots=True)
class KnownKey:
    """An Idempotency-Key whose order is durable."""

    fingerprint: str
    order_id: int


async def replay(
    earlier: Batch | KnownKey, buyer_id: int, key: str, fingerprint: str,
    load_order: Callable[[int], Awaitable[Any]],
) -> tuple[Any, bool]:
    """A retry of a key this engine knows: its order as it is now (paid, expired...), as the
    sql backend answers a replay; waits for the commit if the claim is still in a batch."""
    if isinstance(earlier, KnownKey):
        if earlier.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        return await load_order(earlier.order_id), True
    index = earlier.find(buyer_id, key)
    if earlier.fingerprints[index] != fingerprint:
        raise IdempotencyKeyReused()
    order, _ = await earlier.outcome(index)
    return await load_order(order.id), True


Kind = Literal["created", "replay", "mismatch"]
# The batch writer (orders capability): one transaction for the batch; per claim
# ("created", order), ("replay", the earlier order of that key) or ("mismatch", None) when
# the key made a different request. Raises, with nothing committed, if anything is wrong.
Flush = Callable[[Batch, Mapping[int, ListingFacts]], Awaitable[list[tuple[Kind, Any]]]]


class GroupCommit:
    """The single writer of one engine."""

    def __init__(
        self,
        flush: Flush,
        *,
        listings: Mapping[int, ListingFacts],
        settled: Callable[[Batch, list[tuple[Kind, Any]]], None],
        failed: Callable[[Batch], None],
        max_batch: int = 1000,
    ) -> None:
        self.flush = flush
        self._listings = listings
        self._settled = settled
        self._failed = failed
        self.max_batch = max_batch
        # The engine's idempotency record: every key it knows, its batch while in flight and
        # a KnownKey once durable (kept here, in step with each commit, for every engine).
        self.keys: dict[tuple[int, str], Batch | KnownKey] = {}
        self._batches: deque[Batch] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.commits = 0
        self.committed_claims = 0

    def open_batch(self) -> Batch:
        """The batch a new claim joins."""
        batches = self._batches
        if not batches or len(batches[-1].buyer_ids) >= self.max_batch:  # not len(batch): a Python call
            batches.append(Batch())
        return batches[-1]

    def answer(self, batch: Batch, index: int) -> asyncio.Future[Any]:
        """The future claim `index` of `batch` is answered on, once its batch is durable.

        A buyer who hangs up cancels only this future; the claim still commits, and a retry
        with the same key gets that order.
        """
        future = batch.futures[index] = asyncio.get_running_loop().create_future()
        if self._task is None or self._task.done():
            # No writer (the engine is stopped or shutting down): nothing would ever commit
            # this claim, so it is refused now and its units given back, not left waiting.
            self._batches.remove(batch)
            self._fail(batch)
        else:
            self._wake.set()
        return future

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="stock-group-commit")

    async def stop(self, *, drain_seconds: float = 10.0) -> None:
        """Let the writer commit what is queued (for a while), then stop it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + drain_seconds
        while self._batches and self._task and not self._task.done() and loop.time() < deadline:
            await asyncio.sleep(0.001)
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        while self._batches:  # never committed: their buyers must not wait forever
            self._fail(self._batches.popleft())
        close = getattr(self.flush, "close", None)  # a writer with a connection of its own
        if close is not None:
            await close()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._batches:
                batch = self._batches.popleft()
                try:
                    await self._commit(batch)
                except asyncio.CancelledError:
                    self._fail(batch)
                    raise
                except Exception:  # the writer must outlive any one batch
                    log.exception("stock engine batch handling failed")
                    if batch.outcomes is None:
                        self._fail(batch)

    async def _commit(self, batch: Batch) -> None:
        try:
            results = await self.flush(batch, self._listings)
        except Exception as exc:  # nothing of the batch is durable
            log.warning("group commit of %d claims failed: %r", len(batch), exc)
            self._fail(batch)
            return
        self.commits += 1
        self.committed_claims += len(batch)
        for i, (kind, order) in enumerate(results):
            key = (batch.buyer_ids[i], batch.keys[i])
            if kind == "mismatch":  # the key made a different request: it is not ours to keep
                self.keys.pop(key, None)
            else:
                self.keys[key] = KnownKey(batch.fingerprints[i], order.id)
        self._settled(batch, results)
        batch.settle([
            (order, kind == "replay") if kind != "mismatch" else IdempotencyKeyReused()
            for kind, order in results
        ])

    def _fail(self, batch: Batch) -> None:
        for key in zip(batch.buyer_ids, batch.keys, strict=True):
            self.keys.pop(key, None)
        self._failed(batch)
        batch.settle([StockEngineUnavailable() for _ in range(len(batch))])
