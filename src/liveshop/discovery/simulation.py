"""Live windows for the offline evaluation: rooms start and stop.

MovieLens has no live windows, so each room gets a seeded weekly schedule: a few contiguous
blocks of hours in the 168 hours of a week (a host streams on some evenings, a factory all
afternoon). A feed request at time t may only rank rooms live at t, and a viewer's test rooms
count as relevant only where they are live then — a room that is not live is never shown as live.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class Schedule:
    live_hours: dict[int, frozenset[int]]  # room → hours of the week (0 = Monday 00:00 UTC) it is live

    def is_live(self, room: int, at: int) -> bool:
        return hour_of_week(at) in self.live_hours.get(room, frozenset())

    def live_at(self, at: int) -> list[int]:
        hour = hour_of_week(at)
        return [room for room, hours in self.live_hours.items() if hour in hours]


def hour_of_week(at: int) -> int:
    # 1970-01-01 was a Thursday: shift so that 0 is Monday 00:00.
    return ((at // 3600) + 3 * 24) % HOURS_PER_WEEK


def weekly_schedule(rooms: list[int], *, seed: int = 7, blocks: tuple[int, int] = (2, 6),
                    block_hours: tuple[int, int] = (2, 8)) -> Schedule:
    """Each room live in `blocks` blocks of `block_hours` consecutive hours a week (seeded)."""
    rng = random.Random(seed)
    live: dict[int, frozenset[int]] = {}
    for room in sorted(rooms):
        hours: set[int] = set()
        for _ in range(rng.randint(*blocks)):
            start, length = rng.randrange(HOURS_PER_WEEK), rng.randint(*block_hours)
            hours.update((start + h) % HOURS_PER_WEEK for h in range(length))
        live[room] = frozenset(hours)
    return Schedule(live)
