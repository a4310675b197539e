"""Lucky bags, their entries, and who won what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
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

bags = Table(
    "lucky_bags",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(60), nullable=False),
    Column("prize_kind", String(8), nullable=False),  # product | coupon
    # A product prize has its own stock: a listing (status 'prize') never sold, only awarded.
    Column("prize_listing_id", IdType, ForeignKey("listings.id"), nullable=True),
    Column("prize_offer_id", IdType, ForeignKey("coupon_offers.id"), nullable=True),
    Column("prize_title", String(120), nullable=False),
    Column("prize_count", Integer, nullable=False),
    Column("need_follow", Boolean, nullable=False),
    Column("keyword", String(30), nullable=True),
    Column("watch_seconds", Integer, nullable=False),
    Column("status", String(10), nullable=False),  # open | drawn
    # Secret until the draw; the commitment (its sha256) is public from the start.
    Column("seed_hex", String(64), nullable=False),
    Column("commitment", String(64), nullable=False),
    Column("entrants", Integer, nullable=False, default=0),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("draws_at", UTCDateTime(), nullable=False),
    Column("drawn_at", UTCDateTime(), nullable=True),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Index("ix_lucky_bags_room_id", "room_id"),
    Index("ix_lucky_bags_status_draws_at", "status", "draws_at"),
)

entries = Table(
    "lucky_bag_entries",
    metadata,
    Column("bag_id", IdType, ForeignKey("lucky_bags.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("entered_at", UTCDateTime(), nullable=False),
    # 1, 2, … in the order the draw picked them; NULL for those who did not win.
    Column("win_rank", Integer, nullable=True),
    Column("order_id", IdType, ForeignKey("orders.id"), nullable=True),
    Column("coupon_id", IdType, ForeignKey("user_coupons.id"), nullable=True),
)


async def insert_bag(conn: AsyncConnection, **values: Any) -> dict[str, Any]:
    return dict((await conn.execute(insert(bags).values(**values).returning(*bags.c))).one()._mapping)


async def bag_by_id(conn: AsyncConnection, bag_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(bags).where(bags.c.id == bag_id))).first()
    return dict(row._mapping) if row else None


async def bags_of_room(conn: AsyncConnection, room_id: int, *, limit: int = 20) -> list[dict[str, Any]]:
    rows = await conn.execute(select(bags).where(bags.c.room_id == room_id).order_by(bags.c.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


async def due_bags(conn: AsyncConnection, now: datetime) -> list[int]:
    rows = await conn.execute(select(bags.c.id).where(bags.c.status == "open", bags.c.draws_at <= now))
    return [r for (r,) in rows]


async def add_entry(conn: AsyncConnection, bag_id: int, user_id: int, now: datetime) -> bool:
    """True if the user entered now (False: they already had); the count moves with it."""
    added = await conn.execute(conflict_insert(conn, entries).values(bag_id=bag_id, user_id=user_id, entered_at=now).on_conflict_do_nothing())
    if added.rowcount != 1:
        return False
    await conn.execute(update(bags).where(bags.c.id == bag_id).values(entrants=bags.c.entrants + 1))
    return True


async def entry_of(conn: AsyncConnection, bag_id: int, user_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(entries).where(entries.c.bag_id == bag_id, entries.c.user_id == user_id))).first()
    return dict(row._mapping) if row else None


async def entrant_ids(conn: AsyncConnection, bag_id: int) -> list[int]:
    rows = await conn.execute(select(entries.c.user_id).where(entries.c.bag_id == bag_id).order_by(entries.c.user_id))
    return [r for (r,) in rows]


async def winner_ids(conn: AsyncConnection, bag_id: int) -> list[int]:
    """The users awarded a prize, in the order the draw picked them."""
    rows = await conn.execute(select(entries.c.user_id).where(entries.c.bag_id == bag_id,
                                                              entries.c.win_rank.is_not(None))
                              .order_by(entries.c.win_rank))
    return [r for (r,) in rows]


async def mark_drawn(conn: AsyncConnection, bag_id: int, now: datetime) -> bool:
    """open → drawn, once: of racing drawers (the timer on every node, the host) one wins."""
    result = await conn.execute(update(bags).where(bags.c.id == bag_id, bags.c.status == "open")
                                .values(status="drawn", drawn_at=now))
    return result.rowcount == 1


async def mark_won(conn: AsyncConnection, bag_id: int, user_id: int, rank: int, **prize: Any) -> None:
    await conn.execute(update(entries).where(entries.c.bag_id == bag_id, entries.c.user_id == user_id)
                       .values(win_rank=rank, **prize))
