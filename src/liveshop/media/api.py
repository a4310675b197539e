"""Video: the media server's hooks (on_publish, on_publish_done), and each room's stream for
players and for OBS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field, StrictBool

from liveshop.core.errors import PermissionDenied
from liveshop.core.http import CurrentUser, OptionalUser, ServicesDep
from liveshop.core.validation import Body, PathId, Text
from liveshop.media import hooks, service

router = APIRouter(prefix="/api/v1", tags=["video"])


class HookForbidden(PermissionDenied):
    code = "hook_forbidden"
    title = "Only the media server calls its hooks"


def _from_media_server(request: Request, services: Any) -> None:
    # The stream key is what authorises a publish; the address check keeps anyone else from
    # calling publish_done (which would interrupt a show) from outside.
    if not request.client or request.client.host not in services.settings.media_hook_from:
        raise HookForbidden()


async def _publish(services: Any, call: hooks.HookCall) -> dict[str, Any]:
    result = await service.on_publish(services.db, name=call.name, key=call.key, addr=call.addr,
                                      now=services.clock.now())
    room_id = result["room_id"]
    pull = services.settings.media_pull_url or services.settings.media_rtmp_url
    await services.relays.start(room_id, f"{pull.rstrip('/')}/{room_id}", await service.relay_targets(services.db, room_id))
    return result


async def _publish_done(services: Any, call: hooks.HookCall) -> dict[str, Any]:
    result = await service.on_publish_done(services.db, name=call.name, now=services.clock.now())
    await services.relays.stop(result["room_id"])
    return result


# Every answer carries "code": 0 — what SRS reads as "allowed"; a refusal is a 4xx problem+json,
# which every server reads as "refused".

@router.post("/media/hooks/publish", include_in_schema=False)
async def publish_hook(request: Request, services: ServicesDep) -> dict[str, Any]:
    """A stream wants in (nginx-rtmp `on_publish`, SRS `on_publish`, MediaMTX auth — media/hooks.py):
    2xx lets it in, anything else refuses it."""
    _from_media_server(request, services)
    call = await hooks.read(request, default="publish")
    if call.action == "publish":
        return {"code": 0, **await _publish(services, call)}
    if call.action == "publish_done":
        return {"code": 0, **await _publish_done(services, call)}
    return {"code": 0}  # MediaMTX asking whether someone may watch: a live show is public


@router.post("/media/hooks/publish_done", include_in_schema=False)
async def publish_done_hook(request: Request, services: ServicesDep) -> dict[str, Any]:
    _from_media_server(request, services)
    call = await hooks.read(request, default="publish_done")
    if call.action not in ("publish_done", "other"):
        raise hooks.BadHook("This hook is for streams that stopped")
    return {"code": 0, **await _publish_done(services, call)}


@router.post("/media/hooks/record_done", include_in_schema=False)
async def record_done_hook(request: Request, services: ServicesDep) -> dict[str, Any]:
    _from_media_server(request, services)
    call = await hooks.read(request, default="record_done")
    return {"code": 0, **await service.on_record_done(
        services.db, name=call.name, path=call.path, now=services.clock.now(),
        recordings=Path(services.settings.media_dir) / "recordings")}


@router.get("/rooms/{room_id}/replay")
async def room_replay(room_id: PathId, services: ServicesDep) -> dict[str, Any]:
    """The show's replay (when built) and its product moments: each pin and listing of the
    show with its place on the replay's timeline (`offset_seconds`)."""
    return await service.replay_view(services.db, room_id=room_id, replay_url=services.settings.media_replay_url)


@router.get("/rooms/{room_id}/media")
async def room_media(room_id: PathId, user: OptionalUser, services: ServicesDep) -> dict[str, Any]:
    """The stream's state and the HLS playlist to play; for the room's merchant and host also
    the server and stream key to put in OBS."""
    settings = services.settings
    return await service.room_media(services.db, room_id=room_id, user=user, rtmp_url=settings.media_rtmp_url,
                                    hls_url=settings.media_hls_url)


class MediaChoice(Body):
    start_on_publish: StrictBool


@router.put("/rooms/{room_id}/media")
async def choose(room_id: PathId, body: MediaChoice, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Whether the show goes live by itself when the host's stream arrives (default: yes)."""
    await service.choose(services.db, user=user, room_id=room_id, start_on_publish=body.start_on_publish)
    return await room_media(room_id, user, services)


class PushTargetIn(Body):
    name: Text(40)  # type: ignore[valid-type]
    url: str = Field(max_length=500, pattern=r"^rtmps?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[^\s]+$",
                     description="the other platform's RTMP(S) ingest URL, with its stream key")


@router.get("/rooms/{room_id}/push-targets")
async def push_targets(room_id: PathId, user: CurrentUser, services: ServicesDep) -> list[dict[str, Any]]:
    """Where the room's stream is relayed while live (keys hidden), and each relay's state."""
    return await service.push_targets(services.db, user=user, room_id=room_id,
                                      states=services.relays.states(room_id))


@router.post("/rooms/{room_id}/push-targets", status_code=201)
async def add_push_target(room_id: PathId, body: PushTargetIn, user: CurrentUser,
                          services: ServicesDep) -> dict[str, Any]:
    """Simulcast to another platform (the merchant and host; at most 5): relayed from the next
    time the host publishes."""
    return await service.add_push_target(services.db, user=user, room_id=room_id, name=body.name, url=body.url,
                                         now=services.clock.now())


@router.delete("/push-targets/{target_id}", status_code=204)
async def remove_push_target(target_id: PathId, user: CurrentUser, services: ServicesDep) -> None:
    await service.remove_push_target(services.db, user=user, target_id=target_id)
