"""The numbers' pages: who gets them, and that user text in them is escaped."""

from __future__ import annotations

from tests.helpers import account, shop_with_room


async def test_big_screen_report_diagnostics_and_wall_pages_are_for_those_who_may_read_the_numbers(client):
    shop = await shop_with_room(client)
    r = await client.post("/api/v1/rooms", headers=shop.merchant, json={
        "shop_id": shop.shop_id, "title": "<script>alert(1)</script> tea", "scheduled_at": "2026-01-02T13:00:00Z"})
    shop.room_id = r.json()["id"]
    stranger = await account(client, "stranger")
    for path in (f"/screen/rooms/{shop.room_id}", f"/rooms/{shop.room_id}/report",
                 f"/shops/{shop.shop_id}/diagnostics"):
        page = await client.get(path, headers=shop.merchant)
        assert page.status_code == 200, (path, page.text[:300])
        assert "<script>alert(1)" not in page.text
        assert (await client.get(path, headers=stranger)).status_code == 403, path
        anonymous = await client.get(path)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login"), path
    screen = await client.get(f"/screen/rooms/{shop.room_id}?lang=en", headers=shop.merchant)
    assert "Big screen" in screen.text and "/static/screen.js" in screen.text

    operator = await account(client, "base")
    base = (await client.post("/api/v1/bases", json={"name": "<b>基地</b>"}, headers=operator)).json()
    wall = await client.get(f"/screen/bases/{base['id']}", headers=operator)
    assert wall.status_code == 200 and "&lt;b&gt;基地" in wall.text
    assert (await client.get(f"/screen/bases/{base['id']}", headers=shop.merchant)).status_code == 403
    assert (await client.get(f"/screen/rooms/{shop.room_id}", headers=operator)).status_code == 403
    await client.put(f"/api/v1/bases/{base['id']}/shops/{shop.shop_id}", headers=shop.merchant)
    assert (await client.get(f"/screen/rooms/{shop.room_id}", headers=operator)).status_code == 200


async def test_the_feed_counts_a_view_of_each_live_or_upcoming_room_it_shows(client, services):
    shop = await shop_with_room(client)
    page = await client.get("/")
    assert page.status_code == 200 and f'/rooms/{shop.room_id}?src=feed' in page.text
    await client.get("/")  # the same browser again within ten minutes: not a new impression
    client.cookies.clear()
    await client.get("/")  # another browser
    await services.event_log.flush()
    figures = (await client.get(f"/api/v1/rooms/{shop.room_id}/analytics", headers=shop.merchant)).json()["figures"]
    assert figures["feed_views"] == 2
    fan = await account(client, "fan")
    await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=fan)
    assert f'/rooms/{shop.room_id}?src=follow' in (await client.get("/", headers=fan)).text
