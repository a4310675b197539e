"""Signals on the way in: devices and addresses per action (hashed), the shipping address and
the paying card as keyed hashes, and the raw address kept only for the retention period."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from liveshop.orders import store as orders_store
from liveshop.trust import store
from liveshop.trust.signals import normal_address
from tests.helpers import account, assert_problem, buy, listing, ref_of, shop_with_room

PHONE = {"X-Device-Id": "phone-1f2e3d"}


async def sightings(services) -> list[dict]:
    await services.sightings.flush()
    async with services.db.transaction(write=False) as tx:
        return [dict(r._mapping) for r in await tx.conn.execute(select(store.sightings).order_by(store.sightings.c.id))]


async def test_sign_up_follow_comment_and_pay_are_seen_from_hashed_devices_and_addresses(client, services, clock):
    shop = await shop_with_room(client)
    lst = await listing(client, shop)
    buyer = await account(client, "buyer")
    me = (await client.get("/api/v1/me", headers=buyer)).json()["id"]
    for _ in range(3):  # the same action from the same device within the hour is one sighting
        r = await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers={**buyer, **PHONE})
        assert r.status_code == 200
    await client.post(f"/api/v1/rooms/{shop.room_id}/comments", json={"text": "好茶"}, headers={**buyer, **PHONE})
    order = (await buy(client, buyer, lst["id"])).json()
    await client.post(f"/api/v1/orders/{order['id']}/pay", headers={**buyer, **PHONE})

    mine = [s for s in await sightings(services) if s["user_id"] == me]
    assert [s["action"] for s in mine] == ["signup", "login", "follow", "comment", "pay"]
    phone = {s["device_hash"] for s in mine if s["action"] != "signup" and s["action"] != "login"}
    assert len(phone) == 1 and "phone-1f2e3d" not in phone.pop()
    assert all(s["ip_hash"] and s["ip"] == "127.0.0.1" for s in mine)  # the test client's address
    assert all(len(s["ip_hash"]) == 32 and "127.0.0.1" not in s["ip_hash"] for s in mine)

    # An hour on, the same action is a new sighting; after the retention only the hash is left.
    clock.advance(3601)
    await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers={**buyer, **PHONE})
    assert [s["action"] for s in await sightings(services) if s["user_id"] == me][-1] == "follow"
    clock.advance(timedelta(days=8).total_seconds())
    await services.sightings.purge()
    left = [s for s in await sightings(services) if s["user_id"] == me]
    assert left and all(s["ip"] is None and s["ip_hash"] for s in left)
    clock.advance(timedelta(days=180).total_seconds())
    await services.sightings.purge()
    assert not [s for s in await sightings(services) if s["user_id"] == me]


async def test_the_shipping_address_and_the_card_are_kept_only_as_hashes(client, services, clock):
    shop = await shop_with_room(client)
    lst = await listing(client, shop)
    hashes = []
    for region, line in (("上海市 浦东新区", "XX路1号 3楼"), ("上海市浦东新区", "ＸＸ路１号３楼"), ("杭州市 西湖区", "YY路2号")):
        buyer = await account(client, "buyer")
        order = (await buy(client, buyer, lst["id"])).json()
        address = {"recipient": "张三", "phone": "+86 138-0000-0000", "region": region, "line": line}
        r = await client.post(f"/api/v1/orders/{order['id']}/pay", json={"shipping_address": address}, headers=buyer)
        assert r.status_code == 200, r.text
        assert "address_hash" not in r.json()["order"]
        body, headers = services.sandbox.signed_event(
            provider_ref=ref_of(r.json()), amount_cents=r.json()["amount_cents"], currency="CNY", succeeded=True,
            now=clock.now(), card="4000 0000 0000 0077")
        assert (await client.post("/api/v1/payments/sandbox/webhook", content=body, headers=headers)).status_code == 200
        async with services.db.transaction(write=False) as tx:
            row = await orders_store.order_by_id(tx.conn, order["id"])
            payment = await orders_store.payment_by_ref(tx.conn, "sandbox", ref_of(r.json()))
        hashes.append((row.address_hash, payment.instrument_hash))
    # Full-width and half-width, spaces: the same address; another city: another.
    assert hashes[0][0] == hashes[1][0] != hashes[2][0]
    assert len({h[1] for h in hashes}) == 1 and all(h[1] and "0077" not in h[1] for h in hashes)
    assert normal_address("上海市 浦东新区", "XX路1号 3楼") == "上海市浦东新区xx路1号3楼"


async def test_a_bad_shipping_address_is_refused(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop)
    buyer = await account(client, "buyer")
    order = (await buy(client, buyer, lst["id"])).json()
    for bad in ({"recipient": "x", "phone": "call me", "region": "r", "line": "l"},
                {"recipient": "x" * 41, "phone": "13800000000", "region": "r", "line": "l"},
                {"recipient": "x", "phone": "13800000000", "region": "r"}):
        r = await client.post(f"/api/v1/orders/{order['id']}/pay", json={"shipping_address": bad}, headers=buyer)
        assert_problem(r, 422)
