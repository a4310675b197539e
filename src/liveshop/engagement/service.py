"""Chat, likes and reservations of a room."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any

from liveshop.catalog.access import shop_role
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.engagement import store
from liveshop.engagement.errors import CommentEmpty, ReservationClosed
from liveshop.realtime.events import publish_best_effort
from liveshop.rooms.errors import RoomEnded, RoomNotLive
from liveshop.rooms.service import get_public_room

MAX_COMMENT_CHARS = 200


def clean_text(text: str) -> str:
    """NFC, control characters out, whitespace collapsed. Escaping happens where it is shown."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in " \n")
    return " ".join(text.split())


def comment_event(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "user": {"id": row["user_id"], "name": row["username"]},
        "text": row["text"],
        "staff": row["staff"],
        "at": row["created_at"].isoformat(),
    }


async def post_comment(db: Database, *, user: User, room_id: int, text: str, now: datetime) -> dict[str, Any]:
    text = clean_text(text)
    if not text:
        raise CommentEmpty()
    async with db.transaction() as tx:
        room = await get_public_room(tx.conn, room_id)
        if room.status == "ended":
            raise RoomEnded("Chat is closed: the show has ended")
        role = await shop_role(tx.conn, user, room.shop_id)
        row = await store.insert_comment(
            tx.conn,
            room_id=room_id,
            user_id=user.id,
            username=user.username,
            text=text[:MAX_COMMENT_CHARS],
            staff=role,
            created_at=now,
        )
        event = comment_event(row)
        publish_best_effort(tx, room_id, "comment", event)
        return event


async def recent_comments(db: Database, *, room_id: int, limit: int = 50) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        await get_public_room(tx.conn, room_id)
        return [comment_event(r) for r in await store.recent_comments(tx.conn, room_id, limit)]


async def reserve_show(db: Database, *, user: User, room_id: int, now: datetime) -> tuple[bool, int]:
    """Reserve a scheduled show. Returns (newly reserved, reservations in total)."""
    async with db.transaction() as tx:
        room = await get_public_room(tx.conn, room_id)
        if room.status != "scheduled":
            raise ReservationClosed(current_status=room.status)
        created = await store.add_reservation(tx.conn, room_id, user.id, now)
        return created, await store.reservation_count(tx.conn, room_id)


async def reservation_state(db: Database, *, user: User | None, room_id: int) -> tuple[bool, int]:
    async with db.transaction(write=False) as tx:
        count = await store.reservation_count(tx.conn, room_id)
        mine = user is not None and await store.has_reservation(tx.conn, room_id, user.id)
        return mine, count


async def like(db: Database, *, room_id: int, count: int, add_likes: Callable[[int, int], int]) -> int:
    async with db.transaction(write=False) as tx:
        room = await get_public_room(tx.conn, room_id)
    if room.status != "live":
        raise RoomNotLive()
    return add_likes(room_id, count)
