"""Coupons and platform subsidies: offers, claims, and their use on an order.

A merchant's offer is paid for by the shop; a platform offer (an admin's, `shop_id` NULL) is
a subsidy the platform pays, with a budget that is never exceeded: each discount is taken out
of it by a conditional update when the coupon is applied to an order, and given back if that
order is never paid. The pricing rules live in `pricing.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from liveshop.catalog.access import LIVE_CREW, access_shop, shop_role
from liveshop.core.auth.store import User
from liveshop.core.db import Database, Tx
from liveshop.core.errors import PermissionDenied
from liveshop.coupons import ledger, pricing, store
from liveshop.coupons.errors import (
    ClaimLimitReached,
    CouponNotFound,
    CouponNotUsable,
    CouponsDoNotStack,
    InvalidOffer,
    OfferExhausted,
    OfferNotClaimable,
    OfferNotFound,
    SubsidyBudgetExhausted,
    ThresholdNotMet,
)
from liveshop.orders import store as orders_store
from liveshop.orders.errors import OrderNotFound, OrderNotPayable
from liveshop.orders.service import order_views
from liveshop.realtime.events import my_order_event, publish_private, record_critical
from liveshop.rooms.errors import RoomNotFound
from liveshop.rooms.service import access_room, get_public_room

_PUBLIC = ("id", "shop_id", "room_id", "funded_by", "title", "kind", "amount_off_cents", "percent_off",
           "max_off_cents", "threshold_cents", "stackable", "valid_from", "valid_until", "total_quantity",
           "claimed", "per_user_limit", "claimable", "status")
_STAFF = ("budget_cents", "spent_cents")


def offer_view(offer: dict[str, Any], *, staff: bool = False) -> dict[str, Any]:
    view = {k: offer[k] for k in _PUBLIC}
    view["left"] = None if offer["total_quantity"] is None else offer["total_quantity"] - offer["claimed"]
    for k in _STAFF:
        view[k] = offer[k] if staff else None
    return view


def _event_view(offer: dict[str, Any]) -> dict[str, Any]:
    view = offer_view(offer)
    view["valid_from"] = view["valid_from"].isoformat()
    view["valid_until"] = view["valid_until"].isoformat()
    return view


def coupon_view(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "id": row["coupon_id"], "status": row["coupon_status"], "order_id": row["order_id"],
        "source": row["source"], "claimed_at": row["claimed_at"], "used_at": row["used_at"],
        "usable_now": row["coupon_status"] == "available" and store.now_valid(row, now),
        "offer": offer_view(row),
    }


def _check_terms(kind: str, amount_off_cents: int | None, percent_off: int | None, threshold_cents: int,
                 valid_from: datetime, valid_until: datetime) -> None:
    if kind == "amount_off" and (not amount_off_cents or percent_off is not None):
        raise InvalidOffer("An amount_off coupon takes amount_off_cents and no percent_off")
    if kind == "percent_off" and (not percent_off or amount_off_cents is not None):
        raise InvalidOffer("A percent_off coupon takes percent_off and no amount_off_cents")
    if kind == "amount_off" and threshold_cents and amount_off_cents and amount_off_cents >= threshold_cents:
        raise InvalidOffer("满减: the amount off must be below the threshold")
    if valid_until <= valid_from:
        raise InvalidOffer("valid_until must come after valid_from")


async def create_offer(db: Database, *, user: User, shop_id: int | None, room_id: int | None, title: str,
                       kind: str, amount_off_cents: int | None, percent_off: int | None,
                       max_off_cents: int | None, threshold_cents: int, stackable: bool,
                       valid_from: datetime | None, valid_until: datetime | None, valid_days: int | None,
                       total_quantity: int | None, per_user_limit: int, budget_cents: int | None,
                       claimable: bool = True, now: datetime) -> dict[str, Any]:
    """A shop's coupon (shop_id) or, for an admin, a platform subsidy (shop_id None, with a budget)."""
    valid_from = valid_from or now
    valid_until = valid_until or valid_from + timedelta(days=valid_days or 7)
    _check_terms(kind, amount_off_cents, percent_off, threshold_cents, valid_from, valid_until)
    async with db.transaction() as tx:
        if shop_id is None:
            if not user.is_admin:
                raise PermissionDenied("Only the platform's admins fund subsidies")
            if budget_cents is None:
                raise InvalidOffer("A platform subsidy needs a budget_cents cap")
            if room_id is not None:
                raise InvalidOffer("A platform subsidy is not tied to one room")
        else:
            await access_shop(tx.conn, user, shop_id, LIVE_CREW)
        if room_id is not None:
            room = await access_room(tx.conn, user, room_id, LIVE_CREW)
            if room.shop_id != shop_id:
                raise RoomNotFound()
        offer = await store.insert_offer(
            tx.conn, shop_id=shop_id, room_id=room_id, funded_by="platform" if shop_id is None else "shop",
            title=title, kind=kind, amount_off_cents=amount_off_cents, percent_off=percent_off,
            max_off_cents=max_off_cents, threshold_cents=threshold_cents, stackable=stackable,
            valid_from=valid_from, valid_until=valid_until, total_quantity=total_quantity, claimed=0,
            per_user_limit=per_user_limit, budget_cents=budget_cents, spent_cents=0, claimable=claimable,
            status="active", created_by=user.id, created_at=now,
        )
        if room_id is not None and claimable:
            # The claim card pops up in the show (发券).
            await record_critical(tx, room_id, "coupon_offered", {"offer": _event_view(offer)}, now=now)
        return offer_view(offer, staff=True)


