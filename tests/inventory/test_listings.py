from sqlalchemy import select

from liveshop.realtime.store import room_events
from tests.helpers import account, assert_problem, buy, listing, shop_with_room


async def _events(services, room_id):
    async with services.db.transaction(write=False) as tx:
        rows = await tx.conn.execute(
            select(room_events.c.seq, room_events.c.payload).where(room_events.c.room_id == room_id).order_by(room_events.c.seq)
        )
        return [r.payload for r in rows]


async def test_listing_allocates_stock_from_the_product(client):
    shop = await shop_with_room(client, product_stock=100)
    lst = await listing(client, shop, stock=30, price_cents=6900, per_user_limit=2)
    assert lst["stock_left"] == 30 and lst["price_cents"] == 6900 and lst["original_price_cents"] == 9900
    products = (await client.get(f"/api/v1/shops/{shop.shop_id}/products", headers=shop.merchant)).json()
    assert products[0]["stock"] == 70
    r = await client.post(
        f"/api/v1/rooms/{shop.room_id}/listings", json={"product_id": shop.product_id, "stock": 71}, headers=shop.merchant
    )
    body = assert_problem(r, 409, "insufficient_product_stock")
    assert body["available"] == 70


async def test_listing_defaults_to_all_product_stock_and_price(client):
    shop = await shop_with_room(client, product_stock=12)
    lst = await listing(client, shop)
    assert lst["stock_left"] == 12 and lst["price_cents"] == 9900


async def test_flash_listing_during_the_show_is_a_numbered_room_event(client, services):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=3)
    events = await _events(services, shop.room_id)
    assert [e["type"] for e in events] == ["room_status", "listing_added"]
    assert [e["seq"] for e in events] == [1, 2]
    assert events[1]["listing"]["id"] == lst["id"] and events[1]["listing"]["stock_left"] == 3
    assert (await client.get(f"/api/v1/rooms/{shop.room_id}")).json()["seq"] == 2


async def test_operator_changes_price_stock_and_limit(client, services):
    shop = await shop_with_room(client, product_stock=50)
    lst = await listing(client, shop, stock=10)
    r = await client.patch(f"/api/v1/listings/{lst['id']}", json={"price_cents": 5900, "add_stock": 5, "per_user_limit": 1},
                           headers=shop.merchant)
    assert r.status_code == 200, r.text
    assert r.json()["price_cents"] == 5900 and r.json()["stock_left"] == 15 and r.json()["per_user_limit"] == 1
    r = await client.patch(f"/api/v1/listings/{lst['id']}", json={"add_stock": -16}, headers=shop.merchant)
    assert_problem(r, 409, "stock_would_go_negative")
    r = await client.patch(f"/api/v1/listings/{lst['id']}", json={"add_stock": -15}, headers=shop.merchant)
    assert r.json()["stock_left"] == 0 and r.json()["sold_out"]
    products = (await client.get(f"/api/v1/shops/{shop.shop_id}/products", headers=shop.merchant)).json()
    assert products[0]["stock"] == 50  # withdrawn units went back to the warehouse
    types = [e["type"] for e in await _events(services, shop.room_id)]
    assert types[-3:] == ["listing_updated", "listing_updated", "sold_out"]
    assert_problem(await client.patch(f"/api/v1/listings/{lst['id']}", json={}, headers=shop.merchant), 422)


async def test_withdrawn_listing_cannot_be_bought(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=5)
    await client.patch(f"/api/v1/listings/{lst['id']}", json={"status": "withdrawn"}, headers=shop.merchant)
    assert_problem(await buy(client, await account(client), lst["id"]), 409, "listing_withdrawn")


async def test_no_listing_in_an_ended_room(client):
    shop = await shop_with_room(client)
    await client.post(f"/api/v1/rooms/{shop.room_id}/end", headers=shop.merchant)
    r = await client.post(f"/api/v1/rooms/{shop.room_id}/listings", json={"product_id": shop.product_id}, headers=shop.merchant)
    assert_problem(r, 409, "room_ended")


async def test_public_listing_view(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=2)
    r = await client.get(f"/api/v1/listings/{lst['id']}")
    assert r.json()["stock_left"] == 2 and r.json()["sold_out"] is False
    assert_problem(await client.get("/api/v1/listings/424242"), 404, "listing_not_found")
