"""Video: the media server's hooks (on_publish, on_publish_done), and each room's stream for
players and for OBS."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import StrictBool

from liveshop.core.errors import PermissionDenied
from liveshop.core.http import CurrentUser, OptionalUser, ServicesDep
from liveshop.core.validation import Body, PathId
from liveshop.media import service

router = APIRouter(prefix="/api/v1", tags=["video"])


class HookForbidden(PermissionDenied):
    code = "hook_forbidden"
    title = "Only the media server calls its hooks"


def _from_media_server(request: Request, services: Any) -> None:
    # The stream key is what authorises a publish; the address check keeps anyone else from
    # calling publish_done (which would interrupt a show) from outside.
    if not request.client or request.client.host not in services.settings.media_hook_from:
        raise HookForbidden()


StreamName = Annotated[str, Form(max_length=64)]


@router.post("/media/hooks/publish", include_in_schema=False)
async def publish_hook(request: Request, services: ServicesDep, name: StreamName,
                       key: Annotated[str, Form(max_length=128)] = "",
                       addr: Annotated[str, Form(max_length=64)] = "") -> dict[str, Any]:
    """nginx-rtmp `on_publish` (form fields: name, the stream's arguments such as key, addr):
    2xx lets the stream in, anything else refuses it."""
    _from_media_server(request, services)
    return await service.on_publish(services.db, name=name, key=key, addr=addr, now=services.clock.now())


@router.post("/media/hooks/publish_done", include_in_schema=False)
async def publish_done_hook(request: Request, services: ServicesDep, name: StreamName) -> dict[str, Any]:
    _from_media_server(request, services)
    return await service.on_publish_done(services.db, name=name, now=services.clock.now())


@router.post("/media/hooks/record_done", include_in_schema=False)
async def record_done_hook(request: Request, services: ServicesDep, name: StreamName,
                           path: Annotated[str, Form(max_length=500)]) -> dict[str, Any]:
    _from_media_server(request, services)
    return await service.on_record_done(services.db, name=name, path=path, now=services.clock.now(),
                                        recordings=Path(services.settings.media_dir) / "recordings")


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
