"""Signed webhooks to the merchant's systems: show reminders reach a real local receiver,
signed, each reservation in exactly one event, failures retried with back-off."""

from __future__ import annotations

import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import orjson
import pytest

from liveshop.engagement import service as engagement
from liveshop.webhooks import service as webhooks
from tests.helpers import account, assert_problem, shop_with_room


class Receiver:
    """A merchant's endpoint: records what arrives; answers 500 to the first `fail` requests."""

    def __init__(self, fail: int = 0) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail = fail
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                failing = receiver.fail > 0
                receiver.fail -= failing
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/liveshop"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver(fail=1)
    yield r
    r.close()


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in headers["liveshop-signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


async def test_show_reminders_reach_the_merchants_endpoint_signed_and_retried(client, services, clock, receiver):
    shop = await shop_with_room(client, live=False)
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/webhooks", json={"url": receiver.url}, headers=shop.merchant)
    assert r.status_code == 201, r.text
    secret = r.json()["secret"]
    assert len(secret) == 64
    listed = (await client.get(f"/api/v1/shops/{shop.shop_id}/webhooks", headers=shop.merchant)).json()
    assert listed[0]["url"] == receiver.url and "secret" not in listed[0]  # shown once only
    viewers = [await account(client) for _ in range(5)]
    for viewer in viewers:
        await client.post(f"/api/v1/rooms/{shop.room_id}/reservations", headers=viewer)
    await client.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant)
    assert await engagement.send_due_reminders(services.db, now=clock.now(), batch=3) == 3
    assert await engagement.send_due_reminders(services.db, now=clock.now(), batch=3) == 2

    async with httpx.AsyncClient(timeout=5) as http:
        assert await webhooks.deliver_due(services.db, http, now=clock.now()) == 2
        assert len(receiver.requests) == 2  # the first got a 500: it is retried later, not now
        assert await webhooks.deliver_due(services.db, http, now=clock.now()) == 0
        clock.advance(2)  # the back-off after a first failure
        assert await webhooks.deliver_due(services.db, http, now=clock.now()) == 1
        clock.advance(3600)
        assert await webhooks.deliver_due(services.db, http, now=clock.now()) == 0  # all delivered

    events = {}
    for headers, body in receiver.requests:
        assert verify(secret, headers, body)
        assert not verify("another secret", headers, body)
        event = orjson.loads(body)
        assert headers["liveshop-event-id"] == event["id"] and event["type"] == "show.reminders"
        events[event["id"]] = event
    assert len(events) == 2  # two sweeps, two events; the retry repeated one of them
    users = sorted(u["id"] for e in events.values() for u in e["data"]["users"])
    ids = sorted([(await client.get("/api/v1/me", headers=v)).json()["id"] for v in viewers])
    assert users == ids  # every reservation in exactly one event
    assert all(e["data"]["room"]["id"] == shop.room_id for e in events.values())
    log = (await client.get(f"/api/v1/shops/{shop.shop_id}/webhook-deliveries", headers=shop.merchant)).json()
    assert len(log) == 2 and all(d["delivered_at"] for d in log)
    assert sorted(d["attempts"] for d in log) == [1, 2]


async def test_only_the_merchant_manages_endpoints_and_urls_are_checked(client):
    shop = await shop_with_room(client)
    viewer = await account(client)
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/webhooks", json={"url": "https://x.example/h"},
                                     headers=viewer), 404)
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/webhooks", json={"url": "ftp://x.example/h"},
                                     headers=shop.merchant), 422)
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/webhooks", json={"url": "https://x.example/h"},
                          headers=shop.merchant)
    endpoint = r.json()["id"]
    assert (await client.delete(f"/api/v1/shops/{shop.shop_id}/webhooks/{endpoint}",
                                headers=shop.merchant)).status_code == 204
    assert_problem(await client.delete(f"/api/v1/shops/{shop.shop_id}/webhooks/{endpoint}",
                                       headers=shop.merchant), 404, "webhook_endpoint_not_found")


async def test_a_dead_endpoint_is_given_up_after_the_last_attempt(client, services, clock):
    shop = await shop_with_room(client, live=False)
    await client.post(f"/api/v1/shops/{shop.shop_id}/webhooks", json={"url": "http://127.0.0.1:9/nothing"},
                      headers=shop.merchant)
    viewer = await account(client)
    await client.post(f"/api/v1/rooms/{shop.room_id}/reservations", headers=viewer)
    await client.post(f"/api/v1/rooms/{shop.room_id}/start", headers=shop.merchant)
    await engagement.send_due_reminders(services.db, now=clock.now())
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(webhooks.MAX_ATTEMPTS):
            assert await webhooks.deliver_due(services.db, http, now=clock.now()) == 1
            clock.advance(webhooks.MAX_BACKOFF_SECONDS)
        assert await webhooks.deliver_due(services.db, http, now=clock.now()) == 0
    (delivery,) = (await client.get(f"/api/v1/shops/{shop.shop_id}/webhook-deliveries", headers=shop.merchant)).json()
    assert delivery["failed_at"] and delivery["attempts"] == webhooks.MAX_ATTEMPTS
    assert delivery["last_error"] == "ConnectError"
