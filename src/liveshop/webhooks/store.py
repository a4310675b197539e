"""Merchants' webhook endpoints and the outbox of deliveries to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, metadata

endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("shop_id", IdType, ForeignKey("shops.id", ondelete="CASCADE"), nullable=False),
    Column("url", String(500), nullable=False),
    # Signs what we send (HMAC-SHA256); shown to the merchant once, never logged.
    Column("secret", String(64), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_webhook_endpoints_shop_id", "shop_id"),
)

deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("endpoint_id", IdType, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", String(40), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("delivered_at", UTCDateTime(), nullable=True),
    Column("failed_at", UTCDateTime(), nullable=True),
    Column("last_error", String(200), nullable=True),
    UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_id_event_id"),
    Index("ix_webhook_deliveries_due", "delivered_at", "failed_at", "next_attempt_at"),
)


async def insert_endpoint(conn: AsyncConnection, **values: Any) -> dict[str, Any]:
    row = (await conn.execute(insert(endpoints).values(**values).returning(*endpoints.c))).one()
    return dict(row._mapping)


async def endpoints_of(conn: AsyncConnection, shop_id: int, *, active_only: bool = False) -> list[dict[str, Any]]:
    query = select(endpoints).where(endpoints.c.shop_id == shop_id)
    if active_only:
        query = query.where(endpoints.c.active.is_(True))
    return [dict(r._mapping) for r in await conn.execute(query.order_by(endpoints.c.id))]


async def deactivate(conn: AsyncConnection, shop_id: int, endpoint_id: int) -> bool:
    result = await conn.execute(update(endpoints).where(endpoints.c.id == endpoint_id, endpoints.c.shop_id == shop_id,
                                                        endpoints.c.active.is_(True)).values(active=False))
    return result.rowcount == 1


async def enqueue(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(insert(deliveries), rows)


async def claim_due(conn: AsyncConnection, now: datetime, lease_until: datetime, limit: int) -> list[dict[str, Any]]:
    """Lease up to `limit` due deliveries to this node (a conditional update: one node each)."""
    due = (
        select(deliveries.c.id)
        .where(deliveries.c.delivered_at.is_(None), deliveries.c.failed_at.is_(None),
               deliveries.c.next_attempt_at <= now)
        .order_by(deliveries.c.next_attempt_at)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = [r for (r,) in (await conn.execute(due)).all()]
    if not ids:
        return []
    claimed = (await conn.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(ids), deliveries.c.delivered_at.is_(None), deliveries.c.next_attempt_at <= now)
        .values(next_attempt_at=lease_until, attempts=deliveries.c.attempts + 1)
        .returning(deliveries.c.id, deliveries.c.endpoint_id, deliveries.c.event_id, deliveries.c.event_type,
                   deliveries.c.payload, deliveries.c.attempts)
    )).all()
    urls = {r.id: (r.url, r.secret) for r in await conn.execute(
        select(endpoints.c.id, endpoints.c.url, endpoints.c.secret).where(
            endpoints.c.id.in_({c.endpoint_id for c in claimed})))}
    return [dict(c._mapping) | {"url": urls[c.endpoint_id][0], "secret": urls[c.endpoint_id][1]} for c in claimed]


async def record_outcome(conn: AsyncConnection, delivery_id: int, *, delivered_at: datetime | None = None,
                         retry_at: datetime | None = None, failed_at: datetime | None = None,
                         error: str | None = None) -> None:
    values: dict[str, Any] = {"last_error": error}
    if delivered_at is not None:
        values["delivered_at"] = delivered_at
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    if failed_at is not None:
        values["failed_at"] = failed_at
    await conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))


async def deliveries_of(conn: AsyncConnection, shop_id: int, limit: int) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(deliveries, endpoints.c.url).join(endpoints, endpoints.c.id == deliveries.c.endpoint_id)
        .where(endpoints.c.shop_id == shop_id).order_by(deliveries.c.id.desc()).limit(limit)
    )
    return [dict(r._mapping) for r in rows]
