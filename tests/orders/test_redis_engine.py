"""The redis engine across nodes: shared stock, the sold-out fast path and its broadcast,
Redis going away mid-sale. The shared order tests already run on it (one node)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import time
import uuid

import httpx
import pytest

from liveshop.app import create_app
from liveshop.bench.server import free_port, spawn_server
from liveshop.bootstrap import build_services
from liveshop.check import run_check
from liveshop.core.db import Database
from liveshop.core.errors import LiveshopError
from liveshop.inventory.errors import SoldOut
from liveshop.inventory.service import get_listing
from liveshop.orders import service as orders
from tests.conftest import engine_settings, make_settings
from tests.helpers import account, assert_problem, listing, shop_with_room
from tests.orders.world import live_listing, user


@pytest.fixture
def inventory() -> str:
    return "redis"


@contextlib.asynccontextmanager
async def nodes(database_url, clock, count=2, **overrides):
    """`count` nodes (services with their own engine) sharing the database and Redis keys."""
    engine = {**engine_settings("redis"), **overrides}
    built = [build_services(make_settings(database_url, **engine), clock=clock) for _ in range(count)]
    for node in built:
        node.engine.start()
    try:
        yield built
    finally:
        for node in built:
            await node.engine.stop()
            await node.db.dispose()


async def place(node, buyer, listing_id, quantity=1, key=None):
    return await orders.place_order(
        node.db, buyer_id=buyer.id, listing_id=listing_id, quantity=quantity, idempotency_key=key or uuid.uuid4().hex,
        now=node.clock.now(), payment_timeout=node.settings.payment_timeout, engine=node.engine,
    )


async def eventually(condition, seconds=3.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def test_sold_out_on_one_node_is_refused_on_the_other_without_redis_until_a_release(database_url, clock):
    async with nodes(database_url, clock) as (a, b):
        world = await live_listing(a, stock=2)
        first, second = await user(a), await user(a)
        order, _ = await place(a, first, world.listing_id)
        await place(b, second, world.listing_id)
        await eventually(lambda: a.sold_out.is_sold_out(world.listing_id) and b.sold_out.is_sold_out(world.listing_id))

        calls = []
        real = b.engine._reserve

        async def counting(*args, **kwargs):
            calls.append(1)
            return await real(*args, **kwargs)

        b.engine._reserve = counting
        with pytest.raises(SoldOut):
            await place(b, await user(a), world.listing_id)
        assert calls == []  # refused from the flag: no Redis call, no database transaction

        # A retry of an order made on the other node still gets that order, not "sold out".
        retried, replayed = await place(b, first, world.listing_id, key=order.idempotency_key)
        assert replayed and retried.id == order.id and calls == []

        await orders.cancel_order(a.db, user=first, order_id=order.id, now=a.clock.now())  # released on node a
        await eventually(lambda: not b.sold_out.is_sold_out(world.listing_id))
        again, replayed = await place(b, await user(a), world.listing_id)
        assert not replayed and calls == [1]
        assert (await get_listing(a.db, listing_id=world.listing_id))["stock_left"] == 0


async def test_operator_changes_on_one_node_apply_on_every_node(database_url, clock):
    from liveshop.inventory import service as inventory

    async with nodes(database_url, clock) as (a, b):
        world = await live_listing(a, stock=1, per_user_limit=1, product_stock=5)
        buyer = await user(a)
        await place(b, buyer, world.listing_id)
        await eventually(lambda: b.sold_out.is_sold_out(world.listing_id))
        await inventory.update_listing(a.db, user=world.merchant, listing_id=world.listing_id, now=a.clock.now(),
                                       add_stock=2, per_user_limit=2, price_cents=700)
        await eventually(lambda: not b.sold_out.is_sold_out(world.listing_id))
        order, _ = await place(b, buyer, world.listing_id)  # the raised limit lets the same buyer in again
        assert order.unit_price_cents == 700  # the new price, though node b never saw the change commit
        await inventory.update_listing(a.db, user=world.merchant, listing_id=world.listing_id, now=a.clock.now(),
                                       status="withdrawn")
        await asyncio.sleep(0.2)
        with pytest.raises(LiveshopError) as refused:
            await place(b, await user(a), world.listing_id)
        assert refused.value.code == "listing_withdrawn"


async def test_buyers_spread_over_two_nodes_never_oversell(database_url, clock):
    async with nodes(database_url, clock) as (a, b):
        world = await live_listing(a, stock=7, per_user_limit=2)
        buyers = [await user(a) for _ in range(20)]
        acked = []

        async def attempt(i, buyer):
            try:
                order, _ = await place((a, b)[i % 2], buyer, world.listing_id, quantity=1 + i % 2)
            except LiveshopError as exc:
                assert exc.status in (409, 422), exc
                return
            acked.append(order.id)

        await asyncio.gather(*(attempt(i, buyer) for i in range(4) for buyer in buyers))
        report = await run_check(a.db, acknowledged_order_ids=acked)
        assert report.ok, report.violations
        assert (await get_listing(a.db, listing_id=world.listing_id))["stock_left"] == 0


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_two_server_processes_sharing_postgres_and_redis_never_oversell(database_url):
    engine = engine_settings("redis")
    env = {f"LIVESHOP_{name.upper()}": str(value) for name, value in engine.items()} | {
        "LIVESHOP_ARGON2_TIME_COST": "1", "LIVESHOP_ARGON2_MEMORY_KIB": "1024", "LIVESHOP_ENV": "test",
        "LIVESHOP_SECRET_KEY": "two-nodes-secret-key-0123456789abcdef",
    }
    ports = [free_port(), free_port()]
    servers = [spawn_server(database_url=database_url, port=port, env=env) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        async with httpx.AsyncClient(base_url=bases[0], timeout=20) as http:
            shop = await shop_with_room(http)
            lst = await listing(http, shop, stock=15, per_user_limit=1)
            buyers = [await account(http) for _ in range(60)]
        limits = httpx.Limits(max_connections=100)
        acknowledged: dict[str, int] = {}
        async with httpx.AsyncClient(timeout=20, limits=limits) as http:

            async def attempt(i, buyer):
                key = uuid.uuid4().hex
                r = await http.post(f"{bases[i % 2]}/api/v1/orders", json={"listing_id": lst["id"], "quantity": 1},
                                    headers={**buyer, "Idempotency-Key": key})
                assert r.status_code in (201, 409, 422), r.text
                if r.status_code == 201:
                    acknowledged[key] = r.json()["id"]

            await asyncio.gather(*(attempt(i, b) for i, b in enumerate(buyers * 2)))
            views = [(await http.get(f"{base}/api/v1/listings/{lst['id']}")).json() for base in bases]
        assert len(set(acknowledged.values())) == 15
        assert [v["stock_left"] for v in views] == [0, 0]
        db = Database(database_url)
        try:
            report = await run_check(db, acknowledged_order_ids=acknowledged.values())
        finally:
            await db.dispose()
        assert report.ok, report.violations
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=15)


class PrivateRedis:
    """A redis-server of this test's own, on a free port, that the test can stop and start."""

    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        import redis

        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.RedisError:
                assert time.monotonic() < deadline, "private redis-server did not start"
                time.sleep(0.02)

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=10)


