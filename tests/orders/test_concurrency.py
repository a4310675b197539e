"""Buyers really race: many transactions at once against one listing."""

import asyncio
import uuid

from sqlalchemy import insert

from liveshop.check import run_check
from liveshop.core.auth.store import User, users
from liveshop.inventory.errors import SoldOut
from liveshop.orders.service import place_order
from tests.orders.world import live_listing


async def _many_buyers(services, n):
    now = services.clock.now()
    async with services.db.transaction() as tx:
        ids = []
        for i in range(n):
            result = await tx.conn.execute(
                insert(users).values(username=f"racer{i}_{uuid.uuid4().hex[:6]}", password_hash="x", role="viewer",
                                     created_at=now).returning(users.c.id)
            )
            ids.append(result.scalar_one())
    return [User(id=i, username=str(i), role="viewer") for i in ids]


async def test_200_buyers_race_for_50_units(services):
    world = await live_listing(services, stock=50, per_user_limit=1)
    buyers = await _many_buyers(services, 200)
    start = asyncio.Event()

    async def attempt(buyer):
        await start.wait()
        try:
            order, _ = await place_order(
                services.db, buyer_id=buyer.id, listing_id=world.listing_id, quantity=1,
                idempotency_key=uuid.uuid4().hex, now=services.clock.now(), payment_timeout=900, engine=services.engine)
            return order
        except SoldOut:
            return None

    tasks = [asyncio.create_task(attempt(b)) for b in buyers]
    await asyncio.sleep(0)
    start.set()
    results = await asyncio.gather(*tasks)
    orders = [o for o in results if o is not None]
    assert len(orders) == 50
    assert len({o.buyer_id for o in orders}) == 50
    report = await run_check(services.db, acknowledged_order_ids=[o.id for o in orders])
    assert report.ok, report.violations
    from liveshop.inventory.service import get_listing

    listing = await get_listing(services.db, listing_id=world.listing_id)
    assert listing["stock_left"] == 0 and listing["sold_out"]


async def test_one_buyer_racing_itself_stays_under_its_limit(services):
    world = await live_listing(services, stock=100, per_user_limit=3)
    (buyer,) = await _many_buyers(services, 1)

    async def attempt():
        try:
            await place_order(services.db, buyer_id=buyer.id, listing_id=world.listing_id, quantity=1,
                              idempotency_key=uuid.uuid4().hex, now=services.clock.now(), payment_timeout=900, engine=services.engine)
            return True
        except Exception as exc:
            assert getattr(exc, "code", None) == "per_user_limit_exceeded", exc
            return False

    results = await asyncio.gather(*[attempt() for _ in range(20)])
    assert sum(results) == 3
    assert (await run_check(services.db)).ok


async def test_new_orders_racing_expiries_and_cancels_of_the_same_buyers(services, clock):
    """Placing (quota, then listing) and releasing (same order) interleave without deadlock."""
    from liveshop.orders.service import cancel_order, expire_due_orders

    world = await live_listing(services, stock=40, per_user_limit=10)
    buyers = await _many_buyers(services, 8)
    old = []
    for buyer in buyers:
        order, _ = await place_order(services.db, buyer_id=buyer.id, listing_id=world.listing_id, quantity=2,
                                     idempotency_key=uuid.uuid4().hex, now=clock.now(), payment_timeout=60, engine=services.engine)
        old.append(order)
    clock.advance(61)

    async def buy_again(buyer):
        await place_order(services.db, buyer_id=buyer.id, listing_id=world.listing_id, quantity=1,
                          idempotency_key=uuid.uuid4().hex, now=clock.now(), payment_timeout=60, engine=services.engine)

    async def cancel(order, buyer):
        try:
            await cancel_order(services.db, user=buyer, order_id=order.id, now=clock.now())
        except Exception as exc:
            assert getattr(exc, "code", None) == "order_not_cancellable", exc

    jobs = [buy_again(b) for b in buyers] + [cancel(o, b) for o, b in zip(old[:4], buyers[:4], strict=True)]
    jobs += [expire_due_orders(services.db, now=clock.now()) for _ in range(3)]
    await asyncio.gather(*jobs)
    report = await run_check(services.db)
    assert report.ok, report.violations
    from liveshop.inventory.service import get_listing

    listing = await get_listing(services.db, listing_id=world.listing_id)
    assert listing["stock_left"] == 40 - 8  # every old order closed; every new one holds 1
