"""What happens to an order's coupons when the order is paid or closed unpaid.

Called inside the order's own transaction (the payment webhook, the expiry sweep, a
cancel), after the order's status compare-and-set won, so each runs once per order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.coupons import store
from liveshop.orders import store as orders_store


async def use_for_order(conn: AsyncConnection, order_id: int, now: datetime) -> None:
    for coupon in await store.coupons_of_order(conn, order_id):
        await store.set_coupon_status(conn, coupon["id"], from_status="locked", to_status="used", used_at=now)


async def release_for_order(conn: AsyncConnection, order_id: int) -> None:
    """The order will never be paid: its coupons go back to their holder, its subsidies back
    to their budgets. Its discount lines stay, as the record of what it was offered."""
    for coupon in await store.coupons_of_order(conn, order_id):
        await store.set_coupon_status(conn, coupon["id"], from_status="locked", to_status="available",
                                      order_id=None)
    lines = await orders_store.discounts_of(conn, [order_id])
    for line in lines.get(order_id, []):
        if line["kind"] == "coupon" and line["offer_id"] is not None:
            await store.refund_spend(conn, int(line["offer_id"]), int(line["amount_cents"]))  # type: ignore[call-overload]
