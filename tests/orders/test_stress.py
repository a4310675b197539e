"""Seeded randomized stress with small numbers: heavy oversubscription, concurrent retries
reusing keys, payments and cancellations, and late payments racing the expiry sweep.
Whatever happens: never oversold, nothing acknowledged lost, one order per key at most."""

import asyncio
import random
import uuid

import pytest

from liveshop.check import run_check
from liveshop.core.errors import LiveshopError
from liveshop.inventory.service import get_listing
from liveshop.orders import checkout
from liveshop.orders import service as orders
from tests.orders.world import live_listing, user


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_randomized_flash_sale(services, clock, seed):
    rng = random.Random(seed)
    stock = rng.randint(3, 8)
    world = await live_listing(services, stock=stock, per_user_limit=rng.randint(1, 3), product_stock=stock)
    buyers = [await user(services) for _ in range(rng.randint(10, 25))]
    timeout = services.settings.payment_timeout
    attempts = [(rng.choice(buyers), uuid.uuid4().hex, rng.randint(1, 2)) for _ in range(stock * rng.randint(10, 30))]
    attempts += [rng.choice(attempts) for _ in range(len(attempts) // 4)]  # retries reuse keys, concurrently
    rng.shuffle(attempts)
    answers: dict[str, set[int]] = {}

    async def attempt(buyer, key, quantity):
        try:
            order, _ = await orders.place_order(
                services.db, buyer_id=buyer.id, listing_id=world.listing_id, quantity=quantity, idempotency_key=key,
                now=clock.now(), payment_timeout=timeout, engine=services.engine,
            )
        except LiveshopError as exc:
            assert exc.status in (409, 422), exc
            return None
        answers.setdefault(key, set()).add(order.id)
        return order, buyer

    placed = [r for r in await asyncio.gather(*(attempt(*a) for a in attempts)) if r]
    assert placed, "the sale made no orders at all"
    assert all(len(ids) == 1 for ids in answers.values())  # one order per key, however often sent
    acknowledged = {order.id for order, _ in placed}

    async def pay(order, buyer):
        try:
            _, payment = await checkout.start_payment(services.db, user=buyer, order_id=order.id,
                                                      provider=services.sandbox, now=clock.now())
        except LiveshopError:
            return None
        return payment

    unique = {order.id: (order, buyer) for order, buyer in placed}
    payments = [p for p in await asyncio.gather(*(pay(o, b) for o, b in unique.values())) if p]

    async def webhook(payment):
        body, headers = services.sandbox.signed_event(
            provider_ref=payment.provider_ref, amount_cents=payment.amount_cents, currency=payment.currency,
            succeeded=rng.random() < 0.8, now=clock.now(),
        )
        try:
            await checkout.handle_webhook(services.db, provider=services.sandbox, headers=headers, body=body,
                                          now=clock.now())
        except LiveshopError:
            pass

    async def cancel(order, buyer):
        try:
            await orders.cancel_order(services.db, user=buyer, order_id=order.id, now=clock.now())
        except LiveshopError:
            pass

    # Some pay in time, some cancel; then the deadline passes and late payments race the sweep.
    on_time = payments[: len(payments) // 2]
    late = payments[len(payments) // 2 :]
    await asyncio.gather(*(webhook(p) for p in on_time), *(cancel(*rng.choice(list(unique.values()))) for _ in range(3)))
    clock.advance(timeout + 1)
    await asyncio.gather(orders.expire_due_orders(services.db, now=clock.now()), *(webhook(p) for p in late),
                         orders.expire_due_orders(services.db, now=clock.now()))

    listing = await get_listing(services.db, listing_id=world.listing_id)
    assert listing["sold"] <= stock and listing["stock_left"] >= 0
    report = await run_check(services.db, acknowledged_order_ids=acknowledged)
    assert report.ok, report.violations
    # The stock that is not sold is buyable again.
    fresh = await user(services)
    if listing["stock_left"] > 0:
        order, _ = await orders.place_order(services.db, buyer_id=fresh.id, listing_id=world.listing_id, quantity=1,
                                            idempotency_key=uuid.uuid4().hex, now=clock.now(),
                                            payment_timeout=timeout, engine=services.engine)
        assert order.status == "pending_payment"
