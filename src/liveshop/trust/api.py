"""Trust & safety: the review queue, risk scores and payout holds (platform admins), and a
shop's payout state (its merchant)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from liveshop.core.http import CurrentUser, ServicesDep
from liveshop.core.validation import Body, PathId, Text
from liveshop.trust import service

router = APIRouter(prefix="/api/v1", tags=["trust & safety"])

AccountKey = Annotated[str, Path(pattern=r"^[ua][A-Za-z0-9_-]{1,39}$", description='"u<user id>" or a guest "a<cookie>"')]


@router.get("/trust/flags")
async def flags(user: CurrentUser, services: ServicesDep,
                status: Annotated[Literal["open", "confirmed", "cleared"] | None, Query()] = "open",
                subject: Annotated[Literal["account", "room", "shop"] | None, Query()] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    """What the detectors flagged (accounts, rooms, shops' payout holds), with the evidence, newest first."""
    return await service.queue(services.db, user=user, status=status, subject=subject, limit=limit)


@router.get("/trust/flags/{flag_id}")
async def flag(flag_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """One flag with its evidence and its whole history."""
    return await service.flag_detail(services.db, user=user, flag_id=flag_id)


class ReviewIn(Body):
    decision: Literal["confirm", "clear", "reopen"]
    note: Text(500, min_length=0) = ""  # type: ignore[valid-type]


@router.post("/trust/flags/{flag_id}/review")
async def review(flag_id: PathId, body: ReviewIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Confirm (fake), clear (genuine) or reopen a flag; every decision is kept in its history.
    On a shop's payout hold, clear releases the payouts."""
    result = await service.review(services.db, user=user, flag_id=flag_id, decision=body.decision, note=body.note,
                                  now=services.clock.now())
    await services.suspects.refresh()  # this node's feed, pools and screens see it at once
    return result


class HoldIn(Body):
    note: Text(500)  # type: ignore[valid-type]


@router.post("/trust/shops/{shop_id}/hold", status_code=201)
async def hold(shop_id: PathId, body: HoldIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Hold a shop's payouts pending review (a flag on the shop; clear it to release them)."""
    result = await service.hold_payouts(services.db, user=user, shop_id=shop_id, note=body.note,
                                        now=services.clock.now())
    await services.suspects.refresh()
    return result


@router.get("/trust/risk/accounts/{key}")
async def account_risk(key: AccountKey, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.account_risk(services.db, services.suspects, user=user, key=key, now=services.clock.now())


@router.get("/trust/risk/rooms/{room_id}")
async def room_risk(room_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.room_risk(services.db, services.live, services.suspects, user=user, room_id=room_id)


@router.get("/trust/risk/shops/{shop_id}")
async def shop_risk(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.shop_risk(services.db, services.suspects, user=user, shop_id=shop_id,
                                   now=services.clock.now())


@router.get("/shops/{shop_id}/payouts")
async def payouts(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Whether the shop's payouts are held pending a trust & safety review (its merchant, admins)."""
    return await service.payouts(services.db, user=user, shop_id=shop_id)
