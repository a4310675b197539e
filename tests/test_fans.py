"""Fan club: points from watching, chatting, buying and quizzes, by the documented rules, and
the level beside a follower's name in chat."""

from __future__ import annotations

from liveshop.fans import rules
from tests.helpers import (
    account,
    assert_problem,
    buy,
    listing,
    send_webhook,
    shop_with_room,
    start_payment,
)


async def standing(client, shop, who):
    r = await client.get(f"/api/v1/shops/{shop.shop_id}/fan-club/me", headers=who)
    assert r.status_code == 200, r.text
    return r.json()


async def say(client, shop, who, text="好茶"):
    r = await client.post(f"/api/v1/rooms/{shop.room_id}/comments", json={"text": text}, headers=who)
    assert r.status_code == 201, r.text
    return r.json()


def test_levels_follow_the_thresholds():
    assert [rules.level_for(p) for p in (0, 19, 20, 49, 50, 2499, 2500, 10**6)] == [1, 1, 2, 2, 3, 9, 10, 10]
    assert rules.next_level_at(20) == 50 and rules.next_level_at(2500) is None


async def test_points_from_chat_watching_buying_and_quizzes_and_the_level_in_chat(client, services, clock):
    shop = await shop_with_room(client)
    fan, stranger = await account(client), await account(client)
    assert (await say(client, shop, stranger))["fan_level"] is None  # not following: no level shown
    await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=fan)
    assert (await say(client, shop, fan))["fan_level"] == 1
    clock.advance(10)
    await say(client, shop, fan, "再来一句")  # within a minute: no second point
    assert (await standing(client, shop, fan))["points"] == 1
    clock.advance(60)
    await say(client, shop, fan, "一分钟后")
    assert (await standing(client, shop, fan))["points"] == 2

    beat = f"/api/v1/rooms/{shop.room_id}/watch"
    await client.post(beat, headers=fan)
    for _ in range(4):  # two minutes of heartbeats
        clock.advance(30)
        await client.post(beat, headers=fan)
    assert (await standing(client, shop, fan))["points"] == 4

    lst = await listing(client, shop, stock=5, price_cents=1000)
    order = (await buy(client, fan, lst["id"])).json()
    await send_webhook(client, services, clock, await start_payment(client, fan, order["id"]))
    assert (await standing(client, shop, fan))["points"] == 14

    quiz = (await client.post(f"/api/v1/shops/{shop.shop_id}/quizzes", json={
        "title": "q", "room_id": shop.room_id,
        "questions": [{"text": "?", "options": ["a", "b"], "correct": 1}]}, headers=shop.merchant)).json()
    question = quiz["questions"][0]["id"]
    await client.post(f"/api/v1/quiz-questions/{question}/push", headers=shop.merchant)
    await client.post(f"/api/v1/quiz-questions/{question}/answers", json={"choice": 1}, headers=fan)
    await client.post(f"/api/v1/quizzes/{quiz['id']}/end", headers=shop.merchant)
    me = await standing(client, shop, fan)
    assert me["points"] == 14 + rules.QUIZ_CORRECT_POINTS + rules.QUIZ_WIN_POINTS == 46
    assert (me["level"], me["next_level_at"]) == (2, 50)
    clock.advance(60)
    assert (await say(client, shop, fan, "升级了"))["fan_level"] == 2

    top = (await client.get(f"/api/v1/shops/{shop.shop_id}/fan-club", headers=shop.merchant)).json()
    assert top[0]["name"] == fan["X-Username"] and top[0]["level"] == 2
    assert_problem(await client.get(f"/api/v1/shops/{shop.shop_id}/fan-club", headers=fan), 404)


async def test_watch_points_stop_at_the_cap_per_show(client, services, clock):
    shop = await shop_with_room(client)
    fan = await account(client)
    beat = f"/api/v1/rooms/{shop.room_id}/watch"
    await client.post(beat, headers=fan)
    for _ in range(2 * rules.WATCH_CAP_MINUTES + 10):
        clock.advance(30)
        await client.post(beat, headers=fan)
    assert (await standing(client, shop, fan))["points"] == rules.WATCH_CAP_MINUTES


async def test_the_chat_history_shows_levels_too(client):
    shop = await shop_with_room(client)
    fan, stranger = await account(client), await account(client)
    await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=fan)
    await say(client, shop, fan)
    await say(client, shop, stranger)
    history = (await client.get(f"/api/v1/rooms/{shop.room_id}/comments")).json()
    assert [(c["user"]["name"], c["fan_level"]) for c in history] == [
        (fan["X-Username"], 1), (stranger["X-Username"], None)]
