import asyncio
import uuid

from liveshop.orders.service import expire_due_orders
from tests.helpers import (
    account,
    assert_problem,
    buy,
    key,
    listing,
    ref_of,
    send_webhook,
    shop_with_room,
    start_payment,
)


async def stock_left(client, listing_id):
    return (await client.get(f"/api/v1/listings/{listing_id}")).json()["stock_left"]


async def test_order_takes_stock_and_shows_its_price_breakdown(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=10, price_cents=12800)
    buyer = await account(client)
    r = await buy(client, buyer, lst["id"], quantity=3)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "pending_payment"
    assert order["unit_price_cents"] == 12800 and order["total_cents"] == 38400 and order["currency"] == "CNY"
    assert order["price_breakdown"]["items"][0]["line_total_cents"] == 38400
    assert order["price_breakdown"]["total_cents"] == 38400
    assert await stock_left(client, lst["id"]) == 7


async def test_same_idempotency_key_gives_the_same_order_once(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=10)
    buyer = await account(client)
    headers = {**buyer, **key()}
    body = {"listing_id": lst["id"], "quantity": 2}
    first = await client.post("/api/v1/orders", json=body, headers=headers)
    again = await client.post("/api/v1/orders", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await stock_left(client, lst["id"]) == 8
    other = await client.post("/api/v1/orders", json={**body, "quantity": 1}, headers=headers)
    assert_problem(other, 422, "idempotency_key_reused")


async def test_concurrent_retries_with_one_key_make_one_order(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=10)
    buyer = await account(client)
    headers = {**buyer, **key()}
    results = await asyncio.gather(
        *[client.post("/api/v1/orders", json={"listing_id": lst["id"], "quantity": 1}, headers=headers) for _ in range(8)]
    )
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["id"] for r in results}) == 1
    assert await stock_left(client, lst["id"]) == 9


async def test_idempotency_key_is_required_and_bounded(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=1)
    buyer = await account(client)
    body = {"listing_id": lst["id"], "quantity": 1}
    assert_problem(await client.post("/api/v1/orders", json=body, headers=buyer), 400, "idempotency_key_required")
    r = await client.post("/api/v1/orders", json=body, headers={**buyer, "Idempotency-Key": "x" * 65})
    assert_problem(r, 400, "idempotency_key_required")


async def test_per_user_limit(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=10, per_user_limit=2)
    buyer = await account(client)
    assert (await buy(client, buyer, lst["id"], 2)).status_code == 201
    body = assert_problem(await buy(client, buyer, lst["id"], 1), 422, "per_user_limit_exceeded")
    assert body["limit"] == 2 and body["already"] == 2
    assert_problem(await buy(client, await account(client), lst["id"], 3), 422, "per_user_limit_exceeded")
    assert await stock_left(client, lst["id"]) == 8


async def test_sold_out_and_not_enough_left(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=2)
    assert_problem(await buy(client, await account(client), lst["id"], 3), 409, "insufficient_stock")
    assert (await buy(client, await account(client), lst["id"], 2)).status_code == 201
    assert_problem(await buy(client, await account(client), lst["id"], 1), 409, "sold_out")
    assert (await client.get(f"/api/v1/listings/{lst['id']}")).json()["sold_out"] is True


async def test_buying_needs_a_live_room(client):
    shop = await shop_with_room(client, live=False)
    lst = await listing(client, shop, stock=2)
    assert_problem(await buy(client, await account(client), lst["id"]), 409, "room_not_live")
    await client.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant)
    await client.post(f"/api/v1/rooms/{shop.room_id}/end", headers=shop.merchant)
    assert_problem(await buy(client, await account(client), lst["id"]), 409, "room_ended")


async def test_unpaid_orders_expire_and_release_stock(client, services, clock):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=1, per_user_limit=1)
    buyer = await account(client)
    order = (await buy(client, buyer, lst["id"])).json()
    assert await stock_left(client, lst["id"]) == 0
    clock.advance(services.settings.payment_timeout - 1)
    assert await expire_due_orders(services.db, now=clock.now()) == 0
    clock.advance(2)
    assert await expire_due_orders(services.db, now=clock.now()) == 1
    assert await expire_due_orders(services.db, now=clock.now()) == 0  # once only
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer)).json()["status"] == "expired"
    assert await stock_left(client, lst["id"]) == 1
    # The released unit and the buyer's quota are both back.
    assert (await buy(client, buyer, lst["id"])).status_code == 201


