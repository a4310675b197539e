"""What trust & safety's findings do: a brushing ring found by the scan, its accounts flagged,
the shop's payouts held until an admin decides, risk scores with their reasons, real numbers on
the big screen, and a room with a bought audience held
back from traffic-pool promotion. Every step audited and reversible."""

from __future__ import annotations

from liveshop.analytics import events as ev
from liveshop.discovery import store as discovery_store
from liveshop.trust import scan
from liveshop.trust import service as trust
from liveshop.trust.findings import Finding
from tests.discovery.test_pools import feed_views, log
from tests.helpers import account, admin, assert_problem, buy, listing, ref_of, shop_with_room

RING_ADDRESS = {"recipient": "王五", "phone": "13900000000", "region": "广东省 揭阳市", "line": "某村 12号"}


async def me(client, headers) -> int:
    return (await client.get("/api/v1/me", headers=headers)).json()["id"]


async def pay(client, services, clock, buyer, listing_id, *, address=None, card=None) -> dict:
    order = (await buy(client, buyer, listing_id)).json()
    r = await client.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer,
                          json={"shipping_address": address} if address else None)
    assert r.status_code == 200, r.text
    body, headers = services.sandbox.signed_event(provider_ref=ref_of(r.json()), amount_cents=r.json()["amount_cents"],
                                                  currency="CNY", succeeded=True, now=clock.now(), card=card)
    assert (await client.post("/api/v1/payments/sandbox/webhook", content=body, headers=headers)).status_code == 200
    return order


async def test_a_brushing_ring_is_found_its_shops_payouts_held_and_released_on_review(client, services, clock):
    shop = await shop_with_room(client, product_stock=500)
    lst = await listing(client, shop)
    ring = [await account(client, "ring") for _ in range(5)]
    loop = await account(client, "loop")
    real = [await account(client, "fan") for _ in range(4)]
    for n, buyer in enumerate(ring):  # one address, and the first three pay with one card
        clock.advance(600)
        await pay(client, services, clock, buyer, lst["id"], address=RING_ADDRESS,
                  card="6222 0000 1111 2222" if n < 3 else f"6222 0000 3333 000{n}")
    for _ in range(3):  # paid, refunded by the shop within hours, paid again
        clock.advance(3600)
        order = await pay(client, services, clock, loop, lst["id"], address={**RING_ADDRESS, "line": "别处 1号"},
                          card="6222 9999 0000 0001")
        clock.advance(1800)
        r = await client.post(f"/api/v1/orders/{order['id']}/refund", headers=shop.merchant)
        assert r.status_code == 200 and r.json()["status"] == "refunded"
    for n, fan in enumerate(real):  # genuine customers: their own addresses and cards
        clock.advance(900)
        await pay(client, services, clock, fan, lst["id"], card=f"4000 0000 0000 00{n}0",
                  address={**RING_ADDRESS, "region": f"浙江省 城市{n}", "line": f"{n}号"})

    await services.event_log.flush()
    findings = await scan.scan(services.db, now=clock.now(), days=2)
    kinds = {f.kind: f for f in findings}
    ring_ids = sorted([f"u{await me(client, b)}" for b in ring])
    assert sorted(kinds["shared_address"].accounts) == ring_ids
    assert sorted(kinds["shared_instrument"].accounts) == ring_ids[:3]
    assert kinds["refund_loop"].accounts == [f"u{await me(client, loop)}"]
    fan_ids = {f"u{await me(client, f)}" for f in real}
    assert not fan_ids & {a for f in findings for a in f.accounts}

    added = await trust.record_findings(services.db, findings, now=clock.now())
    assert added["account"] == 6 and added["shop"] == 1  # one hold per shop, whatever found it
    await services.sightings.flush()

    # The merchant sees the payouts held (not who is suspected); staff and strangers do not.
    payouts = (await client.get(f"/api/v1/shops/{shop.shop_id}/payouts", headers=shop.merchant)).json()
    assert payouts["held"] is True and payouts["holds"][0]["status"] == "open"
    stranger = await account(client, "stranger")
    assert_problem(await client.get(f"/api/v1/shops/{shop.shop_id}/payouts", headers=stranger), 404)
    assert_problem(await client.get(f"/api/v1/trust/risk/shops/{shop.shop_id}", headers=shop.merchant), 403)

    root = await admin(client, services)
    shop_risk = (await client.get(f"/api/v1/trust/risk/shops/{shop.shop_id}", headers=root)).json()
    assert shop_risk["payouts_held"] and shop_risk["score"] == 0.8
    assert (shop_risk["buyers_30d"], shop_risk["flagged_buyers_30d"]) == (10, 6)
    ringer = (await client.get(f"/api/v1/trust/risk/accounts/{ring_ids[0]}", headers=root)).json()
    # shared address (0.5) and shared card (0.6) were one finding each, but one open flag per
    # account: 0.5, + 0.1 for an account days old.
    assert ringer["score"] == 0.6 and ringer["held_back"] and ringer["age_days"] < 1
    assert [f["kind"] for f in ringer["flags"]] == ["shared_address"]
    fan = (await client.get(f"/api/v1/trust/risk/accounts/{sorted(fan_ids)[0]}", headers=root)).json()
    assert fan["score"] == 0 and fan["flags"] == []
    assert_problem(await client.get("/api/v1/trust/risk/accounts/x1", headers=root), 422)
    assert_problem(await client.get("/api/v1/trust/risk/accounts/u99999999", headers=root), 404)

    # The big screen: raw and real paying buyers.
    await services.suspects.refresh()
    screen = (await client.get(f"/api/v1/rooms/{shop.room_id}/analytics", headers=shop.merchant)).json()
    assert (screen["figures"]["paying_buyers"], screen["real"]["paying_buyers"]) == (10, 4)
    assert screen["figures"]["unique_viewers"] == screen["real"]["unique_viewers"] == 0  # nobody entered

    # The admin looks at the hold: clears it (released), then reopens it; all in its history.
    holds = (await client.get("/api/v1/trust/flags?subject=shop", headers=root)).json()
    assert [h["account"] for h in holds] == [f"s{shop.shop_id}"]
    released = (await client.post(f"/api/v1/trust/flags/{holds[0]['id']}/review", headers=root,
                                  json={"decision": "clear", "note": "orders verified with the courier"})).json()
    assert released["status"] == "cleared"
    assert (await client.get(f"/api/v1/shops/{shop.shop_id}/payouts", headers=shop.merchant)).json()["held"] is False
    again = (await client.post(f"/api/v1/trust/flags/{holds[0]['id']}/review", headers=root,
                               json={"decision": "reopen"})).json()
    assert [h["action"] for h in again["history"]] == ["hold", "clear", "reopen"]
    assert (await client.get(f"/api/v1/shops/{shop.shop_id}/payouts", headers=shop.merchant)).json()["held"] is True


