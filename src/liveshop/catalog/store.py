"""Shops, their staff and their products."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, metadata

shops = Table(
    "shops",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(80), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("owner_id", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

shop_staff = Table(
    "shop_staff",
    metadata,
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_shop_staff_user_id", "user_id"),
)

products = Table(
    "products",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(120), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("price_cents", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    # Warehouse stock not yet allocated to a room listing.
    Column("stock", Integer, nullable=False),
    Column("origin", String(80), nullable=True),
    Column("image_url", String(500), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("price_cents >= 0", name="price_nonnegative"),
    CheckConstraint("stock >= 0", name="stock_nonnegative"),
    Index("ix_products_shop_id", "shop_id"),
)


@dataclass(frozen=True, slots=True)
class Shop:
    id: int
    name: str
    description: str
    owner_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    shop_id: int
    title: str
    description: str
    price_cents: int
    currency: str
    stock: int
    origin: str | None
    image_url: str | None
    created_at: datetime


def _shop(row) -> Shop:  # type: ignore[no-untyped-def]
    return Shop(**{k: getattr(row, k) for k in Shop.__slots__})


def _product(row) -> Product:  # type: ignore[no-untyped-def]
    return Product(**{k: getattr(row, k) for k in Product.__slots__})


async def insert_shop(
    conn: AsyncConnection, *, name: str, description: str, owner_id: int, now: datetime
) -> Shop:
    row = (
        await conn.execute(
            insert(shops)
            .values(name=name, description=description, owner_id=owner_id, created_at=now)
            .returning(*shops.c)
        )
    ).one()
    return _shop(row)


async def shop_by_id(conn: AsyncConnection, shop_id: int) -> Shop | None:
    row = (await conn.execute(select(shops).where(shops.c.id == shop_id))).first()
    return _shop(row) if row else None


async def shop_names(conn: AsyncConnection, shop_ids: Iterable[int]) -> dict[int, str]:
    ids = list(shop_ids)
    if not ids:
        return {}
    return {r.id: r.name for r in await conn.execute(select(shops.c.id, shops.c.name).where(shops.c.id.in_(ids)))}


async def shops_of_user(conn: AsyncConnection, user_id: int) -> list[tuple[Shop, str]]:
    rows = await conn.execute(
        select(shops, shop_staff.c.role)
        .join(shop_staff, shop_staff.c.shop_id == shops.c.id)
        .where(shop_staff.c.user_id == user_id)
        .order_by(shops.c.id)
    )
    return [(_shop(r), r.role) for r in rows]


async def staff_role(conn: AsyncConnection, shop_id: int, user_id: int) -> str | None:
    return (
        await conn.execute(
            select(shop_staff.c.role).where(
                shop_staff.c.shop_id == shop_id, shop_staff.c.user_id == user_id
            )
        )
    ).scalar_one_or_none()


async def upsert_staff(
    conn: AsyncConnection, *, shop_id: int, user_id: int, role: str, now: datetime
) -> None:
    updated = await conn.execute(
        update(shop_staff)
        .where(shop_staff.c.shop_id == shop_id, shop_staff.c.user_id == user_id)
        .values(role=role)
    )
    if updated.rowcount == 0:
        await conn.execute(
            insert(shop_staff).values(shop_id=shop_id, user_id=user_id, role=role, created_at=now)
        )


async def list_staff(conn: AsyncConnection, shop_id: int) -> list[tuple[int, str]]:
    rows = await conn.execute(
        select(shop_staff.c.user_id, shop_staff.c.role)
        .where(shop_staff.c.shop_id == shop_id)
        .order_by(shop_staff.c.user_id)
    )
    return [(r.user_id, r.role) for r in rows]


async def insert_product(conn: AsyncConnection, **values: object) -> Product:
    row = (await conn.execute(insert(products).values(**values).returning(*products.c))).one()
    return _product(row)


async def product_by_id(conn: AsyncConnection, product_id: int) -> Product | None:
    row = (await conn.execute(select(products).where(products.c.id == product_id))).first()
    return _product(row) if row else None


async def list_products(conn: AsyncConnection, shop_id: int) -> list[Product]:
    rows = await conn.execute(
        select(products).where(products.c.shop_id == shop_id).order_by(products.c.id)
    )
    return [_product(r) for r in rows]


async def update_product(conn: AsyncConnection, product_id: int, **values: object) -> Product:
    row = (
        await conn.execute(
            update(products).where(products.c.id == product_id).values(**values).returning(*products.c)
        )
    ).one()
    return _product(row)


async def take_product_stock(conn: AsyncConnection, product_id: int, quantity: int) -> bool:
    """Allocate warehouse stock to a listing; a conditional update, so it never goes negative."""
    result = await conn.execute(
        update(products)
        .where(products.c.id == product_id, products.c.stock >= quantity)
        .values(stock=products.c.stock - quantity)
    )
    return result.rowcount == 1


async def return_product_stock(conn: AsyncConnection, product_id: int, quantity: int) -> None:
    await conn.execute(
        update(products).where(products.c.id == product_id).values(stock=products.c.stock + quantity)
    )
