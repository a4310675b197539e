"""The discovery feed served to viewers, traffic pools, boosts and splash placements, and what
a merchant sees of the traffic their rooms got.

One feed request (`build_feed`):

1. reads the rooms live now, the shows of the next days and the replays of the last ones;
2. gathers live candidates from four sources — the viewer's followed hosts, hosts like the
   ones they watched and bought from (the learned model), popular now (online viewers), new
   shows (the test pool and the first half hour) — each candidate remembering why it came;
3. scores them with the blend (ranking.py) plus a bonus for followed hosts and a penalty for
   rooms whose pool quota is spent, damped by the exposure their host already received
   (fairness.py; the ledger is ledger.py);
4. fills the page: test-pool rooms still owed impressions take the reserved slots, boosts the
   sponsored ones (billed as they are shown, boosts.py), the rest in score order;
5. books the exposure given and each room's feed impression (the analytics log).

Guests (and viewers the model does not know yet) get the same feed without personal affinity
or follows. Status on a card is the room's status read in the same request: a room that is not
live is never put in the live list.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from liveshop.analytics import events as ev
from liveshop.analytics.aggregate import EFFECTIVE_VIEW_SECONDS, RoomFigures
from liveshop.analytics.live import LiveFigures
from liveshop.bases.service import can_read_numbers
from liveshop.catalog import store as catalog_store
from liveshop.catalog.errors import ShopNotFound
from liveshop.core.auth.store import User
from liveshop.core.clock import Clock
from liveshop.core.db import Database
from liveshop.core.errors import LiveshopError, PermissionDenied
from liveshop.core.ids import GUEST_ID, channel_visitor
from liveshop.core.tasks import Periodic
from liveshop.discovery import boosts as boost_rules
from liveshop.discovery import pools, store
from liveshop.discovery.errors import (
    BadWindow,
    BoostNotFound,
    BudgetTooSmall,
    NotRoomOfShop,
    RoomNotBoostable,
    SplashNotFound,
)
from liveshop.discovery.ledger import ExposureBook, day_of
from liveshop.discovery.metrics import position_weight
from liveshop.discovery.model import FeedModel
from liveshop.discovery.ranking import BlendWeights, Candidates, blend
from liveshop.engagement import store as engagement_store
from liveshop.rooms import store as rooms_store
from liveshop.rooms.store import Room
from liveshop.trust.risk import Suspects

SOURCE_LIMIT = 200  # candidates per source (similar, popular, new); followed hosts: all of them
DESERVED_TEMPERATURE = 0.3  # softmax of a request's scores into deserved shares (fairness.py)
FAIR_K = 10  # exposure counts over the first ten positions (position weights 1/log2(rank + 2))
UPCOMING, REPLAYS = 12, 12


class Discovery:
    """A node's feed machinery: the model, the exposure ledger, the pool sweeper."""

    def __init__(self, db: Database, clock: Clock, live: LiveFigures, *, weights: BlendWeights,
                 retrain_seconds: float = 600.0, pool_seconds: float = 5.0, suspects: Suspects | None = None) -> None:
        self.db = db
        self.clock = clock
        self.live = live
        self.suspects = suspects
        self.weights = weights
        self.model = FeedModel(db, clock, every_seconds=retrain_seconds)
        self.book = ExposureBook(db, clock)
        self.seen = SeenRecently()
        self._sweeper = Periodic("moving rooms between traffic pools", self.sweep_pools, pool_seconds,
                                 first_after=pool_seconds)

    async def sweep_pools(self) -> int:
        return await sweep_pools(self.db, self.live, now=self.clock.now(), suspects=self.suspects)

    def start(self) -> None:
        self.model.start()
        self.book.start()
        self._sweeper.start()

    async def stop(self) -> None:
        await self._sweeper.stop()
        await self.model.stop()
        await self.book.stop()


