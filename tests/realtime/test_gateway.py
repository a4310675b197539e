"""The room channel on its own port (LIVESHOP_CHANNEL_PORT): same frames, lanes and resume
as the ASGI route, written pre-framed to every viewer."""

from __future__ import annotations

import asyncio
import socket

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.helpers import account, listing, shop_with_room
from tests.realtime.test_channel import next_event


@pytest.fixture
def inventory() -> str:
    return "sql"


async def test_viewers_on_the_gateway_get_the_same_frames_as_on_the_route(gateway_server):
    async with httpx.AsyncClient(base_url=gateway_server.base) as http:
        shop = await shop_with_room(http)
        seq = (await http.get(f"/api/v1/rooms/{shop.room_id}")).json()["seq"]
        route = gateway_server.base.replace("http", "ws", 1) + f"/api/v1/rooms/{shop.room_id}/live?since={seq}"
        gateway = gateway_server.channel + f"/api/v1/rooms/{shop.room_id}/live?since={seq}"
        async with connect(gateway) as gw, connect(route) as asgi:
            first = orjson.loads(await gw.recv())
            assert first["seq"] == seq and first["events"] == []
            await asgi.recv()
            lst = await listing(http, shop, stock=2, price_cents=990)
            on_gateway, frame = await next_event(gw, "listing_added")
            on_route, route_frame = await next_event(asgi, "listing_added")
            assert on_gateway == on_route and on_gateway["seq"] == seq + 1
            assert on_gateway["listing"]["id"] == lst["id"]
            viewer = await account(http)
            await http.post(f"/api/v1/rooms/{shop.room_id}/comments", json={"text": "网关你好"}, headers=viewer)
            comment, _ = await next_event(gw, "comment")
            assert comment["text"] == "网关你好"
            assert frame["counters"]["viewers"] == 2  # one viewer per path, one room
            await gw.ping()  # viewers may ping; the gateway answers
        # Resume: a viewer that was away gets what it missed in its first frame.
        await http.post(f"/api/v1/rooms/{shop.room_id}/pin", json={"listing_id": lst["id"]}, headers=shop.merchant)
        async with connect(gateway) as gw:
            missed = orjson.loads(await gw.recv())["events"]
            while len(missed) < 2:  # the pin may still be on its way to the next tick
                missed += orjson.loads(await asyncio.wait_for(gw.recv(), 3))["events"]
            assert [e["type"] for e in missed] == ["listing_added", "pinned"]


async def test_the_gateway_refuses_what_is_not_a_room_channel(gateway_server):
    base = gateway_server.channel
    with pytest.raises(InvalidStatus) as unknown:
        async with connect(base + "/api/v1/rooms/999999/live"):
            pass
    assert unknown.value.response.status_code == 404
    with pytest.raises(InvalidStatus) as elsewhere:
        async with connect(base + "/api/v1/somewhere"):
            pass
    assert elsewhere.value.response.status_code == 404
    with pytest.raises(InvalidStatus) as bad_since:
        async with connect(base + "/api/v1/rooms/1/live?since=abc"):
            pass
    assert bad_since.value.response.status_code == 400

    port = int(base.rsplit(":", 1)[1])

    def plain_http() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /api/v1/rooms/1/live HTTP/1.1\r\nHost: x\r\n\r\n")
            return s.recv(200)

    assert (await asyncio.to_thread(plain_http)).startswith(b"HTTP/1.1 426")



@pytest.mark.parametrize("path", ["gateway", "route"])
async def test_a_signed_in_viewer_hears_about_their_own_order_and_nobody_else_does(gateway_server, path):
    async with httpx.AsyncClient(base_url=gateway_server.base) as http:
        shop = await shop_with_room(http)
        lst = await listing(http, shop, stock=3)
        buyer, other = await account(http), await account(http)
        seq = (await http.get(f"/api/v1/rooms/{shop.room_id}")).json()["seq"]
        base = gateway_server.channel if path == "gateway" else gateway_server.base.replace("http", "ws", 1)
        url = base + f"/api/v1/rooms/{shop.room_id}/live?since={seq}"

        def cookie(headers):
            return {"Cookie": "liveshop_session=" + headers["Authorization"].removeprefix("Bearer ")}

        async with connect(url, additional_headers=cookie(buyer)) as mine, \
                connect(url, additional_headers=cookie(other)) as theirs:
            await mine.recv()
            await theirs.recv()
            order = (await http.post("/api/v1/orders", json={"listing_id": lst["id"], "quantity": 1},
                                     headers={**buyer, "Idempotency-Key": "k-own-order"})).json()
            pay = (await http.post(f"/api/v1/orders/{order['id']}/pay", headers=buyer)).json()
            await http.post(pay["checkout_url"], data={"outcome": "succeeded"})
            event, frame = await next_event(mine, "my_order")
            assert frame["private"] is True
            assert event["order"]["id"] == order["id"] and event["order"]["status"] == "paid"
            await next_event(theirs, "purchase")  # the room hears of a purchase, without who
            with pytest.raises(asyncio.TimeoutError):
                await next_event(theirs, "my_order", timeout=0.5)


class FakeTransport:
    def __init__(self):
        self.written, self.buffered, self.closed = [], 0, False

    def get_write_buffer_size(self):
        return self.buffered

    def write(self, data):
        self.written.append(data)

    def close(self):
        self.closed = True


def test_a_slow_gateway_viewer_loses_chat_first_then_is_closed_before_losing_a_critical_frame():
    from liveshop.realtime.gateway import HIGH_WATER_BYTES, TransportConnection

    transport = FakeTransport()
    viewer = TransportConnection(1, transport)
    frame = '{"seq":1,"events":[]}'
    viewer.offer(frame, critical=False)
    viewer.offer(frame, critical=True)
    assert len(transport.written) == 2 and transport.written[0] is transport.written[1]  # framed once
    transport.buffered = HIGH_WATER_BYTES + 1  # the viewer stopped reading
    viewer.offer('{"seq":1,"events":[{"type":"comment"}]}', critical=False)
    assert viewer.dropped_frames == 1 and not viewer.closed
    viewer.offer('{"seq":2,"events":[{"type":"sold_out","seq":2}]}', critical=True)
    assert viewer.closed and transport.closed
    assert transport.written[-1][:2] == b"\x88\x02" and transport.written[-1][2:] == (4008).to_bytes(2, "big")


async def test_viewers_joining_and_leaving_through_either_path_reach_the_show_s_numbers(gateway_server):
    async with httpx.AsyncClient(base_url=gateway_server.base) as http:
        shop = await shop_with_room(http)
        path = f"/api/v1/rooms/{shop.room_id}/live?since=0"
        route = gateway_server.base.replace("http", "ws", 1) + path
        cookie = {"Cookie": "ls_visitor=guestA12345"}
        async with connect(gateway_server.channel + path + "&src=share", additional_headers=cookie) as gw, \
                connect(route + "&src=feed", additional_headers=cookie) as asgi, \
                connect(route + "&src=screen"):  # the crew's big screen: not a viewer
            await gw.recv()
            await asgi.recv()
        for _ in range(50):  # the server's event log is written every 0.5 s
            figures = (await http.get(f"/api/v1/rooms/{shop.room_id}/analytics",
                                      headers=shop.merchant)).json()["figures"]
            if figures["views"] == 2 and figures["online_viewers"] == 0:
                break
            await asyncio.sleep(0.1)
    assert figures["traffic_sources"] == {"feed": 1, "share": 1}
    assert (figures["views"], figures["unique_viewers"], figures["online_viewers"]) == (2, 1, 0)
