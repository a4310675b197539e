"""Builds the ASGI app from the capability routers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from liveshop import __version__
from liveshop.analytics.api import router as analytics_router
from liveshop.bases.api import router as bases_router
from liveshop.bootstrap import Services, build_services
from liveshop.campaigns.api import router as campaigns_router
from liveshop.catalog.api import router as catalog_router
from liveshop.core.auth.api import router as auth_router
from liveshop.core.config import Settings
from liveshop.core.http import BodySizeLimit, ORJSONResponse, install_error_handlers, viewer_id
from liveshop.core.migrate import upgrade
from liveshop.core.tasks import Periodic
from liveshop.coupons.api import router as coupons_router
from liveshop.discovery.api import router as discovery_router
from liveshop.engagement import service as engagement_service
from liveshop.engagement.api import router as engagement_router
from liveshop.fans.api import router as fans_router
from liveshop.inventory.api import router as inventory_router
from liveshop.luckybags.api import router as luckybags_router
from liveshop.media.api import router as media_router
from liveshop.moderation.api import router as moderation_router
from liveshop.orders import service as orders_service
from liveshop.orders.api import router as orders_router
from liveshop.orders.hot_path import HotOrderRoute
from liveshop.polls.api import router as polls_router
from liveshop.quizzes.api import router as quizzes_router
from liveshop.realtime.api import router as realtime_router
from liveshop.referrals.api import router as referrals_router
from liveshop.rooms.api import router as rooms_router
from liveshop.schedules.api import router as schedules_router
from liveshop.trust.api import router as trust_router
from liveshop.web.pages import router as pages_router
from liveshop.web.pages import static_files
from liveshop.webhooks.api import router as webhooks_router

log = logging.getLogger(__name__)


def stream_sweeper(services: Services) -> Periodic:
    """End the shows whose stream dropped and did not come back within the grace time; build
    the replays of shows that ended."""
    from liveshop.media import replay
    from liveshop.media import service as media

    async def sweep() -> None:
        ended = await media.end_abandoned(services.db, now=services.clock.now(),
                                          grace=services.settings.media_grace_seconds)
        if ended:
            log.info("ended %d shows whose stream did not come back", ended)
        await replay.build_due(services.db, folder=Path(services.settings.media_dir) / "replays",
                               now=services.clock.now())

    return Periodic("ending abandoned streams, building replays", sweep,
                    min(5.0, max(0.5, services.settings.media_grace_seconds / 4)))


async def expiry_loop(services: Services) -> None:
    """Expire unpaid orders on time. Safe on many nodes: each order closes exactly once."""
    while True:
        try:
            count = await orders_service.expire_due_orders(services.db, now=services.clock.now())
            if count:
                log.info("expired %d unpaid orders", count)
        except Exception:
            log.exception("order expiry sweep failed")
        await asyncio.sleep(services.settings.expiry_sweep_interval)


async def reminder_loop(services: Services) -> None:
    """Remind viewers whose reserved show went live (exactly once each, on any number of
    nodes), schedule the next show of weekly series, close polls, draw lucky bags and reveal quiz questions whose time is up (each once, on any node)."""
    from liveshop.campaigns.service import reveal_due
    from liveshop.luckybags.service import draw_due_bags
    from liveshop.polls.service import close_due_polls
    from liveshop.quizzes.service import close_due_questions
    from liveshop.schedules.service import roll_series

    while True:
        try:
            await roll_series(services.db, now=services.clock.now())
            while await engagement_service.send_due_reminders(services.db, now=services.clock.now()) == 500:
                pass  # a big show: keep going until every reservation is reminded
            await close_due_polls(services.db, now=services.clock.now())
            await draw_due_bags(services.db, now=services.clock.now())
            await close_due_questions(services.db, now=services.clock.now())
            await reveal_due(services.db, now=services.clock.now())
        except Exception:
            log.exception("reminder sweep failed")
        await asyncio.sleep(services.settings.reminder_sweep_interval)


async def webhook_loop(services: Services) -> None:
    """Deliver merchants' webhooks (each delivery leased by one node at a time), retrying failures."""
    import httpx

    from liveshop.webhooks.service import deliver_due

    async with httpx.AsyncClient(timeout=5.0, follow_redirects=False) as http:
        while True:
            try:
                while await deliver_due(services.db, http, now=services.clock.now()) == 50:
                    pass
            except Exception:
                log.exception("webhook delivery round failed")
            await asyncio.sleep(services.settings.webhook_delivery_interval)


