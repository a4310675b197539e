"""Lucky bags: launched with prizes and conditions, entered by viewers who meet them, drawn
once by the timer or the host, verifiable by anyone, prizes delivered as 0-price orders or
coupons — and prize stock never overspent however many entrants and drawers race."""

from __future__ import annotations

import asyncio

import orjson
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from liveshop.check import run_check
from liveshop.cli import app as cli
from liveshop.luckybags import draw
from liveshop.luckybags import service as luckybags
from tests.helpers import account, assert_problem, next_hub_event, shop_with_room


async def launch(client, shop, **overrides):
    body = {"title": "关注主播抽福袋", "prize": {"kind": "product", "product_id": shop.product_id, "count": 3},
            "duration_seconds": 60, "conditions": {"follow": True, "keyword": "想要龙井"}} | overrides
    r = await client.post(f"/api/v1/rooms/{shop.room_id}/lucky-bags", json=body, headers=shop.merchant)
    assert r.status_code == 201, r.text
    return r.json()


async def enter(client, bag, who):
    return await client.post(f"/api/v1/lucky-bags/{bag['id']}/entries", headers=who)


async def follow(client, shop, who):
    assert (await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=who)).status_code == 200


async def product_stock(client, shop):
    products = (await client.get(f"/api/v1/shops/{shop.shop_id}/products", headers=shop.merchant)).json()
    return next(p["stock"] for p in products if p["id"] == shop.product_id)


async def test_a_product_bag_from_launch_to_verified_winners_with_their_prize(client, services, clock):
    shop = await shop_with_room(client, product_stock=10)
    conn, _ = await services.hub.subscribe(shop.room_id, None)
    bag = await launch(client, shop)
    opened = await next_hub_event(conn, "lucky_bag_opened")
    assert opened["bag"]["commitment"] == bag["commitment"] and opened["bag"]["seed"] is None
    assert await product_stock(client, shop) == 7  # three units set aside for the winners
    assert (await client.get(f"/api/v1/rooms/{shop.room_id}/listings")).json() == []  # not on sale

    viewers = [await account(client) for _ in range(2)]
    refused = assert_problem(await enter(client, bag, viewers[0]), 409, "lucky_bag_condition_not_met")
    assert refused["condition"] == "follow"
    for v in viewers:
        await follow(client, shop, v)
        entered = (await enter(client, bag, v)).json()
        assert entered["me"] == {"entered": True, "won": False, "order_id": None, "coupon_id": None}
    assert (await enter(client, bag, viewers[0])).json()["entrants"] == 2  # entering twice is harmless
    said = (await client.get(f"/api/v1/rooms/{shop.room_id}/comments")).json()
    assert [c["text"] for c in said] == ["想要龙井", "想要龙井"]  # the keyword went to the chat
    assert_problem(await client.get(f"/api/v1/lucky-bags/{bag['id']}/draw"), 409, "lucky_bag_not_drawn")

    clock.advance(61)
    late = await account(client)
    await follow(client, shop, late)
    assert_problem(await enter(client, bag, late), 409, "lucky_bag_closed")
    assert await luckybags.draw_due_bags(services.db, now=clock.now()) == 1
    assert await luckybags.draw_due_bags(services.db, now=clock.now()) == 0
    drawn = await next_hub_event(conn, "lucky_bag_drawn")
    services.hub.unsubscribe(conn)
    record = (await client.get(f"/api/v1/lucky-bags/{bag['id']}/draw")).json()
    assert draw.verify(record) == []
    assert sorted(record["winners"]) == sorted(record["entrants"])  # 3 prizes, 2 entrants: both win
    assert drawn["bag"]["seed"] == record["seed"] and drawn["entrants_digest"] == record["entrants_digest"]
    assert [w["id"] for w in drawn["winners"]] == record["winners"]

    for v in viewers:
        mine = (await client.get(f"/api/v1/lucky-bags/{bag['id']}", headers=v)).json()["me"]
        assert mine["won"] and mine["order_id"]
        order = (await client.get(f"/api/v1/orders/{mine['order_id']}", headers=v)).json()
        assert (order["status"], order["total_cents"], order["discount_cents"]) == ("paid", 0, 9900)
        assert order["price_breakdown"]["discounts"][0]["kind"] == "lucky_bag"
        inbox = (await client.get("/api/v1/me/inbox", headers=v)).json()
        assert inbox["unread"] == 1 and inbox["items"][0]["link"] == f"/rooms/{shop.room_id}?bag={bag['id']}"
    assert await product_stock(client, shop) == 8  # the prize nobody won went back to the warehouse
    assert (await run_check(services.db)).ok


