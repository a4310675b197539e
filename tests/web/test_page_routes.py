"""Page routes without a browser: status codes, language choice, escaping in templates."""

from tests.helpers import account, shop_with_room


async def test_feed_room_and_language_switch(client):
    shop = await shop_with_room(client)
    await client.post("/api/v1/rooms", json={"shop_id": shop.shop_id, "title": "<b>Next</b> week",
                                             "scheduled_at": "2026-02-01T12:00:00Z"}, headers=shop.merchant)
    feed = await client.get("/")
    assert feed.status_code == 200 and 'lang="zh-CN"' in feed.text and "正在直播" in feed.text
    assert "&lt;b&gt;Next&lt;/b&gt; week" in feed.text and "<b>Next</b>" not in feed.text
    english = await client.get("/", params={"lang": "en"})
    assert 'lang="en"' in english.text and "Live now" in english.text
    assert (await client.get(f"/rooms/{shop.room_id}")).text.count('lang="en"') == 1  # remembered
    assert "content-security-policy" in english.headers


async def test_pages_that_need_a_login(client):
    shop = await shop_with_room(client)
    r = await client.get(f"/console/rooms/{shop.room_id}")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    r = await client.get(f"/shops/{shop.shop_id}/admin")
    assert r.status_code == 303
    viewer = await account(client)
    assert (await client.get(f"/shops/{shop.shop_id}/admin", headers=viewer)).status_code == 403
    assert (await client.get(f"/shops/{shop.shop_id}/admin", headers=shop.merchant)).status_code == 200


async def test_health_and_metrics(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    metrics = await client.get("/metrics")
    assert "liveshop_hub_connections 0" in metrics.text
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "liveshop"
    assert (await client.get("/static/room.js")).status_code == 200