class SeenRecently:
    """A room's feed impression to one visitor counts once per `window` seconds (on this node):
    scrolling back and forth, or reloading, does not use up a new room's test-pool quota."""

    def __init__(self, *, window: float = 600.0, max_entries: int = 200_000) -> None:
        self.window = window
        self.max_entries = max_entries
        self._last: OrderedDict[tuple[str, int], float] = OrderedDict()

    def first_in_window(self, visitor: str, room_id: int, now: float) -> bool:
        key = (visitor, room_id)
        last = self._last.get(key)
        if last is not None and now - last < self.window:
            return False
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > self.max_entries:
            self._last.popitem(last=False)
        return True


@dataclass
class Viewer:
    user: User | None
    guest: str | None  # a guest browser's cookie id
    region: str | None

    @property
    def personal(self) -> str | None:
        """The model's key for a signed-in viewer; guests are not personalised."""
        return ev.user_viewer(self.user.id) if self.user else None

    @property
    def visitor(self) -> str:
        return channel_visitor(self.user.id if self.user else None, self.guest)

    @property
    def counted(self) -> bool:
        """Whether this viewer's impressions count: a signed-in user or a browser with its guest
        cookie (the page sets one). A client with neither is a script as far as pools know."""
        return self.user is not None or (self.guest is not None and GUEST_ID.match(self.guest) is not None)


# Traffic pools ------------------------------------------------------------------------------

def _effective_views(f: RoomFigures, now: float) -> int:
    return f.effective_views + sum(1 for ts in f.open_sessions.values() for t in ts
                                   if now - t >= EFFECTIVE_VIEW_SECONDS)


def room_traffic(f: RoomFigures | None, *, impressions_at_entry: int, now: float) -> pools.RoomTraffic:
    if f is None:
        return pools.RoomTraffic(0, 0, 0, 0, 0, 0, 0)
    return pools.RoomTraffic(
        impressions=max(0, f.feed_views - impressions_at_entry),
        feed_visits=f.sources.get("feed", 0) + f.sources.get("boost", 0), feed_impressions=f.feed_views,
        views=f.views, effective_views=_effective_views(f, now), buyers=len(f.buyers),
        unique_viewers=len(f.viewers))


async def sweep_pools(db: Database, live: LiveFigures, *, now: datetime, suspects: Suspects | None = None) -> int:
    """Put rooms that went live into the test pool; judge the rooms whose quota is spent, holding
    back a room whose trust & safety risk is high (its audience or sales look bought).
    Returns how many rooms changed pool. Safe on many nodes at once (same inputs, same moves)."""
    await live.catch_up()
    async with db.transaction(write=False) as tx:
        rooms = (await rooms_store.feed_rooms(tx.conn, now=now, limits=(10_000, 0, 0)))["live"]
        current = await store.pools_of(tx.conn, [r.id for r in rooms])
    moved = 0
    stamp = now.timestamp()
    for room in rooms:
        figures = live.aggregator.rooms.get(room.id)
        seen = figures.feed_views if figures else 0
        row = current.get(room.id)
        if row is None:
            async with db.transaction() as tx:
                await store.enter_pool(tx.conn, room_id=room.id, shop_id=room.shop_id, pool=0, impressions=seen,
                                       reason="testing", now=now)
            continue
        risk = (suspects.room(room.id, viewers=figures.viewers if figures else (),
                              buyers=figures.buyers if figures else ()) if suspects else 0.0)
        level, reason = pools.decide(row["pool"], room_traffic(figures, impressions_at_entry=row["impressions_at_entry"],
                                                               now=stamp), risk=risk)
        if level != row["pool"]:
            async with db.transaction() as tx:
                await store.enter_pool(tx.conn, room_id=room.id, shop_id=room.shop_id, pool=level, impressions=seen,
                                       reason=reason, now=now)
            moved += 1
        elif reason != row["reason"] and not (reason == "testing" and row["reason"] == "graduated"):
            async with db.transaction() as tx:
                await store.note_decision(tx.conn, room_id=room.id, reason=reason, now=now)
    return moved


# The feed -----------------------------------------------------------------------------------

def _room_card(room: Room, shop_name: str, *, reason: str, follows: bool) -> dict[str, Any]:
    return {"room_id": room.id, "title": room.title, "shop_id": room.shop_id, "shop_name": shop_name,
            "status": room.status, "scheduled_at": room.scheduled_at, "started_at": room.started_at,
            "ended_at": room.ended_at, "reason": reason, "following": follows, "sponsored": False}


