"""Driving the pages in Chromium: signing in, a page that records its errors, a viewer in a room."""

from playwright.async_api import expect


async def log_in(page, base, headers):
    username = headers["X-Username"]
    await page.goto(f"{base}/login")
    await page.fill("#username", username)
    await page.fill("#password", "correct horse 1")
    await page.click("#auth-submit")
    await page.wait_for_url(f"{base}/")


async def new_page(browser, errors):
    context = await browser.new_context(locale="zh-CN")
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(f"{exc} {exc.stack}"))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    return page


async def viewer_in_room(browser, errors, base, viewer, room_id):
    """A signed-in viewer's room page, once its room channel is connected."""
    page = await new_page(browser, errors)
    await log_in(page, base, viewer)
    await page.goto(f"{base}/rooms/{room_id}")
    await expect(page.locator("#room")).to_have_attribute("data-connected", "1")
    return page
