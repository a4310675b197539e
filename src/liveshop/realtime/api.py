"""The room channel: WebSocket, with Server-Sent Events as the fallback. Same frames on both."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, WebSocket
from fastapi.responses import StreamingResponse
from starlette.websockets import WebSocketDisconnect

from liveshop.analytics.events import channel_presence
from liveshop.bootstrap import Services
from liveshop.core.errors import NotFound
from liveshop.core.http import SESSION_COOKIE, ServicesDep, request_origin, viewer_id
from liveshop.core.ids import GUEST_COOKIE
from liveshop.core.validation import MAX_ID, PathId
from liveshop.rooms.service import public_room

router = APIRouter(prefix="/api/v1", tags=["room channel"])

Since = Annotated[int | None, Query(ge=0, le=MAX_ID, description="last critical seq the client has")]


@router.websocket("/rooms/{room_id}/live")
async def room_socket(websocket: WebSocket, room_id: int, since: int | None = None) -> None:
    services: Services = websocket.app.state.services
    if not (1 <= room_id <= MAX_ID) or (since is not None and not (0 <= since <= MAX_ID)):
        await websocket.close(code=4400)
        return
    # A join storm must not queue on the database: once the room has a channel here, it is
    # known to exist (found by `liveshop bench fanout`: 5,000 joins exhausted the pool).
    if not services.hub.has_channel(room_id):
        try:
            await public_room(services.db, room_id=room_id)
        except NotFound:
            await websocket.close(code=4404)
            return
    await websocket.accept()
    user_id = viewer_id(services, websocket.cookies.get(SESSION_COOKIE))
    if user_id is not None:
        services.sightings.saw(user_id, "join", request_origin(websocket))
    visitor, source = channel_presence(user_id, websocket.cookies.get(GUEST_COOKIE), websocket.query_params.get("src"))
    conn, first = await services.hub.subscribe(room_id, since, user_id=user_id, visitor=visitor, source=source)

    async def pump() -> None:
        await websocket.send_text(first)
        while (frame := await conn.next_frame()) is not None:
            await websocket.send_text(frame)
        # The hub closed us (too slow for a critical event): the client resumes with since=.
        await websocket.close(code=4008)

    async def drain_incoming() -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return

    tasks = [asyncio.create_task(pump()), asyncio.create_task(drain_incoming())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task
        services.hub.unsubscribe(conn)


@router.get("/rooms/{room_id}/events", response_class=StreamingResponse)
async def room_events(
    room_id: PathId,
    request: Request,
    services: ServicesDep,
    since: Since = None,
    src: Annotated[str | None, Query(max_length=16, description="where the viewer came from: feed, follow, "
                                     "reservation, share, boost; console/screen for the crew's pages")] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """The room channel as text/event-stream; each message's id is the critical seq.

    Browsers' EventSource resumes by itself with Last-Event-ID.
    """
    if not services.hub.has_channel(room_id):
        await public_room(services.db, room_id=room_id)
    if since is None and last_event_id and last_event_id.isdigit():
        since = min(int(last_event_id), MAX_ID)
    user_id = viewer_id(services, request.cookies.get(SESSION_COOKIE))
    visitor, source = channel_presence(user_id, request.cookies.get(GUEST_COOKIE), src)
    conn, first = await services.hub.subscribe(room_id, since, user_id=user_id, visitor=visitor, source=source)

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            frame: str | None = first
            while frame is not None:
                yield f"id: {_seq_of(frame)}\ndata: {frame}\n\n"
                frame = await conn.next_frame()
        finally:
            services.hub.unsubscribe(conn)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _seq_of(frame: str) -> str:
    # Frames start with {"seq":N, ...}; reading it back avoids decoding the whole frame.
    head = frame[7 : frame.index(",", 7)]
    return head if head.isdigit() else "0"
