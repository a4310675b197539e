"""Domain events for analytics: what happened, where, to whom, when — the append-only log's rows
and the live aggregation's input. Definitions of what is computed from them: docs/metrics.md."""

from __future__ import annotations

from dataclasses import dataclass

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
