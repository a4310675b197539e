from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from liveshop.core.http import CurrentUser, ServicesDep
from liveshop.core.validation import MAX_STOCK, Body, Cents, Id, PathId, Stock, StrictInt
from liveshop.inventory import service

router = APIRouter(prefix="/api/v1", tags=["listings"])


class ListingIn(Body):
    product_id: Id
    price_cents: Cents | None = None
    stock: Stock | None = Field(default=None, description="Units for this room; default: all the product's stock")
    per_user_limit: StrictInt | None = Field(default=None, ge=1, le=1000)


class ListingPatch(Body):
    price_cents: Cents | None = None
    add_stock: StrictInt | None = Field(default=None, ge=-MAX_STOCK, le=MAX_STOCK)
    per_user_limit: StrictInt | None = Field(default=None, ge=0, le=1000, description="0 removes the limit")
    status: Literal["active", "withdrawn"] | None = None

    @model_validator(mode="after")
    def _something(self) -> ListingPatch:
        if not self.model_fields_set:
            raise ValueError("give at least one of price_cents, add_stock, per_user_limit, status")
        return self


class ListingOut(BaseModel):
    id: int
    room_id: int
    shop_id: int
    product_id: int
    title: str
    price_cents: int
    original_price_cents: int | None
    currency: str
    stock_left: int
    initial_stock: int
    sold: int
    per_user_limit: int | None
    status: str
    sold_out: bool
    origin: str | None
    image_url: str | None


@router.post("/rooms/{room_id}/listings", status_code=201, response_model=ListingOut)
async def add_listing(room_id: PathId, body: ListingIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Put a product on sale in the room, before or during the show; viewers see it at once."""
    return await service.create_listing(
        services.db, user=user, room_id=room_id, product_id=body.product_id,
        price_cents=body.price_cents, stock=body.stock, per_user_limit=body.per_user_limit,
        now=services.clock.now(),
    )


@router.get("/rooms/{room_id}/listings", response_model=list[ListingOut])
async def room_listings(room_id: PathId, services: ServicesDep) -> list[dict[str, Any]]:
    return await service.room_listings(services.db, room_id=room_id)


@router.get("/listings/{listing_id}", response_model=ListingOut)
async def get_listing(listing_id: PathId, services: ServicesDep) -> dict[str, Any]:
    return await service.get_listing(services.db, listing_id=listing_id)


@router.patch("/listings/{listing_id}", response_model=ListingOut)
async def update_listing(
    listing_id: PathId, body: ListingPatch, user: CurrentUser, services: ServicesDep
) -> dict[str, Any]:
    """Change price, add or withdraw stock, set the per-person limit, or take it off sale."""
    return await service.update_listing(
        services.db, user=user, listing_id=listing_id, price_cents=body.price_cents,
        add_stock=body.add_stock,
        per_user_limit=body.per_user_limit or None,
        clear_per_user_limit=body.per_user_limit == 0,
        status=body.status, now=services.clock.now(),
    )
