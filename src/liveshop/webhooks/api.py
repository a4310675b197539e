"""Webhook endpoints of a shop (the merchant)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import AnyHttpUrl, BaseModel, Field

from liveshop.core.http import CurrentUser, ServicesDep
from liveshop.core.validation import Body, PathId
from liveshop.webhooks import service

router = APIRouter(prefix="/api/v1", tags=["webhooks"])


class EndpointIn(Body):
    url: Annotated[AnyHttpUrl, Field(max_length=500)]


class EndpointOut(BaseModel):
    id: int
    shop_id: int
    url: str
    active: bool
    created_at: datetime


class NewEndpointOut(EndpointOut):
    secret: str


class DeliveryOut(BaseModel):
    id: int
    url: str
    event_id: str
    event_type: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    failed_at: datetime | None
    last_error: str | None


@router.post("/shops/{shop_id}/webhooks", status_code=201, response_model=NewEndpointOut)
async def add_endpoint(shop_id: PathId, body: EndpointIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Events of the shop (e.g. `show.reminders` when a reserved show goes live) are POSTed
    here, signed: `Liveshop-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`.
    The secret is in this answer only: keep it."""
    return await service.add_endpoint(services.db, user=user, shop_id=shop_id, url=str(body.url),
                                      now=services.clock.now())


@router.get("/shops/{shop_id}/webhooks", response_model=list[EndpointOut])
async def list_endpoints(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> list[dict[str, Any]]:
    return await service.list_endpoints(services.db, user=user, shop_id=shop_id)


@router.delete("/shops/{shop_id}/webhooks/{endpoint_id}", status_code=204)
async def remove_endpoint(shop_id: PathId, endpoint_id: PathId, user: CurrentUser, services: ServicesDep) -> Response:
    await service.remove_endpoint(services.db, user=user, shop_id=shop_id, endpoint_id=endpoint_id)
    return Response(status_code=204)


@router.get("/shops/{shop_id}/webhook-deliveries", response_model=list[DeliveryOut])
async def deliveries(shop_id: PathId, user: CurrentUser, services: ServicesDep,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[dict[str, Any]]:
    """Recent deliveries and their outcome, for the merchant's debugging."""
    return await service.recent_deliveries(services.db, user=user, shop_id=shop_id, limit=limit)
