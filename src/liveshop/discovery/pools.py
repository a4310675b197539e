"""Traffic pools (流量池): a new show is tried on a small audience first and earns a larger one.

Every room entering the feed starts in pool 0, the test pool: it is guaranteed `quota`
impressions there — the feed reserves slots for test-pool rooms on every page until each has
had them, most urgent first (fewest impressions left per minute of its first `guarantee_minutes`).
When a room has used its pool's quota, its numbers are compared with the pool's thresholds:

- feed click-through: visits that came from the feed ÷ feed impressions (people wanted in),
- engagement: effective views (stayed ≥ 10 s) ÷ views (people stayed),
- conversion: paying buyers ÷ unique viewers (people bought).

All three beaten → the room moves to the next pool (a larger quota, stricter thresholds). Any
missed → it stays where it is with its quota spent: the feed still shows it to its followers
and to viewers it suits particularly well, but ranks it below rooms with quota left
(`STALLED_PENALTY` in the blend). The top pool has no quota. A room flagged by trust & safety
would be held back here too (`risk` in `decide`), once that capability exists.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Pool:
    level: int
    name_zh: str
    name_en: str
    quota: int | None  # impressions before the room is judged; None: no limit (the top pool)
    min_click_through: float
    min_engagement: float
    min_conversion: float


POOLS: tuple[Pool, ...] = (
    Pool(0, "新人测试池", "Test pool", 200, 0.03, 0.30, 0.01),
    Pool(1, "初级流量池", "Starter pool", 2_000, 0.04, 0.35, 0.015),
    Pool(2, "进阶流量池", "Growth pool", 20_000, 0.05, 0.40, 0.02),
    Pool(3, "精品流量池", "Premium pool", None, 0.0, 0.0, 0.0),
)
GUARANTEE_MINUTES = 30  # the test pool's quota is owed within a show's first half hour
TEST_SLOTS = (2, 7)  # 0-based positions of the live list reserved for test-pool rooms
STALLED_PENALTY = 1.0  # blend points a room with its quota spent (not graduated) loses
MAX_RISK = 0.5  # rooms riskier than this never graduate (trust & safety's score, 0..1)


def describe() -> list[dict[str, Any]]:
    return [asdict(p) for p in POOLS]


@dataclass(frozen=True)
class RoomTraffic:
    """What pools look at: from the room's live figures."""

    impressions: int  # feed impressions since the room entered its pool
    feed_visits: int
    feed_impressions: int
    views: int
    effective_views: int
    buyers: int
    unique_viewers: int

    @property
    def click_through(self) -> float:
        return self.feed_visits / self.feed_impressions if self.feed_impressions else 0.0

    @property
    def engagement(self) -> float:
        return self.effective_views / self.views if self.views else 0.0

    @property
    def conversion(self) -> float:
        return self.buyers / self.unique_viewers if self.unique_viewers else 0.0


def quota_left(level: int, impressions: int) -> int | None:
    quota = POOLS[level].quota
    return None if quota is None else max(0, quota - impressions)


def decide(level: int, traffic: RoomTraffic, *, risk: float = 0.0) -> tuple[int, str]:
    """(the room's pool, why) once its numbers are in. Only a spent quota is judged."""
    pool = POOLS[level]
    if pool.quota is None:
        return level, "top_pool"
    if traffic.impressions < pool.quota:
        return level, "testing"
    if risk > MAX_RISK:
        return level, "held_for_risk"
    if traffic.click_through < pool.min_click_through:
        return level, "low_click_through"
    if traffic.engagement < pool.min_engagement:
        return level, "low_engagement"
    if traffic.conversion < pool.min_conversion:
        return level, "low_conversion"
    return level + 1, "graduated"
