"""The discovery feed and the merchant's traffic page in a real Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from liveshop.core.db import Database
from liveshop.discovery import store
from tests.helpers import account, shop_with_room
from tests.web.browsing import log_in, new_page

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


async def test_a_viewer_scrolls_the_feed_and_a_merchant_buys_a_boost(browser, live_server):
    base, services = live_server.base, live_server.app.state.services
    now = datetime.now(UTC)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        shops = [await shop_with_room(http) for _ in range(6)]
        db = Database(services.settings.database_url)  # the server's own runs on its thread's loop
        async with db.transaction() as tx:  # established shows, past their test pool
            for shop in shops:
                await store.enter_pool(tx.conn, room_id=shop.room_id, shop_id=shop.shop_id, pool=1,
                                       impressions=0, reason="graduated", now=now)
        await db.dispose()
        boosted = shops[0]  # the oldest show: last on freshness
        r = await http.post(f"/api/v1/shops/{boosted.shop_id}/boosts", headers=boosted.merchant, json={
            "room_id": boosted.room_id, "impressions": 50, "budget_cents": 500, "pacing": "asap"})
        assert r.status_code == 201, r.text
        launch = await shop_with_room(http, live=False)
        show = (await http.post("/api/v1/rooms", headers=launch.merchant, json={
            "shop_id": launch.shop_id, "title": "双十二 <i>专场</i>",
            "scheduled_at": (now + timedelta(days=1)).isoformat()})).json()
        r = await http.post(f"/api/v1/shops/{launch.shop_id}/splashes", headers=launch.merchant, json={
            "room_id": show["id"], "headline": "<b>12.12</b> 明晚 8 点", "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=2)).isoformat(), "cap_per_viewer": 1})
        assert r.status_code == 201, r.text
        fan = await account(http, "fan")
        await http.post(f"/api/v1/shops/{shops[2].shop_id}/follow", headers=fan)

    errors: list[str] = []
    page = await new_page(browser, errors)
    await page.set_viewport_size({"width": 1280, "height": 1000})
    await page.goto(f"{base}/?limit=5&lang=en")
    splash = page.locator("#splash")
    await expect(splash.locator(".splash-headline")).to_have_text("<b>12.12</b> 明晚 8 点")  # escaped, as typed
    await expect(splash.locator(".status-scheduled")).to_be_visible()
    live_cards = page.locator("#feed-live .room-card")
    await expect(live_cards.first).to_be_visible()
    for status in await live_cards.evaluate_all("cards => cards.map(c => c.dataset.status)"):
        assert status == "live"
    ad = page.locator("#feed-live .room-card.sponsored")
    await expect(ad).to_have_count(1)
    await expect(ad.locator(".sponsored-label")).to_have_text("Sponsored")
    await expect(page.locator(f'#feed-upcoming .room-card[data-room="{show["id"]}"] .status-scheduled')).to_be_visible()
    assert await page.locator(f'#feed-live .room-card[data-room="{show["id"]}"]').count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "feed.png"), full_page=True)

    # A card opens its room, marked as where the visit came from.
    await ad.locator("a").click()
    await page.wait_for_url(f"{base}/rooms/{boosted.room_id}?src=boost")
    # The splash was capped at one showing a day for this browser.
    await page.goto(f"{base}/?lang=en")
    await expect(page.locator("#feed-live .room-card").first).to_be_visible()
    assert await page.locator("#splash").count() == 0

    # A follower sees the host they follow first.
    fan_page = await new_page(browser, errors)
    await log_in(fan_page, base, fan)
    await fan_page.goto(f"{base}/?lang=en")
    first = fan_page.locator("#feed-live .room-card").first
    await expect(first).to_have_attribute("data-room", str(shops[2].room_id))
    await expect(first.locator(".reason")).to_have_text("You follow")

    # The merchant's traffic page: pools, exposure, and a boost bought through the form.
    merchant = await new_page(browser, errors)
    await log_in(merchant, base, boosted.merchant)
    await merchant.goto(f"{base}/shops/{boosted.shop_id}/traffic?lang=en")
    await expect(merchant.locator("#pools tbody tr")).to_have_count(4)
    await expect(merchant.locator(f'#room-pools tr[data-room="{boosted.room_id}"]')).to_have_attribute("data-pool", "1")
    await expect(merchant.locator("#boosts tbody tr[data-boost]")).to_have_count(1)
    await merchant.fill("#boost-impressions", "2000")
    await merchant.fill("#boost-budget", "300")
    await merchant.select_option("#boost-segment", "new_audience")
    await merchant.click("#boost-form button[type=submit]")
    await expect(merchant.locator("#boosts tbody tr[data-boost]")).to_have_count(2)
    await expect(merchant.locator("#boosts tbody tr[data-boost]").first).to_contain_text("0 / 2000")
    await merchant.set_viewport_size({"width": 1280, "height": 1000})
    await merchant.screenshot(path=str(SCREENSHOTS / "traffic.png"), full_page=True)
    await merchant.locator(".cancel-boost").first.click()
    await expect(merchant.locator('#boosts tbody tr[data-status="cancelled"]')).to_have_count(1)
    assert errors == []
