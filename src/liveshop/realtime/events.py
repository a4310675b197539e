"""How services put events on a room channel.

Critical events (product cards, prices, sold out, room status) are numbered and stored in
the same transaction as the change they describe, then published after commit. A
rolled-back change therefore never reaches a viewer, and a reconnecting viewer can fetch
what it missed. Everything else (chat, stock ticks, purchases, counters) is best effort.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from liveshop.core.db import Tx
from liveshop.realtime import store

CRITICAL_TYPES = frozenset(
    {"listing_added", "listing_updated", "pinned", "sold_out", "back_in_stock", "room_status",
     "comment_deleted", "moderation", "chat_mode", "poll_opened", "poll_closed", "coupon_offered",
     "lucky_bag_opened", "lucky_bag_drawn", "quiz_question", "quiz_question_closed", "quiz_ended",
     "stream"}
)
# Tallies coalesced to the latest per thing per tick: type → the member whose "id" keys it.
TALLY_KEYS = {"poll_results": "poll", "lucky_bag_entries": "bag", "quiz_leaderboard": "quiz"}
BEST_EFFORT_TYPES = frozenset({"comment", "stock", "purchase", *TALLY_KEYS})
# For one viewer only (their own orders): sent to that user's connections in the room, with
# the guarantee of the critical lane (a connection that cannot take it is closed); the
# order itself is the record a reconnecting page reads back.
PRIVATE_TYPES = frozenset({"my_order", "lucky_bag_won"})


async def record_critical(
    tx: Tx, room_id: int, type: str, data: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    assert type in CRITICAL_TYPES, type
    seq = await store.next_seq(tx.conn, room_id)
    event = {"type": type, "seq": seq, **data}
    await store.insert_event(tx.conn, room_id=room_id, seq=seq, type=type, payload=event, now=now)
    tx.publish_on_commit(room_id, event)
    return event


def publish_best_effort(tx: Tx, room_id: int, type: str, data: dict[str, Any]) -> None:
    assert type in BEST_EFFORT_TYPES, type
    tx.publish_on_commit(room_id, {"type": type, **data})


async def current_seq(tx: Tx, room_id: int) -> int:
    """The room's last critical sequence number: a snapshot taken with it can resume from it."""
    return await store.last_seq(tx.conn, room_id)


def publish_private(tx: Tx, room_id: int, user_id: int, type: str, data: dict[str, Any]) -> None:
    assert type in PRIVATE_TYPES, type
    tx.publish_on_commit(room_id, {"type": type, "to_user": user_id, **data})


def my_order_event(order: Any) -> dict[str, Any]:
    return {"order": {"id": order.id, "status": order.status, "listing_id": order.listing_id, "title": order.title,
                      "quantity": order.quantity, "total_cents": order.total_cents, "currency": order.currency}}
