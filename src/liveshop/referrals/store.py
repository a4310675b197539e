"""Share links, the visits they bring, and which signed-in viewer came through which link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Table, and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata
from liveshop.engagement.store import reservations
from liveshop.orders.store import orders

links = Table(
    "share_links",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(16), nullable=False),  # where it was shared: wechat, weibo, copy, …
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_share_links_room_id_user_id", "room_id", "user_id", "channel", unique=True),
)

visits = Table(
    "share_visits",
    metadata,
    Column("code", String(16), ForeignKey("share_links.code", ondelete="CASCADE"), primary_key=True),
    # "u<id>" for a signed-in visitor, "a<random>" for a guest's browser (a cookie).
    Column("visitor", String(40), primary_key=True),
    Column("first_at", UTCDateTime(), nullable=False),
)

# First touch: the link that first brought a signed-in viewer to a room. Their reservation
# and orders in that room are attributed to it.
attributions = Table(
    "share_attributions",
    metadata,
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("code", String(16), ForeignKey("share_links.code", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_share_attributions_code", "code"),
)



async def link_of(conn: AsyncConnection, room_id: int, user_id: int, channel: str) -> dict[str, Any] | None:
    row = (await conn.execute(select(links).where(links.c.room_id == room_id, links.c.user_id == user_id,
                                                  links.c.channel == channel))).first()
    return dict(row._mapping) if row else None


async def link_by_code(conn: AsyncConnection, code: str) -> dict[str, Any] | None:
    row = (await conn.execute(select(links).where(links.c.code == code))).first()
    return dict(row._mapping) if row else None


async def insert_link(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(conflict_insert(conn, links).values(**values).on_conflict_do_nothing())


async def record_visit(conn: AsyncConnection, code: str, visitor: str, now: datetime) -> None:
    await conn.execute(conflict_insert(conn, visits).values(code=code, visitor=visitor, first_at=now).on_conflict_do_nothing())


async def attribute(conn: AsyncConnection, room_id: int, user_id: int, code: str, now: datetime) -> None:
    await conn.execute(conflict_insert(conn, attributions).values(room_id=room_id, user_id=user_id, code=code, at=now)
                       .on_conflict_do_nothing())


async def report(conn: AsyncConnection, room_id: int) -> list[dict[str, Any]]:
    """Per link of the room: visits, the reservations and orders of the viewers it brought."""
    visit_counts = (select(visits.c.code, func.count().label("visitors")).group_by(visits.c.code).subquery())
    attributed = (select(attributions.c.code, func.count().label("viewers")).where(attributions.c.room_id == room_id)
                  .group_by(attributions.c.code).subquery())
    reserved = (select(attributions.c.code, func.count().label("reservations"))
                .select_from(attributions.join(reservations, and_(reservations.c.room_id == attributions.c.room_id,
                                                                  reservations.c.user_id == attributions.c.user_id)))
                .where(attributions.c.room_id == room_id).group_by(attributions.c.code).subquery())
    paid = (select(attributions.c.code, func.count().label("orders"), func.sum(orders.c.total_cents).label("gmv"),
                   func.count(func.distinct(orders.c.buyer_id)).label("buyers"))
            .select_from(attributions.join(orders, and_(orders.c.room_id == attributions.c.room_id,
                                                        orders.c.buyer_id == attributions.c.user_id)))
            .where(attributions.c.room_id == room_id, orders.c.status == "paid", orders.c.total_cents > 0)
            .group_by(attributions.c.code).subquery())
    rows = await conn.execute(
        select(links.c.code, links.c.user_id, links.c.channel, func.coalesce(visit_counts.c.visitors, 0),
               func.coalesce(attributed.c.viewers, 0), func.coalesce(reserved.c.reservations, 0),
               func.coalesce(paid.c.orders, 0), func.coalesce(paid.c.buyers, 0), func.coalesce(paid.c.gmv, 0))
        .select_from(links.outerjoin(visit_counts, visit_counts.c.code == links.c.code)
                     .outerjoin(attributed, attributed.c.code == links.c.code)
                     .outerjoin(reserved, reserved.c.code == links.c.code)
                     .outerjoin(paid, paid.c.code == links.c.code))
        .where(links.c.room_id == room_id).order_by(links.c.created_at)
    )
    keys = ("code", "sharer_id", "channel", "visitors", "signed_in_visitors", "reservations", "orders", "buyers",
            "paid_gmv_cents")
    found = []
    for row in rows:
        entry = dict(zip(keys, row, strict=True))
        found.append(entry | {k: int(entry[k]) for k in keys[3:]})
    return found
