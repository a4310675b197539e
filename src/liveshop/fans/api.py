"""Fan club: a viewer's points and level with a shop; the shop's top fans for its crew."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from liveshop.catalog import store as catalog_store
from liveshop.catalog.access import LIVE_CREW, access_shop
from liveshop.catalog.errors import ShopNotFound
from liveshop.core.auth import store as auth_store
from liveshop.core.http import CurrentUser, ServicesDep
from liveshop.core.validation import PathId
from liveshop.engagement import store as engagement_store
from liveshop.fans import rules, store

router = APIRouter(prefix="/api/v1", tags=["fan club"])


@router.get("/shops/{shop_id}/fan-club/me")
async def my_standing(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Your points and level with the shop (a level only while you follow it), and the rules."""
    async with services.db.transaction(write=False) as tx:
        if await catalog_store.shop_by_id(tx.conn, shop_id) is None:
            raise ShopNotFound()
        following = await engagement_store.is_following(tx.conn, user.id, shop_id)
        points = await store.points_of(tx.conn, shop_id, user.id)
    return {"following": following, "points": points, "level": rules.level_for(points) if following else None,
            "next_level_at": rules.next_level_at(points), "rules": rules.rules()}


@router.get("/shops/{shop_id}/fan-club")
async def top_fans(shop_id: PathId, user: CurrentUser, services: ServicesDep,
                   limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[dict[str, Any]]:
    """The shop's most engaged fans, for its crew."""
    async with services.db.transaction(write=False) as tx:
        await access_shop(tx.conn, user, shop_id, LIVE_CREW)
        ranked = await store.top(tx.conn, shop_id, limit)
        names = await auth_store.usernames(tx.conn, [u for u, _ in ranked])
    return [{"user_id": u, "name": names.get(u, ""), "points": p, "level": rules.level_for(p)} for u, p in ranked]