async def test_verify_draw_on_the_command_line_catches_a_tampered_record(client, services, clock, tmp_path):
    shop = await shop_with_room(client)
    bag = await launch(client, shop, conditions={}, prize={"kind": "product", "product_id": shop.product_id, "count": 2})
    for _ in range(7):
        assert (await enter(client, bag, await account(client))).status_code == 200
    record = (await client.post(f"/api/v1/lucky-bags/{bag['id']}/draw", headers=shop.merchant)).json()
    assert len(record["winners"]) == 2
    good = tmp_path / "draw.json"
    good.write_bytes(orjson.dumps(record))
    result = CliRunner().invoke(cli, ["verify-draw", str(good)])
    assert result.exit_code == 0, result.output
    assert "✓" in result.output
    loser = next(u for u in record["entrants"] if u not in record["winners"])
    for tampered in ({"winners": [loser, *record["winners"][1:]]}, {"seed": "00" * 32},
                     {"entrants": record["entrants"][:-1]}):
        bad = tmp_path / "bad.json"
        bad.write_bytes(orjson.dumps(record | tampered))
        result = CliRunner().invoke(cli, ["verify-draw", str(bad)])
        assert result.exit_code == 1, (tampered, result.output)
    assert_problem(await client.post(f"/api/v1/lucky-bags/{bag['id']}/draw", headers=shop.merchant), 409,
                   "lucky_bag_closed")


async def test_watch_time_condition_counts_heartbeats_not_requests(client, services, clock):
    shop = await shop_with_room(client)
    bag = await launch(client, shop, conditions={"watch_minutes": 1}, duration_seconds=600)
    viewer = await account(client)
    beat = f"/api/v1/rooms/{shop.room_id}/watch"
    assert (await client.post(beat, headers=viewer)).json()["watched_seconds"] == 0
    for _ in range(20):  # hammering earns nothing: the wall clock has not moved
        await client.post(beat, headers=viewer)
    refused = assert_problem(await enter(client, bag, viewer), 409, "lucky_bag_condition_not_met")
    assert (refused["condition"], refused["watched_seconds"], refused["needed_seconds"]) == ("watch", 0, 60)
    for _ in range(2):
        clock.advance(30)
        await client.post(beat, headers=viewer)
    clock.advance(600)  # the page was closed: the gap earns nothing
    assert (await client.post(beat, headers=viewer)).json()["watched_seconds"] == 60
    clock.now()  # still open: the bag runs 600 s from launch, we are at 660 s
    bag2 = await launch(client, shop, conditions={"watch_minutes": 1}, duration_seconds=60)
    assert (await enter(client, bag2, viewer)).json()["me"]["entered"]


