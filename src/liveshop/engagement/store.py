"""Comments and show reservations."""

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
    UniqueConstraint,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata

comments = Table(
    "comments",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", IdType, ForeignKey("users.id"), nullable=False),
    Column("username", String(32), nullable=False),
    Column("text", String(200), nullable=False),
    Column("staff", String(16), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("deleted_at", UTCDateTime(), nullable=True),
    Index("ix_comments_room_id_id", "room_id", "id"),
    Index("ix_comments_room_id_user_id", "room_id", "user_id"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    # Set once, by whichever node claims the reservation when the show goes live.
    Column("reminded_at", UTCDateTime(), nullable=True),
    Index("ix_reservations_room_id_reminded_at", "room_id", "reminded_at"),
)

# Time each signed-in viewer has watched each show, credited by the viewer page's heartbeats.
watch_time = Table(
    "watch_time",
    metadata,
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("seconds", Integer, nullable=False),
    Column("last_beat_at", UTCDateTime(), nullable=False),
)

# A viewer's in-app inbox: show reminders, lucky-bag prizes.
inbox = Table(
    "inbox",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=True),
    Column("title", String(200), nullable=False),
    Column("link", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("read_at", UTCDateTime(), nullable=True),
    # The database's own guard that a show reminds each viewer once.
    UniqueConstraint("user_id", "kind", "room_id", name="uq_inbox_user_id_kind_room_id"),
    Index("ix_inbox_user_id_id", "user_id", "id"),
)


async def insert_comment(conn: AsyncConnection, **values: Any) -> dict[str, Any]:
    row = (await conn.execute(insert(comments).values(**values).returning(*comments.c))).one()
    return dict(row._mapping)


async def recent_comments(conn: AsyncConnection, room_id: int, limit: int) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(comments)
        .where(comments.c.room_id == room_id, comments.c.deleted_at.is_(None))
        .order_by(comments.c.id.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in reversed(rows.all())]


async def add_reservation(conn: AsyncConnection, room_id: int, user_id: int, now: datetime) -> bool:
    """True if new; reserving twice is harmless."""
    stmt = (
        conflict_insert(conn, reservations)
        .values(room_id=room_id, user_id=user_id, created_at=now)
        .on_conflict_do_nothing()
    )
    return (await conn.execute(stmt)).rowcount == 1


async def reservation_count(conn: AsyncConnection, room_id: int) -> int:
    return (
        await conn.execute(select(func.count()).where(reservations.c.room_id == room_id))
    ).scalar_one()


async def has_reservation(conn: AsyncConnection, room_id: int, user_id: int) -> bool:
    row = await conn.execute(
        select(reservations.c.room_id).where(
            reservations.c.room_id == room_id, reservations.c.user_id == user_id
        )
    )
    return row.first() is not None


follows = Table(
    "follows",
    metadata,
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_follows_shop_id", "shop_id"),
)


async def follow(conn: AsyncConnection, user_id: int, shop_id: int, now: datetime) -> bool:
    """True if new; following twice is harmless."""
    stmt = conflict_insert(conn, follows).values(user_id=user_id, shop_id=shop_id, created_at=now)
    result = await conn.execute(stmt.on_conflict_do_nothing())
    return result.rowcount == 1


async def unfollow(conn: AsyncConnection, user_id: int, shop_id: int) -> bool:
    result = await conn.execute(follows.delete().where(follows.c.user_id == user_id, follows.c.shop_id == shop_id))
    return result.rowcount == 1


async def is_following(conn: AsyncConnection, user_id: int, shop_id: int) -> bool:
    row = (await conn.execute(select(follows.c.user_id).where(follows.c.user_id == user_id,
                                                              follows.c.shop_id == shop_id))).first()
    return row is not None


async def followers_among(conn: AsyncConnection, shop_id: int, user_ids: list[int]) -> set[int]:
    if not user_ids:
        return set()
    rows = await conn.execute(select(follows.c.user_id).where(follows.c.shop_id == shop_id,
                                                              follows.c.user_id.in_(user_ids)))
    return {u for (u,) in rows}


async def followed_among(conn: AsyncConnection, user_id: int, shop_ids: list[int]) -> set[int]:
    """Which of these shops the user follows."""
    if not shop_ids:
        return set()
    rows = await conn.execute(select(follows.c.shop_id).where(follows.c.user_id == user_id,
                                                              follows.c.shop_id.in_(shop_ids)))
    return {s for (s,) in rows}


async def follower_count(conn: AsyncConnection, shop_id: int) -> int:
    return int((await conn.execute(select(func.count()).where(follows.c.shop_id == shop_id))).scalar_one())


async def last_comment_at(conn: AsyncConnection, room_id: int, user_id: int) -> datetime | None:
    return (
        await conn.execute(
            select(func.max(comments.c.created_at)).where(comments.c.room_id == room_id, comments.c.user_id == user_id)
        )
    ).scalar_one_or_none()


async def delete_comment(conn: AsyncConnection, room_id: int, comment_id: int, now: datetime) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            comments.update()
            .where(comments.c.id == comment_id, comments.c.room_id == room_id, comments.c.deleted_at.is_(None))
            .values(deleted_at=now)
            .returning(*comments.c)
        )
    ).first()
    return dict(row._mapping) if row else None


