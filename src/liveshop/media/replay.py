"""The replay: the show's recordings joined into one HLS video on demand, and the product
moments — every pin and every listing added while live — placed on its timeline, so the replay
page can jump to the moment each product was shown.

A show interrupted and resumed was recorded in several files (one per publish). The replay
plays them back to back, so a moment's place is the recorded time before it: the lengths of
the earlier recordings, plus how far into its own recording it happened (a moment in a gap —
while the host was away — goes to the start of the next recording).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from liveshop.core.db import Database
from liveshop.media import store
from liveshop.realtime.events import record_critical
from liveshop.realtime.store import room_events

log = logging.getLogger(__name__)

MOMENT_TYPES = ("pinned", "listing_added")


@dataclass(frozen=True, slots=True)
class Span:
    started_at: datetime
    ended_at: datetime


def offset_of(at: datetime, spans: list[Span]) -> float | None:
    """Where on the replay's timeline (seconds) something that happened at `at` is; None when
    it happened after the last recording ended (or before the first began: clamped to 0)."""
    before = 0.0
    for span in spans:
        if at <= span.started_at:
            return before
        if at <= span.ended_at:
            return before + (at - span.started_at).total_seconds()
        before += (span.ended_at - span.started_at).total_seconds()
    return None


async def moments(db: Database, room_id: int) -> list[dict[str, Any]]:
    """The show's product moments, in order, with their place on the replay."""
    async with db.transaction(write=False) as tx:
        spans = [Span(r["started_at"], r["ended_at"]) for r in await store.recordings_of(tx.conn, room_id)
                 if r["ended_at"] is not None]
        rows = await tx.conn.execute(select(room_events.c.type, room_events.c.payload, room_events.c.created_at)
                                     .where(room_events.c.room_id == room_id,
                                            room_events.c.type.in_(MOMENT_TYPES))
                                     .order_by(room_events.c.seq))
        found = []
        for row in rows:
            listing = row.payload.get("listing")
            if not listing:
                continue  # an unpin
            offset = offset_of(row.created_at, spans)
            if offset is None:
                continue
            found.append({"listing_id": listing["id"], "title": listing.get("title", ""),
                          "price_cents": listing.get("price_cents"), "currency": listing.get("currency"),
                          "kind": row.type, "at": row.created_at, "offset_seconds": round(offset, 1)})
    return found


async def build(db: Database, room_id: int, *, folder: Path) -> float | None:
    """Join the room's recordings into `folder/<room>/index.m3u8` (HLS video on demand, copied,
    not re-encoded). Returns its length in seconds, None when there is nothing to build from."""
    async with db.transaction(write=False) as tx:
        files = [Path(str(r["path"])) for r in await store.recordings_of(tx.conn, room_id) if r["path"]]
    files = [f for f in files if f.exists() and f.stat().st_size > 0]
    if not files:
        return None
    out = folder / str(room_id)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    listing = out / "recordings.txt"
    listing.write_text("".join(f"file '{f.resolve()}'\n" for f in files))
    process = await asyncio.create_subprocess_exec(
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "concat", "-safe", "0", "-i", str(listing),
        "-c", "copy", "-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod",
        "-hls_segment_filename", str(out / "%05d.ts"), str(out / "index.m3u8"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    _, err = await process.communicate()
    listing.unlink(missing_ok=True)
    if process.returncode != 0:
        raise RuntimeError(f"ffmpeg could not build the replay of room {room_id}: {err.decode()[-300:]}")
    return sum(float(line.split(":", 1)[1].rstrip(",")) for line in (out / "index.m3u8").read_text().splitlines()
               if line.startswith("#EXTINF:"))


async def open_sales(tx: Any, room_id: int, *, now: datetime) -> None:
    """The replay is ready: the show's listings are on sale again from it. The stock engines
    learn it as they learn a show going live or ending (`sale_status` on the room's status event)."""
    await record_critical(tx, room_id, "room_status", {"status": "ended", "sale_status": "live", "replay": True},
                          now=now)


async def build_due(db: Database, *, folder: Path, now: datetime) -> int:
    """Build the replays of shows that ended (claimed first: one node builds each)."""
    async with db.transaction(write=False) as tx:
        due = await store.replays_to_build(tx.conn)
    built = 0
    for room_id in due:
        async with db.transaction() as tx:
            if not await store.set_replay(tx.conn, room_id, expected="none", replay="building"):
                continue
        try:
            seconds = await build(db, room_id, folder=folder)
        except Exception:
            log.exception("the replay of room %d failed", room_id)
            seconds, state = None, "failed"
        else:
            state = "ready" if seconds else "failed"
        async with db.transaction() as tx:
            await store.set_replay(tx.conn, room_id, expected="building", replay=state, seconds=seconds)
            if state == "ready":
                await open_sales(tx, room_id, now=now)
        built += state == "ready"
    return built
