"""Orders, payments and the webhook events already processed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    and_,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, metadata

ORDER_STATES = ("pending_payment", "paid", "expired", "cancelled")

orders = Table(
    "orders",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("buyer_id", IdType, ForeignKey("users.id"), nullable=False),
    Column("shop_id", IdType, ForeignKey("shops.id"), nullable=False),
    Column("room_id", IdType, ForeignKey("rooms.id"), nullable=False),
    Column("listing_id", IdType, ForeignKey("listings.id"), nullable=False),
    Column("product_id", IdType, ForeignKey("products.id"), nullable=False),
    Column("title", String(120), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
    Column("subtotal_cents", BigInteger, nullable=False),
    Column("discount_cents", BigInteger, nullable=False, default=0),
    Column("total_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("idempotency_key", String(64), nullable=False),
    Column("request_fingerprint", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("paid_at", UTCDateTime(), nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    # Trust & safety: a keyed hash of the shipping address given at checkout (never the address).
    Column("address_hash", String(32), nullable=True),
    UniqueConstraint("buyer_id", "idempotency_key", name="uq_orders_buyer_idempotency_key"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("total_cents = subtotal_cents - discount_cents", name="total_adds_up"),
    CheckConstraint("total_cents >= 0", name="total_nonnegative"),
    Index("ix_orders_status_expires_at", "status", "expires_at"),
    Index("ix_orders_listing_id", "listing_id"),
    Index("ix_orders_shop_id", "shop_id"),
    Index("ix_orders_room_id", "room_id"),
    Index("ix_orders_address_hash", "address_hash"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("order_id", IdType, ForeignKey("orders.id"), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("provider_ref", String(64), nullable=False, unique=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    # created → succeeded | failed | voided (coupons changed the amount); succeeded | voided → refunded
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    # Trust & safety: a keyed hash of the provider's fingerprint of the card or wallet that paid.
    Column("instrument_hash", String(32), nullable=True),
    Index("ix_payments_order_id", "order_id"),
    Index("ix_payments_instrument_hash", "instrument_hash"),
)

# The discount lines of an order's price breakdown: coupons, subsidies, a lucky-bag prize.
order_discounts = Table(
    "order_discounts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("order_id", IdType, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # coupon | lucky_bag
    Column("title", String(60), nullable=False),
    Column("funded_by", String(8), nullable=False),  # shop | platform
    Column("offer_id", IdType, nullable=True),
    Column("coupon_id", IdType, nullable=True),
    Column("amount_cents", BigInteger, nullable=False),
    CheckConstraint("amount_cents >= 0", name="discount_nonnegative"),
    Index("ix_order_discounts_order_id", "order_id"),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("provider", String(32), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("received_at", UTCDateTime(), nullable=False),
)


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    buyer_id: int
    shop_id: int
    room_id: int
    listing_id: int
    product_id: int
    title: str
    quantity: int
    unit_price_cents: int
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    currency: str
    status: str
    idempotency_key: str
    request_fingerprint: str
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    closed_at: datetime | None
    address_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    id: int
    order_id: int
    provider: str
    provider_ref: str
    amount_cents: int
    currency: str
    status: str
    created_at: datetime
    updated_at: datetime
    instrument_hash: str | None = None


def _order(row) -> Order:  # type: ignore[no-untyped-def]
    return Order(**{k: getattr(row, k) for k in Order.__slots__})


def _payment(row) -> Payment:  # type: ignore[no-untyped-def]
    return Payment(**{k: getattr(row, k) for k in Payment.__slots__})


async def insert_order(conn: AsyncConnection, **values: object) -> Order:
    return _order((await conn.execute(insert(orders).values(**values).returning(*orders.c))).one())


async def insert_orders(conn: AsyncConnection, rows: list[dict[str, object]]) -> list[Order]:
    """Many orders in one statement (executemany with RETURNING, in the order given)."""
    if not rows:
        return []
    result = await conn.execute(insert(orders).returning(*orders.c, sort_by_parameter_order=True), rows)
    return [_order(r) for r in result]


async def orders_by_keys(conn: AsyncConnection, keys: list[tuple[int, str]]) -> dict[tuple[int, str], Order]:
    """Orders already made with any of these (buyer, Idempotency-Key) pairs."""
    found: dict[tuple[int, str], Order] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        rows = await conn.execute(
            select(orders).where(tuple_(orders.c.buyer_id, orders.c.idempotency_key).in_(chunk))
        )
        for row in rows:
            order = _order(row)
            found[(order.buyer_id, order.idempotency_key)] = order
    return found


async def keys_of_listing(conn: AsyncConnection, listing_id: int) -> list[tuple[int, int, str, str]]:
    """(order id, buyer, Idempotency-Key, request fingerprint) of every order of a listing."""
    rows = await conn.execute(
        select(orders.c.id, orders.c.buyer_id, orders.c.idempotency_key, orders.c.request_fingerprint).where(
            orders.c.listing_id == listing_id
        )
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def order_by_id(conn: AsyncConnection, order_id: int, *, for_update: bool = False) -> Order | None:
    query = select(orders).where(orders.c.id == order_id)
    row = (await conn.execute(query.with_for_update() if for_update else query)).first()
    return _order(row) if row else None


async def order_by_key(conn: AsyncConnection, buyer_id: int, key: str) -> Order | None:
    row = (
        await conn.execute(
            select(orders).where(orders.c.buyer_id == buyer_id, orders.c.idempotency_key == key)
        )
    ).first()
    return _order(row) if row else None


async def transition(
    conn: AsyncConnection, order_id: int, *, from_status: str, to_status: str, **values: object
) -> Order | None:
    """Compare-and-set on the status: of two racing transitions exactly one wins."""
    row = (
        await conn.execute(
            update(orders)
            .where(orders.c.id == order_id, orders.c.status == from_status)
            .values(status=to_status, **values)
            .returning(*orders.c)
        )
    ).first()
    return _order(row) if row else None


async def due_for_expiry(conn: AsyncConnection, now: datetime, limit: int) -> list[int]:
    rows = await conn.execute(
        select(orders.c.id)
        .where(orders.c.status == "pending_payment", orders.c.expires_at <= now)
        .order_by(orders.c.expires_at)
        .limit(limit)
    )
    return [r.id for r in rows]


async def orders_of_buyer(conn: AsyncConnection, buyer_id: int, limit: int) -> list[Order]:
    rows = await conn.execute(
        select(orders).where(orders.c.buyer_id == buyer_id).order_by(orders.c.id.desc()).limit(limit)
    )
    return [_order(r) for r in rows]


async def orders_of_room(conn: AsyncConnection, room_id: int, limit: int) -> list[Order]:
    rows = await conn.execute(
        select(orders).where(orders.c.room_id == room_id).order_by(orders.c.id.desc()).limit(limit)
    )
    return [_order(r) for r in rows]


async def has_ordered_in_room(conn: AsyncConnection, room_id: int, buyer_id: int) -> bool:
    row = (
        await conn.execute(
            select(orders.c.id).where(orders.c.room_id == room_id, orders.c.buyer_id == buyer_id).limit(1)
        )
    ).first()
    return row is not None


async def room_sales(conn: AsyncConnection, room_id: int) -> dict[str, int]:
    """Order counts per status and paid GMV of one room."""
    rows = await conn.execute(
        select(orders.c.status, func.count(), func.coalesce(func.sum(orders.c.total_cents), 0))
        .where(orders.c.room_id == room_id)
        .group_by(orders.c.status)
    )
    out = {s: 0 for s in ORDER_STATES} | {"gmv_cents": 0, "units_sold": 0}
    for status, count, total in rows:
        out[status] = count
        if status == "paid":
            out["gmv_cents"] = int(total)
    units = (
        await conn.execute(
            select(func.coalesce(func.sum(orders.c.quantity), 0)).where(
                orders.c.room_id == room_id, orders.c.status == "paid"
            )
        )
    ).scalar_one()
    out["units_sold"] = int(units)
    return out


async def listing_totals(conn: AsyncConnection) -> dict[int, dict[str, int]]:
    """Units per listing per status, straight from the orders (for `liveshop check`)."""
    rows = await conn.execute(
        select(orders.c.listing_id, orders.c.status, func.sum(orders.c.quantity)).group_by(
            orders.c.listing_id, orders.c.status
        )
    )
    out: dict[int, dict[str, int]] = {}
    for listing_id, status, qty in rows:
        out.setdefault(listing_id, {})[status] = int(qty)
    return out


async def buyer_totals(conn: AsyncConnection) -> list[tuple[int, int, int]]:
    """(listing_id, buyer_id, units held by pending or paid orders)."""
    rows = await conn.execute(
        select(orders.c.listing_id, orders.c.buyer_id, func.sum(orders.c.quantity))
        .where(orders.c.status.in_(("pending_payment", "paid")))
        .group_by(orders.c.listing_id, orders.c.buyer_id)
    )
    return [(r[0], r[1], int(r[2])) for r in rows]


DISCOUNT_FIELDS = ("kind", "title", "funded_by", "offer_id", "coupon_id", "amount_cents")


async def discounts_of(conn: AsyncConnection, order_ids: list[int]) -> dict[int, list[dict[str, object]]]:
    """Each order's discount lines (orders without any are absent)."""
    found: dict[int, list[dict[str, object]]] = {}
    if not order_ids:
        return found
    rows = await conn.execute(select(order_discounts).where(order_discounts.c.order_id.in_(order_ids))
                              .order_by(order_discounts.c.id))
    for row in rows:
        found.setdefault(row.order_id, []).append({k: getattr(row, k) for k in DISCOUNT_FIELDS})
    return found


