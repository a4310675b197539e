"""Who may read a shop's numbers, and live bases: an operator's wall of every room of the shops
it manages. A shop joins a base by its merchant's hand (the base then reads its numbers);
either side can end that."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.bases import store
from liveshop.bases.errors import BaseNotFound, NotBaseOperator
from liveshop.catalog import store as catalog_store
from liveshop.catalog.access import LIVE_CREW, MERCHANT_ONLY, access_shop, shop_role
from liveshop.catalog.errors import UserNotFound
from liveshop.core.auth import store as auth_store
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.rooms import store as rooms_store
from liveshop.rooms.errors import RoomNotFound
from liveshop.rooms.store import Room


async def can_read_numbers(conn: AsyncConnection, user: User, shop_id: int) -> bool:
    """The shop's crew, the platform's admins and the operators of a base the shop is on."""
    return await shop_role(conn, user, shop_id) in LIVE_CREW | {"admin"} or await store.operates_shop(
        conn, user.id, shop_id)


async def room_for_numbers(conn: AsyncConnection, user: User, room_id: int) -> Room:
    """The room, for whoever may read its numbers; 404 for everyone else."""
    room = await rooms_store.room_by_id(conn, room_id)
    if room is None or not await can_read_numbers(conn, user, room.shop_id):
        raise RoomNotFound()
    return room


async def create_base(db: Database, *, user: User, name: str, now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        return await store.insert_base(tx.conn, name, user.id, now)


async def _operated(conn: AsyncConnection, user: User, base_id: int) -> dict[str, Any]:
    base = await store.base_by_id(conn, base_id)
    if base is None or not (user.is_admin or await store.is_operator(conn, base_id, user.id)):
        raise BaseNotFound()
    return base


async def base_detail(db: Database, *, user: User, base_id: int) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        base = await _operated(tx.conn, user, base_id)
        shops = [await catalog_store.shop_by_id(tx.conn, s) for s in await store.shop_ids(tx.conn, base_id)]
        return base | {"shops": [{"id": s.id, "name": s.name} for s in shops if s is not None]}


async def my_bases(db: Database, *, user: User) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        return await store.bases_of_operator(tx.conn, user.id)


async def add_operator(db: Database, *, user: User, base_id: int, username: str, now: datetime) -> None:
    async with db.transaction() as tx:
        await _operated(tx.conn, user, base_id)
        other = await auth_store.user_by_username(tx.conn, username)
        if other is None:
            raise UserNotFound()
        await store.add_operator(tx.conn, base_id, other.id, now)


async def join_base(db: Database, *, user: User, base_id: int, shop_id: int, now: datetime) -> None:
    """The shop's merchant puts the shop on the base's wall."""
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        if await store.base_by_id(tx.conn, base_id) is None:
            raise BaseNotFound()
        await store.add_shop(tx.conn, base_id, shop_id, now)


async def leave_base(db: Database, *, user: User, base_id: int, shop_id: int) -> None:
    """The shop's merchant, or the base's operator, takes the shop off the wall."""
    async with db.transaction() as tx:
        if await store.base_by_id(tx.conn, base_id) is None:
            raise BaseNotFound()
        if not (user.is_admin or await store.is_operator(tx.conn, base_id, user.id)
                or await shop_role(tx.conn, user, shop_id) == "merchant"):
            raise NotBaseOperator()
        await store.remove_shop(tx.conn, base_id, shop_id)


async def wall_rooms(db: Database, *, user: User, base_id: int, now: datetime) -> tuple[dict[str, Any], list[tuple[Room, str]]]:
    """The base and its shops' rooms worth watching now, with each room's shop name."""
    async with db.transaction(write=False) as tx:
        base = await _operated(tx.conn, user, base_id)
        shop_ids = await store.shop_ids(tx.conn, base_id)
        rooms = await rooms_store.wall_rooms(tx.conn, shop_ids, now=now) if shop_ids else []
        names = {s: (await catalog_store.shop_by_id(tx.conn, s)) for s in {r.shop_id for r in rooms}}
        return base, [(r, names[r.shop_id].name if names[r.shop_id] else "") for r in rooms]
