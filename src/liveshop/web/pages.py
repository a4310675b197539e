"""Server-rendered page shells. Data comes from the public API and the room channel;
templates are autoescaped and page JS renders user text with textContent only."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as Path_
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from liveshop.analytics import report
from liveshop.analytics import service as analytics
from liveshop.bases import service as bases
from liveshop.bases.errors import BaseNotFound
from liveshop.campaigns import service as campaigns
from liveshop.catalog import service as catalog
from liveshop.catalog.errors import ShopNotFound
from liveshop.core.errors import LiveshopError
from liveshop.core.http import OptionalUser, ServicesDep
from liveshop.core.ids import GUEST_COOKIE, GUEST_ID
from liveshop.core.validation import PathId
from liveshop.discovery import service as discovery
from liveshop.discovery.api import feed_viewer
from liveshop.engagement import service as engagement
from liveshop.orders import checkout
from liveshop.polls import service as polls
from liveshop.quizzes import service as quizzes
from liveshop.referrals import service as referrals
from liveshop.rooms import service as rooms
from liveshop.rooms.errors import RoomNotFound
from liveshop.trust import service as trust
from liveshop.web.i18n import MESSAGES, pick_lang

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)

LangQuery = Annotated[Literal["zh-CN", "en"] | None, Query()]
PaymentRef = Annotated[str, Path_(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(HERE / "static"))


def _render(
    request: Request, template: str, user: Any, lang: str | None, status: int = 200, **context: Any
) -> HTMLResponse:
    chosen = pick_lang(lang, request.cookies.get("lang"))
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": chosen,
            "t": MESSAGES[chosen],
            "other_lang": "en" if chosen == "zh-CN" else "zh-CN",
            "user": {"id": user.id, "username": user.username} if user else None,
            # Big rooms: the room channel's own port (realtime/gateway.py), when configured.
            "channel_port": request.app.state.services.settings.channel_port,
            **context,
        },
        status_code=status,
    )
    if lang:
        response.set_cookie("lang", chosen, max_age=365 * 86400, samesite="lax")
    hls = _origin(request.app.state.services.settings.media_hls_url)  # the show's video comes from there
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; img-src 'self' data:; media-src 'self' blob: {hls}; "
        f"connect-src 'self' ws: wss: {hls}; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    )
    return response


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def _to_login(request: Request) -> Response:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


async def _crew_page(
    request: Request, services: Any, user: Any, lang: str | None, *, shop_id: int, template: str, **context: Any
) -> Response:
    """A page for the shop's staff: log in first; anyone else gets 403."""
    if user is None:
        return _to_login(request)
    role = await catalog.role_in_shop(services.db, user=user, shop_id=shop_id)
    if role is None:
        return _render(request, "forbidden.html", user, lang, status=403)
    return _render(request, template, user, lang, role=role, **context)


@router.get("/", response_class=HTMLResponse)
async def feed(request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None,
               limit: Annotated[int, Query(ge=1, le=50)] = 20) -> Response:
    """The discovery feed (discovery/service.py): live now ranked for this viewer, upcoming
    shows, replays, and a splash placement when one runs."""
    shops = await catalog.my_shops(services.db, user=user) if user else []
    viewer = await feed_viewer(request, services, user)
    viewer.guest = None if user else _guest_id(request)  # a guest's impressions and caps count once
    found = await discovery.build_feed(services.db, services.discovery, viewer=viewer, now=services.clock.now(),
                                       limit=limit)
    response = _render(request, "feed.html", user, lang, shops=shops, feed=found)
    _guest(request, response, user, viewer.guest)
    return response