async def test_a_coupon_bag_gives_coupons_and_who_may_do_what(client, services, clock):
    shop = await shop_with_room(client)
    offer = (await client.post(f"/api/v1/shops/{shop.shop_id}/coupon-offers", json={
        "title": "福袋券 减50", "kind": "amount_off", "amount_off_cents": 5000, "threshold_cents": 9000,
        "total_quantity": 2}, headers=shop.merchant)).json()
    viewer = await account(client)
    body = {"title": "券福袋", "prize": {"kind": "coupon", "offer_id": offer["id"], "count": 3}, "conditions": {},
            "duration_seconds": 30}
    assert_problem(await client.post(f"/api/v1/rooms/{shop.room_id}/lucky-bags", json=body, headers=shop.merchant),
                   422, "invalid_lucky_bag_prize")  # 3 winners, 2 coupons left
    assert_problem(await client.post(f"/api/v1/rooms/{shop.room_id}/lucky-bags", json=body, headers=viewer), 404)
    bag = await launch(client, shop, **{**body, "prize": {**body["prize"], "count": 1}})
    assert (await enter(client, bag, viewer)).status_code == 200
    assert_problem(await client.post(f"/api/v1/lucky-bags/{bag['id']}/draw", headers=viewer), 404)
    assert (await client.post(f"/api/v1/lucky-bags/{bag['id']}/draw", headers=shop.merchant)).status_code == 200
    mine = (await client.get(f"/api/v1/lucky-bags/{bag['id']}", headers=viewer)).json()["me"]
    coupons = (await client.get("/api/v1/me/coupons", headers=viewer)).json()
    assert mine["won"] and [(c["id"], c["source"]) for c in coupons] == [(mine["coupon_id"], "lucky_bag")]
    other = await shop_with_room(client)
    foreign = {"title": "x", "prize": {"kind": "product", "product_id": other.product_id, "count": 1},
               "duration_seconds": 30}
    assert_problem(await client.post(f"/api/v1/rooms/{shop.room_id}/lucky-bags", json=foreign,
                                     headers=shop.merchant), 404)
    ended = await shop_with_room(client, live=False)
    assert_problem(await client.post(f"/api/v1/rooms/{ended.room_id}/lucky-bags", json={
        **foreign, "prize": {"kind": "product", "product_id": ended.product_id, "count": 1}},
        headers=ended.merchant), 409, "room_not_live")
    assert_problem(await client.post(f"/api/v1/rooms/{shop.room_id}/lucky-bags", json={**foreign, "duration_seconds": 5},
                                     headers=shop.merchant), 422)


async def test_racing_entrants_and_drawers_never_overspend_prize_stock(client, services, clock):
    shop = await shop_with_room(client, product_stock=40)
    bag = await launch(client, shop, conditions={}, prize={"kind": "product", "product_id": shop.product_id, "count": 5})
    viewers = [await account(client) for _ in range(30)]
    answers = await asyncio.gather(*(enter(client, bag, v) for v in viewers))
    assert {a.status_code for a in answers} == {200}
    clock.advance(61)
    drawn = await asyncio.gather(
        *(luckybags.draw_due_bags(services.db, now=clock.now()) for _ in range(4)),
        *(client.post(f"/api/v1/lucky-bags/{bag['id']}/draw", headers=shop.merchant) for _ in range(3)),
    )
    counts = [d for d in drawn if isinstance(d, int)]
    hosts = [d.status_code for d in drawn if not isinstance(d, int)]
    assert sum(counts) + hosts.count(200) == 1  # drawn exactly once
    record = (await client.get(f"/api/v1/lucky-bags/{bag['id']}/draw")).json()
    assert len(record["entrants"]) == 30 and len(set(record["winners"])) == 5 and draw.verify(record) == []
    assert await product_stock(client, shop) == 35
    assert (await run_check(services.db)).ok


@given(seed=st.binary(min_size=32, max_size=32), entrants=st.sets(st.integers(1, 10**9), max_size=60),
       count=st.integers(1, 80))
def test_the_draw_is_a_deterministic_fair_pick(seed, entrants, count):
    picked = draw.winners(seed, entrants, count)
    assert picked == draw.winners(seed, sorted(entrants, reverse=True), count)  # order of entry is irrelevant
    assert len(picked) == min(count, len(entrants)) and len(set(picked)) == len(picked)
    assert set(picked) <= entrants
    record = {"algorithm": draw.ALGORITHM, "seed": seed.hex(), "commitment": draw.commitment(seed),
              "entrants": sorted(entrants), "winners": picked, "prize_count": count}
    assert draw.verify(record) == []


def test_every_entrant_has_the_same_chance():
    wins = dict.fromkeys(range(1, 11), 0)
    for i in range(4000):
        for w in draw.winners(i.to_bytes(32, "big"), range(1, 11), 2):
            wins[w] += 1
    assert all(700 < n < 900 for n in wins.values()), wins  # 800 expected each; ±3.5 sigma

