"""Traffic pools: the test pool's guaranteed impressions, graduation on engagement and
conversion, and what the merchant sees."""

from __future__ import annotations

import pytest

from liveshop.analytics import events as ev
from liveshop.analytics import store as analytics_store
from liveshop.discovery import pools, store
from liveshop.discovery.pools import RoomTraffic, decide
from tests.helpers import account, assert_problem, shop_with_room


def traffic(impressions=200, feed_visits=10, feed_impressions=200, views=10, effective=5, buyers=1, viewers=10):
    return RoomTraffic(impressions, feed_visits, feed_impressions, views, effective, buyers, viewers)


def test_a_room_is_judged_only_once_its_pool_quota_is_spent():
    assert decide(0, traffic(impressions=199, feed_visits=0, buyers=0)) == (0, "testing")
    assert decide(0, traffic()) == (1, "graduated")


@pytest.mark.parametrize(("numbers", "reason"), [
    (dict(feed_visits=5), "low_click_through"),  # 2.5 % < 3 %
    (dict(effective=2), "low_engagement"),  # 20 % < 30 %
    (dict(buyers=0), "low_conversion"),
])
def test_each_threshold_must_be_beaten(numbers, reason):
    assert decide(0, traffic(**numbers)) == (0, reason)


def test_the_top_pool_has_no_quota_and_risky_rooms_do_not_move_up():
    top = len(pools.POOLS) - 1
    assert decide(top, traffic(impressions=10**9, feed_visits=0)) == (top, "top_pool")
    assert pools.quota_left(top, 10**9) is None
    assert decide(0, traffic(), risk=0.9) == (0, "held_for_risk")
    # Larger pools ask more of a room.
    for lower, upper in zip(pools.POOLS, pools.POOLS[1:-1], strict=False):
        assert upper.quota > lower.quota and upper.min_conversion > lower.min_conversion


async def log(services, events) -> None:
    async with services.db.transaction() as tx:
        await analytics_store.append(tx.conn, events)
    await services.live.catch_up()


def feed_views(room, shop, n, at) -> list[ev.Event]:
    return [ev.Event(at, ev.FEED_VIEW, room, shop, f"a{i:09d}") for i in range(n)]


async def test_a_new_show_takes_a_reserved_slot_until_it_has_had_its_test_impressions(client, services, clock):
    established = [await shop_with_room(client) for _ in range(5)]
    newcomer = await shop_with_room(client)  # the highest id: last on equal scores
    now = clock.now()
    await services.discovery.sweep_pools()
    async with services.db.transaction() as tx:
        for shop in established:  # these already earned their way up
            await store.enter_pool(tx.conn, room_id=shop.room_id, shop_id=shop.shop_id, pool=1, impressions=0,
                                   reason="graduated", now=now)
        rows = await store.pools_of(tx.conn, [newcomer.room_id])
    assert rows[newcomer.room_id]["pool"] == 0 and rows[newcomer.room_id]["reason"] == "testing"

    page = (await client.get("/api/v1/feed?limit=3")).json()["live"]
    assert len(page) == 3
    assert page[pools.TEST_SLOTS[0]]["room_id"] == newcomer.room_id
    assert page[pools.TEST_SLOTS[0]]["placement"] == "pool" and page[pools.TEST_SLOTS[0]]["reason"] == "new"

    # Its 200 test impressions delivered (here: written straight to the log), the slot is freed and,
    # without graduating, the room ranks below rooms that still have quota.
    await log(services, feed_views(newcomer.room_id, newcomer.shop_id, 200, now.timestamp()))
    page = (await client.get("/api/v1/feed?limit=3")).json()["live"]
    assert newcomer.room_id not in [c["room_id"] for c in page]
    everything = (await client.get("/api/v1/feed")).json()["live"]
    assert everything[-1]["room_id"] == newcomer.room_id


async def test_a_show_that_converts_graduates_and_one_nobody_clicks_stays(client, services, clock):
    good, dull = await shop_with_room(client), await shop_with_room(client)
    await services.discovery.sweep_pools()
    at = clock.now().timestamp()
    events = feed_views(good.room_id, good.shop_id, 200, at) + feed_views(dull.room_id, dull.shop_id, 200, at)
    for i in range(10):  # 10 visits from the feed (5 %), 6 stay past 10 s (60 %), 1 buys (10 %)
        viewer = f"u{500 + i}"
        events.append(ev.Event(at, ev.JOIN, good.room_id, good.shop_id, viewer, source="feed"))
        events.append(ev.Event(at + (15 if i < 6 else 3), ev.LEAVE, good.room_id, good.shop_id, viewer))
    events.append(ev.Event(at + 20, ev.PAID, good.room_id, good.shop_id, "u500", order=1, amount=990))
    events.append(ev.Event(at, ev.JOIN, dull.room_id, dull.shop_id, "u900", source="feed"))  # 0.5 %
    await log(services, events)

    assert await services.discovery.sweep_pools() == 1
    traffic = (await client.get(f"/api/v1/shops/{good.shop_id}/traffic", headers=good.merchant)).json()
    room = traffic["rooms"][0]
    assert room["pool"] == 1 and room["reason"] == "graduated"
    assert room["quota"] == pools.POOLS[1].quota and room["impressions"] == 0  # the new pool counts afresh
    assert [p["level"] for p in traffic["pools"]] == [0, 1, 2, 3]

    traffic = (await client.get(f"/api/v1/shops/{dull.shop_id}/traffic", headers=dull.merchant)).json()
    room = traffic["rooms"][0]
    assert room["pool"] == 0 and room["reason"] == "low_click_through"
    assert room["impressions"] == 200 and room["quota_left"] == 0 and room["click_through"] == 0.005

    # Pools and thresholds are public; each room's pool only for its shop's crew.
    assert (await client.get("/api/v1/feed/pools")).json()["pools"][0]["quota"] == 200
    stranger = await account(client, "stranger")
    assert_problem(await client.get(f"/api/v1/shops/{dull.shop_id}/traffic", headers=stranger), 404)
    assert_problem(await client.get(f"/api/v1/shops/{dull.shop_id}/traffic"), 401)
