from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from liveshop.core.http import CurrentUser, OptionalUser, ServicesDep, request_origin
from liveshop.core.validation import MAX_ID, Body, Id, PathId, StrictInt, Text
from liveshop.engagement import service

router = APIRouter(prefix="/api/v1", tags=["engagement"])


class CommentIn(Body):
    text: Text(service.MAX_COMMENT_CHARS)  # type: ignore[valid-type]


class LikeIn(Body):
    count: StrictInt = Field(default=1, ge=1, le=100)


class CommentAuthor(BaseModel):
    id: int
    name: str


class CommentOut(BaseModel):
    id: int
    user: CommentAuthor
    text: str
    staff: str | None
    buyer: bool = False
    fan: bool = False
    fan_level: int | None = None
    at: str


class FollowOut(BaseModel):
    following: bool
    followers: int
    real_followers: int  # without accounts trust & safety flagged (open or confirmed)


class ReservationOut(BaseModel):
    reserved: bool
    reservations: int


@router.post("/rooms/{room_id}/comments", status_code=201, response_model=CommentOut)
async def post_comment(room_id: PathId, body: CommentIn, user: CurrentUser, services: ServicesDep,
                       request: Request) -> dict[str, Any]:
    """Chat. Refused with a reason when the author is muted or banned, the room is in
    followers-only or slow mode, messages come too fast, or the text contains a banned word."""
    services.sightings.saw(user.id, "comment", request_origin(request))
    return await service.post_comment(
        services.db, services.moderation, user=user, room_id=room_id, text=body.text, now=services.clock.now()
    )


@router.get("/rooms/{room_id}/comments", response_model=list[CommentOut])
async def recent_comments(
    room_id: PathId, services: ServicesDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[dict[str, Any]]:
    return await service.recent_comments(services.db, room_id=room_id, limit=limit)


@router.post("/rooms/{room_id}/likes")
async def like(room_id: PathId, body: LikeIn, user: CurrentUser, services: ServicesDep) -> dict[str, int]:
    """Likes are counters: they reach viewers aggregated, once per tick."""
    likes = await service.like(services.db, user=user, room_id=room_id, count=body.count,
                               add_likes=services.hub.add_likes, now=services.clock.now())
    return {"likes": likes}


@router.post("/rooms/{room_id}/watch")
async def watch_beat(room_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, int]:
    """Heartbeat of a signed-in viewer watching the live show (every `beat_every_seconds`).
    Watch time counts towards lucky-bag conditions; beats faster than the clock earn nothing."""
    return await service.watch_beat(services.db, user=user, room_id=room_id, now=services.clock.now())


@router.post("/rooms/{room_id}/reservations", status_code=201, response_model=ReservationOut)
async def reserve(room_id: PathId, user: CurrentUser, services: ServicesDep) -> ReservationOut:
    _, count = await service.reserve_show(services.db, user=user, room_id=room_id, now=services.clock.now())
    return ReservationOut(reserved=True, reservations=count)


@router.get("/rooms/{room_id}/reservations", response_model=ReservationOut)
async def reservation_state(room_id: PathId, user: OptionalUser, services: ServicesDep) -> ReservationOut:
    mine, count = await service.reservation_state(services.db, user=user, room_id=room_id)
    return ReservationOut(reserved=mine, reservations=count)


@router.post("/shops/{shop_id}/follow", response_model=FollowOut)
async def follow(
    shop_id: PathId, user: CurrentUser, services: ServicesDep, request: Request,
    room_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="the room the viewer follows from")] = None,
) -> dict[str, Any]:
    """Follow a shop. Follows per account, device and address are limited (429 `too_many_follows`)."""
    origin = request_origin(request)
    await services.guards.check("follow", now=services.clock.now().timestamp(), account=user.id, **origin)
    services.sightings.saw(user.id, "follow", origin)
    return await service.follow_shop(services.db, user=user, shop_id=shop_id, follow=True, room_id=room_id,
                                     now=services.clock.now())


@router.delete("/shops/{shop_id}/follow", response_model=FollowOut)
async def unfollow(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.follow_shop(services.db, user=user, shop_id=shop_id, follow=False, now=services.clock.now())


@router.get("/shops/{shop_id}/follow", response_model=FollowOut)
async def follow_state(shop_id: PathId, user: OptionalUser, services: ServicesDep) -> dict[str, Any]:
    return await service.follow_state(services.db, user=user, shop_id=shop_id)


class InboxItem(BaseModel):
    id: int
    kind: str
    room_id: int | None
    title: str
    link: str
    created_at: datetime
    read_at: datetime | None


class InboxOut(BaseModel):
    unread: int
    items: list[InboxItem]


class ReadIn(Body):
    # None: everything
    ids: list[Id] | None = Field(default=None, max_length=200)


class UnreadOut(BaseModel):
    unread: int


@router.get("/me/inbox", response_model=InboxOut)
async def my_inbox(user: CurrentUser, services: ServicesDep,
                   limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """Reminders (a reserved show went live) and other notices, newest first, with the unread count."""
    return await service.my_inbox(services.db, user=user, limit=limit)


@router.post("/me/inbox/read", response_model=UnreadOut)
async def read_inbox(body: ReadIn, user: CurrentUser, services: ServicesDep) -> dict[str, int]:
    return await service.read_inbox(services.db, user=user, ids=body.ids, now=services.clock.now())
