"""Trust & safety's review queue (platform admins)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from liveshop.core.http import CurrentUser, ServicesDep
from liveshop.core.validation import Body, PathId, Text
from liveshop.trust import service

router = APIRouter(prefix="/api/v1/trust", tags=["trust & safety"])


@router.get("/flags")
async def flags(user: CurrentUser, services: ServicesDep,
                status: Annotated[Literal["open", "confirmed", "cleared"] | None, Query()] = "open",
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    """Accounts the detectors flagged, with the evidence (newest first)."""
    return await service.queue(services.db, user=user, status=status, limit=limit)


class ReviewIn(Body):
    decision: Literal["confirm", "clear", "reopen"]
    note: Text(500, min_length=0) = ""  # type: ignore[valid-type]


@router.post("/flags/{flag_id}/review")
async def review(flag_id: PathId, body: ReviewIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Confirm (fake), clear (genuine) or reopen a flag; every decision is kept in its history."""
    return await service.review(services.db, user=user, flag_id=flag_id, decision=body.decision, note=body.note,
                                now=services.clock.now())
