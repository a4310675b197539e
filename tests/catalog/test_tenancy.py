"""A merchant never reads or changes another shop's data."""

from tests.helpers import account, assert_problem, listing, shop_with_room


async def test_merchant_of_shop_a_cannot_touch_shop_b(client):
    a = await shop_with_room(client)
    b = await shop_with_room(client)
    lst_b = await listing(client, b, stock=5)
    m = a.merchant
    checks = [
        ("GET", f"/api/v1/shops/{b.shop_id}", None),
        ("GET", f"/api/v1/shops/{b.shop_id}/products", None),
        ("POST", f"/api/v1/shops/{b.shop_id}/products", {"title": "x", "price_cents": 1, "stock": 1}),
        ("GET", f"/api/v1/shops/{b.shop_id}/staff", None),
        ("POST", f"/api/v1/shops/{b.shop_id}/staff", {"username": "whoever", "role": "host"}),
        ("PATCH", f"/api/v1/products/{b.product_id}", {"price_cents": 1}),
        ("POST", "/api/v1/rooms", {"shop_id": b.shop_id, "title": "x", "scheduled_at": "2026-02-01T00:00:00Z"}),
        ("POST", f"/api/v1/rooms/{b.room_id}/end", None),
        ("POST", f"/api/v1/rooms/{b.room_id}/listings", {"product_id": b.product_id}),
        ("POST", f"/api/v1/rooms/{b.room_id}/pin", {"listing_id": lst_b["id"]}),
        ("PATCH", f"/api/v1/listings/{lst_b['id']}", {"price_cents": 1}),
        ("GET", f"/api/v1/rooms/{b.room_id}/stream-key", None),
        ("POST", f"/api/v1/rooms/{b.room_id}/stream-key", None),
        ("GET", f"/api/v1/rooms/{b.room_id}/orders", None),
        ("GET", f"/api/v1/rooms/{b.room_id}/stats", None),
    ]
    for method, path, body in checks:
        r = await client.request(method, path, json=body, headers=m)
        assert r.status_code in (403, 404), (method, path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    # Shop A's own product cannot be listed in shop B's room, nor B's product in A's room.
    r = await client.post(f"/api/v1/rooms/{a.room_id}/listings", json={"product_id": b.product_id}, headers=m)
    assert_problem(r, 404, "product_not_found")
    # And nothing of B changed.
    r = await client.get(f"/api/v1/listings/{lst_b['id']}")
    assert r.json()["price_cents"] == lst_b["price_cents"]
    r = await client.get(f"/api/v1/rooms/{b.room_id}")
    assert r.json()["status"] == "live"


async def test_roles_inside_a_shop(client):
    shop = await shop_with_room(client, live=False)
    host = await account(client, "host")
    operator = await account(client, "op")
    for user, role in ((host, "host"), (operator, "operator")):
        r = await client.post(
            f"/api/v1/shops/{shop.shop_id}/staff", json={"username": user["X-Username"], "role": role},
            headers=shop.merchant,
        )
        assert r.status_code == 201 and r.json()["role"] == role
    # Only the merchant manages the catalogue and staff.
    r = await client.post(
        f"/api/v1/shops/{shop.shop_id}/products", json={"title": "x", "price_cents": 100, "stock": 1}, headers=operator
    )
    assert_problem(r, 403, "not_shop_staff")
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/staff", json={"username": "x", "role": "host"}, headers=host)
    assert_problem(r, 403, "not_shop_staff")
    # The live crew runs the show: start, list on the fly, pin.
    assert (await client.post(f"/api/v1/rooms/{shop.room_id}/start", headers=host)).status_code == 200
    r = await client.post(
        f"/api/v1/rooms/{shop.room_id}/listings", json={"product_id": shop.product_id, "stock": 3}, headers=operator
    )
    assert r.status_code == 201
    r = await client.post(f"/api/v1/rooms/{shop.room_id}/pin", json={"listing_id": r.json()["id"]}, headers=operator)
    assert r.status_code == 200
    # The operator does not get the stream key; the host does.
    assert_problem(await client.get(f"/api/v1/rooms/{shop.room_id}/stream-key", headers=operator), 403)
    assert (await client.get(f"/api/v1/rooms/{shop.room_id}/stream-key", headers=host)).status_code == 200
    # A viewer is nobody in the shop.
    viewer = await account(client)
    assert_problem(await client.post(f"/api/v1/rooms/{shop.room_id}/end", headers=viewer), 404, "room_not_found")


async def test_adding_unknown_user_as_staff(client):
    shop = await shop_with_room(client, live=False)
    r = await client.post(
        f"/api/v1/shops/{shop.shop_id}/staff", json={"username": "ghost_user", "role": "host"}, headers=shop.merchant
    )
    assert_problem(r, 404, "user_not_found")


async def test_products_carry_integer_price_currency_and_origin(client):
    shop = await shop_with_room(client, live=False)
    r = await client.get(f"/api/v1/shops/{shop.shop_id}/products", headers=shop.merchant)
    (product,) = r.json()
    assert product["price_cents"] == 9900 and product["currency"] == "CNY"
    assert product["origin"] == "杭州 西湖"
    r = await client.patch(f"/api/v1/products/{shop.product_id}", json={"origin": None, "title": None}, headers=shop.merchant)
    assert r.json()["origin"] is None and r.json()["title"] == "Longjing tea 250g"
    for bad in ({"price_cents": -1}, {"price_cents": 1.5}, {"price_cents": "12"}, {"currency": "yuan"}):
        body = {"title": "x", "price_cents": 100, "stock": 1, **bad}
        r = await client.post(f"/api/v1/shops/{shop.shop_id}/products", json=body, headers=shop.merchant)
        assert_problem(r, 422, "validation_error")
