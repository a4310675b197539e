"""The server's own background sweep expires unpaid orders; nobody has to call it."""

import asyncio

import httpx

from liveshop.core.clock import FrozenClock, SystemClock
from tests.conftest import ServerThread, make_settings
from tests.helpers import account, buy, listing, shop_with_room


async def test_background_sweep_releases_stock_of_unpaid_orders(database_url):
    clock = FrozenClock(SystemClock().now())
    settings = make_settings(database_url, expiry_sweep_interval=0.2, payment_timeout=60)
    with ServerThread(settings, clock=clock) as server:
        async with httpx.AsyncClient(base_url=server.base) as http:
            shop = await shop_with_room(http)
            lst = await listing(http, shop, stock=1)
            buyer = await account(http)
            order = (await buy(http, buyer, lst["id"])).json()
            assert (await http.get(f"/api/v1/listings/{lst['id']}")).json()["sold_out"]
            clock.advance(61)
            for _ in range(50):
                got = (await http.get(f"/api/v1/orders/{order['id']}", headers=buyer)).json()
                if got["status"] == "expired":
                    break
                await asyncio.sleep(0.1)
            assert got["status"] == "expired"
            after = (await http.get(f"/api/v1/listings/{lst['id']}")).json()
            assert after["stock_left"] == 1 and not after["sold_out"]
