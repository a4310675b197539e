from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest

from tests.conftest import IN_CI

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture
def backend() -> str:
    """Pages are the same on every backend; the browser tests use the embedded one."""
    return "sqlite"


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    if not (os.path.exists(CHROMIUM) and shutil.which("chromium")):
        if IN_CI:
            pytest.fail("CI: Debian chromium is missing (make test installs it)")
        pytest.skip("Debian chromium is not installed: apt-get install chromium")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()
