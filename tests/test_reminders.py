"""A reserved show going live reminds every viewer who reserved it, exactly once, in their inbox."""

from __future__ import annotations

import asyncio

from liveshop.bootstrap import build_services
from liveshop.engagement import service as engagement
from tests.conftest import make_settings
from tests.helpers import account, shop_with_room


async def test_reservations_become_one_inbox_reminder_each_when_the_show_starts(client, services):
    shop = await shop_with_room(client, live=False)
    viewers = [await account(client) for _ in range(3)]
    for viewer in viewers:
        assert (await client.post(f"/api/v1/rooms/{shop.room_id}/reservations", headers=viewer)).status_code == 201
    now = services.clock.now()
    assert await engagement.send_due_reminders(services.db, now=now) == 0  # not live yet: nothing
    await client.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant)
    assert await engagement.send_due_reminders(services.db, now=now) == 3
    assert await engagement.send_due_reminders(services.db, now=now) == 0  # once
    box = (await client.get("/api/v1/me/inbox", headers=viewers[0])).json()
    assert box["unread"] == 1 and len(box["items"]) == 1
    item = box["items"][0]
    assert item["kind"] == "show_live" and item["room_id"] == shop.room_id
    assert item["title"] == "Spring tea show" and item["link"] == f"/rooms/{shop.room_id}?src=reservation"
    read = await client.post("/api/v1/me/inbox/read", json={"ids": [item["id"]]}, headers=viewers[0])
    assert read.json() == {"unread": 0}
    assert (await client.get("/api/v1/me/inbox", headers=viewers[0])).json()["items"][0]["read_at"] is not None
    stranger = await account(client)
    assert (await client.get("/api/v1/me/inbox", headers=stranger)).json() == {"unread": 0, "items": []}
    assert (await client.get("/api/v1/me/inbox")).status_code == 401


async def test_several_nodes_sweeping_at_once_remind_each_reservation_once(client, services, database_url, clock):
    shop = await shop_with_room(client, live=False)
    viewers = [await account(client) for _ in range(40)]
    for viewer in viewers:
        await client.post(f"/api/v1/rooms/{shop.room_id}/reservations", headers=viewer)
    await client.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant)
    nodes = [build_services(make_settings(database_url), clock=clock) for _ in range(3)]
    try:
        async def sweep(node):
            total = 0
            while sent := await engagement.send_due_reminders(node.db, now=clock.now(), batch=7):
                total += sent
            return total

        counts = await asyncio.gather(*(sweep(n) for n in nodes for _ in range(2)))
    finally:
        for node in nodes:
            await node.db.dispose()
    assert sum(counts) == 40
    for viewer in viewers[:5]:
        assert (await client.get("/api/v1/me/inbox", headers=viewer)).json()["unread"] == 1


async def test_the_server_sends_reminders_by_itself(live_server):
    import httpx

    async with httpx.AsyncClient(base_url=live_server.base) as http:
        shop = await shop_with_room(http, live=False)
        viewer = await account(http)
        await http.post(f"/api/v1/rooms/{shop.room_id}/reservations", headers=viewer)
        await http.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant)
        for _ in range(100):
            if (await http.get("/api/v1/me/inbox", headers=viewer)).json()["unread"] == 1:
                break
            await asyncio.sleep(0.05)
        assert (await http.get("/api/v1/me/inbox", headers=viewer)).json()["unread"] == 1
