"""Weekly show series: the next show is scheduled once the current one goes live, at the same
wall-clock time a week on, and subscribers' reservations (and so their reminders) carry over."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from liveshop.engagement import service as engagement
from liveshop.schedules import service as schedules
from tests.helpers import account, assert_problem


def test_next_slot_keeps_the_wall_clock_time_across_daylight_saving():
    berlin = ZoneInfo("Europe/Berlin")
    # Tuesday 20:00 in Berlin: 18:00 UTC in summer, 19:00 UTC in winter.
    summer = schedules.next_slot(datetime(2026, 10, 20, 12, tzinfo=UTC), weekday=1, time_of_day="20:00", tz=berlin)
    assert summer == datetime(2026, 10, 20, 18, tzinfo=UTC)
    winter = schedules.next_slot(summer, weekday=1, time_of_day="20:00", tz=berlin)
    assert winter == datetime(2026, 10, 27, 19, tzinfo=UTC)
    shanghai = ZoneInfo("Asia/Shanghai")
    assert schedules.next_slot(datetime(2026, 12, 2, 12, 1, tzinfo=UTC), weekday=2, time_of_day="20:00",
                               tz=shanghai) == datetime(2026, 12, 9, 12, tzinfo=UTC)  # 20:00 today has passed


async def test_a_weekly_series_rolls_on_and_carries_reservations(client, services, clock):
    merchant = await account(client, "merchant")
    shop = (await client.post("/api/v1/shops", json={"name": "Weekly Tea"}, headers=merchant)).json()
    r = await client.post(f"/api/v1/shops/{shop['id']}/series", json={
        "title": "周二茶会", "weekday": 1, "time_of_day": "20:00", "timezone": "Asia/Shanghai"}, headers=merchant)
    assert r.status_code == 201, r.text
    series = r.json()
    first = series["current_room_id"]
    fans = [await account(client) for _ in range(3)]
    for fan in fans[:2]:
        assert (await client.post(f"/api/v1/series/{series['id']}/subscribe", headers=fan)).json()["subscribed"]
    one_off = fans[2]
    await client.post(f"/api/v1/rooms/{first}/reservations", headers=one_off)
    assert (await client.get(f"/api/v1/rooms/{first}/reservations")).json()["reservations"] == 3
    assert (await client.get(f"/api/v1/rooms/{first}/series")).json()["id"] == series["id"]

    assert await schedules.roll_series(services.db, now=clock.now()) == 0  # not live yet: nothing to do
    assert (await client.post(f"/api/v1/rooms/{first}/start", headers=merchant)).status_code == 200
    rolled = await asyncio.gather(*(schedules.roll_series(services.db, now=clock.now()) for _ in range(4)))
    assert sum(rolled) == 1  # one new show, however many nodes sweep
    second = (await client.get(f"/api/v1/series/{series['id']}")).json()["current_room_id"]
    assert second != first
    room = (await client.get(f"/api/v1/rooms/{second}")).json()
    assert room["status"] == "scheduled" and room["title"] == "周二茶会"
    first_at = datetime.fromisoformat((await client.get(f"/api/v1/rooms/{first}")).json()["scheduled_at"])
    assert (datetime.fromisoformat(room["scheduled_at"]) - first_at).days == 7
    assert (await client.get(f"/api/v1/rooms/{second}/reservations")).json()["reservations"] == 2  # subscribers only
    await engagement.send_due_reminders(services.db, now=clock.now())
    for fan in fans:
        inbox = (await client.get("/api/v1/me/inbox", headers=fan)).json()
        assert [i["room_id"] for i in inbox["items"]] == [first]  # this week's reminder, once


async def test_bad_weekly_slots(client):
    merchant = await account(client, "merchant")
    shop = (await client.post("/api/v1/shops", json={"name": "x"}, headers=merchant)).json()
    base = {"title": "t", "weekday": 1, "time_of_day": "20:00"}
    for bad in ({"weekday": 7}, {"time_of_day": "24:00"}, {"time_of_day": "8pm"}, {"timezone": "Mars/Olympus"}):
        assert_problem(await client.post(f"/api/v1/shops/{shop['id']}/series", json=base | bad, headers=merchant), 422)
    viewer = await account(client)
    assert_problem(await client.post(f"/api/v1/shops/{shop['id']}/series", json=base, headers=viewer), 404)
    assert_problem(await client.post("/api/v1/series/99999/subscribe", headers=viewer), 404)
