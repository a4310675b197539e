"""In-process room hub: one frame per room per tick, encoded once, written to every connection.

Lanes:
- critical events carry the room's sequence number; they are delivered in order, never
  dropped (a connection that cannot take one is closed so its client resumes with since=);
- stock ticks and poll tallies are coalesced to the latest value per listing / poll;
  purchases are best effort;
  chat is sampled to a per-tick budget: staff first, then buyers and fans, then the rest;
- likes and viewers travel as counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from liveshop.realtime.events import TALLY_KEYS

log = logging.getLogger(__name__)

LoadEvents = Callable[[int, int, int], Awaitable[list[dict[str, Any]]]]
LoadLastSeq = Callable[[int], Awaitable[int]]

RING_SIZE = 1024
BACKLOG_LIMIT = 2000
GAP_WAIT_SECONDS = 1.0
KEEPALIVE_SECONDS = 10.0


class Viewer(Protocol):
    """What the hub needs of a connection: the queue-backed one below (ASGI routes) or the
    gateway's transport-backed one (realtime/gateway.py)."""

    room_id: int
    user_id: int | None
    visitor: str | None
    source: str
    closed: bool
    dropped_frames: int

    def offer(self, frame: str, *, critical: bool) -> None: ...

    def close(self) -> None: ...


class Connection:
    """One subscriber's bounded outbox of encoded frames."""

    def __init__(self, room_id: int, maxsize: int) -> None:
        self.room_id = room_id
        self.user_id: int | None = None  # a signed-in viewer: gets their own orders' events
        self.visitor: str | None = None  # who watches, for analytics ("u<id>", "a<cookie>")
        self.source = ""  # where they came from (feed, follow, reservation, share, boost, direct)
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize)
        self.closed = False
        self.dropped_frames = 0

    def offer(self, frame: str, *, critical: bool) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            if critical:
                # Never drop a critical event silently: end this connection; the client
                # reconnects with since=<last seq> and gets everything it missed.
                self.close()
            else:
                self.dropped_frames += 1

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)
        if self.queue.full():
            # Make room for the end marker: the reader must learn the stream ended.
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    async def next_frame(self) -> str | None:
        return await self.queue.get()


@dataclass
class RoomChannel:
    room_id: int
    delivered_seq: int
    connections: set[Viewer] = field(default_factory=set)
    # Signed-in viewers by user, and events for one user only (their orders) this tick.
    by_user: dict[int, set[Viewer]] = field(default_factory=dict)
    private: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    ring: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RING_SIZE))
    held: dict[int, dict[str, Any]] = field(default_factory=dict)
    gap_since: float | None = None
    stock: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Live tallies (a poll's votes, a lucky bag's entrants, a quiz's leaderboard): only the
    # latest of each reaches viewers per tick.
    tallies: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    purchases: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=50))
    chat: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=500))
    likes: int = 0
    # Viewers connected to other nodes (the cross-node bus keeps it fresh; 0 on one node).
    other_viewers: int = 0
    counters_sent: tuple[int, int] = (-1, -1)
    last_frame_at: float = 0.0
    idle_since: float | None = None


