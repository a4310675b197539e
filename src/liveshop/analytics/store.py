"""The append-only log of domain events: rows are only ever inserted, and read back in id order."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, String, Table, insert, select
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
    rows = await conn.execute(query.order_by(events.c.id).limit(limit))
    return [(r.id, Event(r.at, r.kind, r.room_id, r.shop_id, r.viewer, r.listing_id, r.order_id, r.amount, r.source))
            for r in rows]