async def test_redis_stopped_mid_sale_answers_503_and_selling_resumes_when_it_is_back(database_url, clock):
    redis_server = PrivateRedis()
    redis_server.start()
    try:
        settings = make_settings(database_url, inventory_backend="redis", redis_url=redis_server.url,
                                 redis_prefix=f"lstest:{uuid.uuid4().hex[:8]}:")
        services = build_services(settings, clock=clock)
        app = create_app(services=services)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
                shop = await shop_with_room(http)
                lst = await listing(http, shop, stock=6)
                buyers = [await account(http) for _ in range(12)]
                acked: dict[str, int] = {}

                async def attempt(buyer, key=None):
                    key = key or uuid.uuid4().hex
                    r = await http.post("/api/v1/orders", json={"listing_id": lst["id"], "quantity": 1},
                                        headers={**buyer, "Idempotency-Key": key})
                    if r.status_code == 201:
                        acked[key] = r.json()["id"]
                    return r, key

                for buyer in buyers[:2]:
                    assert (await attempt(buyer))[0].status_code == 201

                # Redis goes away while buyers keep coming.
                sale = asyncio.gather(*(attempt(b) for b in buyers[2:6]))
                redis_server.stop()
                await sale
                down, key = await attempt(buyers[6])
                problem = assert_problem(down, 503, "stock_engine_unavailable")
                assert "Idempotency-Key" in problem["title"]

                redis_server.start()  # back, empty: the stock is reseeded from the database
                await asyncio.sleep(0.3)
                retried, _ = await attempt(buyers[6], key)  # the same key, as the 503 asked
                assert retried.status_code == 201, retried.text
                rest = await asyncio.gather(*(attempt(b) for b in buyers[7:]))
                assert any(r.status_code == 409 for r, _ in rest)  # it sells out again, never over
                view = (await http.get(f"/api/v1/listings/{lst['id']}")).json()
        assert view["stock_left"] == 0
        assert len(set(acked.values())) == 6
        report = await run_check(services.db, acknowledged_order_ids=acked.values())
        assert report.ok, report.violations
        await services.db.dispose()
    finally:
        if redis_server.process and redis_server.process.poll() is None:
            redis_server.stop()


async def test_units_a_crashed_node_took_come_back_with_inventory_resync(database_url, clock):
    from typer.testing import CliRunner

    from liveshop.cli import app as cli

    async with nodes(database_url, clock, count=1) as (node,):
        world = await live_listing(node, stock=2)
        await place(node, await user(node), world.listing_id)  # seeds the listing in Redis
        state, held = node.engine._state_keys(world.listing_id)
        # A node that took the last unit in Redis and died before its batch committed:
        taken = await node.engine._reserve(keys=[state, held, node.engine._idempotency_key(world.listing_id, 999_999, uuid.uuid4().hex)], args=[999_999, 1, "f", 60])
        assert taken[0] == "ok", taken
        with pytest.raises(SoldOut):
            await place(node, await user(node), world.listing_id)
        assert (await get_listing(node.db, listing_id=world.listing_id))["stock_left"] == 1  # the database knows

        result = await asyncio.to_thread(CliRunner().invoke, cli, ["inventory", "resync", str(world.listing_id)], env={
            "LIVESHOP_REDIS_URL": node.settings.redis_url, "LIVESHOP_REDIS_PREFIX": node.settings.redis_prefix,
        })
        assert result.exit_code == 0, result.output
        assert "2 Redis key(s) dropped" in result.output
        node.sold_out.clear(world.listing_id)  # or wait out the flag's TTL
        order, _ = await place(node, await user(node), world.listing_id)
        assert order.quantity == 1
        assert (await get_listing(node.db, listing_id=world.listing_id))["stock_left"] == 0
