"""Polls: the crew opens one in the room, viewers vote once, everybody sees the live tally,
and the poll closes on time — also with many viewers voting at once."""

from __future__ import annotations

import asyncio

from liveshop.polls import service as polls
from tests.helpers import account, assert_problem, next_hub_event, shop_with_room


async def test_a_room_poll_one_vote_each_live_tally_and_closing_on_time(client, services, clock):
    shop = await shop_with_room(client)
    conn, _ = await services.hub.subscribe(shop.room_id, None)
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/polls", json={
        "question": "下一款上什么？", "options": ["龙井", "碧螺春", "白茶"], "room_id": shop.room_id,
        "closes_in_seconds": 60}, headers=shop.merchant)
    assert r.status_code == 201, r.text
    poll = r.json()
    opened = await next_hub_event(conn, "poll_opened")
    assert opened["poll"]["id"] == poll["id"] and opened["seq"] >= 1  # numbered: never lost
    first, second = poll["options"][0]["id"], poll["options"][1]["id"]
    viewers = [await account(client) for _ in range(12)]
    answers = await asyncio.gather(*(
        client.post(f"/api/v1/polls/{poll['id']}/votes", json={"option_id": first if i % 3 else second}, headers=v)
        for i, v in enumerate(viewers)))
    assert [a.status_code for a in answers] == [201] * 12
    again = await client.post(f"/api/v1/polls/{poll['id']}/votes", json={"option_id": second}, headers=viewers[1])
    assert assert_problem(again, 409, "already_voted")["option_id"] == first
    tally = await next_hub_event(conn, "poll_results")
    assert tally["poll"]["total_votes"] >= 1  # the tally, coalesced per tick
    result = (await client.get(f"/api/v1/polls/{poll['id']}", headers=viewers[1])).json()
    assert result["total_votes"] == 12 and result["my_vote"] == first
    assert [o["votes"] for o in result["options"]] == [8, 4, 0]
    assert_problem(await client.post(f"/api/v1/polls/{poll['id']}/votes", json={"option_id": 10**9},
                                     headers=await account(client)), 422, "poll_option_not_found")
    open_now = (await client.get(f"/api/v1/rooms/{shop.room_id}/polls")).json()
    assert [p["id"] for p in open_now] == [poll["id"]]

    clock.advance(61)
    assert await polls.close_due_polls(services.db, now=clock.now()) == 1
    assert await polls.close_due_polls(services.db, now=clock.now()) == 0
    closed = await next_hub_event(conn, "poll_closed")
    assert closed["poll"]["status"] == "closed" and closed["poll"]["total_votes"] == 12
    late = await client.post(f"/api/v1/polls/{poll['id']}/votes", json={"option_id": first},
                             headers=await account(client))
    assert_problem(late, 409, "poll_closed")
    assert (await client.get(f"/api/v1/rooms/{shop.room_id}/polls")).json() == []
    services.hub.unsubscribe(conn)


async def test_a_feature_vote_outside_a_show_and_who_may_do_what(client):
    shop = await shop_with_room(client, live=False)
    viewer = await account(client)
    body = {"question": "Which tea next spring?", "options": ["Longjing", "Biluochun"]}
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/polls", json=body, headers=viewer), 404)
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/polls",
                                     json={**body, "options": ["only one"]}, headers=shop.merchant), 422)
    poll = (await client.post(f"/api/v1/shops/{shop.shop_id}/polls", json=body, headers=shop.merchant)).json()
    assert poll["room_id"] is None and poll["closes_at"] is None
    vote = await client.post(f"/api/v1/polls/{poll['id']}/votes", json={"option_id": poll["options"][1]["id"]},
                             headers=viewer)
    assert vote.json()["options"][1]["votes"] == 1 and vote.json()["my_vote"] == poll["options"][1]["id"]
    assert (await client.get(f"/api/v1/polls/{poll['id']}")).json()["my_vote"] is None  # a guest
    assert_problem(await client.post(f"/api/v1/polls/{poll['id']}/close", headers=viewer), 404)
    closed = await client.post(f"/api/v1/polls/{poll['id']}/close", headers=shop.merchant)
    assert closed.json()["status"] == "closed"
    assert_problem(await client.post(f"/api/v1/polls/{poll['id']}/close", headers=shop.merchant), 409, "poll_closed")
    assert_problem(await client.get("/api/v1/polls/999999"), 404, "poll_not_found")
    assert_problem(await client.get("/api/v1/rooms/999999/polls"), 404)
