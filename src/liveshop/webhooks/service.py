"""Signed webhooks to the merchant's own systems: SMS or WeChat gateways plug in here.

Events are written to an outbox (`webhook_deliveries`) in the same transaction as the change
they report, so an event exists if and only if its change committed. A worker on every node
leases due deliveries (one node each), POSTs them, and retries failures with exponential
back-off; a receiver may see an event more than once (a timeout after it was processed) and
de-duplicates by `Liveshop-Event-Id`.

Signature: `Liveshop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.catalog.access import MERCHANT_ONLY, access_shop
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.core.errors import NotFound
from liveshop.webhooks import store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
LEASE_SECONDS = 60
MAX_BACKOFF_SECONDS = 3600


class EndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"
    title = "No such webhook endpoint"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def endpoint_view(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "shop_id", "url", "active", "created_at")}


async def add_endpoint(db: Database, *, user: User, shop_id: int, url: str, now: datetime) -> dict[str, Any]:
    """Register a URL; the answer carries its signing secret, the only time it is shown."""
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        row = await store.insert_endpoint(tx.conn, shop_id=shop_id, url=url, secret=secrets.token_hex(32),
                                          active=True, created_at=now)
        return endpoint_view(row) | {"secret": row["secret"]}


async def list_endpoints(db: Database, *, user: User, shop_id: int) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        return [endpoint_view(r) for r in await store.endpoints_of(tx.conn, shop_id)]


async def remove_endpoint(db: Database, *, user: User, shop_id: int, endpoint_id: int) -> None:
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        if not await store.deactivate(tx.conn, shop_id, endpoint_id):
            raise EndpointNotFound()


async def recent_deliveries(db: Database, *, user: User, shop_id: int, limit: int) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        return [{k: r[k] for k in ("id", "url", "event_id", "event_type", "attempts", "created_at", "delivered_at",
                                   "failed_at", "last_error")} for r in await store.deliveries_of(tx.conn, shop_id, limit)]


async def enqueue_event(conn: AsyncConnection, *, shop_id: int, event_type: str, data: dict[str, Any],
                        now: datetime) -> str | None:
    """Queue an event for every active endpoint of the shop, inside the caller's transaction."""
    targets = await store.endpoints_of(conn, shop_id, active_only=True)
    if not targets:
        return None
    event_id = "evt_" + secrets.token_hex(12)
    payload = {"id": event_id, "type": event_type, "created_at": now.isoformat(), "data": data}
    await store.enqueue(conn, [
        {"endpoint_id": t["id"], "event_id": event_id, "event_type": event_type, "payload": payload,
         "created_at": now, "attempts": 0, "next_attempt_at": now}
        for t in targets
    ])
    return event_id


async def deliver_due(db: Database, http: httpx.AsyncClient, *, now: datetime, limit: int = 50) -> int:
    """One round of the delivery worker: lease what is due, POST it, record each outcome."""
    async with db.transaction() as tx:
        leased = await store.claim_due(tx.conn, now, now + timedelta(seconds=LEASE_SECONDS), limit)

    async def send(delivery: dict[str, Any]) -> None:
        body = orjson.dumps(delivery["payload"])
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            "Liveshop-Event-Id": delivery["event_id"],
            "Liveshop-Event-Type": delivery["event_type"],
            "Liveshop-Signature": f"t={timestamp},v1={sign(delivery['secret'], timestamp, body)}",
        }
        try:
            response = await http.post(delivery["url"], content=body, headers=headers)
            error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = type(exc).__name__
        async with db.transaction() as tx:
            if error is None:
                await store.record_outcome(tx.conn, delivery["id"], delivered_at=now)
            elif delivery["attempts"] >= MAX_ATTEMPTS:
                log.warning("webhook %s to endpoint %s given up: %s", delivery["event_id"], delivery["endpoint_id"], error)
                await store.record_outcome(tx.conn, delivery["id"], failed_at=now, error=error)
            else:
                backoff = min(MAX_BACKOFF_SECONDS, 2 ** delivery["attempts"])
                await store.record_outcome(tx.conn, delivery["id"], retry_at=now + timedelta(seconds=backoff),
                                           error=error)

    await asyncio.gather(*(send(d) for d in leased))
    return len(leased)
