"""Real-time guards: how many sign-ups and follows one network address, one device and one
account may make in a while — the cheap first line against bought followers and account farms
(the detectors in this package catch what gets past).

A request is identified by its address (the connection's peer) and its device (an app's
`X-Device-Id` header, else the browser's guest cookie: `core.http.request_origin`); both are kept only as keyed hashes
(HMAC-SHA256 with the installation's secret), never raw. Counting uses a sliding window
estimated from two fixed windows (the current one plus the previous one's remaining share). With
Redis configured the counters are shared by every node — one Lua script checks every limit of a
request and counts it, atomically, so N nodes allow the limit and not N times it; without Redis
(or while it is unreachable) each node counts in its own bounded memory. A request over any
limit counts against none of them and gets 429 problem+json with `Retry-After`.

Limits (`LIVESHOP_GUARD_LIMITS`, JSON, e.g. `{"signup_per_ip_hour": 30}`; 0 turns one off):
sign-ups 10 per address per hour and 3 per device per day; follows 60 per account, 100 per
device and 300 per address per hour. `LIVESHOP_GUARDS=false` turns them all off (a load test
from one machine).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from liveshop.core.errors import TooManyRequests

log = logging.getLogger(__name__)

DEFAULT_LIMITS: dict[str, int] = {
    "signup_per_ip_hour": 10,  # a household or office signs up a few people, not a farm
    "signup_per_device_day": 3,
    "follow_per_account_hour": 60,
    "follow_per_device_hour": 100,
    "follow_per_ip_hour": 300,  # many viewers can share an address (mobile carriers, offices)
}
_RULES: dict[str, tuple[tuple[str, str, float], ...]] = {
    # action: (limit name, what is counted, window seconds)
    "signup": (("signup_per_ip_hour", "ip", 3600.0), ("signup_per_device_day", "device", 86_400.0)),
    "follow": (("follow_per_account_hour", "account", 3600.0), ("follow_per_device_hour", "device", 3600.0),
               ("follow_per_ip_hour", "ip", 3600.0)),
}


class TooManySignups(TooManyRequests):
    code = "too_many_signups"
    title = "Too many accounts were created from here recently"


class TooManyFollows(TooManyRequests):
    code = "too_many_follows"
    title = "Too many follows from here recently"


ERRORS = {"signup": TooManySignups, "follow": TooManyFollows}


@dataclass
class _Window:
    index: int
    current: int
    previous: int


# KEYS: per rule its current and previous window's counter; ARGV: the number of rules, then per
# rule its limit, the previous window's share still inside the sliding window, and the TTL.
# Returns 0 after counting the request against every rule, or the 1-based rule it is over.
_CHECK_AND_COUNT = """
local n = tonumber(ARGV[1])
for i = 1, n do
  local limit = tonumber(ARGV[3 * i - 1])
  local share = tonumber(ARGV[3 * i])
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  if current + previous * share + 1 > limit then return i end
end
for i = 1, n do
  redis.call('INCR', KEYS[2 * i - 1])
  redis.call('EXPIRE', KEYS[2 * i - 1], tonumber(ARGV[3 * i + 1]))
end
return 0
"""


class Guards:
    def __init__(self, secret: bytes, *, limits: dict[str, int] | None = None, enabled: bool = True,
                 max_keys: int = 500_000, redis: Any = None, prefix: str = "liveshop:") -> None:
        self._secret = secret
        self.limits = DEFAULT_LIMITS | (limits or {})
        self.enabled = enabled
        self.max_keys = max_keys
        self._windows: OrderedDict[tuple[str, str], _Window] = OrderedDict()
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_CHECK_AND_COUNT) if redis is not None else None

    def fingerprint(self, kind: str, value: str) -> str:
        """A keyed hash: the same device or address always maps to the same value on this
        installation, and the value cannot be turned back into the address."""
        return hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _estimate(self, key: tuple[str, str], seconds: float, now: float) -> tuple[float, _Window]:
        index = int(now // seconds)
        window = self._windows.get(key)
        if window is None:
            window = _Window(index, 0, 0)
        elif window.index != index:
            window = _Window(index, 0, window.current if window.index == index - 1 else 0)
        share_left = 1.0 - (now % seconds) / seconds
        return window.current + window.previous * share_left, window

    def _rules(self, action: str, who: dict[str, str | None]) -> list[tuple[str, str, float, int]]:
        """(limit name, whose hash, window seconds, limit) of the rules that apply."""
        rules = []
        for name, what, seconds in _RULES[action]:
            limit = self.limits.get(name, 0)
            if limit and who[what] is not None:
                rules.append((name, who[what], seconds, limit))  # type: ignore[arg-type]
        return rules

    def _refuse(self, action: str, name: str, seconds: float, limit: int, now: float) -> TooManyRequests:
        wait = seconds - now % seconds
        return ERRORS[action](f"Limit {name} = {limit}; try again later", retry_after_seconds=max(1, round(wait)),
                              limit=name)

    async def check(self, action: str, *, now: float, ip: str | None = None, device: str | None = None,
                    account: int | None = None) -> None:
        """Count one `action` for this address, device and account, or raise 429 (counting nothing)."""
        if not self.enabled:
            return
        rules = self._rules(action, {"ip": self.fingerprint("ip", ip) if ip else None,
                                     "device": self.fingerprint("device", device) if device else None,
                                     "account": str(account) if account is not None else None})
        if not rules:
            return
        if self._script is not None:
            try:
                over = await self._shared(rules, now)
            except Exception:  # Redis away: this node's own counters meanwhile
                log.warning("guard counters in Redis unreachable; counting on this node", exc_info=True)
            else:
                if over:
                    name, _, seconds, limit = rules[over - 1]
                    raise self._refuse(action, name, seconds, limit, now)
                return
        self._local(action, rules, now)

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

    async def _shared(self, rules: list[tuple[str, str, float, int]], now: float) -> int:
        keys: list[str] = []
        args: list[float | int] = [len(rules)]
        for name, who, seconds, limit in rules:
            index = int(now // seconds)
            keys += [f"{self._prefix}guard:{name}:{who}:{index}", f"{self._prefix}guard:{name}:{who}:{index - 1}"]
            args += [limit, 1.0 - (now % seconds) / seconds, int(2 * seconds)]
        return int(await self._script(keys=keys, args=args))  # type: ignore[misc]

    def _local(self, action: str, rules: list[tuple[str, str, float, int]], now: float) -> None:
        counted = []
        for name, who, seconds, limit in rules:
            key = (name, who)
            estimate, window = self._estimate(key, seconds, now)
            if estimate + 1 > limit:
                raise self._refuse(action, name, seconds, limit, now)
            counted.append((key, window))
        for key, window in counted:
            window.current += 1
            self._windows[key] = window
            self._windows.move_to_end(key)
        while len(self._windows) > self.max_keys:
            self._windows.popitem(last=False)
