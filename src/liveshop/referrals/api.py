"""Share links: viewers get one per room and channel; the crew reads what each one brought."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from liveshop.core.http import CurrentUser, ServicesDep
from liveshop.core.validation import Body, PathId
from liveshop.referrals import service

router = APIRouter(prefix="/api/v1", tags=["referrals"])


class ShareIn(Body):
    channel: Literal["wechat", "weibo", "douyin", "qq", "copy", "other"] = "copy"


@router.post("/rooms/{room_id}/share")
async def share(room_id: PathId, body: ShareIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Your share link to the room (`url`, with `?ref=`); visits through it are counted and the
    reservations and orders of the viewers it brings are attributed to you."""
    return await service.share(services.db, user=user, room_id=room_id, channel=body.channel, now=services.clock.now())


@router.get("/rooms/{room_id}/referrals")
async def referrals(room_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """For the crew: per share link, visitors, reservations, orders, buyers and paid GMV."""
    return await service.room_report(services.db, user=user, room_id=room_id)
