import logging

from tests.helpers import account, assert_problem, listing, shop_with_room


async def test_room_lifecycle_and_wrong_transitions(client):
    shop = await shop_with_room(client, live=False)
    r = await client.get(f"/api/v1/rooms/{shop.room_id}")
    assert r.json()["status"] == "scheduled"
    body = assert_problem(await client.post(f"/api/v1/rooms/{shop.room_id}/end", headers=shop.merchant), 409,
                          "invalid_room_transition")
    assert body["current_status"] == "scheduled"
    r = await client.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant)
    assert r.json()["status"] == "live" and r.json()["started_at"]
    assert_problem(await client.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant), 409)
    r = await client.post(f"/api/v1/rooms/{shop.room_id}/end", headers=shop.merchant)
    assert r.json()["status"] == "ended" and r.json()["ended_at"]
    for action in ("start", "end"):
        body = assert_problem(
            await client.post(f"/api/v1/rooms/{shop.room_id}/{action}", headers=shop.merchant), 409
        )
        assert body["current_status"] == "ended"


async def test_scheduled_at_must_be_an_aware_timestamp(client):
    shop = await shop_with_room(client, live=False)
    for when in ("2026-05-01T10:00:00", "tomorrow", "1900-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00"):
        r = await client.post(
            "/api/v1/rooms", json={"shop_id": shop.shop_id, "title": "x", "scheduled_at": when}, headers=shop.merchant
        )
        assert_problem(r, 422, "validation_error")


async def test_stream_key_is_random_rotatable_and_private(client, caplog):
    caplog.set_level(logging.INFO)  # the level the server logs at
    shop = await shop_with_room(client, live=False)
    first = (await client.get(f"/api/v1/rooms/{shop.room_id}/stream-key", headers=shop.merchant)).json()["stream_key"]
    assert first.startswith("sk_") and len(first) >= 30
    public = await client.get(f"/api/v1/rooms/{shop.room_id}")
    assert first not in public.text and "stream_key" not in public.json()
    rotated = (await client.post(f"/api/v1/rooms/{shop.room_id}/stream-key", headers=shop.merchant)).json()["stream_key"]
    assert rotated != first
    from liveshop.rooms.service import stream_key_matches

    services = client._transport.app.state.services  # type: ignore[attr-defined]
    assert await stream_key_matches(services.db, room_id=shop.room_id, key=rotated)
    assert not await stream_key_matches(services.db, room_id=shop.room_id, key=first)
    assert first not in caplog.text and rotated not in caplog.text


async def test_pin_and_unpin(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=4)
    r = await client.post(f"/api/v1/rooms/{shop.room_id}/pin", json={"listing_id": lst["id"]}, headers=shop.merchant)
    assert r.json()["pinned_listing"]["id"] == lst["id"]
    room = (await client.get(f"/api/v1/rooms/{shop.room_id}")).json()
    assert room["pinned_listing"]["title"] == "Longjing tea 250g" and room["pinned_listing"]["stock_left"] == 4
    r = await client.post(f"/api/v1/rooms/{shop.room_id}/pin", json={"listing_id": None}, headers=shop.merchant)
    assert r.json()["pinned_listing_id"] is None
    r = await client.post(f"/api/v1/rooms/{shop.room_id}/pin", json={"listing_id": 999999}, headers=shop.merchant)
    assert_problem(r, 404, "listing_not_found")


async def test_listing_of_another_room_cannot_be_pinned(client):
    shop = await shop_with_room(client)
    other = await client.post(
        "/api/v1/rooms", json={"shop_id": shop.shop_id, "title": "b", "scheduled_at": "2026-03-01T00:00:00Z"},
        headers=shop.merchant,
    )
    lst = await listing(client, shop, stock=1)
    r = await client.post(f"/api/v1/rooms/{other.json()['id']}/pin", json={"listing_id": lst["id"]}, headers=shop.merchant)
    assert_problem(r, 404, "listing_not_found")


async def test_feed_lists_rooms_by_status(client):
    shop = await shop_with_room(client)
    live = (await client.get("/api/v1/rooms", params={"status": "live"})).json()
    assert [r["id"] for r in live] == [shop.room_id]
    assert (await client.get("/api/v1/rooms", params={"status": "ended"})).json() == []


async def test_reservations_only_for_scheduled_shows(client):
    shop = await shop_with_room(client, live=False)
    viewer = await account(client)
    for _ in range(2):  # reserving twice is harmless
        r = await client.post(f"/api/v1/rooms/{shop.room_id}/reservations", headers=viewer)
        assert r.status_code == 201 and r.json() == {"reserved": True, "reservations": 1}
    r = await client.get(f"/api/v1/rooms/{shop.room_id}/reservations", headers=viewer)
    assert r.json() == {"reserved": True, "reservations": 1}
    await client.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant)
    assert_problem(await client.post(f"/api/v1/rooms/{shop.room_id}/reservations", headers=viewer), 409,
                   "reservation_closed")
