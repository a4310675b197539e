"""The live aggregation: a fold over domain events, one RoomFigures per room, per minute buckets.

The same code computes the big screen while the show runs and recomputes any show from the
append-only log afterwards, so the two agree by construction as long as both see the same
events in the same order (docs/metrics.md defines each number and its denominator).

It is written for speed (≥ 50,000 events/s on one core, `liveshop bench analytics`): one dict
dispatch per event, integer arithmetic, no allocation on the common paths.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from liveshop.analytics.events import (
    CLICK,
    COMMENT,
    EXPOSURE,
    FEED_VIEW,
    FOLLOW,
    JOIN,
    LEAVE,
    LIKE,
    LUCKY_BAG_ENTRY,
    ORDER,
    PAID,
    QUIZ_ANSWER,
    REFUND,
    Event,
)

EFFECTIVE_VIEW_SECONDS = 10  # a view counts as effective once the viewer stayed this long
ATTRIBUTION_DAYS = 7  # a paid order counts as attributed GMV of rooms its buyer visited this recently


@dataclass(slots=True)
class Minute:
    gmv: int = 0
    paid_orders: int = 0
    orders: int = 0
    joins: int = 0
    comments: int = 0
    new_followers: int = 0
    viewer_seconds: float = 0.0  # time-weighted concurrency: ACU of the minute = this / 60
    peak: int = 0  # the most viewers online at once during the minute


@dataclass(slots=True)
class ListingFigures:
    exposures: int = 0
    clicks: int = 0
    orders: int = 0
    paid_orders: int = 0
    gmv: int = 0


@dataclass
class RoomFigures:
    room: int
    shop: int
    first_at: float | None = None
    last_at: float | None = None
    online: int = 0
    pcu: int = 0
    views: int = 0
    effective_views: int = 0
    feed_views: int = 0
    viewers: set[str] = field(default_factory=set)
    watch_seconds: float = 0.0
    finished_sessions: int = 0
    open_sessions: dict[str, list[float]] = field(default_factory=dict)
    exposures: int = 0
    clicks: int = 0
    orders: int = 0
    paid_orders: int = 0
    gmv: int = 0
    attributed_gmv: int = 0
    buyers: set[str] = field(default_factory=set)
    refunds: int = 0
    refund_cents: int = 0
    new_followers: int = 0
    comments: int = 0
    likes: int = 0
    lucky_bag_entries: int = 0
    quiz_answers: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    listings: dict[int, ListingFigures] = field(default_factory=dict)
    minutes: dict[int, Minute] = field(default_factory=dict)
    _since: float | None = None  # when `online` last changed (for viewer-seconds)

    def minute(self, at: float) -> Minute:
        key = int(at // 60)
        bucket = self.minutes.get(key)
        if bucket is None:
            bucket = self.minutes[key] = Minute(peak=self.online)
        return bucket

    def listing(self, listing_id: int) -> ListingFigures:
        found = self.listings.get(listing_id)
        if found is None:
            found = self.listings[listing_id] = ListingFigures()
        return found

    def advance(self, at: float) -> None:
        """Credit the viewers online since the last change with the seconds until `at`, minute by minute."""
        since = self._since
        if since is not None and self.online and at > since:
            for key, seconds in _spans(since, at):
                bucket = self.minutes.get(key)
                if bucket is None:
                    bucket = self.minutes[key] = Minute()
                bucket.viewer_seconds += self.online * seconds
                bucket.peak = max(bucket.peak, self.online)
        self._since = at if since is None else max(since, at)  # a late event never credits twice

    def pending(self, until: float) -> dict[int, float]:
        """Viewer-seconds the open sessions have earned since the last event, per minute — read
        without folding them in, so looking at the numbers never changes them."""
        since = self._since
        if since is None or not self.online or until <= since:
            return {}
        return {key: self.online * seconds for key, seconds in _spans(since, until)}


def _spans(since: float, until: float) -> Iterable[tuple[int, float]]:
    """[since, until) cut at minute edges: (minute, seconds in it)."""
    while int(since // 60) != int(until // 60):
        edge = (int(since // 60) + 1) * 60.0
        yield int(since // 60), edge - since
        since = edge
    yield int(since // 60), until - since


class Aggregator:
    """Folds events into per-room figures; `figures(room)` answers the numbers at any moment."""

    def __init__(self, *, attribution_days: int = ATTRIBUTION_DAYS) -> None:
        self.rooms: dict[int, RoomFigures] = {}
        self._attribution_seconds = attribution_days * 86_400
        # Per shop: viewer → {room: last visit}, for attributed GMV.
        self._visits: dict[int, dict[str, dict[int, float]]] = {}
        self._handlers = {
            JOIN: self._join, LEAVE: self._leave, FEED_VIEW: self._feed_view, EXPOSURE: self._exposure,
            CLICK: self._click, ORDER: self._order, PAID: self._paid, REFUND: self._refund, FOLLOW: self._follow,
            COMMENT: self._comment, LIKE: self._like, LUCKY_BAG_ENTRY: self._lucky_bag_entry,
            QUIZ_ANSWER: self._quiz_answer,
        }

    def feed(self, events: Iterable[Event]) -> None:
        for event in events:
            self.add(event)

    def add(self, event: Event) -> None:
        room = self.rooms.get(event.room)
        if room is None:
            room = self.rooms[event.room] = RoomFigures(event.room, event.shop)
        if room.first_at is None:
            room.first_at = event.at
        room.last_at = event.at
        self._handlers[event.kind](room, event)

    # --- one handler per kind -------------------------------------------------------------

    def _join(self, room: RoomFigures, e: Event) -> None:
        room.advance(e.at)
        room.online += 1
        room.pcu = max(room.pcu, room.online)
        minute = room.minute(e.at)
        minute.joins += 1
        minute.peak = max(minute.peak, room.online)
        room.views += 1
        room.viewers.add(e.viewer)
        room.open_sessions.setdefault(e.viewer, []).append(e.at)
        source = e.source or "direct"
        room.sources[source] = room.sources.get(source, 0) + 1
        self._visits.setdefault(room.shop, {}).setdefault(e.viewer, {})[room.room] = e.at

    def _leave(self, room: RoomFigures, e: Event) -> None:
        opened = room.open_sessions.get(e.viewer)
        if not opened:
            return  # a leave without its join (the log started mid-session): nothing to close
        started = opened.pop()
        if not opened:
            del room.open_sessions[e.viewer]
        room.advance(e.at)
        room.online -= 1
        stayed = e.at - started
        room.watch_seconds += stayed
        room.finished_sessions += 1
        if stayed >= EFFECTIVE_VIEW_SECONDS:
            room.effective_views += 1

    def _feed_view(self, room: RoomFigures, e: Event) -> None:
        room.feed_views += 1

    def _exposure(self, room: RoomFigures, e: Event) -> None:
        room.exposures += 1
        room.listing(e.listing).exposures += 1

    def _click(self, room: RoomFigures, e: Event) -> None:
        room.clicks += 1
        room.listing(e.listing).clicks += 1

    def _order(self, room: RoomFigures, e: Event) -> None:
        room.orders += 1
        room.minute(e.at).orders += 1
        room.listing(e.listing).orders += 1

    def _paid(self, room: RoomFigures, e: Event) -> None:
        room.paid_orders += 1
        room.gmv += e.amount
        room.buyers.add(e.viewer)
        minute = room.minute(e.at)
        minute.paid_orders += 1
        minute.gmv += e.amount
        listing = room.listing(e.listing)
        listing.paid_orders += 1
        listing.gmv += e.amount
        for visited, last in self._visits.get(room.shop, {}).get(e.viewer, {}).items():
            if e.at - last <= self._attribution_seconds:
                target = self.rooms.get(visited)
                if target is not None:
                    target.attributed_gmv += e.amount

    def _refund(self, room: RoomFigures, e: Event) -> None:
        room.refunds += 1
        room.refund_cents += e.amount

    def _follow(self, room: RoomFigures, e: Event) -> None:
        room.new_followers += 1
        room.minute(e.at).new_followers += 1

    def _comment(self, room: RoomFigures, e: Event) -> None:
        room.comments += 1
        room.minute(e.at).comments += 1

    def _like(self, room: RoomFigures, e: Event) -> None:
        room.likes += e.amount or 1

    def _lucky_bag_entry(self, room: RoomFigures, e: Event) -> None:
        room.lucky_bag_entries += 1

    def _quiz_answer(self, room: RoomFigures, e: Event) -> None:
        room.quiz_answers += 1

    # --- reading ---------------------------------------------------------------------------

    def figures(self, room_id: int, *, now: float | None = None, top: int = 5) -> dict[str, Any]:
        """The room's metrics, each with what it is divided by (docs/metrics.md)."""
        room = self.rooms.get(room_id)
        if room is None:
            room = RoomFigures(room_id, 0)
        until = now if now is not None else room.last_at
        pending = room.pending(until) if until is not None else {}
        keys = sorted(room.minutes.keys() | pending.keys())
        empty = Minute()
        # (minute, bucket, viewer-seconds including what open sessions earned up to now)
        minutes = [(k, room.minutes.get(k, empty), room.minutes.get(k, empty).viewer_seconds + pending.get(k, 0.0))
                   for k in keys]
        # The show's length in minutes: from the minute of its first event to now, inclusive.
        span = int(until // 60) - int(room.first_at // 60) + 1 if until is not None and room.first_at is not None else 0
        acu = sum(seconds for _, _, seconds in minutes) / (60 * span) if span else 0.0
        open_watch = sum(until - t for ts in room.open_sessions.values() for t in ts) if until is not None else 0.0
        sessions = room.finished_sessions + sum(len(ts) for ts in room.open_sessions.values())

        def ratio(part: float, whole: float, scale: float = 1.0) -> float | None:
            return round(scale * part / whole, 6) if whole else None

        ranked = sorted(room.listings.items(), key=lambda kv: (-kv[1].gmv, -kv[1].paid_orders, kv[0]))[:top]
        return {
            "room_id": room_id,
            "gmv_cents": room.gmv,
            "attributed_gmv_cents": room.attributed_gmv,
            "orders": room.orders,
            "paid_orders": room.paid_orders,
            "paying_buyers": len(room.buyers),
            "online_viewers": room.online,
            "pcu": room.pcu,
            "acu": round(acu, 3),
            "views": room.views,
            "feed_views": room.feed_views,
            # Sessions still open count once they have lasted long enough by now.
            "effective_views": room.effective_views + (sum(
                1 for ts in room.open_sessions.values() for t in ts if until - t >= EFFECTIVE_VIEW_SECONDS)
                if until is not None else 0),
            "unique_viewers": len(room.viewers),
            "avg_watch_seconds": ratio(room.watch_seconds + open_watch, sessions),
            "exposures": room.exposures,
            "clicks": room.clicks,
            "exposure_click_rate": ratio(room.clicks, room.exposures),
            "click_order_rate": ratio(room.orders, room.clicks),
            "viewer_buyer_conversion": ratio(len(room.buyers), len(room.viewers)),
            "gpm_cents": ratio(room.gmv, room.views, 1000),
            "product_gpm_cents": ratio(room.gmv, room.exposures, 1000),
            "uv_value_cents": ratio(room.gmv, len(room.viewers)),
            "new_followers": room.new_followers,
            "comments_per_minute": ratio(room.comments, span),
            "comments": room.comments,
            "refunds": room.refunds,
            "refund_cents": room.refund_cents,
            "refund_rate": ratio(room.refunds, room.paid_orders),
            "likes": room.likes,
            "lucky_bag_entries": room.lucky_bag_entries,
            "quiz_answers": room.quiz_answers,
            "traffic_sources": dict(sorted(room.sources.items())),
            "top_products": [{"listing_id": lid, "gmv_cents": f.gmv, "paid_orders": f.paid_orders,
                              "exposures": f.exposures, "clicks": f.clicks} for lid, f in ranked],
            "per_minute": [{"minute": key * 60, "gmv_cents": m.gmv, "orders": m.orders, "paid_orders": m.paid_orders,
                            "joins": m.joins, "acu": round(seconds / 60, 3),
                            "pcu": max(m.peak, room.online) if key in pending else m.peak,
                            "comments": m.comments, "new_followers": m.new_followers} for key, m, seconds in minutes],
        }
