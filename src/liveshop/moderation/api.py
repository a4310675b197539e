"""Moderation endpoints: for the shop's crew (merchant, host, operator) and platform admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from liveshop.core.http import CurrentUser, ServicesDep
from liveshop.core.validation import Body, Id, PathId, StrictInt, Text
from liveshop.moderation import service

router = APIRouter(prefix="/api/v1", tags=["moderation"])


class WordIn(Body):
    word: Text(64)  # type: ignore[valid-type]


class WordOut(BaseModel):
    id: int
    word: str
    shop_id: int | None
    created_at: datetime


class SanctionIn(Body):
    user_id: Id
    kind: Literal["mute", "ban"]
    # None: until lifted. Otherwise up to 30 days.
    minutes: StrictInt | None = Field(default=None, ge=1, le=43_200)
    reason: Text(200, min_length=0) = ""  # type: ignore[valid-type]
    # The room the moderator acts from: the action is announced there.
    room_id: Id | None = None


class SanctionOut(BaseModel):
    id: int
    shop_id: int
    user_id: int
    kind: str
    until: datetime | None
    reason: str
    created_at: datetime


class ChatModeIn(Body):
    slow_mode_seconds: StrictInt = Field(ge=0, le=300)
    followers_only: bool


class ChatModeOut(BaseModel):
    slow_mode_seconds: int
    followers_only: bool


class AuditOut(BaseModel):
    id: int
    shop_id: int | None
    room_id: int | None
    actor_id: int | None
    action: str
    target_user_id: int | None
    comment_id: int | None
    detail: dict[str, Any]
    created_at: datetime


Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/moderation/banned-words", response_model=list[WordOut])
async def platform_words(user: CurrentUser, services: ServicesDep) -> list[dict[str, Any]]:
    """The platform-wide list (admins)."""
    return await service.list_words(services.db, user=user, shop_id=None)


@router.post("/moderation/banned-words", status_code=201, response_model=WordOut)
async def add_platform_word(body: WordIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.add_word(services.db, services.moderation, user=user, shop_id=None, word=body.word,
                                  now=services.clock.now())


@router.delete("/moderation/banned-words/{word_id}", status_code=204)
async def remove_platform_word(word_id: PathId, user: CurrentUser, services: ServicesDep) -> Response:
    await service.remove_word(services.db, services.moderation, user=user, shop_id=None, word_id=word_id,
                              now=services.clock.now())
    return Response(status_code=204)


@router.get("/shops/{shop_id}/banned-words", response_model=list[WordOut])
async def shop_words(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> list[dict[str, Any]]:
    return await service.list_words(services.db, user=user, shop_id=shop_id)


@router.post("/shops/{shop_id}/banned-words", status_code=201, response_model=WordOut)
async def add_shop_word(shop_id: PathId, body: WordIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Matched in the shop's rooms, together with the platform's list, whatever the width,
    case, spaces or zero-width characters a viewer puts in the word."""
    return await service.add_word(services.db, services.moderation, user=user, shop_id=shop_id, word=body.word,
                                  now=services.clock.now())


@router.delete("/shops/{shop_id}/banned-words/{word_id}", status_code=204)
async def remove_shop_word(shop_id: PathId, word_id: PathId, user: CurrentUser, services: ServicesDep) -> Response:
    await service.remove_word(services.db, services.moderation, user=user, shop_id=shop_id, word_id=word_id,
                              now=services.clock.now())
    return Response(status_code=204)


@router.post("/shops/{shop_id}/sanctions", status_code=201, response_model=SanctionOut)
async def sanction(shop_id: PathId, body: SanctionIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Mute (no chat) or ban (no chat, no likes) a viewer in all the shop's rooms."""
    return await service.sanction(
        services.db, user=user, shop_id=shop_id, target_user_id=body.user_id, kind=body.kind, minutes=body.minutes,
        reason=body.reason, room_id=body.room_id, now=services.clock.now(),
    )


@router.get("/shops/{shop_id}/sanctions", response_model=list[SanctionOut])
async def active_sanctions(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> list[dict[str, Any]]:
    return await service.active(services.db, user=user, shop_id=shop_id, now=services.clock.now())


@router.delete("/shops/{shop_id}/sanctions/{sanction_id}", response_model=SanctionOut)
async def lift_sanction(shop_id: PathId, sanction_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.lift(services.db, user=user, shop_id=shop_id, sanction_id=sanction_id,
                              now=services.clock.now())


@router.delete("/rooms/{room_id}/comments/{comment_id}", status_code=204)
async def delete_comment(room_id: PathId, comment_id: PathId, user: CurrentUser, services: ServicesDep) -> Response:
    """Removes the message from the room's history and from every viewer's screen."""
    await service.delete_comment(services.db, user=user, room_id=room_id, comment_id=comment_id,
                                 now=services.clock.now())
    return Response(status_code=204)


@router.get("/rooms/{room_id}/chat-mode", response_model=ChatModeOut)
async def chat_mode(room_id: PathId, services: ServicesDep) -> dict[str, Any]:
    return await service.get_chat_mode(services.db, room_id=room_id)


@router.put("/rooms/{room_id}/chat-mode", response_model=ChatModeOut)
async def set_chat_mode(room_id: PathId, body: ChatModeIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Slow mode (seconds between one viewer's messages; 0 = off) and followers-only chat."""
    return await service.set_chat_mode(services.db, user=user, room_id=room_id,
                                       slow_mode_seconds=body.slow_mode_seconds, followers_only=body.followers_only,
                                       now=services.clock.now())


@router.get("/shops/{shop_id}/moderation/audit", response_model=list[AuditOut])
async def shop_audit(shop_id: PathId, user: CurrentUser, services: ServicesDep, limit: Limit = 100) -> list[dict[str, Any]]:
    """Every moderation action in the shop, newest first: who, what, to whom, when."""
    return await service.audit_log(services.db, user=user, shop_id=shop_id, limit=limit)


@router.get("/moderation/audit", response_model=list[AuditOut])
async def platform_audit(user: CurrentUser, services: ServicesDep, limit: Limit = 100) -> list[dict[str, Any]]:
    return await service.audit_log(services.db, user=user, shop_id=None, limit=limit)
