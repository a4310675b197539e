"""Domain events for analytics: what happened, where, to whom, when — the append-only log's rows
and the live aggregation's input. Definitions of what is computed from them: docs/metrics.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from liveshop.core.db import Database, Tx
from liveshop.core.ids import channel_visitor

# What can happen. Amounts are integer cents; `count` is for likes sent in a burst.
JOIN = "join"  # a viewer opened the room (source: feed | follow | reservation | share | boost | direct)
LEAVE = "leave"  # …and closed it
FEED_VIEW = "feed_view"  # the room's card was shown in the discovery feed
EXPOSURE = "exposure"  # a product card was shown to a viewer in the room
CLICK = "click"  # …and the viewer opened it
ORDER = "order"  # an order was placed (stock held)
PAID = "paid"  # …and paid
REFUND = "refund"  # money went back for a paid order
FOLLOW = "follow"
COMMENT = "comment"
LIKE = "like"
LUCKY_BAG_ENTRY = "lucky_bag_entry"
QUIZ_ANSWER = "quiz_answer"

KINDS = frozenset({JOIN, LEAVE, FEED_VIEW, EXPOSURE, CLICK, ORDER, PAID, REFUND, FOLLOW, COMMENT, LIKE,
                   LUCKY_BAG_ENTRY, QUIZ_ANSWER})
SOURCES = ("feed", "follow", "reservation", "share", "boost", "direct")


CREW_SOURCES = frozenset({"console", "screen"})  # the crew's own pages: not the audience


def channel_presence(user_id: int | None, guest: str | None, src: str | None) -> tuple[str | None, str]:
    """(visitor, source) of a room-channel connection from its cookies and the `src` its page
    passed; visitor None for the host console and big screens, which are no viewers."""
    if src in CREW_SOURCES:
        return None, ""
    return channel_visitor(user_id, guest), src if src in SOURCES else "direct"


@dataclass(frozen=True, slots=True)
class Event:
    at: float  # unix seconds, the server's clock
    kind: str
    room: int
    shop: int
    viewer: str  # "u<id>" signed in, "a<cookie>" a guest
    listing: int = 0
    order: int = 0
    amount: int = 0  # cents (orders, payments, refunds) or how many (likes)
    source: str = ""


# How services hand events over: after their transaction commits (never for a rolled-back
# change), through the database's listeners, to the node's EventLog.
NOTICE = "analytics"


def user_viewer(user_id: int) -> str:
    return f"u{user_id}"


def emit(tx: Tx, event: Event) -> None:
    tx.notify_on_commit({"type": NOTICE, "event": event})


def emit_now(db: Database, event: Event) -> None:
    """For what is not a transaction of ours: connections, card views, batches written by hand."""
    db.dispatch(None, {"type": NOTICE, "event": event})


def order_event(kind: str, order: Any, at: datetime, *, amount: int | None = None) -> Event:
    return Event(at.timestamp(), kind, order.room_id, order.shop_id, user_viewer(order.buyer_id),
                 listing=order.listing_id, order=order.id, amount=order.total_cents if amount is None else amount)
