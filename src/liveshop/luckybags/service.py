"""Lucky bags (福袋): the host puts up prizes, viewers who meet the conditions enter, and a
verifiable draw picks the winners (see draw.py for how anyone can check it).

Prizes are products with their own stock (taken from the warehouse when the bag opens, as a
listing that is awarded and never sold) or coupons of one of the shop's offers. A product
winner gets a paid 0-price order; a coupon winner gets the coupon. Awards happen in the draw's
own transaction, after its open → drawn compare-and-set, so each bag is drawn once however
many nodes' timers and hosts race for it, and the prize stock's conditional update (with the
listing's check constraint behind it) never hands out more than there is.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from liveshop.analytics import events as analytics
from liveshop.catalog import store as catalog_store
from liveshop.catalog.access import LIVE_CREW, shop_role
from liveshop.catalog.errors import InsufficientProductStock, ProductNotFound
from liveshop.core.auth import store as auth_store
from liveshop.core.auth.store import User
from liveshop.core.db import Database, Tx
from liveshop.coupons import service as coupons
from liveshop.coupons import store as coupons_store
from liveshop.engagement import service as engagement
from liveshop.engagement import store as engagement_store
from liveshop.inventory import store as inventory_store
from liveshop.luckybags import draw, store
from liveshop.luckybags.errors import (
    EntryConditionNotMet,
    InvalidPrize,
    LuckyBagClosed,
    LuckyBagNotFound,
    NotDrawnYet,
)
from liveshop.moderation.service import Moderation
from liveshop.orders import store as orders_store
from liveshop.orders.service import pending_order_row
from liveshop.realtime.events import (
    my_order_event,
    publish_best_effort,
    publish_private,
    record_critical,
)
from liveshop.rooms.errors import RoomNotLive
from liveshop.rooms.service import access_room, get_public_room


def bag_view(bag: dict[str, Any]) -> dict[str, Any]:
    """What everyone may see: the commitment from the start, the seed only once drawn."""
    return {
        "id": bag["id"], "room_id": bag["room_id"], "shop_id": bag["shop_id"], "title": bag["title"],
        "prize": {"kind": bag["prize_kind"], "title": bag["prize_title"], "count": bag["prize_count"]},
        "conditions": {"follow": bag["need_follow"], "keyword": bag["keyword"],
                       "watch_minutes": bag["watch_seconds"] // 60},
        "status": bag["status"], "entrants": bag["entrants"], "commitment": bag["commitment"],
        "seed": bag["seed_hex"] if bag["status"] == "drawn" else None,
        "opened_at": bag["opened_at"], "draws_at": bag["draws_at"], "drawn_at": bag["drawn_at"],
    }


def _event_view(bag: dict[str, Any]) -> dict[str, Any]:
    view = bag_view(bag)
    for k in ("opened_at", "draws_at", "drawn_at"):
        view[k] = view[k].isoformat() if view[k] else None
    return view


async def launch(db: Database, *, user: User, room_id: int, title: str, prize_kind: str, product_id: int | None,
                 offer_id: int | None, prize_count: int, duration_seconds: int, need_follow: bool,
                 keyword: str | None, watch_minutes: int, now: datetime) -> dict[str, Any]:
    seed = secrets.token_bytes(draw.SEED_BYTES)
    async with db.transaction() as tx:
        room = await access_room(tx.conn, user, room_id, LIVE_CREW)
        if room.status != "live":
            raise RoomNotLive("A lucky bag is launched during the show")
        listing_id = None
        if prize_kind == "product":
            product = await catalog_store.product_by_id(tx.conn, product_id) if product_id else None
            if product is None or product.shop_id != room.shop_id:
                raise ProductNotFound()
            if not await catalog_store.take_product_stock(tx.conn, product.id, prize_count):
                raise InsufficientProductStock(available=product.stock, requested=prize_count)
            listing_id = (await inventory_store.insert_listing(
                tx.conn, room_id=room_id, shop_id=room.shop_id, product_id=product.id, title=product.title,
                price_cents=product.price_cents, currency=product.currency, initial_stock=prize_count,
                remaining=prize_count, reserved=0, sold=0, per_user_limit=None, status=inventory_store.PRIZE,
                created_at=now, updated_at=now)).id
            prize_title = product.title
        else:
            offer = await coupons_store.offer_by_id(tx.conn, offer_id) if offer_id else None
            if offer is None or offer["shop_id"] != room.shop_id:
                raise InvalidPrize("A coupon prize is one of this shop's coupon offers")
            if offer["status"] != "active" or offer["valid_until"] <= now:
                raise InvalidPrize("That coupon offer has ended")
            if not await coupons_store.take_claims(tx.conn, offer["id"], prize_count):  # set aside for the winners
                left = offer["total_quantity"] - offer["claimed"]
                raise InvalidPrize(f"That offer has only {left} coupons left", left=left)
            prize_title = offer["title"]
        bag = await store.insert_bag(
            tx.conn, shop_id=room.shop_id, room_id=room_id, title=title, prize_kind=prize_kind,
            prize_listing_id=listing_id, prize_offer_id=offer_id if prize_kind == "coupon" else None,
            prize_title=prize_title, prize_count=prize_count, need_follow=need_follow, keyword=keyword,
            watch_seconds=watch_minutes * 60, status="open", seed_hex=seed.hex(), commitment=draw.commitment(seed),
            entrants=0, opened_at=now, draws_at=now + timedelta(seconds=duration_seconds), drawn_at=None,
            created_by=user.id,
        )
        await record_critical(tx, room_id, "lucky_bag_opened", {"bag": _event_view(bag)}, now=now)
        return bag_view(bag)


async def _mine(tx: Tx, bag: dict[str, Any], user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    entry = await store.entry_of(tx.conn, bag["id"], user.id)
    return {"entered": entry is not None, "won": bool(entry and entry["win_rank"]),
            "order_id": entry and entry["order_id"], "coupon_id": entry and entry["coupon_id"]}


async def get_bag(db: Database, *, bag_id: int, user: User | None) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        bag = await store.bag_by_id(tx.conn, bag_id)
        if bag is None:
            raise LuckyBagNotFound()
        return bag_view(bag) | {"me": await _mine(tx, bag, user)}


async def room_bags(db: Database, *, room_id: int, user: User | None) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        await get_public_room(tx.conn, room_id)
        return [bag_view(b) | {"me": await _mine(tx, b, user)} for b in await store.bags_of_room(tx.conn, room_id)]


async def enter(db: Database, moderation: Moderation, *, user: User, bag_id: int,
                now: datetime) -> dict[str, Any]:
    """Enter the draw, if the viewer meets the conditions. A keyword bag sends the keyword to
    the chat for them (一键参与), through the chat's moderation like any comment."""
    async with db.transaction(write=False) as tx:
        bag = await store.bag_by_id(tx.conn, bag_id)
        if bag is None:
            raise LuckyBagNotFound()
        already = await store.entry_of(tx.conn, bag_id, user.id)
        if already is None:
            if bag["status"] != "open" or bag["draws_at"] <= now:
                raise LuckyBagClosed()
            if bag["need_follow"] and not await engagement_store.is_following(tx.conn, user.id, bag["shop_id"]):
                raise EntryConditionNotMet("Follow the shop to enter", condition="follow")
            watched = await engagement_store.watched_seconds(tx.conn, bag["room_id"], user.id)
            if watched < bag["watch_seconds"]:
                raise EntryConditionNotMet(f"Watch {bag['watch_seconds'] // 60} minutes to enter",
                                           condition="watch", watched_seconds=watched,
                                           needed_seconds=bag["watch_seconds"])
    if already is None and bag["keyword"]:
        await engagement.post_comment(db, moderation, user=user, room_id=bag["room_id"], text=bag["keyword"], now=now)
    async with db.transaction() as tx:
        bag = await store.bag_by_id(tx.conn, bag_id)
        assert bag is not None
        if already is None:
            if bag["status"] != "open":
                raise LuckyBagClosed()
            if await store.add_entry(tx.conn, bag_id, user.id, now):
                analytics.emit(tx, analytics.Event(now.timestamp(), analytics.LUCKY_BAG_ENTRY, bag["room_id"],
                                                   bag["shop_id"], analytics.user_viewer(user.id)))
                bag = await store.bag_by_id(tx.conn, bag_id)
                assert bag is not None
                publish_best_effort(tx, bag["room_id"], "lucky_bag_entries",
                                    {"bag": {"id": bag_id, "entrants": bag["entrants"]}})
        return bag_view(bag) | {"me": await _mine(tx, bag, user)}


