"""Shops, staff and the product catalogue."""

from __future__ import annotations

from datetime import datetime

from liveshop.catalog import store
from liveshop.catalog.access import (
    LIVE_CREW,
    MERCHANT_ONLY,
    access_product,
    access_shop,
    shop_role,
)
from liveshop.catalog.errors import ShopNotFound, UserNotFound
from liveshop.catalog.store import Product, Shop
from liveshop.core.auth import store as auth_store
from liveshop.core.auth.store import User
from liveshop.core.db import Database

CLEARABLE = frozenset({"origin", "image_url"})


async def create_shop(
    db: Database, *, owner: User, name: str, description: str, now: datetime
) -> Shop:
    async with db.transaction() as tx:
        shop = await store.insert_shop(
            tx.conn, name=name, description=description, owner_id=owner.id, now=now
        )
        await store.upsert_staff(tx.conn, shop_id=shop.id, user_id=owner.id, role="merchant", now=now)
        return shop


async def get_shop(db: Database, *, user: User, shop_id: int) -> tuple[Shop, str]:
    async with db.transaction(write=False) as tx:
        return await access_shop(tx.conn, user, shop_id, LIVE_CREW)


async def my_shops(db: Database, *, user: User) -> list[tuple[Shop, str]]:
    async with db.transaction(write=False) as tx:
        return await store.shops_of_user(tx.conn, user.id)


async def add_staff(
    db: Database, *, user: User, shop_id: int, username: str, role: str, now: datetime
) -> tuple[User, str]:
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        member = await auth_store.user_by_username(tx.conn, username)
        if member is None:
            raise UserNotFound()
        await store.upsert_staff(tx.conn, shop_id=shop_id, user_id=member.id, role=role, now=now)
        return member, role


async def list_staff(db: Database, *, user: User, shop_id: int) -> list[tuple[User, str]]:
    async with db.transaction(write=False) as tx:
        await access_shop(tx.conn, user, shop_id, LIVE_CREW)
        staff = []
        for user_id, role in await store.list_staff(tx.conn, shop_id):
            member = await auth_store.user_by_id(tx.conn, user_id)
            if member:
                staff.append((member, role))
        return staff


async def create_product(
    db: Database,
    *,
    user: User,
    shop_id: int,
    title: str,
    price_cents: int,
    currency: str,
    stock: int,
    description: str = "",
    origin: str | None = None,
    image_url: str | None = None,
    now: datetime,
) -> Product:
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        return await store.insert_product(
            tx.conn,
            shop_id=shop_id,
            title=title,
            description=description,
            price_cents=price_cents,
            currency=currency,
            stock=stock,
            origin=origin,
            image_url=image_url,
            created_at=now,
        )


async def list_products(db: Database, *, user: User, shop_id: int) -> list[Product]:
    async with db.transaction(write=False) as tx:
        await access_shop(tx.conn, user, shop_id, LIVE_CREW)
        return await store.list_products(tx.conn, shop_id)


async def update_product(
    db: Database, *, user: User, product_id: int, changes: dict[str, object]
) -> Product:
    async with db.transaction() as tx:
        product = await access_product(tx.conn, user, product_id, MERCHANT_ONLY)
        # Only the optional labels can be cleared with null; a null title or price means "unchanged".
        changes = {k: v for k, v in changes.items() if v is not None or k in CLEARABLE}
        if not changes:
            return product
        return await store.update_product(tx.conn, product_id, **changes)


async def role_in_shop(db: Database, *, user: User, shop_id: int) -> str | None:
    async with db.transaction(write=False) as tx:
        return await shop_role(tx.conn, user, shop_id)


async def public_shop(db: Database, *, shop_id: int) -> Shop:
    """A shop's name and description: public, as they show on its rooms."""
    async with db.transaction(write=False) as tx:
        shop = await store.shop_by_id(tx.conn, shop_id)
    if shop is None:
        raise ShopNotFound()
    return shop
