from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from liveshop.core.http import CurrentUser, ServicesDep
from liveshop.core.validation import Body, Id, PathId, Text, Timestamp
from liveshop.inventory.service import find_listing_in_room
from liveshop.rooms import service
from liveshop.rooms.store import Room

router = APIRouter(prefix="/api/v1", tags=["rooms"])


class RoomIn(Body):
    shop_id: Id
    title: Text(120)  # type: ignore[valid-type]
    description: Text(2000, min_length=0) = ""  # type: ignore[valid-type]
    scheduled_at: Timestamp


class PinIn(Body):
    listing_id: Id | None


class RoomOut(BaseModel):
    id: int
    shop_id: int
    title: str
    description: str
    status: str
    scheduled_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    pinned_listing_id: int | None
    pinned_listing: dict[str, Any] | None = None
    viewers: int = 0
    likes: int = 0
    seq: int | None = None


class CreatedRoomOut(RoomOut):
    stream_key: str


class StreamKeyOut(BaseModel):
    stream_key: str


def room_out(room: Room, services: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": room.id,
        "shop_id": room.shop_id,
        "title": room.title,
        "description": room.description,
        "status": room.status,
        "scheduled_at": room.scheduled_at,
        "started_at": room.started_at,
        "ended_at": room.ended_at,
        "pinned_listing_id": room.pinned_listing_id,
        "viewers": services.hub.viewers(room.id),
        "likes": services.hub.likes(room.id),
        **extra,
    }


@router.post("/rooms", status_code=201, response_model=CreatedRoomOut)
async def create_room(body: RoomIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Schedule a show. The answer carries the stream key for OBS; keep it secret."""
    room = await service.create_room(
        services.db, user=user, shop_id=body.shop_id, title=body.title,
        description=body.description, scheduled_at=body.scheduled_at, now=services.clock.now(),
    )
    return room_out(room, services, stream_key=room.stream_key)


@router.get("/rooms", response_model=list[RoomOut])
async def list_rooms(
    services: ServicesDep,
    status: Literal["scheduled", "live", "ended"] | None = None,
    shop_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[dict[str, Any]]:
    rooms = await service.list_rooms(services.db, status=status, shop_id=shop_id, limit=limit)
    return [room_out(r, services) for r in rooms]


@router.get("/rooms/{room_id}", response_model=RoomOut)
async def get_room(room_id: PathId, services: ServicesDep) -> dict[str, Any]:
    room, pinned, seq = await service.room_detail(
        services.db, room_id=room_id, find_listing=find_listing_in_room
    )
    return room_out(room, services, pinned_listing=pinned, seq=seq)


@router.post("/rooms/{room_id}/start", response_model=RoomOut)
async def start_room(room_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    room = await service.change_status(
        services.db, user=user, room_id=room_id, action="start", now=services.clock.now()
    )
    return room_out(room, services)


@router.post("/rooms/{room_id}/end", response_model=RoomOut)
async def end_room(room_id: PathId, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    room = await service.change_status(
        services.db, user=user, room_id=room_id, action="end", now=services.clock.now()
    )
    return room_out(room, services)


@router.post("/rooms/{room_id}/pin", response_model=RoomOut)
async def pin(room_id: PathId, body: PinIn, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Pin a listing as the product card on every viewer's screen (null unpins)."""
    room, listing = await service.pin_listing(
        services.db, user=user, room_id=room_id, listing_id=body.listing_id,
        find_listing=find_listing_in_room, now=services.clock.now(),
    )
    return room_out(room, services, pinned_listing=listing)


@router.get("/rooms/{room_id}/stream-key", response_model=StreamKeyOut)
async def get_stream_key(room_id: PathId, user: CurrentUser, services: ServicesDep) -> StreamKeyOut:
    return StreamKeyOut(stream_key=await service.stream_key(services.db, user=user, room_id=room_id))


@router.post("/rooms/{room_id}/stream-key", response_model=StreamKeyOut)
async def rotate_stream_key(room_id: PathId, user: CurrentUser, services: ServicesDep) -> StreamKeyOut:
    """Issue a new stream key; the old one stops working at once."""
    key = await service.rotate_stream_key(services.db, user=user, room_id=room_id)
    return StreamKeyOut(stream_key=key)
