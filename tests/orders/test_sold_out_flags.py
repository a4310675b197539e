"""The sql engine's per-node sold-out flags: cheap refusals that never hide a real answer."""

import asyncio
import uuid

import pytest
from sqlalchemy import update

from liveshop.inventory.errors import SoldOut
from liveshop.inventory.soldout import SoldOutFlags
from liveshop.inventory.store import listings
from liveshop.orders.service import place_order
from tests.helpers import account, assert_problem, buy, listing, shop_with_room
from tests.orders.world import live_listing, user


@pytest.fixture
def inventory() -> str:
    return "sql"


async def test_retry_of_the_last_units_key_replays_its_order(client, services):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=1)
    buyer = await account(client)
    headers = {**buyer, "Idempotency-Key": uuid.uuid4().hex}
    body = {"listing_id": lst["id"], "quantity": 1}
    first = await client.post("/api/v1/orders", json=body, headers=headers)
    assert_problem(await buy(client, await account(client), lst["id"]), 409, "sold_out")
    assert services.sold_out.is_sold_out(lst["id"])
    again = await client.post("/api/v1/orders", json=body, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]


async def test_operator_restock_clears_the_flag_at_once(client, services):
    shop = await shop_with_room(client, product_stock=10)
    lst = await listing(client, shop, stock=1)
    await buy(client, await account(client), lst["id"])
    assert services.sold_out.is_sold_out(lst["id"])
    await client.patch(f"/api/v1/listings/{lst['id']}", json={"add_stock": 2}, headers=shop.merchant)
    assert not services.sold_out.is_sold_out(lst["id"])
    assert (await buy(client, await account(client), lst["id"])).status_code == 201


async def test_stock_released_elsewhere_is_seen_after_the_flag_expires(services):
    world = await live_listing(services, stock=1)
    flags = SoldOutFlags(ttl_seconds=1.0)  # ample for the transaction inside the window
    first, second = await user(services), await user(services)

    async def attempt(buyer):
        return await place_order(services.db, buyer_id=buyer.id, listing_id=world.listing_id, quantity=1,
                                 idempotency_key=uuid.uuid4().hex, now=services.clock.now(), payment_timeout=900,
                                 sold_out=flags)

    order, _ = await attempt(first)
    with pytest.raises(SoldOut):
        await attempt(second)
    assert flags.is_sold_out(world.listing_id)
    # Another node cancels that order: this node hears nothing (no bus yet)...
    from liveshop.orders.store import orders

    async with services.db.transaction() as tx:
        await tx.conn.execute(update(orders).where(orders.c.id == order.id).values(status="cancelled"))
        await tx.conn.execute(update(listings).where(listings.c.id == world.listing_id)
                              .values(remaining=1, reserved=0))
    with pytest.raises(SoldOut):
        await attempt(second)  # ...so within the flag's lifetime it still says sold out
    await asyncio.sleep(1.05)
    assert (await attempt(second))[0].buyer_id == second.id
