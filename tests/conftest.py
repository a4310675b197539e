"""Test fixtures. Every `backend` test runs on SQLite and on the real PostgreSQL.

Under CI=true an unreachable PostgreSQL fails the run; locally those tests skip, saying why.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from liveshop.app import create_app
from liveshop.bootstrap import Services, build_services
from liveshop.core.clock import FrozenClock
from liveshop.core.config import Settings
from liveshop.core.db import Database
from liveshop.core.migrate import upgrade
from liveshop.models import metadata

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_SERVER_URL = os.environ.get(
    "LIVESHOP_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("LIVESHOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
_redis_checked: list[str] = []


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_redis() -> str:
    """The shared Redis server's URL; fails under CI and skips locally when it is down."""
    if not _redis_checked:
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError as exc:
            _unavailable(f"Redis unreachable at {REDIS_URL}: {exc}")
        _redis_checked.append(REDIS_URL)
    return REDIS_URL


def engine_settings(inventory: str) -> dict[str, object]:
    """Settings for a stock engine; each redis test gets key names of its own."""
    if inventory != "redis":
        return {"inventory_backend": inventory}
    return {"inventory_backend": "redis", "redis_url": require_redis(),
            "redis_prefix": f"lstest:{uuid.uuid4().hex[:10]}:"}


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "liveshop.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A scratch database on the PostgreSQL server, migrated once, dropped at the end."""
    name = f"liveshop_test_{uuid.uuid4().hex[:10]}"
    base, _, _ = PG_SERVER_URL.rpartition("/")
    url = f"{base}/{name}"

    async def create() -> None:
        engine = create_async_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await engine.dispose()
        await _migrate(url)

    async def drop() -> None:
        engine = create_async_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            await engine.dispose()

    try:
        asyncio.run(create())
    except (OSError, ConnectionError) as exc:
        _unavailable(f"PostgreSQL unreachable at {PG_SERVER_URL}: {exc}")
    except Exception as exc:  # asyncpg raises its own errors for refused auth etc.
        _unavailable(f"PostgreSQL not usable at {PG_SERVER_URL}: {exc!r}")
    yield url
    asyncio.run(drop())


async def _truncate_postgres(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        path = tmp_path / "liveshop.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    asyncio.run(_truncate_postgres(url))
    return url


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = dict(
        env="test",
        database_url=database_url,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        auto_migrate=False,
        tick_seconds=0.05,
        expiry_sweep_interval=3600,  # tests expire orders explicitly, with their own clock
        reminder_sweep_interval=3600,  # ... and send show reminders explicitly
        webhook_delivery_interval=3600,  # ... and deliver webhooks explicitly
        guards=False,  # tests sign up hundreds of accounts from one address; tests/trust turns them on
        secret_key="test-secret-key-0123456789-abcdefghij",
    )
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def inventory() -> str:
    """The stock engine; the order-path test packages run every test on each of them."""
    return "sql"


@pytest.fixture
async def services(database_url: str, clock: FrozenClock, inventory: str) -> AsyncIterator[Services]:
    built = build_services(make_settings(database_url, **engine_settings(inventory)), clock=clock)
    if built.engine:
        built.engine.start()
    yield built
    if built.engine:
        await built.engine.stop()
    await built.db.dispose()


@pytest.fixture
async def client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(services=services)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


class ServerThread:
    """A real uvicorn server on a free loopback port, in a thread of its own."""

    def __init__(self, settings: Settings, clock: FrozenClock | None = None) -> None:
        import socket
        import threading

        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.app = create_app(services=build_services(settings, clock=clock))
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        import time

        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def live_server(database_url: str, inventory: str) -> Iterator[ServerThread]:
    settings = make_settings(database_url, expiry_sweep_interval=0.5, reminder_sweep_interval=0.2,
                             webhook_delivery_interval=0.2,
                             **engine_settings(inventory))
    with ServerThread(settings) as server:
        yield server


@pytest.fixture
def gateway_server(database_url: str) -> Iterator[ServerThread]:
    """A live server that also serves the room channel on its own port (`server.channel`)."""
    from liveshop.bench.server import free_port

    port = free_port()
    with ServerThread(make_settings(database_url, channel_port=port)) as server:
        server.channel = f"ws://127.0.0.1:{port}"  # type: ignore[attr-defined]
        yield server
