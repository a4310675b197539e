"""Guess-the-product campaigns before a launch show."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from liveshop.campaigns import service
from liveshop.core.http import CurrentUser, OptionalUser, ServicesDep
from liveshop.core.validation import Body, Id, PathId, StrictInt, Text

router = APIRouter(prefix="/api/v1", tags=["campaigns"])


class HintIn(Body):
    text: Text(200)  # type: ignore[valid-type]
    show_after_minutes: StrictInt = Field(default=0, ge=0, le=60 * 24 * 60)


class CampaignIn(Body):
    room_id: Id  # the launch show viewers are asked to reserve
    title: Text(80)  # type: ignore[valid-type]
    teaser: Text(500, min_length=0) = ""  # type: ignore[valid-type]
    answer: Text(80)  # type: ignore[valid-type]
    accepted_answers: list[Text(80)] = Field(default_factory=list, max_length=20)  # type: ignore[valid-type]
    hints: list[HintIn] = Field(default_factory=list, max_length=20)
    reveal_in_minutes: StrictInt | None = Field(default=None, ge=1, le=60 * 24 * 60)


class GuessIn(Body):
    guess: Text(80)  # type: ignore[valid-type]


@router.post("/shops/{shop_id}/campaigns", status_code=201)
async def create(shop_id: PathId, body: CampaignIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.create(
        services.db, user=user, shop_id=shop_id, room_id=body.room_id, title=body.title, teaser=body.teaser,
        answer=body.answer, aliases=body.accepted_answers,
        hints=[(h.text, h.show_after_minutes) for h in body.hints], reveal_in_minutes=body.reveal_in_minutes,
        now=services.clock.now())


@router.get("/campaigns/{campaign_id}")
async def get(campaign_id: PathId, user: OptionalUser, services: ServicesDep) -> dict[str, Any]:
    return await service.get(services.db, campaign_id=campaign_id, user=user, now=services.clock.now())


@router.post("/campaigns/{campaign_id}/guesses", status_code=201)
async def guess(campaign_id: PathId, body: GuessIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """One guess each, until the reveal; whether it was right shows after the reveal."""
    return await service.guess(services.db, user=user, campaign_id=campaign_id, text=body.guess,
                               now=services.clock.now())


@router.post("/campaigns/{campaign_id}/reveal")
async def reveal(campaign_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.reveal(services.db, user=user, campaign_id=campaign_id, now=services.clock.now())


@router.get("/campaigns/{campaign_id}/funnel")
async def funnel(campaign_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """For the crew: views → guesses → reservations of the launch show → buyers in it."""
    return await service.funnel(services.db, user=user, campaign_id=campaign_id)
