"""Bad input gets a clear 4xx problem+json, never a 500."""

import pytest

from tests.helpers import account, assert_problem, key, listing, shop_with_room


async def test_unknown_fields_and_wrong_types(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=3)
    buyer = await account(client)
    cases = [
        ("/api/v1/orders", {"listing_id": lst["id"], "quantity": 1, "price_cents": 1}),  # unknown field
        ("/api/v1/orders", {"listing_id": str(lst["id"]), "quantity": 1}),
        ("/api/v1/orders", {"listing_id": lst["id"], "quantity": 1.5}),
        ("/api/v1/orders", {"listing_id": lst["id"], "quantity": 0}),
        ("/api/v1/orders", {"listing_id": lst["id"], "quantity": -3}),
        ("/api/v1/orders", {"listing_id": lst["id"], "quantity": True}),
        ("/api/v1/orders", {"listing_id": lst["id"]}),
        ("/api/v1/orders", [1, 2, 3]),
        ("/api/v1/orders", {"listing_id": 2**70, "quantity": 1}),
    ]
    for path, body in cases:
        r = await client.post(path, json=body, headers={**buyer, **key()})
        problem = assert_problem(r, 422, "validation_error")
        assert problem["errors"], problem


async def test_malformed_json(client):
    buyer = await account(client)
    r = await client.post("/api/v1/orders", content=b'{"listing_id": 1,', headers={**buyer, **key(),
                                                                                   "Content-Type": "application/json"})
    assert_problem(r, 422, "validation_error")


async def test_negative_and_huge_numbers(client):
    shop = await shop_with_room(client)
    m = shop.merchant
    for body in ({"title": "x", "price_cents": -1, "stock": 1}, {"title": "x", "price_cents": 1, "stock": -1},
                 {"title": "x", "price_cents": 10**12, "stock": 1}, {"title": "x", "price_cents": 1, "stock": 10**9}):
        assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/products", json=body, headers=m), 422)
    for body in ({"product_id": shop.product_id, "stock": -5}, {"product_id": shop.product_id, "price_cents": -1},
                 {"product_id": shop.product_id, "per_user_limit": 0}):
        assert_problem(await client.post(f"/api/v1/rooms/{shop.room_id}/listings", json=body, headers=m), 422)


async def test_strings_are_bounded_and_storable(client):
    shop = await shop_with_room(client)
    viewer = await account(client)
    path = f"/api/v1/rooms/{shop.room_id}/comments"
    assert_problem(await client.post(path, json={"text": "x" * 201}, headers=viewer), 422)
    assert_problem(await client.post(path, json={"text": ""}, headers=viewer), 422)
    assert_problem(await client.post(path, json={"text": "   "}, headers=viewer), 422)
    assert_problem(await client.post(path, json={"text": "nul\x00byte"}, headers=viewer), 422)
    r = await client.post(path, content=b'{"text": "lone \\ud800 surrogate"}',
                          headers={**viewer, "Content-Type": "application/json"})
    assert_problem(r, 422)
    assert_problem(await client.post("/api/v1/shops", json={"name": "n" * 81}, headers=viewer), 422)
    r = await client.post("/api/v1/users", json={"username": "bad name!", "password": "long-enough"})
    assert_problem(r, 422)
    r = await client.post("/api/v1/users", json={"username": "shortpw", "password": "short"})
    assert_problem(r, 422)


async def test_huge_bodies_are_refused(client):
    viewer = await account(client)
    big = b'{"text": "' + b"x" * 70_000 + b'"}'
    r = await client.post("/api/v1/rooms/1/comments", content=big, headers={**viewer, "Content-Type": "application/json"})
    assert_problem(r, 413, "payload_too_large")

    async def chunks():
        for _ in range(100):
            yield b"x" * 1024

    r = await client.post("/api/v1/payments/sandbox/webhook", content=chunks())
    assert_problem(r, 413, "payload_too_large")


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/api/v1/rooms/999999"),
        ("GET", "/api/v1/listings/999999"),
        ("GET", "/api/v1/orders/999999"),
        ("POST", "/api/v1/orders/999999/pay"),
        ("POST", "/api/v1/rooms/999999/start"),
        ("GET", "/api/v1/rooms/999999/listings"),
        ("GET", "/api/v1/rooms/999999/comments"),
        ("GET", "/api/v1/shops/999999"),
        ("GET", "/rooms/999999"),
        ("GET", "/api/v1/nowhere"),
    ],
)
async def test_unknown_ids_are_404(client, method, path):
    viewer = await account(client)
    r = await client.request(method, path, headers=viewer)
    assert_problem(r, 404)


async def test_bad_ids_and_methods(client):
    assert_problem(await client.get("/api/v1/rooms/abc"), 422)
    assert_problem(await client.get("/api/v1/rooms/0"), 422)
    assert_problem(await client.get(f"/api/v1/rooms/{2**63}"), 422)
    assert_problem(await client.delete("/api/v1/rooms/1"), 405)
    assert_problem(await client.post("/api/v1/payments/nosuch/webhook", content=b"{}"), 404, "unknown_payment_provider")
