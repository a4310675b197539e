"""Cross-node fan-out over Redis pub/sub (two tiers: node → Redis → nodes → connections).

Every room event committed on a node is delivered to that node's hub at once (the database
listener) and published once to the room's Redis channel; each node subscribes only to the
rooms it has a channel for and hands what other nodes published to its hub, which encodes
one frame per room per tick as before. Pub/sub is at most once, so critical events are not
trusted to it alone: every couple of seconds each node compares its delivered sequence with
the event store and fetches what it missed (the hub also fills a sequence gap it sees).

Counters: likes are added to a shared Redis counter (batched per sync); each node writes its
viewer count per room with a timestamp into a Redis hash, and reads the others' (entries
older than a few seconds, from a node that died, are ignored and removed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import defaultdict, deque
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from liveshop.realtime.hub import RoomHub

log = logging.getLogger(__name__)

SYNC_SECONDS = 1.0
CATCH_UP_SECONDS = 2.0
STALE_VIEWER_SECONDS = 5.0


class RedisRoomBus:
    def __init__(self, redis: aioredis.Redis, hub: RoomHub, *, prefix: str = "liveshop:") -> None:
        self._redis = redis
        self._hub = hub
        self._prefix = prefix
        self.node = uuid.uuid4().hex[:12]
        self._outbox: deque[tuple[int, bytes]] = deque()
        self._wake = asyncio.Event()
        self._pending_likes: defaultdict[int, int] = defaultdict(int)
        self._tasks: list[asyncio.Task[None]] = []
        self.published = 0
        self.received = 0
        hub.on_likes = self._add_likes

    def channel(self, room_id: int) -> str:
        return f"{self._prefix}room:{room_id}"

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._publisher(), name="room-bus-publish"),
                asyncio.create_task(self._listener(), name="room-bus-listen"),
                asyncio.create_task(self._sync(), name="room-bus-counters"),
            ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self._redis.aclose()

    # --- out ------------------------------------------------------------------------------

    def publish(self, room_id: int | None, event: dict[str, Any]) -> None:
        """A database listener: committed room events to the other nodes (never blocks)."""
        if room_id is None:
            return
        self._outbox.append((room_id, orjson.dumps({"n": self.node, "e": event})))
        self._wake.set()

    async def _publisher(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox:
                batch = [self._outbox.popleft() for _ in range(min(len(self._outbox), 500))]
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for room_id, message in batch:
                            pipe.publish(self.channel(room_id), message)
                        await pipe.execute()
                    self.published += len(batch)
                except RedisError as exc:  # other nodes catch up on critical events from the store
                    log.warning("room bus: publishing %d events failed: %r", len(batch), exc)

    # --- in -------------------------------------------------------------------------------

    async def _listener(self) -> None:
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            subscribed: set[int] = set()
            try:
                # A subscription of its own keeps the connection in pub/sub mode while this
                # node has no rooms.
                await pubsub.subscribe(f"{self._prefix}nodes:{self.node}")
                while True:
                    wanted = set(self._hub.open_rooms())
                    if wanted - subscribed:
                        await pubsub.subscribe(*(self.channel(r) for r in wanted - subscribed))
                    if subscribed - wanted:
                        await pubsub.unsubscribe(*(self.channel(r) for r in subscribed - wanted))
                    subscribed = wanted
                    message = await pubsub.get_message(timeout=0.05)
                    while message is not None:
                        self._deliver(message)
                        message = await pubsub.get_message(timeout=0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis away: resubscribe; catch-up covers the gap
                log.warning("room bus: %r; resubscribing", exc)
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _deliver(self, message: dict[str, Any]) -> None:
        if message.get("type") != "message":
            return
        data = orjson.loads(message["data"])
        if data["n"] == self.node:
            return  # delivered locally when it committed
        channel = message["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else channel
        room_id = int(channel.rsplit(":", 1)[1])
        self.received += 1
        self._hub.publish(room_id, data["e"])

    # --- counters and catch-up ------------------------------------------------------------

    def _add_likes(self, room_id: int, count: int) -> None:
        self._pending_likes[room_id] += count

    async def _sync(self) -> None:
        last_catch_up = 0.0
        while True:
            await asyncio.sleep(SYNC_SECONDS)
            try:
                await self.sync_counters()
                if time.monotonic() - last_catch_up >= CATCH_UP_SECONDS:
                    last_catch_up = time.monotonic()
                    for room_id in self._hub.open_rooms():
                        await self._hub.catch_up(room_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("room bus sync: %r", exc)

    async def sync_counters(self) -> None:
        """Push this node's viewers and new likes; read every node's (one round trip)."""
        rooms = set(self._hub.open_rooms()) | set(self._pending_likes)
        if not rooms:
            return
        taken = dict(self._pending_likes)
        self._pending_likes.clear()
        now = time.time()
        order = sorted(rooms)
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for room_id in order:
                    likes_key, viewers_key = f"{self.channel(room_id)}:likes", f"{self.channel(room_id)}:viewers"
                    pipe.incrby(likes_key, taken.get(room_id, 0))
                    pipe.hset(viewers_key, self.node, f"{self._hub.local_viewers(room_id)}|{now:.3f}")
                    pipe.expire(viewers_key, 3600)
                    pipe.hgetall(viewers_key)
                results = await pipe.execute()
        except RedisError:
            for room_id, count in taken.items():  # keep them for the next sync
                self._pending_likes[room_id] += count
            raise
        for i, room_id in enumerate(order):
            likes, _, _, viewers = results[4 * i : 4 * i + 4]
            others, stale = 0, []
            for node, value in viewers.items():
                node = node.decode() if isinstance(node, bytes) else node
                value = value.decode() if isinstance(value, bytes) else value
                count, _, at = value.partition("|")
                if node == self.node:
                    continue
                if now - float(at) > STALE_VIEWER_SECONDS:
                    stale.append(node)
                else:
                    others += int(count)
            if stale:
                await self._redis.hdel(f"{self.channel(room_id)}:viewers", *stale)
            self._hub.set_shared_counters(room_id, likes=int(likes) + self._pending_likes.get(room_id, 0),
                                          other_viewers=others)
