"""Each fan's points with each shop, kept as a running total so the chat can show a level
with one indexed read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata

fan_points = Table(
    "fan_points",
    metadata,
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("points", Integer, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Index("ix_fan_points_shop_id_points", "shop_id", "points"),
)


async def add(conn: AsyncConnection, shop_id: int, user_id: int, points: int, now: datetime) -> None:
    if points <= 0:
        return
    stmt = conflict_insert(conn, fan_points).values(shop_id=shop_id, user_id=user_id, points=points, updated_at=now)
    await conn.execute(stmt.on_conflict_do_update(
        index_elements=[fan_points.c.shop_id, fan_points.c.user_id],
        set_={"points": fan_points.c.points + points, "updated_at": now}))


async def points_of(conn: AsyncConnection, shop_id: int, user_id: int) -> int:
    row = (await conn.execute(select(fan_points.c.points).where(
        fan_points.c.shop_id == shop_id, fan_points.c.user_id == user_id))).first()
    return int(row[0]) if row else 0


async def points_among(conn: AsyncConnection, shop_id: int, user_ids: list[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    rows = await conn.execute(select(fan_points.c.user_id, fan_points.c.points).where(
        fan_points.c.shop_id == shop_id, fan_points.c.user_id.in_(user_ids)))
    return {u: p for u, p in rows}


async def top(conn: AsyncConnection, shop_id: int, limit: int) -> list[tuple[int, int]]:
    rows = await conn.execute(select(fan_points.c.user_id, fan_points.c.points).where(fan_points.c.shop_id == shop_id)
                              .order_by(fan_points.c.points.desc(), fan_points.c.user_id).limit(limit))
    return [(u, p) for u, p in rows]
