"""Real-time guards: sign-ups per address and device, follows per account, device and address —
a clear 429 with Retry-After, nothing counted for a refused request, windows that slide."""

from __future__ import annotations

import httpx
import pytest

from liveshop.app import create_app
from liveshop.bootstrap import build_services
from liveshop.trust.guards import Guards, TooManyFollows, TooManySignups
from tests.conftest import make_settings, require_redis
from tests.helpers import assert_problem


@pytest.fixture
async def guarded(database_url, clock):
    services = build_services(make_settings(database_url, guards=True,
                                            guard_limits={"signup_per_ip_hour": 3, "follow_per_account_hour": 2}),
                              clock=clock)
    app = create_app(services=services)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            yield client, services
    await services.db.dispose()


async def test_sign_ups_from_one_address_are_limited_with_a_clear_429(guarded, clock):
    client, _ = guarded
    for n in range(3):
        r = await client.post("/api/v1/users", json={"username": f"farm{n}", "password": "correct horse 1"},
                              headers={"X-Device-Id": f"phone-{n}"})
        assert r.status_code == 201, r.text
    r = await client.post("/api/v1/users", json={"username": "farm9", "password": "correct horse 1"},
                          headers={"X-Device-Id": "phone-9"})
    body = assert_problem(r, 429, "too_many_signups")
    assert body["limit"] == "signup_per_ip_hour" and int(r.headers["Retry-After"]) >= 1
    clock.advance(2 * 3600)  # the window has slid past
    r = await client.post("/api/v1/users", json={"username": "farm9", "password": "correct horse 1"},
                          headers={"X-Device-Id": "phone-9"})
    assert r.status_code == 201


async def test_follows_per_account_are_limited(guarded):
    client, _ = guarded
    await client.post("/api/v1/users", json={"username": "fan", "password": "correct horse 1"})
    token = (await client.post("/api/v1/sessions", json={"username": "fan", "password": "correct horse 1"})).json()
    client.cookies.clear()
    fan = {"Authorization": f"Bearer {token['token']}"}
    await client.post("/api/v1/users", json={"username": "shopkeeper", "password": "correct horse 1"})
    owner = (await client.post("/api/v1/sessions", json={"username": "shopkeeper", "password": "correct horse 1"})).json()
    client.cookies.clear()
    merchant = {"Authorization": f"Bearer {owner['token']}"}
    shops = [(await client.post("/api/v1/shops", json={"name": f"s{n}"}, headers=merchant)).json()["id"] for n in range(3)]
    assert (await client.post(f"/api/v1/shops/{shops[0]}/follow", headers=fan)).status_code == 200
    assert (await client.post(f"/api/v1/shops/{shops[1]}/follow", headers=fan)).status_code == 200
    r = await client.post(f"/api/v1/shops/{shops[2]}/follow", headers=fan)
    assert_problem(r, 429, "too_many_follows")
    assert (await client.get(f"/api/v1/shops/{shops[2]}/follow", headers=fan)).json()["following"] is False


async def test_a_refused_request_counts_against_no_limit_and_addresses_are_kept_hashed():
    guards = Guards(b"k" * 32, limits={"signup_per_ip_hour": 2, "signup_per_device_day": 1})
    await guards.check("signup", now=0.0, ip="10.0.0.1", device="d1")
    with pytest.raises(TooManySignups):  # the device's one sign-up a day is used…
        await guards.check("signup", now=1.0, ip="10.0.0.1", device="d1")
    await guards.check("signup", now=2.0, ip="10.0.0.1", device="d2")  # …so the address still had room
    with pytest.raises(TooManySignups):
        await guards.check("signup", now=3.0, ip="10.0.0.1", device="d3")
    assert all("10.0.0.1" not in key[1] and "d1" not in key[1] for key in guards._windows)
    assert guards.fingerprint("ip", "10.0.0.1") == Guards(b"k" * 32).fingerprint("ip", "10.0.0.1")
    assert guards.fingerprint("ip", "10.0.0.1") != Guards(b"x" * 32).fingerprint("ip", "10.0.0.1")


async def test_the_window_slides_rather_than_resetting_at_its_edge():
    guards = Guards(b"k" * 32, limits={"follow_per_account_hour": 10, "follow_per_device_hour": 0,
                                       "follow_per_ip_hour": 0})
    for n in range(10):
        await guards.check("follow", now=3000.0 + n, account=1)
    # Just after the hour's edge the last hour's ten follows still mostly count.
    with pytest.raises(TooManyFollows):
        await guards.check("follow", now=3700.0, account=1)
    for n in range(5):  # half an hour later, half of them have slid out
        await guards.check("follow", now=5400.0 + n, account=1)
    off = Guards(b"k" * 32, enabled=False)
    for n in range(1000):
        await off.check("follow", now=float(n), account=1, ip="10.0.0.1")


async def test_nodes_sharing_redis_share_the_limits_and_fall_back_to_their_own_when_it_is_away():
    import uuid

    from liveshop.bootstrap import redis_client

    settings = make_settings("sqlite+aiosqlite://", redis_url=require_redis(),
                             redis_prefix=f"lstest:{uuid.uuid4().hex[:10]}:")
    limits = {"signup_per_ip_hour": 3, "signup_per_device_day": 0}
    nodes = [Guards(b"k" * 32, limits=limits, redis=redis_client(settings), prefix=settings.redis_prefix)
             for _ in range(2)]
    try:
        await nodes[0].check("signup", now=100.0, ip="10.0.0.7")
        await nodes[1].check("signup", now=101.0, ip="10.0.0.7")
        await nodes[0].check("signup", now=102.0, ip="10.0.0.7")
        for node in nodes:  # three between them: the fourth is refused on either node
            with pytest.raises(TooManySignups):
                await node.check("signup", now=103.0, ip="10.0.0.7")
        # Concurrent requests on both nodes: exactly the limit gets through (one script, atomic).
        import asyncio

        async def attempt(node, n):
            try:
                await node.check("signup", now=7200.0 * 3 + n * 0.001, ip="10.0.0.8")
                return True
            except TooManySignups:
                return False
        results = await asyncio.gather(*(attempt(nodes[n % 2], n) for n in range(40)))
        assert sum(results) == 3
    finally:
        for node in nodes:
            await node.close()
    away = Guards(b"k" * 32, limits=limits, redis=redis_client(make_settings(
        "sqlite+aiosqlite://", redis_url="redis://127.0.0.1:1/0")), prefix="x:")
    for n in range(3):
        await away.check("signup", now=float(n), ip="10.0.0.9")  # counted on this node
    with pytest.raises(TooManySignups):
        await away.check("signup", now=4.0, ip="10.0.0.9")
    await away.close()


def test_unknown_limits_refuse_to_start():
    from pydantic import ValidationError

    from liveshop.core.config import Settings

    with pytest.raises(ValidationError, match="GUARD_LIMITS"):
        Settings(guard_limits={"likes_per_minute": 5})
