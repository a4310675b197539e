"""Live bases: operators, the shops on their wall, and the wall's numbers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from liveshop.analytics.service import room_view, until_of
from liveshop.bases import service
from liveshop.core.http import CurrentUser, ServicesDep
from liveshop.core.validation import Body, PathId, Text

router = APIRouter(prefix="/api/v1", tags=["live bases"])

# What each tile of the wall shows; the room's big screen has the rest.
WALL_FIGURES = ("gmv_cents", "paid_orders", "online_viewers", "pcu", "views", "unique_viewers",
                "viewer_buyer_conversion", "new_followers", "gpm_cents")


class BaseIn(Body):
    name: Text(80)  # type: ignore[valid-type]


class OperatorIn(Body):
    username: Text(32)  # type: ignore[valid-type]


@router.post("/bases", status_code=201)
async def create_base(body: BaseIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """A live base (直播基地); you become its first operator. Shops join it from their side."""
    base = await service.create_base(services.db, user=user, name=body.name, now=services.clock.now())
    return {"id": base["id"], "name": base["name"]}


@router.get("/bases")
async def my_bases(user: CurrentUser, services: ServicesDep) -> list[dict[str, Any]]:
    return [{"id": b["id"], "name": b["name"]} for b in await service.my_bases(services.db, user=user)]


@router.get("/bases/{base_id}")
async def base(base_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    found = await service.base_detail(services.db, user=user, base_id=base_id)
    return {"id": found["id"], "name": found["name"], "shops": found["shops"]}


@router.post("/bases/{base_id}/operators", status_code=204)
async def add_operator(base_id: PathId, body: OperatorIn, user: CurrentUser, services: ServicesDep) -> Response:
    await service.add_operator(services.db, user=user, base_id=base_id, username=body.username,
                               now=services.clock.now())
    return Response(status_code=204)


@router.put("/bases/{base_id}/shops/{shop_id}", status_code=204)
async def join_base(base_id: PathId, shop_id: PathId, user: CurrentUser, services: ServicesDep) -> Response:
    """The shop's merchant puts the shop on the base's wall: its operators then read the shop's
    show numbers (not its orders' buyers, not its catalogue)."""
    await service.join_base(services.db, user=user, base_id=base_id, shop_id=shop_id, now=services.clock.now())
    return Response(status_code=204)


@router.delete("/bases/{base_id}/shops/{shop_id}", status_code=204)
async def leave_base(base_id: PathId, shop_id: PathId, user: CurrentUser, services: ServicesDep) -> Response:
    await service.leave_base(services.db, user=user, base_id=base_id, shop_id=shop_id)
    return Response(status_code=204)


@router.get("/bases/{base_id}/wall")
async def wall(base_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Every room of the base's shops that is live, about to start or just ended, with its key
    numbers, and the base's totals."""
    now = services.clock.now()
    found, rooms = await service.wall_rooms(services.db, user=user, base_id=base_id, now=now)
    tiles = []
    for room, shop_name in rooms:
        figures = await services.live.figures(room.id, now=until_of(room, now))
        tiles.append(room_view(room, shop_name) | {k: figures[k] for k in WALL_FIGURES}
                     | {"gmv_per_minute": [m["gmv_cents"] for m in figures["per_minute"][-30:]]})
    live = [t for t in tiles if t["status"] == "live"]
    return {"base": {"id": found["id"], "name": found["name"]}, "rooms": tiles,
            "totals": {"live_rooms": len(live), "gmv_cents": sum(t["gmv_cents"] for t in tiles),
                       "online_viewers": sum(t["online_viewers"] for t in live),
                       "paid_orders": sum(t["paid_orders"] for t in tiles)}}