@router.get("/rooms/{room_id}", response_class=HTMLResponse)
async def viewer_page(
    room_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    room = await rooms.public_room(services.db, room_id=room_id)
    response = _render(request, "room.html", user, lang, room=room)
    _guest(request, response, user)  # a guest's visits and time watched count as one viewer's
    await _count_share_visit(request, response, services, user, room_id)
    return response


@router.get("/rooms/{room_id}/replay", response_class=HTMLResponse)
async def replay_page(
    room_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    """The show's recording, with the products it showed: each jumps to its moment."""
    room = await rooms.public_room(services.db, room_id=room_id)
    return _render(request, "replay.html", user, lang, room=room)


_REF = re.compile(r"^[A-Za-z0-9_-]{6,16}$")


def _guest(request: Request, response: Response, user: Any, guest: str | None = None) -> str | None:
    """A guest browser's random id (a cookie, set on its first page), so its visits count once."""
    if user is not None:
        return None
    guest = guest or _guest_id(request)
    if guest != request.cookies.get(GUEST_COOKIE):
        response.set_cookie(GUEST_COOKIE, guest, max_age=365 * 86400, httponly=True, samesite="lax")
    return guest


def _guest_id(request: Request) -> str:
    guest = request.cookies.get(GUEST_COOKIE)
    return guest if guest is not None and GUEST_ID.match(guest) else secrets.token_urlsafe(9)


async def _count_share_visit(request: Request, response: Response, services: Any, user: Any, room_id: int) -> None:
    """A visit through a share link (`?ref=`). The link is remembered in a cookie for a week,
    so a guest who signs in later and comes back is still attributed to it."""
    ref = request.query_params.get("ref") or request.cookies.get(f"ls_ref_{room_id}")
    if not ref or not _REF.match(ref):
        return
    if await referrals.record_visit(services.db, room_id=room_id, code=ref, user_id=user.id if user else None,
                                    guest=_guest(request, response, user), now=services.clock.now()):
        response.set_cookie(f"ls_ref_{room_id}", ref, max_age=7 * 86400, httponly=True, samesite="lax")


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
async def campaign_page(
    campaign_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    """A guess-the-product teaser; each visitor's first look counts in the campaign's funnel."""
    campaign = await campaigns.get(services.db, campaign_id=campaign_id, user=user, now=services.clock.now())
    response = _render(request, "campaign.html", user, lang, campaign=campaign)
    await campaigns.record_view(services.db, campaign_id=campaign_id, user_id=user.id if user else None,
                                guest=_guest(request, response, user), now=services.clock.now())
    return response


@router.get("/polls/{poll_id}", response_class=HTMLResponse)
async def poll_page(
    poll_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    """A feature vote (or a room's poll) on a page of its own, with live results."""
    poll = await polls.get_poll(services.db, poll_id=poll_id, user=user)
    return _render(request, "poll.html", user, lang, poll=poll)


@router.get("/quizzes/{quiz_id}", response_class=HTMLResponse)
async def quiz_page(
    quiz_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    """A quiz campaign, played at each player's own pace."""
    quiz = await quizzes.get_quiz(services.db, quiz_id=quiz_id, user=user)
    return _render(request, "quiz.html", user, lang, quiz=quiz)


@router.get("/console/rooms/{room_id}", response_class=HTMLResponse)
async def console_page(
    room_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    room = await rooms.public_room(services.db, room_id=room_id)
    return await _crew_page(
        request, services, user, lang, shop_id=room.shop_id, template="console.html", room=room
    )


async def _numbers_page(
    request: Request, services: Any, user: Any, lang: str | None, *, shop_id: int, template: str, **context: Any
) -> Response:
    """A page of a shop's numbers: its crew, admins and the operators of a base it is on."""
    if user is None:
        return _to_login(request)
    async with services.db.transaction(write=False) as tx:
        allowed = await bases.can_read_numbers(tx.conn, user, shop_id)
    if not allowed:
        return _render(request, "forbidden.html", user, lang, status=403)
    return _render(request, template, user, lang, **context)


@router.get("/screen/rooms/{room_id}", response_class=HTMLResponse)
async def screen_page(
    room_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    """The room's big screen (数据大屏): live numbers, charts, funnel, top products, latest orders."""
    room = await rooms.public_room(services.db, room_id=room_id)
    return await _numbers_page(request, services, user, lang, shop_id=room.shop_id, template="screen.html", room=room)


@router.get("/rooms/{room_id}/report", response_class=HTMLResponse)
async def report_page(
    room_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    """The post-show report: key numbers, charts, comparison with previous shows, minute table, CSV."""
    room = await rooms.public_room(services.db, room_id=room_id)
    if user is None:
        return _to_login(request)
    try:
        found = await report.report_for(services.db, user=user, room_id=room_id, now=services.clock.now())
    except RoomNotFound:
        return _render(request, "forbidden.html", user, lang, status=403)
    return _render(request, "report.html", user, lang, room=room, report=found,
                   minute_label=lambda m: datetime.fromtimestamp(m, UTC).strftime("%H:%M"))


@router.get("/shops/{shop_id}/traffic", response_class=HTMLResponse)
async def traffic_page(
    shop_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    """Where the shop's feed traffic comes from: traffic pools, exposure against what its
    relevance deserved, boosts and splash placements (buying them: the merchant)."""
    shop = await catalog.public_shop(services.db, shop_id=shop_id)
    if user is None:
        return _to_login(request)
    try:
        traffic = await discovery.shop_traffic(services.db, services.discovery, user=user, shop_id=shop_id,
                                               now=services.clock.now())
    except ShopNotFound:
        return _render(request, "forbidden.html", user, lang, status=403)
    role = await catalog.role_in_shop(services.db, user=user, shop_id=shop_id)
    payouts = await trust.payouts(services.db, user=user, shop_id=shop_id) if role in ("merchant", "admin") else None
    followers = await engagement.follower_counts(services.db, shop_id)
    return _render(request, "traffic.html", user, lang, shop=shop, traffic=traffic, merchant=role == "merchant",
                   payouts=payouts, followers=followers)


@router.get("/trust", response_class=HTMLResponse)
async def trust_page(
    request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None,
    status: Annotated[Literal["open", "confirmed", "cleared"], Query()] = "open",
    subject: Annotated[Literal["account", "room", "shop"] | None, Query()] = None,
) -> Response:
    """Trust & safety's review queue (platform admins): what was flagged, the evidence, the
    subject's risk now, every step so far; confirm, clear or reopen with a note."""
    if user is None:
        return _to_login(request)
    if not user.is_admin:
        return _render(request, "forbidden.html", user, lang, status=403)
    flags = await trust.review_page(services.db, services.suspects, user=user, status=status, subject=subject)
    return _render(request, "trust.html", user, lang, flags=flags, flag_status=status, subject=subject)


@router.get("/shops/{shop_id}/diagnostics", response_class=HTMLResponse)
async def diagnostics_page(
    shop_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    """The shop's numbers against comparable shops, with suggestions."""
    shop = await catalog.public_shop(services.db, shop_id=shop_id)
    if user is None:
        return _to_login(request)
    chosen = pick_lang(lang, request.cookies.get("lang"))
    try:
        diagnosis = await analytics.shop_diagnosis(services.db, services.live, user=user, shop_id=shop_id,
                                                   messages=MESSAGES[chosen])
    except ShopNotFound:
        return _render(request, "forbidden.html", user, lang, status=403)
    return _render(request, "diagnostics.html", user, lang, shop=shop, diagnosis=diagnosis)


@router.get("/screen/bases/{base_id}", response_class=HTMLResponse)
async def wall_page(
    base_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    """A live base's wall: every room of the shops it manages."""
    if user is None:
        return _to_login(request)
    try:
        base = await bases.base_detail(services.db, user=user, base_id=base_id)
    except BaseNotFound:
        return _render(request, "forbidden.html", user, lang, status=403)
    return _render(request, "wall.html", user, lang, base=base)


@router.get("/shops/{shop_id}/admin", response_class=HTMLResponse)
async def shop_admin_page(
    shop_id: PathId, request: Request, services: ServicesDep, user: OptionalUser, lang: LangQuery = None
) -> Response:
    shop = await catalog.public_shop(services.db, shop_id=shop_id)
    return await _crew_page(request, services, user, lang, shop_id=shop_id, template="admin.html", shop=shop)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, user: OptionalUser, lang: LangQuery = None) -> Response:
    return _render(request, "login.html", user, lang, mode="login")


@router.get("/signup", response_class=HTMLResponse)
async def signup_page(request: Request, user: OptionalUser, lang: LangQuery = None) -> Response:
    return _render(request, "login.html", user, lang, mode="signup")


@router.get("/sandbox/checkout/{ref}", response_class=HTMLResponse)
async def sandbox_checkout(
    ref: PaymentRef,
    request: Request,
    services: ServicesDep,
    user: OptionalUser,
    lang: LangQuery = None,
) -> Response:
    payment, order = await checkout.payment_for_checkout(services.db, provider=services.sandbox, provider_ref=ref)
    return _render(request, "checkout.html", user, lang, payment=payment, order=order, ref=ref)


@router.post("/sandbox/checkout/{ref}")
async def sandbox_complete(
    ref: PaymentRef,
    outcome: Annotated[Literal["succeeded", "failed"], Form()],
    services: ServicesDep,
    card: Annotated[str, Form(max_length=30, pattern=r"^[0-9 ]*$")] = "",
) -> Response:
    """The sandbox 'bank': signs the outcome as its webhook and delivers it through the same
    verification path as POST /api/v1/payments/sandbox/webhook, then sends the buyer back."""
    payment, order = await checkout.payment_for_checkout(services.db, provider=services.sandbox, provider_ref=ref)
    now = services.clock.now()
    body, headers = services.sandbox.signed_event(
        provider_ref=ref, amount_cents=payment.amount_cents, currency=payment.currency,
        succeeded=outcome == "succeeded", now=now, card=card or None,
    )
    try:
        await checkout.handle_webhook(services.db, provider=services.sandbox, headers=headers, body=body, now=now,
                                      fingerprint=services.guards.fingerprint)
    except LiveshopError:
        pass  # the order page shows the outcome either way
    return RedirectResponse(f"/rooms/{order.room_id}?order={order.id}", status_code=303)
