"""The big screen in a real Chromium: it moves while a simulated audience joins and buys; the
report page draws its charts. Screenshots of both go to docs/screenshots/."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect
from websockets.asyncio.client import connect

from tests.helpers import account, buy, listing, send_webhook, shop_with_room, start_payment
from tests.web.browsing import log_in, new_page

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


async def test_the_big_screen_moves_while_the_audience_buys(browser, live_server):
    base, services = live_server.base, live_server.app.state.services
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        shop = await shop_with_room(http, price_cents=12_800)
        tea = await listing(http, shop, stock=50)
        cup = await listing(http, shop, stock=50, price_cents=3_900)
        await http.post(f"/api/v1/rooms/{shop.room_id}/pin", json={"listing_id": tea["id"]}, headers=shop.merchant)
        buyers = [await account(http, "fan") for _ in range(4)]

        errors: list[str] = []
        page = await new_page(browser, errors)
        await page.set_viewport_size({"width": 1400, "height": 900})
        await log_in(page, base, shop.merchant)
        # English: the screenshots are for the docs, and this machine's Chromium has no CJK font.
        await page.goto(f"{base}/screen/rooms/{shop.room_id}?lang=en")
        await expect(page.locator("#gmv")).to_have_text("¥0.00")

        async with contextlib.AsyncExitStack() as stack:
            # The audience: eight guests open the room channel from the feed and share links.
            ws = f"ws://127.0.0.1:{live_server.port}/api/v1/rooms/{shop.room_id}/live"
            for i in range(8):
                await stack.enter_async_context(connect(
                    f"{ws}?since=0&src={'feed' if i % 3 else 'share'}",
                    additional_headers={"Cookie": f"ls_visitor=guest{i:04}abc"}))
            await expect(page.locator('[data-metric="online_viewers"] .value')).to_have_text("8", timeout=10_000)

            for n, buyer in enumerate(buyers, start=1):
                await http.post(f"/api/v1/rooms/{shop.room_id}/card-views", headers=buyer, json={"events": [
                    {"kind": "exposure", "listing_id": tea["id"]}, {"kind": "click", "listing_id": tea["id"]},
                    {"kind": "exposure", "listing_id": cup["id"]}]})
                order = (await buy(http, buyer, tea["id"] if n % 2 else cup["id"])).json()
                payment = await start_payment(http, buyer, order["id"])
                response, _ = await send_webhook(http, services, services.clock, payment)
                assert response.status_code == 200
                # The screen follows each purchase (the room channel's "purchase" triggers a refresh).
                await expect(page.locator("#screen")).to_have_attribute("data-paid-orders", str(n), timeout=10_000)
            await http.post(f"/api/v1/rooms/{shop.room_id}/comments", headers=buyers[0], json={"text": "好喝!"})
            await http.post(f"/api/v1/shops/{shop.shop_id}/follow?room_id={shop.room_id}", headers=buyers[1])
            await asyncio.sleep(1.5)

            gmv = 2 * 12_800 + 2 * 3_900
            await expect(page.locator("#gmv")).to_have_text(f"¥{gmv / 100:.2f}", timeout=10_000)
            await expect(page.locator('[data-metric="new_followers"] .value')).to_have_text("1", timeout=10_000)
            await expect(page.locator("#top-products li").first).to_contain_text("Longjing tea 250g")
            await expect(page.locator("#recent-orders li")).to_have_count(4)
            await expect(page.locator("#chart-gmv svg path").first).to_be_visible()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOTS / "big-screen.png"), full_page=True)

        # The audience left: the screen says so.
        await expect(page.locator('[data-metric="online_viewers"] .value')).to_have_text("0", timeout=10_000)

        # The post-show report, after the show.
        await http.post(f"/api/v1/rooms/{shop.room_id}/end", headers=shop.merchant)
        await page.goto(f"{base}/rooms/{shop.room_id}/report")
        await expect(page.locator('[data-metric="gmv_cents"] .value')).to_have_text(f"¥{gmv / 100:.2f}")
        for chart in ("gmv", "viewers", "funnel", "shows"):
            loaded = await page.locator(f"#chart-{chart}").evaluate("img => img.complete && img.naturalWidth > 0")
            assert loaded, chart
        await expect(page.locator("#minutes tbody tr").first).to_be_visible()
        await page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
        assert errors == []
