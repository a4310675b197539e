"""A show run through the app: what viewers do reaches the event log, the big screen's numbers
are what happened, and recomputing them from the raw log afterwards gives the same numbers."""

from __future__ import annotations

import pytest

from liveshop.analytics.live import recompute
from tests.helpers import (
    account,
    assert_problem,
    buy,
    listing,
    send_webhook,
    shop_with_room,
    start_payment,
)


async def settle(services) -> None:
    """Let the event log's writer and this node's fold catch up (the background loops do it every second)."""
    await services.event_log.flush()
    await services.live.catch_up()


async def paid_order(client, services, clock, buyer, listing_id: int) -> dict:
    order = (await buy(client, buyer, listing_id)).json()
    payment = await start_payment(client, buyer, order["id"])
    r, _ = await send_webhook(client, services, clock, payment)
    assert r.status_code == 200, r.text
    return order


async def test_a_show_s_numbers_live_equal_the_numbers_recomputed_from_the_log(client, services, clock):
    shop = await shop_with_room(client, price_cents=5_000)
    tea = await listing(client, shop, stock=50)
    cup = await listing(client, shop, stock=50, price_cents=2_000)
    room = shop.room_id
    hub = services.hub
    buyers = [await account(client, "fan") for _ in range(4)]
    me = [(await client.get("/api/v1/me", headers=b)).json()["id"] for b in buyers]

    # Four signed-in viewers and two guest browsers open the room, from different places.
    sources = ["feed", "feed", "share", "follow", "direct", "feed"]
    visitors = [f"u{i}" for i in me] + ["aGuestOne01", "aGuestTwo02"]
    connections, joined = [], []
    for visitor, source in zip(visitors, sources, strict=True):
        conn, _ = await hub.subscribe(room, None, visitor=visitor, source=source)
        connections.append(conn)
        joined.append(clock.now().timestamp())
        clock.advance(1)
    crew, _ = await hub.subscribe(room, None, visitor=None)  # the console: no viewer

    # Their pages show the two product cards; three of them open the tea.
    for b in buyers:
        r = await client.post(f"/api/v1/rooms/{room}/card-views", headers=b, json={"events": [
            {"kind": "exposure", "listing_id": tea["id"]}, {"kind": "exposure", "listing_id": cup["id"]}]})
        assert r.status_code == 202 and r.json() == {"recorded": 2}
    for b in buyers[:3]:
        await client.post(f"/api/v1/rooms/{room}/card-views", headers=b,
                          json={"events": [{"kind": "click", "listing_id": tea["id"]}]})
    clock.advance(20)

    # Three buy the tea and pay; one buys the cup and never pays; one tea is refunded.
    orders = [await paid_order(client, services, clock, b, tea["id"]) for b in buyers[:3]]
    assert (await buy(client, buyers[3], cup["id"])).status_code == 201
    r = await client.post(f"/api/v1/orders/{orders[0]['id']}/refund", headers=shop.merchant)
    assert r.status_code == 200 and r.json()["status"] == "refunded"
    assert_problem(await client.post(f"/api/v1/orders/{orders[0]['id']}/refund", headers=shop.merchant),
                   409, "order_not_refundable")
    assert_problem(await client.post(f"/api/v1/orders/{orders[1]['id']}/refund", headers=buyers[1]),
                   403, "permission_denied")

    # Chat, likes, and a follow made in the room (another made elsewhere does not count).
    for b in buyers[:2]:
        assert (await client.post(f"/api/v1/rooms/{room}/comments", headers=b, json={"text": "好茶"})).status_code == 201
    assert (await client.post(f"/api/v1/rooms/{room}/likes", headers=buyers[0], json={"count": 7})).status_code == 200
    assert (await client.post(f"/api/v1/shops/{shop.shop_id}/follow?room_id={room}", headers=buyers[2])).status_code == 200
    assert (await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=buyers[3])).status_code == 200

    # The guests leave after a short look (< 10 s would not be effective: these stayed ~30 s).
    clock.advance(5)
    left = clock.now().timestamp()
    hub.unsubscribe(connections[4])
    hub.unsubscribe(connections[5])
    hub.unsubscribe(crew)
    clock.advance(60)
    await settle(services)

    r = await client.get(f"/api/v1/rooms/{room}/analytics", headers=shop.merchant)
    assert r.status_code == 200, r.text
    screen = r.json()
    f = screen["figures"]
    assert f["views"] == 6 and f["unique_viewers"] == 6 and f["online_viewers"] == 4 and f["pcu"] == 6
    assert f["traffic_sources"] == {"direct": 1, "feed": 3, "follow": 1, "share": 1}
    assert f["gmv_cents"] == 3 * 5_000  # paid, refunds or not: GMV is what was paid
    assert (f["orders"], f["paid_orders"], f["paying_buyers"]) == (4, 3, 3)
    assert f["refund_rate"] == pytest.approx(1 / 3, abs=1e-6)
    assert f["viewer_buyer_conversion"] == 0.5
    assert (f["exposure_click_rate"], f["click_order_rate"]) == (3 / 8, round(4 / 3, 6))
    assert f["gpm_cents"] == round(15_000 * 1000 / 6, 6)
    assert (f["new_followers"], f["likes"]) == (1, 7)
    assert f["top_products"][0] | {} == {"listing_id": tea["id"], "title": "Longjing tea 250g", "gmv_cents": 15_000,
                                         "paid_orders": 3, "exposures": 4, "clicks": 3}
    assert [o["id"] for o in screen["recent_orders"]][:1] != []
    assert "buyer_id" not in screen["recent_orders"][0]  # the screen hangs in the studio
    assert sum(m["gmv_cents"] for m in f["per_minute"]) == 15_000

    # Recomputed from the raw log, later, the same numbers.
    now = clock.now().timestamp()
    again = (await recompute(services.db, room)).figures(room, now=now)
    live = services.live.aggregator.figures(room, now=now)
    assert again == live
    assert {k: v for k, v in again.items() if k != "top_products"} == {
        k: v for k, v in f.items() if k != "top_products"}
    watched = sum(now - t for t in joined[:4]) + sum(left - t for t in joined[4:])
    assert again["avg_watch_seconds"] == pytest.approx(watched / 6)
    assert f["effective_views"] == 6  # the two sessions that ended and the four still open, all past 10 s


