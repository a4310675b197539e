"""Simulcast: while a room's stream is publishing, this node relays it to the room's push
targets (other platforms' RTMP ingest URLs) — one ffmpeg per target, copying the stream as it
comes (no re-encoding), pulled from the media server. Started by the publish hook, stopped by
publish_done or when the show ends; a relay that fails is retried a few times, then given up
(its state says so).

The relays run on the node that received the hook: a node restarted mid-show drops them until
the host publishes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

RETRIES = 3


@dataclass
class Relay:
    target_id: int
    state: str = "starting"  # starting | relaying | retrying | failed | stopped
    attempts: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)


class Relays:
    def __init__(self, *, retry_seconds: float = 2.0) -> None:
        self.retry_seconds = retry_seconds
        self._rooms: dict[int, dict[int, Relay]] = {}

    def states(self, room_id: int) -> dict[int, str]:
        return {target: relay.state for target, relay in self._rooms.get(room_id, {}).items()}

    async def start(self, room_id: int, source: str, targets: list[tuple[int, str]]) -> None:
        await self.stop(room_id)
        if not targets:
            return
        if shutil.which("ffmpeg") is None:
            log.warning("room %d has %d push targets but ffmpeg is not installed", room_id, len(targets))
            return
        relays = self._rooms[room_id] = {}
        for target_id, url in targets:
            relay = relays[target_id] = Relay(target_id)
            relay.task = asyncio.create_task(self._run(room_id, relay, source, url), name=f"relay-{room_id}-{target_id}")

    async def _run(self, room_id: int, relay: Relay, source: str, url: str) -> None:
        while relay.attempts < RETRIES:
            relay.attempts += 1
            relay.process = await asyncio.create_subprocess_exec(
                "ffmpeg", "-hide_banner", "-loglevel", "error", "-rw_timeout", "10000000", "-i", source,
                "-c", "copy", "-f", "flv", url,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            relay.state = "relaying"
            code = await relay.process.wait()
            # Never log the URL: it carries the other platform's stream key.
            log.warning("room %d: relay to target %d stopped (exit %s)", room_id, relay.target_id, code)
            relay.state = "retrying"
            await asyncio.sleep(self.retry_seconds)
        relay.state = "failed"

    async def stop(self, room_id: int) -> None:
        for relay in self._rooms.pop(room_id, {}).values():
            if relay.task:
                relay.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relay.task
            if relay.process and relay.process.returncode is None:
                relay.process.terminate()
                try:
                    await asyncio.wait_for(relay.process.wait(), 5)
                except TimeoutError:
                    relay.process.kill()
            relay.state = "stopped"

    async def stop_all(self) -> None:
        for room_id in list(self._rooms):
            await self.stop(room_id)