async def revocation_loop(services: Services) -> None:
    """Learn about logouts on other nodes; drop revocations of tokens that have expired."""
    polls = 0
    while True:
        try:
            await services.revocations.refresh(services.db, now=services.clock.now())
            polls += 1
            if polls % 300 == 0:
                await services.revocations.purge(services.db, now=services.clock.now())
        except Exception:
            log.exception("revocation poll failed")
        await asyncio.sleep(services.settings.revocation_poll_seconds)


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    settings = settings or (services.settings if services else Settings())
    services = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auto_migrate:
            await upgrade(services.db)
        services.hub.start()
        if services.bus:
            services.bus.start()
        gateway = None
        if settings.channel_port:
            from liveshop.realtime.gateway import ChannelGateway
            from liveshop.rooms.service import public_room

            async def room_exists(room_id: int) -> None:
                await public_room(services.db, room_id=room_id)

            gateway = ChannelGateway(services.hub, room_exists, functools.partial(viewer_id, services))
            await gateway.start(settings.channel_host, settings.channel_port)
        if services.engine:
            services.engine.start()
        services.event_log.start()
        services.live.start()
        services.discovery.start()
        services.sightings.start()
        services.suspects.start()
        streams = stream_sweeper(services)
        streams.start()
        await services.revocations.refresh(services.db, now=services.clock.now())
        background = [
            asyncio.create_task(expiry_loop(services), name="order-expiry"),
            asyncio.create_task(revocation_loop(services), name="session-revocations"),
            asyncio.create_task(reminder_loop(services), name="show-reminders"),
            asyncio.create_task(webhook_loop(services), name="webhook-deliveries"),
        ]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            for task in background:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if services.engine:
                await services.engine.stop()
            await services.discovery.stop()
            await services.sightings.stop()
            await services.suspects.stop()
            await streams.stop()
            await services.guards.close()
            await services.relays.stop_all()
            await services.live.stop()
            try:
                await services.event_log.stop()  # writes what is still buffered
            except Exception:
                log.exception("analytics events still buffered at shutdown were not written")
            if gateway:
                await gateway.stop()
            if services.bus:
                await services.bus.stop()
            await services.hub.stop()
            await services.db.dispose()

    app = FastAPI(
        title="liveshop",
        version=__version__,
        description="Self-hosted live commerce: rooms that sell. Errors are RFC 9457 problem+json.",
        lifespan=lifespan,
        default_response_class=ORJSONResponse,
    )
    app.state.services = services
    install_error_handlers(app)
    for router in (
        auth_router, catalog_router, rooms_router, inventory_router, orders_router,
        engagement_router, polls_router, coupons_router, luckybags_router, quizzes_router, fans_router, schedules_router, referrals_router, campaigns_router, moderation_router, webhooks_router, realtime_router, analytics_router, bases_router, discovery_router, trust_router, media_router, pages_router,
    ):
        app.include_router(router)
    app.mount("/static", static_files(), name="static")

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    async def metrics() -> str:
        hub = services.hub
        return (
            "# TYPE liveshop_hub_frames_encoded_total counter\n"
            f"liveshop_hub_frames_encoded_total {hub.frames_encoded}\n"
            "# TYPE liveshop_hub_connections gauge\n"
            f"liveshop_hub_connections {hub.total_connections()}\n"
        )

    if settings.bench_routes:
        from liveshop.bench.routes import LeanEcho
        from liveshop.bench.routes import router as bench_router

        app.include_router(bench_router)
        app.add_middleware(LeanEcho)
    # Added first, so the body limit (added next) wraps it too.
    app.add_middleware(HotOrderRoute, services=services)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
