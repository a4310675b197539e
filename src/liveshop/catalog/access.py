"""The one place that decides who may act on a shop. Every shop-scoped rule calls it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.catalog import store
from liveshop.catalog.errors import NotShopStaff, ProductNotFound, ShopNotFound
from liveshop.catalog.store import Product, Shop
from liveshop.core.auth.store import User
from liveshop.core.errors import NotFound

SHOP_ROLES = ("merchant", "host", "operator")
MERCHANT_ONLY = frozenset({"merchant"})
# Everyone who runs a show: the merchant, the host on camera and the operator (中控).
LIVE_CREW = frozenset(SHOP_ROLES)


async def access_shop(
    conn: AsyncConnection, user: User, shop_id: int, allowed: frozenset[str]
) -> tuple[Shop, str]:
    """The shop and the caller's role in it, or an error.

    A caller with no role in the shop at all gets 404, as if it did not exist, so ids of
    other tenants reveal nothing; a staff member whose role is not allowed gets 403.
    """
    shop = await store.shop_by_id(conn, shop_id)
    if shop is None:
        raise ShopNotFound()
    if user.is_admin:
        return shop, "admin"
    role = await store.staff_role(conn, shop_id, user.id)
    if role is None:
        raise ShopNotFound()
    if role not in allowed:
        raise NotShopStaff(required=sorted(allowed), role=role)
    return shop, role


async def access_shop_as(
    conn: AsyncConnection,
    user: User,
    shop_id: int,
    allowed: frozenset[str],
    missing: type[NotFound],
) -> tuple[Shop, str]:
    """access_shop for a thing inside the shop: an outsider hears that the thing does not exist."""
    try:
        return await access_shop(conn, user, shop_id, allowed)
    except ShopNotFound as exc:
        raise missing() from exc


async def shop_role(conn: AsyncConnection, user: User | None, shop_id: int) -> str | None:
    if user is None:
        return None
    if user.is_admin:
        return "admin"
    return await store.staff_role(conn, shop_id, user.id)


async def access_product(
    conn: AsyncConnection, user: User, product_id: int, allowed: frozenset[str]
) -> Product:
    product = await store.product_by_id(conn, product_id)
    if product is None:
        raise ProductNotFound()
    await access_shop_as(conn, user, product.shop_id, allowed, ProductNotFound)
    return product
