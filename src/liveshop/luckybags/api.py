"""Lucky bags: the crew launches and (optionally) draws them; viewers enter; anyone verifies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from liveshop.core.http import CurrentUser, OptionalUser, ServicesDep
from liveshop.core.validation import Body, Id, PathId, StrictInt, Text
from liveshop.luckybags import service

router = APIRouter(prefix="/api/v1", tags=["lucky bags"])


class PrizeIn(Body):
    kind: Literal["product", "coupon"]
    product_id: Id | None = None  # a product of the shop: its stock is set aside for the winners
    offer_id: Id | None = None  # one of the shop's coupon offers
    count: StrictInt = Field(ge=1, le=1000)  # how many winners


class ConditionsIn(Body):
    follow: bool = False
    keyword: Text(30) | None = None  # type: ignore[valid-type]  # sent to the chat when entering
    watch_minutes: StrictInt = Field(default=0, ge=0, le=240)


class LuckyBagIn(Body):
    title: Text(60)  # type: ignore[valid-type]
    prize: PrizeIn
    duration_seconds: StrictInt = Field(ge=10, le=3600)
    conditions: ConditionsIn = ConditionsIn()


class PrizeOut(BaseModel):
    kind: str
    title: str
    count: int


class ConditionsOut(BaseModel):
    follow: bool
    keyword: str | None
    watch_minutes: int


class MyEntryOut(BaseModel):
    entered: bool
    won: bool
    order_id: int | None
    coupon_id: int | None


class LuckyBagOut(BaseModel):
    id: int
    room_id: int
    shop_id: int
    title: str
    prize: PrizeOut
    conditions: ConditionsOut
    status: str
    entrants: int
    commitment: str  # sha256 of the seed, published when the bag opens
    seed: str | None  # revealed at the draw
    opened_at: datetime
    draws_at: datetime
    drawn_at: datetime | None
    me: MyEntryOut | None = None


class DrawRecordOut(BaseModel):
    algorithm: str
    bag_id: int
    room_id: int
    title: str
    commitment: str
    seed: str
    prize_count: int
    entrants: list[int]
    entrants_digest: str
    winners: list[int]
    drawn_at: datetime


@router.post("/rooms/{room_id}/lucky-bags", status_code=201, response_model=LuckyBagOut)
async def launch(room_id: PathId, body: LuckyBagIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Launch a lucky bag in the live show; the room sees it with its commitment at once."""
    prize = body.prize
    return await service.launch(
        services.db, user=user, room_id=room_id, title=body.title, prize_kind=prize.kind,
        product_id=prize.product_id, offer_id=prize.offer_id, prize_count=prize.count,
        duration_seconds=body.duration_seconds, need_follow=body.conditions.follow,
        keyword=body.conditions.keyword, watch_minutes=body.conditions.watch_minutes, now=services.clock.now(),
    )


@router.get("/rooms/{room_id}/lucky-bags", response_model=list[LuckyBagOut])
async def room_bags(room_id: PathId, user: OptionalUser, services: ServicesDep) -> list[dict[str, Any]]:
    return await service.room_bags(services.db, room_id=room_id, user=user)


@router.get("/lucky-bags/{bag_id}", response_model=LuckyBagOut)
async def get_bag(bag_id: PathId, user: OptionalUser, services: ServicesDep) -> dict[str, Any]:
    return await service.get_bag(services.db, bag_id=bag_id, user=user)


@router.post("/lucky-bags/{bag_id}/entries", response_model=LuckyBagOut)
async def enter(bag_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Enter the draw (entering twice is harmless). Refused with the condition not met yet."""
    return await service.enter(services.db, services.moderation, user=user, bag_id=bag_id,
                               now=services.clock.now())


@router.post("/lucky-bags/{bag_id}/draw", response_model=DrawRecordOut)
async def draw_now(bag_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.draw_now(services.db, user=user, bag_id=bag_id, now=services.clock.now())


@router.get("/lucky-bags/{bag_id}/draw", response_model=DrawRecordOut)
async def draw_record(bag_id: PathId, services: ServicesDep) -> dict[str, Any]:
    """The public record of a draw: recompute the winners from `seed` and `entrants` (see
    `liveshop verify-draw`); 409 `lucky_bag_not_drawn` until it is drawn."""
    return await service.draw_record(services.db, bag_id=bag_id)