async def test_an_admin_holds_payouts_by_hand(client, services):
    shop = await shop_with_room(client)
    root = await admin(client, services)
    r = await client.post(f"/api/v1/trust/shops/{shop.shop_id}/hold", headers=root, json={"note": "bank dispute"})
    assert r.status_code == 201 and r.json()["kind"] == "manual" and r.json()["history"][0]["note"] == "bank dispute"
    assert (await client.get(f"/api/v1/shops/{shop.shop_id}/payouts", headers=root)).json()["held"] is True
    assert_problem(await client.post(f"/api/v1/trust/shops/{shop.shop_id}/hold", headers=shop.merchant,
                                     json={"note": "x"}), 403)
    assert_problem(await client.post("/api/v1/trust/shops/99999999/hold", headers=root, json={"note": "x"}), 404)
    assert_problem(await client.post(f"/api/v1/trust/shops/{shop.shop_id}/hold", headers=root, json={}), 422)


async def test_a_room_with_a_bought_audience_is_held_back_from_promotion(client, services, clock):
    good, bought = await shop_with_room(client), await shop_with_room(client)
    await services.discovery.sweep_pools()
    at = clock.now().timestamp()
    events = feed_views(good.room_id, good.shop_id, 200, at) + feed_views(bought.room_id, bought.shop_id, 200, at)
    for room, shop, prefix in ((good.room_id, good.shop_id, 500), (bought.room_id, bought.shop_id, 700)):
        for i in range(10):  # the same engagement: 10 feed visits, 6 stay, 1 buys
            viewer = f"u{prefix + i}"
            events.append(ev.Event(at, ev.JOIN, room, shop, viewer, source="feed"))
            events.append(ev.Event(at + (15 if i < 6 else 3), ev.LEAVE, room, shop, viewer))
        events.append(ev.Event(at + 20, ev.PAID, room, shop, f"u{prefix}", order=prefix, amount=990))
    await log(services, events)
    bots = [f"u{700 + i}" for i in range(10)]
    await trust.record_findings(services.db, [Finding("joins", "lockstep", bots, [bought.shop_id])], now=clock.now())
    await services.suspects.refresh()

    assert await services.discovery.sweep_pools() == 1
    async with services.db.transaction(write=False) as tx:
        pools = await discovery_store.pools_of(tx.conn, [good.room_id, bought.room_id])
    assert pools[good.room_id]["pool"] == 1
    assert (pools[bought.room_id]["pool"], pools[bought.room_id]["reason"]) == (0, "held_for_risk")