async def claim_due_reminders(conn: AsyncConnection, now: datetime, limit: int) -> list[tuple[int, int, str, int]]:
    """Mark up to `limit` reservations of live shows as reminded: (room, user, title, shop).

    The update is conditional on `reminded_at IS NULL`, so of two nodes sweeping at once each
    reservation is claimed by exactly one; on PostgreSQL the candidates are picked with
    SKIP LOCKED, so concurrent sweepers take different rows instead of waiting.
    """
    from liveshop.rooms.store import rooms

    candidates = (
        select(reservations.c.room_id, reservations.c.user_id)
        .join(rooms, rooms.c.id == reservations.c.room_id)
        .where(rooms.c.status == "live", reservations.c.reminded_at.is_(None))
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(of=reservations, skip_locked=True)
    picked = [tuple(r) for r in (await conn.execute(candidates)).all()]
    if not picked:
        return []
    claimed = (await conn.execute(
        update(reservations)
        .where(tuple_(reservations.c.room_id, reservations.c.user_id).in_(picked),
               reservations.c.reminded_at.is_(None))
        .values(reminded_at=now)
        .returning(reservations.c.room_id, reservations.c.user_id)
    )).all()
    if not claimed:
        return []
    facts = {room_id: (title, shop_id) for room_id, title, shop_id in (await conn.execute(
        select(rooms.c.id, rooms.c.title, rooms.c.shop_id).where(rooms.c.id.in_({room for room, _ in claimed}))
    )).all()}
    return [(room_id, user_id, *facts[room_id]) for room_id, user_id in claimed]


async def add_to_inbox(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    await conn.execute(conflict_insert(conn, inbox).on_conflict_do_nothing(), rows)


async def inbox_of(conn: AsyncConnection, user_id: int, limit: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(inbox).where(inbox.c.user_id == user_id).order_by(inbox.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


async def unread_count(conn: AsyncConnection, user_id: int) -> int:
    return int((await conn.execute(
        select(func.count()).where(inbox.c.user_id == user_id, inbox.c.read_at.is_(None))
    )).scalar_one())


async def mark_read(conn: AsyncConnection, user_id: int, ids: list[int] | None, now: datetime) -> int:
    stmt = update(inbox).where(inbox.c.user_id == user_id, inbox.c.read_at.is_(None)).values(read_at=now)
    if ids is not None:
        stmt = stmt.where(inbox.c.id.in_(ids))
    return (await conn.execute(stmt)).rowcount


async def credit_watch(conn: AsyncConnection, room_id: int, user_id: int, now: datetime, *,
                       min_gap: float, max_credit: float) -> tuple[int, int]:
    """Credit the time since the viewer's last heartbeat (at most `max_credit` seconds: a page
    that was closed for a while earns nothing for the gap): (total seconds, seconds credited).

    Beats closer than `min_gap` are not written at all, so a page (or a script) cannot earn
    faster than the wall clock whatever it sends.
    """
    row = (await conn.execute(select(watch_time.c.seconds, watch_time.c.last_beat_at).where(
        watch_time.c.room_id == room_id, watch_time.c.user_id == user_id))).first()
    if row is None:
        await conn.execute(conflict_insert(conn, watch_time).values(room_id=room_id, user_id=user_id, seconds=0,
                                                             last_beat_at=now).on_conflict_do_nothing())
        return 0, 0
    gap = (now - row.last_beat_at).total_seconds()
    if gap < min_gap:
        return int(row.seconds), 0
    credit = int(gap) if gap <= max_credit else 0
    updated = (await conn.execute(
        update(watch_time)
        .where(watch_time.c.room_id == room_id, watch_time.c.user_id == user_id,
               watch_time.c.last_beat_at == row.last_beat_at)  # a concurrent beat credits once
        .values(seconds=watch_time.c.seconds + credit, last_beat_at=now)
        .returning(watch_time.c.seconds))).first()
    return (int(updated[0]), credit) if updated else (int(row.seconds), 0)


async def watched_seconds(conn: AsyncConnection, room_id: int, user_id: int) -> int:
    row = (await conn.execute(select(watch_time.c.seconds).where(
        watch_time.c.room_id == room_id, watch_time.c.user_id == user_id))).first()
    return int(row[0]) if row else 0


async def follow_edges(conn: AsyncConnection, *, since: datetime, limit: int) -> list[tuple[int, int, datetime]]:
    """(user, shop, when) of the latest `limit` follows made since `since` — trust & safety's
    follower → host graph."""
    rows = await conn.execute(select(follows.c.user_id, follows.c.shop_id, follows.c.created_at)
                              .where(follows.c.created_at >= since).order_by(follows.c.created_at.desc()).limit(limit))
    return [(r.user_id, r.shop_id, r.created_at) for r in rows]