async def test_cancel_releases_stock_once(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=3)
    buyer = await account(client)
    order = (await buy(client, buyer, lst["id"], 2)).json()
    r = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer)
    assert r.json()["status"] == "cancelled"
    assert_problem(await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer), 409, "order_not_cancellable")
    assert await stock_left(client, lst["id"]) == 3


async def test_only_the_buyer_and_the_shop_staff_see_an_order(client):
    shop = await shop_with_room(client)
    other_shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=3)
    buyer = await account(client)
    order = (await buy(client, buyer, lst["id"])).json()
    path = f"/api/v1/orders/{order['id']}"
    assert (await client.get(path, headers=buyer)).status_code == 200
    assert (await client.get(path, headers=shop.merchant)).status_code == 200
    assert_problem(await client.get(path, headers=await account(client)), 404, "order_not_found")
    assert_problem(await client.get(path, headers=other_shop.merchant), 404, "order_not_found")
    assert_problem(await client.post(f"{path}/cancel", headers=await account(client)), 404)
    assert_problem(await client.post(f"{path}/pay", headers=shop.merchant), 404)
    mine = (await client.get("/api/v1/me/orders", headers=buyer)).json()
    assert [o["id"] for o in mine] == [order["id"]]


# --- payment ------------------------------------------------------------------------------


async def awaiting_payment(client, *, stock=5, price_cents=9900, quantity=1):
    """A live listing and a buyer whose order has a checkout open: (listing, buyer, order, payment)."""
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=stock, price_cents=price_cents)
    buyer = await account(client)
    order = (await buy(client, buyer, lst["id"], quantity)).json()
    return lst, buyer, order, await start_payment(client, buyer, order["id"])


async def test_signed_webhook_pays_the_order_and_commits_stock(client, services, clock):
    lst, buyer, order, payment = await awaiting_payment(client, stock=5, price_cents=2500, quantity=2)
    assert payment["amount_cents"] == 5000 and payment["status"] == "created"
    assert (await start_payment(client, buyer, order["id"]))["payment_id"] == payment["payment_id"]
    r, _ = await send_webhook(client, services, clock, payment)
    assert r.status_code == 200 and r.json()["order_status"] == "paid"
    paid = (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer)).json()
    assert paid["status"] == "paid" and paid["paid_at"]
    got = (await client.get(f"/api/v1/listings/{lst['id']}")).json()
    assert got["sold"] == 2 and got["stock_left"] == 3
    assert_problem(await client.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer), 409, "order_not_payable")
    assert_problem(await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer), 409)


async def test_bad_signature_replay_and_stale_webhooks_change_nothing(client, services, clock):
    lst, buyer, order, payment = await awaiting_payment(client, stock=5)
    # Tampered body: signature no longer matches.
    r, _ = await send_webhook(client, services, clock, payment, tamper=True)
    assert_problem(r, 400, "bad_webhook_signature")
    # Signed with another secret.
    from liveshop.orders.payments import SandboxProvider

    forger = SandboxProvider(secret="not-the-secret", tolerance_seconds=300)
    body, headers = forger.signed_event(provider_ref=ref_of(payment), amount_cents=payment["amount_cents"],
                                        currency="CNY", succeeded=True, now=clock.now())
    assert_problem(await client.post("/api/v1/payments/sandbox/webhook", content=body, headers=headers), 400)
    assert_problem(await client.post("/api/v1/payments/sandbox/webhook", content=body), 400)
    # Wrong amount, correctly signed: refused.
    r, _ = await send_webhook(client, services, clock, payment, amount=1)
    assert_problem(r, 400, "payment_mismatch")
    # Stale: captured and replayed after the tolerance window.
    body, headers = services.sandbox.signed_event(provider_ref=ref_of(payment), amount_cents=payment["amount_cents"],
                                                  currency="CNY", succeeded=True, now=clock.now())
    clock.advance(services.settings.webhook_tolerance + 1)
    r = await client.post("/api/v1/payments/sandbox/webhook", content=body, headers=headers)
    assert_problem(r, 409, "webhook_replayed")
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer)).json()["status"] == "pending_payment"
    # A genuine one pays; replaying that same event is refused and changes nothing.
    r, (body, headers) = await send_webhook(client, services, clock, payment)
    assert r.json()["order_status"] == "paid"
    assert_problem(await client.post("/api/v1/payments/sandbox/webhook", content=body, headers=headers), 409,
                   "webhook_replayed")
    assert (await client.get(f"/api/v1/listings/{lst['id']}")).json()["sold"] == 1


