"""Two server processes sharing PostgreSQL and Redis: viewers on either node get every
critical event of the room in order, chat from the other node, and counters of both."""

from __future__ import annotations

import asyncio
import time

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from liveshop.bench.server import free_port, spawn_server
from tests.conftest import require_redis
from tests.helpers import account, listing, shop_with_room


@pytest.fixture
def inventory() -> str:
    return "sql"


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_viewers_on_two_nodes_get_every_critical_event_in_order(database_url):
    import uuid

    env = {
        "LIVESHOP_REDIS_URL": require_redis(), "LIVESHOP_REDIS_PREFIX": f"lstest:{uuid.uuid4().hex[:10]}:",
        "LIVESHOP_ARGON2_TIME_COST": "1", "LIVESHOP_ARGON2_MEMORY_KIB": "1024", "LIVESHOP_ENV": "test",
        "LIVESHOP_SECRET_KEY": "cross-node-secret-key-0123456789abcdef", "LIVESHOP_TICK_SECONDS": "0.05",
    }
    ports = [free_port(), free_port()]
    servers = [spawn_server(database_url=database_url, port=port, env=env) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with httpx.AsyncClient(base_url=bases[0], timeout=20) as a, httpx.AsyncClient(base_url=bases[1],
                                                                                           timeout=20) as b:
            shop = await shop_with_room(a)
            seq = (await a.get(f"/api/v1/rooms/{shop.room_id}")).json()["seq"]
            urls = [base.replace("http", "ws", 1) + f"/api/v1/rooms/{shop.room_id}/live?since={seq}" for base in bases]
            async with connect(urls[0]) as ws_a, connect(urls[1]) as ws_b:
                received: list[list[dict]] = [[], []]
                counters: list[dict] = [{}, {}]

                async def read(i, ws):
                    async for raw in ws:
                        frame = orjson.loads(raw)
                        counters[i] = frame["counters"]
                        received[i].extend(frame["events"])

                readers = [asyncio.create_task(read(0, ws_a)), asyncio.create_task(read(1, ws_b))]
                await asyncio.sleep(0.3)  # both nodes have subscribed to the room
                # Critical events made on both nodes, interleaved.
                made = []
                for i in range(6):
                    client = (a, b)[i % 2]
                    made.append(await listing(client, shop, stock=1 + i, price_cents=100 + i))
                viewer = await account(b)
                await b.post(f"/api/v1/rooms/{shop.room_id}/comments", json={"text": "hello from node b"},
                             headers=viewer)
                await a.post(f"/api/v1/rooms/{shop.room_id}/likes", json={"count": 5}, headers=viewer)
                await b.post(f"/api/v1/rooms/{shop.room_id}/likes", json={"count": 7}, headers=viewer)

                def done() -> bool:
                    return all(
                        len([e for e in events if e.get("type") == "listing_added"]) == 6
                        and any(e.get("type") == "comment" for e in events)
                        and counters[i].get("viewers") == 2 and counters[i].get("likes") == 12
                        for i, events in enumerate(received)
                    )

                deadline = time.monotonic() + 10
                while not done():
                    assert time.monotonic() < deadline, (received, counters)
                    await asyncio.sleep(0.05)
                for task in readers:
                    task.cancel()
            for events in received:
                critical = [e for e in events if "seq" in e]
                seqs = [e["seq"] for e in critical]
                assert seqs == list(range(seq + 1, seq + 7))  # every one, in order, once
                assert [e["listing"]["id"] for e in critical] == [m["id"] for m in made]
                comment = next(e for e in events if e.get("type") == "comment")
                assert comment["text"] == "hello from node b"
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=15)
