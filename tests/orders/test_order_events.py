"""Every stock engine's orders reach the analytics log once each: placed, then paid."""

from __future__ import annotations

from liveshop.analytics.log import replay
from tests.helpers import account, buy, listing, send_webhook, shop_with_room, start_payment


async def test_orders_placed_and_paid_reach_the_event_log_once(client, services, clock):
    shop = await shop_with_room(client, price_cents=1_200)
    item = await listing(client, shop, stock=10)
    buyers = [await account(client, "buyer") for _ in range(3)]
    orders = []
    for b in buyers:
        r = await buy(client, b, item["id"], quantity=2)
        assert r.status_code == 201, r.text
        orders.append(r.json())
    retry = await client.post("/api/v1/orders", json={"listing_id": item["id"], "quantity": 2},
                              headers={**buyers[0], "Idempotency-Key": "same-key-twice"})
    again = await client.post("/api/v1/orders", json={"listing_id": item["id"], "quantity": 2},
                              headers={**buyers[0], "Idempotency-Key": "same-key-twice"})
    assert retry.json()["id"] == again.json()["id"]
    payment = await start_payment(client, buyers[1], orders[1]["id"])
    assert (await send_webhook(client, services, clock, payment))[0].status_code == 200
    if services.engine:
        await services.engine.stop()  # everything accepted is durable (and logged) once it stops
    await services.event_log.flush()

    log = await replay(services.db, shop_id=shop.shop_id)
    figures = log.figures(shop.room_id)
    assert (figures["orders"], figures["paid_orders"], figures["gmv_cents"]) == (4, 1, 2_400)
    assert figures["top_products"][0]["listing_id"] == item["id"]
