"""Share links (分享裂变): a viewer shares a room; the visits the link brings are counted, and a
signed-in visitor's reservation and orders in that room are attributed to the first link that
brought them (first touch). Merchants read the result per link in the room's analytics."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from liveshop.catalog.access import LIVE_CREW
from liveshop.core.auth import store as auth_store
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.core.ids import visitor_key
from liveshop.referrals import store
from liveshop.rooms.service import access_room, get_public_room

CHANNELS = ("wechat", "weibo", "douyin", "qq", "copy", "other")


async def share(db: Database, *, user: User, room_id: int, channel: str, now: datetime) -> dict[str, Any]:
    """The viewer's link to the room for one channel (the same link each time they ask)."""
    async with db.transaction() as tx:
        await get_public_room(tx.conn, room_id)
        if await store.link_of(tx.conn, room_id, user.id, channel) is None:
            await store.insert_link(tx.conn, code=secrets.token_urlsafe(9), room_id=room_id, user_id=user.id,
                                    channel=channel, created_at=now)
        link = await store.link_of(tx.conn, room_id, user.id, channel)
        assert link is not None
    return {"code": link["code"], "channel": channel, "url": f"/rooms/{room_id}?ref={link['code']}"}


async def record_visit(db: Database, *, room_id: int, code: str, user_id: int | None, guest: str | None,
                       now: datetime) -> bool:
    """A visit through a link (counted once per visitor); for a signed-in visitor, first touch."""
    if user_id is None and guest is None:
        return False
    async with db.transaction() as tx:
        link = await store.link_by_code(tx.conn, code)
        if link is None or link["room_id"] != room_id:
            return False
        await store.record_visit(tx.conn, code, visitor_key(user_id, guest), now)
        if user_id is not None and user_id != link["user_id"]:
            await store.attribute(tx.conn, room_id, user_id, code, now)
        return True


async def room_report(db: Database, *, user: User, room_id: int) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        await access_room(tx.conn, user, room_id, LIVE_CREW)
        rows = await store.report(tx.conn, room_id)
        names = await auth_store.usernames(tx.conn, [r["sharer_id"] for r in rows])
    for r in rows:
        r["sharer"] = names.get(r["sharer_id"], "")
    totals = {k: sum(r[k] for r in rows) for k in ("visitors", "signed_in_visitors", "reservations", "orders",
                                                  "buyers", "paid_gmv_cents")}
    return {"room_id": room_id, "links": rows, "totals": totals}
