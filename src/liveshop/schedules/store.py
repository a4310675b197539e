"""Weekly show series: the shop's recurring slot, its next show, and who subscribed to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata
from liveshop.engagement.store import reservations

series = Table(
    "show_series",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(120), nullable=False),
    Column("description", String(2000), nullable=False),
    Column("weekday", Integer, nullable=False),  # 0 = Monday … 6 = Sunday, in the series' time zone
    Column("time_of_day", String(5), nullable=False),  # "20:00"
    Column("timezone", String(64), nullable=False),  # IANA, e.g. Asia/Shanghai
    Column("status", String(8), nullable=False),  # active | stopped
    # The series' upcoming show; when it goes live, the next one is scheduled.
    Column("current_room_id", IdType, ForeignKey("rooms.id"), nullable=False),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_show_series_shop_id", "shop_id"),
)

subscribers = Table(
    "series_subscribers",
    metadata,
    Column("series_id", IdType, ForeignKey("show_series.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

shows = Table(
    "series_shows",
    metadata,
    Column("series_id", IdType, ForeignKey("show_series.id", ondelete="CASCADE"), primary_key=True),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True, unique=True),
)


async def insert_series(conn: AsyncConnection, **values: Any) -> dict[str, Any]:
    row = (await conn.execute(insert(series).values(**values).returning(*series.c))).one()
    await conn.execute(insert(shows).values(series_id=row.id, room_id=row.current_room_id))
    return dict(row._mapping)


async def series_by_id(conn: AsyncConnection, series_id: int, *, for_update: bool = False) -> dict[str, Any] | None:
    query = select(series).where(series.c.id == series_id)
    row = (await conn.execute(query.with_for_update() if for_update else query)).first()
    return dict(row._mapping) if row else None


async def series_of_room(conn: AsyncConnection, room_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(series).join(shows, shows.c.series_id == series.c.id)
                              .where(shows.c.room_id == room_id))).first()
    return dict(row._mapping) if row else None


async def series_of_shop(conn: AsyncConnection, shop_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(series).where(series.c.shop_id == shop_id).order_by(series.c.id))
    return [dict(r._mapping) for r in rows]


async def active_series_ids(conn: AsyncConnection) -> list[int]:
    return [r for (r,) in await conn.execute(select(series.c.id).where(series.c.status == "active"))]


async def advance(conn: AsyncConnection, series_id: int, *, from_room: int, to_room: int) -> bool:
    """The series moves on to its next show, once (of racing nodes, one wins)."""
    result = await conn.execute(update(series).where(series.c.id == series_id, series.c.current_room_id == from_room)
                                .values(current_room_id=to_room))
    if result.rowcount != 1:
        return False
    await conn.execute(insert(shows).values(series_id=series_id, room_id=to_room))
    return True


async def subscribe(conn: AsyncConnection, series_id: int, user_id: int, now: datetime) -> bool:
    result = await conn.execute(conflict_insert(conn, subscribers).values(series_id=series_id, user_id=user_id,
                                                                   created_at=now).on_conflict_do_nothing())
    return result.rowcount == 1


async def is_subscribed(conn: AsyncConnection, series_id: int, user_id: int) -> bool:
    row = (await conn.execute(select(subscribers.c.user_id).where(subscribers.c.series_id == series_id,
                                                                  subscribers.c.user_id == user_id))).first()
    return row is not None


async def subscriber_count(conn: AsyncConnection, series_id: int) -> int:
    rows = await conn.execute(select(func.count()).select_from(subscribers).where(subscribers.c.series_id == series_id))
    return int(rows.scalar_one())


async def carry_reservations(conn: AsyncConnection, series_id: int, room_id: int, now: datetime) -> int:
    """Every subscriber of the series reserves its new show (one statement)."""
    stmt = conflict_insert(conn, reservations).from_select(
        ["user_id", "room_id", "created_at"],
        select(subscribers.c.user_id, literal(room_id, reservations.c.room_id.type),
               literal(now, reservations.c.created_at.type)).where(subscribers.c.series_id == series_id),
    ).on_conflict_do_nothing()
    return (await conn.execute(stmt)).rowcount or 0
