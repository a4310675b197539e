"""A room's numbers for the people who may read them: the big screen, the base wall, the report."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from liveshop.analytics import diagnostics, store
from liveshop.analytics import events as ev
from liveshop.analytics.live import LiveFigures
from liveshop.bases.service import can_read_numbers, room_for_numbers
from liveshop.catalog.errors import ShopNotFound
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.inventory import store as inventory_store
from liveshop.orders import store as orders_store
from liveshop.rooms import store as rooms_store
from liveshop.rooms.errors import RoomNotFound
from liveshop.rooms.store import Room
from liveshop.trust.risk import Suspects

RECENT_ORDERS = 12
# What a page may report of a viewer's look at the room's products (the rest comes from the server).
CARD_KINDS = frozenset({ev.EXPOSURE, ev.CLICK})


def until_of(room: Room, now: datetime) -> float:
    """The moment a room's numbers are read at: now while it runs, its end once it ended."""
    return (room.ended_at if room.status == "ended" and room.ended_at else now).timestamp()


def room_view(room: Room, shop_name: str = "") -> dict[str, Any]:
    return {"id": room.id, "shop_id": room.shop_id, "shop_name": shop_name, "title": room.title,
            "status": room.status, "scheduled_at": room.scheduled_at.isoformat(),
            "started_at": room.started_at.isoformat() if room.started_at else None,
            "ended_at": room.ended_at.isoformat() if room.ended_at else None}


def order_line(order: orders_store.Order) -> dict[str, Any]:
    # No buyer: the screen is on a wall for everyone in the studio to see.
    return {"id": order.id, "title": order.title, "quantity": order.quantity, "total_cents": order.total_cents,
            "currency": order.currency, "status": order.status, "at": order.created_at.isoformat()}


async def room_numbers(db: Database, live: LiveFigures, *, user: User, room_id: int, now: datetime,
                       suspects: Suspects | None = None) -> dict[str, Any]:
    """What the big screen shows: the room, its figures now (the fold every node keeps of the
    event log) and the latest orders; with `suspects`, the real viewers and buyers beside the raw
    ones (accounts trust & safety flagged left out)."""
    async with db.transaction(write=False) as tx:
        room = await room_for_numbers(tx.conn, user, room_id)
        recent = await orders_store.orders_of_room(tx.conn, room_id, RECENT_ORDERS)
        titles = {li.id: li.title for li in await inventory_store.listings_of_room(tx.conn, room_id)}
    folded = await live.folded(room_id)
    figures = folded.figures(room_id, now=until_of(room, now))
    mine = folded.rooms.get(room_id)
    real = ({"unique_viewers": suspects.real(mine.viewers) if mine else 0,
             "paying_buyers": suspects.real(mine.buyers) if mine else 0} if suspects is not None else None)
    for product in figures["top_products"]:
        product["title"] = titles.get(product["listing_id"], "")
    return {"room": room_view(room), "figures": figures, "real": real, "recent_orders": [order_line(o) for o in recent]}


async def record_card_views(db: Database, *, room_id: int, viewer: str, cards: list[tuple[str, int]],
                            now: datetime) -> int:
    """Product cards a viewer's page showed (exposure) or opened (click), while the show is live.
    Cards of other rooms are ignored. Returns how many were recorded."""
    async with db.transaction(write=False) as tx:
        room = await rooms_store.room_by_id(tx.conn, room_id)
        if room is None:
            raise RoomNotFound()
        if room.status != "live":
            return 0
        mine = {li.id for li in await inventory_store.listings_of_room(tx.conn, room_id)}
    at = now.timestamp()
    recorded = 0
    for kind, listing_id in cards:
        if kind in CARD_KINDS and listing_id in mine:
            ev.emit_now(db, ev.Event(at, kind, room_id, room.shop_id, viewer, listing=listing_id))
            recorded += 1
    return recorded


async def shop_diagnosis(db: Database, live: LiveFigures, *, user: User, shop_id: int,
                         messages: dict[str, str]) -> dict[str, Any]:
    """The shop against comparable shops over the live fold's window (analytics/diagnostics.py)."""
    async with db.transaction(write=False) as tx:
        if not await can_read_numbers(tx.conn, user, shop_id):
            raise ShopNotFound()
    await live.catch_up()
    return diagnostics.diagnose(diagnostics.shop_numbers(live.aggregator), shop_id, messages) | {
        "window_days": live.window_days}



async def actions(db: Database, *, since: datetime, kinds: Iterable[str],
                  limit: int = 5_000_000) -> list[tuple[str, int, str, float]]:
    async with db.transaction(write=False) as tx:
        return await store.actions(tx.conn, since=since.timestamp(), kinds=kinds, limit=limit)
