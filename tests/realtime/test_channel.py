"""The room channel end to end: a real server, real WebSocket and SSE clients."""

import asyncio
import time

import httpx
import orjson
from websockets.asyncio.client import connect

from tests.helpers import account, buy, listing, shop_with_room


async def next_event(ws, type_, timeout=3.0):
    deadline = time.monotonic() + timeout
    while True:
        frame = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=max(0.01, deadline - time.monotonic())))
        for event in frame["events"]:
            if event["type"] == type_:
                return event, frame


def ws_url(server, room_id, since):
    return server.base.replace("http", "ws", 1) + f"/api/v1/rooms/{room_id}/live?since={since}"


async def test_flash_listing_reaches_an_open_viewer_within_a_second(live_server):
    async with httpx.AsyncClient(base_url=live_server.base) as http:
        shop = await shop_with_room(http)
        seq = (await http.get(f"/api/v1/rooms/{shop.room_id}")).json()["seq"]
        async with connect(ws_url(live_server, shop.room_id, seq)) as ws:
            first = orjson.loads(await ws.recv())
            assert first["seq"] == seq and first["events"] == [] and first["counters"]["viewers"] == 1
            started = time.monotonic()
            lst = await listing(http, shop, stock=2, price_cents=1990)
            event, frame = await next_event(ws, "listing_added")
            assert time.monotonic() - started < 1.0
            assert event["seq"] == seq + 1 and frame["seq"] == seq + 1
            assert event["listing"]["id"] == lst["id"] and event["listing"]["price_cents"] == 1990
            await http.post(f"/api/v1/rooms/{shop.room_id}/pin", json={"listing_id": lst["id"]}, headers=shop.merchant)
            pinned, _ = await next_event(ws, "pinned")
            assert pinned["listing"]["id"] == lst["id"] and pinned["seq"] == seq + 2
            buyer = await account(http)
            order = (await buy(http, buyer, lst["id"], 2)).json()
            sold_out, _ = await next_event(ws, "sold_out")
            assert sold_out == {"type": "sold_out", "seq": seq + 3, "listing_id": lst["id"]}
            pay = (await http.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer)).json()
            await http.post(pay["checkout_url"], data={"outcome": "succeeded"})
            purchase, _ = await next_event(ws, "purchase")
            assert purchase == {"type": "purchase", "listing_id": lst["id"], "title": lst["title"], "quantity": 2}
            await http.post(f"/api/v1/rooms/{shop.room_id}/end", headers=shop.merchant)
            status, _ = await next_event(ws, "room_status")
            assert status["status"] == "ended" and status["seq"] == seq + 4


async def test_comments_are_broadcast_and_stored(live_server):
    async with httpx.AsyncClient(base_url=live_server.base) as http:
        shop = await shop_with_room(http)
        viewer = await account(http)
        async with connect(ws_url(live_server, shop.room_id, 0)) as ws:
            await ws.recv()
            r = await http.post(f"/api/v1/rooms/{shop.room_id}/comments", json={"text": "  好喝吗？ <b>hi</b> "},
                                headers=viewer)
            assert r.status_code == 201
            comment, _ = await next_event(ws, "comment")
            assert comment["text"] == "好喝吗？ <b>hi</b>" and comment["staff"] is None
            await http.post(f"/api/v1/rooms/{shop.room_id}/comments", json={"text": "welcome"}, headers=shop.merchant)
            staff, _ = await next_event(ws, "comment")
            assert staff["staff"] == "merchant"
        stored = (await http.get(f"/api/v1/rooms/{shop.room_id}/comments")).json()
        assert [c["text"] for c in stored] == ["好喝吗？ <b>hi</b>", "welcome"]


async def test_reconnect_with_since_gets_every_missed_critical_event(live_server):
    async with httpx.AsyncClient(base_url=live_server.base) as http:
        shop = await shop_with_room(http)
        seq = (await http.get(f"/api/v1/rooms/{shop.room_id}")).json()["seq"]
        async with connect(ws_url(live_server, shop.room_id, seq)) as ws:
            await ws.recv()
        # Offline while the operator works.
        made = [await listing(http, shop, stock=1) for _ in range(3)]
        await http.post(f"/api/v1/rooms/{shop.room_id}/pin", json={"listing_id": made[1]["id"]}, headers=shop.merchant)
        events, frame = [], {}
        async with connect(ws_url(live_server, shop.room_id, seq)) as ws:
            while len(events) < 4:  # as backlog in the first frame, or in the next tick's frame
                frame = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=3))
                events.extend(frame["events"])
        assert [e["seq"] for e in events] == [seq + 1, seq + 2, seq + 3, seq + 4]
        assert [e["type"] for e in events] == ["listing_added"] * 3 + ["pinned"]
        assert frame["seq"] == seq + 4


async def test_server_sent_events_carry_the_same_frames(live_server):
    async with httpx.AsyncClient(base_url=live_server.base, timeout=10) as http:
        shop = await shop_with_room(http)
        seq = (await http.get(f"/api/v1/rooms/{shop.room_id}")).json()["seq"]
        await listing(http, shop, stock=1)  # missed before connecting: comes as backlog
        async with http.stream("GET", f"/api/v1/rooms/{shop.room_id}/events", params={"since": seq}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            got = []
            added = False
            async for line in lines:
                if line.startswith("data: "):
                    frame = orjson.loads(line[6:])
                    got.extend(e for e in frame["events"] if e["seq"] not in {g["seq"] for g in got})
                    if got and not added:  # the backlog arrived; now one live event
                        await listing(http, shop, stock=1)
                        added = True
                    if len(got) >= 2:
                        break
                elif line.startswith("id: "):
                    last_id = int(line[4:])
        assert [e["seq"] for e in got] == [seq + 1, seq + 2]
        assert last_id >= seq + 1


async def test_unknown_room_channel_is_refused(live_server):
    import pytest
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    with pytest.raises((ConnectionClosed, InvalidStatus)):
        async with connect(ws_url(live_server, 987654, 0)) as ws:
            await ws.recv()
    async with httpx.AsyncClient(base_url=live_server.base) as http:
        r = await http.get("/api/v1/rooms/987654/events")
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
