"""Polls: the crew opens and closes them; viewers vote once; results are live."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from liveshop.core.http import CurrentUser, OptionalUser, ServicesDep
from liveshop.core.validation import Body, Id, PathId, StrictInt, Text
from liveshop.polls import service

router = APIRouter(prefix="/api/v1", tags=["polls"])


class PollIn(Body):
    question: Text(200)  # type: ignore[valid-type]
    options: list[Text(80)] = Field(min_length=2, max_length=10)  # type: ignore[valid-type]
    # In a live room (announced there) or, without it, a feature vote on its own page.
    room_id: Id | None = None
    closes_in_seconds: StrictInt | None = Field(default=None, ge=10, le=30 * 86_400)


class VoteIn(Body):
    option_id: Id


class OptionOut(BaseModel):
    id: int
    label: str
    votes: int


class PollOut(BaseModel):
    id: int
    shop_id: int
    room_id: int | None
    question: str
    status: str
    closes_at: datetime | None
    total_votes: int
    options: list[OptionOut]
    my_vote: int | None


@router.post("/shops/{shop_id}/polls", status_code=201, response_model=PollOut)
async def create_poll(shop_id: PathId, body: PollIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.create_poll(services.db, user=user, shop_id=shop_id, question=body.question,
                                     labels=body.options, room_id=body.room_id,
                                     closes_in_seconds=body.closes_in_seconds, now=services.clock.now())


@router.get("/polls/{poll_id}", response_model=PollOut)
async def get_poll(poll_id: PathId, user: OptionalUser, services: ServicesDep) -> dict[str, Any]:
    return await service.get_poll(services.db, poll_id=poll_id, user=user)


@router.get("/rooms/{room_id}/polls", response_model=list[PollOut])
async def room_polls(room_id: PathId, user: OptionalUser, services: ServicesDep) -> list[dict[str, Any]]:
    """The room's open polls (a page loading the room shows them; then the channel keeps them live)."""
    return await service.room_polls(services.db, room_id=room_id, user=user)


@router.post("/polls/{poll_id}/votes", status_code=201, response_model=PollOut)
async def vote(poll_id: PathId, body: VoteIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """One vote per viewer; a second gets 409 `already_voted` with the option chosen."""
    return await service.vote(services.db, user=user, poll_id=poll_id, option_id=body.option_id,
                              now=services.clock.now())


@router.post("/polls/{poll_id}/close", response_model=PollOut)
async def close_poll(poll_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.close_poll(services.db, user=user, poll_id=poll_id, now=services.clock.now())
