"""Trust & safety's review queue in a real Chromium: an admin reads the evidence and releases a
shop's held payouts; the merchant sees the hold come and go."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from liveshop.core.auth import service as auth
from liveshop.core.db import Database
from liveshop.trust import service as trust
from liveshop.trust.findings import Finding
from tests.helpers import account, shop_with_room
from tests.web.browsing import log_in, new_page

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


async def test_an_admin_releases_a_shops_payouts_and_the_merchant_sees_it(browser, live_server):
    base, services = live_server.base, live_server.app.state.services
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        shop = await shop_with_room(http)
        ring = [await account(http, "ring") for _ in range(5)]
        ids = [f"u{(await http.get('/api/v1/me', headers=r)).json()['id']}" for r in ring]
        for r in ring:
            assert (await http.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=r)).status_code == 200
        db = Database(services.settings.database_url)  # the server's own runs on its thread's loop
        await trust.record_findings(db, [Finding("orders", "shared_address", ids, [shop.shop_id],
                                                 {"accounts": 5, "address": "<b>9f2c</b>"},
                                                 hold_payouts=[shop.shop_id])], now=datetime.now(UTC))
        await auth.sign_up(db, username="risk_admin", password="correct horse 1", passwords=services.passwords,
                           now=datetime.now(UTC), role="admin")
        await db.dispose()

    errors: list[str] = []
    merchant = await new_page(browser, errors)
    await log_in(merchant, base, shop.merchant)
    await merchant.goto(f"{base}/shops/{shop.shop_id}/traffic?lang=en")
    await expect(merchant.locator("#payouts-held")).to_contain_text("Payouts held")
    await expect(merchant.locator("#followers")).to_contain_text("Followers 5 (real followers 0,")
    await merchant.goto(f"{base}/trust")
    await expect(merchant.locator("body")).to_contain_text("403")  # merchants do not see the queue

    page = await new_page(browser, errors)
    await page.set_viewport_size({"width": 1400, "height": 900})
    await log_in(page, base, {"X-Username": "risk_admin"})
    await page.goto(f"{base}/trust?lang=en")
    rows = page.locator("#flags tbody tr")
    await expect(rows).to_have_count(6)  # five accounts and the shop's payout hold
    hold = page.locator('#flags tr[data-subject="shop"]')
    await expect(hold.locator(".badge")).to_have_text("Payouts held")
    await expect(hold.locator("dl.evidence")).to_contain_text("<b>9f2c</b>")  # escaped, as given
    await expect(page.locator(f'#flags tr[data-account="{ids[0]}"] td.risk')).to_have_text("0.60")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "trust.png"), full_page=True)

    await hold.locator('input[name="note"]').fill("orders checked with the courier")
    await hold.locator('button[value="clear"]').click()
    await expect(page.locator('#flags tr[data-subject="shop"]')).to_have_count(0)
    await page.goto(f"{base}/trust?status=cleared&subject=shop&lang=en")
    released = page.locator('#flags tr[data-subject="shop"]')
    await expect(released.locator("ol.history li")).to_have_count(2)
    await expect(released.locator("ol.history li").last).to_contain_text("orders checked with the courier")

    await merchant.goto(f"{base}/shops/{shop.shop_id}/traffic?lang=en")
    await expect(merchant.locator("h1")).to_be_visible()
    assert await merchant.locator("#payouts-held").count() == 0
    assert errors == []
