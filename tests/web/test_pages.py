"""The pages in a real Chromium, against a real server."""

import httpx
import pytest
from playwright.async_api import expect

from tests.helpers import account, listing, shop_with_room
from tests.web.browsing import log_in, new_page, viewer_in_room

pytestmark = pytest.mark.browser


async def test_viewer_buys_the_pinned_product_and_sees_it_paid(browser, live_server):
    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http)
        lst = await listing(http, shop, stock=3, price_cents=12800)
        await http.post(f"/api/v1/rooms/{shop.room_id}/pin", json={"listing_id": lst["id"]}, headers=shop.merchant)
        viewer = await account(http)
    errors = []
    page = await new_page(browser, errors)
    await log_in(page, base, viewer)
    await page.goto(f"{base}/rooms/{shop.room_id}")
    await expect(page.locator("#pinned-title")).to_have_text("Longjing tea 250g")
    await expect(page.locator("#pinned-price")).to_have_text("¥128.00")
    await expect(page.locator("#pinned-stock")).to_have_text("3")
    await expect(page.locator("#placeholder")).to_have_text("等待主播推流…")
    await page.click("#buy")
    await page.wait_for_url("**/sandbox/checkout/**")
    await expect(page.locator(".money")).to_contain_text("128.00")
    await page.click("#pay")
    await page.wait_for_url(f"**/rooms/{shop.room_id}?order=*")
    await expect(page.locator("#banner")).to_contain_text("支付成功")
    await expect(page.locator("#banner")).to_have_attribute("data-order-status", "paid")
    await expect(page.locator("#pinned-stock")).to_have_text("2")
    await page.screenshot(path="/tmp/liveshop-viewer-paid.png")
    assert errors == []


async def test_operator_flash_lists_and_an_open_viewer_page_shows_it_without_reload(browser, live_server):
    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http, product_stock=40)
        operator = await account(http, "op")
        await http.post(f"/api/v1/shops/{shop.shop_id}/staff", json={"username": operator["X-Username"], "role": "operator"},
                        headers=shop.merchant)
    errors = []
    viewer_page = await new_page(browser, errors)
    await viewer_page.goto(f"{base}/rooms/{shop.room_id}?lang=en")
    await expect(viewer_page.locator("#room")).to_have_attribute("data-connected", "1")
    await expect(viewer_page.locator("#status")).to_have_text("LIVE")
    await expect(viewer_page.locator("#listings li")).to_have_count(0)
    viewer_page.on("framenavigated", lambda frame: errors.append("viewer page navigated") if frame == viewer_page.main_frame else None)

    console = await new_page(browser, errors)
    await log_in(console, base, operator)
    await console.goto(f"{base}/console/rooms/{shop.room_id}")
    await expect(console.locator("#status")).to_have_text("直播中")
    await console.fill("#price", "6600")
    await console.fill("#stock", "5")
    await console.fill("#limit", "1")
    await console.click("#add-listing-submit")
    row = console.locator("#listing-rows tr")
    await expect(row).to_have_count(1)
    await row.locator("button.pin").click()
    await expect(row).to_have_class("pinned-row ")

    await expect(viewer_page.locator("#listings li")).to_have_count(1, timeout=3000)
    await expect(viewer_page.locator("#listings li .price")).to_have_text("¥66.00")
    await expect(viewer_page.locator("#pinned-title")).to_have_text("Longjing tea 250g")
    await expect(viewer_page.locator("#pinned-limit")).to_contain_text("Limit per person 1")
    await viewer_page.screenshot(path="/tmp/liveshop-viewer-flash.png")
    await console.screenshot(path="/tmp/liveshop-console.png")
    assert errors == []


async def test_a_script_comment_shows_as_text(browser, live_server):
    base = live_server.base
    payload = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http)
        viewer = await account(http)
    errors = []
    page = await viewer_in_room(browser, errors, base, viewer, shop.room_id)
    await page.fill("#comment-text", payload)
    await page.click("#comment-form button[type=submit]")
    text = page.locator("#comments .comment .text")
    await expect(text).to_have_text(payload)
    assert await page.locator("#comments script").count() == 0
    assert await page.locator("#comments img").count() == 0
    await page.reload()  # also when rendered from the stored history
    await expect(text).to_have_text(payload)
    assert await page.locator("#comments img").count() == 0
    # A room title with markup is escaped by the template too.
    assert errors == []


async def test_console_is_only_for_the_room_crew(browser, live_server):
    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http)
        viewer = await account(http)
    page = await new_page(browser, [])
    response = await page.goto(f"{base}/console/rooms/{shop.room_id}")
    assert page.url.startswith(f"{base}/login")
    await log_in(page, base, viewer)
    response = await page.goto(f"{base}/console/rooms/{shop.room_id}")
    assert response.status == 403


async def test_merchant_back_office_adds_a_product_and_schedules_a_show(browser, live_server):
    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http, live=False)
    errors = []
    page = await new_page(browser, errors)
    await log_in(page, base, shop.merchant)
    await page.click(f"a[href='/shops/{shop.shop_id}/admin']")
    await expect(page.locator("#products tr")).to_have_count(1)
    await page.fill("#p-title", "安吉白茶 <i>gift</i>")
    await page.fill("#p-price", "39900")
    await page.fill("#p-stock", "20")
    await page.fill("#p-origin", "浙江 安吉")
    await page.click("#product-form button")
    await expect(page.locator("#products tr")).to_have_count(2)
    await expect(page.locator("#products tr").nth(1)).to_contain_text("¥399.00")
    await expect(page.locator("#products tr").nth(1)).to_contain_text("安吉白茶 <i>gift</i>")
    await page.fill("#room-title", "Weekend teaware special")
    await page.fill("#room-when", "2026-12-01T20:00")
    await page.click("#room-form button")
    await expect(page.locator("#rooms tr")).to_have_count(2)
    await page.locator("#rooms tr", has_text="Weekend teaware special").locator("a", has_text="中控台").click()
    await expect(page.locator("#status")).to_have_text("未开播")
    assert errors == []


