from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from liveshop.analytics import report, service
from liveshop.core.http import CurrentUser, OptionalUser, ServicesDep
from liveshop.core.ids import GUEST_COOKIE, channel_visitor
from liveshop.core.validation import Body, Id, PathId
from liveshop.orders import service as orders
from liveshop.referrals import service as referrals
from liveshop.web.i18n import MESSAGES

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


@router.get("/rooms/{room_id}/analytics")
async def room_analytics(room_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """The big screen's numbers (docs/metrics.md): every metric with its denominator, per minute,
    top products and the latest orders. For the shop's crew and its bases' operators."""
    return await service.room_numbers(services.db, services.live, user=user, room_id=room_id,
                                      now=services.clock.now(), suspects=services.suspects)


class CardView(Body):
    kind: Literal["exposure", "click"]
    listing_id: Id


class CardViewsIn(Body):
    events: Annotated[list[CardView], Field(min_length=1, max_length=50)]


@router.post("/rooms/{room_id}/card-views", status_code=202)
async def card_views(room_id: PathId, body: CardViewsIn, request: Request, user: OptionalUser,
                     services: ServicesDep) -> dict[str, int]:
    """The viewer page reports product cards it showed (exposure) and opened (click) during the
    live show; they feed the exposure → click → order funnel."""
    viewer = channel_visitor(user.id if user else None, request.cookies.get(GUEST_COOKIE))
    recorded = await service.record_card_views(
        services.db, room_id=room_id, viewer=viewer, cards=[(c.kind, c.listing_id) for c in body.events],
        now=services.clock.now())
    return {"recorded": recorded}


@router.get("/rooms/{room_id}/report")
async def room_report(room_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """The post-show report: the show's numbers recomputed from the raw event log, minute by
    minute, and compared with the shop's previous shows."""
    return await report.report_for(services.db, user=user, room_id=room_id, now=services.clock.now())


@router.get("/rooms/{room_id}/report.csv", response_class=PlainTextResponse)
async def room_report_csv(room_id: PathId, user: CurrentUser, services: ServicesDep) -> Response:
    """The minute-by-minute table as CSV (a download)."""
    found = await report.report_for(services.db, user=user, room_id=room_id, now=services.clock.now())
    return Response(report.minute_csv(found), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="liveshop-room-{room_id}-minutes.csv"'})


@router.get("/rooms/{room_id}/report/{chart}.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
async def room_report_chart(room_id: PathId, chart: Literal["gmv", "viewers", "funnel", "shows"], user: CurrentUser,
                            services: ServicesDep) -> Response:
    found = await report.report_for(services.db, user=user, room_id=room_id, now=services.clock.now())
    png = await run_in_threadpool(report.chart_png, found, chart)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=30"})


@router.get("/shops/{shop_id}/diagnostics")
async def shop_diagnostics(shop_id: PathId, user: CurrentUser, services: ServicesDep,
                           lang: Literal["zh-CN", "en"] = "zh-CN") -> dict[str, Any]:
    """The shop's conversion, GPM, watch time, refund rate and card click rate against the
    percentiles of comparable shops, with rule-based suggestions (in `lang`)."""
    return await service.shop_diagnosis(services.db, services.live, user=user, shop_id=shop_id,
                                        messages=MESSAGES[lang])
