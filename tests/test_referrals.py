"""Share links: visits counted once per visitor, reservations and orders attributed to the link
that first brought a signed-in viewer, and the result in the room's analytics."""

from __future__ import annotations

import httpx

from tests.helpers import (
    account,
    assert_problem,
    buy,
    listing,
    send_webhook,
    shop_with_room,
    start_payment,
)


async def test_share_links_attribute_visits_reservations_and_orders(client, services, clock):
    shop = await shop_with_room(client, live=False)
    sharer, friend, other_sharer = await account(client), await account(client), await account(client)
    link = (await client.post(f"/api/v1/rooms/{shop.room_id}/share", json={"channel": "wechat"}, headers=sharer)).json()
    assert link["url"] == f"/rooms/{shop.room_id}?ref={link['code']}"
    again = (await client.post(f"/api/v1/rooms/{shop.room_id}/share", json={"channel": "wechat"}, headers=sharer)).json()
    assert again["code"] == link["code"]  # one link per sharer, room and channel
    rival = (await client.post(f"/api/v1/rooms/{shop.room_id}/share", json={}, headers=other_sharer)).json()

    transport = httpx.ASGITransport(app=client._transport.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as guest:
        for _ in range(3):  # one guest browser, three page loads: one visitor
            assert (await guest.get(link["url"])).status_code == 200
        assert (await guest.get(f"/rooms/{shop.room_id}")).status_code == 200  # back without ?ref: the cookie
    assert (await client.get(link["url"], headers=friend)).status_code == 200
    assert (await client.get(rival["url"], headers=friend)).status_code == 200  # second touch: not attributed
    assert (await client.get(link["url"], headers=sharer)).status_code == 200  # one's own link counts no buyer
    assert (await client.get(f"/rooms/{shop.room_id}?ref=nonsense!!")).status_code == 200  # ignored

    await client.post(f"/api/v1/rooms/{shop.room_id}/reservations", headers=friend)
    await client.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant)
    lst = await listing(client, shop, stock=5, price_cents=2500)
    for _ in range(2):
        order = (await buy(client, friend, lst["id"])).json()
        await send_webhook(client, services, clock, await start_payment(client, friend, order["id"]))
    await buy(client, friend, lst["id"])  # unpaid: not GMV

    report = (await client.get(f"/api/v1/rooms/{shop.room_id}/referrals", headers=shop.merchant)).json()
    by_code = {row["code"]: row for row in report["links"]}
    mine = by_code[link["code"]]
    assert (mine["sharer"], mine["channel"], mine["visitors"], mine["signed_in_visitors"]) == (
        sharer["X-Username"], "wechat", 3, 1)
    assert (mine["reservations"], mine["orders"], mine["buyers"], mine["paid_gmv_cents"]) == (1, 2, 1, 5000)
    assert (by_code[rival["code"]]["visitors"], by_code[rival["code"]]["orders"]) == (1, 0)
    stats = (await client.get(f"/api/v1/rooms/{shop.room_id}/stats", headers=shop.merchant)).json()
    assert stats["referrals"]["paid_gmv_cents"] == 5000 and stats["referrals"]["visitors"] == 4
    assert_problem(await client.get(f"/api/v1/rooms/{shop.room_id}/referrals", headers=sharer), 404)
    assert_problem(await client.post(f"/api/v1/rooms/{shop.room_id}/share", json={"channel": "fax"},
                                     headers=sharer), 422)
