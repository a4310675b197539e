from tests.helpers import buy, listing, shop_with_room


async def test_buy_flow(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=5)
    r = await buy(client, shop.merchant, lst["id"])
    assert r.status_code == 201, r.text