async def _award(tx: Tx, bag: dict[str, Any], prize: Any, winner: int, rank: int, now: datetime) -> dict[str, Any]:
    """One winner's prize: `prize` is the bag's prize listing or coupon offer, read once per draw."""
    if bag["prize_kind"] == "product":
        listing = prize
        if not await inventory_store.award_prize(tx.conn, listing.id):
            raise AssertionError(f"lucky bag {bag['id']}: prize stock ran out before its winners did")
        await inventory_store.hold_quota(tx.conn, listing.id, winner, 1, None)  # the unit is theirs
        row = pending_order_row(
            buyer_id=winner, shop_id=bag["shop_id"], room_id=bag["room_id"], listing_id=listing.id,
            product_id=listing.product_id, title=listing.title, quantity=1, unit_price_cents=listing.price_cents,
            currency=listing.currency, idempotency_key=f"lucky-bag-{bag['id']}", fingerprint="lucky_bag",
            created_at=now, expires_at=now,
        )
        order = await orders_store.insert_order(tx.conn, **row | {"status": "paid", "paid_at": now})
        order = await orders_store.replace_discounts(tx.conn, order.id, [{
            "kind": "lucky_bag", "title": bag["title"][:60], "funded_by": "shop", "offer_id": None,
            "coupon_id": None, "amount_cents": order.subtotal_cents}])
        await store.mark_won(tx.conn, bag["id"], winner, rank, order_id=order.id)
        publish_private(tx, bag["room_id"], winner, "my_order", my_order_event(order))
        return {"order_id": order.id}
    coupon_id = await coupons.grant(tx, prize, winner, source="lucky_bag", now=now, counted=True)
    assert coupon_id is not None
    await store.mark_won(tx.conn, bag["id"], winner, rank, coupon_id=coupon_id)
    return {"coupon_id": coupon_id}


