"""Coupons: merchants and the platform offer them, viewers claim them and use them on orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from liveshop.core.http import CurrentUser, OptionalUser, ServicesDep
from liveshop.core.validation import Body, Cents, Id, PathId, StrictInt, Text, Timestamp
from liveshop.coupons import service
from liveshop.orders.api import OrderOut

router = APIRouter(prefix="/api/v1", tags=["coupons"])


class OfferIn(Body):
    title: Text(60)  # type: ignore[valid-type]
    kind: Literal["amount_off", "percent_off"]
    amount_off_cents: Cents | None = None
    # The share taken off, in percent: 10 is "10% off" (九折).
    percent_off: StrictInt | None = Field(default=None, ge=1, le=95)
    max_off_cents: Cents | None = None
    threshold_cents: Cents = 0  # 满减: the order must reach this before the coupon applies
    stackable: bool = True
    valid_from: Timestamp | None = None
    valid_until: Timestamp | None = None
    valid_days: StrictInt | None = Field(default=None, ge=1, le=366)  # when valid_until is not given
    total_quantity: StrictInt | None = Field(default=None, ge=1, le=10_000_000)
    per_user_limit: StrictInt = Field(default=1, ge=1, le=100)
    budget_cents: StrictInt | None = Field(default=None, ge=1, le=10**13)
    room_id: Id | None = None  # announce it in this live room (发券)


class OfferOut(BaseModel):
    id: int
    shop_id: int | None
    room_id: int | None
    funded_by: str
    title: str
    kind: str
    amount_off_cents: int | None
    percent_off: int | None
    max_off_cents: int | None
    threshold_cents: int
    stackable: bool
    valid_from: datetime
    valid_until: datetime
    total_quantity: int | None
    claimed: int
    left: int | None
    per_user_limit: int
    claimable: bool
    status: str
    budget_cents: int | None  # staff only
    spent_cents: int | None  # staff only


class CouponOut(BaseModel):
    id: int
    status: str
    order_id: int | None
    source: str
    claimed_at: datetime
    used_at: datetime | None
    usable_now: bool
    offer: OfferOut


class ApplyIn(Body):
    coupon_ids: list[Id] | None = Field(default=None, max_length=4)
    best: bool = False  # instead of coupon_ids: the best of the buyer's coupons for this order

    @model_validator(mode="after")
    def one_way(self) -> ApplyIn:
        if (self.coupon_ids is None) == (not self.best):
            raise ValueError("give either coupon_ids or best: true")
        return self


def _create(shop_id: int | None, body: OfferIn, user: Any, services: Any) -> Any:
    return service.create_offer(
        services.db, user=user, shop_id=shop_id, room_id=body.room_id, title=body.title, kind=body.kind,
        amount_off_cents=body.amount_off_cents, percent_off=body.percent_off, max_off_cents=body.max_off_cents,
        threshold_cents=body.threshold_cents, stackable=body.stackable, valid_from=body.valid_from,
        valid_until=body.valid_until, valid_days=body.valid_days, total_quantity=body.total_quantity,
        per_user_limit=body.per_user_limit, budget_cents=body.budget_cents, now=services.clock.now(),
    )


@router.post("/shops/{shop_id}/coupon-offers", status_code=201, response_model=OfferOut)
async def create_shop_offer(shop_id: PathId, body: OfferIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """A coupon the shop pays for; with `room_id` it pops up in that show for viewers to claim."""
    return await _create(shop_id, body, user, services)


@router.get("/shops/{shop_id}/coupon-offers", response_model=list[OfferOut])
async def shop_offers(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> list[dict[str, Any]]:
    return await service.shop_offers(services.db, user=user, shop_id=shop_id)


@router.post("/platform/coupon-offers", status_code=201, response_model=OfferOut)
async def create_platform_offer(body: OfferIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """A platform subsidy (admins): usable in every shop, paid by the platform, within `budget_cents`."""
    return await _create(None, body, user, services)


@router.get("/platform/coupon-offers", response_model=list[OfferOut])
async def platform_offers(user: CurrentUser, services: ServicesDep) -> list[dict[str, Any]]:
    return await service.platform_offers(services.db, user=user)


@router.get("/coupon-offers/{offer_id}", response_model=OfferOut)
async def get_offer(offer_id: PathId, user: OptionalUser, services: ServicesDep) -> dict[str, Any]:
    return await service.get_offer(services.db, offer_id=offer_id, user=user)


@router.post("/coupon-offers/{offer_id}/end", response_model=OfferOut)
async def end_offer(offer_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.end_offer(services.db, user=user, offer_id=offer_id)


@router.post("/coupon-offers/{offer_id}/claim", status_code=201, response_model=CouponOut)
async def claim(offer_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.claim(services.db, user=user, offer_id=offer_id, now=services.clock.now())


@router.get("/rooms/{room_id}/coupon-offers", response_model=list[OfferOut])
async def room_offers(room_id: PathId, services: ServicesDep) -> list[dict[str, Any]]:
    """Coupons a viewer of the room can claim now (the room's, its shop's, the platform's)."""
    return await service.claimable_offers(services.db, room_id=room_id, now=services.clock.now())


@router.get("/me/coupons", response_model=list[CouponOut])
async def my_coupons(user: CurrentUser, services: ServicesDep) -> list[dict[str, Any]]:
    return await service.my_coupons(services.db, user=user, now=services.clock.now())


@router.put("/orders/{order_id}/coupons", response_model=OrderOut)
async def apply_coupons(order_id: PathId, body: ApplyIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Use these coupons on a pending order (replacing any chosen before; `[]` removes them),
    or `{"best": true}` for the combination that takes the most off. Answers the order with
    its price breakdown."""
    return await service.apply_to_order(services.db, user=user, order_id=order_id, coupon_ids=body.coupon_ids,
                                        now=services.clock.now())
