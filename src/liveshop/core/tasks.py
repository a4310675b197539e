"""Work started in the background and still owned by whoever started it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    """Keeps a reference to every task it starts (the event loop holds only weak ones, so an
    unreferenced task can vanish mid-run), logs their failures, cancels them on `stop`."""

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._tasks: set[asyncio.Future[Any]] = set()

    def spawn(self, work: Awaitable[Any]) -> asyncio.Future[Any]:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: background task failed: %r", self._owner, task.exception())

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class Periodic:
    """One piece of work run again and again in the background, `every` seconds apart; a
    failure is logged and the next round tries again. `stop` cancels it."""

    def __init__(self, name: str, work: Callable[[], Awaitable[Any]], every: float, *, first_after: float = 0.0) -> None:
        self.name = name
        self.work = work
        self.every = every
        self.first_after = first_after  # seconds before the first round (work that can wait for a started server)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        if self.first_after:
            await asyncio.sleep(self.first_after)
        while True:
            try:
                await self.work()
            except Exception:
                log.exception("%s failed; trying again in %.1f s", self.name, self.every)
            await asyncio.sleep(self.every)
