"""Polls and feature votes: one vote per user, counts kept exact in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata

polls = Table(
    "polls",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    # NULL: a campaign outside any show (a feature vote on its own page).
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=True),
    Column("question", String(200), nullable=False),
    Column("status", String(8), nullable=False),  # open | closed
    Column("closes_at", UTCDateTime(), nullable=True),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    Index("ix_polls_room_id", "room_id"),
)

options = Table(
    "poll_options",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("poll_id", IdType, ForeignKey("polls.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("label", String(80), nullable=False),
    Column("votes", Integer, nullable=False, default=0),
    Index("ix_poll_options_poll_id", "poll_id"),
)

votes = Table(
    "poll_votes",
    metadata,
    Column("poll_id", IdType, ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("option_id", IdType, ForeignKey("poll_options.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)


async def insert_poll(conn: AsyncConnection, labels: list[str], **values: Any) -> int:
    poll_id = (await conn.execute(insert(polls).values(**values).returning(polls.c.id))).scalar_one()
    await conn.execute(insert(options), [{"poll_id": poll_id, "position": i, "label": label, "votes": 0}
                                         for i, label in enumerate(labels)])
    return int(poll_id)


async def poll_by_id(conn: AsyncConnection, poll_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(polls).where(polls.c.id == poll_id))).first()
    if row is None:
        return None
    rows = await conn.execute(select(options).where(options.c.poll_id == poll_id).order_by(options.c.position))
    return dict(row._mapping) | {"options": [dict(r._mapping) for r in rows]}


async def open_polls_of_room(conn: AsyncConnection, room_id: int) -> list[int]:
    rows = await conn.execute(select(polls.c.id).where(polls.c.room_id == room_id, polls.c.status == "open")
                              .order_by(polls.c.id))
    return [r for (r,) in rows]


async def add_vote(conn: AsyncConnection, poll_id: int, user_id: int, option_id: int, now: datetime) -> bool:
    """One vote per user: True if this one counted (the count moves in the same transaction)."""
    inserted = await conn.execute(
        conflict_insert(conn, votes).values(poll_id=poll_id, user_id=user_id, option_id=option_id, created_at=now)
        .on_conflict_do_nothing()
    )
    if inserted.rowcount != 1:
        return False
    await conn.execute(update(options).where(options.c.id == option_id).values(votes=options.c.votes + 1))
    return True


async def vote_of(conn: AsyncConnection, poll_id: int, user_id: int) -> int | None:
    row = (await conn.execute(select(votes.c.option_id).where(votes.c.poll_id == poll_id,
                                                              votes.c.user_id == user_id))).first()
    return row[0] if row else None


async def close(conn: AsyncConnection, poll_id: int, now: datetime) -> bool:
    result = await conn.execute(update(polls).where(polls.c.id == poll_id, polls.c.status == "open")
                                .values(status="closed", closed_at=now))
    return result.rowcount == 1
