"""Room lifecycle: scheduled → live → ended; stream keys; pinning."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.catalog.access import LIVE_CREW, MERCHANT_ONLY, access_shop, access_shop_as
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.core.ids import new_secret, same_secret
from liveshop.inventory.errors import ListingNotFound
from liveshop.realtime.events import current_seq, record_critical
from liveshop.rooms import store
from liveshop.rooms.errors import BadRoomTransition, RoomNotFound
from liveshop.rooms.store import Room

STREAM_KEY_PREFIX = "sk_"
# The listing view (a dict) for a listing of this room, or None; given by the inventory
# capability so rooms never read its tables.
ListingLookup = Callable[[AsyncConnection, int, int], Awaitable[dict[str, Any] | None]]

_TRANSITIONS = {"start": ("scheduled", "live"), "end": ("live", "ended")}


async def access_room(
    conn: AsyncConnection, user: User, room_id: int, allowed: frozenset[str], *, for_update: bool = False
) -> Room:
    """The room, if the caller has one of `allowed` roles in its shop; 404 otherwise."""
    room = await store.room_by_id(conn, room_id, for_update=for_update)
    if room is None:
        raise RoomNotFound()
    await access_shop_as(conn, user, room.shop_id, allowed, RoomNotFound)
    return room


async def get_public_room(conn: AsyncConnection, room_id: int) -> Room:
    room = await store.room_by_id(conn, room_id)
    if room is None:
        raise RoomNotFound()
    return room


async def create_room(
    db: Database,
    *,
    user: User,
    shop_id: int,
    title: str,
    description: str,
    scheduled_at: datetime,
    now: datetime,
) -> Room:
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        return await store.insert_room(
            tx.conn,
            shop_id=shop_id,
            title=title,
            description=description,
            status="scheduled",
            scheduled_at=scheduled_at,
            stream_key=new_secret(STREAM_KEY_PREFIX, 24),
            created_by=user.id,
            created_at=now,
        )


async def change_status(db: Database, *, user: User, room_id: int, action: str, now: datetime) -> Room:
    expected, status = _TRANSITIONS[action]
    async with db.transaction() as tx:
        room = await access_room(tx.conn, user, room_id, LIVE_CREW)
        stamp = {"started_at": now} if action == "start" else {"ended_at": now}
        changed = await store.set_status_if(tx.conn, room_id, expected=expected, status=status, **stamp)
        if changed is None:
            raise BadRoomTransition(
                f"Cannot {action} a room that is {room.status}",
                current_status=room.status,
                action=action,
            )
        await record_critical(tx, room_id, "room_status", {"status": status}, now=now)
        return changed


async def pin_listing(
    db: Database,
    *,
    user: User,
    room_id: int,
    listing_id: int | None,
    find_listing: ListingLookup,
    now: datetime,
) -> tuple[Room, dict[str, Any] | None]:
    async with db.transaction() as tx:
        room = await access_room(tx.conn, user, room_id, LIVE_CREW, for_update=True)
        if room.status == "ended":
            raise BadRoomTransition("Cannot pin in a show that has ended", current_status=room.status)
        listing = None
        if listing_id is not None:
            listing = await find_listing(tx.conn, room_id, listing_id)
            if listing is None:
                raise ListingNotFound("No such listing in this room")
        room = await store.update_room(tx.conn, room_id, pinned_listing_id=listing_id)
        await record_critical(tx, room_id, "pinned", {"listing": listing}, now=now)
        return room, listing


async def rotate_stream_key(db: Database, *, user: User, room_id: int) -> str:
    async with db.transaction() as tx:
        await access_room(tx.conn, user, room_id, frozenset({"merchant", "host"}))
        key = new_secret(STREAM_KEY_PREFIX, 24)
        await store.update_room(tx.conn, room_id, stream_key=key)
        return key


async def stream_key(db: Database, *, user: User, room_id: int) -> str:
    async with db.transaction(write=False) as tx:
        room = await access_room(tx.conn, user, room_id, frozenset({"merchant", "host"}))
        return room.stream_key


async def stream_key_matches(db: Database, *, room_id: int, key: str) -> bool:
    """For the ingest hook: constant-time comparison, never logs the key."""
    async with db.transaction(write=False) as tx:
        room = await store.room_by_id(tx.conn, room_id)
    return room is not None and same_secret(room.stream_key, key)


async def list_rooms(db: Database, *, status: str | None, shop_id: int | None, limit: int) -> list[Room]:
    async with db.transaction(write=False) as tx:
        return await store.list_rooms(tx.conn, status=status, shop_id=shop_id, limit=limit)


async def room_detail(
    db: Database, *, room_id: int, find_listing: ListingLookup
) -> tuple[Room, dict[str, Any] | None, int]:
    """The room, its pinned listing and the sequence number this snapshot corresponds to."""
    async with db.transaction(write=False) as tx:
        room = await get_public_room(tx.conn, room_id)
        seq = await current_seq(tx, room_id)
        pinned = None
        if room.pinned_listing_id is not None:
            pinned = await find_listing(tx.conn, room_id, room.pinned_listing_id)
        return room, pinned, seq


async def public_room(db: Database, *, room_id: int) -> Room:
    async with db.transaction(write=False) as tx:
        return await get_public_room(tx.conn, room_id)