async def test_who_may_read_a_show_s_numbers(client, services):
    shop = await shop_with_room(client)
    other = await shop_with_room(client)
    viewer = await account(client, "viewer")
    url = f"/api/v1/rooms/{shop.room_id}/analytics"
    assert (await client.get(url, headers=shop.merchant)).status_code == 200
    assert_problem(await client.get(url, headers=other.merchant), 404)
    assert_problem(await client.get(url, headers=viewer), 404)
    assert_problem(await client.get(url), 401)

    # A base operator reads it once the shop's merchant puts the shop on the base's wall.
    operator = await account(client, "base")
    base = (await client.post("/api/v1/bases", json={"name": "临平直播基地"}, headers=operator)).json()
    assert_problem(await client.get(url, headers=operator), 404)
    assert_problem(await client.put(f"/api/v1/bases/{base['id']}/shops/{shop.shop_id}", headers=operator),
                   404)  # the operator cannot add a shop that is not theirs
    assert (await client.put(f"/api/v1/bases/{base['id']}/shops/{shop.shop_id}",
                             headers=shop.merchant)).status_code == 204
    assert (await client.get(url, headers=operator)).status_code == 200
    wall = (await client.get(f"/api/v1/bases/{base['id']}/wall", headers=operator)).json()
    assert [t["id"] for t in wall["rooms"]] == [shop.room_id] and wall["totals"]["live_rooms"] == 1
    assert_problem(await client.get(f"/api/v1/bases/{base['id']}/wall", headers=shop.merchant), 404)
    assert (await client.delete(f"/api/v1/bases/{base['id']}/shops/{shop.shop_id}",
                                headers=operator)).status_code == 204
    assert_problem(await client.get(url, headers=operator), 404)


async def test_card_views_only_count_for_the_room_s_own_products_while_live(client, services):
    shop = await shop_with_room(client)
    other = await shop_with_room(client)
    mine, theirs = await listing(client, shop), await listing(client, other)
    url = f"/api/v1/rooms/{shop.room_id}/card-views"
    r = await client.post(url, json={"events": [{"kind": "exposure", "listing_id": mine["id"]},
                                                {"kind": "exposure", "listing_id": theirs["id"]}]})
    assert r.json() == {"recorded": 1}  # guests count too; another room's card does not
    assert_problem(await client.post(url, json={"events": [{"kind": "paid", "listing_id": mine["id"]}]}), 422)
    assert_problem(await client.post(url, json={"events": []}), 422)
    assert_problem(await client.post(url, json={"events": [{"kind": "click", "listing_id": mine["id"]}] * 51}), 422)
    assert_problem(await client.post("/api/v1/rooms/999999/card-views",
                                      json={"events": [{"kind": "click", "listing_id": 1}]}), 404)


async def ended_show(client, services, clock, *, buyers: int, price_cents: int = 5_000):
    """A show with `buyers` viewers who each buy and pay once, then end."""
    shop = await shop_with_room(client, price_cents=price_cents)
    item = await listing(client, shop, stock=20)
    for i in range(buyers + 2):
        conn, _ = await services.hub.subscribe(shop.room_id, None, visitor=f"aViewer{shop.room_id}x{i:03}", source="feed")
        clock.advance(3)
    for _ in range(buyers):
        await paid_order(client, services, clock, await account(client, "buyer"), item["id"])
        clock.advance(30)
    assert (await client.post(f"/api/v1/rooms/{shop.room_id}/end", headers=shop.merchant)).status_code == 200
    return shop


