from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, StringConstraints

from liveshop.core.auth import service
from liveshop.core.auth.store import User
from liveshop.core.http import SESSION_COOKIE, CurrentUser, ServicesDep, request_origin
from liveshop.core.validation import Body, Text

router = APIRouter(prefix="/api/v1", tags=["accounts"])

Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]{3,32}$")]
Password = Text(128, min_length=8)


class SignUp(Body):
    username: Username
    password: Password  # type: ignore[valid-type]


class LogIn(Body):
    username: Text(64)  # type: ignore[valid-type]
    password: Text(128)  # type: ignore[valid-type]


class UserOut(BaseModel):
    id: int
    username: str
    role: str


class SessionOut(BaseModel):
    token: str
    user: UserOut


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, role=user.role)


@router.post("/users", status_code=201, response_model=UserOut)
async def sign_up(body: SignUp, request: Request, services: ServicesDep) -> UserOut:
    """Sign up. Sign-ups per address and device are limited (429 `too_many_signups`)."""
    await services.guards.check("signup", now=services.clock.now().timestamp(), **request_origin(request))
    user = await service.sign_up(
        services.db,
        username=body.username,
        password=body.password,
        passwords=services.passwords,
        now=services.clock.now(),
    )
    services.sightings.saw(user.id, "signup", request_origin(request))
    return user_out(user)


@router.post("/sessions", status_code=201, response_model=SessionOut)
async def log_in(body: LogIn, services: ServicesDep, request: Request, response: Response) -> SessionOut:
    """Returns a bearer token; also sets it as an HttpOnly cookie for the pages."""
    token, user = await service.log_in(
        services.db,
        username=body.username,
        password=body.password,
        passwords=services.passwords,
        now=services.clock.now(),
        ttl_seconds=services.settings.session_ttl,
        signing_key=services.signing_key,
    )
    services.sightings.saw(user.id, "login", request_origin(request))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=services.settings.session_ttl,
        httponly=True,
        samesite="lax",
        secure=services.settings.env == "production",
    )
    return SessionOut(token=token, user=user_out(user))


@router.delete("/sessions", status_code=204)
async def log_out(request: Request, user: CurrentUser, services: ServicesDep) -> Response:
    header = request.headers.get("authorization", "")
    token = header.partition(" ")[2].strip() or request.cookies.get(SESSION_COOKIE, "")
    await service.log_out(
        services.db, token=token, now=services.clock.now(), cache=services.sessions,
        revocations=services.revocations,
    )
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/me", response_model=UserOut)
async def me(user: CurrentUser) -> UserOut:
    return user_out(user)
