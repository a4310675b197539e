"""Paid boosts and splash placements: who may buy, labelled and capped on every page, billed as
shown and never past the budget (also under concurrent feeds), paced, targeted; splash
placements capped per viewer and day."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from liveshop.discovery import store
from liveshop.discovery.boosts import allowed_by_pace, sponsored_slots
from tests.helpers import account, assert_problem, shop_with_room


async def boost(client, shop, **body) -> dict:
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/boosts", headers=shop.merchant,
                          json={"room_id": shop.room_id, "impressions": 100, "budget_cents": 700, **body})
    assert r.status_code == 201, r.text
    return r.json()


async def boost_row(services, boost_id: int) -> dict:
    async with services.db.transaction(write=False) as tx:
        return await store.boost_by_id(tx.conn, boost_id)


async def established(client, services, clock, n: int = 6) -> list:
    """n live shows past their test pool (which would otherwise take the free reserved slots),
    ranked without fairness damping: equal scores, so the last one (highest id) stays out of a
    page of five organically and the sponsored slot is what shows it."""
    services.discovery.weights = replace(services.discovery.weights, fairness=0.0)
    shops = [await shop_with_room(client) for _ in range(n)]
    async with services.db.transaction() as tx:
        for shop in shops:
            await store.enter_pool(tx.conn, room_id=shop.room_id, shop_id=shop.shop_id, pool=1, impressions=0,
                                   reason="graduated", now=clock.now())
    return shops


def sponsored(feed) -> list[dict]:
    return [c for c in feed["live"] if c["sponsored"]]


def test_a_page_is_never_more_than_a_fifth_sponsored():
    assert sponsored_slots(4) == ()
    assert sponsored_slots(5) == (1,)
    assert sponsored_slots(10) == (1, 6)
    assert sponsored_slots(20) == (1, 6, 11, 16)
    for length in range(0, 60):
        assert len(sponsored_slots(length)) <= 0.2 * length


async def test_only_the_merchant_buys_a_boost_for_a_show_to_come_or_live(client, services, clock):
    shop = await shop_with_room(client)
    other = await shop_with_room(client)
    operator = await account(client, "op")
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/staff", headers=shop.merchant,
                          json={"username": operator["X-Username"], "role": "operator"})
    assert r.status_code in (200, 201), r.text
    body = {"room_id": shop.room_id, "impressions": 100, "budget_cents": 700}
    url = f"/api/v1/shops/{shop.shop_id}/boosts"
    assert_problem(await client.post(url, headers=operator, json=body), 403)
    assert_problem(await client.post(url, headers=await account(client, "x"), json=body), 404)
    assert_problem(await client.post(url, headers=shop.merchant, json={**body, "room_id": other.room_id}), 404)
    assert_problem(await client.post(url, headers=shop.merchant, json={**body, "budget_cents": 99}), 422,
                   "budget_too_small")
    for bad in ({"impressions": 0}, {"impressions": "5"}, {"segment": "rich"}, {"pacing": "fast"},
                {"region": "china"}, {"budget_cents": -1}, {"starts_at": "yesterday"}, {"extra": 1}):
        assert_problem(await client.post(url, headers=shop.merchant, json={**body, **bad}), 422)
    past = (clock.now() - timedelta(hours=2)).isoformat()
    assert_problem(await client.post(url, headers=shop.merchant, json={**body, "ends_at": past}), 422, "bad_window")
    far = (clock.now() + timedelta(days=8)).isoformat()
    assert_problem(await client.post(url, headers=shop.merchant, json={**body, "ends_at": far}), 422, "bad_window")

    created = (await client.post(url, headers=shop.merchant, json=body)).json()
    assert created["price_cents"] == 7 and created["status"] == "active" and created["delivered"] == 0
    assert created["ends_at"] > created["starts_at"]
    assert (await client.post(f"/api/v1/rooms/{shop.room_id}/end", headers=shop.merchant)).status_code == 200
    assert_problem(await client.post(url, headers=shop.merchant, json=body), 409, "room_not_boostable")
    assert_problem(await client.post(f"/api/v1/boosts/{created['id']}/cancel", headers=operator), 403)
    assert_problem(await client.post(f"/api/v1/boosts/{created['id']}/cancel", headers=other.merchant), 404)
    r = await client.post(f"/api/v1/boosts/{created['id']}/cancel", headers=shop.merchant)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


async def test_a_boost_is_shown_labelled_in_a_sponsored_slot_and_billed_per_impression(client, services, clock):
    shops = await established(client, services, clock)
    boosted = shops[-1]  # the highest id: last on equal scores
    b = await boost(client, boosted, pacing="asap")

    feed = (await client.get("/api/v1/feed?limit=5")).json()
    ads = sponsored(feed)
    assert [c["room_id"] for c in ads] == [boosted.room_id]
    assert feed["live"][1]["room_id"] == boosted.room_id
    assert ads[0]["url"] == f"/rooms/{boosted.room_id}?src=boost" and ads[0]["boost_id"] == b["id"]
    row = await boost_row(services, b["id"])
    assert (row["delivered"], row["spent_cents"]) == (1, 7)
    # Paid exposure is an impression, not attention that fairness would later hold against the host.
    await services.discovery.book.flush()
    async with services.db.transaction(write=False) as tx:
        ledger = (await store.exposure_totals(tx.conn, since_day="2000-01-01"))[boosted.shop_id]
    assert (ledger["impressions"], ledger["boost_impressions"], ledger["received"]) == (1, 1, 0.0)

    # A page too short for a sponsored slot shows none and bills nothing.
    feed = (await client.get("/api/v1/feed?limit=4")).json()
    assert sponsored(feed) == []
    # A page where the room is shown anyway shows it organically, unbilled.
    feed = (await client.get("/api/v1/feed?limit=20")).json()
    assert sponsored(feed) == [] and boosted.room_id in [c["room_id"] for c in feed["live"]]
    assert (await boost_row(services, b["id"]))["delivered"] == 1

    # Cancelled: no more.
    await client.post(f"/api/v1/boosts/{b['id']}/cancel", headers=boosted.merchant)
    assert sponsored((await client.get("/api/v1/feed?limit=5")).json()) == []
    traffic = (await client.get(f"/api/v1/shops/{boosted.shop_id}/traffic", headers=boosted.merchant)).json()
    assert traffic["boosts"][0]["delivered"] == 1 and traffic["boosts"][0]["status"] == "cancelled"


async def test_concurrent_feeds_never_spend_past_the_budget(client, services, clock):
    shops = await established(client, services, clock)
    b = await boost(client, shops[-1], impressions=5, budget_cents=35, pacing="asap")
    feeds = await asyncio.gather(*(client.get("/api/v1/feed?limit=5") for _ in range(40)))
    assert all(f.status_code == 200 for f in feeds)
    shown = sum(len(sponsored(f.json())) for f in feeds)
    row = await boost_row(services, b["id"])
    assert shown == row["delivered"] == 5
    assert row["spent_cents"] == 35 <= row["budget_cents"]


async def test_even_pacing_spreads_a_boost_across_its_window(client, services, clock):
    shops = await established(client, services, clock)
    start = clock.now()
    b = await boost(client, shops[-1], impressions=100, budget_cents=100, starts_at=start.isoformat(),
                    ends_at=(start + timedelta(hours=10)).isoformat())
    assert allowed_by_pace(await boost_row(services, b["id"]), start) == 2  # 2 % slack at the start
    for _ in range(5):
        await client.get("/api/v1/feed?limit=5")
    assert (await boost_row(services, b["id"]))["delivered"] == 2
    clock.advance(5 * 3600)  # half way: half the impressions (+2 %)
    for _ in range(60):
        await client.get("/api/v1/feed?limit=5")
    assert (await boost_row(services, b["id"]))["delivered"] == 52


async def test_targeting_by_audience_and_region(client, services, clock):
    shops = await established(client, services, clock)
    target = shops[-1]
    fan, zhejiang, beijing = (await account(client, "fan"), await account(client, "zj"), await account(client, "bj"))
    await client.post(f"/api/v1/shops/{target.shop_id}/follow", headers=fan)
    await client.put("/api/v1/feed/profile", headers=zhejiang, json={"region": "CN-ZJ"})
    await client.put("/api/v1/feed/profile", headers=beijing, json={"region": "CN-BJ"})

    newcomers = await boost(client, target, segment="new_audience", pacing="asap")
    assert sponsored((await client.get("/api/v1/feed?limit=5", headers=beijing)).json())  # not a follower
    fan_feed = (await client.get("/api/v1/feed?limit=5", headers=fan)).json()
    assert sponsored(fan_feed) == [] and fan_feed["live"][0]["reason"] == "follow"
    await client.post(f"/api/v1/boosts/{newcomers['id']}/cancel", headers=target.merchant)

    regional = await boost(client, target, region="CN", pacing="asap")
    assert sponsored((await client.get("/api/v1/feed?limit=5", headers=zhejiang)).json())  # CN-ZJ is in CN
    assert sponsored((await client.get("/api/v1/feed?limit=5", headers=beijing)).json())
    assert sponsored((await client.get("/api/v1/feed?limit=5")).json()) == []  # a guest: region unknown
    assert (await boost_row(services, regional["id"]))["delivered"] == 2


async def splash(client, shop, clock, **body) -> dict:
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/splashes", headers=shop.merchant, json={
        "room_id": shop.room_id, "headline": "双十二 · 明晚 8 点 <b>爆款</b>",
        "starts_at": clock.now().isoformat(), "ends_at": (clock.now() + timedelta(days=2)).isoformat(),
        "cap_per_viewer": 2, **body})
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_splash_placement_is_capped_per_viewer_and_day(client, services, clock):
    show = await shop_with_room(client, live=False)
    s = await splash(client, show, clock)
    guest = {"Cookie": "ls_visitor=guestAAAA0001"}

    seen = [(await client.get("/api/v1/feed", headers=guest)).json()["splash"] for _ in range(3)]
    assert [x is not None for x in seen] == [True, True, False]
    assert seen[0]["room_id"] == show.room_id and seen[0]["status"] == "scheduled"
    assert seen[0]["headline"] == "双十二 · 明晚 8 点 <b>爆款</b>"
    other = {"Cookie": "ls_visitor=guestBBBB0002"}
    assert (await client.get("/api/v1/feed", headers=other)).json()["splash"] is not None
    clock.advance(86_400)  # the next day: shown again
    assert (await client.get("/api/v1/feed", headers=guest)).json()["splash"] is not None

    # Two tabs at once cannot pass the cap.
    third = {"Cookie": "ls_visitor=guestCCCC0003"}
    feeds = await asyncio.gather(*(client.get("/api/v1/feed", headers=third) for _ in range(8)))
    assert sum(f.json()["splash"] is not None for f in feeds) == 2
    async with services.db.transaction(write=False) as tx:
        assert (await store.splash_by_id(tx.conn, s["id"]))["shown"] == 6

    # The show is over: no more placement for it.
    await client.post(f"/api/v1/rooms/{show.room_id}/start", headers=show.merchant)
    await client.post(f"/api/v1/rooms/{show.room_id}/end", headers=show.merchant)
    assert (await client.get("/api/v1/feed", headers={"Cookie": "ls_visitor=guestDDDD0004"})).json()["splash"] is None


async def test_splash_validation(client, services, clock):
    show = await shop_with_room(client, live=False)
    url = f"/api/v1/shops/{show.shop_id}/splashes"
    body = {"room_id": show.room_id, "headline": "Launch", "starts_at": clock.now().isoformat(),
            "ends_at": (clock.now() + timedelta(days=1)).isoformat()}
    assert_problem(await client.post(url, headers=show.merchant, json={**body, "headline": "x" * 61}), 422)
    assert_problem(await client.post(url, headers=show.merchant, json={**body, "cap_per_viewer": 0}), 422)
    assert_problem(await client.post(url, headers=show.merchant, json={
        **body, "ends_at": (clock.now() + timedelta(days=4)).isoformat()}), 422, "bad_window")
    assert_problem(await client.post(url, headers=await account(client, "x"), json=body), 404)
    created = (await client.post(url, headers=show.merchant, json=body)).json()
    r = await client.post(f"/api/v1/splashes/{created['id']}/cancel", headers=show.merchant)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (await client.get("/api/v1/feed")).json()["splash"] is None


async def test_a_viewer_trust_and_safety_flagged_is_shown_no_boost_and_none_is_billed(client, services, clock):
    from liveshop.trust import service as trust
    from liveshop.trust.findings import Finding

    shops = await established(client, services, clock)
    b = await boost(client, shops[-1], pacing="asap")
    flagged, clean = await account(client, "bot"), await account(client, "fan")
    bot_id = (await client.get("/api/v1/me", headers=flagged)).json()["id"]
    await trust.record_findings(services.db, [Finding("follows", "lockstep", [f"u{bot_id}"], [])], now=clock.now())
    await services.suspects.refresh()

    assert sponsored((await client.get("/api/v1/feed?limit=5", headers=flagged)).json()) == []
    assert (await boost_row(services, b["id"]))["delivered"] == 0
    assert len(sponsored((await client.get("/api/v1/feed?limit=5", headers=clean)).json())) == 1
    assert (await boost_row(services, b["id"]))["delivered"] == 1
