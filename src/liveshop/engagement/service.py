"""Chat, likes, follows and reservations."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any

from liveshop.analytics import events as analytics
from liveshop.catalog import store as catalog_store
from liveshop.catalog.access import shop_role
from liveshop.catalog.errors import ShopNotFound
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.engagement import store
from liveshop.engagement.errors import CommentEmpty, ReservationClosed
from liveshop.fans import rules as fan_rules
from liveshop.fans import store as fans_store
from liveshop.moderation import service as moderation_service
from liveshop.moderation.errors import Banned, CommentBlocked
from liveshop.moderation.service import Moderation
from liveshop.orders import store as orders_store
from liveshop.realtime.events import publish_best_effort
from liveshop.rooms import store as rooms_store
from liveshop.rooms.errors import RoomEnded, RoomNotLive
from liveshop.rooms.service import get_public_room
from liveshop.webhooks import service as webhooks

MAX_COMMENT_CHARS = 200


def clean_text(text: str) -> str:
    """NFC, control characters out, whitespace collapsed. Escaping happens where it is shown."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in " \n")
    return " ".join(text.split())


def comment_event(row: dict[str, Any], *, buyer: bool = False, fan: bool = False,
                  fan_level: int | None = None) -> dict[str, Any]:
    return {
        "id": row["id"],
        "user": {"id": row["user_id"], "name": row["username"]},
        "text": row["text"],
        "staff": row["staff"],
        # Who is talking, for the chat lane's sampling (staff, then buyers and fans, first).
        "buyer": buyer,
        "fan": fan,
        "fan_level": fan_level,  # shown beside the name (粉丝团等级); None for non-followers
        "at": row["created_at"].isoformat(),
    }


async def post_comment(
    db: Database, moderation: Moderation, *, user: User, room_id: int, text: str, now: datetime
) -> dict[str, Any]:
    """Post to the room's chat, through the moderation gate (sanctions, chat mode, rate
    limit, banned words). A blocked comment is not stored or broadcast; its author is told
    why, and the block is in the audit log."""
    text = clean_text(text)[:MAX_COMMENT_CHARS]
    if not text:
        raise CommentEmpty()
    async with db.transaction() as tx:
        room = await get_public_room(tx.conn, room_id)
        if room.status == "ended":
            raise RoomEnded("Chat is closed: the show has ended")
        role = await shop_role(tx.conn, user, room.shop_id)
        blocked = await moderation_service.gate_comment(
            tx.conn, moderation, user=user, room=room, role=role, text=text, now=now
        )
        if blocked is None:
            previous = await store.last_comment_at(tx.conn, room_id, user.id)
            row = await store.insert_comment(
                tx.conn, room_id=room_id, user_id=user.id, username=user.username, text=text, staff=role,
                created_at=now,
            )
            if previous is None or (now - previous).total_seconds() >= fan_rules.COMMENT_GAP_SECONDS:
                await fans_store.add(tx.conn, room.shop_id, user.id, 1, now)
            fan = await store.is_following(tx.conn, user.id, room.shop_id)
            event = comment_event(
                row, buyer=await orders_store.has_ordered_in_room(tx.conn, room_id, user.id), fan=fan,
                fan_level=fan_rules.level_for(await fans_store.points_of(tx.conn, room.shop_id, user.id)) if fan else None,
            )
            publish_best_effort(tx, room_id, "comment", event)
            analytics.emit(tx, analytics.Event(now.timestamp(), analytics.COMMENT, room_id, room.shop_id,
                                               analytics.user_viewer(user.id)))
            return event
    await moderation_service.record_blocked(db, user=user, room=room, word=blocked, now=now)
    raise CommentBlocked(reason="banned_word", word=blocked)


async def recent_comments(db: Database, *, room_id: int, limit: int = 50) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        room = await get_public_room(tx.conn, room_id)
        rows = await store.recent_comments(tx.conn, room_id, limit)
        authors = list({r["user_id"] for r in rows})
        followers = await store.followers_among(tx.conn, room.shop_id, authors)
        points = await fans_store.points_among(tx.conn, room.shop_id, authors)
        return [comment_event(r, fan=r["user_id"] in followers,
                              fan_level=fan_rules.level_for(points.get(r["user_id"], 0))
                              if r["user_id"] in followers else None) for r in rows]


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


async def like(
    db: Database, *, user: User, room_id: int, count: int, add_likes: Callable[[int, int], int], now: datetime
) -> int:
    async with db.transaction(write=False) as tx:
        room = await get_public_room(tx.conn, room_id)
        banned = await moderation_service.is_banned(tx.conn, shop_id=room.shop_id, user_id=user.id, now=now)
    if room.status != "live":
        raise RoomNotLive()
    if banned:
        raise Banned()
    total = add_likes(room_id, count)
    analytics.emit_now(db, analytics.Event(now.timestamp(), analytics.LIKE, room_id, room.shop_id,
                                           analytics.user_viewer(user.id), amount=count))
    return total


