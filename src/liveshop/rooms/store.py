"""Live rooms: schedule, status, stream key and the pinned listing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    and_,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, metadata

rooms = Table(
    "rooms",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(120), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False),
    Column("scheduled_at", UTCDateTime(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=True),
    Column("ended_at", UTCDateTime(), nullable=True),
    Column("stream_key", String(64), nullable=False),
    # No foreign key: listings belong to the inventory capability and point back here.
    Column("pinned_listing_id", IdType, nullable=True),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_rooms_shop_id", "shop_id"),
    Index("ix_rooms_status_scheduled_at", "status", "scheduled_at"),
)


@dataclass(frozen=True, slots=True)
class Room:
    id: int
    shop_id: int
    title: str
    description: str
    status: str
    scheduled_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    stream_key: str
    pinned_listing_id: int | None
    created_by: int
    created_at: datetime

    def __repr__(self) -> str:  # keep the stream key out of logs and tracebacks
        return f"Room(id={self.id}, shop_id={self.shop_id}, status={self.status!r})"


def _room(row) -> Room:  # type: ignore[no-untyped-def]
    return Room(**{k: getattr(row, k) for k in Room.__slots__})


async def insert_room(conn: AsyncConnection, **values: object) -> Room:
    return _room((await conn.execute(insert(rooms).values(**values).returning(*rooms.c))).one())


async def room_by_id(conn: AsyncConnection, room_id: int, *, for_update: bool = False) -> Room | None:
    stmt = select(rooms).where(rooms.c.id == room_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    return _room(row) if row else None


async def set_status_if(
    conn: AsyncConnection, room_id: int, *, expected: str, status: str, **values: object
) -> Room | None:
    """Compare-and-set on the status, so two operators pressing 'start' start it once."""
    row = (
        await conn.execute(
            update(rooms)
            .where(rooms.c.id == room_id, rooms.c.status == expected)
            .values(status=status, **values)
            .returning(*rooms.c)
        )
    ).first()
    return _room(row) if row else None


async def update_room(conn: AsyncConnection, room_id: int, **values: object) -> Room:
    return _room(
        (await conn.execute(update(rooms).where(rooms.c.id == room_id).values(**values).returning(*rooms.c))).one()
    )


async def wall_rooms(conn: AsyncConnection, shop_ids: list[int], *, now: datetime, hours: int = 24,
                     limit: int = 60) -> list[Room]:
    """The shops' rooms worth a wall: live, starting within `hours`, or ended within `hours`."""
    near = timedelta(hours=hours)
    stmt = select(rooms).where(rooms.c.shop_id.in_(shop_ids), or_(
        rooms.c.status == "live",
        and_(rooms.c.status == "scheduled", rooms.c.scheduled_at <= now + near),
        and_(rooms.c.status == "ended", rooms.c.ended_at >= now - near),
    )).order_by(rooms.c.id).limit(limit)
    return [_room(r) for r in await conn.execute(stmt)]


async def feed_rooms(conn: AsyncConnection, *, now: datetime, replay_days: int = 7,
                     limits: tuple[int, int, int] = (1000, 200, 200)) -> dict[str, list[Room]]:
    """What the discovery feed chooses from: rooms live now (latest started first), the next
    scheduled shows (one due up to two hours ago still counts: the host may be running late),
    and shows ended within `replay_days` (replays)."""
    live, scheduled, ended = limits
    queries = {
        "live": select(rooms).where(rooms.c.status == "live").order_by(rooms.c.started_at.desc()).limit(live),
        "scheduled": select(rooms).where(rooms.c.status == "scheduled",
                                         rooms.c.scheduled_at >= now - timedelta(hours=2))
        .order_by(rooms.c.scheduled_at).limit(scheduled),
        "ended": select(rooms).where(rooms.c.status == "ended", rooms.c.ended_at >= now - timedelta(days=replay_days))
        .order_by(rooms.c.ended_at.desc()).limit(ended),
    }
    return {name: [_room(r) for r in await conn.execute(q)] for name, q in queries.items()}


async def list_rooms(
    conn: AsyncConnection, *, status: str | None = None, shop_id: int | None = None, limit: int = 50
) -> list[Room]:
    stmt = select(rooms)
    if status:
        stmt = stmt.where(rooms.c.status == status)
    if shop_id is not None:
        stmt = stmt.where(rooms.c.shop_id == shop_id)
    order = rooms.c.scheduled_at.asc() if status == "scheduled" else rooms.c.id.desc()
    return [_room(r) for r in await conn.execute(stmt.order_by(order).limit(limit))]
