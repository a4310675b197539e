"""`liveshop trust scan`: the detectors on the installation's own follows and room joins."""

from __future__ import annotations

import asyncio
import random

from typer.testing import CliRunner

from liveshop.analytics import events as ev
from liveshop.analytics import store as analytics_store
from liveshop.cli import app
from liveshop.trust import scan
from tests.helpers import account, shop_with_room


async def me(client, headers) -> int:
    return (await client.get("/api/v1/me", headers=headers)).json()["id"]


async def test_bought_followers_and_a_bot_audience_are_found_and_real_fans_are_not(client, services, clock):
    shops = [await shop_with_room(client) for _ in range(4)]
    bots = [await account(client, "bot") for _ in range(12)]
    fans = [await account(client, "fan") for _ in range(20)]
    bot_ids = {f"u{await me(client, b)}" for b in bots}
    fan_ids = {f"u{await me(client, f)}" for f in fans}
    start = clock.now()
    rng = random.Random(5)
    # Real fans follow the shops they like over a week.
    for fan in fans:
        for shop in rng.sample(shops, 2):
            clock.set(start.replace(day=start.day + rng.randint(0, 6), hour=rng.randint(8, 22)))
            assert (await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=fan)).status_code == 200
    # The follower package: the same twelve accounts follow each shop within a couple of minutes.
    for n, shop in enumerate(shops):
        clock.set(start.replace(day=start.day + n + 1, hour=3))
        for bot in bots:
            clock.advance(9)
            assert (await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=bot)).status_code == 200
    # Room joins: a bot audience entering three shows together, and a genuine burst at one show's start.
    at = start.timestamp()
    joins = [ev.Event(at + 86_400 * k + i, ev.JOIN, shops[k].room_id, shops[k].shop_id, bot, source="feed")
             for k in range(3) for i, bot in enumerate(sorted(bot_ids))]
    joins += [ev.Event(at + 3600 + i * 0.5, ev.JOIN, shops[3].room_id, shops[3].shop_id, f"aCrowd{i:06d}")
              for i in range(600)]
    async with services.db.transaction() as tx:
        await analytics_store.append(tx.conn, joins)
    clock.set(start.replace(day=start.day + 7))

    findings = await scan.scan(services.db, now=clock.now(), days=8)
    by = {(f.graph, f.kind): f for f in findings}
    assert set(by["follows", "lockstep"].accounts) == bot_ids
    assert by["follows", "lockstep"].hosts == sorted(s.shop_id for s in shops)
    assert set(by["follows", "dense_block"].accounts) == bot_ids
    assert set(by["joins", "lockstep"].accounts) == bot_ids
    flagged = {a for f in findings for a in f.accounts}
    assert not flagged & fan_ids and not any(a.startswith("aCrowd") for a in flagged)

    # The same from the command line, for the week that ends now (on this test's clock).
    result = await asyncio.to_thread(CliRunner().invoke, app, [
        "trust", "scan", "--days", "8", "--until", clock.now().strftime("%Y-%m-%dT%H:%M:%S"), "--flag",
        "--database-url", services.settings.database_url])
    assert result.exit_code == 1, result.output
    assert "lockstep" in result.output and "dense_block" in result.output and "aCrowd" not in result.output
    assert "12 accounts put in the review queue" in result.output  # one flag per account, whatever found it
    state = (await client.get(f"/api/v1/shops/{shops[0].shop_id}/follow")).json()
    assert state["followers"] - state["real_followers"] == 12


async def test_a_quiet_installation_has_nothing_to_report(client, services, clock, database_url):
    shop = await shop_with_room(client)
    fan = await account(client, "fan")
    await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=fan)
    assert await scan.scan(services.db, now=clock.now()) == []
    result = await asyncio.to_thread(CliRunner().invoke, app, ["trust", "scan", "--database-url", database_url])
    assert result.exit_code == 0 and "nothing suspicious" in result.output


async def test_flagged_followers_leave_the_honest_count_until_an_admin_clears_them(client, services, clock):
    from liveshop.trust import service as trust
    from liveshop.trust.scan import Finding
    from tests.helpers import admin, assert_problem

    shop = await shop_with_room(client)
    bots = [await account(client, "bot") for _ in range(3)]
    fan = await account(client, "fan")
    for follower in [*bots, fan]:
        await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=follower)
    bot_ids = [f"u{await me(client, b)}" for b in bots]
    state = (await client.get(f"/api/v1/shops/{shop.shop_id}/follow")).json()
    assert (state["followers"], state["real_followers"]) == (4, 4)

    finding = Finding("follows", "lockstep", bot_ids, [shop.shop_id], {"accounts": 3})
    assert await trust.record_findings(services.db, [finding], now=clock.now()) == {"account": 3}
    assert not await trust.record_findings(services.db, [finding], now=clock.now())  # once per account
    state = (await client.get(f"/api/v1/shops/{shop.shop_id}/follow")).json()
    assert (state["followers"], state["real_followers"]) == (4, 1)

    root = await admin(client, services)
    queue = (await client.get("/api/v1/trust/flags", headers=root)).json()
    assert sorted(f["account"] for f in queue) == sorted(bot_ids)
    assert queue[0]["evidence"]["hosts"] == [shop.shop_id] and queue[0]["kind"] == "lockstep"
    assert_problem(await client.get("/api/v1/trust/flags", headers=fan), 403)
    assert_problem(await client.get("/api/v1/trust/flags?status=weird", headers=root), 422)

    # An admin clears one (genuine after all), confirms another; both are audited and reversible.
    cleared = await client.post(f"/api/v1/trust/flags/{queue[0]['id']}/review", headers=root,
                                json={"decision": "clear", "note": "a real customer, verified by phone"})
    assert cleared.status_code == 200 and cleared.json()["status"] == "cleared"
    confirmed = (await client.post(f"/api/v1/trust/flags/{queue[1]['id']}/review", headers=root,
                                   json={"decision": "confirm"})).json()
    assert confirmed["status"] == "confirmed"
    state = (await client.get(f"/api/v1/shops/{shop.shop_id}/follow")).json()
    assert state["real_followers"] == 2  # the cleared account counts again
    reopened = (await client.post(f"/api/v1/trust/flags/{queue[0]['id']}/review", headers=root,
                                  json={"decision": "reopen", "note": "new evidence"})).json()
    assert [h["action"] for h in reopened["history"]] == ["flagged", "clear", "reopen"]
    assert reopened["history"][1]["note"] == "a real customer, verified by phone"
    assert (await client.get(f"/api/v1/shops/{shop.shop_id}/follow")).json()["real_followers"] == 1
    assert_problem(await client.post("/api/v1/trust/flags/999999/review", headers=root,
                                     json={"decision": "confirm"}), 404)
    assert_problem(await client.post(f"/api/v1/trust/flags/{queue[0]['id']}/review", headers=root,
                                     json={"decision": "ban"}), 422)
    assert_problem(await client.post(f"/api/v1/trust/flags/{queue[0]['id']}/review", headers=fan,
                                     json={"decision": "clear"}), 403)