async def _offer_for_staff(tx: Tx, user: User, offer_id: int) -> dict[str, Any]:
    offer = await store.offer_by_id(tx.conn, offer_id)
    if offer is None:
        raise OfferNotFound()
    if offer["shop_id"] is None:
        if not user.is_admin:
            raise OfferNotFound()
    elif await shop_role(tx.conn, user, offer["shop_id"]) not in LIVE_CREW | {"admin"}:
        raise OfferNotFound()
    return offer


async def get_offer(db: Database, *, offer_id: int, user: User | None) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        offer = await store.offer_by_id(tx.conn, offer_id)
        if offer is None:
            raise OfferNotFound()
        staff = user is not None and (
            user.is_admin or (offer["shop_id"] is not None
                              and await shop_role(tx.conn, user, offer["shop_id"]) in LIVE_CREW))
        return offer_view(offer, staff=staff)


async def end_offer(db: Database, *, user: User, offer_id: int) -> dict[str, Any]:
    """No more claims and no more use (coupons already on a pending order keep their discount)."""
    async with db.transaction() as tx:
        await _offer_for_staff(tx, user, offer_id)
        await store.end_offer(tx.conn, offer_id)
        offer = await store.offer_by_id(tx.conn, offer_id)
        assert offer is not None
        return offer_view(offer, staff=True)


async def shop_offers(db: Database, *, user: User, shop_id: int) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        await access_shop(tx.conn, user, shop_id, LIVE_CREW)
        return [offer_view(o, staff=True) for o in await store.offers_where(tx.conn, store.offers.c.shop_id == shop_id)]


async def platform_offers(db: Database, *, user: User) -> list[dict[str, Any]]:
    if not user.is_admin:
        raise PermissionDenied("Only the platform's admins see its subsidies")
    async with db.transaction(write=False) as tx:
        return [offer_view(o, staff=True) for o in await store.offers_where(tx.conn, store.offers.c.shop_id.is_(None))]


async def claimable_offers(db: Database, *, room_id: int, now: datetime) -> list[dict[str, Any]]:
    """What a viewer in the room can claim now: the room's offers, the shop's, the platform's."""
    c = store.offers.c
    async with db.transaction(write=False) as tx:
        room = await get_public_room(tx.conn, room_id)
        found = await store.offers_where(
            tx.conn, c.status == "active", c.claimable.is_(True), c.valid_from <= now, c.valid_until > now,
            ((c.shop_id == room.shop_id) & (c.room_id.is_(None) | (c.room_id == room_id))) | c.shop_id.is_(None),
        )
    return [offer_view(o) for o in found]


async def grant(tx: Tx, offer: dict[str, Any], user_id: int, *, source: str, now: datetime,
                counted: bool = False) -> int | None:
    """One coupon of the offer for the user, if any are left: the coupon id, or None.
    `counted`: the caller already took it from the offer's quantity (a lucky bag sets its
    prizes aside when it opens)."""
    if not counted and not await store.take_claims(tx.conn, offer["id"]):
        return None
    return await store.insert_coupon(tx.conn, offer_id=offer["id"], user_id=user_id, status="available",
                                     order_id=None, source=source, claimed_at=now, used_at=None)


