"""Coupons and platform subsidies: claiming within limits, using them on an order with the
pricing rules (满减, percent off, stacking, validity), the price breakdown, what happens when
the order is paid or never is, and a subsidy budget that concurrency never overspends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from liveshop.coupons import pricing
from liveshop.coupons.errors import CouponsDoNotStack, ThresholdNotMet
from liveshop.orders.service import expire_due_orders
from tests.helpers import (
    account,
    admin,
    assert_problem,
    buy,
    listing,
    send_webhook,
    shop_with_room,
    start_payment,
)


async def offer(client, shop, **terms):
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/coupon-offers", json={
        "title": "满100减20", "kind": "amount_off", "amount_off_cents": 2000, "threshold_cents": 10000, **terms},
        headers=shop.merchant)
    assert r.status_code == 201, r.text
    return r.json()


async def claim(client, who, offer_id):
    r = await client.post(f"/api/v1/coupon-offers/{offer_id}/claim", headers=who)
    assert r.status_code == 201, r.text
    return r.json()


async def apply(client, who, order_id, *coupon_ids):
    return await client.put(f"/api/v1/orders/{order_id}/coupons", json={"coupon_ids": list(coupon_ids)}, headers=who)


async def order_of(client, shop, buyer, *, price_cents, quantity=1):
    lst = await listing(client, shop, stock=20, price_cents=price_cents)
    r = await buy(client, buyer, lst["id"], quantity)
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_threshold_coupon_claimed_used_and_shown_in_the_price_breakdown(client, services, clock):
    shop = await shop_with_room(client)
    buyer = await account(client)
    terms = await offer(client, shop, total_quantity=2, per_user_limit=1)
    coupon = await claim(client, buyer, terms["id"])
    assert coupon["status"] == "available" and coupon["usable_now"] and coupon["offer"]["left"] == 1
    assert coupon["offer"]["budget_cents"] is None  # a viewer does not see the shop's figures
    assert_problem(await client.post(f"/api/v1/coupon-offers/{terms['id']}/claim", headers=buyer), 409,
                   "coupon_claim_limit_reached")
    await claim(client, await account(client), terms["id"])
    assert_problem(await client.post(f"/api/v1/coupon-offers/{terms['id']}/claim", headers=await account(client)),
                   409, "coupon_offer_exhausted")

    small = await order_of(client, shop, buyer, price_cents=9999)
    assert_problem(await apply(client, buyer, small["id"], coupon["id"]), 409, "coupon_threshold_not_met")
    order = await order_of(client, shop, buyer, price_cents=6000, quantity=2)  # 120.00 reaches 满100
    r = await apply(client, buyer, order["id"], coupon["id"])
    assert r.status_code == 200, r.text
    priced = r.json()
    assert (priced["subtotal_cents"], priced["discount_cents"], priced["total_cents"]) == (12000, 2000, 10000)
    assert priced["price_breakdown"]["discounts"] == [
        {"kind": "coupon", "title": "满100减20", "funded_by": "shop", "offer_id": terms["id"],
         "coupon_id": coupon["id"], "amount_cents": 2000}]
    # Locked to this order: not usable on another one meanwhile.
    assert_problem(await apply(client, buyer, small["id"], coupon["id"]), 409, "coupon_not_usable")
    payment = await start_payment(client, buyer, order["id"])
    assert payment["amount_cents"] == 10000
    r, _ = await send_webhook(client, services, clock, payment)
    assert r.json()["order_status"] == "paid"
    mine = (await client.get("/api/v1/me/coupons", headers=buyer)).json()
    assert [(c["id"], c["status"], c["order_id"]) for c in mine] == [(coupon["id"], "used", order["id"])]
    shown = (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer)).json()
    assert shown["price_breakdown"]["discounts"][0]["amount_cents"] == 2000
    staff_view = (await client.get(f"/api/v1/shops/{shop.shop_id}/coupon-offers", headers=shop.merchant)).json()
    assert staff_view[0]["spent_cents"] == 2000 and staff_view[0]["claimed"] == 2


async def test_stacking_percent_caps_validity_and_other_shops(client, services, clock):
    shop = await shop_with_room(client)
    other = await shop_with_room(client)
    buyer = await account(client)
    root = await admin(client, services)
    subsidy = (await client.post("/api/v1/platform/coupon-offers", json={
        "title": "平台补贴 9折", "kind": "percent_off", "percent_off": 10, "max_off_cents": 500,
        "budget_cents": 100_000}, headers=root)).json()
    shop_coupon = await offer(client, shop, title="立减10元", amount_off_cents=1000, threshold_cents=0)
    second_shop_coupon = await offer(client, shop, title="店铺券2", amount_off_cents=300, threshold_cents=0)
    lonely = await offer(client, shop, title="不可叠加", amount_off_cents=500, threshold_cents=0, stackable=False)
    later = await offer(client, shop, title="明天开始", amount_off_cents=500, threshold_cents=0,
                        valid_from=(clock.now() + timedelta(days=1)).isoformat())
    foreign = await offer(client, other, title="别家的券", amount_off_cents=500, threshold_cents=0)
    ids = {o["title"]: (await claim(client, buyer, o["id"]))["id"]
           for o in (subsidy, shop_coupon, second_shop_coupon, lonely, later, foreign)}

    order = await order_of(client, shop, buyer, price_cents=3000)
    # The shop's coupon first (30.00 → 20.00), then 10% of what is left, the platform paying.
    r = await apply(client, buyer, order["id"], ids["平台补贴 9折"], ids["立减10元"])
    assert r.status_code == 200, r.text
    lines = r.json()["price_breakdown"]["discounts"]
    assert [(d["funded_by"], d["amount_cents"]) for d in lines] == [("shop", 1000), ("platform", 200)]
    assert r.json()["total_cents"] == 1800
    assert_problem(await apply(client, buyer, order["id"], ids["立减10元"], ids["店铺券2"]), 409, "coupons_do_not_stack")
    assert_problem(await apply(client, buyer, order["id"], ids["不可叠加"], ids["平台补贴 9折"]), 409,
                   "coupons_do_not_stack")
    assert_problem(await apply(client, buyer, order["id"], ids["明天开始"]), 409, "coupon_not_usable")
    assert_problem(await apply(client, buyer, order["id"], ids["别家的券"]), 409, "coupon_not_usable")
    assert_problem(await apply(client, await account(client), order["id"]), 404, "order_not_found")
    # A refused change leaves the order as it was.
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer)).json()["total_cents"] == 1800
    # The cap: 10% of 200.00 would be 20.00, the subsidy gives at most 5.00.
    big = await order_of(client, shop, buyer, price_cents=20000)
    r = await apply(client, buyer, big["id"], ids["平台补贴 9折"])
    assert_problem(r, 409, "coupon_not_usable")  # still locked to the first order
    assert (await apply(client, buyer, order["id"])).json()["discount_cents"] == 0  # [] takes them off
    assert (await apply(client, buyer, big["id"], ids["平台补贴 9折"])).json()["discount_cents"] == 500
    # A coupon never takes the last cent.
    penny = await order_of(client, shop, buyer, price_cents=800)
    assert (await apply(client, buyer, penny["id"], ids["立减10元"])).json()["total_cents"] == 1


async def test_who_may_offer_coupons_and_what_bad_terms_get(client, services):
    shop = await shop_with_room(client)
    viewer = await account(client)
    body = {"title": "x", "kind": "amount_off", "amount_off_cents": 100}
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/coupon-offers", json=body, headers=viewer), 404)
    assert_problem(await client.post("/api/v1/platform/coupon-offers", json={**body, "budget_cents": 10},
                                     headers=viewer), 403)
    root = await admin(client, services)
    assert_problem(await client.post("/api/v1/platform/coupon-offers", json=body, headers=root), 422,
                   "invalid_coupon_offer")  # a subsidy without a budget
    for bad in ({"kind": "percent_off"}, {"kind": "amount_off", "amount_off_cents": None},
                {"amount_off_cents": 5000, "threshold_cents": 5000}, {"percent_off": 100, "kind": "percent_off"},
                {"amount_off_cents": "100"}, {"valid_days": 0}):
        r = await client.post(f"/api/v1/shops/{shop.shop_id}/coupon-offers", json={**body, **bad},
                              headers=shop.merchant)
        assert_problem(r, 422)
    assert_problem(await client.post("/api/v1/coupon-offers/999999/claim", headers=viewer), 404)


async def test_a_coupon_offered_in_the_show_pops_up_and_ending_it_stops_claims(client, services):
    shop = await shop_with_room(client)
    conn, _ = await services.hub.subscribe(shop.room_id, None)
    made = await offer(client, shop, room_id=shop.room_id, title="直播间专享")
    from tests.helpers import next_hub_event
    event = await next_hub_event(conn, "coupon_offered")
    assert event["offer"]["id"] == made["id"] and event["offer"]["budget_cents"] is None
    services.hub.unsubscribe(conn)
    room_offers = (await client.get(f"/api/v1/rooms/{shop.room_id}/coupon-offers")).json()
    assert [o["id"] for o in room_offers] == [made["id"]]
    assert (await client.post(f"/api/v1/coupon-offers/{made['id']}/end", headers=shop.merchant)).json()["status"] == "ended"
    assert_problem(await client.post(f"/api/v1/coupon-offers/{made['id']}/claim", headers=await account(client)),
                   409, "coupon_offer_not_claimable")
    assert (await client.get(f"/api/v1/rooms/{shop.room_id}/coupon-offers")).json() == []


async def test_an_unpaid_order_gives_its_coupon_and_subsidy_back(client, services, clock):
    shop = await shop_with_room(client)
    buyer = await account(client)
    root = await admin(client, services)
    subsidy = (await client.post("/api/v1/platform/coupon-offers", json={
        "title": "补贴5元", "kind": "amount_off", "amount_off_cents": 500, "budget_cents": 500}, headers=root)).json()
    coupon = await claim(client, buyer, subsidy["id"])
    order = await order_of(client, shop, buyer, price_cents=2000)
    assert (await apply(client, buyer, order["id"], coupon["id"])).status_code == 200
    spent = (await client.get(f"/api/v1/coupon-offers/{subsidy['id']}", headers=root)).json()["spent_cents"]
    assert spent == 500
    clock.advance(services.settings.payment_timeout + 1)
    assert await expire_due_orders(services.db, now=clock.now()) == 1
    back = (await client.get("/api/v1/me/coupons", headers=buyer)).json()[0]
    assert (back["status"], back["order_id"]) == ("available", None)
    assert (await client.get(f"/api/v1/coupon-offers/{subsidy['id']}", headers=root)).json()["spent_cents"] == 0
    again = await order_of(client, shop, buyer, price_cents=2000)
    assert (await apply(client, buyer, again["id"], coupon["id"])).json()["total_cents"] == 1500


async def test_changing_coupons_voids_an_open_checkout_and_money_sent_to_it_goes_back(client, services, clock):
    shop = await shop_with_room(client)
    buyer = await account(client)
    coupon = await claim(client, buyer, (await offer(client, shop, amount_off_cents=300, threshold_cents=0))["id"])
    order = await order_of(client, shop, buyer, price_cents=2000)
    old_checkout = await start_payment(client, buyer, order["id"])
    assert (await apply(client, buyer, order["id"], coupon["id"])).json()["total_cents"] == 1700
    r, _ = await send_webhook(client, services, clock, old_checkout)
    assert r.json() == {"payment_status": "refunded", "order_id": order["id"], "order_status": "pending_payment"}
    checkout = await start_payment(client, buyer, order["id"])
    assert checkout["amount_cents"] == 1700
    r, _ = await send_webhook(client, services, clock, checkout)
    assert r.json()["order_status"] == "paid"


async def test_a_subsidy_budget_is_never_overspent_by_concurrent_buyers(client, services):
    shop = await shop_with_room(client)
    root = await admin(client, services)
    subsidy = (await client.post("/api/v1/platform/coupon-offers", json={
        "title": "百亿补贴", "kind": "amount_off", "amount_off_cents": 300, "budget_cents": 1000}, headers=root)).json()
    buyers = [await account(client) for _ in range(12)]
    lst = await listing(client, shop, stock=50, price_cents=5000)
    orders, coupons = [], []
    for b in buyers:
        orders.append((await buy(client, b, lst["id"])).json())
        coupons.append(await claim(client, b, subsidy["id"]))  # claims are not capped; paying out is
    answers = await asyncio.gather(*(apply(client, b, o["id"], c["id"]) for b, o, c in zip(buyers, orders, coupons, strict=True)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] * 3 + [409] * 9, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"subsidy_budget_exhausted"}
    assert (await client.get(f"/api/v1/coupon-offers/{subsidy['id']}", headers=root)).json()["spent_cents"] == 900


@given(subtotal=st.integers(1, 10**9),
       shop=st.one_of(st.none(), st.tuples(st.integers(1, 10**8), st.integers(0, 10**9))),
       platform=st.one_of(st.none(), st.tuples(st.integers(1, 95), st.one_of(st.none(), st.integers(1, 10**7)),
                                               st.integers(0, 10**9))))
def test_pricing_never_takes_the_last_cent_and_adds_up(subtotal, shop, platform):
    chosen = []
    if shop:
        chosen.append(pricing.Terms(1, "s", "shop", "amount_off", shop[0], None, None, shop[1], True))
    if platform:
        chosen.append(pricing.Terms(2, "p", "platform", "percent_off", None, platform[0], platform[1], platform[2], True))
    try:
        lines = pricing.price(subtotal, chosen)
    except ThresholdNotMet as exc:
        assert exc.data["base_cents"] < exc.data["threshold_cents"]
        return
    total = subtotal - sum(line.amount_cents for line in lines)
    assert total >= pricing.MIN_PAYABLE_CENTS
    assert all(line.amount_cents >= 0 for line in lines)
    if platform and platform[1] is not None:
        assert lines[-1].amount_cents <= platform[1]


def test_two_coupons_of_one_funder_never_stack():
    a = pricing.Terms(1, "a", "shop", "amount_off", 100, None, None, 0, True)
    try:
        pricing.price(1000, [a, a])
    except CouponsDoNotStack:
        return
    raise AssertionError("two shop coupons were accepted")


async def test_best_picks_the_combination_that_takes_the_most_off(client, services):
    shop = await shop_with_room(client)
    buyer = await account(client)
    root = await admin(client, services)
    small = await claim(client, buyer, (await offer(client, shop, title="减5", amount_off_cents=500, threshold_cents=0))["id"])
    big = await claim(client, buyer, (await offer(client, shop, title="满50减15", amount_off_cents=1500,
                                                  threshold_cents=5000))["id"])
    subsidy = (await client.post("/api/v1/platform/coupon-offers", json={
        "title": "平台减3", "kind": "amount_off", "amount_off_cents": 300, "budget_cents": 10_000}, headers=root)).json()
    platform = await claim(client, buyer, subsidy["id"])
    cheap = await order_of(client, shop, buyer, price_cents=3000)  # 满50 is out of reach
    r = await client.put(f"/api/v1/orders/{cheap['id']}/coupons", json={"best": True}, headers=buyer)
    assert sorted(d["coupon_id"] for d in r.json()["price_breakdown"]["discounts"]) == sorted([small["id"], platform["id"]])
    dear = await order_of(client, shop, buyer, price_cents=6000)
    r = await client.put(f"/api/v1/orders/{dear['id']}/coupons", json={"best": True}, headers=buyer)
    assert [d["coupon_id"] for d in r.json()["price_breakdown"]["discounts"]] == [big["id"]]  # the rest are locked
    again = await client.put(f"/api/v1/orders/{dear['id']}/coupons", json={"best": True}, headers=buyer)
    assert [d["coupon_id"] for d in again.json()["price_breakdown"]["discounts"]] == [big["id"]]  # its own still count
    assert_problem(await client.put(f"/api/v1/orders/{dear['id']}/coupons", json={"best": True, "coupon_ids": []},
                                    headers=buyer), 422)


async def test_best_again_keeps_a_subsidy_that_used_the_whole_budget(client, services):
    shop = await shop_with_room(client)
    buyer = await account(client)
    root = await admin(client, services)
    subsidy = (await client.post("/api/v1/platform/coupon-offers", json={
        "title": "最后一份补贴", "kind": "amount_off", "amount_off_cents": 300, "budget_cents": 300}, headers=root)).json()
    await claim(client, buyer, subsidy["id"])
    order = await order_of(client, shop, buyer, price_cents=2000)
    for _ in range(2):  # the budget is all on this order: choosing again must still see it
        r = await client.put(f"/api/v1/orders/{order['id']}/coupons", json={"best": True}, headers=buyer)
        assert r.json()["discount_cents"] == 300, r.text
