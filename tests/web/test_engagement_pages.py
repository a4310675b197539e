"""Interactions in a real Chromium: a lucky bag from the console's launch to the winner
seeing the prize, and a coupon sent in the show, claimed and used at checkout."""

import asyncio

import httpx
import pytest
from playwright.async_api import expect

from tests.helpers import account, listing, shop_with_room
from tests.web.browsing import log_in, new_page, viewer_in_room

pytestmark = pytest.mark.browser


async def test_a_lucky_bag_from_launch_in_the_console_to_the_winner_seeing_the_prize(browser, live_server):
    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http, product_stock=5)
        viewer = await account(http)
    errors: list[str] = []
    console = await new_page(browser, errors)
    await log_in(console, base, shop.merchant)
    await console.goto(f"{base}/console/rooms/{shop.room_id}")
    await console.fill("#bag-title", "关注抽龙井")
    await console.select_option("#bag-prize", f"product:{shop.product_id}")
    await console.fill("#bag-keyword", "想要")
    await console.check("#bag-follow")
    await console.fill("#bag-duration", "600")
    await console.click("#bag-launch")
    await expect(console.locator("#bags li.bag")).to_have_count(1)

    page = await viewer_in_room(browser, errors, base, viewer, shop.room_id)
    card = page.locator("#bags .bag")
    await expect(card).to_contain_text("关注抽龙井")
    await expect(card.locator(".commitment")).to_contain_text("承诺值")
    await card.locator(".enter-bag").click()
    await expect(page.locator("#banner")).to_contain_text("关注")  # the follow condition, in words
    async with httpx.AsyncClient(base_url=base) as http:
        assert (await http.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=viewer)).status_code == 200
    await card.locator(".enter-bag").click()
    await expect(card.locator(".entered")).to_be_visible()
    await expect(page.locator("#comments")).to_contain_text("想要")  # the keyword went to the chat
    await expect(console.locator("#bags li.bag")).to_contain_text("1 人参与")

    await console.locator("#bags .draw-now").click()
    await expect(card).to_have_attribute("data-status", "drawn")
    await expect(card.locator(".won")).to_contain_text("恭喜你中奖了")
    await expect(card.locator(".winners")).to_contain_text(viewer["X-Username"])
    await expect(page.locator("#banner")).to_contain_text("恭喜你中奖了")
    await card.locator(".prize-order").click()
    await expect(page.locator("#banner")).to_have_attribute("data-order-status", "paid")
    await expect(page.locator("#banner")).to_contain_text("¥0.00")
    await page.screenshot(path="/tmp/liveshop-lucky-bag-won.png")
    async with httpx.AsyncClient(base_url=base) as http:
        bag_id = (await http.get(f"/api/v1/rooms/{shop.room_id}/lucky-bags")).json()[0]["id"]
        record = (await http.get(f"/api/v1/lucky-bags/{bag_id}/draw")).json()
    assert record["winners"] == [int((await page.evaluate("ME")).get("id"))]
    assert errors == []


async def test_a_coupon_sent_in_the_show_is_claimed_and_taken_off_at_checkout(browser, live_server):
    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http)
        lst = await listing(http, shop, stock=3, price_cents=12800)
        await http.post(f"/api/v1/rooms/{shop.room_id}/pin", json={"listing_id": lst["id"]}, headers=shop.merchant)
        viewer = await account(http)
    errors: list[str] = []
    page = await viewer_in_room(browser, errors, base, viewer, shop.room_id)
    console = await new_page(browser, errors)
    await log_in(console, base, shop.merchant)
    await console.goto(f"{base}/console/rooms/{shop.room_id}")
    await console.click("#coupon-panel summary")
    await console.fill("#coupon-title", "直播间专享")
    await console.fill("#coupon-off", "20")
    await console.fill("#coupon-threshold", "100")
    await console.click("#coupon-send")
    coupon = page.locator("#coupons .coupon")
    await expect(coupon).to_contain_text("满¥100.00 减¥20.00")
    await coupon.locator(".claim").click()
    await expect(coupon.locator(".claimed")).to_be_visible()
    await page.click("#buy")
    await page.wait_for_url("**/sandbox/checkout/**")
    await expect(page.locator(".money")).to_contain_text("108.00")
    await page.click("#pay")
    await expect(page.locator("#banner")).to_have_attribute("data-order-status", "paid")
    await expect(page.locator("#banner")).to_contain_text("¥108.00")
    assert errors == []


