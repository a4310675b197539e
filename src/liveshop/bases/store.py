"""Live bases (直播基地): a base's operators and the shops that let it watch their shows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata

bases = Table(
    "bases",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(80), nullable=False),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

base_operators = Table(
    "base_operators",
    metadata,
    Column("base_id", IdType, ForeignKey("bases.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_base_operators_user_id", "user_id"),
)

# A shop is on a base's wall because its merchant put it there: the base reads its numbers.
base_shops = Table(
    "base_shops",
    metadata,
    Column("base_id", IdType, ForeignKey("bases.id", ondelete="CASCADE"), primary_key=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_base_shops_shop_id", "shop_id"),
)


async def insert_base(conn: AsyncConnection, name: str, user_id: int, now: datetime) -> dict[str, Any]:
    row = (await conn.execute(insert(bases).values(name=name, created_by=user_id, created_at=now)
                              .returning(*bases.c))).one()
    await add_operator(conn, row.id, user_id, now)
    return dict(row._mapping)


async def base_by_id(conn: AsyncConnection, base_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(bases).where(bases.c.id == base_id))).first()
    return dict(row._mapping) if row else None


async def add_operator(conn: AsyncConnection, base_id: int, user_id: int, now: datetime) -> None:
    await conn.execute(conflict_insert(conn, base_operators).values(base_id=base_id, user_id=user_id, created_at=now)
                       .on_conflict_do_nothing())


async def is_operator(conn: AsyncConnection, base_id: int, user_id: int) -> bool:
    found = await conn.execute(select(base_operators.c.user_id).where(
        base_operators.c.base_id == base_id, base_operators.c.user_id == user_id))
    return found.first() is not None


async def bases_of_operator(conn: AsyncConnection, user_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(bases).join(base_operators, base_operators.c.base_id == bases.c.id)
                              .where(base_operators.c.user_id == user_id).order_by(bases.c.id))
    return [dict(r._mapping) for r in rows]


async def add_shop(conn: AsyncConnection, base_id: int, shop_id: int, now: datetime) -> None:
    await conn.execute(conflict_insert(conn, base_shops).values(base_id=base_id, shop_id=shop_id, created_at=now)
                       .on_conflict_do_nothing())


async def remove_shop(conn: AsyncConnection, base_id: int, shop_id: int) -> bool:
    result = await conn.execute(delete(base_shops).where(base_shops.c.base_id == base_id,
                                                         base_shops.c.shop_id == shop_id))
    return result.rowcount == 1


async def shop_ids(conn: AsyncConnection, base_id: int) -> list[int]:
    rows = await conn.execute(select(base_shops.c.shop_id).where(base_shops.c.base_id == base_id)
                              .order_by(base_shops.c.shop_id))
    return [r.shop_id for r in rows]


async def operates_shop(conn: AsyncConnection, user_id: int, shop_id: int) -> bool:
    """Whether the user operates a base the shop is on."""
    found = await conn.execute(
        select(base_shops.c.base_id).join(base_operators, base_operators.c.base_id == base_shops.c.base_id)
        .where(base_shops.c.shop_id == shop_id, base_operators.c.user_id == user_id).limit(1))
    return found.first() is not None
