"""Critical room events, durable and numbered per room, so a client can resume by `since`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata

room_sequences = Table(
    "room_sequences",
    metadata,
    Column("room_id", IdType, primary_key=True),
    Column("last_seq", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
)

room_events = Table(
    "room_events",
    metadata,
    Column("room_id", IdType, primary_key=True),
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("type", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)


async def next_seq(conn: AsyncConnection, room_id: int) -> int:
    """Bump the room's sequence; the row lock orders concurrent writers of one room."""
    stmt = conflict_insert(conn, room_sequences).values(room_id=room_id, last_seq=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[room_sequences.c.room_id],
        set_={"last_seq": room_sequences.c.last_seq + 1},
    ).returning(room_sequences.c.last_seq)
    return (await conn.execute(stmt)).scalar_one()


async def insert_event(
    conn: AsyncConnection, *, room_id: int, seq: int, type: str, payload: dict[str, Any], now: datetime
) -> None:
    await conn.execute(
        insert(room_events).values(room_id=room_id, seq=seq, type=type, payload=payload, created_at=now)
    )


async def last_seq(conn: AsyncConnection, room_id: int) -> int:
    value = (
        await conn.execute(
            select(room_sequences.c.last_seq).where(room_sequences.c.room_id == room_id)
        )
    ).scalar_one_or_none()
    return value or 0


async def events_after(
    conn: AsyncConnection, room_id: int, since: int, limit: int
) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(room_events.c.seq, room_events.c.payload)
        .where(room_events.c.room_id == room_id, room_events.c.seq > since)
        .order_by(room_events.c.seq)
        .limit(limit)
    )
    return [r.payload for r in rows]
