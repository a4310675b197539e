"""Guess-the-product campaigns: hints on schedule, one guess each, the reveal, and the funnel
views → guesses → reservations → buyers of the launch show."""

from __future__ import annotations

from liveshop.campaigns import service as campaigns
from tests.helpers import (
    account,
    assert_problem,
    buy,
    listing,
    send_webhook,
    shop_with_room,
    start_payment,
)


async def test_a_campaign_from_teaser_to_funnel(client, services, clock):
    shop = await shop_with_room(client, live=False)
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/campaigns", json={
        "room_id": shop.room_id, "title": "猜猜新品是什么", "teaser": "春天的味道 <b>",
        "answer": "明前龙井", "accepted_answers": ["Longjing"],
        "hints": [{"text": "来自杭州"}, {"text": "绿茶", "show_after_minutes": 60}], "reveal_in_minutes": 120,
    }, headers=shop.merchant)
    assert r.status_code == 201, r.text
    campaign = r.json()
    assert campaign["answer"] == "明前龙井"  # the crew sees it
    players = [await account(client) for _ in range(4)]
    public = (await client.get(f"/api/v1/campaigns/{campaign['id']}", headers=players[0])).json()
    assert public["answer"] is None and [h["text"] for h in public["hints"]] == ["来自杭州"]

    page = await client.get(f"/campaigns/{campaign['id']}")  # a guest's look
    assert page.status_code == 200 and "春天的味道 &lt;b&gt;" in page.text and "明前龙井" not in page.text
    for p in players[:3]:
        assert (await client.get(f"/campaigns/{campaign['id']}", headers=p)).status_code == 200
    guesses = ["明前 龙井！", "LONGJING", "碧螺春"]
    for p, text in zip(players[:3], guesses, strict=True):
        r = await client.post(f"/api/v1/campaigns/{campaign['id']}/guesses", json={"guess": text}, headers=p)
        assert r.status_code == 201, r.text
        assert r.json()["my_guess"] == {"guess": text, "correct": None}  # judged at the reveal
    assert_problem(await client.post(f"/api/v1/campaigns/{campaign['id']}/guesses", json={"guess": "x"},
                                     headers=players[0]), 409, "already_guessed")
    clock.advance(61 * 60)
    assert len((await client.get(f"/api/v1/campaigns/{campaign['id']}")).json()["hints"]) == 2

    clock.advance(60 * 60)
    assert await campaigns.reveal_due(services.db, now=clock.now()) == 1
    shown = (await client.get(f"/api/v1/campaigns/{campaign['id']}", headers=players[1])).json()
    assert (shown["status"], shown["answer"], shown["correct_guesses"]) == ("revealed", "明前龙井", 2)
    assert shown["my_guess"]["correct"] is True
    assert_problem(await client.post(f"/api/v1/campaigns/{campaign['id']}/guesses", json={"guess": "x"},
                                     headers=players[3]), 409, "campaign_revealed")

    for p in players[:2]:
        await client.post(f"/api/v1/rooms/{shop.room_id}/reservations", headers=p)
    await client.post(f"/api/v1/rooms/{shop.room_id}/reservations", headers=await account(client))  # not from the campaign
    await client.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant)
    lst = await listing(client, shop, stock=5, price_cents=5000)
    order = (await buy(client, players[0], lst["id"])).json()
    await send_webhook(client, services, clock, await start_payment(client, players[0], order["id"]))

    funnel = (await client.get(f"/api/v1/campaigns/{campaign['id']}/funnel", headers=shop.merchant)).json()
    assert {k: funnel[k] for k in ("views", "signed_in_viewers", "guesses", "correct_guesses", "reservations",
                                   "buyers")} == {"views": 4, "signed_in_viewers": 3, "guesses": 3,
                                                  "correct_guesses": 2, "reservations": 2, "buyers": 1}
    assert funnel["rates"]["guess_per_view"] == 0.75
    assert_problem(await client.get(f"/api/v1/campaigns/{campaign['id']}/funnel", headers=players[0]), 404)


async def test_campaign_rules_and_pages(client):
    shop = await shop_with_room(client, live=False)
    other = await shop_with_room(client, live=False)
    body = {"room_id": other.room_id, "title": "t", "answer": "a"}
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/campaigns", json=body, headers=shop.merchant), 404)
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/campaigns", json={**body, "room_id": shop.room_id},
                                     headers=await account(client)), 404)
    assert (await client.get("/campaigns/424242")).status_code == 404
    poll = (await client.post(f"/api/v1/shops/{shop.shop_id}/polls", json={
        "question": "下一款做什么 <script>", "options": ["白茶", "红茶"]}, headers=shop.merchant)).json()
    page = await client.get(f"/polls/{poll['id']}")
    assert page.status_code == 200 and "&lt;script&gt;" in page.text
    quiz = (await client.post(f"/api/v1/shops/{shop.shop_id}/quizzes", json={
        "title": "茶知识", "questions": [{"text": "?", "options": ["a", "b"], "correct": 0}]},
        headers=shop.merchant)).json()
    page = await client.get(f"/quizzes/{quiz['id']}?lang=en")
    assert page.status_code == 200 and "Start the quiz" in page.text

