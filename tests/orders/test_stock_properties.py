"""Property: whatever buyers, payments, cancellations, expiries and restocks do, stock is
conserved, never oversold, and the outcome of every attempt is the one a simple model predicts."""

import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveshop.check import run_check
from liveshop.core.errors import LiveshopError
from liveshop.inventory import service as inventory
from liveshop.orders import checkout
from liveshop.orders import service as orders
from tests.orders.world import live_listing, user

LIMIT = 4
BUYERS = 4

op = st.one_of(
    st.tuples(st.just("order"), st.integers(0, BUYERS - 1), st.integers(1, 3)),
    st.tuples(st.just("pay"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("wait"), st.integers(0, 1200)),
    st.tuples(st.just("restock"), st.integers(-4, 4)),
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=25), stock=st.integers(0, 8))
async def test_stock_is_conserved_under_any_sequence(services, clock, ops, stock):
    world = await live_listing(services, stock=max(stock, 1), per_user_limit=LIMIT, product_stock=40)
    buyers = [await user(services, "b") for _ in range(BUYERS)]
    timeout = services.settings.payment_timeout
    # The model: units remaining, and per order (buyer index, quantity, state, deadline).
    remaining = max(stock, 1)
    warehouse = 40 - remaining
    placed: list[dict] = []

    def held(b):
        return sum(o["qty"] for o in placed if o["buyer"] == b and o["state"] in ("pending_payment", "paid"))

    def expire_model(now):
        nonlocal remaining
        for o in placed:
            if o["state"] == "pending_payment" and o["deadline"] <= now:
                o["state"] = "expired"
                remaining += o["qty"]

    for action in ops:
        now = clock.now()
        kind = action[0]
        if kind == "order":
            _, b, qty = action
            expected_ok = held(b) + qty <= LIMIT and remaining >= qty
            try:
                order, _ = await orders.place_order(
                    services.db, buyer_id=buyers[b].id, listing_id=world.listing_id, quantity=qty,
                    idempotency_key=uuid.uuid4().hex, now=now, payment_timeout=timeout, engine=services.engine)
            except LiveshopError as exc:
                assert not expected_ok, f"refused ({exc.code}) but the model allows it"
                assert exc.code in ("per_user_limit_exceeded", "sold_out", "insufficient_stock")
            else:
                assert expected_ok, "accepted but the model refuses it"
                remaining -= qty
                placed.append({"id": order.id, "buyer": b, "qty": qty, "state": "pending_payment",
                               "deadline": now + timedelta(seconds=timeout)})
        elif kind in ("pay", "cancel") and placed:
            o = placed[action[1] % len(placed)]
            try:
                if kind == "pay":
                    _, payment = await checkout.start_payment(
                        services.db, user=buyers[o["buyer"]], order_id=o["id"], provider=services.sandbox, now=now
                    )
                    body, headers = services.sandbox.signed_event(
                        provider_ref=payment.provider_ref, amount_cents=payment.amount_cents,
                        currency=payment.currency, succeeded=action[2], now=now,
                    )
                    await checkout.handle_webhook(services.db, provider=services.sandbox, headers=headers, body=body, now=now)
                else:
                    await orders.cancel_order(services.db, user=buyers[o["buyer"]], order_id=o["id"], now=now)
            except LiveshopError as exc:
                assert o["state"] != "pending_payment" or o["deadline"] <= now, exc
                expire_model(now)
            else:
                assert o["state"] == "pending_payment" and o["deadline"] > now
                if kind == "cancel":
                    o["state"] = "cancelled"
                    remaining += o["qty"]
                elif action[2]:
                    o["state"] = "paid"
        elif kind == "wait":
            clock.advance(action[1])
            await orders.expire_due_orders(services.db, now=clock.now())
            expire_model(clock.now())
        elif kind == "restock":
            delta = action[1]
            if delta == 0:
                continue
            try:
                await inventory.update_listing(services.db, user=world.merchant, listing_id=world.listing_id,
                                               add_stock=delta, now=now)
            except LiveshopError:
                assert remaining + delta < 0 or delta > warehouse
            else:
                assert remaining + delta >= 0 and delta <= warehouse
                remaining += delta
                warehouse -= delta

        listing = await inventory.get_listing(services.db, listing_id=world.listing_id)
        assert listing["stock_left"] == remaining >= 0
        paid_units = sum(o["qty"] for o in placed if o["state"] == "paid")
        assert listing["sold"] == paid_units
        assert listing["stock_left"] + listing["sold"] + sum(
            o["qty"] for o in placed if o["state"] == "pending_payment"
        ) == listing["initial_stock"]

    report = await run_check(services.db, acknowledged_order_ids=[o["id"] for o in placed])
    assert report.ok, report.violations