async def replace_discounts(conn: AsyncConnection, order_id: int, lines: list[dict[str, object]]) -> Order:
    """The order's discount lines become `lines`, and its total follows them."""
    await conn.execute(delete(order_discounts).where(order_discounts.c.order_id == order_id))
    if lines:
        await conn.execute(insert(order_discounts), [{"order_id": order_id, **line} for line in lines])
    discount = sum(int(line["amount_cents"]) for line in lines)  # type: ignore[call-overload]
    row = (await conn.execute(
        update(orders).where(orders.c.id == order_id)
        .values(discount_cents=discount, total_cents=orders.c.subtotal_cents - discount)
        .returning(*orders.c))).one()
    return _order(row)


async def insert_payment(conn: AsyncConnection, **values: object) -> Payment:
    return _payment((await conn.execute(insert(payments).values(**values).returning(*payments.c))).one())


async def open_payment_of(conn: AsyncConnection, order_id: int) -> Payment | None:
    row = (
        await conn.execute(
            select(payments)
            .where(payments.c.order_id == order_id, payments.c.status == "created")
            .order_by(payments.c.id.desc())
        )
    ).first()
    return _payment(row) if row else None


async def payment_by_ref(conn: AsyncConnection, provider: str, ref: str) -> Payment | None:
    row = (
        await conn.execute(
            select(payments).where(payments.c.provider == provider, payments.c.provider_ref == ref)
        )
    ).first()
    return _payment(row) if row else None


