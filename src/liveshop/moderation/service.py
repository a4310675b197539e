"""Chat moderation: banned words, sanctions, chat modes, deletions, and the audit log.

Every action a moderator takes (and every comment the filter blocks) is written to
`moderation_actions` in the same transaction as its effect; actions viewers should see
(a deleted message, a mute, a chat-mode change) are critical room events.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.catalog.access import LIVE_CREW, access_shop, shop_role
from liveshop.catalog.errors import UserNotFound
from liveshop.core.auth.store import User
from liveshop.core.auth.store import user_by_id as load_user
from liveshop.core.db import Database, Tx
from liveshop.core.errors import InvalidInput, PermissionDenied
from liveshop.engagement import store as engagement
from liveshop.moderation import store
from liveshop.moderation.errors import (
    Banned,
    CannotSanctionStaff,
    ChatRateLimited,
    CommentNotFound,
    FollowersOnly,
    Muted,
    SanctionNotFound,
    SlowMode,
    WordListed,
    WordNotFound,
)
from liveshop.moderation.matcher import WordMatcher, normalise
from liveshop.moderation.ratelimit import TokenBuckets
from liveshop.realtime.events import record_critical
from liveshop.rooms.errors import RoomNotFound
from liveshop.rooms.service import access_room
from liveshop.rooms.store import Room

WORDS_TTL_SECONDS = 5.0


@dataclass
class _Cached:
    matcher: WordMatcher
    loaded_at: float


class Moderation:
    """A node's moderation state: compiled word lists (refreshed every few seconds, at once
    after a change made on this node) and the chat token buckets."""

    def __init__(self, *, rate_per_second: float = 1.0, burst: int = 5) -> None:
        self.buckets = TokenBuckets(rate_per_second=rate_per_second, burst=burst)
        self._matchers: dict[int, _Cached] = {}

    async def matcher(self, conn: AsyncConnection, shop_id: int) -> WordMatcher:
        cached = self._matchers.get(shop_id)
        if cached is None or time.monotonic() - cached.loaded_at > WORDS_TTL_SECONDS:
            rows = await store.words(conn, None) + await store.words(conn, shop_id)
            cached = _Cached(WordMatcher(r["word"] for r in rows), time.monotonic())
            self._matchers[shop_id] = cached
        return cached.matcher

    def forget_words(self, shop_id: int | None) -> None:
        if shop_id is None:
            self._matchers.clear()
        else:
            self._matchers.pop(shop_id, None)


# --- the gate every comment passes --------------------------------------------------------


async def gate_comment(
    conn: AsyncConnection, moderation: Moderation, *, user: User, room: Room, role: str | None, text: str,
    now: datetime,
) -> str | None:
    """Raise if the author may not speak now; return the banned word the text contains, if any.

    Staff of the shop (and admins) skip sanctions, followers-only, slow mode and the rate
    limit, not the word list: what they say reaches every viewer too.
    """
    if role is None:
        for sanction in await store.active_sanctions(conn, room.shop_id, user.id, now):
            until = sanction["until"].isoformat() if sanction["until"] else None
            raise (Banned if sanction["kind"] == "ban" else Muted)(until=until)
        mode = await store.chat_mode(conn, room.id)
        if mode["followers_only"] and not await engagement.is_following(conn, user.id, room.shop_id):
            raise FollowersOnly()
        if mode["slow_mode_seconds"]:
            last = await engagement.last_comment_at(conn, room.id, user.id)
            if last is not None:
                wait = mode["slow_mode_seconds"] - (now - last).total_seconds()
                if wait > 0:
                    raise SlowMode(retry_after_seconds=max(1, round(wait)))
        wait = moderation.buckets.take((user.id, room.id))
        if wait > 0:
            raise ChatRateLimited(retry_after_seconds=max(1, round(wait + 0.49)))
    return (await moderation.matcher(conn, room.shop_id)).first_match(text)


async def record_blocked(db: Database, *, user: User, room: Room, word: str, now: datetime) -> None:
    async with db.transaction() as tx:
        await store.record(tx.conn, shop_id=room.shop_id, room_id=room.id, actor_id=None, action="comment_blocked",
                           target_user_id=user.id, comment_id=None, detail={"word": word}, created_at=now)


# --- banned words ------------------------------------------------------------------------


async def _word_scope(conn: AsyncConnection, user: User, shop_id: int | None) -> None:
    if shop_id is None:
        if not user.is_admin:
            raise PermissionDenied("Only platform administrators manage the platform's word list")
    else:
        await access_shop(conn, user, shop_id, LIVE_CREW)


def word_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "word": row["word"], "shop_id": row["shop_id"], "created_at": row["created_at"]}


async def list_words(db: Database, *, user: User, shop_id: int | None) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        await _word_scope(tx.conn, user, shop_id)
        return [word_view(r) for r in await store.words(tx.conn, shop_id)]


async def add_word(db: Database, moderation: Moderation, *, user: User, shop_id: int | None, word: str,
                   now: datetime) -> dict[str, Any]:
    key = normalise(word)
    if not key:
        raise InvalidInput("A banned word needs letters, not only spaces or punctuation")
    async with db.transaction() as tx:
        await _word_scope(tx.conn, user, shop_id)
        if await store.word_by_normalised(tx.conn, shop_id, key):
            raise WordListed()
        row = await store.insert_word(tx.conn, shop_id=shop_id, word=word, normalised=key, created_by=user.id,
                                      created_at=now)
        await store.record(tx.conn, shop_id=shop_id, room_id=None, actor_id=user.id, action="word_added",
                           target_user_id=None, comment_id=None, detail={"word": word}, created_at=now)
    moderation.forget_words(shop_id)
    return word_view(row)


async def remove_word(db: Database, moderation: Moderation, *, user: User, shop_id: int | None, word_id: int,
                      now: datetime) -> None:
    async with db.transaction() as tx:
        await _word_scope(tx.conn, user, shop_id)
        row = await store.delete_word(tx.conn, shop_id, word_id)
        if row is None:
            raise WordNotFound()
        await store.record(tx.conn, shop_id=shop_id, room_id=None, actor_id=user.id, action="word_removed",
                           target_user_id=None, comment_id=None, detail={"word": row["word"]}, created_at=now)
    moderation.forget_words(shop_id)


# --- sanctions ------------------------------------------------------------------------------


def sanction_view(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "shop_id", "user_id", "kind", "until", "reason", "created_at")}


async def sanction(
    db: Database, *, user: User, shop_id: int, target_user_id: int, kind: str, minutes: int | None, reason: str,
    room_id: int | None, now: datetime,
) -> dict[str, Any]:
    """Mute (no chat) or ban (no chat, no likes) a viewer in the shop's rooms, for `minutes`
    or for good. Announced in `room_id` when the moderator acted from a room."""
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, LIVE_CREW)
        target = await load_user(tx.conn, target_user_id)
        if target is None:
            raise UserNotFound()
        if await shop_role(tx.conn, target, shop_id) is not None:
            raise CannotSanctionStaff()
        room = await _room_of_shop(tx, user, shop_id, room_id)
        until = now + timedelta(minutes=minutes) if minutes else None
        row = await store.insert_sanction(tx.conn, shop_id=shop_id, user_id=target.id, kind=kind, until=until,
                                          reason=reason, created_by=user.id, created_at=now)
        await store.record(tx.conn, shop_id=shop_id, room_id=room, actor_id=user.id, action=kind,
                           target_user_id=target.id, comment_id=None,
                           detail={"minutes": minutes, "reason": reason, "sanction_id": row["id"]}, created_at=now)
        if room is not None:
            await record_critical(tx, room, "moderation", {
                "action": "muted" if kind == "mute" else "banned", "user": {"id": target.id, "name": target.username},
                "until": until.isoformat() if until else None,
            }, now=now)
        return sanction_view(row)


async def _room_of_shop(tx: Tx, user: User, shop_id: int, room_id: int | None) -> int | None:
    if room_id is None:
        return None
    room = await access_room(tx.conn, user, room_id, LIVE_CREW)
    if room.shop_id != shop_id:
        raise RoomNotFound()
    return room.id


async def lift(db: Database, *, user: User, shop_id: int, sanction_id: int, now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, LIVE_CREW)
        row = await store.lift_sanction(tx.conn, shop_id, sanction_id, now)
        if row is None:
            raise SanctionNotFound()
        await store.record(tx.conn, shop_id=shop_id, room_id=None, actor_id=user.id, action=f"un{row['kind']}",
                           target_user_id=row["user_id"], comment_id=None, detail={"sanction_id": sanction_id},
                           created_at=now)
        return sanction_view(row)


async def active(db: Database, *, user: User, shop_id: int, now: datetime) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        await access_shop(tx.conn, user, shop_id, LIVE_CREW)
        return [sanction_view(r) for r in await store.active_sanctions(tx.conn, shop_id, None, now)]


async def is_banned(conn: AsyncConnection, *, shop_id: int, user_id: int, now: datetime) -> bool:
    return any(s["kind"] == "ban" for s in await store.active_sanctions(conn, shop_id, user_id, now))


# --- deleting messages, chat modes, audit ---------------------------------------------------


async def delete_comment(db: Database, *, user: User, room_id: int, comment_id: int, now: datetime) -> None:
    """Remove a message from the room: from the history and from every viewer's screen."""
    async with db.transaction() as tx:
        room = await access_room(tx.conn, user, room_id, LIVE_CREW)
        row = await engagement.delete_comment(tx.conn, room_id, comment_id, now)
        if row is None:
            raise CommentNotFound()
        await store.record(tx.conn, shop_id=room.shop_id, room_id=room_id, actor_id=user.id,
                           action="comment_deleted", target_user_id=row["user_id"], comment_id=comment_id,
                           detail={"text": row["text"]}, created_at=now)
        await record_critical(tx, room_id, "comment_deleted", {"comment_id": comment_id}, now=now)


async def get_chat_mode(db: Database, *, room_id: int) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        return await store.chat_mode(tx.conn, room_id)


async def set_chat_mode(db: Database, *, user: User, room_id: int, slow_mode_seconds: int, followers_only: bool,
                        now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        room = await access_room(tx.conn, user, room_id, LIVE_CREW)
        await store.set_chat_mode(tx.conn, room_id, slow_mode_seconds=slow_mode_seconds,
                                  followers_only=followers_only, now=now)
        mode = {"slow_mode_seconds": slow_mode_seconds, "followers_only": followers_only}
        await store.record(tx.conn, shop_id=room.shop_id, room_id=room_id, actor_id=user.id, action="chat_mode",
                           target_user_id=None, comment_id=None, detail=mode, created_at=now)
        await record_critical(tx, room_id, "chat_mode", mode, now=now)
        return mode


async def audit_log(db: Database, *, user: User, shop_id: int | None, limit: int) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        await _word_scope(tx.conn, user, shop_id)
        return await store.audit(tx.conn, shop_id, limit)
