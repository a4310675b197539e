"""Comments and show reservations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, metadata

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
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(reservations)
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
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(follows).values(user_id=user_id, shop_id=shop_id, created_at=now)
    result = await conn.execute(stmt.on_conflict_do_nothing())
    return result.rowcount == 1


async def unfollow(conn: AsyncConnection, user_id: int, shop_id: int) -> bool:
    result = await conn.execute(follows.delete().where(follows.c.user_id == user_id, follows.c.shop_id == shop_id))
    return result.rowcount == 1


async def is_following(conn: AsyncConnection, user_id: int, shop_id: int) -> bool:
    row = (await conn.execute(select(follows.c.user_id).where(follows.c.user_id == user_id,
                                                              follows.c.shop_id == shop_id))).first()
    return row is not None


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