async def _draw(tx: Tx, bag_id: int, now: datetime) -> dict[str, Any] | None:
    if not await store.mark_drawn(tx.conn, bag_id, now):
        return None
    bag = await store.bag_by_id(tx.conn, bag_id)
    assert bag is not None
    entrants = await store.entrant_ids(tx.conn, bag_id)
    picked = draw.winners(bytes.fromhex(bag["seed_hex"]), entrants, bag["prize_count"])
    names = await auth_store.usernames(tx.conn, picked)
    product = bag["prize_kind"] == "product"
    prize = await (inventory_store.listing_by_id(tx.conn, bag["prize_listing_id"]) if product
                   else coupons_store.offer_by_id(tx.conn, bag["prize_offer_id"]))
    assert prize is not None
    shown = bag_view(bag)["prize"]
    for rank, winner in enumerate(picked, start=1):
        awarded = await _award(tx, bag, prize, winner, rank, now)
        publish_private(tx, bag["room_id"], winner, "lucky_bag_won",
                        {"bag": {"id": bag_id, "title": bag["title"]}, "prize": shown | awarded})
    await engagement_store.add_to_inbox(tx.conn, [
        {"user_id": winner, "kind": f"lucky_bag:{bag_id}", "room_id": bag["room_id"],
         "title": f"🎁 {bag['prize_title']}"[:200], "link": f"/rooms/{bag['room_id']}?bag={bag_id}", "created_at": now}
        for winner in picked])
    unawarded = bag["prize_count"] - len(picked)
    if unawarded and product:  # back to the warehouse
        back = await inventory_store.shrink_prize(tx.conn, prize.id)
        await catalog_store.return_product_stock(tx.conn, prize.product_id, back)
    elif unawarded:  # back to the offer, for others to claim
        await coupons_store.return_claims(tx.conn, bag["prize_offer_id"], unawarded)
    await record_critical(tx, bag["room_id"], "lucky_bag_drawn", {
        "bag": _event_view(bag), "entrants_digest": draw.entrants_digest(entrants),
        "winners": [{"id": w, "name": names.get(w, "")} for w in picked],
    }, now=now)
    return bag


async def draw_now(db: Database, *, user: User, bag_id: int, now: datetime) -> dict[str, Any]:
    """The host draws before the timer (the timer would have drawn it anyway)."""
    async with db.transaction() as tx:
        bag = await store.bag_by_id(tx.conn, bag_id)
        if bag is None or await shop_role(tx.conn, user, bag["shop_id"]) not in LIVE_CREW | {"admin"}:
            raise LuckyBagNotFound()
        if await _draw(tx, bag_id, now) is None:
            raise LuckyBagClosed()
    return await draw_record(db, bag_id=bag_id)


async def draw_due_bags(db: Database, *, now: datetime) -> int:
    """Draw every bag whose time is up: each once, whichever node's sweep gets there first."""
    async with db.transaction(write=False) as tx:
        due = await store.due_bags(tx.conn, now)
    drawn = 0
    for bag_id in due:
        async with db.transaction() as tx:
            if await _draw(tx, bag_id, now) is not None:
                drawn += 1
    return drawn


async def draw_record(db: Database, *, bag_id: int) -> dict[str, Any]:
    """Everything needed to recompute a draw: the public endpoint and `liveshop verify-draw` read it."""
    async with db.transaction(write=False) as tx:
        bag = await store.bag_by_id(tx.conn, bag_id)
        if bag is None:
            raise LuckyBagNotFound()
        if bag["status"] != "drawn":
            raise NotDrawnYet(commitment=bag["commitment"], draws_at=bag["draws_at"].isoformat())
        entrants = await store.entrant_ids(tx.conn, bag_id)
        return {
            "algorithm": draw.ALGORITHM, "bag_id": bag_id, "room_id": bag["room_id"], "title": bag["title"],
            "commitment": bag["commitment"], "seed": bag["seed_hex"], "prize_count": bag["prize_count"],
            "entrants": entrants, "entrants_digest": draw.entrants_digest(entrants),
            "winners": await store.winner_ids(tx.conn, bag_id), "drawn_at": bag["drawn_at"],
        }
