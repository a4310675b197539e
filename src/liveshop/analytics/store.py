"""The append-only log of domain events: rows are only ever inserted, and read back in id order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    String,
    Table,
    and_,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.analytics.events import Event
from liveshop.core.db import IdType, metadata

events = Table(
    "analytics_events",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("at", Float(53), nullable=False),  # unix seconds (the fold's clock), microsecond precision
    Column("kind", String(16), nullable=False),
    # No foreign keys: the log outlives what it describes and is written without lookups.
    Column("room_id", BigInteger, nullable=False),
    Column("shop_id", BigInteger, nullable=False),
    Column("viewer", String(40), nullable=False),
    Column("listing_id", BigInteger, nullable=False, default=0),
    Column("order_id", BigInteger, nullable=False, default=0),
    Column("amount", BigInteger, nullable=False, default=0),
    Column("source", String(12), nullable=False, default=""),
    Index("ix_analytics_events_room_id_id", "room_id", "id"),
    # A shop's payments (attributed GMV of its shows) and where the last days begin (a node's live fold).
    Index("ix_analytics_events_shop_id_kind_id", "shop_id", "kind", "id"),
    Index("ix_analytics_events_at", "at"),
)


def _row(e: Event) -> dict[str, object]:
    return {"at": e.at, "kind": e.kind, "room_id": e.room, "shop_id": e.shop, "viewer": e.viewer,
            "listing_id": e.listing, "order_id": e.order, "amount": e.amount, "source": e.source}


async def append(conn: AsyncConnection, batch: list[Event]) -> None:
    if batch:
        await conn.execute(insert(events), [_row(e) for e in batch])


async def read(conn: AsyncConnection, *, after_id: int = 0, shop_id: int | None = None,
               limit: int = 10_000) -> list[tuple[int, Event]]:
    """Events after `after_id` in log order (all rooms, or one shop's)."""
    query = select(events).where(events.c.id > after_id)
    if shop_id is not None:
        query = query.where(events.c.shop_id == shop_id)
    return _events(await conn.execute(query.order_by(events.c.id).limit(limit)))


def _events(rows: Iterable[Any]) -> list[tuple[int, Event]]:
    return [(r.id, Event(r.at, r.kind, r.room_id, r.shop_id, r.viewer, r.listing_id, r.order_id, r.amount, r.source))
            for r in rows]


async def shops_of_rooms(conn: AsyncConnection, room_ids: Iterable[int]) -> dict[int, int]:
    from liveshop.rooms.store import rooms

    rows = await conn.execute(select(rooms.c.id, rooms.c.shop_id).where(rooms.c.id.in_(list(room_ids))))
    return {r.id: r.shop_id for r in rows}


async def first_id_since(conn: AsyncConnection, at: float) -> int | None:
    return (await conn.execute(select(func.min(events.c.id)).where(events.c.at >= at))).scalar()


async def last_id(conn: AsyncConnection) -> int:
    return (await conn.execute(select(func.max(events.c.id)))).scalar() or 0


async def first_of_room(conn: AsyncConnection, room_id: int) -> tuple[int, int] | None:
    """(id, shop) of the room's first event."""
    row = (await conn.execute(select(events.c.id, events.c.shop_id).where(events.c.room_id == room_id)
                              .order_by(events.c.id).limit(1))).first()
    return (row.id, row.shop_id) if row else None


async def read_for_room(conn: AsyncConnection, room_id: int, shop_id: int, *, after_id: int,
                        limit: int = 10_000) -> list[tuple[int, Event]]:
    """What a room's numbers depend on: its own events, and its shop's payments (attribution)."""
    query = (select(events).where(events.c.id > after_id,
                                  or_(events.c.room_id == room_id,
                                      and_(events.c.shop_id == shop_id, events.c.kind == "paid")))
             .order_by(events.c.id).limit(limit))
    return _events(await conn.execute(query))



async def actions(conn: AsyncConnection, *, since: float, kinds: Iterable[str],
                  limit: int) -> list[tuple[str, int, str, float]]:
    """(viewer, shop, kind, at) of the latest `limit` events of these kinds since `since` — what
    the feed's affinity model learns from and trust & safety's detectors read."""
    query = (select(events.c.viewer, events.c.shop_id, events.c.kind, events.c.at)
             .where(events.c.at >= since, events.c.kind.in_(list(kinds)), events.c.shop_id != 0)
             .order_by(events.c.id.desc()).limit(limit))
    return [(r.viewer, r.shop_id, r.kind, r.at) for r in await conn.execute(query)]


async def viewers_per_room(conn: AsyncConnection, *, since: float, until: float) -> dict[int, tuple[int, int]]:
    """room → (shop, distinct accounts and guests that entered it in the period): trust &
    safety's conversion baseline."""
    rows = await conn.execute(select(events.c.room_id, func.max(events.c.shop_id).label("shop_id"),
                                     func.count(events.c.viewer.distinct()).label("n"))
                              .where(events.c.kind == "join", events.c.at >= since, events.c.at < until)
                              .group_by(events.c.room_id))
    return {r.room_id: (r.shop_id, r.n) for r in rows}


async def joined(conn: AsyncConnection, room_ids: Iterable[int], viewers: Iterable[str]) -> set[tuple[int, str]]:
    """Which of these viewers ever entered which of these rooms."""
    rows = await conn.execute(select(events.c.room_id, events.c.viewer).distinct()
                              .where(events.c.kind == "join", events.c.room_id.in_(list(room_ids)),
                                     events.c.viewer.in_(list(viewers))))
    return {(r.room_id, r.viewer) for r in rows}
