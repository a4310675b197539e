"""Batch writers for the stock engines' group commit: a batch of claims becomes orders,
buyer quotas and stock changes in one transaction.

`SqlBatchWriter` works on every database through SQLAlchemy and also records "sold out"
when a batch takes a listing's last units. `PostgresBatchWriter` is the fast path: the
whole batch is one statement (arrays in, `unnest`, data-modifying CTEs) on a connection of
its own, so a commit is one round trip and Python builds no per-row parameter dicts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import make_url

from liveshop.analytics import events as analytics
from liveshop.core.db import Database
from liveshop.inventory import service as inventory
from liveshop.inventory.groupcommit import Batch, Kind, ListingFacts
from liveshop.orders import store
from liveshop.orders.service import pending_order_row
from liveshop.orders.store import Order

log = logging.getLogger(__name__)

Results = list[tuple[Kind, Any]]


def _outcomes(batch: Batch, created: Mapping[tuple[int, str], Order], existing: Mapping[tuple[int, str], Order]) -> Results:
    results: Results = []
    for i, key in enumerate(zip(batch.buyer_ids, batch.keys, strict=True)):
        order = created.get(key)
        if order is not None:
            results.append(("created", order))
        elif existing[key].request_fingerprint == batch.fingerprints[i]:
            results.append(("replay", existing[key]))
        else:
            results.append(("mismatch", None))
    return results


class SqlBatchWriter:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def __call__(self, batch: Batch, listings: Mapping[int, ListingFacts]) -> Results:
        async with self._db.transaction() as tx:
            existing = await store.orders_by_keys(tx.conn, list(zip(batch.buyer_ids, batch.keys, strict=True)))
            fresh = [i for i, key in enumerate(zip(batch.buyer_ids, batch.keys, strict=True)) if key not in existing]
            rows = []
            for i in fresh:
                listing = listings[batch.listing_ids[i]]
                rows.append(pending_order_row(
                    buyer_id=batch.buyer_ids[i], shop_id=listing.shop_id, room_id=listing.room_id,
                    listing_id=batch.listing_ids[i], product_id=listing.product_id, title=listing.title,
                    quantity=batch.quantities[i], unit_price_cents=batch.prices[i], currency=listing.currency,
                    idempotency_key=batch.keys[i], fingerprint=batch.fingerprints[i],
                    created_at=batch.created_at[i],
                    expires_at=batch.created_at[i] + timedelta(seconds=batch.timeouts[i]),
                ))
            created = await store.insert_orders(tx.conn, rows)
            for order in created:
                analytics.emit(tx, analytics.order_event(analytics.ORDER, order, order.created_at))
            await inventory.reserve_claimed(
                tx,
                [(batch.listing_ids[i], listings[batch.listing_ids[i]].room_id, batch.buyer_ids[i],
                  batch.quantities[i]) for i in fresh],
                now=batch.created_at[-1],
            )
        return _outcomes(batch, {(o.buyer_id, o.idempotency_key): o for o in created}, existing)


# Orders copy the listing's facts in the database; the price is the one the buyer was shown.
# Data-modifying CTEs run in no set order, so `stock` reads a count of `quotas` (an InitPlan,
# evaluated before the update): every buyer quota is locked before any listing row, the lock
# order of every other stock path (release_stock: quota, then listing). The CHECK constraints on listings are the guard: a batch
# that would take more than remains fails whole.
BATCH_STATEMENT = """
WITH c AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::int[], $5::text[], $6::text[],
                         $7::timestamptz[], $8::int[])
        AS c(listing_id, buyer_id, quantity, unit_price_cents, idempotency_key, request_fingerprint,
             created_at, timeout)
),
ins AS (
    INSERT INTO orders (buyer_id, shop_id, room_id, listing_id, product_id, title, quantity,
                        unit_price_cents, subtotal_cents, discount_cents, total_cents, currency, status,
                        idempotency_key, request_fingerprint, created_at, expires_at)
    SELECT c.buyer_id, l.shop_id, l.room_id, c.listing_id, l.product_id, l.title, c.quantity,
           c.unit_price_cents, c.unit_price_cents::bigint * c.quantity, 0,
           c.unit_price_cents::bigint * c.quantity, l.currency, 'pending_payment',
           c.idempotency_key, c.request_fingerprint, c.created_at,
           c.created_at + make_interval(secs => c.timeout)
    FROM c JOIN listings l ON l.id = c.listing_id
    ON CONFLICT (buyer_id, idempotency_key) DO NOTHING
    RETURNING id, buyer_id, idempotency_key, listing_id, quantity
),
quotas AS (
    INSERT INTO listing_buyers (listing_id, user_id, quantity)
    SELECT listing_id, buyer_id, sum(quantity) FROM ins GROUP BY listing_id, buyer_id
    ORDER BY listing_id, buyer_id
    ON CONFLICT (listing_id, user_id) DO UPDATE SET quantity = listing_buyers.quantity + excluded.quantity
    RETURNING 1
),
stock AS (
    UPDATE listings l SET remaining = l.remaining - t.units, reserved = l.reserved + t.units
    FROM (SELECT listing_id, sum(quantity) AS units FROM ins GROUP BY listing_id ORDER BY listing_id) t
    WHERE l.id = t.listing_id AND (SELECT count(*) FROM quotas) >= 0
    RETURNING l.id, l.remaining
)
SELECT id, buyer_id, idempotency_key, NULL::int AS remaining FROM ins
UNION ALL
SELECT id, NULL, NULL, remaining FROM stock
"""


class PostgresBatchWriter:
    def __init__(self, db: Database, *, slow: SqlBatchWriter) -> None:
        self._db = db
        self._slow = slow
        self._dsn = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn: Any = None

    async def close(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()
        self._conn = None

    async def __call__(self, batch: Batch, listings: Mapping[int, ListingFacts]) -> Results:
        if batch.sells_out:  # rare: once per sell-out; the slow path records "sold out" atomically
            return await self._slow(batch, listings)
        import asyncpg

        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._dsn)
        try:
            rows = await self._conn.fetch(
                BATCH_STATEMENT, batch.listing_ids, batch.buyer_ids, batch.quantities, batch.prices, batch.keys,
                batch.fingerprints, batch.created_at, batch.timeouts,
            )
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError):
            await self.close()  # the next batch reconnects
            raise
        ids: dict[tuple[int, str], int] = {}
        levels: list[tuple[int, int]] = []
        for row_id, buyer_id, key, remaining in rows:
            if key is None:
                levels.append((row_id, remaining))
            else:
                ids[(buyer_id, key)] = row_id
        created = {key: _order(batch, i, ids[key], listings) for i, key in
                   enumerate(zip(batch.buyer_ids, batch.keys, strict=True)) if key in ids}
        for order in created.values():
            analytics.emit_now(self._db, analytics.order_event(analytics.ORDER, order, order.created_at))
        existing: dict[tuple[int, str], Order] = {}
        if len(created) < len(batch):  # some keys made orders before (a restart, another node)
            async with self._db.transaction(write=False) as tx:
                existing = await store.orders_by_keys(tx.conn, [k for k in zip(batch.buyer_ids, batch.keys, strict=True) if k not in ids])
        for listing_id, remaining in levels:
            room_id = listings[listing_id].room_id
            self._db.dispatch(room_id, {"type": "stock", "listing_id": listing_id, "stock_left": remaining})
            if remaining == 0:  # the engine did not expect it (it was out of step): say it now
                await inventory.record_sold_out(self._db, room_id=room_id, listing_id=listing_id,
                                                now=batch.created_at[-1])
        return _outcomes(batch, created, existing)


def _order(batch: Batch, i: int, order_id: int, listings: Mapping[int, ListingFacts]) -> Order:
    listing = listings[batch.listing_ids[i]]
    created_at: datetime = batch.created_at[i]
    subtotal = batch.prices[i] * batch.quantities[i]
    return Order(
        order_id, batch.buyer_ids[i], listing.shop_id, listing.room_id, batch.listing_ids[i], listing.product_id,
        listing.title, batch.quantities[i], batch.prices[i], subtotal, 0, subtotal, listing.currency,
        "pending_payment", batch.keys[i], batch.fingerprints[i], created_at,
        created_at + timedelta(seconds=batch.timeouts[i]), None, None,
    )


def batch_writer(db: Database) -> SqlBatchWriter | PostgresBatchWriter:
    slow = SqlBatchWriter(db)
    return slow if db.is_sqlite else PostgresBatchWriter(db, slow=slow)