async def test_moderation_on_the_viewer_page_blocked_reason_and_deleted_message(browser, live_server):
    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http)
        await http.post(f"/api/v1/shops/{shop.shop_id}/banned-words", json={"word": "加微信"}, headers=shop.merchant)
        other = await account(http)
        rude = (await http.post(f"/api/v1/rooms/{shop.room_id}/comments", json={"text": "rude words"},
                                headers=other)).json()
        viewer = await account(http)
    errors = []
    page = await viewer_in_room(browser, errors, base, viewer, shop.room_id)
    await expect(page.locator(f'#comments [data-comment-id="{rude["id"]}"]')).to_have_count(1)
    await page.fill("#comment-text", "便宜 加 微 信")
    await page.click("#comment-form button[type=submit]")
    await expect(page.locator("#banner")).to_contain_text("含有本直播间不允许的词： 加微信")
    async with httpx.AsyncClient(base_url=base) as http:
        r = await http.delete(f"/api/v1/rooms/{shop.room_id}/comments/{rude['id']}", headers=shop.merchant)
        assert r.status_code == 204
    await expect(page.locator(f'#comments [data-comment-id="{rude["id"]}"]')).to_have_count(0, timeout=3000)
    assert errors == []


async def test_under_a_chat_flood_the_page_stays_responsive_and_a_flash_listing_shows_within_a_second(
    browser, live_server
):
    import asyncio
    import time

    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http)
    errors = []
    page = await new_page(browser, errors)
    await page.goto(f"{base}/rooms/{shop.room_id}?lang=en")
    await expect(page.locator("#room")).to_have_attribute("data-connected", "1")
    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        stop = asyncio.Event()

        async def flood(worker):  # the host is not rate limited: the worst case for a viewer page
            i = 0
            while not stop.is_set():
                await http.post(f"/api/v1/rooms/{shop.room_id}/comments", json={"text": f"flood {worker}-{i}"},
                                headers=shop.merchant)
                i += 1

        flooders = [asyncio.create_task(flood(w)) for w in range(30)]
        await asyncio.sleep(1.5)
        started = time.monotonic()
        assert await page.evaluate("() => 1") == 1
        assert time.monotonic() - started < 0.5  # the page's main thread answers at once
        lst = await listing(http, shop, stock=5, price_cents=4200)
        listed_at = time.monotonic()
        await expect(page.locator("#listings li")).to_have_count(1, timeout=1000)
        shown_after = time.monotonic() - listed_at
        stop.set()
        await asyncio.gather(*flooders)
    assert shown_after < 1.0 and lst["price_cents"] == 4200
    await expect(page.locator("#chat-more")).to_be_visible()
    assert int(await page.locator("#chat-more").get_attribute("data-skipped")) > 0
    assert await page.locator("#comments li").count() <= 150
    assert errors == []


@pytest.mark.browser
async def test_the_viewer_page_uses_the_gateway_when_the_server_has_one(browser, gateway_server):
    async with httpx.AsyncClient(base_url=gateway_server.base) as http:
        shop = await shop_with_room(http)
    page = await (await browser.new_context()).new_page()
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    await page.goto(f"{gateway_server.base}/rooms/{shop.room_id}")
    await expect(page.locator("#room")).to_have_attribute("data-connected", "1")
    assert sockets and sockets[0].startswith(gateway_server.channel)
    async with httpx.AsyncClient(base_url=gateway_server.base) as http:
        await listing(http, shop, stock=3)
    await expect(page.locator("#listings li")).to_have_count(1, timeout=3000)


async def test_the_top_bar_shows_the_reminder_of_a_reserved_show_that_went_live(browser, live_server):
    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http, live=False)
        viewer = await account(http)
        await http.post(f"/api/v1/rooms/{shop.room_id}/reservations", headers=viewer)
        await http.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant)
    errors = []
    page = await new_page(browser, errors)
    await log_in(page, base, viewer)
    await expect(page.locator("#inbox-count")).to_have_text("1", timeout=5000)
    await page.click("#inbox")
    await expect(page.locator("#inbox-list li a")).to_contain_text("你预约的直播开始了： Spring tea show")
    await expect(page.locator("#inbox-count")).to_be_hidden()
    await page.click("#inbox-list li a")
    await page.wait_for_url(f"**/rooms/{shop.room_id}?src=reservation")  # counted as a reservation visit
    assert errors == []


async def test_a_poll_opened_during_the_show_appears_and_votes_update_live(browser, live_server):
    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http)
        viewer, other = await account(http), await account(http)
    errors = []
    page = await viewer_in_room(browser, errors, base, viewer, shop.room_id)
    async with httpx.AsyncClient(base_url=base) as http:
        poll = (await http.post(f"/api/v1/shops/{shop.shop_id}/polls", json={
            "question": "下一款上什么？", "options": ["龙井", "白茶"], "room_id": shop.room_id},
            headers=shop.merchant)).json()
        await expect(page.locator(".poll .question")).to_have_text("下一款上什么？", timeout=3000)
        await page.locator(".poll-option").first.click()
        await expect(page.locator(".poll-option.mine")).to_contain_text("龙井 · 100% (1)")
        await http.post(f"/api/v1/polls/{poll['id']}/votes", json={"option_id": poll["options"][1]["id"]},
                        headers=other)
    await expect(page.locator(".poll-option").nth(1)).to_contain_text("白茶 · 50% (1)", timeout=3000)
    assert errors == []
