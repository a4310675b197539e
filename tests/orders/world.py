"""Service-level set-up for invariant tests: no HTTP, real database."""

from __future__ import annotations

from dataclasses import dataclass

from liveshop.bootstrap import Services
from liveshop.catalog import service as catalog
from liveshop.core.auth import service as auth
from liveshop.core.auth.store import User
from liveshop.inventory import service as inventory
from liveshop.rooms import service as rooms

_counter = [0]


async def user(services: Services, prefix: str = "u") -> User:
    _counter[0] += 1
    return await auth.sign_up(
        services.db, username=f"{prefix}{_counter[0]}", password="password-123",
        passwords=services.passwords, now=services.clock.now(),
    )


@dataclass
class LiveListing:
    merchant: User
    room_id: int
    listing_id: int
    product_id: int


async def live_listing(services: Services, *, stock: int, per_user_limit: int | None = None,
                       price_cents: int = 1000, product_stock: int | None = None) -> LiveListing:
    now = services.clock.now()
    merchant = await user(services, "m")
    shop = await catalog.create_shop(services.db, owner=merchant, name="s", description="", now=now)
    product = await catalog.create_product(
        services.db, user=merchant, shop_id=shop.id, title="p", price_cents=price_cents, currency="CNY",
        stock=product_stock if product_stock is not None else stock, now=now,
    )
    room = await rooms.create_room(services.db, user=merchant, shop_id=shop.id, title="r", description="",
                                   scheduled_at=now, now=now)
    await rooms.change_status(services.db, user=merchant, room_id=room.id, action="start", now=now)
    lst = await inventory.create_listing(
        services.db, user=merchant, room_id=room.id, product_id=product.id, price_cents=None, stock=stock,
        per_user_limit=per_user_limit, now=now,
    )
    return LiveListing(merchant, room.id, lst["id"], product.id)
