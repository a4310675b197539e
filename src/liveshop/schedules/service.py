"""Weekly show series (每周固定直播): a shop's recurring slot. The series always has one
upcoming show; once it goes live, a sweep on any node schedules the next one a week on and
reserves it for everyone subscribed to the series, so their reminder comes again each week.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from liveshop.catalog.access import MERCHANT_ONLY, access_shop
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.core.errors import InvalidInput, NotFound
from liveshop.core.ids import new_secret
from liveshop.engagement import store as engagement_store
from liveshop.rooms import store as rooms_store
from liveshop.rooms.service import STREAM_KEY_PREFIX
from liveshop.schedules import store


class SeriesNotFound(NotFound):
    code = "series_not_found"
    title = "Show series not found"


class BadSchedule(InvalidInput):
    code = "invalid_schedule"
    title = "This weekly slot cannot be scheduled"


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadSchedule(f"Unknown time zone {name!r}") from exc


def next_slot(after: datetime, *, weekday: int, time_of_day: str, tz: ZoneInfo) -> datetime:
    """The first weekly slot strictly after `after`, in UTC (wall-clock time in `tz`, so a
    20:00 show stays at 20:00 across daylight-saving changes)."""
    hour, minute = (int(x) for x in time_of_day.split(":"))
    local = after.astimezone(tz)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    while True:
        slot = datetime.combine(day, time(hour, minute), tzinfo=tz)
        if slot > after:
            return slot.astimezone(after.tzinfo)
        day += timedelta(days=7)


def series_view(s: dict[str, Any], *, subscribers: int, subscribed: bool | None = None) -> dict[str, Any]:
    return {k: s[k] for k in ("id", "shop_id", "title", "description", "weekday", "time_of_day", "timezone",
                              "status", "current_room_id")} | {"subscribers": subscribers, "subscribed": subscribed}


async def create_series(db: Database, *, user: User, shop_id: int, title: str, description: str, weekday: int,
                        time_of_day: str, timezone: str, now: datetime) -> dict[str, Any]:
    tz = zone(timezone)
    first = next_slot(now, weekday=weekday, time_of_day=time_of_day, tz=tz)
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        room = await rooms_store.insert_room(
            tx.conn, shop_id=shop_id, title=title, description=description, status="scheduled", scheduled_at=first,
            stream_key=new_secret(STREAM_KEY_PREFIX, 24), created_by=user.id, created_at=now)
        created = await store.insert_series(
            tx.conn, shop_id=shop_id, title=title, description=description, weekday=weekday, time_of_day=time_of_day,
            timezone=timezone, status="active", current_room_id=room.id, created_by=user.id, created_at=now)
        return series_view(created, subscribers=0)


async def get_series(db: Database, *, series_id: int, user: User | None) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        found = await store.series_by_id(tx.conn, series_id)
        if found is None:
            raise SeriesNotFound()
        mine = await store.is_subscribed(tx.conn, series_id, user.id) if user else None
        return series_view(found, subscribers=await store.subscriber_count(tx.conn, series_id), subscribed=mine)


async def shop_series(db: Database, *, shop_id: int) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        return [series_view(s, subscribers=await store.subscriber_count(tx.conn, s["id"]))
                for s in await store.series_of_shop(tx.conn, shop_id)]


async def subscribe(db: Database, *, user: User, series_id: int, now: datetime) -> dict[str, Any]:
    """Reserve every show of the series: the upcoming one now, the next ones as they are scheduled."""
    async with db.transaction() as tx:
        found = await store.series_by_id(tx.conn, series_id)
        if found is None:
            raise SeriesNotFound()
        await store.subscribe(tx.conn, series_id, user.id, now)
        room = await rooms_store.room_by_id(tx.conn, found["current_room_id"])
        if room is not None and room.status == "scheduled":
            await engagement_store.add_reservation(tx.conn, room.id, user.id, now)
    return await get_series(db, series_id=series_id, user=user)


async def roll_series(db: Database, *, now: datetime) -> int:
    """Schedule the next show of each active series whose upcoming show has started (or ended),
    carrying its subscribers' reservations. Each series moves on once, however many nodes sweep."""
    async with db.transaction(write=False) as tx:
        ids = await store.active_series_ids(tx.conn)
    rolled = 0
    for series_id in ids:
        try:
            rolled += await _roll(db, series_id, now)
        except _MovedOn:
            pass  # another node scheduled it first; this one's room rolled back with the transaction
    return rolled


class _MovedOn(Exception):
    pass


async def _roll(db: Database, series_id: int, now: datetime) -> int:
    async with db.transaction() as tx:
        # Locked (PostgreSQL), so concurrent sweepers queue here instead of racing.
        found = await store.series_by_id(tx.conn, series_id, for_update=True)
        assert found is not None
        current = await rooms_store.room_by_id(tx.conn, found["current_room_id"])
        if current is None or current.status == "scheduled":
            return 0
        when = next_slot(max(now, current.scheduled_at), weekday=found["weekday"],
                         time_of_day=found["time_of_day"], tz=zone(found["timezone"]))
        room = await rooms_store.insert_room(
            tx.conn, shop_id=found["shop_id"], title=found["title"], description=found["description"],
            status="scheduled", scheduled_at=when, stream_key=new_secret(STREAM_KEY_PREFIX, 24),
            created_by=found["created_by"], created_at=now)
        if not await store.advance(tx.conn, series_id, from_room=current.id, to_room=room.id):
            raise _MovedOn()
        await store.carry_reservations(tx.conn, series_id, room.id, now)
        return 1


async def series_of_room(db: Database, *, room_id: int, user: User | None) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        found = await store.series_of_room(tx.conn, room_id)
    if found is None:
        raise SeriesNotFound()
    return await get_series(db, series_id=found["id"], user=user)
