"""The feed's tables: each room's traffic pool, the exposure ledger per shop and day, paid
boosts, splash placements and their per-viewer frequency counts, viewers' regions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    and_,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata

room_pools = Table(
    "feed_room_pools",
    metadata,
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True),
    Column("shop_id", IdType, nullable=False),
    Column("pool", Integer, nullable=False),
    Column("entered_at", UTCDateTime(), nullable=False),
    # The room's feed impressions when it entered this pool: the pool's quota counts from here.
    Column("impressions_at_entry", BigInteger, nullable=False),
    # Why the room is where it is (the last decision), a stable code the pages translate.
    Column("reason", String(32), nullable=False),
    Column("decided_at", UTCDateTime(), nullable=False),
    Index("ix_feed_room_pools_shop_id", "shop_id"),
)

exposure = Table(
    "feed_exposure",
    metadata,
    Column("shop_id", IdType, primary_key=True),
    Column("day", String(10), primary_key=True),  # UTC date, ISO
    # Position-weighted attention the shop's rooms received in feed lists, and the share of
    # each request's relevance they deserved (discovery/fairness.py).
    Column("received", Float(53), nullable=False, default=0.0),
    Column("deserved", Float(53), nullable=False, default=0.0),
    Column("impressions", BigInteger, nullable=False, default=0),
    Column("pool_impressions", BigInteger, nullable=False, default=0),  # guaranteed test slots
    Column("boost_impressions", BigInteger, nullable=False, default=0),  # paid, labelled sponsored
    Column("follow_impressions", BigInteger, nullable=False, default=0),  # to the shop's followers
    Index("ix_feed_exposure_day", "day"),
)

boosts = Table(
    "feed_boosts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("impressions", Integer, nullable=False),  # bought
    Column("budget_cents", BigInteger, nullable=False),
    Column("price_cents", Integer, nullable=False),  # per impression: budget // impressions
    Column("currency", String(3), nullable=False),
    Column("delivered", Integer, nullable=False, default=0),
    Column("spent_cents", BigInteger, nullable=False, default=0),
    Column("segment", String(16), nullable=False),
    Column("region", String(8), nullable=True),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("pacing", String(8), nullable=False),
    Column("status", String(12), nullable=False),  # active | cancelled
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_feed_boosts_status_ends_at", "status", "ends_at"),
    Index("ix_feed_boosts_room_id", "room_id"),
)

splashes = Table(
    "feed_splashes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("headline", String(60), nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("cap_per_viewer", Integer, nullable=False),  # showings per viewer per UTC day
    Column("shown", BigInteger, nullable=False, default=0),
    Column("status", String(12), nullable=False),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_feed_splashes_status_ends_at", "status", "ends_at"),
)

splash_views = Table(
    "feed_splash_views",
    metadata,
    Column("splash_id", IdType, ForeignKey("feed_splashes.id", ondelete="CASCADE"), primary_key=True),
    Column("viewer", String(40), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("shown", Integer, nullable=False),
)

profiles = Table(
    "feed_profiles",
    metadata,
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("region", String(8), nullable=True),  # ISO 3166: "CN" or "CN-ZJ"
    Column("updated_at", UTCDateTime(), nullable=False),
)


# Traffic pools ------------------------------------------------------------------------------

async def pools_of(conn: AsyncConnection, room_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    ids = list(room_ids)
    if not ids:
        return {}
    rows = await conn.execute(select(room_pools).where(room_pools.c.room_id.in_(ids)))
    return {r.room_id: dict(r._mapping) for r in rows}


async def enter_pool(conn: AsyncConnection, *, room_id: int, shop_id: int, pool: int, impressions: int,
                     reason: str, now: datetime) -> None:
    values = dict(shop_id=shop_id, pool=pool, entered_at=now, impressions_at_entry=impressions, reason=reason,
                  decided_at=now)
    stmt = conflict_insert(conn, room_pools).values(room_id=room_id, **values)
    await conn.execute(stmt.on_conflict_do_update(index_elements=[room_pools.c.room_id], set_=values))


async def note_decision(conn: AsyncConnection, *, room_id: int, reason: str, now: datetime) -> None:
    await conn.execute(update(room_pools).where(room_pools.c.room_id == room_id)
                       .values(reason=reason, decided_at=now))


# Exposure ledger ----------------------------------------------------------------------------

LEDGER_COUNTS = ("received", "deserved", "impressions", "pool_impressions", "boost_impressions",
                 "follow_impressions")


async def add_exposure(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Add to each (shop, day)'s sums — additive, so many nodes can write their own deltas."""
    if not rows:
        return
    stmt = conflict_insert(conn, exposure)
    await conn.execute(stmt.on_conflict_do_update(
        index_elements=[exposure.c.shop_id, exposure.c.day],
        set_={k: getattr(exposure.c, k) + stmt.excluded[k] for k in LEDGER_COUNTS}), rows)


