"""Each room's stream: whether its host is publishing, interrupted or done, and what the
merchant chose (start the show when the stream arrives)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, conflict_insert, metadata
from liveshop.rooms.store import rooms

STATES = ("idle", "publishing", "interrupted", "ended")

streams = Table(
    "media_streams",
    metadata,
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True),
    # idle (never published) | publishing | interrupted (dropped; waiting for the host) | ended
    Column("state", String(12), nullable=False, default="idle"),
    Column("start_on_publish", Boolean, nullable=False, default=True),
    Column("publishes", Integer, nullable=False, default=0),
    Column("first_publish_at", UTCDateTime(), nullable=True),
    Column("state_since", UTCDateTime(), nullable=True),
    # The replay: none | building | ready | failed, and its length in seconds.
    Column("replay", String(12), nullable=False, server_default="none"),
    Column("replay_seconds", Float, nullable=True),
    Index("ix_media_streams_state_since", "state", "state_since"),
)

# What the media server recorded of a show: one file per publish (a show interrupted and
# resumed has several), with the wall-clock span it covers — how the replay's timeline maps
# back to the moments of the show.
recordings = Table(
    "media_recordings",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime(), nullable=True),
    Column("path", String(500), nullable=True),
    Index("ix_media_recordings_room_id", "room_id"),
)


@dataclass(frozen=True, slots=True)
class Stream:
    room_id: int
    state: str
    start_on_publish: bool
    publishes: int
    first_publish_at: datetime | None
    state_since: datetime | None
    replay: str = "none"
    replay_seconds: float | None = None


def _stream(row) -> Stream:  # type: ignore[no-untyped-def]
    return Stream(**{k: getattr(row, k) for k in Stream.__slots__})


async def stream_of(conn: AsyncConnection, room_id: int) -> Stream:
    row = (await conn.execute(select(streams).where(streams.c.room_id == room_id))).first()
    return _stream(row) if row else Stream(room_id, "idle", True, 0, None, None)  # never published


async def ensure(conn: AsyncConnection, room_id: int) -> None:
    await conn.execute(conflict_insert(conn, streams).values(room_id=room_id, state="idle", start_on_publish=True,
                                                             publishes=0).on_conflict_do_nothing())


async def set_choice(conn: AsyncConnection, room_id: int, *, start_on_publish: bool) -> None:
    await ensure(conn, room_id)
    await conn.execute(update(streams).where(streams.c.room_id == room_id).values(start_on_publish=start_on_publish))


async def published(conn: AsyncConnection, room_id: int, now: datetime) -> Stream:
    await ensure(conn, room_id)
    row = (await conn.execute(
        update(streams).where(streams.c.room_id == room_id)
        .values(state="publishing", state_since=now, publishes=streams.c.publishes + 1)
        .returning(*streams.c))).one()
    if row.first_publish_at is None:
        row = (await conn.execute(update(streams).where(streams.c.room_id == room_id)
                                  .values(first_publish_at=now).returning(*streams.c))).one()
    return _stream(row)


async def move(conn: AsyncConnection, room_id: int, *, expected: str, state: str, now: datetime) -> bool:
    """Compare-and-set: of two nodes sweeping, or a hook racing a sweep, one moves the stream."""
    result = await conn.execute(update(streams).where(streams.c.room_id == room_id, streams.c.state == expected)
                                .values(state=state, state_since=now))
    return result.rowcount == 1


async def interrupted_before(conn: AsyncConnection, cutoff: datetime, limit: int = 100) -> list[int]:
    rows = await conn.execute(select(streams.c.room_id)
                              .where(streams.c.state == "interrupted", streams.c.state_since <= cutoff).limit(limit))
    return [r.room_id for r in rows]


async def open_recording(conn: AsyncConnection, room_id: int, now: datetime) -> None:
    await conn.execute(insert(recordings).values(room_id=room_id, started_at=now))


async def close_recording(conn: AsyncConnection, room_id: int, now: datetime, *, path: str | None = None) -> bool:
    """The room's latest recording ends now (publish_done), or gets its file (record_done)."""
    latest = (await conn.execute(select(recordings.c.id, recordings.c.ended_at).where(recordings.c.room_id == room_id)
                                 .order_by(recordings.c.id.desc()).limit(1))).first()
    if latest is None:
        return False
    values: dict[str, object] = {}
    if latest.ended_at is None:
        values["ended_at"] = now
    if path is not None:
        values["path"] = path
    if values:
        await conn.execute(update(recordings).where(recordings.c.id == latest.id).values(**values))
    return True


async def recordings_of(conn: AsyncConnection, room_id: int) -> list[dict[str, object]]:
    rows = await conn.execute(select(recordings).where(recordings.c.room_id == room_id).order_by(recordings.c.id))
    return [dict(r._mapping) for r in rows]


async def replays_to_build(conn: AsyncConnection, limit: int = 10) -> list[int]:
    """Shows that ended, whose stream was recorded, and whose replay is not built yet."""
    rows = await conn.execute(select(streams.c.room_id).join(rooms, rooms.c.id == streams.c.room_id)
                              .where(streams.c.replay == "none", rooms.c.status == "ended",
                                     # not while the encoder still sends: its last file is not closed yet
                                     streams.c.state.in_(("interrupted", "ended")),
                                     streams.c.publishes > 0).limit(limit))
    return [r.room_id for r in rows]


async def set_replay(conn: AsyncConnection, room_id: int, *, expected: str, replay: str,
                     seconds: float | None = None) -> bool:
    result = await conn.execute(update(streams).where(streams.c.room_id == room_id, streams.c.replay == expected)
                                .values(replay=replay, replay_seconds=seconds))
    return result.rowcount == 1


# Simulcast: other platforms' RTMP ingest URLs (with their keys: secrets) a room's stream is
# relayed to while it is live.
push_targets = Table(
    "media_push_targets",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("room_id", IdType, ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(40), nullable=False),
    Column("url", String(500), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_media_push_targets_room_id", "room_id"),
)


async def add_target(conn: AsyncConnection, **values: object) -> int:
    row = (await conn.execute(insert(push_targets).values(**values).returning(push_targets.c.id))).one()
    return int(row.id)


async def targets_of(conn: AsyncConnection, room_id: int) -> list[dict[str, object]]:
    rows = await conn.execute(select(push_targets).where(push_targets.c.room_id == room_id)
                              .order_by(push_targets.c.id))
    return [dict(r._mapping) for r in rows]


async def target_by_id(conn: AsyncConnection, target_id: int) -> dict[str, object] | None:
    row = (await conn.execute(select(push_targets).where(push_targets.c.id == target_id))).first()
    return dict(row._mapping) if row else None


async def remove_target(conn: AsyncConnection, target_id: int) -> None:
    await conn.execute(delete(push_targets).where(push_targets.c.id == target_id))


async def count_targets(conn: AsyncConnection, room_id: int) -> int:
    return int((await conn.execute(select(func.count()).where(push_targets.c.room_id == room_id))).scalar_one())
