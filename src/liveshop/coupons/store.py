"""Coupon offers, the coupons users hold, and the counters that keep their limits.

Every limit is a conditional UPDATE (claimed < total, a user's claims < their limit,
spent + discount <= budget), and the table's CHECK constraints guard the same bounds again,
so no interleaving of requests can go past them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
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
from liveshop.coupons.pricing import Terms

offers = Table(
    "coupon_offers",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # NULL: a platform offer (a subsidy the platform pays), usable in every shop.
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=True),
    # Announced in (and claimable from) this live room; usable in the whole shop.
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="SET NULL"), nullable=True),
    Column("funded_by", String(8), nullable=False),  # shop | platform
    Column("title", String(60), nullable=False),
    Column("kind", String(12), nullable=False),  # amount_off | percent_off
    Column("amount_off_cents", BigInteger, nullable=True),
    Column("percent_off", Integer, nullable=True),
    Column("max_off_cents", BigInteger, nullable=True),
    Column("threshold_cents", BigInteger, nullable=False, default=0),
    Column("stackable", Boolean, nullable=False, default=True),
    Column("valid_from", UTCDateTime(), nullable=False),
    Column("valid_until", UTCDateTime(), nullable=False),
    Column("total_quantity", Integer, nullable=True),  # NULL: no limit on claims
    Column("claimed", Integer, nullable=False, default=0),
    Column("per_user_limit", Integer, nullable=False, default=1),
    Column("budget_cents", BigInteger, nullable=True),  # NULL: no cap on what it pays out
    Column("spent_cents", BigInteger, nullable=False, default=0),
    # False: issued only by the platform itself (a lucky-bag prize), never claimed.
    Column("claimable", Boolean, nullable=False, default=True),
    Column("status", String(8), nullable=False),  # active | ended
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    CheckConstraint("total_quantity IS NULL OR claimed <= total_quantity", name="claims_within_quantity"),
    CheckConstraint("budget_cents IS NULL OR spent_cents <= budget_cents", name="spend_within_budget"),
    CheckConstraint("spent_cents >= 0 AND claimed >= 0", name="counters_nonnegative"),
    Index("ix_coupon_offers_shop_id", "shop_id"),
    Index("ix_coupon_offers_room_id", "room_id"),
)

coupons = Table(
    "user_coupons",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("offer_id", IdType, ForeignKey("coupon_offers.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(10), nullable=False),  # available | locked (on a pending order) | used
    Column("order_id", IdType, ForeignKey("orders.id"), nullable=True),
    Column("source", String(12), nullable=False),  # claim | lucky_bag
    Column("claimed_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime(), nullable=True),
    Index("ix_user_coupons_user_id_status", "user_id", "status"),
    Index("ix_user_coupons_order_id", "order_id"),
)

# Claims per (offer, user): the per-user limit is a conditional upsert on this row.
claimers = Table(
    "coupon_claimers",
    metadata,
    Column("offer_id", IdType, ForeignKey("coupon_offers.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("claimed", Integer, nullable=False),
)


def terms_of(offer: dict[str, Any]) -> Terms:
    return Terms(
        offer_id=offer["id"], title=offer["title"], funded_by=offer["funded_by"], kind=offer["kind"],
        amount_off_cents=offer["amount_off_cents"], percent_off=offer["percent_off"],
        max_off_cents=offer["max_off_cents"], threshold_cents=offer["threshold_cents"],
        stackable=offer["stackable"],
    )


async def insert_offer(conn: AsyncConnection, **values: Any) -> dict[str, Any]:
    row = (await conn.execute(insert(offers).values(**values).returning(*offers.c))).one()
    return dict(row._mapping)


async def offer_by_id(conn: AsyncConnection, offer_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(offers).where(offers.c.id == offer_id))).first()
    return dict(row._mapping) if row else None


async def offers_where(conn: AsyncConnection, *conditions: Any, limit: int = 100) -> list[dict[str, Any]]:
    rows = await conn.execute(select(offers).where(*conditions).order_by(offers.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


async def take_claims(conn: AsyncConnection, offer_id: int, count: int = 1) -> bool:
    """Count `count` more coupons of the offer as handed out, unless fewer than that are left."""
    result = await conn.execute(
        update(offers)
        .where(offers.c.id == offer_id,
               (offers.c.total_quantity.is_(None)) | (offers.c.claimed + count <= offers.c.total_quantity))
        .values(claimed=offers.c.claimed + count)
    )
    return result.rowcount == 1


async def count_user_claim(conn: AsyncConnection, offer_id: int, user_id: int, limit: int) -> bool:
    """One more claim of the offer for the user, if under their limit (an atomic upsert)."""
    stmt = conflict_insert(conn, claimers).values(offer_id=offer_id, user_id=user_id, claimed=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[claimers.c.offer_id, claimers.c.user_id],
        set_={"claimed": claimers.c.claimed + 1},
        where=claimers.c.claimed < limit,
    )
    return (await conn.execute(stmt)).rowcount == 1


async def insert_coupon(conn: AsyncConnection, **values: Any) -> int:
    return int((await conn.execute(insert(coupons).values(**values).returning(coupons.c.id))).scalar_one())


async def coupons_of_user(conn: AsyncConnection, user_id: int, *ids: int) -> list[dict[str, Any]]:
    """The user's coupons with their offers' terms (all of them, or those with the given ids)."""
    query = (select(coupons.c.id.label("coupon_id"), coupons.c.status.label("coupon_status"),
                    coupons.c.order_id, coupons.c.source, coupons.c.claimed_at, coupons.c.used_at, offers)
             .join(offers, offers.c.id == coupons.c.offer_id)
             .where(coupons.c.user_id == user_id))
    if ids:
        query = query.where(coupons.c.id.in_(ids))
    rows = await conn.execute(query.order_by(coupons.c.id.desc()).limit(200))
    return [dict(r._mapping) for r in rows]


async def coupons_of_order(conn: AsyncConnection, order_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(coupons).where(coupons.c.order_id == order_id))
    return [dict(r._mapping) for r in rows]


async def set_coupon_status(conn: AsyncConnection, coupon_id: int, *, from_status: str, to_status: str,
                            **values: Any) -> bool:
    result = await conn.execute(update(coupons).where(coupons.c.id == coupon_id, coupons.c.status == from_status)
                                .values(status=to_status, **values))
    return result.rowcount == 1


async def spend(conn: AsyncConnection, offer_id: int, cents: int) -> bool:
    """Pay `cents` out of the offer's budget, unless that would pass it."""
    result = await conn.execute(
        update(offers)
        .where(offers.c.id == offer_id,
               (offers.c.budget_cents.is_(None)) | (offers.c.spent_cents + cents <= offers.c.budget_cents))
        .values(spent_cents=offers.c.spent_cents + cents)
    )
    return result.rowcount == 1


async def return_claims(conn: AsyncConnection, offer_id: int, count: int) -> None:
    await conn.execute(update(offers).where(offers.c.id == offer_id).values(claimed=offers.c.claimed - count))


async def refund_spend(conn: AsyncConnection, offer_id: int, cents: int) -> None:
    await conn.execute(update(offers).where(offers.c.id == offer_id)
                       .values(spent_cents=offers.c.spent_cents - cents))


async def end_offer(conn: AsyncConnection, offer_id: int) -> bool:
    result = await conn.execute(update(offers).where(offers.c.id == offer_id, offers.c.status == "active")
                                .values(status="ended"))
    return result.rowcount == 1


def now_valid(offer: dict[str, Any], now: datetime) -> bool:
    return offer["status"] == "active" and offer["valid_from"] <= now < offer["valid_until"]
