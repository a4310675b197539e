"""kill -9 of the server in the middle of a sale: nothing acknowledged is lost, nothing is
oversold, and buyers retrying with their Idempotency-Key get their original answer."""

import asyncio
import os
import signal
import uuid

import httpx

from liveshop.bench.server import free_port, spawn_server
from liveshop.check import run_check
from liveshop.core.db import Database
from tests.conftest import engine_settings
from tests.helpers import account, listing, shop_with_room

STOCK = 25
BUYERS = 60


def start_server(database_url: str, engine: dict[str, object], port: int):
    return spawn_server(database_url=database_url, port=port, env={
        **{f"LIVESHOP_{name.upper()}": str(value) for name, value in engine.items()}, "LIVESHOP_ARGON2_TIME_COST": "1",
        "LIVESHOP_ARGON2_MEMORY_KIB": "1024", "LIVESHOP_ENV": "test",
        "LIVESHOP_SECRET_KEY": "crash-test-secret-key-0123456789abcdef",
    })


async def test_kill_9_mid_sale_then_restart(database_url, inventory):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    engine = engine_settings(inventory)  # the same Redis key names after the restart
    server = start_server(database_url, engine, port)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            shop = await shop_with_room(http)
            lst = await listing(http, shop, stock=STOCK, per_user_limit=1)
            buyers = [await account(http) for _ in range(BUYERS)]
        attempts = [(b, uuid.uuid4().hex) for b in buyers]
        acknowledged: dict[str, int] = {}

        async def attempt(http, buyer, key):
            try:
                r = await http.post("/api/v1/orders", json={"listing_id": lst["id"], "quantity": 1},
                                    headers={**buyer, "Idempotency-Key": key})
            except httpx.HTTPError:
                return  # the server died under us: no answer, so nothing was promised
            if r.status_code == 201:
                acknowledged[key] = r.json()["id"]

        async def killer():
            while len(acknowledged) < 8:
                await asyncio.sleep(0.001)
            os.kill(server.pid, signal.SIGKILL)

        limits = httpx.Limits(max_connections=BUYERS)
        async with httpx.AsyncClient(base_url=base, timeout=10, limits=limits) as http:
            kill = asyncio.create_task(killer())
            await asyncio.gather(*(attempt(http, b, k) for b, k in attempts))
            await asyncio.wait_for(kill, timeout=10)
        server.wait(timeout=10)
        assert server.returncode == -signal.SIGKILL
        assert 8 <= len(acknowledged) <= STOCK

        db = Database(database_url)
        try:
            report = await run_check(db, acknowledged_order_ids=acknowledged.values())
            assert report.ok, report.violations
        finally:
            await db.dispose()

        server = start_server(database_url, engine, port)
        replays: dict[str, int] = {}
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            for buyer, key in attempts:  # every buyer retries with the key it used
                r = await http.post("/api/v1/orders", json={"listing_id": lst["id"], "quantity": 1},
                                    headers={**buyer, "Idempotency-Key": key})
                assert r.status_code in (201, 409), r.text
                if r.status_code == 201:
                    replays[key] = r.json()["id"]
            after = (await http.get(f"/api/v1/listings/{lst['id']}")).json()
        for key, order_id in acknowledged.items():
            assert replays[key] == order_id  # the original answer, not a second order
        assert len(set(replays.values())) == len(replays) <= STOCK
        assert after["stock_left"] == STOCK - len(replays)
        db = Database(database_url)
        try:
            report = await run_check(db, acknowledged_order_ids=list(replays.values()))
            assert report.ok, report.violations
        finally:
            await db.dispose()
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)
