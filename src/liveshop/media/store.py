"""Each room's stream: whether its host is publishing, interrupted or done, and what the
merchant chose (start the show when the stream arrives)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata

STATES = ("idle", "publishing", "interrupted", "ended")

streams = Table(
    "media_streams",
    metadata,
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True),
    # idle (never published) | publishing | interrupted (dropped; waiting for the host) | ended
    Column("state", String(12), nullable=False, default="idle"),
    Column("start_on_publish", Boolean, nullable=False, default=True),
    Column("publishes", Integer, nullable=False, default=0),
    Column("first_publish_at", UTCDateTime(), nullable=True),
    Column("state_since", UTCDateTime(), nullable=True),
    Index("ix_media_streams_state_since", "state", "state_since"),
)


@dataclass(frozen=True, slots=True)
class Stream:
    room_id: int
    state: str
    start_on_publish: bool
    publishes: int
    first_publish_at: datetime | None
    state_since: datetime | None


def _stream(row) -> Stream:  # type: ignore[no-untyped-def]
    return Stream(**{k: getattr(row, k) for k in Stream.__slots__})


async def stream_of(conn: AsyncConnection, room_id: int) -> Stream:
    row = (await conn.execute(select(streams).where(streams.c.room_id == room_id))).first()
    return _stream(row) if row else Stream(room_id, "idle", True, 0, None, None)


async def ensure(conn: AsyncConnection, room_id: int) -> None:
    await conn.execute(conflict_insert(conn, streams).values(room_id=room_id, state="idle", start_on_publish=True,
                                                             publishes=0).on_conflict_do_nothing())


async def set_choice(conn: AsyncConnection, room_id: int, *, start_on_publish: bool) -> None:
    await ensure(conn, room_id)
    await conn.execute(update(streams).where(streams.c.room_id == room_id).values(start_on_publish=start_on_publish))


async def published(conn: AsyncConnection, room_id: int, now: datetime) -> Stream:
    await ensure(conn, room_id)
    row = (await conn.execute(
        update(streams).where(streams.c.room_id == room_id)
        .values(state="publishing", state_since=now, publishes=streams.c.publishes + 1)
        .returning(*streams.c))).one()
    if row.first_publish_at is None:
        row = (await conn.execute(update(streams).where(streams.c.room_id == room_id)
                                  .values(first_publish_at=now).returning(*streams.c))).one()
    return _stream(row)


async def move(conn: AsyncConnection, room_id: int, *, expected: str, state: str, now: datetime) -> bool:
    """Compare-and-set: of two nodes sweeping, or a hook racing a sweep, one moves the stream."""
    result = await conn.execute(update(streams).where(streams.c.room_id == room_id, streams.c.state == expected)
                                .values(state=state, state_since=now))
    return result.rowcount == 1


async def interrupted_before(conn: AsyncConnection, cutoff: datetime, limit: int = 100) -> list[int]:
    rows = await conn.execute(select(streams.c.room_id)
                              .where(streams.c.state == "interrupted", streams.c.state_since <= cutoff).limit(limit))
    return [r.room_id for r in rows]
