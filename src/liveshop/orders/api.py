from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field

from liveshop.core.http import CurrentBuyerId, CurrentUser, ServicesDep, request_origin
from liveshop.core.validation import Body, Id, PathId, StrictInt, Text
from liveshop.orders import checkout, service
from liveshop.orders.errors import IdempotencyKeyRequired
from liveshop.orders.service import order_view
from liveshop.trust.signals import hash_address

router = APIRouter(prefix="/api/v1", tags=["orders"])

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")


class OrderIn(Body):
    listing_id: Id
    quantity: StrictInt = Field(ge=1, le=99)


class ShippingAddress(Body):
    recipient: Text(40)  # type: ignore[valid-type]
    phone: str = Field(pattern=r"^\+?[0-9][0-9 -]{4,19}$")
    region: Text(60)  # type: ignore[valid-type]  # province / city / district
    line: Text(200)  # type: ignore[valid-type]  # street, building, door


class PayIn(Body):
    shipping_address: ShippingAddress | None = None


class PriceLine(BaseModel):
    title: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int


class PriceBreakdown(BaseModel):
    items: list[PriceLine]
    subtotal_cents: int
    discounts: list[dict[str, Any]]
    discount_cents: int
    total_cents: int
    currency: str


class OrderOut(BaseModel):
    id: int
    buyer_id: int
    shop_id: int
    room_id: int
    listing_id: int
    product_id: int
    title: str
    quantity: int
    unit_price_cents: int
    subtotal_cents: int
    discount_cents: int
    total_cents: int
    currency: str
    status: str
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    closed_at: datetime | None
    price_breakdown: PriceBreakdown


class PaymentOut(BaseModel):
    payment_id: int
    provider: str
    status: str
    amount_cents: int
    currency: str
    checkout_url: str
    order: OrderOut


class RoomSalesOut(BaseModel):
    orders: list[OrderOut]
    totals: dict[str, int]


@router.post("/orders", status_code=201, response_model=OrderOut)
async def place_order(
    body: OrderIn,
    buyer_id: CurrentBuyerId,
    services: ServicesDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Buy: holds the stock and creates an order waiting for payment.

    Send a fresh `Idempotency-Key` per purchase attempt and the same one on retries: a
    retry gets the same order back (with `Idempotent-Replayed: true`), never a second one.

    Well-formed attempts are answered by `orders/hot_path.py` before FastAPI routing; this
    route answers the rest and documents the endpoint.
    """
    if idempotency_key is None or not IDEMPOTENCY_KEY.match(idempotency_key):
        raise IdempotencyKeyRequired()
    order, replayed = await service.place_order(
        services.db, buyer_id=buyer_id, listing_id=body.listing_id, quantity=body.quantity,
        idempotency_key=idempotency_key, now=services.clock.now(),
        payment_timeout=services.settings.payment_timeout, engine=services.engine,
        sold_out=services.sold_out,
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return order_view(order)


@router.get("/orders/{order_id}", response_model=OrderOut)
async def get_order(order_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    return await service.get_order(services.db, user=user, order_id=order_id)


@router.get("/me/orders", response_model=list[OrderOut])
async def my_orders(
    user: CurrentUser, services: ServicesDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[dict[str, Any]]:
    return await service.my_orders(services.db, user=user, limit=limit)


@router.get("/rooms/{room_id}/orders", response_model=RoomSalesOut)
async def room_orders(
    room_id: PathId, user: CurrentUser, services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """For the room's crew: recent orders and the sales totals of the show."""
    orders, totals = await service.room_orders(services.db, user=user, room_id=room_id, limit=limit)
    return {"orders": orders, "totals": totals}


@router.post("/orders/{order_id}/cancel", response_model=OrderOut)
async def cancel_order(order_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    order = await service.cancel_order(services.db, user=user, order_id=order_id, now=services.clock.now())
    return await service.view_of(services.db, order)


@router.post("/orders/{order_id}/refund", response_model=OrderOut)
async def refund_order(order_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """After-sales, for the shop's merchant or operators: give a paid order's money back."""
    order = await service.refund_order(services.db, user=user, order_id=order_id, now=services.clock.now())
    return await service.view_of(services.db, order)


@router.post("/orders/{order_id}/pay", response_model=PaymentOut)
async def pay(order_id: PathId, user: CurrentUser, services: ServicesDep, request: Request,
              body: PayIn | None = None) -> dict[str, Any]:
    """Start paying with the configured provider; open `checkout_url` to complete it. The
    shipping address, when given, is kept only as a keyed hash (trust & safety's brushing rules)."""
    provider = services.payments.default
    address = body.shipping_address if body else None
    order, payment = await checkout.start_payment(
        services.db, user=user, order_id=order_id, provider=provider, now=services.clock.now(),
        address_hash=hash_address(services.guards.fingerprint, address.region, address.line) if address else None,
    )
    services.sightings.saw(user.id, "pay", request_origin(request))
    return {
        "payment_id": payment.id,
        "provider": payment.provider,
        "status": payment.status,
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "checkout_url": provider.checkout_url(payment.provider_ref),
        "order": await service.view_of(services.db, order),
    }


@router.post("/payments/{provider}/webhook")
async def payment_webhook(provider: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """Signed provider callback (header `Liveshop-Signature: t=<unix>,v1=<hex hmac-sha256>`)."""
    chosen = services.payments.get(provider[:32])
    payment, order = await checkout.handle_webhook(
        services.db, provider=chosen, headers=request.headers, body=await request.body(),
        now=services.clock.now(), fingerprint=services.guards.fingerprint,
    )
    return {"payment_status": payment.status, "order_id": order.id, "order_status": order.status}