async def test_the_report_recomputes_the_show_and_compares_it_with_the_shop_s_previous_shows(client, services, clock):
    shop = await ended_show(client, services, clock, buyers=2)
    # The shop's next show, in a new room of the same shop.
    r = await client.post("/api/v1/rooms", headers=shop.merchant, json={
        "shop_id": shop.shop_id, "title": "Autumn tea show", "scheduled_at": "2026-01-02T13:00:00Z"})
    room = r.json()["id"]
    assert (await client.post(f"/api/v1/rooms/{room}/start", headers=shop.merchant)).status_code == 200
    item = (await client.post(f"/api/v1/rooms/{room}/listings", headers=shop.merchant,
                              json={"product_id": shop.product_id, "stock": 10})).json()
    for i in range(4):
        await services.hub.subscribe(room, None, visitor=f"aSecond{i:04}", source="share")
    for _ in range(3):
        await paid_order(client, services, clock, await account(client, "buyer"), item["id"])
        clock.advance(61)
    await services.event_log.flush()

    report = (await client.get(f"/api/v1/rooms/{room}/report", headers=shop.merchant)).json()
    assert report["figures"]["gmv_cents"] == 3 * 5_000 and report["figures"]["views"] == 4
    assert [p["id"] for p in report["previous_shows"]] == [shop.room_id]
    gmv = next(row for row in report["comparison"] if row["metric"] == "gmv_cents")
    assert gmv == {"metric": "gmv_cents", "this_show": 15_000, "previous_average": 10_000, "change_percent": 50.0}

    csv = await client.get(f"/api/v1/rooms/{room}/report.csv", headers=shop.merchant)
    assert csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert lines[0] == "minute,gmv_cents,orders,paid_orders,joins,acu,pcu,comments,new_followers"
    assert sum(int(line.split(",")[1]) for line in lines[1:]) == 15_000
    for chart in ("gmv", "viewers", "funnel", "shows"):
        png = await client.get(f"/api/v1/rooms/{room}/report/{chart}.png", headers=shop.merchant)
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG"), chart
    assert_problem(await client.get(f"/api/v1/rooms/{room}/report/pie.png", headers=shop.merchant), 422)
    stranger = await account(client, "stranger")
    assert_problem(await client.get(f"/api/v1/rooms/{room}/report", headers=stranger), 404)
    assert_problem(await client.get(f"/api/v1/rooms/{room}/report.csv", headers=stranger), 404)


async def test_diagnostics_rank_a_shop_against_comparable_shops_and_suggest_what_to_fix(client, services, clock):
    weak = await ended_show(client, services, clock, buyers=0)
    for buyers in (2, 3, 3, 4, 5):
        await ended_show(client, services, clock, buyers=buyers)
    await services.event_log.flush()
    r = await client.get(f"/api/v1/shops/{weak.shop_id}/diagnostics?lang=en", headers=weak.merchant)
    assert r.status_code == 200, r.text
    diagnosis = r.json()
    assert diagnosis["peers"] == 5
    conversion = next(m for m in diagnosis["metrics"] if m["metric"] == "viewer_buyer_conversion")
    assert conversion["value"] == 0 and conversion["percentile"] == 0
    codes = [s["code"] for s in diagnosis["suggestions"]]
    assert "conversion" in codes and "gpm" in codes
    assert diagnosis["suggestions"][0]["message"].startswith("Viewer → buyer conversion")
    zh = (await client.get(f"/api/v1/shops/{weak.shop_id}/diagnostics", headers=weak.merchant)).json()
    assert zh["suggestions"][0]["message"].startswith("观看成交转化率")
    stranger = await account(client, "stranger")
    assert_problem(await client.get(f"/api/v1/shops/{weak.shop_id}/diagnostics", headers=stranger), 404)


async def test_liveshop_report_writes_the_numbers_csv_and_charts(client, services, clock, database_url, tmp_path):
    import asyncio

    from typer.testing import CliRunner

    from liveshop.cli import app

    shop = await ended_show(client, services, clock, buyers=3)
    await services.event_log.flush()
    out = tmp_path / "report"
    # The CLI runs its own event loop: off this test's loop, as on a shell.
    result = await asyncio.to_thread(CliRunner().invoke, app, [
        "report", str(shop.room_id), "--database-url", database_url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "gmv_cents" in result.output and "15,000" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "funnel.png", "gmv.png", "minutes.csv", "report.json", "shows.png", "viewers.png"]
    assert (out / "gmv.png").read_bytes().startswith(b"\x89PNG")
    missing = await asyncio.to_thread(CliRunner().invoke, app, ["report", "999999", "--database-url", database_url])
    assert missing.exit_code == 1 and "no room 999999" in missing.output