async def exposure_totals(conn: AsyncConnection, *, since_day: str,
                          shop_id: int | None = None) -> dict[int, dict[str, float]]:
    query = (select(exposure.c.shop_id, *[func.sum(getattr(exposure.c, k)).label(k) for k in LEDGER_COUNTS])
             .where(exposure.c.day >= since_day).group_by(exposure.c.shop_id))
    if shop_id is not None:
        query = query.where(exposure.c.shop_id == shop_id)
    return {r.shop_id: {k: float(getattr(r, k) or 0) for k in LEDGER_COUNTS} for r in await conn.execute(query)}


async def exposure_days(conn: AsyncConnection, *, shop_id: int, since_day: str) -> list[dict[str, Any]]:
    rows = await conn.execute(select(exposure).where(and_(exposure.c.shop_id == shop_id, exposure.c.day >= since_day))
                              .order_by(exposure.c.day))
    return [dict(r._mapping) for r in rows]


# Boosts ---------------------------------------------------------------------------------------

async def insert_boost(conn: AsyncConnection, **values: Any) -> dict[str, Any]:
    row = (await conn.execute(insert(boosts).values(**values).returning(*boosts.c))).one()
    return dict(row._mapping)


async def boost_by_id(conn: AsyncConnection, boost_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(boosts).where(boosts.c.id == boost_id))).first()
    return dict(row._mapping) if row else None


async def boosts_of_shop(conn: AsyncConnection, shop_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    rows = await conn.execute(select(boosts).where(boosts.c.shop_id == shop_id).order_by(boosts.c.id.desc())
                              .limit(limit))
    return [dict(r._mapping) for r in rows]


async def running_boosts(conn: AsyncConnection, now: datetime) -> list[dict[str, Any]]:
    rows = await conn.execute(select(boosts).where(and_(
        boosts.c.status == "active", boosts.c.starts_at <= now, boosts.c.ends_at > now,
        boosts.c.delivered < boosts.c.impressions)).order_by(boosts.c.id))
    return [dict(r._mapping) for r in rows]


async def charge_impression(conn: AsyncConnection, boost_id: int, *, allowed: int) -> bool:
    """Deliver and bill one impression — only if it stays within the impressions bought, the
    budget and the pacing allowance. One conditional update: concurrent feeds cannot overspend."""
    result = await conn.execute(update(boosts).where(and_(
        boosts.c.id == boost_id, boosts.c.status == "active",
        boosts.c.delivered < boosts.c.impressions, boosts.c.delivered < allowed,
        boosts.c.spent_cents + boosts.c.price_cents <= boosts.c.budget_cents,
    )).values(delivered=boosts.c.delivered + 1, spent_cents=boosts.c.spent_cents + boosts.c.price_cents))
    return result.rowcount == 1


async def cancel_boost(conn: AsyncConnection, boost_id: int) -> None:
    await conn.execute(update(boosts).where(boosts.c.id == boost_id).values(status="cancelled"))


# Splash placements ------------------------------------------------------------------------

async def insert_splash(conn: AsyncConnection, **values: Any) -> dict[str, Any]:
    row = (await conn.execute(insert(splashes).values(**values).returning(*splashes.c))).one()
    return dict(row._mapping)


async def splash_by_id(conn: AsyncConnection, splash_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(splashes).where(splashes.c.id == splash_id))).first()
    return dict(row._mapping) if row else None


async def splashes_of_shop(conn: AsyncConnection, shop_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    rows = await conn.execute(select(splashes).where(splashes.c.shop_id == shop_id)
                              .order_by(splashes.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


async def running_splashes(conn: AsyncConnection, now: datetime) -> list[dict[str, Any]]:
    rows = await conn.execute(select(splashes).where(and_(
        splashes.c.status == "active", splashes.c.starts_at <= now, splashes.c.ends_at > now))
        .order_by(splashes.c.starts_at, splashes.c.id))
    return [dict(r._mapping) for r in rows]


async def count_splash_view(conn: AsyncConnection, *, splash_id: int, viewer: str, day: str, cap: int) -> bool:
    """Count one showing to `viewer` today if it stays within the cap (a conditional upsert:
    two tabs opening at once cannot both pass the cap)."""
    stmt = conflict_insert(conn, splash_views).values(splash_id=splash_id, viewer=viewer, day=day, shown=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[splash_views.c.splash_id, splash_views.c.viewer, splash_views.c.day],
        set_={"shown": splash_views.c.shown + 1}, where=splash_views.c.shown < cap)
    if (await conn.execute(stmt)).rowcount != 1:
        return False
    await conn.execute(update(splashes).where(splashes.c.id == splash_id).values(shown=splashes.c.shown + 1))
    return True


async def cancel_splash(conn: AsyncConnection, splash_id: int) -> None:
    await conn.execute(update(splashes).where(splashes.c.id == splash_id).values(status="cancelled"))


# Viewers' regions --------------------------------------------------------------------------

async def region_of(conn: AsyncConnection, user_id: int) -> str | None:
    return (await conn.execute(select(profiles.c.region).where(profiles.c.user_id == user_id))).scalar()


async def set_region(conn: AsyncConnection, user_id: int, region: str | None, now: datetime) -> None:
    stmt = conflict_insert(conn, profiles).values(user_id=user_id, region=region, updated_at=now)
    await conn.execute(stmt.on_conflict_do_update(index_elements=[profiles.c.user_id],
                                                  set_={"region": region, "updated_at": now}))
