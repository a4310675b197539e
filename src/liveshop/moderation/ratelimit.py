"""Token buckets per (user, room) for chat: a burst, then a steady rate.

Per node: with N nodes behind a balancer a user may get up to N times the rate, which is
fine for flood control (slow mode, kept in the database, is the exact per-user rule).
"""

from __future__ import annotations

import time
from collections import OrderedDict


class TokenBuckets:
    def __init__(self, *, rate_per_second: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[tuple[int, int], tuple[float, float]] = OrderedDict()

    def take(self, key: tuple[int, int], now: float | None = None) -> float:
        """Take one token: 0.0 if allowed, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        tokens, at = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1 - tokens) / self.rate
        if len(self._buckets) > self.max_keys:  # forget the least recently active
            self._buckets.popitem(last=False)
        return wait
