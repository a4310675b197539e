"""Polls in a room and feature votes on their own page: one vote per user, live results.

A poll opening and closing are critical room events (numbered, never dropped); the running
tally travels as a best-effort `poll_results` event that the hub coalesces to the latest per
poll per tick, like stock levels.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from liveshop.catalog.access import LIVE_CREW, access_shop
from liveshop.core.auth.store import User
from liveshop.core.db import Database, Tx
from liveshop.polls import store
from liveshop.polls.errors import AlreadyVoted, NoSuchOption, PollClosed, PollNotFound
from liveshop.realtime.events import publish_best_effort, record_critical
from liveshop.rooms.errors import RoomNotFound
from liveshop.rooms.service import access_room, get_public_room


def poll_view(poll: dict[str, Any], *, mine: int | None = None) -> dict[str, Any]:
    total = sum(o["votes"] for o in poll["options"])
    return {
        "id": poll["id"], "shop_id": poll["shop_id"], "room_id": poll["room_id"], "question": poll["question"],
        "status": poll["status"], "closes_at": poll["closes_at"], "total_votes": total,
        "options": [{"id": o["id"], "label": o["label"], "votes": o["votes"]} for o in poll["options"]],
        "my_vote": mine,
    }


def _event_view(poll: dict[str, Any]) -> dict[str, Any]:
    view = poll_view(poll)
    view.pop("my_vote")
    if view["closes_at"] is not None:
        view["closes_at"] = view["closes_at"].isoformat()
    return view


async def create_poll(db: Database, *, user: User, shop_id: int, question: str, labels: list[str],
                      room_id: int | None, closes_in_seconds: int | None, now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, LIVE_CREW)
        if room_id is not None:
            room = await access_room(tx.conn, user, room_id, LIVE_CREW)
            if room.shop_id != shop_id:
                raise RoomNotFound()
        closes_at = now + timedelta(seconds=closes_in_seconds) if closes_in_seconds else None
        poll_id = await store.insert_poll(tx.conn, labels, shop_id=shop_id, room_id=room_id, question=question,
                                          status="open", closes_at=closes_at, created_by=user.id, created_at=now)
        poll = await store.poll_by_id(tx.conn, poll_id)
        assert poll is not None
        if room_id is not None:
            await record_critical(tx, room_id, "poll_opened", {"poll": _event_view(poll)}, now=now)
        return poll_view(poll)


async def get_poll(db: Database, *, poll_id: int, user: User | None) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        poll = await store.poll_by_id(tx.conn, poll_id)
        if poll is None:
            raise PollNotFound()
        mine = await store.vote_of(tx.conn, poll_id, user.id) if user else None
        return poll_view(poll, mine=mine)


async def room_polls(db: Database, *, room_id: int, user: User | None) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        await get_public_room(tx.conn, room_id)  # 404 for a room that does not exist
        ids = await store.open_polls_of_room(tx.conn, room_id)
    return [await get_poll(db, poll_id=poll_id, user=user) for poll_id in ids]


async def _close(tx: Tx, poll: dict[str, Any], now: datetime) -> bool:
    if not await store.close(tx.conn, poll["id"], now):
        return False
    poll = await store.poll_by_id(tx.conn, poll["id"])
    assert poll is not None
    if poll["room_id"] is not None:
        await record_critical(tx, poll["room_id"], "poll_closed", {"poll": _event_view(poll)}, now=now)
    return True


async def vote(db: Database, *, user: User, poll_id: int, option_id: int, now: datetime) -> dict[str, Any]:
    closed_now = False
    async with db.transaction() as tx:
        poll = await store.poll_by_id(tx.conn, poll_id)
        if poll is None:
            raise PollNotFound()
        if poll["status"] == "open" and poll["closes_at"] is not None and poll["closes_at"] <= now:
            closed_now = await _close(tx, poll, now)  # its time is up: close it, then refuse
        elif poll["status"] != "open":
            raise PollClosed()
        if not closed_now:
            if option_id not in {o["id"] for o in poll["options"]}:
                raise NoSuchOption()
            if not await store.add_vote(tx.conn, poll_id, user.id, option_id, now):
                raise AlreadyVoted(option_id=await store.vote_of(tx.conn, poll_id, user.id))
            poll = await store.poll_by_id(tx.conn, poll_id)
            assert poll is not None
            if poll["room_id"] is not None:
                publish_best_effort(tx, poll["room_id"], "poll_results", {"poll": _event_view(poll)})
            return poll_view(poll, mine=option_id)
    raise PollClosed()


async def close_poll(db: Database, *, user: User, poll_id: int, now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        poll = await store.poll_by_id(tx.conn, poll_id)
        if poll is None:
            raise PollNotFound()
        await access_shop(tx.conn, user, poll["shop_id"], LIVE_CREW)
        if not await _close(tx, poll, now):
            raise PollClosed()
        closed = await store.poll_by_id(tx.conn, poll_id)
        assert closed is not None
        return poll_view(closed)


async def close_due_polls(db: Database, *, now: datetime) -> int:
    """Close polls whose time is up (each once, on any node: a conditional update)."""
    async with db.transaction(write=False) as tx:
        due = [r for (r,) in await tx.conn.execute(
            select(store.polls.c.id).where(store.polls.c.status == "open", store.polls.c.closes_at <= now))]
    closed = 0
    for poll_id in due:
        async with db.transaction() as tx:
            poll = await store.poll_by_id(tx.conn, poll_id)
            if poll is not None and await _close(tx, poll, now):
                closed += 1
    return closed
