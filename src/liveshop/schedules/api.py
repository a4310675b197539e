"""Weekly show series: the merchant sets the slot; viewers subscribe to every show of it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StringConstraints

from liveshop.core.http import CurrentUser, OptionalUser, ServicesDep
from liveshop.core.validation import Body, PathId, StrictInt, Text
from liveshop.schedules import service

router = APIRouter(prefix="/api/v1", tags=["schedules"])


class SeriesIn(Body):
    title: Text(120)  # type: ignore[valid-type]
    description: Text(2000, min_length=0) = ""  # type: ignore[valid-type]
    weekday: StrictInt = Field(ge=0, le=6)  # 0 = Monday
    time_of_day: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
    timezone: Annotated[str, StringConstraints(max_length=64)] = "Asia/Shanghai"


class SeriesOut(BaseModel):
    id: int
    shop_id: int
    title: str
    description: str
    weekday: int
    time_of_day: str
    timezone: str
    status: str
    current_room_id: int  # the upcoming show
    subscribers: int
    subscribed: bool | None


@router.post("/shops/{shop_id}/series", status_code=201, response_model=SeriesOut)
async def create_series(shop_id: PathId, body: SeriesIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """A weekly show: its first show is scheduled at the next slot, and each following one when
    the previous goes live."""
    return await service.create_series(services.db, user=user, shop_id=shop_id, title=body.title,
                                       description=body.description, weekday=body.weekday,
                                       time_of_day=body.time_of_day, timezone=body.timezone,
                                       now=services.clock.now())


@router.get("/shops/{shop_id}/series", response_model=list[SeriesOut])
async def shop_series(shop_id: PathId, services: ServicesDep) -> list[dict[str, Any]]:
    return await service.shop_series(services.db, shop_id=shop_id)


@router.get("/series/{series_id}", response_model=SeriesOut)
async def get_series(series_id: PathId, user: OptionalUser, services: ServicesDep) -> dict[str, Any]:
    return await service.get_series(services.db, series_id=series_id, user=user)


@router.get("/rooms/{room_id}/series", response_model=SeriesOut)
async def room_series(room_id: PathId, user: OptionalUser, services: ServicesDep) -> dict[str, Any]:
    """The weekly series this show belongs to (404 for a one-off show)."""
    return await service.series_of_room(services.db, room_id=room_id, user=user)


@router.post("/series/{series_id}/subscribe", response_model=SeriesOut)
async def subscribe(series_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Reserve every show of the series (a reminder each week)."""
    return await service.subscribe(services.db, user=user, series_id=series_id, now=services.clock.now())