async def set_address_hash(conn: AsyncConnection, order_id: int, address_hash: str) -> Order:
    row = (await conn.execute(update(orders).where(orders.c.id == order_id).values(address_hash=address_hash)
                              .returning(*orders.c))).one()
    return _order(row)


async def set_instrument_hash(conn: AsyncConnection, payment_id: int, instrument_hash: str) -> None:
    await conn.execute(update(payments).where(payments.c.id == payment_id).values(instrument_hash=instrument_hash))


async def set_payment_status(
    conn: AsyncConnection, payment_id: int, *, from_status: str, to_status: str, now: datetime
) -> bool:
    result = await conn.execute(
        update(payments)
        .where(payments.c.id == payment_id, payments.c.status == from_status)
        .values(status=to_status, updated_at=now)
    )
    return result.rowcount == 1


async def refund_payments(conn: AsyncConnection, order_id: int, now: datetime) -> None:
    await conn.execute(update(payments).where(payments.c.order_id == order_id, payments.c.status == "succeeded")
                       .values(status="refunded", updated_at=now))


async def remember_webhook(conn: AsyncConnection, provider: str, event_id: str, now: datetime) -> None:
    await conn.execute(
        insert(webhook_events).values(provider=provider, event_id=event_id, received_at=now)
    )


async def paid_since(conn: AsyncConnection, *, since: datetime, until: datetime,
                     limit: int = 2_000_000) -> list[dict[str, Any]]:
    """Orders paid in the period (kept or refunded since), with the shipping address's and the
    paying instrument's hashes: what trust & safety's brushing rules read."""
    query = (select(orders.c.id, orders.c.buyer_id, orders.c.shop_id, orders.c.room_id, orders.c.paid_at,
                    orders.c.status, orders.c.closed_at, orders.c.address_hash,
                    func.max(payments.c.instrument_hash).label("instrument_hash"))
             .select_from(orders.outerjoin(payments, and_(payments.c.order_id == orders.c.id,
                                                          payments.c.status.in_(("succeeded", "refunded")))))
             .where(orders.c.paid_at >= since, orders.c.paid_at < until)
             .group_by(orders.c.id).order_by(orders.c.id).limit(limit))
    return [dict(r._mapping) for r in await conn.execute(query)]


async def buyers_of_shop(conn: AsyncConnection, shop_id: int, *, since: datetime) -> list[int]:
    rows = await conn.execute(select(orders.c.buyer_id).distinct()
                              .where(orders.c.shop_id == shop_id, orders.c.paid_at >= since))
    return [r.buyer_id for r in rows]
