"""Builds the real collaborators once; routes and the CLI receive them from here."""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from liveshop.analytics import events as analytics
from liveshop.analytics.live import LiveFigures
from liveshop.analytics.log import EventLog
from liveshop.core.auth.cache import SessionCache
from liveshop.core.auth.passwords import Passwords
from liveshop.core.auth.revocations import RevocationList
from liveshop.core.clock import Clock, SystemClock
from liveshop.core.config import Settings
from liveshop.core.db import Database
from liveshop.discovery.service import Discovery
from liveshop.inventory.memory import MemoryStockEngine
from liveshop.inventory.redis_engine import RedisStockEngine
from liveshop.inventory.soldout import SoldOutFlags
from liveshop.media.relay import Relays
from liveshop.moderation.service import Moderation
from liveshop.orders.payments import PaymentProviders, SandboxProvider
from liveshop.realtime import store as realtime_store
from liveshop.realtime.hub import RoomHub
from liveshop.trust.guards import Guards
from liveshop.trust.risk import Suspects
from liveshop.trust.signals import Sightings

if TYPE_CHECKING:
    from liveshop.realtime.bus import RedisRoomBus


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    hub: RoomHub
    passwords: Passwords
    payments: PaymentProviders
    sessions: SessionCache
    revocations: RevocationList
    signing_key: bytes
    sold_out: SoldOutFlags
    moderation: Moderation
    # Domain events for analytics: written in batches; every node folds them back (live numbers).
    event_log: EventLog
    live: LiveFigures
    # The feed's model, exposure ledger and traffic-pool sweeper.
    discovery: Discovery
    # Limits on sign-ups and follows per address, device and account.
    guards: Guards
    # Which device and address each account acts from (written in batches).
    sightings: Sightings
    # This node's copy of the flagged accounts, rooms and shops (the feed, pools, big screen).
    suspects: Suspects
    # Simulcast relays this node runs (started by the publish hook).
    relays: Relays
    # None: the sql backend, where each order is its own conditional update.
    engine: MemoryStockEngine | RedisStockEngine | None = None
    # Cross-node room fan-out; None without Redis (one node serves each room).
    bus: RedisRoomBus | None = None

    @property
    def sandbox(self) -> SandboxProvider:
        provider = self.payments.get("sandbox")
        assert isinstance(provider, SandboxProvider)
        return provider


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    db = Database(settings.database_url)
    clock = clock or SystemClock()

    async def load_events(room_id: int, since: int, limit: int):  # type: ignore[no-untyped-def]
        async with db.transaction(write=False) as tx:
            return await realtime_store.events_after(tx.conn, room_id, since, limit)

    async def load_last_seq(room_id: int) -> int:
        async with db.transaction(write=False) as tx:
            return await realtime_store.last_seq(tx.conn, room_id)

    hub = RoomHub(
        load_events=load_events,
        load_last_seq=load_last_seq,
        tick_seconds=settings.tick_seconds,
        chat_budget=settings.chat_budget_per_tick,
    )
    db.listeners.append(hub.publish)

    def presence(room_id: int, visitor: str, source: str, joined: bool) -> None:
        # The shop is filled in when the log is written: a join storm asks the database nothing.
        analytics.emit_now(db, analytics.Event(clock.now().timestamp(), analytics.JOIN if joined else analytics.LEAVE,
                                               room_id, 0, visitor, source=source if joined else ""))

    hub.presence = presence
    bus = None
    if settings.redis_url:
        from liveshop.realtime.bus import RedisRoomBus

        bus = RedisRoomBus(redis_client(settings), hub, prefix=settings.redis_prefix)
        db.listeners.append(bus.publish)
    sold_out = SoldOutFlags(ttl_seconds=settings.sold_out_flag_seconds)
    db.listeners.append(sold_out.observe)
    engine = _stock_engine(settings, db, sold_out)
    event_log = EventLog(db)
    db.listeners.append(event_log.observe)
    live = LiveFigures(db, clock)
    suspects = Suspects(db, clock)
    guards = Guards(hmac.new(settings.session_signing_key, b"trust fingerprints", hashlib.sha256).digest(),
                    limits=settings.guard_limits, enabled=settings.guards,
                    # Shared by every node when there is Redis: N nodes allow the limit, not N times it.
                    redis=redis_client(settings) if settings.redis_url and settings.guards else None,
                    prefix=settings.redis_prefix)
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        hub=hub,
        passwords=Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib),
        payments=PaymentProviders(
            SandboxProvider(secret=settings.webhook_secret, tolerance_seconds=settings.webhook_tolerance)
        ),
        sessions=SessionCache(ttl_seconds=settings.session_cache_seconds),
        revocations=RevocationList(),
        signing_key=settings.session_signing_key,
        sold_out=sold_out,
        moderation=Moderation(rate_per_second=settings.chat_rate_per_second, burst=settings.chat_burst),
        event_log=event_log,
        live=live,
        discovery=Discovery(db, clock, live, weights=settings.blend_weights,
                            retrain_seconds=settings.feed_retrain_seconds, suspects=suspects),
        guards=guards,
        sightings=Sightings(db, clock, guards.fingerprint, ip_retention_days=settings.trust_ip_retention_days,
                            keep_days=settings.trust_sightings_days),
        suspects=suspects,
        relays=Relays(),
        engine=engine,
        bus=bus,
    )


def redis_client(settings: Settings, *, decode_responses: bool = False) -> Any:
    """A Redis client whose connections come from a bounded pool: a burst of a thousand orders
    waits a moment for one of `redis_max_connections` connections instead of opening a thousand
    (which, on a busy machine, ends in connect timeouts and 503s)."""
    import redis.asyncio as aioredis

    assert settings.redis_url
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=settings.redis_max_connections, timeout=5,
        decode_responses=decode_responses, socket_timeout=2, socket_connect_timeout=2)
    return aioredis.Redis.from_pool(pool)  # the client owns the pool: aclose() closes it


def _stock_engine(
    settings: Settings, db: Database, sold_out: SoldOutFlags
) -> MemoryStockEngine | RedisStockEngine | None:
    if settings.inventory_backend == "sql":
        return None
    from liveshop.media.service import sale_status
    from liveshop.orders import service as orders
    from liveshop.orders.batches import batch_writer
    from liveshop.rooms.service import get_public_room

    async def room_status(room_id: int) -> str:
        async with db.transaction(write=False) as tx:
            return await sale_status(tx.conn, await get_public_room(tx.conn, room_id))

    common = dict(
        flush=batch_writer(db),
        known_keys=functools.partial(orders.known_keys, db),
        load_order=functools.partial(orders.load_order, db),
        room_status=room_status,
    )
    if settings.inventory_backend == "memory":
        return MemoryStockEngine(db, **common)  # type: ignore[arg-type]
    from liveshop.inventory.service import listing_ids_of_room

    redis = redis_client(settings, decode_responses=True)
    return RedisStockEngine(
        db, redis, **common,  # type: ignore[arg-type]
        order_by_key=functools.partial(orders.order_by_key, db),
        room_listings=functools.partial(listing_ids_of_room, db),
        sold_out=sold_out, prefix=settings.redis_prefix,
    )
