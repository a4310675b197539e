"""The same-stack baseline: what the server costs before any rule runs."""

from __future__ import annotations

from fastapi import APIRouter

from liveshop.orders.api import OrderIn

router = APIRouter(prefix="/api/v1/bench", tags=["bench"], include_in_schema=False)


@router.post("/echo", status_code=201)
async def echo(body: OrderIn) -> dict[str, bool]:
    """Parses the order body exactly as POST /api/v1/orders does, then returns a constant."""
    return {"ok": True}