def _link(card: dict[str, Any]) -> str:
    source = "boost" if card["sponsored"] else "follow" if card["following"] else "feed"
    return f"/rooms/{card['room_id']}?src={source}"


def _z(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values, dtype=float)


@dataclass
class _Live:
    rooms: list[Room]
    figures: list[RoomFigures | None]
    levels: list[int]
    quota_left: list[int | None]


async def build_feed(db: Database, discovery: Discovery, *, viewer: Viewer, now: datetime,
                     limit: int = 20) -> dict[str, Any]:
    weights, model = discovery.weights, discovery.model
    await discovery.live.catch_up()
    async with db.transaction(write=False) as tx:
        sections = await rooms_store.feed_rooms(tx.conn, now=now)
        everything = [r for rs in sections.values() for r in rs]
        shop_ids = sorted({r.shop_id for r in everything})
        names = await catalog_store.shop_names(tx.conn, shop_ids)
        followed = (await engagement_store.followed_among(tx.conn, viewer.user.id, shop_ids)
                    if viewer.user else set())
        pool_rows = await store.pools_of(tx.conn, [r.id for r in sections["live"]])
        running = await store.running_boosts(tx.conn, now)
        splashes = await store.running_splashes(tx.conn, now)
    # An account trust & safety flagged (open or confirmed) is shown no paid slots — a boost's
    # buyer is not billed for it — and its impressions count toward no room's traffic pool.
    suspect = discovery.suspects is not None and viewer.visitor in discovery.suspects.accounts
    if suspect:
        running = []

    stamp = now.timestamp()
    figures = discovery.live.aggregator.rooms
    live_rooms = sections["live"]
    levels, left = [], []
    for room in live_rooms:
        row = pool_rows.get(room.id) or {"pool": 0, "impressions_at_entry": 0}
        traffic = room_traffic(figures.get(room.id), impressions_at_entry=row["impressions_at_entry"], now=stamp)
        levels.append(row["pool"])
        left.append(pools.quota_left(row["pool"], traffic.impressions))
    live = _Live(live_rooms, [figures.get(r.id) for r in live_rooms], levels, left)

    cards = await _live_page(db, discovery, live, viewer=viewer, followed=followed, names=names,
                             running=running, now=now, limit=limit)
    upcoming = _rank_others(sections["scheduled"], model, viewer, followed, names, weights, now=now,
                            soon=lambda r: math.exp(-max(0.0, (r.scheduled_at - now).total_seconds()) / 86_400))[:UPCOMING]
    replays = _rank_others(sections["ended"], model, viewer, followed, names, weights, now=now,
                           soon=lambda r: math.exp(-max(0.0, (now - (r.ended_at or now)).total_seconds()) / 86_400)
                           )[:REPLAYS]
    splash = await _splash(db, viewer, splashes, names, followed, now=now)

    shown = [*cards, *upcoming]
    if viewer.counted and not suspect:
        visitor = viewer.visitor
        for card in shown:
            if discovery.seen.first_in_window(visitor, card["room_id"], stamp):
                ev.emit_now(db, ev.Event(stamp, ev.FEED_VIEW, card["room_id"], card["shop_id"], visitor,
                                         source="boost" if card["sponsored"] else ""))
    for card in [*shown, *replays, *([splash] if splash else [])]:
        card["url"] = _link(card)
    return {"personalised": viewer.personal is not None and model.model is not None
            and viewer.personal in model.model.viewer_index,
            "splash": splash, "live": cards, "upcoming": upcoming, "replays": replays}


