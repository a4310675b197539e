"""The `redis` stock engine: many nodes sell one stock kept in Redis; orders are made
durable by the same group commit as the memory engine.

Each attempt is one atomic Lua script on the listing's keys (all in one hash slot): the
idempotency key, listing and room state, stock and the buyer's count against the per-user
limit are checked and taken together. An accepted claim joins this node's open batch; the
buyer hears "accepted" once the batch is durable in the database, whose CHECK constraints
stay the final guard (a batch that would oversell fails whole, never commits).

Redis state is a cache of the database that any node can rebuild: a listing missing from
Redis is seeded from the database (minus this node's claims still in flight). When Redis
and the database may disagree (a failed batch, a key that already had an order), the node
deletes the listing's Redis state and the next attempt reseeds it.

Sold-out fast path: a node that sees a listing sold out sets a local flag and broadcasts it
on a pub/sub channel; every node then refuses the listing without calling Redis or the
database until a release broadcasts "back in stock" (or the flag's TTL passes, in case a
message was lost). Redis unreachable → 503 `stock_engine_unavailable`; nothing is taken.

Known gap (documented in docs/inventory.md): a node killed between the Lua script and its
batch commit leaves those units taken in Redis until the listing is reseeded
(`liveshop inventory resync LISTING`), an undersell, never an oversell.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from liveshop.core.db import Database
from liveshop.core.tasks import BackgroundTasks
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
from liveshop.inventory.memory import KnownKeys, LoadOrder, RoomStatus
from liveshop.inventory.soldout import SoldOutFlags
from liveshop.orders.errors import IdempotencyKeyReused
from liveshop.rooms.errors import RoomEnded, RoomNotLive

log = logging.getLogger(__name__)

# KEYS: listing state hash, held hash, idempotency key. ARGV: buyer, quantity, fingerprint, key TTL.
RESERVE = """
local st = redis.call('HMGET', KEYS[1], 'remaining', 'limit', 'status', 'room', 'price')
if not st[1] then return {'missing'} end
local prior = redis.call('GET', KEYS[3])
if prior then return {'key', prior} end
if st[3] ~= 'active' then return {'withdrawn'} end
if st[4] ~= 'live' then return {'room', st[4]} end
local remaining = tonumber(st[1])
local qty = tonumber(ARGV[2])
if remaining <= 0 then return {'sold_out'} end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if st[2] ~= '' and held + qty > tonumber(st[2]) then return {'limit', tostring(held), st[2]} end
if remaining < qty then return {'short', tostring(remaining)} end
redis.call('HSET', KEYS[1], 'remaining', remaining - qty)
redis.call('HINCRBY', KEYS[2], ARGV[1], qty)
redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[4])
return {'ok', tostring(remaining - qty), st[5]}
"""

# Seed a listing from the database unless another node already did.
# ARGV: remaining, limit, status, room status, price, initial stock, then (buyer, units) pairs.
SEED = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
for i = 7, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'remaining', ARGV[1], 'limit', ARGV[2], 'status', ARGV[3], 'room', ARGV[4],
           'price', ARGV[5], 'initial', ARGV[6])
return 1
"""

# Units back on sale after an expiry or cancellation committed. ARGV: buyer, quantity.
RELEASE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HINCRBY', KEYS[2], ARGV[1], -tonumber(ARGV[2]))
return redis.call('HINCRBY', KEYS[1], 'remaining', ARGV[2])
"""

# An operator's committed change. ARGV: initial stock, price, limit ('' = none), status.
UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local initial = tonumber(redis.call('HGET', KEYS[1], 'initial'))
local remaining = redis.call('HINCRBY', KEYS[1], 'remaining', tonumber(ARGV[1]) - initial)
redis.call('HSET', KEYS[1], 'initial', ARGV[1], 'price', ARGV[2], 'limit', ARGV[3], 'status', ARGV[4])
return remaining
"""

ROOM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'room', ARGV[1])
return 1
"""


@dataclass(frozen=True, slots=True)
class Facts:
    """What an order copies from its listing; never changes after the listing is created."""

    room_id: int
    shop_id: int
    product_id: int
    title: str
    currency: str


def state_keys(prefix: str, listing_id: int) -> tuple[str, str]:
    """The listing's state hash and per-buyer hash, in one hash slot (Redis Cluster-safe)."""
    slot = f"{prefix}{{l{listing_id}}}"
    return f"{slot}:stock", f"{slot}:held"


