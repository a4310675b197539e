from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from liveshop.core.http import CurrentUser, ServicesDep
from liveshop.core.validation import PathId
from liveshop.orders import service as orders
from liveshop.referrals import service as referrals

router = APIRouter(prefix="/api/v1", tags=["analytics"])


@router.get("/rooms/{room_id}/stats")
async def room_stats(room_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Live numbers of a show for its crew: online viewers, likes, orders by state, paid GMV."""
    _, totals = await orders.room_orders(services.db, user=user, room_id=room_id, limit=1)
    return {
        "room_id": room_id,
        "viewers": services.hub.viewers(room_id),
        "likes": services.hub.likes(room_id),
        "orders": {k: totals[k] for k in ("pending_payment", "paid", "expired", "cancelled")},
        "gmv_cents": totals["gmv_cents"],
        "units_sold": totals["units_sold"],
        # What viewers' share links brought (per link: GET /rooms/{id}/referrals).
        "referrals": (await referrals.room_report(services.db, user=user, room_id=room_id))["totals"],
    }