async def _live_page(db: Database, discovery: Discovery, live: _Live, *, viewer: Viewer, followed: set[int],
                     names: dict[int, str], running: list[dict[str, Any]], now: datetime,
                     limit: int) -> list[dict[str, Any]]:
    weights, model, book = discovery.weights, discovery.model, discovery.book
    n = len(live.rooms)
    if n == 0:
        return []
    shops = [r.shop_id for r in live.rooms]
    follows = np.array([s in followed for s in shops], dtype=bool)
    affinity = model.affinity(viewer.personal, shops)
    c = Candidates(
        rooms=np.array([r.id for r in live.rooms], dtype=np.int64), affinity=affinity,
        minutes_live=np.array([max(0.0, (now - (r.started_at or now)).total_seconds() / 60) for r in live.rooms]),
        viewers_online=np.array([f.online if f else 0 for f in live.figures], dtype=float),
        buyers=np.array([len(f.buyers) if f else 0 for f in live.figures], dtype=float),
        unique_viewers=np.array([len(f.viewers) if f else 0 for f in live.figures], dtype=float),
        received=np.array(book.received_many(shops)))
    relevance = blend(c, replace(weights, fairness=0.0)) + weights.follow * follows
    stalled = np.array([q == 0 for q in live.quota_left], dtype=bool)
    scores = relevance - pools.STALLED_PENALTY * stalled - weights.fairness * np.log1p(c.received)

    # Candidate sources: why each room may be shown (first that applies).
    reason: dict[int, str] = {i: "follow" for i in np.flatnonzero(follows)}
    # Similar: the live rooms whose hosts the viewer's history scores highest (the model's
    # affinity; zero for guests and viewers it does not know).
    liked = np.flatnonzero(affinity > 0)
    for i in liked[np.argsort(-affinity[liked], kind="stable")[:SOURCE_LIMIT]]:
        reason.setdefault(int(i), "similar")
    owed = [i for i in range(n) if live.levels[i] == 0 and (live.quota_left[i] or 0) > 0]
    fresh = [i for i in range(n) if c.minutes_live[i] < pools.GUARANTEE_MINUTES]
    for i in sorted({*owed, *fresh}, key=lambda i: c.minutes_live[i])[:SOURCE_LIMIT]:
        reason.setdefault(i, "new")
    for i in np.argsort(-c.viewers_online, kind="stable")[:SOURCE_LIMIT]:
        reason.setdefault(int(i), "popular")
    candidates = sorted(reason, key=lambda i: (-scores[i], c.rooms[i]))
    length = min(limit, n)
    organic_top = set(candidates[:length])

    # Reserved slots: test-pool rooms still owed impressions, most urgent first.
    def urgency(i: int) -> float:
        minutes_left = max(1.0, pools.GUARANTEE_MINUTES - c.minutes_live[i])
        return (live.quota_left[i] or 0) / minutes_left

    fixed: dict[int, tuple[int, str]] = {}
    waiting = [i for i in sorted(owed, key=lambda i: (-urgency(i), c.rooms[i])) if i not in organic_top]
    for slot in pools.TEST_SLOTS:
        if slot < length and waiting:
            fixed[slot] = (waiting.pop(0), "pool")
    sponsored = await _sponsored(db, live, running, viewer=viewer, followed=followed, model=model,
                                 taken={i for i, _ in fixed.values()} | organic_top,
                                 slots=boost_rules.sponsored_slots(length), now=now)
    fixed.update(sponsored)

    used = {i for i, _ in fixed.values()}
    organic = iter(i for i in candidates if i not in used)
    page: list[tuple[int, str]] = []
    for position in range(length):
        if position in fixed:
            page.append(fixed[position])
        else:
            nxt = next(organic, None)
            if nxt is not None:
                page.append((nxt, "organic"))

    # Book: what each host received here, and what its relevance deserved. Paid slots are
    # counted as impressions but not as attention received: a boost must not cost its buyer
    # organic reach afterwards.
    deserved = np.exp((relevance[candidates] - relevance[candidates].max()) / DESERVED_TEMPERATURE)
    deserved /= deserved.sum()
    book.book_deserved([shops[i] for i in candidates], deserved.tolist(), now)
    cards = []
    for position, (i, placement) in enumerate(page):
        room = live.rooms[i]
        paid = placement.startswith("boost")
        book.book(room.shop_id, now, received=position_weight(position) if position < FAIR_K and not paid else 0.0,
                  impressions=1, pool_impressions=int(placement == "pool"),
                  boost_impressions=int(paid), follow_impressions=int(bool(follows[i])))
        card = _room_card(room, names.get(room.shop_id, ""), reason="new" if placement == "pool" else reason.get(i, "boost"),
                          follows=bool(follows[i]))
        card.update(viewers_online=int(c.viewers_online[i]), pool=live.levels[i], placement=placement.split(":")[0],
                    sponsored=paid)
        if placement.startswith("boost:"):
            card["boost_id"] = int(placement.split(":")[1])
        cards.append(card)
    return cards