async def test_a_quiz_question_answered_in_time_and_too_late(browser, live_server):
    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http)
        quick, slow = await account(http), await account(http)
    errors: list[str] = []
    console = await new_page(browser, errors)
    await log_in(console, base, shop.merchant)
    await console.goto(f"{base}/console/rooms/{shop.room_id}")
    await console.click("#quiz-panel summary")
    await console.fill("#quiz-title", "茶知识抢答")
    await console.fill("#quiz-question", "龙井产自哪里？")
    await console.fill("#quiz-options", "杭州\n苏州\n福州")
    await console.fill("#quiz-correct", "1")
    await console.fill("#quiz-limit", "4")
    await console.click("#quiz-create")
    push = console.locator("#quizzes .push-question")
    await expect(push).to_have_count(1)

    quick_page = await viewer_in_room(browser, errors, base, quick, shop.room_id)
    slow_page = await viewer_in_room(browser, errors, base, slow, shop.room_id)

    async def slow_network(route):  # sent in time by the page, received after the deadline
        await asyncio.sleep(5)
        await route.continue_()

    await slow_page.route("**/api/v1/quiz-questions/*/answers", slow_network)
    await push.click()
    for page in (quick_page, slow_page):
        await expect(page.locator("#quiz .quiz-question")).to_have_text("龙井产自哪里？")
    await slow_page.locator("#quiz .quiz-option").nth(0).click()
    await quick_page.locator("#quiz .quiz-option").nth(0).click()
    await expect(quick_page.locator("#quiz .quiz-state")).to_have_attribute("data-state", "sent")
    await expect(slow_page.locator("#quiz .quiz-state")).to_have_attribute("data-state", "late", timeout=10_000)
    await expect(slow_page.locator("#quiz .quiz-state")).to_contain_text("超时")
    await expect(quick_page.locator("#quiz .quiz-state")).to_have_attribute("data-state", "correct", timeout=10_000)
    await expect(quick_page.locator("#quiz .quiz-state")).to_contain_text("回答正确")
    await expect(quick_page.locator("#quiz .quiz-option.correct")).to_contain_text("杭州")
    await expect(quick_page.locator("#quiz .leaderboard li")).to_have_count(1)
    await expect(quick_page.locator("#quiz .leaderboard")).to_contain_text(quick["X-Username"])
    await quick_page.screenshot(path="/tmp/liveshop-quiz.png")
    assert errors == []


async def test_campaign_feature_vote_and_quiz_campaign_pages(browser, live_server):
    base = live_server.base
    async with httpx.AsyncClient(base_url=base) as http:
        shop = await shop_with_room(http, live=False)
        campaign = (await http.post(f"/api/v1/shops/{shop.shop_id}/campaigns", json={
            "room_id": shop.room_id, "title": "猜新品", "answer": "白茶", "hints": [{"text": "来自福鼎"}]},
            headers=shop.merchant)).json()
        poll = (await http.post(f"/api/v1/shops/{shop.shop_id}/polls", json={
            "question": "明年春天上什么？", "options": ["龙井", "白茶"]}, headers=shop.merchant)).json()
        quiz = (await http.post(f"/api/v1/shops/{shop.shop_id}/quizzes", json={"title": "茶知识", "questions": [
            {"text": "白茶产自哪里？", "options": ["福鼎", "杭州"], "correct": 0, "time_limit_seconds": 30}]},
            headers=shop.merchant)).json()
        viewer = await account(http)
    errors: list[str] = []
    page = await new_page(browser, errors)
    await log_in(page, base, viewer)

    await page.goto(f"{base}/campaigns/{campaign['id']}")
    await expect(page.locator("#hints li")).to_have_text(["来自福鼎"])
    await page.fill("#guess", "白 茶")
    await page.click("#guess-submit")
    await expect(page.locator("#my-guess-text")).to_have_text("白 茶")
    await page.click("#reserve-launch")
    await expect(page.locator("#reserve-launch")).to_be_disabled()
    async with httpx.AsyncClient(base_url=base) as http:
        await http.post(f"/api/v1/campaigns/{campaign['id']}/reveal", headers=shop.merchant)
    await expect(page.locator("#answer")).to_have_text("白茶", timeout=10_000)
    await expect(page.locator("#my-verdict")).to_contain_text("回答正确")

    await page.goto(f"{base}/polls/{poll['id']}")
    await page.locator(".poll-option").nth(1).click()
    await expect(page.locator(".poll-option.mine")).to_contain_text("白茶 · 100% (1)")

    await page.goto(f"{base}/quizzes/{quiz['id']}")
    await page.click("#quiz-start")
    await expect(page.locator("#q-text")).to_have_text("白茶产自哪里？")
    await page.locator("#q-options .quiz-option").nth(0).click()
    await expect(page.locator("#q-state")).to_have_attribute("data-state", "correct")
    await page.click("#q-next")
    await expect(page.locator("#quiz-done")).to_be_visible()
    await expect(page.locator("#board li")).to_have_count(1)
    assert errors == []