class RoomHub:
    def __init__(
        self,
        *,
        load_events: LoadEvents,
        load_last_seq: LoadLastSeq,
        tick_seconds: float = 0.1,
        chat_budget: int = 30,
        queue_max: int = 64,
    ) -> None:
        self._load_events = load_events
        self._load_last_seq = load_last_seq
        self.tick_seconds = tick_seconds
        self.chat_budget = chat_budget
        self.queue_max = queue_max
        self._rooms: dict[int, RoomChannel] = {}
        # Told of each viewer who joins or leaves (room, visitor, source, joined): the analytics log.
        self.presence: Callable[[int, str, str, bool], None] | None = None
        self._opening: dict[int, asyncio.Lock] = {}
        self._task: asyncio.Task[None] | None = None
        self.frames_encoded = 0
        # Set by the cross-node bus: likes go to the shared counter as well.
        self.on_likes: Callable[[int, int], None] | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="room-hub")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for channel in self._rooms.values():
            for conn in list(channel.connections):
                conn.close()

    # --- publishing (called after commit, from the event loop) ------------------------

    def publish(self, room_id: int | None, event: dict[str, Any]) -> None:
        if room_id is None:
            return  # an internal event: not for any room channel
        channel = self._rooms.get(room_id)
        if channel is None:
            return  # nobody here watches the room; critical events stay in the event store
        to_user = event.get("to_user")
        if to_user is not None:
            if to_user in channel.by_user:
                channel.private.setdefault(to_user, []).append({k: v for k, v in event.items() if k != "to_user"})
            return
        seq = event.get("seq")
        if seq is not None:
            if seq > channel.delivered_seq:
                channel.held[seq] = event
            return
        kind = event["type"]
        if kind == "stock":
            channel.stock[event["listing_id"]] = event
        elif kind in TALLY_KEYS:
            channel.tallies[(kind, event[TALLY_KEYS[kind]]["id"])] = event
        elif kind == "purchase":
            channel.purchases.append(event)
        elif kind == "comment":
            channel.chat.append(event)

    def add_likes(self, room_id: int, count: int) -> int:
        if self.on_likes is not None:
            self.on_likes(room_id, count)
        channel = self._rooms.get(room_id)
        if channel is None:
            return 0
        channel.likes += count
        return channel.likes

    def viewers(self, room_id: int) -> int:
        channel = self._rooms.get(room_id)
        return len(channel.connections) + channel.other_viewers if channel else 0

    # --- what the cross-node bus reads and sets ----------------------------------------

    def has_channel(self, room_id: int) -> bool:
        """The room has a channel here: it exists (checked when the channel opened)."""
        return room_id in self._rooms

    def open_rooms(self) -> list[int]:
        """Rooms with a channel on this node (viewers now or in the last minute)."""
        return list(self._rooms)

    def local_viewers(self, room_id: int) -> int:
        channel = self._rooms.get(room_id)
        return len(channel.connections) if channel else 0

    def set_shared_counters(self, room_id: int, *, likes: int, other_viewers: int) -> None:
        channel = self._rooms.get(room_id)
        if channel is not None:
            channel.likes = likes
            channel.other_viewers = other_viewers

    async def catch_up(self, room_id: int) -> None:
        """Queue critical events the store has beyond what this node delivered (a pub/sub
        message between nodes is at most once; the store is the record)."""
        channel = self._rooms.get(room_id)
        if channel is None:
            return
        if await self._load_last_seq(room_id) > channel.delivered_seq:
            for event in await self._load_events(room_id, channel.delivered_seq, BACKLOG_LIMIT):
                channel.held.setdefault(event["seq"], event)

    def total_connections(self) -> int:
        return sum(len(c.connections) for c in self._rooms.values())

    def likes(self, room_id: int) -> int:
        channel = self._rooms.get(room_id)
        return channel.likes if channel else 0

    # --- subscribing -----------------------------------------------------------------

    async def _channel(self, room_id: int) -> RoomChannel:
        channel = self._rooms.get(room_id)
        if channel is not None:
            return channel
        lock = self._opening.setdefault(room_id, asyncio.Lock())
        async with lock:
            channel = self._rooms.get(room_id)
            if channel is None:
                channel = RoomChannel(room_id, delivered_seq=await self._load_last_seq(room_id))
                self._rooms[room_id] = channel
            self._opening.pop(room_id, None)
        return channel

    async def subscribe(
        self, room_id: int, since: int | None, *, connection: Viewer | None = None, user_id: int | None = None,
        visitor: str | None = None, source: str = "",
    ) -> tuple[Any, str]:
        """Register a connection and build its first frame: what it missed since `since`.

        `connection`: one of the gateway's transport-backed viewers (same `offer`/`close`
        interface); by default a queue-backed one for the ASGI routes.

        The connection is registered before the backlog is read, so nothing published in
        between is lost; events may then arrive twice and clients ignore seq ≤ their last.
        """
        channel = await self._channel(room_id)
        conn = connection if connection is not None else Connection(room_id, self.queue_max)
        conn.user_id = user_id
        conn.visitor, conn.source = visitor, source
        channel.connections.add(conn)
        if visitor is not None and self.presence is not None:
            self.presence(room_id, visitor, source, True)
        if user_id is not None:
            channel.by_user.setdefault(user_id, set()).add(conn)
        channel.idle_since = None
        head = channel.delivered_seq
        events: list[dict[str, Any]] = []
        if since is not None and since > head:
            events = [{"type": "resync", "reason": "unknown_position"}]
        elif since is not None and since < head:
            events = await self._backlog(channel, since, head)
        frame = {"seq": head, "events": events, "counters": self._counters(channel)}
        return conn, orjson.dumps(frame).decode()

    async def _backlog(self, channel: RoomChannel, since: int, head: int) -> list[dict[str, Any]]:
        if channel.ring and channel.ring[0]["seq"] <= since + 1:
            return [e for e in channel.ring if since < e["seq"] <= head]
        events = await self._load_events(channel.room_id, since, BACKLOG_LIMIT)
        events = [e for e in events if e["seq"] <= head]
        if len(events) >= BACKLOG_LIMIT:
            return [{"type": "resync", "reason": "too_far_behind"}]
        return events

    def unsubscribe(self, conn: Viewer) -> None:
        channel = self._rooms.get(conn.room_id)
        conn.close()
        if conn.visitor is not None and self.presence is not None:
            self.presence(conn.room_id, conn.visitor, conn.source, False)
            conn.visitor = None  # left once, however often the transport reports it
        if channel is not None:
            channel.connections.discard(conn)
            if conn.user_id is not None and conn.user_id in channel.by_user:
                channel.by_user[conn.user_id].discard(conn)
                if not channel.by_user[conn.user_id]:
                    del channel.by_user[conn.user_id]
            if not channel.connections:
                channel.idle_since = time.monotonic()

    # --- the tick --------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self.tick()
            except Exception:  # one bad room must not stop every room's stream
                log.exception("room hub tick failed")
            await asyncio.sleep(max(0.0, self.tick_seconds - (time.monotonic() - started)))

    async def tick(self) -> None:
        now = time.monotonic()
        for room_id, channel in list(self._rooms.items()):
            if channel.idle_since is not None and now - channel.idle_since > 60:
                del self._rooms[room_id]  # idle cleanup; reopened (from the store) on demand
                continue
            if channel.private:
                self._deliver_private(channel)
            critical = await self._due_critical(channel, now)
            events: list[dict[str, Any]] = list(critical)
            events.extend(channel.stock.values())
            events.extend(channel.tallies.values())
            events.extend(channel.purchases)
            events.extend(self._sample_chat(channel))
            channel.stock.clear()
            channel.tallies.clear()
            channel.purchases.clear()
            channel.chat.clear()
            counters = self._counters(channel)
            changed = (counters["viewers"], counters["likes"]) != channel.counters_sent
            if not events and not changed and now - channel.last_frame_at < KEEPALIVE_SECONDS:
                continue
            if not channel.connections:
                continue
            frame = orjson.dumps(
                {"seq": channel.delivered_seq, "events": events, "counters": counters}
            ).decode()
            self.frames_encoded += 1
            channel.counters_sent = (counters["viewers"], counters["likes"])
            channel.last_frame_at = now
            for conn in list(channel.connections):
                conn.offer(frame, critical=bool(critical))
                if conn.closed:
                    channel.connections.discard(conn)

    def _deliver_private(self, channel: RoomChannel) -> None:
        """Each user's own events, in a small frame of their own, with the critical guarantee."""
        for user_id, events in channel.private.items():
            frame = orjson.dumps({"seq": channel.delivered_seq, "events": events, "private": True}).decode()
            for conn in list(channel.by_user.get(user_id, ())):
                conn.offer(frame, critical=True)
        channel.private.clear()

    async def _due_critical(self, channel: RoomChannel, now: float) -> list[dict[str, Any]]:
        """Held critical events that continue the sequence without a gap.

        Two transactions can commit in the opposite order of their sequence numbers; a gap
        is waited for briefly, then filled from the event store.
        """
        out: list[dict[str, Any]] = []
        while channel.held:
            nxt = channel.delivered_seq + 1
            event = channel.held.pop(nxt, None)
            if event is None:
                if channel.gap_since is None:
                    channel.gap_since = now
                if now - channel.gap_since < GAP_WAIT_SECONDS:
                    break
                filled = await self._load_events(channel.room_id, channel.delivered_seq, BACKLOG_LIMIT)
                for e in filled:
                    channel.held.setdefault(e["seq"], e)
                channel.gap_since = None
                if nxt not in channel.held:
                    # Numbers are taken under the room's sequence row lock, so a later number
                    # cannot commit before an earlier one: the earlier is still committing.
                    channel.gap_since = now
                    break
                continue
            channel.gap_since = None
            channel.delivered_seq = nxt
            channel.ring.append(event)
            out.append(event)
        # Events below the delivered head (duplicates from a gap fill) are dropped.
        for seq in [s for s in channel.held if s <= channel.delivered_seq]:
            del channel.held[seq]
        return out

    def _sample_chat(self, channel: RoomChannel) -> list[dict[str, Any]]:
        """At most the budget per tick: the host's and operator's messages first, then those
        of buyers and fans, then the most recent of the rest; shown in posting order."""
        if len(channel.chat) <= self.chat_budget:
            return list(channel.chat)
        ranked = sorted(
            channel.chat,
            key=lambda c: (0 if c.get("staff") else 1 if (c.get("buyer") or c.get("fan")) else 2, -c.get("id", 0)),
        )
        return sorted(ranked[: self.chat_budget], key=lambda c: c.get("id", 0))

    def _counters(self, channel: RoomChannel) -> dict[str, int]:
        return {"viewers": len(channel.connections) + channel.other_viewers, "likes": channel.likes}
