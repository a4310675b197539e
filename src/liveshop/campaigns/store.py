"""Guess-the-product campaigns (猜新品): the teaser, its hints, who looked and who guessed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata
from liveshop.engagement.store import reservations
from liveshop.orders.store import orders

campaigns = Table(
    "guess_campaigns",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),  # the launch show
    Column("title", String(80), nullable=False),
    Column("teaser", String(500), nullable=False),
    Column("answer", String(80), nullable=False),  # secret until revealed
    Column("accepted", JSON, nullable=False),  # normalised answers that count as right
    Column("status", String(8), nullable=False),  # teasing | revealed
    Column("reveal_at", UTCDateTime(), nullable=True),
    Column("revealed_at", UTCDateTime(), nullable=True),
    Column("created_by", IdType, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_guess_campaigns_status_reveal_at", "status", "reveal_at"),
)

hints = Table(
    "campaign_hints",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("campaign_id", IdType, ForeignKey("guess_campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", String(200), nullable=False),
    Column("shown_at", UTCDateTime(), nullable=False),  # visible from then on
    Index("ix_campaign_hints_campaign_id", "campaign_id"),
)

views = Table(
    "campaign_views",
    metadata,
    Column("campaign_id", IdType, ForeignKey("guess_campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("visitor", String(40), primary_key=True),  # "u<id>" or "a<guest cookie>"
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("first_at", UTCDateTime(), nullable=False),
)

guesses = Table(
    "campaign_guesses",
    metadata,
    Column("campaign_id", IdType, ForeignKey("guess_campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("guess", String(80), nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)



async def insert_campaign(conn: AsyncConnection, items: list[dict[str, Any]], **values: Any) -> int:
    campaign_id = int((await conn.execute(insert(campaigns).values(**values).returning(campaigns.c.id))).scalar_one())
    if items:
        await conn.execute(insert(hints), [{"campaign_id": campaign_id, "position": i, **item}
                                           for i, item in enumerate(items)])
    return campaign_id


async def campaign_by_id(conn: AsyncConnection, campaign_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(campaigns).where(campaigns.c.id == campaign_id))).first()
    return dict(row._mapping) if row else None


async def hints_of(conn: AsyncConnection, campaign_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(hints).where(hints.c.campaign_id == campaign_id).order_by(hints.c.position))
    return [dict(r._mapping) for r in rows]


async def record_view(conn: AsyncConnection, campaign_id: int, visitor: str, user_id: int | None,
                      now: datetime) -> None:
    await conn.execute(conflict_insert(conn, views).values(campaign_id=campaign_id, visitor=visitor, user_id=user_id,
                                                   first_at=now).on_conflict_do_nothing())


async def add_guess(conn: AsyncConnection, campaign_id: int, user_id: int, guess: str, correct: bool,
                    now: datetime) -> bool:
    result = await conn.execute(conflict_insert(conn, guesses).values(
        campaign_id=campaign_id, user_id=user_id, guess=guess, correct=correct, created_at=now).on_conflict_do_nothing())
    return result.rowcount == 1


async def guess_of(conn: AsyncConnection, campaign_id: int, user_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(guesses).where(guesses.c.campaign_id == campaign_id,
                                                    guesses.c.user_id == user_id))).first()
    return dict(row._mapping) if row else None


async def reveal(conn: AsyncConnection, campaign_id: int, now: datetime) -> bool:
    result = await conn.execute(update(campaigns).where(campaigns.c.id == campaign_id, campaigns.c.status == "teasing")
                                .values(status="revealed", revealed_at=now))
    return result.rowcount == 1


async def due_reveals(conn: AsyncConnection, now: datetime) -> list[int]:
    rows = await conn.execute(select(campaigns.c.id).where(campaigns.c.status == "teasing",
                                                           campaigns.c.reveal_at <= now))
    return [r for (r,) in rows]


async def _count(conn: AsyncConnection, query: Any) -> int:
    return int((await conn.execute(query)).scalar_one())


async def counts(conn: AsyncConnection, campaign_id: int) -> dict[str, int]:
    return {
        "views": await _count(conn, select(func.count()).select_from(views).where(views.c.campaign_id == campaign_id)),
        "guesses": await _count(conn, select(func.count()).select_from(guesses).where(
            guesses.c.campaign_id == campaign_id)),
        "correct": await _count(conn, select(func.count()).select_from(guesses).where(
            guesses.c.campaign_id == campaign_id, guesses.c.correct.is_(True))),
    }


async def funnel(conn: AsyncConnection, campaign_id: int, room_id: int) -> dict[str, int]:
    """Views → guesses → reservations of the launch show → buyers in it, each step counting the
    campaign's signed-in viewers only (a guest can be counted as a view, not followed further)."""
    viewers = select(views.c.user_id).where(views.c.campaign_id == campaign_id, views.c.user_id.is_not(None))
    base = await counts(conn, campaign_id)
    return {
        "views": base["views"],
        "signed_in_viewers": await _count(conn, select(func.count()).select_from(views).where(
            views.c.campaign_id == campaign_id, views.c.user_id.is_not(None))),
        "guesses": base["guesses"],
        "correct_guesses": base["correct"],
        "reservations": await _count(conn, select(func.count()).select_from(reservations).where(
            reservations.c.room_id == room_id, reservations.c.user_id.in_(viewers))),
        "buyers": await _count(conn, select(func.count(func.distinct(orders.c.buyer_id))).where(
            orders.c.room_id == room_id, orders.c.status == "paid", orders.c.total_cents > 0,
            orders.c.buyer_id.in_(viewers))),
    }
