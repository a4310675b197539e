"""POST /api/v1/orders without FastAPI's routing and dependency solving: the flash-sale
hot path.

In a rush most attempts end in "sold out" within microseconds of engine time, so per-request
framework cost (route matching over every route, dependency solving, the exception
middleware) is most of what a node spends. This ASGI layer answers the well-formed attempt
itself, calling the same auth dependency, body model and service as the FastAPI route; any
request it is not sure about (no or bad credentials, a body or header that does not
validate, another content type) goes on to that route, which gives the standard answer.
So the two cannot disagree on validation or errors; tests compare their answers.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveshop.bootstrap import Services
from liveshop.core.errors import LiveshopError
from liveshop.core.http import current_buyer_id, problem_response
from liveshop.orders import service
from liveshop.orders.api import IDEMPOTENCY_KEY, OrderIn
from liveshop.orders.service import order_view

PATH = "/api/v1/orders"


async def read_body(receive: Receive) -> tuple[bytes | None, Receive]:
    """The whole request body (None if the client went away) and a `receive` that replays it."""
    chunks = []
    while True:  # already bounded by BodySizeLimit, which sits outside these layers
        message = await receive()
        if message["type"] != "http.request":
            return None, receive
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _json_content(content_type: str | None) -> bool:
    if content_type is None:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json"


class HotOrderRoute:
    def __init__(self, app: ASGIApp, *, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body, replay = await read_body(receive)
        if body is None:
            await self.app(scope, replay, send)
            return
        response = await self._answer(Request(scope), body)
        if response is None:
            await self.app(scope, replay, send)  # the FastAPI route gives the standard answer
        else:
            await response(scope, replay, send)

    async def _answer(self, request: Request, body: bytes) -> Response | None:
        services = self.services
        try:
            buyer_id = await current_buyer_id(request, services)
        except LiveshopError:
            return None
        key = request.headers.get("idempotency-key")
        if key is None or not IDEMPOTENCY_KEY.match(key) or not _json_content(request.headers.get("content-type")):
            return None
        try:
            attempt = OrderIn.model_validate_json(body)
        except ValidationError:
            return None
        try:
            order, replayed = await service.place_order(
                services.db, buyer_id=buyer_id, listing_id=attempt.listing_id, quantity=attempt.quantity,
                idempotency_key=key, now=services.clock.now(), payment_timeout=services.settings.payment_timeout,
                engine=services.engine, sold_out=services.sold_out,
            )
        except LiveshopError as exc:
            return problem_response(exc.problem(PATH))
        headers = {"Idempotent-Replayed": "true"} if replayed else None
        return Response(_dumps(order_view(order)), status_code=201, media_type="application/json", headers=headers)


def _dumps(view: dict[str, Any]) -> bytes:
    # As the route's response model serialises: UTC datetimes end in "Z".
    return orjson.dumps(view, option=orjson.OPT_UTC_Z)