async def _sponsored(db: Database, live: _Live, running: list[dict[str, Any]], *, viewer: Viewer,
                     followed: set[int], model: FeedModel, taken: set[int], slots: tuple[int, ...],
                     now: datetime) -> dict[int, tuple[int, str]]:
    """Boosts for the page's sponsored slots, billed here (at most one per room)."""
    if not slots or not running:
        return {}
    index = {r.id: i for i, r in enumerate(live.rooms)}
    lookalike: set[int] | None = None
    picks: dict[int, tuple[int, str]] = {}
    free = list(slots)
    # Most behind its pace first: a boost that is late needs the slot most.
    behind = sorted(running, key=lambda b: (b["delivered"] / max(1, boost_rules.allowed_by_pace(b, now)), b["id"]))
    for boost in behind:
        i = index.get(boost["room_id"])
        if not free or i is None or i in taken or boost["delivered"] >= boost_rules.allowed_by_pace(boost, now):
            continue
        if boost["segment"] == "lookalike" and lookalike is None:
            top = max(1, int(len(model.model.room_index) * boost_rules.LOOKALIKE_SHARE)) if model.model else 0
            lookalike = set(model.similar_shops(viewer.personal, limit=top))
        if not boost_rules.targets(boost, follows=boost["shop_id"] in followed,
                                   lookalike=boost["shop_id"] in (lookalike or set()), region=viewer.region):
            continue
        async with db.transaction() as tx:
            charged = await store.charge_impression(tx.conn, boost["id"],
                                                    allowed=boost_rules.allowed_by_pace(boost, now))
        if charged:
            picks[free.pop(0)] = (i, f"boost:{boost['id']}")
            taken.add(i)
    return picks


def _rank_others(rooms: list[Room], model: FeedModel, viewer: Viewer, followed: set[int], names: dict[int, str],
                 weights: BlendWeights, *, now: datetime, soon: Any) -> list[dict[str, Any]]:
    """Upcoming shows and replays: followed hosts, then personal affinity, then how close in time."""
    if not rooms:
        return []
    shops = [r.shop_id for r in rooms]
    follows = np.array([s in followed for s in shops], dtype=float)
    scores = (weights.follow * follows + weights.affinity * _z(model.affinity(viewer.personal, shops))
              + np.array([soon(r) for r in rooms]))
    order = sorted(range(len(rooms)), key=lambda i: (-scores[i], rooms[i].id))
    return [_room_card(rooms[i], names.get(rooms[i].shop_id, ""), reason="follow" if follows[i] else "schedule",
                       follows=bool(follows[i])) for i in order]


async def _splash(db: Database, viewer: Viewer, splashes: list[dict[str, Any]], names: dict[int, str],
                  followed: set[int], *, now: datetime) -> dict[str, Any] | None:
    """The first running splash whose show is still to come or live and whose cap this viewer
    has not reached today (counted in the same statement that checks the cap)."""
    for splash in splashes:
        async with db.transaction() as tx:
            room = await rooms_store.room_by_id(tx.conn, splash["room_id"])
            if room is None or room.status not in ("scheduled", "live"):
                continue
            if not await store.count_splash_view(tx.conn, splash_id=splash["id"], viewer=viewer.visitor,
                                                 day=day_of(now), cap=splash["cap_per_viewer"]):
                continue
        card = _room_card(room, names.get(room.shop_id, ""), reason="splash", follows=room.shop_id in followed)
        return card | {"splash_id": splash["id"], "headline": splash["headline"], "placement": "splash"}
    return None


# Boosts and splashes: the merchant's side ------------------------------------------------------

MAX_BOOST_WINDOW = timedelta(days=7)
MAX_SPLASH_WINDOW = timedelta(days=3)


