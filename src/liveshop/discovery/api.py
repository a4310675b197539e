"""The discovery feed, traffic pools, boosts and splash placements."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import Field, StringConstraints

from liveshop.core.http import CurrentUser, OptionalUser, ServicesDep
from liveshop.core.ids import GUEST_COOKIE
from liveshop.core.validation import MAX_PRICE_CENTS, Body, Currency, PathId, Text, Timestamp
from liveshop.discovery import pools, service
from liveshop.discovery.boosts import PACINGS, SEGMENTS

router = APIRouter(prefix="/api/v1", tags=["discovery"])

REGION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
Region = Annotated[str, StringConstraints(pattern=REGION.pattern)]
MAX_BOOST_IMPRESSIONS = 10_000_000


async def feed_viewer(request: Request, services: Any, user: Any) -> service.Viewer:
    """Who asks: the user or the guest browser, and their region (their own choice, else the
    edge proxy's header when one is configured)."""
    region = await service.region_of(services.db, user=user)
    header = services.settings.region_header
    if region is None and header:
        value = request.headers.get(header, "").strip().upper()
        region = value if REGION.match(value) else None
    return service.Viewer(user=user, guest=request.cookies.get(GUEST_COOKIE), region=region)


@router.get("/feed")
async def feed(request: Request, user: OptionalUser, services: ServicesDep,
               limit: Annotated[int, Query(ge=1, le=50)] = 20) -> dict[str, Any]:
    """Rooms live now (ranked for you; sponsored ones labelled), upcoming shows and replays, and
    a splash placement when one is running. Guests get the same feed without personalisation."""
    viewer = await feed_viewer(request, services, user)
    return await service.build_feed(services.db, services.discovery, viewer=viewer, now=services.clock.now(),
                                    limit=limit)


@router.get("/feed/pools")
async def traffic_pools() -> dict[str, Any]:
    """The traffic pools and the thresholds a room must beat to move up (discovery/pools.py)."""
    return {"pools": pools.describe(), "guarantee_minutes": pools.GUARANTEE_MINUTES,
            "test_slots": list(pools.TEST_SLOTS)}


@router.get("/feed/model")
async def feed_model(services: ServicesDep) -> dict[str, Any]:
    """When this node's affinity model was last trained, on how much, and the blend's weights."""
    run = services.discovery.model.last_run
    return {"trained": run is not None, "last_run": run.__dict__ if run else None,
            "weights": services.discovery.weights.__dict__}


class RegionIn(Body):
    region: Region | None


@router.put("/feed/profile")
async def set_profile(body: RegionIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Your region (ISO 3166, "CN" or "CN-ZJ"), for regional shows and promotions; null clears it."""
    await service.set_region(services.db, user=user, region=body.region, now=services.clock.now())
    return {"region": body.region}


@router.get("/shops/{shop_id}/traffic")
async def shop_traffic(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """For the shop's crew: each room's traffic pool and thresholds, the exposure the shop got
    against what its relevance deserved and why, its boosts and splash placements."""
    return await service.shop_traffic(services.db, services.discovery, user=user, shop_id=shop_id,
                                      now=services.clock.now())


class BoostIn(Body):
    room_id: Annotated[int, Field(ge=1, le=2**53, strict=True)]
    impressions: Annotated[int, Field(ge=1, le=MAX_BOOST_IMPRESSIONS, strict=True)]
    budget_cents: Annotated[int, Field(ge=1, le=MAX_PRICE_CENTS, strict=True)]
    currency: Currency = "CNY"
    segment: Literal[SEGMENTS] = "all"  # type: ignore[valid-type]
    region: Region | None = None
    starts_at: Timestamp | None = None
    ends_at: Timestamp | None = None
    pacing: Literal[PACINGS] = "even"  # type: ignore[valid-type]


@router.post("/shops/{shop_id}/boosts", status_code=201)
async def create_boost(shop_id: PathId, body: BoostIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Buy sponsored feed impressions for a scheduled or live show (the shop's merchant). Each
    impression costs budget ÷ impressions (whole cents) and is billed when shown."""
    return await service.create_boost(services.db, user=user, shop_id=shop_id, now=services.clock.now(),
                                      **body.model_dump())


@router.post("/boosts/{boost_id}/cancel")
async def cancel_boost(boost_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.cancel_boost(services.db, user=user, boost_id=boost_id)


class SplashIn(Body):
    room_id: Annotated[int, Field(ge=1, le=2**53, strict=True)]
    headline: Text(60)  # type: ignore[valid-type]
    starts_at: Timestamp
    ends_at: Timestamp
    cap_per_viewer: Annotated[int, Field(ge=1, le=20, strict=True)] = 3


@router.post("/shops/{shop_id}/splashes", status_code=201)
async def create_splash(shop_id: PathId, body: SplashIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """A launch placement at the top of the feed for a show, in a time window (e.g. a festival
    day), shown to each viewer at most `cap_per_viewer` times a day."""
    return await service.create_splash(services.db, user=user, shop_id=shop_id, now=services.clock.now(),
                                       **body.model_dump())


@router.post("/splashes/{splash_id}/cancel")
async def cancel_splash(splash_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.cancel_splash(services.db, user=user, splash_id=splash_id)
