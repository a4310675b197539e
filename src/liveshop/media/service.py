"""The rules of a room's stream, driven by the media server's hooks.

- `on_publish`: only the room's current stream key may publish, only while the room is
  scheduled or live. A scheduled room goes live when its stream arrives, if the merchant chose
  that (the default). A wrong key is refused and logged without the key.
- `on_publish_done`: the stream dropped — viewers are told the host will be right back, and the
  show waits `grace` seconds for the host to come back (publishing again resumes it).
- `end_abandoned` (every node, every few seconds): a stream interrupted for longer than the
  grace ends its show. Compare-and-set on the stream and the room: several nodes sweeping end
  each show once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.core.errors import Conflict, NotFound, PermissionDenied
from liveshop.core.ids import same_secret
from liveshop.media import store
from liveshop.realtime.events import record_critical
from liveshop.rooms import store as rooms_store
from liveshop.rooms.service import access_room, get_public_room

log = logging.getLogger(__name__)

KEY_HOLDERS = frozenset({"merchant", "host"})  # who sees the stream key (as rooms/ decides)


class StreamRefused(PermissionDenied):
    code = "stream_refused"
    title = "This stream key may not publish to this room"


class StreamNotAllowedNow(Conflict):
    code = "stream_not_allowed"
    title = "The room does not take a stream now"


class UnknownStream(NotFound):
    code = "unknown_stream"
    title = "No room streams under this name"


def room_of(name: str) -> int:
    """The room a stream name is for: OBS publishes to `<room id>?key=<stream key>`."""
    if not name.isdigit() or not 0 < int(name) < 2**53:
        raise UnknownStream()
    return int(name)


async def on_publish(db: Database, *, name: str, key: str, addr: str, now: datetime) -> dict[str, Any]:
    room_id = room_of(name)
    async with db.transaction() as tx:
        room = await rooms_store.room_by_id(tx.conn, room_id, for_update=True)
        if room is None:
            raise UnknownStream()
        if not key or not same_secret(room.stream_key, key):
            log.warning("refused a stream for room %d from %s: wrong stream key", room_id, addr)
            raise StreamRefused()
        if room.status == "ended":
            raise StreamNotAllowedNow("The show has ended; schedule a new one", current_status=room.status)
        stream = await store.stream_of(tx.conn, room_id)
        if room.status == "scheduled" and stream.start_on_publish:
            room = await rooms_store.set_status_if(tx.conn, room_id, expected="scheduled", status="live",
                                                   started_at=now) or room
            await record_critical(tx, room_id, "room_status", {"status": room.status}, now=now)
        stream = await store.published(tx.conn, room_id, now)
        await store.open_recording(tx.conn, room_id, now)
        await record_critical(tx, room_id, "stream", {"state": "publishing"}, now=now)
    log.info("room %d: stream publishing (publish #%d)", room_id, stream.publishes)
    return {"room_id": room_id, "room_status": room.status, "stream": stream.state}


async def on_publish_done(db: Database, *, name: str, now: datetime) -> dict[str, Any]:
    room_id = room_of(name)
    async with db.transaction() as tx:
        if await store.move(tx.conn, room_id, expected="publishing", state="interrupted", now=now):
            await record_critical(tx, room_id, "stream", {"state": "interrupted"}, now=now)
        await store.close_recording(tx.conn, room_id, now)
    return {"room_id": room_id, "stream": "interrupted"}


class BadRecording(PermissionDenied):
    code = "bad_recording"
    title = "Recordings are only taken from the media folder"


async def on_record_done(db: Database, *, name: str, path: str, recordings: Path, now: datetime) -> dict[str, Any]:
    """The media server closed a recording of the room's stream: keep its file for the replay
    (only a .flv inside the recordings folder: the path is later handed to ffmpeg)."""
    room_id = room_of(name)
    file = Path(path)
    if not (file.is_absolute() and file.suffix == ".flv" and file.resolve().parent == recordings.resolve()):
        raise BadRecording()
    async with db.transaction() as tx:
        known = await store.close_recording(tx.conn, room_id, now, path=str(file.resolve()))
    return {"room_id": room_id, "recorded": known}


async def end_abandoned(db: Database, *, now: datetime, grace: float) -> int:
    """End the shows whose stream has been interrupted for longer than `grace` seconds."""
    async with db.transaction(write=False) as tx:
        due = await store.interrupted_before(tx.conn, now - timedelta(seconds=grace))
    ended = 0
    for room_id in due:
        async with db.transaction() as tx:
            if not await store.move(tx.conn, room_id, expected="interrupted", state="ended", now=now):
                continue  # the host came back, or another node got there first
            await record_critical(tx, room_id, "stream", {"state": "ended"}, now=now)
            if await rooms_store.set_status_if(tx.conn, room_id, expected="live", status="ended", ended_at=now):
                await record_critical(tx, room_id, "room_status", {"status": "ended"}, now=now)
                ended += 1
    return ended


async def room_media(db: Database, *, room_id: int, user: User | None, rtmp_url: str, hls_url: str) -> dict[str, Any]:
    """What a player needs (everyone), and what OBS needs (the room's merchant and host)."""
    async with db.transaction(write=False) as tx:
        room = await get_public_room(tx.conn, room_id)
        stream = await store.stream_of(tx.conn, room_id)
        obs = None
        if user is not None:
            try:
                await access_room(tx.conn, user, room_id, KEY_HOLDERS)
                obs = {"server": rtmp_url, "stream_key": f"{room_id}?key={room.stream_key}"}
            except (NotFound, PermissionDenied):
                pass
    return {"room_id": room_id, "room_status": room.status, "stream": stream.state,
            "start_on_publish": stream.start_on_publish, "hls_url": f"{hls_url.rstrip('/')}/{room_id}.m3u8",
            "replay": stream.replay, "replay_seconds": stream.replay_seconds,
            **({"obs": obs} if obs else {})}


async def choose(db: Database, *, user: User, room_id: int, start_on_publish: bool) -> None:
    async with db.transaction() as tx:
        await access_room(tx.conn, user, room_id, KEY_HOLDERS)
        await store.set_choice(tx.conn, room_id, start_on_publish=start_on_publish)


async def replay_view(db: Database, *, room_id: int, replay_url: str) -> dict[str, Any]:
    from liveshop.media import replay

    async with db.transaction(write=False) as tx:
        room = await get_public_room(tx.conn, room_id)
        stream = await store.stream_of(tx.conn, room_id)
    ready = stream.replay == "ready"
    return {"room_id": room_id, "room_status": room.status, "replay": stream.replay,
            "seconds": stream.replay_seconds,
            "hls_url": f"{replay_url.rstrip('/')}/{room_id}/index.m3u8" if ready else None,
            "moments": await replay.moments(db, room_id)}


# Simulcast push targets ------------------------------------------------------------------------

MAX_TARGETS = 5


class TooManyTargets(Conflict):
    code = "too_many_push_targets"
    title = "A room relays to at most 5 other platforms"


class TargetNotFound(NotFound):
    code = "push_target_not_found"
    title = "Push target not found"


def masked(url: str) -> str:
    """A push URL as it is shown back: the other platform's stream key (the last path segment
    and any query) hidden."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path.rsplit("/", 1)[0] if parts.path.count("/") > 1 else ""
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{path}/••••"


def _target_view(target: dict[str, Any], states: dict[int, str]) -> dict[str, Any]:
    return {"id": target["id"], "name": target["name"], "url": masked(str(target["url"])),
            "relay": states.get(int(target["id"]), "idle"), "created_at": target["created_at"]}


async def push_targets(db: Database, *, user: User, room_id: int, states: dict[int, str]) -> list[dict[str, Any]]:
    async with db.transaction(write=False) as tx:
        await access_room(tx.conn, user, room_id, KEY_HOLDERS)
        return [_target_view(t, states) for t in await store.targets_of(tx.conn, room_id)]


async def add_push_target(db: Database, *, user: User, room_id: int, name: str, url: str,
                          now: datetime) -> dict[str, Any]:
    async with db.transaction() as tx:
        await access_room(tx.conn, user, room_id, KEY_HOLDERS)
        if await store.count_targets(tx.conn, room_id) >= MAX_TARGETS:
            raise TooManyTargets()
        target_id = await store.add_target(tx.conn, room_id=room_id, name=name, url=url, created_at=now)
        target = await store.target_by_id(tx.conn, target_id)
    assert target is not None
    return _target_view(target, {})


async def remove_push_target(db: Database, *, user: User, target_id: int) -> int:
    async with db.transaction() as tx:
        target = await store.target_by_id(tx.conn, target_id)
        if target is None:
            raise TargetNotFound()
        try:
            await access_room(tx.conn, user, int(target["room_id"]), KEY_HOLDERS)
        except NotFound as exc:
            raise TargetNotFound() from exc
        await store.remove_target(tx.conn, target_id)
        return int(target["room_id"])


async def relay_targets(db: Database, room_id: int) -> list[tuple[int, str]]:
    async with db.transaction(write=False) as tx:
        return [(int(t["id"]), str(t["url"])) for t in await store.targets_of(tx.conn, room_id)]


# Selling from the replay ----------------------------------------------------------------------

async def sale_status(conn: Any, room: Any) -> str:
    """Whether a room sells now, as the stock paths ask it: "live" while the show is live and,
    after it ended, once its replay is ready (the replay page sells the show's listings while
    their stock lasts); otherwise the room's own status ("scheduled" / "ended")."""
    if room.status == "ended" and (await store.stream_of(conn, room.id)).replay == "ready":
        return "live"
    return str(room.status)
