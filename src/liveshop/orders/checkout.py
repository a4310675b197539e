"""Paying an order: start a checkout with a provider, apply its signed webhook."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from liveshop.analytics import events as analytics
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.coupons import ledger as coupon_ledger
from liveshop.fans import rules as fan_rules
from liveshop.fans import store as fans_store
from liveshop.inventory import service as inventory
from liveshop.orders import store
from liveshop.orders.errors import (
    OrderNotFound,
    OrderNotPayable,
    PaymentMismatch,
    PaymentNotFound,
    WebhookReplayed,
)
from liveshop.orders.payments import PaymentProvider
from liveshop.orders.service import close_unpaid
from liveshop.orders.store import Order, Payment
from liveshop.realtime.events import my_order_event, publish_best_effort, publish_private


async def start_payment(
    db: Database, *, user: User, order_id: int, provider: PaymentProvider, now: datetime,
    address_hash: str | None = None,
) -> tuple[Order, Payment]:
    """Open (or reuse) a checkout for the buyer's pending order, shipping to the address
    whose hash is given (the latest one given counts).

    An order whose time is up is expired on the spot (its stock goes back on sale) and the
    buyer is told so; that expiry commits even though the answer is an error.
    """
    async with db.transaction() as tx:
        order = await store.order_by_id(tx.conn, order_id)
        if order is None or order.buyer_id != user.id:
            raise OrderNotFound()
        if order.status != "pending_payment":
            raise OrderNotPayable(current_status=order.status)
        too_late = order.expires_at <= now
        if too_late:
            await close_unpaid(tx, order, to_status="expired", now=now)
        else:
            if address_hash and address_hash != order.address_hash:
                order = await store.set_address_hash(tx.conn, order.id, address_hash)
            payment = await store.open_payment_of(tx.conn, order_id)
            if payment is None or payment.provider != provider.name:
                payment = await store.insert_payment(
                    tx.conn,
                    order_id=order.id,
                    provider=provider.name,
                    provider_ref=provider.new_reference(),
                    amount_cents=order.total_cents,
                    currency=order.currency,
                    status="created",
                    created_at=now,
                    updated_at=now,
                )
    if too_late:
        raise OrderNotPayable("The time to pay this order is up", current_status="expired")
    return order, payment


async def handle_webhook(
    db: Database, *, provider: PaymentProvider, headers: Mapping[str, str], body: bytes, now: datetime,
    fingerprint: Callable[[str, str], str] | None = None,
) -> tuple[Payment, Order]:
    """Apply a provider's signed event once. Bad signature, stale or repeated event → nothing changes.
    The paying instrument's fingerprint is kept as a keyed hash (`fingerprint`) for trust & safety."""
    event = provider.parse_webhook(headers, body, now=now)
    try:
        async with db.transaction() as tx:
            await store.remember_webhook(tx.conn, provider.name, event.event_id, now)
            payment = await store.payment_by_ref(tx.conn, provider.name, event.provider_ref)
            if payment is None:
                raise PaymentNotFound()
            if (payment.amount_cents, payment.currency) != (event.amount_cents, event.currency):
                raise PaymentMismatch(expected=payment.amount_cents, got=event.amount_cents)
            # The order's row first, as applying coupons does: the two never wait on each other.
            order = await store.order_by_id(tx.conn, payment.order_id, for_update=True)
            assert order is not None
            if event.instrument and fingerprint is not None:
                await store.set_instrument_hash(tx.conn, payment.id, fingerprint("instrument", event.instrument))
            if event.type == "payment.failed":
                await store.set_payment_status(
                    tx.conn, payment.id, from_status="created", to_status="failed", now=now
                )
            elif await store.set_payment_status(
                tx.conn, payment.id, from_status="created", to_status="succeeded", now=now
            ):
                paid = await store.transition(
                    tx.conn, order.id, from_status="pending_payment", to_status="paid", paid_at=now
                )
                if paid is not None:
                    await inventory.commit_stock(tx, listing_id=order.listing_id, quantity=order.quantity)
                    if paid.discount_cents:
                        await coupon_ledger.use_for_order(tx.conn, paid.id, now)
                    await fans_store.add(tx.conn, paid.shop_id, paid.buyer_id, fan_rules.PURCHASE_POINTS, now)
                    publish_best_effort(
                        tx,
                        order.room_id,
                        "purchase",
                        {"listing_id": order.listing_id, "title": order.title, "quantity": order.quantity},
                    )
                    publish_private(tx, order.room_id, order.buyer_id, "my_order", my_order_event(paid))
                    analytics.emit(tx, analytics.order_event(analytics.PAID, paid, now))
                    order = paid
                else:
                    # Money arrived for an order that already expired or was cancelled: its
                    # stock is gone back on sale, so the money goes back to the buyer.
                    await store.set_payment_status(
                        tx.conn, payment.id, from_status="succeeded", to_status="refunded", now=now
                    )
                    publish_private(tx, order.room_id, order.buyer_id, "my_order",
                                    my_order_event(order) | {"refunded": True})
            elif await store.set_payment_status(
                tx.conn, payment.id, from_status="voided", to_status="refunded", now=now
            ):
                # Paid through a checkout that coupons had voided: the order waits for its new
                # amount, and this money goes back.
                publish_private(tx, order.room_id, order.buyer_id, "my_order",
                                my_order_event(order) | {"refunded": True})
            payment = await store.payment_by_ref(tx.conn, provider.name, event.provider_ref)
            assert payment is not None
            return payment, order
    except IntegrityError as exc:
        raise WebhookReplayed(event_id=event.event_id) from exc


async def payment_for_checkout(db: Database, *, provider: PaymentProvider, provider_ref: str) -> tuple[Payment, Order]:
    async with db.transaction(write=False) as tx:
        payment = await store.payment_by_ref(tx.conn, provider.name, provider_ref)
        if payment is None:
            raise PaymentNotFound()
        order = await store.order_by_id(tx.conn, payment.order_id)
        assert order is not None
        return payment, order
