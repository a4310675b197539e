"""Listings (a product on sale in a room) and their stock.

Every stock change is one conditional UPDATE, so there is no read-then-write race and the
database's check constraint holds the invariant remaining + reserved + sold = initial.
"""

from __future__ import annotations

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
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata

listings = Table(
    "listings",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    Column("product_id", IdType, ForeignKey("products.id"), nullable=False),
    Column("title", String(120), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("initial_stock", Integer, nullable=False),
    Column("remaining", Integer, nullable=False),
    Column("reserved", Integer, nullable=False, default=0),
    Column("sold", Integer, nullable=False, default=0),
    Column("per_user_limit", Integer, nullable=True),
    Column("status", String(16), nullable=False, default="active"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("remaining >= 0 AND reserved >= 0 AND sold >= 0", name="stock_nonnegative"),
    CheckConstraint("remaining + reserved + sold = initial_stock", name="stock_conserved"),
    CheckConstraint("price_cents >= 0", name="price_nonnegative"),
    Index("ix_listings_room_id", "room_id"),
)

# The status of a lucky bag's prize stock: a listing that is awarded, never sold.
PRIZE = "prize"


async def award_prize(conn: AsyncConnection, listing_id: int) -> bool:
    """One unit of prize stock to a winner (remaining → sold), unless none is left."""
    result = await conn.execute(
        update(listings).where(listings.c.id == listing_id, listings.c.status == PRIZE, listings.c.remaining >= 1)
        .values(remaining=listings.c.remaining - 1, sold=listings.c.sold + 1)
    )
    return result.rowcount == 1


async def shrink_prize(conn: AsyncConnection, listing_id: int) -> int:
    """Prize units nobody won leave the listing (to go back to the warehouse): how many."""
    listing = await listing_by_id(conn, listing_id)
    if listing is None or listing.remaining == 0:
        return 0
    await conn.execute(update(listings).where(listings.c.id == listing_id).values(
        initial_stock=listings.c.initial_stock - listing.remaining, remaining=0))
    return listing.remaining


# Units each buyer holds (pending or paid) per listing: the per-user limit is a
# conditional upsert on this row, so two tabs of one buyer cannot both slip under it.
listing_buyers = Table(
    "listing_buyers",
    metadata,
    Column("listing_id", IdType, ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
)


@dataclass(frozen=True, slots=True)
class Listing:
    id: int
    room_id: int
    shop_id: int
    product_id: int
    title: str
    price_cents: int
    currency: str
    initial_stock: int
    remaining: int
    reserved: int
    sold: int
    per_user_limit: int | None
    status: str
    created_at: datetime
    updated_at: datetime


def _listing(row) -> Listing:  # type: ignore[no-untyped-def]
    return Listing(**{k: getattr(row, k) for k in Listing.__slots__})


async def insert_listing(conn: AsyncConnection, **values: object) -> Listing:
    return _listing((await conn.execute(insert(listings).values(**values).returning(*listings.c))).one())


async def listing_by_id(conn: AsyncConnection, listing_id: int) -> Listing | None:
    row = (await conn.execute(select(listings).where(listings.c.id == listing_id))).first()
    return _listing(row) if row else None


async def listings_of_room(conn: AsyncConnection, room_id: int) -> list[Listing]:
    """The room's listings on sale or withdrawn (not prize stock, which is never on sale)."""
    rows = await conn.execute(
        select(listings).where(listings.c.room_id == room_id, listings.c.status != PRIZE).order_by(listings.c.id)
    )
    return [_listing(r) for r in rows]


async def quotas_of_listing(conn: AsyncConnection, listing_id: int) -> list[tuple[int, int]]:
    """(buyer, units) of every buyer holding units of the listing."""
    rows = await conn.execute(
        select(listing_buyers.c.user_id, listing_buyers.c.quantity).where(
            listing_buyers.c.listing_id == listing_id, listing_buyers.c.quantity > 0
        )
    )
    return [(user_id, qty) for user_id, qty in rows]


async def all_listings(conn: AsyncConnection) -> list[Listing]:
    return [_listing(r) for r in await conn.execute(select(listings).order_by(listings.c.id))]


async def update_listing(conn: AsyncConnection, listing_id: int, **values: object) -> Listing:
    row = (
        await conn.execute(
            update(listings).where(listings.c.id == listing_id).values(**values).returning(*listings.c)
        )
    ).one()
    return _listing(row)


async def reserve(conn: AsyncConnection, listing_id: int, quantity: int) -> int | None:
    """Move `quantity` from remaining to reserved if that many remain; the units left, or None."""
    return (
        await conn.execute(
            update(listings)
            .where(
                listings.c.id == listing_id,
                listings.c.status == "active",
                listings.c.remaining >= quantity,
            )
            .values(remaining=listings.c.remaining - quantity, reserved=listings.c.reserved + quantity)
            .returning(listings.c.remaining)
        )
    ).scalar_one_or_none()


async def commit_reserved(conn: AsyncConnection, listing_id: int, quantity: int) -> None:
    result = await conn.execute(
        update(listings)
        .where(listings.c.id == listing_id, listings.c.reserved >= quantity)
        .values(reserved=listings.c.reserved - quantity, sold=listings.c.sold + quantity)
    )
    if result.rowcount != 1:
        raise RuntimeError(f"listing {listing_id}: fewer than {quantity} units reserved")


async def release_reserved(conn: AsyncConnection, listing_id: int, quantity: int) -> int:
    """Return reserved units to sale; the units remaining afterwards."""
    remaining = (
        await conn.execute(
            update(listings)
            .where(listings.c.id == listing_id, listings.c.reserved >= quantity)
            .values(reserved=listings.c.reserved - quantity, remaining=listings.c.remaining + quantity)
            .returning(listings.c.remaining)
        )
    ).scalar_one_or_none()
    if remaining is None:
        raise RuntimeError(f"listing {listing_id}: fewer than {quantity} units reserved")
    return remaining


async def adjust_stock(conn: AsyncConnection, listing_id: int, delta: int, now: datetime) -> Listing | None:
    """Add (or, negative, withdraw unsold) units; None if fewer than -delta remain."""
    row = (
        await conn.execute(
            update(listings)
            .where(listings.c.id == listing_id, listings.c.remaining + delta >= 0)
            .values(
                initial_stock=listings.c.initial_stock + delta,
                remaining=listings.c.remaining + delta,
                updated_at=now,
            )
            .returning(*listings.c)
        )
    ).first()
    return _listing(row) if row else None


async def hold_quota(
    conn: AsyncConnection, listing_id: int, user_id: int, quantity: int, limit: int | None
) -> bool:
    """Count `quantity` against the buyer's per-user limit; False if it would exceed it."""
    if limit is not None and quantity > limit:
        return False
    stmt = conflict_insert(conn, listing_buyers).values(
        listing_id=listing_id, user_id=user_id, quantity=quantity
    )
    where = None if limit is None else listing_buyers.c.quantity + quantity <= limit
    stmt = stmt.on_conflict_do_update(
        index_elements=[listing_buyers.c.listing_id, listing_buyers.c.user_id],
        set_={"quantity": listing_buyers.c.quantity + quantity},
        where=where,
    ).returning(listing_buyers.c.quantity)
    return (await conn.execute(stmt)).scalar_one_or_none() is not None


async def add_quotas(conn: AsyncConnection, rows: list[tuple[int, int, int]]) -> None:
    """(listing, buyer, units) added to each buyer's count, in one executemany upsert."""
    if not rows:
        return
    stmt = conflict_insert(conn, listing_buyers)
    stmt = stmt.on_conflict_do_update(
        index_elements=[listing_buyers.c.listing_id, listing_buyers.c.user_id],
        set_={"quantity": listing_buyers.c.quantity + stmt.excluded.quantity},
    )
    await conn.execute(stmt, [{"listing_id": lst, "user_id": buyer, "quantity": qty} for lst, buyer, qty in rows])


async def release_quota(conn: AsyncConnection, listing_id: int, user_id: int, quantity: int) -> None:
    await conn.execute(
        update(listing_buyers)
        .where(listing_buyers.c.listing_id == listing_id, listing_buyers.c.user_id == user_id)
        .values(quantity=listing_buyers.c.quantity - quantity)
    )


async def all_quotas(conn: AsyncConnection) -> dict[tuple[int, int], int]:
    """(listing, buyer) → units counted against the per-user limit, for `liveshop check`."""
    rows = await conn.execute(
        select(listing_buyers.c.listing_id, listing_buyers.c.user_id, listing_buyers.c.quantity)
    )
    return {(r.listing_id, r.user_id): r.quantity for r in rows}


async def user_quantity(conn: AsyncConnection, listing_id: int, user_id: int) -> int:
    value = (
        await conn.execute(
            select(listing_buyers.c.quantity).where(
                listing_buyers.c.listing_id == listing_id, listing_buyers.c.user_id == user_id
            )
        )
    ).scalar_one_or_none()
    return value or 0
