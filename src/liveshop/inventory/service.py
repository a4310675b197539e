"""Listings in a room and the stock rules every order goes through."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.catalog import store as catalog_store
from liveshop.catalog.access import LIVE_CREW, access_shop_as
from liveshop.catalog.errors import InsufficientProductStock, ProductNotFound
from liveshop.core.auth.store import User
from liveshop.core.db import Database, Tx
from liveshop.inventory import store
from liveshop.inventory.errors import (
    ListingNotFound,
    ListingWithdrawn,
    NotEnoughStock,
    PerUserLimitExceeded,
    SoldOut,
    StockWouldGoNegative,
)
from liveshop.inventory.store import Listing
from liveshop.realtime.events import publish_best_effort, record_critical
from liveshop.rooms.errors import RoomEnded
from liveshop.rooms.service import access_room, get_public_room


def listing_view(listing: Listing, product: Any | None = None) -> dict[str, Any]:
    """What viewers see of a listing: the product card."""
    view = {
        "id": listing.id,
        "room_id": listing.room_id,
        "shop_id": listing.shop_id,
        "product_id": listing.product_id,
        "title": listing.title,
        "price_cents": listing.price_cents,
        "currency": listing.currency,
        "stock_left": listing.remaining,
        "initial_stock": listing.initial_stock,
        "sold": listing.sold,
        "per_user_limit": listing.per_user_limit,
        "status": listing.status,
        "sold_out": listing.remaining == 0,
        "origin": None,
        "image_url": None,
        "original_price_cents": None,
    }
    if product is not None:
        view["origin"] = product.origin
        view["image_url"] = product.image_url
        view["original_price_cents"] = product.price_cents
    return view


async def _view(conn: AsyncConnection, listing: Listing) -> dict[str, Any]:
    return listing_view(listing, await catalog_store.product_by_id(conn, listing.product_id))


async def find_listing_in_room(conn: AsyncConnection, room_id: int, listing_id: int) -> dict[str, Any] | None:
    listing = await store.listing_by_id(conn, listing_id)
    if listing is None or listing.room_id != room_id or listing.status == store.PRIZE:
        return None
    return await _view(conn, listing)


async def create_listing(
    db: Database,
    *,
    user: User,
    room_id: int,
    product_id: int,
    price_cents: int | None,
    stock: int | None,
    per_user_limit: int | None,
    now: datetime,
) -> dict[str, Any]:
    """Put a product on sale in a room, before or during the show ("秒了").

    The listing's stock is allocated from the product's warehouse stock.
    """
    async with db.transaction() as tx:
        room = await access_room(tx.conn, user, room_id, LIVE_CREW)
        if room.status == "ended":
            raise RoomEnded()
        product = await catalog_store.product_by_id(tx.conn, product_id)
        if product is None or product.shop_id != room.shop_id:
            raise ProductNotFound()
        quantity = product.stock if stock is None else stock
        if quantity <= 0 or not await catalog_store.take_product_stock(tx.conn, product_id, quantity):
            raise InsufficientProductStock(available=product.stock, requested=quantity)
        listing = await store.insert_listing(
            tx.conn,
            room_id=room_id,
            shop_id=room.shop_id,
            product_id=product_id,
            title=product.title,
            price_cents=product.price_cents if price_cents is None else price_cents,
            currency=product.currency,
            initial_stock=quantity,
            remaining=quantity,
            reserved=0,
            sold=0,
            per_user_limit=per_user_limit,
            status="active",
            created_at=now,
            updated_at=now,
        )
        view = listing_view(listing, product)
        await record_critical(tx, room_id, "listing_added", {"listing": view}, now=now)
        return view


async def update_listing(
    db: Database,
    *,
    user: User,
    listing_id: int,
    price_cents: int | None = None,
    add_stock: int | None = None,
    per_user_limit: int | None = None,
    clear_per_user_limit: bool = False,
    status: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """The operator changes price, stock, limit or withdraws the listing mid-show."""
    async with db.transaction() as tx:
        listing = await store.listing_by_id(tx.conn, listing_id)
        if listing is None or listing.status == store.PRIZE:
            raise ListingNotFound()
        await access_shop_as(tx.conn, user, listing.shop_id, LIVE_CREW, ListingNotFound)
        was_sold_out = listing.remaining == 0
        if add_stock:
            if add_stock > 0 and not await catalog_store.take_product_stock(
                tx.conn, listing.product_id, add_stock
            ):
                raise InsufficientProductStock(requested=add_stock)
            adjusted = await store.adjust_stock(tx.conn, listing_id, add_stock, now)
            if adjusted is None:
                raise StockWouldGoNegative(remaining=listing.remaining)
            if add_stock < 0:
                await catalog_store.return_product_stock(tx.conn, listing.product_id, -add_stock)
        changes: dict[str, object] = {}
        if price_cents is not None:
            changes["price_cents"] = price_cents
        if per_user_limit is not None:
            changes["per_user_limit"] = per_user_limit
        if clear_per_user_limit:
            changes["per_user_limit"] = None
        if status is not None:
            changes["status"] = status
        listing = await store.update_listing(tx.conn, listing_id, updated_at=now, **changes)
        view = await _view(tx.conn, listing)
        await record_critical(tx, listing.room_id, "listing_updated", {"listing": view}, now=now)
        if listing.remaining == 0 and not was_sold_out:
            await record_critical(tx, listing.room_id, "sold_out", {"listing_id": listing.id}, now=now)
        elif listing.remaining > 0 and was_sold_out:
            await record_critical(
                tx, listing.room_id, "back_in_stock",
                {"listing_id": listing.id, "stock_left": listing.remaining}, now=now,
            )
        return view


async def get_listing(db: Database, *, listing_id: int) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        listing = await store.listing_by_id(tx.conn, listing_id)
        if listing is None or listing.status == store.PRIZE:
            raise ListingNotFound()
        return await _view(tx.conn, listing)


async def room_listings(db: Database, *, room_id: int) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        await get_public_room(tx.conn, room_id)
        return [await _view(tx.conn, lst) for lst in await store.listings_of_room(tx.conn, room_id)]


# --- the stock path of an order -------------------------------------------------------


async def listing_for_sale(tx: Tx, listing_id: int) -> Listing:
    listing = await store.listing_by_id(tx.conn, listing_id)
    if listing is None:
        raise ListingNotFound()
    if listing.status != "active":
        raise ListingWithdrawn()
    return listing


async def reserve_stock(tx: Tx, listing: Listing, *, buyer_id: int, quantity: int, now: datetime) -> int:
    """Hold `quantity` units for a buyer: per-user limit first, then the stock itself.

    Raises PerUserLimitExceeded, SoldOut or NotEnoughStock; the caller's transaction then
    rolls back everything. Emits 'sold_out' when the last unit goes.
    """
    if not await store.hold_quota(tx.conn, listing.id, buyer_id, quantity, listing.per_user_limit):
        held = await store.user_quantity(tx.conn, listing.id, buyer_id)
        raise PerUserLimitExceeded(limit=listing.per_user_limit, already=held)
    remaining = await store.reserve(tx.conn, listing.id, quantity)
    if remaining is None:
        current = await store.listing_by_id(tx.conn, listing.id)
        left = current.remaining if current else 0
        if left == 0:
            raise SoldOut(listing_id=listing.id)
        raise NotEnoughStock(f"Only {left} left", listing_id=listing.id, stock_left=left)
    await _announce_stock(tx, listing.room_id, listing.id, remaining, now=now)
    return remaining


async def _announce_stock(tx: Tx, room_id: int, listing_id: int, remaining: int, *, now: datetime) -> None:
    """After units were taken: the new level to viewers, and 'sold out' when none are left."""
    publish_best_effort(tx, room_id, "stock", {"listing_id": listing_id, "stock_left": remaining})
    if remaining == 0:
        await record_critical(tx, room_id, "sold_out", {"listing_id": listing_id}, now=now)


async def commit_stock(tx: Tx, *, listing_id: int, quantity: int) -> None:
    await store.commit_reserved(tx.conn, listing_id, quantity)


async def release_stock(
    tx: Tx, *, listing_id: int, room_id: int, buyer_id: int, quantity: int, now: datetime
) -> None:
    """Give reserved units back to sale (order expired or cancelled).

    Locks in the same order as reserve_stock (buyer quota, then listing), so a buyer's new
    order and the expiry of their old one on the same listing cannot deadlock.
    """
    await store.release_quota(tx.conn, listing_id, buyer_id, quantity)
    remaining = await store.release_reserved(tx.conn, listing_id, quantity)
    tx.notify_on_commit(
        {"type": "stock_released", "listing_id": listing_id, "buyer_id": buyer_id, "quantity": quantity}
    )
    publish_best_effort(tx, room_id, "stock", {"listing_id": listing_id, "stock_left": remaining})
    if remaining == quantity:  # it was sold out until this release
        await record_critical(
            tx, room_id, "back_in_stock", {"listing_id": listing_id, "stock_left": remaining}, now=now
        )


class StockOutOfStep(RuntimeError):
    """The database has fewer units than the engine sold: the batch must not commit."""


async def reserve_claimed(tx: Tx, claims: list[tuple[int, int, int, int]], *, now: datetime) -> None:
    """Record a group-commit batch of engine claims, each (listing, room, buyer, quantity):
    buyer quotas, then each listing's stock.

    The engine already enforced stock and limits in memory; the conditional updates here
    are the database's own guard (a mismatch raises StockOutOfStep and nothing commits).
    """
    per_buyer: dict[tuple[int, int], int] = {}
    per_listing: dict[int, tuple[int, int]] = {}
    for listing_id, room_id, buyer_id, quantity in claims:
        per_buyer[(listing_id, buyer_id)] = per_buyer.get((listing_id, buyer_id), 0) + quantity
        units, _ = per_listing.get(listing_id, (0, room_id))
        per_listing[listing_id] = (units + quantity, room_id)
    await store.add_quotas(tx.conn, [(lst, buyer, qty) for (lst, buyer), qty in sorted(per_buyer.items())])
    for listing_id, (units, room_id) in sorted(per_listing.items()):
        remaining = await store.reserve(tx.conn, listing_id, units)
        if remaining is None:
            raise StockOutOfStep(f"listing {listing_id}: the database has fewer than {units} units left")
        await _announce_stock(tx, room_id, listing_id, remaining, now=now)


async def record_sold_out(db: Database, *, room_id: int, listing_id: int, now: datetime) -> None:
    """'Sold out' on its own, for a batch written outside `reserve_claimed` that ended at zero."""
    async with db.transaction() as tx:
        await record_critical(tx, room_id, "sold_out", {"listing_id": listing_id}, now=now)


async def listing_ids_of_room(db: Database, room_id: int) -> list[int]:
    async with db.transaction(write=False) as tx:
        return [listing.id for listing in await store.listings_of_room(tx.conn, room_id)]