async def claim(db: Database, *, user: User, offer_id: int, now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        offer = await store.offer_by_id(tx.conn, offer_id)
        if offer is None:
            raise OfferNotFound()
        if not offer["claimable"] or offer["status"] != "active" or not now < offer["valid_until"]:
            raise OfferNotClaimable()
        if not await store.count_user_claim(tx.conn, offer_id, user.id, offer["per_user_limit"]):
            raise ClaimLimitReached(per_user_limit=offer["per_user_limit"])
        coupon_id = await grant(tx, offer, user.id, source="claim", now=now)
        if coupon_id is None:
            raise OfferExhausted()
        rows = await store.coupons_of_user(tx.conn, user.id, coupon_id)
        return coupon_view(rows[0], now)


async def my_coupons(db: Database, *, user: User, now: datetime) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        return [coupon_view(r, now) for r in await store.coupons_of_user(tx.conn, user.id)]


def _best_choice(rows: list[dict[str, Any]], order: Any, now: datetime, on_order: dict[int, int]) -> list[int]:
    """The usable coupons (at most one per funder) that take the most off the order.
    `on_order`: what the order's current coupons take from each offer's budget (given back first)."""
    usable = [r for r in rows if (r["coupon_status"] == "available" or r["order_id"] == order.id)
              and store.now_valid(r, now)
              and (r["shop_id"] is None or r["shop_id"] == order.shop_id)]
    by_funder: dict[str, list[dict[str, Any] | None]] = {f: [None] for f in pricing.FUNDERS}
    for row in usable:
        by_funder[row["funded_by"]].append(row)
    best: tuple[int, list[int]] = (0, [])
    for shop_row in by_funder["shop"]:
        for platform_row in by_funder["platform"]:
            chosen = [r for r in (shop_row, platform_row) if r is not None]
            try:
                lines = pricing.price(order.subtotal_cents, [store.terms_of(r) for r in chosen])
            except (CouponsDoNotStack, ThresholdNotMet):
                continue
            rows_by_offer = {r["id"]: r for r in chosen}
            if any(line.amount_cents == 0 or (
                    rows_by_offer[line.terms.offer_id]["budget_cents"] is not None
                    and rows_by_offer[line.terms.offer_id]["spent_cents"] - on_order.get(line.terms.offer_id, 0)
                    + line.amount_cents > rows_by_offer[line.terms.offer_id]["budget_cents"]) for line in lines):
                continue
            total = sum(line.amount_cents for line in lines)
            if total > best[0]:
                best = (total, [r["coupon_id"] for r in chosen])
    return best[1]


async def apply_to_order(db: Database, *, user: User, order_id: int, coupon_ids: list[int] | None,
                         now: datetime) -> dict[str, Any]:
    """The buyer's chosen coupons become the order's discounts (replacing any chosen before);
    `coupon_ids=None` chooses the best of the buyer's coupons for them.

    Coupons previously on the order go back to the buyer and their subsidies back to budget;
    the new ones are locked to the order and their subsidies taken from budget, all in one
    transaction, so an error leaves the order as it was. A checkout already opened for the
    old amount is voided: paying starts a new one for the new total.
    """
    async with db.transaction() as tx:
        # Locked: two applies on one order (two tabs) must not both give its coupons back.
        order = await orders_store.order_by_id(tx.conn, order_id, for_update=True)
        if order is None or order.buyer_id != user.id:
            raise OrderNotFound()
        if order.status != "pending_payment" or order.expires_at <= now:
            raise OrderNotPayable(current_status=order.status)
        if coupon_ids is None:
            lines = (await orders_store.discounts_of(tx.conn, [order.id])).get(order.id, [])
            on_order = {int(d["offer_id"]): int(d["amount_cents"]) for d in lines if d["offer_id"] is not None}  # type: ignore[call-overload]
            coupon_ids = _best_choice(await store.coupons_of_user(tx.conn, user.id), order, now, on_order)
        if not coupon_ids and not order.discount_cents:
            return (await order_views(tx.conn, [order]))[0]  # nothing to change: no writes
        if order.discount_cents:
            await ledger.release_for_order(tx.conn, order_id)
        chosen = await store.coupons_of_user(tx.conn, user.id, *coupon_ids) if coupon_ids else []
        if len(chosen) != len(set(coupon_ids)):
            raise CouponNotFound()
        for row in chosen:
            if row["coupon_status"] != "available":
                raise CouponNotUsable("This coupon is already used or on another order", coupon_id=row["coupon_id"])
            if not store.now_valid(row, now):
                raise CouponNotUsable("This coupon is not valid now", coupon_id=row["coupon_id"])
            if row["shop_id"] is not None and row["shop_id"] != order.shop_id:
                raise CouponNotUsable("This coupon is for another shop", coupon_id=row["coupon_id"])
        by_offer = {row["id"]: row for row in chosen}
        discount_rows = []
        for line in pricing.price(order.subtotal_cents, [store.terms_of(row) for row in chosen]):
            row = by_offer[line.terms.offer_id]
            if line.amount_cents == 0:
                raise CouponNotUsable("This coupon would take nothing off this order", coupon_id=row["coupon_id"])
            if not await store.spend(tx.conn, row["id"], line.amount_cents):
                raise SubsidyBudgetExhausted(offer_id=row["id"])
            if not await store.set_coupon_status(tx.conn, row["coupon_id"], from_status="available",
                                                 to_status="locked", order_id=order_id):
                raise CouponNotUsable("This coupon was just used on another order", coupon_id=row["coupon_id"])
            discount_rows.append({"kind": "coupon", "title": row["title"], "funded_by": row["funded_by"],
                                  "offer_id": row["id"], "coupon_id": row["coupon_id"],
                                  "amount_cents": line.amount_cents})
        order = await orders_store.replace_discounts(tx.conn, order_id, discount_rows)
        payment = await orders_store.open_payment_of(tx.conn, order_id)
        if payment is not None and payment.amount_cents != order.total_cents:
            await orders_store.set_payment_status(tx.conn, payment.id, from_status="created",
                                                  to_status="voided", now=now)
        publish_private(tx, order.room_id, order.buyer_id, "my_order", my_order_event(order))
        return (await order_views(tx.conn, [order]))[0]
