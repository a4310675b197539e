from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from liveshop.catalog import service
from liveshop.catalog.store import Product, Shop
from liveshop.core.http import CurrentUser, ServicesDep
from liveshop.core.validation import Body, Cents, Currency, PathId, Stock, Text

router = APIRouter(prefix="/api/v1", tags=["shops"])


class ShopIn(Body):
    name: Text(80)  # type: ignore[valid-type]
    description: Text(2000, min_length=0) = ""  # type: ignore[valid-type]


class ShopOut(BaseModel):
    id: int
    name: str
    description: str
    owner_id: int
    created_at: datetime
    my_role: str | None = None


class StaffIn(Body):
    username: Text(32)  # type: ignore[valid-type]
    role: Literal["merchant", "host", "operator"]


class StaffOut(BaseModel):
    user_id: int
    username: str
    role: str


class ProductIn(Body):
    title: Text(120)  # type: ignore[valid-type]
    price_cents: Cents
    currency: Currency = "CNY"
    stock: Stock
    description: Text(5000, min_length=0) = ""  # type: ignore[valid-type]
    origin: Text(80) | None = None  # type: ignore[valid-type]
    image_url: Text(500) | None = None  # type: ignore[valid-type]


class ProductPatch(Body):
    title: Text(120) | None = None  # type: ignore[valid-type]
    price_cents: Cents | None = None
    stock: Stock | None = None
    description: Text(5000, min_length=0) | None = None  # type: ignore[valid-type]
    origin: Text(80) | None = None  # type: ignore[valid-type]
    image_url: Text(500) | None = None  # type: ignore[valid-type]


class ProductOut(BaseModel):
    id: int
    shop_id: int
    title: str
    description: str
    price_cents: int
    currency: str
    stock: int
    origin: str | None
    image_url: str | None
    created_at: datetime


def shop_out(shop: Shop, role: str | None = None) -> ShopOut:
    return ShopOut(
        id=shop.id, name=shop.name, description=shop.description, owner_id=shop.owner_id,
        created_at=shop.created_at, my_role=role,
    )


def product_out(p: Product) -> ProductOut:
    return ProductOut(
        id=p.id, shop_id=p.shop_id, title=p.title, description=p.description,
        price_cents=p.price_cents, currency=p.currency, stock=p.stock, origin=p.origin,
        image_url=p.image_url, created_at=p.created_at,
    )


@router.post("/shops", status_code=201, response_model=ShopOut)
async def create_shop(body: ShopIn, user: CurrentUser, services: ServicesDep) -> ShopOut:
    shop = await service.create_shop(
        services.db, owner=user, name=body.name, description=body.description, now=services.clock.now()
    )
    return shop_out(shop, "merchant")


@router.get("/shops", response_model=list[ShopOut])
async def my_shops(user: CurrentUser, services: ServicesDep) -> list[ShopOut]:
    """The shops the caller works for, with the caller's role in each."""
    return [shop_out(s, role) for s, role in await service.my_shops(services.db, user=user)]


@router.get("/shops/{shop_id}", response_model=ShopOut)
async def get_shop(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> ShopOut:
    shop, role = await service.get_shop(services.db, user=user, shop_id=shop_id)
    return shop_out(shop, role)


@router.post("/shops/{shop_id}/staff", status_code=201, response_model=StaffOut)
async def add_staff(shop_id: PathId, body: StaffIn, user: CurrentUser, services: ServicesDep) -> StaffOut:
    member, role = await service.add_staff(
        services.db, user=user, shop_id=shop_id, username=body.username, role=body.role,
        now=services.clock.now(),
    )
    return StaffOut(user_id=member.id, username=member.username, role=role)


@router.get("/shops/{shop_id}/staff", response_model=list[StaffOut])
async def list_staff(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> list[StaffOut]:
    staff = await service.list_staff(services.db, user=user, shop_id=shop_id)
    return [StaffOut(user_id=m.id, username=m.username, role=r) for m, r in staff]


@router.post("/shops/{shop_id}/products", status_code=201, response_model=ProductOut)
async def create_product(
    shop_id: PathId, body: ProductIn, user: CurrentUser, services: ServicesDep
) -> ProductOut:
    product = await service.create_product(
        services.db, user=user, shop_id=shop_id, now=services.clock.now(), **body.model_dump()
    )
    return product_out(product)


@router.get("/shops/{shop_id}/products", response_model=list[ProductOut])
async def list_products(shop_id: PathId, user: CurrentUser, services: ServicesDep) -> list[ProductOut]:
    return [product_out(p) for p in await service.list_products(services.db, user=user, shop_id=shop_id)]


@router.patch("/products/{product_id}", response_model=ProductOut)
async def update_product(
    product_id: PathId, body: ProductPatch, user: CurrentUser, services: ServicesDep
) -> ProductOut:
    product = await service.update_product(
        services.db, user=user, product_id=product_id, changes=body.model_dump(exclude_unset=True)
    )
    return product_out(product)
