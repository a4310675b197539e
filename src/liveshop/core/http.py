"""HTTP edge: services and caller as dependencies, body limits, problem+json rendering."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveshop.bootstrap import Services
from liveshop.core.auth import service as auth_service
from liveshop.core.auth.errors import CsrfHeaderMissing
from liveshop.core.auth.store import User
from liveshop.core.errors import PROBLEM_JSON, LiveshopError, NotAuthenticated, PayloadTooLarge

log = logging.getLogger(__name__)

SESSION_COOKIE = "liveshop_session"
CSRF_HEADER = "x-liveshop-csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_services(request: Request) -> Services:
    # async on purpose: FastAPI runs a plain `def` dependency in a thread pool, a thread hop
    # on every request (seen in a py-spy profile of the flash-sale route).
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def _token_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        # A page's session cookie rides along on cross-site requests too; a custom header
        # cannot be sent cross-site without a CORS preflight, which we never grant.
        if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != "1":
            raise CsrfHeaderMissing()
        return cookie
    return None


async def optional_user(request: Request, services: ServicesDep) -> User | None:
    token = _token_from(request)
    if not token:
        return None
    return await auth_service.authenticate(
        services.db, token=token, now=services.clock.now(), cache=services.sessions
    )


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise NotAuthenticated()
    return user


async def current_buyer_id(request: Request, services: ServicesDep) -> int:
    """The caller's user id for the hot order route: a signed token is checked by signature
    and the revocation list, with no database read; other tokens take the usual lookup."""
    token = _token_from(request)
    if token:
        user_id = auth_service.user_id_from_signature(
            token, signing_key=services.signing_key, revocations=services.revocations, now=services.clock.now()
        )
        if user_id is not None:
            return user_id
        user = await auth_service.authenticate(
            services.db, token=token, now=services.clock.now(), cache=services.sessions
        )
        if user is not None:
            return user.id
    raise NotAuthenticated()


def viewer_id(services: Services, token: str | None) -> int | None:
    """Who is watching a room channel, from a signed session token (cookie), without the
    database: their own orders' events go to them. None for guests and unknown tokens."""
    if not token:
        return None
    return auth_service.user_id_from_signature(
        token, signing_key=services.signing_key, revocations=services.revocations, now=services.clock.now()
    )


CurrentUser = Annotated[User, Depends(current_user)]
CurrentBuyerId = Annotated[int, Depends(current_buyer_id)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


class ORJSONResponse(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=body["status"], media_type=PROBLEM_JSON, headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LiveshopError)
    async def _liveshop(request: Request, exc: LiveshopError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if "retry_after_seconds" in exc.data:
            headers = {"Retry-After": str(exc.data["retry_after_seconds"])}
        return problem_response(exc.problem(request.url.path), headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")}
            for e in exc.errors()[:20]
        ]
        return problem_response(
            {
                "type": "urn:liveshop:problem:validation_error",
                "title": "The request is not valid",
                "status": 422,
                "detail": "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)[:1000],
                "code": "validation_error",
                "instance": request.url.path,
                "errors": errors,
            }
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
        return problem_response(
            {
                "type": f"urn:liveshop:problem:{codes.get(exc.status_code, 'http_error')}",
                "title": str(exc.detail),
                "status": exc.status_code,
                "detail": str(exc.detail),
                "code": codes.get(exc.status_code, "http_error"),
                "instance": request.url.path,
            },
            dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            {
                "type": "urn:liveshop:problem:internal_error",
                "title": "Internal error",
                "status": 500,
                "detail": "Something went wrong on our side; it has been logged.",
                "code": "internal_error",
            }
        )


class BodySizeLimit:
    """Refuse request bodies above `max_bytes` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        too_large = PayloadTooLarge(f"Bodies are limited to {self.max_bytes} bytes")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await problem_response(too_large.problem(scope.get("path")))(scope, receive, send)
            return
        # Read the body up front (bounded), then replay it: the limit holds for chunked
        # uploads too, and the route never sees a partial body.
        chunks: list[bytes] = []
        seen = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # client went away; let the app see it
                return
            body = message.get("body", b"")
            seen += len(body)
            if seen > self.max_bytes:
                await problem_response(too_large.problem(scope.get("path")))(scope, receive, send)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


DEVICE_HEADER = "X-Device-Id"


def request_origin(request: HTTPConnection) -> dict[str, str | None]:
    """Where a request comes from, for limits per address and device: the connection's peer
    address and the device (an app's `X-Device-Id`, else the browser's guest cookie); for
    trust & safety's guards and sightings. Works for WebSockets too."""
    from liveshop.core.ids import GUEST_COOKIE

    device = request.headers.get(DEVICE_HEADER) or request.cookies.get(GUEST_COOKIE)
    return {"ip": request.client.host if request.client else None, "device": device[:128] if device else None}
