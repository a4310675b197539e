"""Same-stack baselines: what the server costs before any rule runs.

- `POST /api/v1/bench/echo`: a FastAPI route parsing the order body, returning a constant
  (the baseline the issue defines: the framework's own per-request cost);
- `POST /api/v1/bench/echo-lean`: the same through an ASGI layer like the order hot path
  (orders/hot_path.py), so "orders ÷ lean echo" is what auth, idempotency, limits and the
  engine cost on top of the hot path's own floor.
"""

from __future__ import annotations

import time

from fastapi import APIRouter
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from liveshop.core.http import ServicesDep
from liveshop.orders.api import OrderIn
from liveshop.orders.hot_path import read_body

router = APIRouter(prefix="/api/v1/bench", tags=["bench"], include_in_schema=False)

LEAN_PATH = "/api/v1/bench/echo-lean"


class PublishIn(BaseModel):
    room_id: int = Field(ge=1)
    messages: int = Field(ge=0, le=10_000)


@router.post("/publish", status_code=202)
async def publish(body: PublishIn, services: ServicesDep) -> dict[str, int]:
    """Hands `messages` chat events to the room hub, as committed comments reach it, each
    stamped with its send time: the load of `liveshop bench fanout` (no database, no gate)."""
    now = time.time()
    for _ in range(body.messages):
        _published[0] += 1
        services.hub.publish(body.room_id, {
            "type": "comment", "id": _published[0], "user": {"id": 1, "name": "bench"}, "text": "bench message",
            "staff": None, "buyer": False, "fan": False, "sent_at": now,
        })
    return {"published": body.messages}


_published = [10**12]  # ids above any real comment's


@router.post("/echo", status_code=201)
async def echo(body: OrderIn) -> dict[str, bool]:
    """Parses the order body exactly as POST /api/v1/orders does, then returns a constant."""
    return {"ok": True}


class LeanEcho:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != LEAN_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body, replay = await read_body(receive)
        try:
            OrderIn.model_validate_json(body or b"")
        except ValidationError:
            response = Response(b'{"ok":false}', status_code=422, media_type="application/json")
        else:
            response = Response(b'{"ok":true}', status_code=201, media_type="application/json")
        await response(scope, replay, send)
