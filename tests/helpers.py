"""Small API drivers for tests: a merchant with a shop, a live room with a listing, buyers."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

_names = itertools.count(1)


async def account(client: httpx.AsyncClient, prefix: str = "user") -> dict[str, str]:
    """Sign up and log in a fresh user; returns its auth headers."""
    username = f"{prefix}{next(_names)}_{uuid.uuid4().hex[:6]}"
    r = await client.post("/api/v1/users", json={"username": username, "password": "correct horse 1"})
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/sessions", json={"username": username, "password": "correct horse 1"})
    assert r.status_code == 201, r.text
    client.cookies.clear()  # tests authenticate with bearer tokens unless they say otherwise
    return {"Authorization": f"Bearer {r.json()['token']}", "X-Username": username}


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


@dataclass
class Shop:
    merchant: dict[str, str]
    shop_id: int
    product_id: int
    room_id: int


async def shop_with_room(
    client: httpx.AsyncClient, *, product_stock: int = 100, price_cents: int = 9900, live: bool = True
) -> Shop:
    merchant = await account(client, "merchant")
    shop = (await client.post("/api/v1/shops", json={"name": "Tea Garden"}, headers=merchant)).json()
    product = await client.post(
        f"/api/v1/shops/{shop['id']}/products",
        json={"title": "Longjing tea 250g", "price_cents": price_cents, "currency": "CNY",
              "stock": product_stock, "origin": "杭州 西湖"},
        headers=merchant,
    )
    assert product.status_code == 201, product.text
    room = await client.post(
        "/api/v1/rooms",
        json={"shop_id": shop["id"], "title": "Spring tea show", "scheduled_at": "2026-01-01T13:00:00Z"},
        headers=merchant,
    )
    assert room.status_code == 201, room.text
    if live:
        r = await client.post(f"/api/v1/rooms/{room.json()['id']}/start", headers=merchant)
        assert r.status_code == 200, r.text
    return Shop(merchant, shop["id"], product.json()["id"], room.json()["id"])


async def listing(client: httpx.AsyncClient, shop: Shop, **body: Any) -> dict[str, Any]:
    r = await client.post(
        f"/api/v1/rooms/{shop.room_id}/listings", json={"product_id": shop.product_id, **body},
        headers=shop.merchant,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def buy(client: httpx.AsyncClient, buyer: dict[str, str], listing_id: int, quantity: int = 1) -> httpx.Response:
    return await client.post(
        "/api/v1/orders", json={"listing_id": listing_id, "quantity": quantity}, headers={**buyer, **key()}
    )


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"]
    if code is not None:
        assert body["code"] == code, body
    return body


async def next_hub_event(conn: Any, type_: str, timeout: float = 3.0) -> dict[str, Any]:
    """The next event of `type_` reaching a room hub connection (subscribed in the test)."""

    async def wait() -> dict[str, Any]:
        while True:
            frame = orjson.loads(await conn.next_frame())
            for event in frame["events"]:
                if event["type"] == type_:
                    return event  # type: ignore[no-any-return]

    return await asyncio.wait_for(wait(), timeout)


async def admin(client: httpx.AsyncClient, services: Any, username: str = "root_admin") -> dict[str, str]:
    """A platform admin's auth headers (admins are made on the command line, not signed up)."""
    from liveshop.core.auth import service as auth

    await auth.sign_up(services.db, username=username, password="correct horse 1", passwords=services.passwords,
                       now=services.clock.now(), role="admin")
    r = await client.post("/api/v1/sessions", json={"username": username, "password": "correct horse 1"})
    client.cookies.clear()
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def start_payment(client: httpx.AsyncClient, buyer: dict[str, str], order_id: int) -> dict[str, Any]:
    r = await client.post(f"/api/v1/orders/{order_id}/pay", headers=buyer)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def ref_of(payment: dict[str, Any]) -> str:
    return str(payment["checkout_url"].rsplit("/", 1)[1])


async def send_webhook(client: httpx.AsyncClient, services: Any, clock: Any, payment: dict[str, Any], *,
                       succeeded: bool = True, amount: int | None = None,
                       tamper: bool = False) -> tuple[httpx.Response, tuple[bytes, dict[str, str]]]:
    """The sandbox provider's signed callback for a payment (its money arriving, or failing)."""
    body, headers = services.sandbox.signed_event(
        provider_ref=ref_of(payment), amount_cents=payment["amount_cents"] if amount is None else amount,
        currency=payment["currency"], succeeded=succeeded, now=clock.now(),
    )
    if tamper:
        body = body.replace(b'"amount_cents":', b'"amount_cents": ')
    return await client.post("/api/v1/payments/sandbox/webhook", content=body, headers=headers), (body, headers)
