"""Database access: one async engine, Core tables, one transaction per command.

SQLite (the embedded default) runs in WAL mode; write transactions start with
BEGIN IMMEDIATE so two writers never deadlock upgrading a read lock.
PostgreSQL runs at READ COMMITTED; stock changes are conditional updates.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments an INTEGER PRIMARY KEY.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


Listener = Callable[[int | None, dict[str, Any]], None]


@dataclass
class Tx:
    """One unit of work: a connection inside a transaction plus the room events it
    will publish once (and only if) it commits."""

    conn: AsyncConnection
    # (room id, event) for the room channel, or (None, event) for in-process listeners only.
    _after_commit: list[tuple[int | None, dict[str, Any]]] = field(default_factory=list)

    def publish_on_commit(self, room_id: int, event: dict[str, Any]) -> None:
        self._after_commit.append((room_id, event))

    def notify_on_commit(self, event: dict[str, Any]) -> None:
        """An internal domain event for in-process listeners (never sent to clients)."""
        self._after_commit.append((None, event))


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # hide_parameters: SQL errors and echo never print values (stream keys, token digests).
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
            if ":memory:" in url:
                raise ValueError("use a file for SQLite; each connection would see its own :memory:")
        else:
            kwargs.update(pool_size=20, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        # Called after each commit with (room id, event) — the room hub, the stock engine,
        # the sold-out flags — or (None, event) for internal events no client sees.
        self.listeners: list[Listener] = []
        # SQLite has one writer. Queueing writers here, in order, beats letting them collide
        # in SQLite's busy handler, which sleeps 1, 2, 5, 10... ms between retries.
        self._sqlite_writer = asyncio.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            _configure_sqlite(self.engine)

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[Tx]:
        """Commit on success, roll back on any exception; publish queued events after commit."""
        async with contextlib.AsyncExitStack() as stack:
            if self._sqlite_writer is not None and write:
                await stack.enter_async_context(self._sqlite_writer)
            conn = await stack.enter_async_context(self.engine.connect())
            if self.is_sqlite and write:
                conn = await conn.execution_options(liveshop_immediate=True)
            async with conn.begin():
                tx = Tx(conn)
                yield tx
            # Committed. No await from here until listeners have run, so in-process state
            # (the stock engine) learns of the change before any other task can act on it.
            for room_id, ev in tx._after_commit:
                self.dispatch(room_id, ev)

    def dispatch(self, room_id: int | None, event: dict[str, Any]) -> None:
        """Hand a committed change to the listeners (for writes made outside `transaction`)."""
        for listener in self.listeners:
            listener(room_id, event)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to issue.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("liveshop_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def conflict_insert(conn: AsyncConnection, table: Table) -> Any:
    """An INSERT that can take ON CONFLICT clauses, for the backend `conn` talks to."""
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