async def forget(redis: aioredis.Redis, prefix: str, listing_ids: list[int]) -> int:
    """Drop listings' Redis state; the next attempt on any node reseeds it from the database.

    Safe during a sale: the database stays the guard, so a reseed that cannot see claims
    still in flight on other nodes can at worst fail their batch (503, retried), never oversell.
    """
    keys = [key for listing_id in listing_ids for key in state_keys(prefix, listing_id)]
    return int(await redis.delete(*keys)) if keys else 0


RoomListings = Callable[[int], Awaitable[list[int]]]
OrderByKey = Callable[[int, str], Awaitable[Any]]


class RedisStockEngine:
    name = "redis"

    def __init__(
        self,
        db: Database,
        redis: aioredis.Redis,
        *,
        flush: Flush,
        known_keys: KnownKeys,
        load_order: LoadOrder,
        order_by_key: OrderByKey,
        room_status: RoomStatus,
        room_listings: RoomListings,
        sold_out: SoldOutFlags,
        prefix: str = "liveshop:",
        key_ttl_seconds: int = 120,
        max_batch: int = 1000,
    ) -> None:
        self._db = db
        self._redis = redis
        self._known_keys = known_keys
        self._load_order = load_order
        self._order_by_key = order_by_key
        self._room_status = room_status
        self._room_listings = room_listings
        self._sold_out = sold_out
        self._prefix = prefix
        self._channel = f"{prefix}stock-events"
        self._key_ttl = key_ttl_seconds
        self._facts: dict[int, Facts] = {}
        # listing → buyer → units this node took in Redis that are not committed yet.
        self._pending: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self._resync: set[int] = set()
        self._learning: dict[int, asyncio.Future[Any]] = {}
        self._tasks = BackgroundTasks("redis stock engine")
        self._loops: list[asyncio.Task[None]] = []
        self._reserve = redis.register_script(RESERVE)
        self._seed_script = redis.register_script(SEED)
        self._release = redis.register_script(RELEASE)
        self._update = redis.register_script(UPDATE)
        self._room = redis.register_script(ROOM)
        self.commits = GroupCommit(
            flush, listings=self._facts, settled=self._settled, failed=self._failed, max_batch=max_batch
        )
        self._keys = self.commits.keys
        db.listeners.append(self._observe)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        self.commits.start()
        if not self._loops:
            self._loops = [
                asyncio.create_task(self._listen(), name="stock-bus"),
                asyncio.create_task(self._resync_loop(), name="stock-resync"),
            ]

    async def stop(self, *, drain_seconds: float = 10.0) -> None:
        await self.commits.stop(drain_seconds=drain_seconds)
        for task in self._loops:
            task.cancel()
        for task in self._loops:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loops = []
        await self._tasks.stop()
        await self._redis.aclose()

    # --- keys -----------------------------------------------------------------------------

    def _state_keys(self, listing_id: int) -> tuple[str, str]:
        return state_keys(self._prefix, listing_id)

    def _idempotency_key(self, listing_id: int, buyer_id: int, key: str) -> str:
        return f"{self._prefix}{{l{listing_id}}}:key:{buyer_id}:{key}"

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
        earlier = self._keys.get((buyer_id, idempotency_key))
        if earlier is not None:
            return await self._replay(earlier, buyer_id, idempotency_key, fingerprint)
        if self._sold_out.is_sold_out(listing_id):
            learning = self._learning.get(listing_id)
            if learning is not None and not learning.done():  # only right after the flag went up
                with contextlib.suppress(Exception):
                    await asyncio.shield(learning)
                earlier = self._keys.get((buyer_id, idempotency_key))
                if earlier is not None:
                    return await self._replay(earlier, buyer_id, idempotency_key, fingerprint)
            raise SoldOut(listing_id=listing_id)  # no Redis, no database
        if listing_id not in self._facts:
            await self._load_facts(listing_id)
        # Taking units in Redis and queueing the claim must not be split by a buyer hanging up.
        batch, index = await asyncio.shield(self._take(
            buyer_id, listing_id, quantity, idempotency_key, fingerprint, now, payment_timeout
        ))
        if batch is None:
            return await self._replay_committed(buyer_id, idempotency_key, fingerprint)
        return await self.commits.answer(batch, index)  # type: ignore[no-any-return]

    async def _take(
        self, buyer_id: int, listing_id: int, quantity: int, key: str, fingerprint: str, now: datetime,
        payment_timeout: int,
    ) -> tuple[Batch | None, int]:
        state, held = self._state_keys(listing_id)
        keys = [state, held, self._idempotency_key(listing_id, buyer_id, key)]
        args = [buyer_id, quantity, fingerprint, self._key_ttl]
        try:
            answer = await self._reserve(keys=keys, args=args)
            if answer[0] == "missing":
                await self._seed(listing_id)
                answer = await self._reserve(keys=keys, args=args)
        except RedisError as exc:
            log.warning("redis stock engine: %r", exc)
            raise StockEngineUnavailable() from exc
        kind = answer[0]
        if kind == "ok":
            remaining, price = int(answer[1]), int(answer[2])
            batch = self.commits.open_batch()
            index = batch.add(listing_id, buyer_id, quantity, price, key, fingerprint, now, payment_timeout)
            self._keys[(buyer_id, key)] = batch
            self._pending[listing_id][buyer_id] += quantity
            if remaining == 0:
                batch.sells_out.add(listing_id)
                self._announce(listing_id, sold_out=True)
            return batch, index
        if kind == "key":
            if answer[1] != fingerprint:
                raise IdempotencyKeyReused()
            return None, -1
        if kind == "sold_out":
            self._announce(listing_id, sold_out=True)
            raise SoldOut(listing_id=listing_id)
        if kind == "withdrawn":
            raise ListingWithdrawn()
        if kind == "room":
            if answer[1] == "scheduled":
                raise RoomNotLive("Buying opens when the show goes live")
            raise RoomEnded()
        if kind == "limit":
            raise PerUserLimitExceeded(limit=int(answer[2]), already=int(answer[1]))
        raise NotEnoughStock(f"Only {answer[1]} left", listing_id=listing_id, stock_left=int(answer[1]))

    async def _replay(self, earlier: Batch | KnownKey, buyer_id: int, key: str, fingerprint: str) -> tuple[Any, bool]:
        return await replay(earlier, buyer_id, key, fingerprint, self._load_order)

    async def _replay_committed(self, buyer_id: int, key: str, fingerprint: str) -> tuple[Any, bool]:
        """Redis knows the key: its order is durable, or a batch on some node is committing it."""
        for _ in range(60):
            order = await self._order_by_key(buyer_id, key)
            if order is not None:
                if order.request_fingerprint != fingerprint:
                    raise IdempotencyKeyReused()
                return order, True
            await asyncio.sleep(0.05)
        raise StockEngineUnavailable()  # in flight elsewhere for 3 s: the retry will tell

    # --- after the commit ---------------------------------------------------------------

    def _settled(self, batch: Batch, results: list[tuple[Kind, Any]]) -> None:
        for i, (kind, _) in enumerate(results):
            self._done(batch, i)
            if kind != "created":  # the key had an order already: Redis took units it should not have
                self._resync.add(batch.listing_ids[i])

    def _failed(self, batch: Batch) -> None:
        for i in range(len(batch)):
            self._done(batch, i)
            self._resync.add(batch.listing_ids[i])

    def _done(self, batch: Batch, i: int) -> None:
        pending = self._pending[batch.listing_ids[i]]
        pending[batch.buyer_ids[i]] -= batch.quantities[i]
        if not pending[batch.buyer_ids[i]]:
            del pending[batch.buyer_ids[i]]

    # --- Redis state ----------------------------------------------------------------------

    async def _load_facts(self, listing_id: int) -> None:
        async with self._db.transaction(write=False) as tx:
            listing = await store.listing_by_id(tx.conn, listing_id)
        if listing is None:
            raise ListingNotFound()
        self._facts[listing_id] = Facts(listing.room_id, listing.shop_id, listing.product_id, listing.title,
                                        listing.currency)

    async def _seed(self, listing_id: int) -> None:
        """Put the listing in Redis as the database has it, less this node's uncommitted claims."""
        async with self._db.transaction(write=False) as tx:
            listing = await store.listing_by_id(tx.conn, listing_id)
            if listing is None:
                raise ListingNotFound()
            held = dict(await store.quotas_of_listing(tx.conn, listing_id))
        pending = self._pending.get(listing_id, {})
        for buyer, units in pending.items():
            held[buyer] = held.get(buyer, 0) + units
        pairs: list[Any] = []
        for buyer, units in held.items():
            if units:
                pairs += [buyer, units]
        state, held_key = self._state_keys(listing_id)
        await self._seed_script(keys=[state, held_key], args=[
            listing.remaining - sum(pending.values()), "" if listing.per_user_limit is None else listing.per_user_limit,
            listing.status, await self._room_status(listing.room_id), listing.price_cents, listing.initial_stock, *pairs,
        ])

    async def resync(self, listing_id: int) -> None:
        await forget(self._redis, self._prefix, [listing_id])

    async def _resync_loop(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            for listing_id in list(self._resync):
                try:
                    await self.resync(listing_id)
                except RedisError:
                    break  # Redis is away: try again later
                self._resync.discard(listing_id)

    # --- cross-node sold-out flags --------------------------------------------------------

    def _announce(self, listing_id: int, *, sold_out: bool) -> None:
        if sold_out:
            self._mark(listing_id)
        else:
            self._sold_out.clear(listing_id)
        self._tasks.spawn(self._publish(listing_id, sold_out))

    async def _publish(self, listing_id: int, sold_out: bool) -> None:
        with contextlib.suppress(RedisError):  # the flags' TTL covers a lost message
            await self._redis.publish(self._channel, orjson.dumps({"listing_id": listing_id, "sold_out": sold_out}))

    def _mark(self, listing_id: int) -> None:
        self._sold_out.mark(listing_id)
        # Retries of orders made on other nodes must still get their order, not "sold out":
        # learn the listing's keys (at most once per flag period) before refusing from the flag.
        learning = self._learning.get(listing_id)
        if learning is None or learning.done():
            self._learning[listing_id] = self._tasks.spawn(self._learn_keys(listing_id))

    async def _learn_keys(self, listing_id: int) -> None:
        for key, known in (await self._known_keys(listing_id)).items():
            self._keys.setdefault(key, known)

    async def _listen(self) -> None:
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._channel)
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    data = orjson.loads(message["data"])
                    if data["sold_out"]:
                        if not self._sold_out.is_sold_out(data["listing_id"]):
                            self._mark(data["listing_id"])
                    else:
                        self._sold_out.clear(data["listing_id"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis away: flags fall back on their TTL meanwhile
                log.warning("stock bus: %r; resubscribing", exc)
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    # --- committed changes made elsewhere -------------------------------------------------

    def _observe(self, room_id: int | None, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "stock_released":
            self._sold_out.clear(event["listing_id"])
            self._tasks.spawn(self._apply_release(event["listing_id"], event["buyer_id"], event["quantity"]))
        elif kind in ("listing_updated", "listing_added"):
            self._tasks.spawn(self._apply_update(event["listing"]))
        elif kind == "room_status" and room_id is not None:
            self._tasks.spawn(self._apply_room(room_id, event.get("sale_status", event["status"])))

    async def _apply_release(self, listing_id: int, buyer_id: int, quantity: int) -> None:
        try:
            remaining = await self._release(keys=list(self._state_keys(listing_id)), args=[buyer_id, quantity])
        except RedisError:
            self._resync.add(listing_id)
            return
        if remaining == quantity:  # it was sold out until now
            self._announce(listing_id, sold_out=False)

    async def _apply_update(self, view: dict[str, Any]) -> None:
        limit = "" if view["per_user_limit"] is None else view["per_user_limit"]
        try:
            remaining = await self._update(
                keys=list(self._state_keys(view["id"])),
                args=[view["initial_stock"], view["price_cents"], limit, view["status"]],
            )
        except RedisError:
            self._resync.add(view["id"])
            return
        if remaining is not None and remaining > 0:
            self._announce(view["id"], sold_out=False)

    async def _apply_room(self, room_id: int, status: str) -> None:
        for listing_id in await self._room_listings(room_id):
            try:
                await self._room(keys=[self._state_keys(listing_id)[0]], args=[status])
            except RedisError:
                self._resync.add(listing_id)
