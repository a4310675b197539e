"""Banned words, sanctions (mute/ban), room chat modes and the moderation audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    and_,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata

banned_words = Table(
    "banned_words",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # NULL: the platform's list; otherwise the shop's own.
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=True),
    Column("word", String(64), nullable=False),
    Column("normalised", String(64), nullable=False),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_banned_words_shop_id", "shop_id"),
)

sanctions = Table(
    "sanctions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(8), nullable=False),  # mute | ban
    Column("until", UTCDateTime(), nullable=True),  # NULL: permanent
    Column("reason", String(200), nullable=False, default=""),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("lifted_at", UTCDateTime(), nullable=True),
    Index("ix_sanctions_shop_id_user_id", "shop_id", "user_id"),
)

chat_modes = Table(
    "room_chat_modes",
    metadata,
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True),
    Column("slow_mode_seconds", Integer, nullable=False, default=0),
    Column("followers_only", Boolean, nullable=False, default=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

actions = Table(
    "moderation_actions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=True),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=True),
    Column("actor_id", IdType, ForeignKey("users.id"), nullable=True),  # NULL: the automatic filter
    Column("action", String(32), nullable=False),
    Column("target_user_id", IdType, ForeignKey("users.id"), nullable=True),
    Column("comment_id", IdType, nullable=True),
    Column("detail", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_moderation_actions_shop_id_id", "shop_id", "id"),
)


def _of_shop(column: Any, shop_id: int | None) -> Any:
    """Rows of one shop, or the platform's (shop_id NULL) when `shop_id` is None."""
    return column.is_(None) if shop_id is None else column == shop_id


async def words(conn: AsyncConnection, shop_id: int | None) -> list[dict[str, Any]]:
    cond = _of_shop(banned_words.c.shop_id, shop_id)
    rows = await conn.execute(select(banned_words).where(cond).order_by(banned_words.c.id))
    return [dict(r._mapping) for r in rows]


async def word_by_normalised(conn: AsyncConnection, shop_id: int | None, normalised: str) -> dict[str, Any] | None:
    cond = _of_shop(banned_words.c.shop_id, shop_id)
    row = (await conn.execute(select(banned_words).where(cond, banned_words.c.normalised == normalised))).first()
    return dict(row._mapping) if row else None


async def insert_word(conn: AsyncConnection, **values: Any) -> dict[str, Any]:
    row = (await conn.execute(insert(banned_words).values(**values).returning(*banned_words.c))).one()
    return dict(row._mapping)


async def delete_word(conn: AsyncConnection, shop_id: int | None, word_id: int) -> dict[str, Any] | None:
    cond = _of_shop(banned_words.c.shop_id, shop_id)
    row = (await conn.execute(delete(banned_words).where(cond, banned_words.c.id == word_id)
                              .returning(*banned_words.c))).first()
    return dict(row._mapping) if row else None


def _active(now: datetime):  # type: ignore[no-untyped-def]
    return and_(sanctions.c.lifted_at.is_(None), or_(sanctions.c.until.is_(None), sanctions.c.until > now))


async def active_sanctions(conn: AsyncConnection, shop_id: int, user_id: int | None, now: datetime) -> list[dict[str, Any]]:
    query = select(sanctions).where(sanctions.c.shop_id == shop_id, _active(now))
    if user_id is not None:
        query = query.where(sanctions.c.user_id == user_id)
    rows = await conn.execute(query.order_by(sanctions.c.id))
    return [dict(r._mapping) for r in rows]


async def insert_sanction(conn: AsyncConnection, **values: Any) -> dict[str, Any]:
    row = (await conn.execute(insert(sanctions).values(**values).returning(*sanctions.c))).one()
    return dict(row._mapping)


async def lift_sanction(conn: AsyncConnection, shop_id: int, sanction_id: int, now: datetime) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            update(sanctions)
            .where(sanctions.c.id == sanction_id, sanctions.c.shop_id == shop_id, _active(now))
            .values(lifted_at=now)
            .returning(*sanctions.c)
        )
    ).first()
    return dict(row._mapping) if row else None


async def chat_mode(conn: AsyncConnection, room_id: int) -> dict[str, Any]:
    row = (await conn.execute(select(chat_modes).where(chat_modes.c.room_id == room_id))).first()
    if row is None:
        return {"slow_mode_seconds": 0, "followers_only": False}
    return {"slow_mode_seconds": row.slow_mode_seconds, "followers_only": row.followers_only}


async def set_chat_mode(conn: AsyncConnection, room_id: int, *, slow_mode_seconds: int, followers_only: bool,
                        now: datetime) -> None:
    values = {"slow_mode_seconds": slow_mode_seconds, "followers_only": followers_only, "updated_at": now}
    stmt = conflict_insert(conn, chat_modes).values(room_id=room_id, **values)
    await conn.execute(stmt.on_conflict_do_update(index_elements=[chat_modes.c.room_id], set_=values))


async def record(conn: AsyncConnection, **values: Any) -> dict[str, Any]:
    row = (await conn.execute(insert(actions).values(**values).returning(*actions.c))).one()
    return dict(row._mapping)


async def audit(conn: AsyncConnection, shop_id: int | None, limit: int) -> list[dict[str, Any]]:
    cond = _of_shop(actions.c.shop_id, shop_id)
    rows = await conn.execute(select(actions).where(cond).order_by(actions.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]