async def _as_merchant(conn: Any, user: User, shop_id: int, *, hidden: LiveshopError, doing: str) -> None:
    """Traffic is bought and cancelled by the shop's merchant: the shop's other crew (and its
    bases' operators) get 403; anyone who may not even read the shop's numbers gets `hidden` (404)."""
    if await catalog_store.staff_role(conn, shop_id, user.id) == "merchant":
        return
    if not await can_read_numbers(conn, user, shop_id):
        raise hidden
    raise PermissionDenied(f"Only the shop's merchant {doing}")


async def _merchant_room(conn: Any, user: User, shop_id: int, room_id: int) -> Room:
    if await catalog_store.shop_by_id(conn, shop_id) is None:
        raise ShopNotFound()
    await _as_merchant(conn, user, shop_id, hidden=ShopNotFound(), doing="buys traffic")
    room = await rooms_store.room_by_id(conn, room_id)
    if room is None or room.shop_id != shop_id:
        raise NotRoomOfShop()
    if room.status not in ("scheduled", "live"):
        raise RoomNotBoostable()
    return room


async def create_boost(db: Database, *, user: User, shop_id: int, room_id: int, impressions: int, budget_cents: int,
                       currency: str, segment: str, region: str | None, starts_at: datetime | None,
                       ends_at: datetime | None, pacing: str, now: datetime) -> dict[str, Any]:
    starts = starts_at or now
    ends = ends_at or starts + timedelta(hours=4)
    _check_window(starts, ends, now, MAX_BOOST_WINDOW)
    price = budget_cents // impressions
    if price < 1:
        raise BudgetTooSmall()
    async with db.transaction() as tx:
        await _merchant_room(tx.conn, user, shop_id, room_id)
        return boost_rules.boost_view(await store.insert_boost(
            tx.conn, shop_id=shop_id, room_id=room_id, impressions=impressions, budget_cents=budget_cents,
            price_cents=price, currency=currency, delivered=0, spent_cents=0, segment=segment, region=region,
            starts_at=starts, ends_at=ends, pacing=pacing, status="active", created_by=user.id, created_at=now))


def _check_window(starts: datetime, ends: datetime, now: datetime, longest: timedelta) -> None:
    if ends <= starts or ends <= now:
        raise BadWindow("The window must end after it starts, and in the future")
    if ends - starts > longest:
        raise BadWindow(f"A window may last at most {longest.days} days")


async def cancel_boost(db: Database, *, user: User, boost_id: int) -> dict[str, Any]:
    async with db.transaction() as tx:
        boost = await store.boost_by_id(tx.conn, boost_id)
        if boost is None:
            raise BoostNotFound()
        await _as_merchant(tx.conn, user, boost["shop_id"], hidden=BoostNotFound(), doing="cancels its boosts")
        await store.cancel_boost(tx.conn, boost_id)
        return boost_rules.boost_view(await store.boost_by_id(tx.conn, boost_id) or boost)


async def create_splash(db: Database, *, user: User, shop_id: int, room_id: int, headline: str,
                        starts_at: datetime, ends_at: datetime, cap_per_viewer: int, now: datetime) -> dict[str, Any]:
    _check_window(starts_at, ends_at, now, MAX_SPLASH_WINDOW)
    async with db.transaction() as tx:
        await _merchant_room(tx.conn, user, shop_id, room_id)
        return boost_rules.splash_view(await store.insert_splash(
            tx.conn, shop_id=shop_id, room_id=room_id, headline=headline, starts_at=starts_at, ends_at=ends_at,
            cap_per_viewer=cap_per_viewer, shown=0, status="active", created_by=user.id, created_at=now))


async def cancel_splash(db: Database, *, user: User, splash_id: int) -> dict[str, Any]:
    async with db.transaction() as tx:
        splash = await store.splash_by_id(tx.conn, splash_id)
        if splash is None:
            raise SplashNotFound()
        await _as_merchant(tx.conn, user, splash["shop_id"], hidden=SplashNotFound(), doing="cancels its placements")
        await store.cancel_splash(tx.conn, splash_id)
        return boost_rules.splash_view(await store.splash_by_id(tx.conn, splash_id) or splash)


async def set_region(db: Database, *, user: User, region: str | None, now: datetime) -> None:
    async with db.transaction() as tx:
        await store.set_region(tx.conn, user.id, region, now)


