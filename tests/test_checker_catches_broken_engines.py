"""`liveshop check` is only worth something if it catches real mistakes. Two deliberately
broken engines, each a classic flash-sale bug, must each produce a reported violation."""

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from liveshop.check import run_check
from liveshop.inventory import store as inventory_store
from liveshop.inventory.errors import SoldOut
from liveshop.inventory.memory import MemoryStockEngine
from liveshop.orders import store as orders_store
from liveshop.orders.batches import SqlBatchWriter
from tests.orders.world import live_listing, user


async def read_then_decrement(services, *, buyer, listing_id, now):
    """Bug 1: reads the stock, then writes back a value computed from that read."""
    async with services.db.transaction(write=False) as tx:
        listing = await inventory_store.listing_by_id(tx.conn, listing_id)
    if listing.remaining < 1:
        raise SoldOut()
    await asyncio.sleep(0.001)  # the window every read-then-write has
    async with services.db.transaction() as tx:
        await orders_store.insert_order(
            tx.conn, buyer_id=buyer.id, shop_id=listing.shop_id, room_id=listing.room_id, listing_id=listing.id,
            product_id=listing.product_id, title=listing.title, quantity=1, unit_price_cents=listing.price_cents,
            subtotal_cents=listing.price_cents, discount_cents=0, total_cents=listing.price_cents,
            currency=listing.currency, status="pending_payment", idempotency_key=uuid.uuid4().hex,
            request_fingerprint="x", created_at=now, expires_at=now + timedelta(minutes=15),
        )
        await inventory_store.update_listing(
            tx.conn, listing_id, remaining=listing.remaining - 1, reserved=listing.reserved + 1
        )
        await inventory_store.hold_quota(tx.conn, listing_id, buyer.id, 1, None)


async def test_check_catches_read_then_decrement(services):
    world = await live_listing(services, stock=5)
    buyers = [await user(services) for _ in range(20)]
    now = services.clock.now()

    async def attempt(buyer):
        try:
            await read_then_decrement(services, buyer=buyer, listing_id=world.listing_id, now=now)
        except SoldOut:
            pass

    await asyncio.gather(*(attempt(b) for b in buyers))
    async with services.db.transaction(write=False) as tx:
        made = (await tx.conn.execute(select(func.count()).select_from(orders_store.orders))).scalar_one()
    assert made > 5  # the bug really oversold...
    report = await run_check(services.db)
    assert not report.ok  # ...and the checker says so
    assert any("pending orders hold" in v for v in report.violations), report.violations


class AcknowledgeFirstEngine(MemoryStockEngine):
    """Bug 2: answers the buyer with an order id before the batch holding it is durable."""

    def __init__(self, *args, next_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._next_id = next_id

    async def place(self, **kwargs):
        task = asyncio.ensure_future(super().place(**kwargs))
        await asyncio.sleep(0)  # the claim is queued...
        self._next_id += 1
        task.cancel()  # ...the buyer is answered, and the process dies before the commit
        return self._next_id - 1


async def test_check_catches_acknowledged_orders_that_were_never_made_durable(services):
    world = await live_listing(services, stock=5)
    buyers = [await user(services) for _ in range(3)]
    async with services.db.transaction(write=False) as tx:
        last = (await tx.conn.execute(select(func.coalesce(func.max(orders_store.orders.c.id), 0)))).scalar_one()
    broken = AcknowledgeFirstEngine(
        services.db, flush=SqlBatchWriter(services.db), known_keys=lambda listing_id: _no_keys(),
        load_order=lambda order_id: None, room_status=lambda room_id: _live(), next_id=last + 1,
    )  # its writer is never started: the "kill" comes before any batch commits
    acked = [
        await broken.place(buyer_id=b.id, listing_id=world.listing_id, quantity=1, idempotency_key=uuid.uuid4().hex,
                           fingerprint="f", now=services.clock.now(), payment_timeout=900)
        for b in buyers
    ]
    report = await run_check(services.db, acknowledged_order_ids=acked)
    assert not report.ok
    assert sum("acknowledged to a buyer but not in the database" in v for v in report.violations) == 3


async def _no_keys():
    return {}


async def _live():
    return "live"