async def test_failed_payment_leaves_the_order_payable(client, services, clock):
    lst, buyer, order, payment = await awaiting_payment(client, stock=5)
    r, _ = await send_webhook(client, services, clock, payment, succeeded=False)
    assert r.json() == {"payment_status": "failed", "order_id": order["id"], "order_status": "pending_payment"}
    retry = await start_payment(client, buyer, order["id"])
    assert retry["payment_id"] != payment["payment_id"]
    r, _ = await send_webhook(client, services, clock, retry)
    assert r.json()["order_status"] == "paid"


async def test_money_for_an_expired_order_is_refunded_not_sold(client, services, clock):
    lst, buyer, order, payment = await awaiting_payment(client, stock=1)
    clock.advance(services.settings.payment_timeout + 1)
    await expire_due_orders(services.db, now=clock.now())
    r, _ = await send_webhook(client, services, clock, payment)
    assert r.json() == {"payment_status": "refunded", "order_id": order["id"], "order_status": "expired"}
    assert (await client.get(f"/api/v1/listings/{lst['id']}")).json()["stock_left"] == 1


async def test_paying_after_the_deadline_expires_the_order(client, services, clock):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=1)
    buyer = await account(client)
    order = (await buy(client, buyer, lst["id"])).json()
    clock.advance(services.settings.payment_timeout)
    assert_problem(await client.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer), 409, "order_not_payable")
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer)).json()["status"] == "expired"
    assert await stock_left(client, lst["id"]) == 1


async def test_sandbox_checkout_page_pays_through_the_signed_webhook(client):
    lst, buyer, order, payment = await awaiting_payment(client, stock=2, price_cents=4200)
    page = await client.get(payment["checkout_url"])
    assert page.status_code == 200 and "42.00" in page.text
    r = await client.post(payment["checkout_url"], data={"outcome": "succeeded"})
    assert r.status_code == 303 and r.headers["location"] == f"/rooms/{lst['room_id']}?order={order['id']}"
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer)).json()["status"] == "paid"
    assert (await client.get(f"/sandbox/checkout/pay_{uuid.uuid4().hex}")).status_code == 404


async def test_room_sales_for_the_crew(client, services, clock):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=5, price_cents=1000)
    buyer = await account(client)
    paid = (await buy(client, buyer, lst["id"], 2)).json()
    await buy(client, buyer, lst["id"], 1)
    payment = await start_payment(client, buyer, paid["id"])
    await send_webhook(client, services, clock, payment)
    stats = (await client.get(f"/api/v1/rooms/{shop.room_id}/stats", headers=shop.merchant)).json()
    assert stats["orders"]["paid"] == 1 and stats["orders"]["pending_payment"] == 1
    assert stats["gmv_cents"] == 2000 and stats["units_sold"] == 2
    assert_problem(await client.get(f"/api/v1/rooms/{shop.room_id}/stats", headers=buyer), 404)


async def test_a_replay_shows_the_order_as_it_is_now(client, services, clock):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=3)
    buyer = await account(client)
    headers = {**buyer, **key()}
    body = {"listing_id": lst["id"], "quantity": 1}
    order = (await client.post("/api/v1/orders", json=body, headers=headers)).json()
    await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer)
    again = await client.post("/api/v1/orders", json=body, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == order["id"]
    assert again.json()["status"] == "cancelled"
    assert await stock_left(client, lst["id"]) == 3


async def test_the_hot_path_answers_as_the_documented_route_does(client):
    """POST /api/v1/orders is answered outside FastAPI's routing (orders/hot_path.py); its
    201 body is the route's response model, byte for byte as GET serialises the order."""
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=3)
    buyer = await account(client)
    headers = {**buyer, **key()}
    placed = await client.post("/api/v1/orders", json={"listing_id": lst["id"], "quantity": 1}, headers=headers)
    assert placed.status_code == 201 and placed.headers["content-type"] == "application/json"
    fetched = await client.get(f"/api/v1/orders/{placed.json()['id']}", headers=buyer)
    assert placed.content == fetched.content
    again = await client.post("/api/v1/orders", json={"listing_id": lst["id"], "quantity": 1}, headers=headers)
    assert again.headers["idempotent-replayed"] == "true" and again.content == placed.content
    # What the hot path does not take on, the route answers with the standard problem.
    as_text = await client.post("/api/v1/orders", content=b'{"listing_id": 1, "quantity": 1}',
                                headers={**buyer, **key(), "Content-Type": "text/plain"})
    assert as_text.status_code == 422 and as_text.headers["content-type"] == "application/problem+json"
    unknown = await client.post("/api/v1/orders", json={"listing_id": lst["id"], "quantity": 1, "x": 1},
                                headers={**buyer, **key()})
    assert_problem(unknown, 422, "validation_error")