async def follow_shop(db: Database, *, user: User, shop_id: int, follow: bool, now: datetime,
                      room_id: int | None = None) -> dict[str, Any]:
    """Follow or unfollow. A follow made in a room (`room_id` of one of the shop's rooms) counts
    among that show's new followers."""
    async with db.transaction() as tx:
        if await catalog_store.shop_by_id(tx.conn, shop_id) is None:
            raise ShopNotFound()
        if follow:
            if await store.follow(tx.conn, user.id, shop_id, now) and room_id is not None:
                room = await rooms_store.room_by_id(tx.conn, room_id)
                if room is not None and room.shop_id == shop_id:
                    analytics.emit(tx, analytics.Event(now.timestamp(), analytics.FOLLOW, room_id, shop_id,
                                                       analytics.user_viewer(user.id)))
        else:
            await store.unfollow(tx.conn, user.id, shop_id)
    return {"following": follow, **await follower_counts(db, shop_id)}


async def followed_shops(db: Database, *, user: User | None, shop_ids: list[int]) -> set[int]:
    if user is None:
        return set()
    async with db.transaction(write=False) as tx:
        return await store.followed_among(tx.conn, user.id, shop_ids)


async def follow_state(db: Database, *, user: User | None, shop_id: int) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        if await catalog_store.shop_by_id(tx.conn, shop_id) is None:
            raise ShopNotFound()
        following = user is not None and await store.is_following(tx.conn, user.id, shop_id)
    return {"following": following, **await follower_counts(db, shop_id)}


async def follower_counts(db: Database, shop_id: int) -> dict[str, int]:
    """Followers, raw and honest: the honest count leaves out accounts trust & safety flagged
    (open or confirmed; a cleared account counts again)."""
    from liveshop.trust import store as trust_store

    async with db.transaction(write=False) as tx:
        followers = await store.follower_count(tx.conn, shop_id)
        fake = len(await trust_store.flagged_followers(tx.conn, shop_id))
    return {"followers": followers, "real_followers": followers - fake}


async def send_due_reminders(db: Database, *, now: datetime, batch: int = 500) -> int:
    """One sweep: an inbox reminder for each reservation of a show that went live.

    Exactly once per reservation, also with several nodes sweeping: the claim is a
    conditional update (see store.claim_due_reminders) in the same transaction as the inbox
    rows and the webhook events, and the inbox has a unique (user, kind, room) as a second guard.
    """
    async with db.transaction() as tx:
        claimed = await store.claim_due_reminders(tx.conn, now, batch)
        await store.add_to_inbox(tx.conn, [
            {"user_id": user_id, "kind": "show_live", "room_id": room_id, "title": title,
             "link": f"/rooms/{room_id}?src=reservation", "created_at": now}
            for room_id, user_id, title, _ in claimed
        ])
        # The merchant's own systems (SMS, WeChat...) get the same batch as one signed webhook
        # event per room, in this transaction: each reservation is in exactly one event.
        by_room: dict[int, tuple[str, int, list[int]]] = {}
        for room_id, user_id, title, shop_id in claimed:
            by_room.setdefault(room_id, (title, shop_id, []))[2].append(user_id)
        for room_id, (title, shop_id, user_ids) in by_room.items():
            await webhooks.enqueue_event(tx.conn, shop_id=shop_id, event_type="show.reminders", now=now, data={
                "room": {"id": room_id, "title": title, "url": f"/rooms/{room_id}"},
                "users": [{"id": user_id} for user_id in user_ids],
            })
        return len(claimed)


WATCH_BEAT_SECONDS = 30  # the viewer page's heartbeat while a live show plays
_MIN_BEAT_GAP = WATCH_BEAT_SECONDS / 2
_MAX_BEAT_CREDIT = WATCH_BEAT_SECONDS * 2


async def watch_beat(db: Database, *, user: User, room_id: int, now: datetime) -> dict[str, int]:
    """The viewer is still watching the live show: credit the time since their last beat."""
    async with db.transaction() as tx:
        room = await get_public_room(tx.conn, room_id)
        if room.status != "live":
            raise RoomNotLive()
        seconds, credited = await store.credit_watch(tx.conn, room_id, user.id, now, min_gap=_MIN_BEAT_GAP,
                                                     max_credit=_MAX_BEAT_CREDIT)
        cap = fan_rules.WATCH_CAP_MINUTES * 60
        minutes = min(seconds, cap) // 60 - min(seconds - credited, cap) // 60
        await fans_store.add(tx.conn, room.shop_id, user.id, minutes, now)
        return {"watched_seconds": seconds, "beat_every_seconds": WATCH_BEAT_SECONDS}


def inbox_view(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "kind", "room_id", "title", "link", "created_at", "read_at")}


async def my_inbox(db: Database, *, user: User, limit: int) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        return {"unread": await store.unread_count(tx.conn, user.id),
                "items": [inbox_view(r) for r in await store.inbox_of(tx.conn, user.id, limit)]}


async def read_inbox(db: Database, *, user: User, ids: list[int] | None, now: datetime) -> dict[str, int]:
    async with db.transaction() as tx:
        await store.mark_read(tx.conn, user.id, ids, now)
        return {"unread": await store.unread_count(tx.conn, user.id)}


async def follow_edges(db: Database, *, since: datetime, limit: int = 5_000_000) -> list[tuple[int, int, datetime]]:
    async with db.transaction(write=False) as tx:
        return await store.follow_edges(tx.conn, since=since, limit=limit)