async def region_of(db: Database, *, user: User | None) -> str | None:
    if user is None:
        return None
    async with db.transaction(write=False) as tx:
        return await store.region_of(tx.conn, user.id)


# What the merchant sees ---------------------------------------------------------------------

async def shop_traffic(db: Database, discovery: Discovery, *, user: User, shop_id: int, now: datetime) -> dict[str, Any]:
    """The shop's rooms with their pool and the thresholds to beat, the exposure the shop
    received against what its relevance deserved (and where it came from), its boosts and
    splash placements."""
    await discovery.live.catch_up()
    book = discovery.book
    async with db.transaction(write=False) as tx:
        if not await can_read_numbers(tx.conn, user, shop_id):
            raise ShopNotFound()
        rooms = [r for r in await rooms_store.list_rooms(tx.conn, shop_id=shop_id, limit=50)
                 if r.status in ("scheduled", "live") or (r.ended_at and r.ended_at >= now - timedelta(days=7))]
        rows = await store.pools_of(tx.conn, [r.id for r in rooms])
        totals = await store.exposure_totals(tx.conn, since_day=book.since_day())
        days = await store.exposure_days(tx.conn, shop_id=shop_id, since_day=book.since_day())
        boosts = await store.boosts_of_shop(tx.conn, shop_id)
        splashes = await store.splashes_of_shop(tx.conn, shop_id)
    stamp = now.timestamp()
    room_views = []
    for room in rooms:
        row = rows.get(room.id)
        view: dict[str, Any] = {"room_id": room.id, "title": room.title, "status": room.status, "pool": None}
        if row is not None:
            traffic = room_traffic(discovery.live.aggregator.rooms.get(room.id),
                                   impressions_at_entry=row["impressions_at_entry"], now=stamp)
            view.update(pool=row["pool"], reason=row["reason"], entered_at=row["entered_at"],
                        impressions=traffic.impressions, quota=pools.POOLS[row["pool"]].quota,
                        quota_left=pools.quota_left(row["pool"], traffic.impressions),
                        click_through=round(traffic.click_through, 4), engagement=round(traffic.engagement, 4),
                        conversion=round(traffic.conversion, 4))
        room_views.append(view)
    mine = totals.get(shop_id, {})
    received_all = sum(t["received"] for t in totals.values())
    deserved_all = sum(t["deserved"] for t in totals.values())
    received_share = mine.get("received", 0.0) / received_all if received_all else 0.0
    deserved_share = mine.get("deserved", 0.0) / deserved_all if deserved_all else 0.0
    return {
        "pools": pools.describe(), "guarantee_minutes": pools.GUARANTEE_MINUTES, "rooms": room_views,
        "exposure": {
            "window_days": book.window_days,
            "impressions": int(mine.get("impressions", 0)),
            "pool_impressions": int(mine.get("pool_impressions", 0)),
            "boost_impressions": int(mine.get("boost_impressions", 0)),
            "follow_impressions": int(mine.get("follow_impressions", 0)),
            "received_share": round(received_share, 6), "deserved_share": round(deserved_share, 6),
            "why": _why(received_share, deserved_share, mine),
            "days": [{"day": d["day"], "impressions": d["impressions"], "received": round(d["received"], 3),
                      "deserved": round(d["deserved"], 3)} for d in days],
        },
        "boosts": [boost_rules.boost_view(b) for b in boosts],
        "splashes": [boost_rules.splash_view(s) for s in splashes],
    }


def _why(received: float, deserved: float, mine: dict[str, float]) -> list[str]:
    """Stable codes the page explains in the viewer's language."""
    reasons = []
    if not mine.get("impressions"):
        return ["no_impressions"]
    if received > deserved * 1.2:
        reasons.append("above_deserved")  # the damping will now favour others
    elif received < deserved * 0.8:
        reasons.append("below_deserved")  # the damping now favours this shop
    else:
        reasons.append("as_deserved")
    if mine.get("pool_impressions"):
        reasons.append("test_pool")
    if mine.get("boost_impressions"):
        reasons.append("boosted")
    if mine.get("follow_impressions"):
        reasons.append("followers")
    return reasons
