"""`liveshop check`: verify stock and order invariants from the database alone.

This reads every capability's tables on purpose: it is the auditor, not a rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from liveshop.core.db import Database
from liveshop.inventory import store as inventory_store
from liveshop.orders import store as orders_store


@dataclass
class CheckReport:
    listings: int = 0
    orders: int = 0
    buyers: int = 0
    acknowledged: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


async def run_check(db: Database, *, acknowledged_order_ids: Iterable[int] = ()) -> CheckReport:
    report = CheckReport()
    async with db.transaction(write=False) as tx:
        conn = tx.conn
        listings = await inventory_store.all_listings(conn)
        totals = await orders_store.listing_totals(conn)
        report.listings = len(listings)
        for listing in listings:
            units = totals.get(listing.id, {})
            if listing.remaining + listing.reserved + listing.sold != listing.initial_stock:
                report.violations.append(
                    f"listing {listing.id}: remaining {listing.remaining} + reserved {listing.reserved}"
                    f" + sold {listing.sold} != initial {listing.initial_stock}"
                )
            if min(listing.remaining, listing.reserved, listing.sold) < 0:
                report.violations.append(f"listing {listing.id}: negative stock figure")
            if listing.sold != units.get("paid", 0):
                report.violations.append(
                    f"listing {listing.id}: sold {listing.sold} but paid orders hold {units.get('paid', 0)}"
                )
            if listing.reserved != units.get("pending_payment", 0):
                report.violations.append(
                    f"listing {listing.id}: reserved {listing.reserved} but pending orders hold"
                    f" {units.get('pending_payment', 0)}"
                )
        limits = {lst.id: lst.per_user_limit for lst in listings}
        held = await orders_store.buyer_totals(conn)
        counted = await inventory_store.all_quotas(conn)  # one query, not one per buyer
        report.buyers = len(held)
        for listing_id, buyer_id, quantity in held:
            limit = limits.get(listing_id)
            if limit is not None and quantity > limit:
                report.violations.append(
                    f"listing {listing_id}: buyer {buyer_id} holds {quantity} > limit {limit}"
                )
            units = counted.pop((listing_id, buyer_id), 0)
            if units != quantity:
                report.violations.append(
                    f"listing {listing_id}: buyer {buyer_id} counted {units} units, orders hold {quantity}"
                )
        for (listing_id, buyer_id), units in counted.items():
            if units:  # counted against the limit, but no live order holds them
                report.violations.append(
                    f"listing {listing_id}: buyer {buyer_id} counted {units} units, orders hold 0"
                )
        o = orders_store.orders
        report.orders = (await conn.execute(select(func.count()).select_from(o))).scalar_one()
        dupes = await conn.execute(
            select(o.c.buyer_id, o.c.idempotency_key, func.count())
            .group_by(o.c.buyer_id, o.c.idempotency_key)
            .having(func.count() > 1)
        )
        for buyer_id, key, count in dupes:
            report.violations.append(f"buyer {buyer_id}: idempotency key {key!r} made {count} orders")
        bad_totals = await conn.execute(
            select(o.c.id).where(
                (o.c.subtotal_cents != o.c.unit_price_cents * o.c.quantity)
                | (o.c.total_cents != o.c.subtotal_cents - o.c.discount_cents)
                | (o.c.total_cents < 0)
            )
        )
        for (order_id,) in bad_totals:
            report.violations.append(f"order {order_id}: price lines do not add up")
        d = orders_store.order_discounts
        line_sums = select(d.c.order_id, func.sum(d.c.amount_cents).label("lines")).group_by(d.c.order_id).subquery()
        unexplained = await conn.execute(
            select(o.c.id).select_from(o.outerjoin(line_sums, line_sums.c.order_id == o.c.id))
            .where(func.coalesce(line_sums.c.lines, 0) != o.c.discount_cents)
        )
        for (order_id,) in unexplained:
            report.violations.append(f"order {order_id}: its discount lines do not add up to its discount")
        p = orders_store.payments
        unpaid_paid = await conn.execute(
            select(o.c.id).where(
                o.c.status == "paid",
                o.c.total_cents > 0,  # a lucky-bag prize costs nothing and has no payment
                ~select(p.c.id)
                .where(p.c.order_id == o.c.id, p.c.status == "succeeded")
                .exists(),
            )
        )
        for (order_id,) in unpaid_paid:
            report.violations.append(f"order {order_id}: paid without a succeeded payment")
        acked = sorted(set(acknowledged_order_ids))
        report.acknowledged = len(acked)
        for start in range(0, len(acked), 500):
            chunk = acked[start : start + 500]
            found = set((await conn.execute(select(o.c.id).where(o.c.id.in_(chunk)))).scalars())
            for missing in sorted(set(chunk) - found):
                report.violations.append(f"order {missing}: acknowledged to a buyer but not in the database")
    return report
