"""Per-node sold-out flags for the sql and redis engines: a sold-out listing is refused
without a database transaction or a Redis call.

Set when an attempt finds nothing left or a `sold_out` event commits on this node; cleared
by this node's `back_in_stock` / stock events. A release committed on another node is not
seen here, so a flag also expires after `ttl_seconds`: at worst a buyer hears "sold out"
for that long after stock came back. The redis engine also broadcasts both changes to
every node over Redis pub/sub, so there the TTL only covers a lost message.
"""

from __future__ import annotations

import time
from typing import Any


class SoldOutFlags:
    def __init__(self, *, ttl_seconds: float = 1.0) -> None:
        self.ttl = ttl_seconds
        self._until: dict[int, float] = {}

    def is_sold_out(self, listing_id: int) -> bool:
        until = self._until.get(listing_id)
        if until is None:
            return False
        if time.monotonic() >= until:
            del self._until[listing_id]
            return False
        return True

    def mark(self, listing_id: int) -> None:
        if self.ttl > 0:
            self._until[listing_id] = time.monotonic() + self.ttl

    def clear(self, listing_id: int) -> None:
        self._until.pop(listing_id, None)

    def observe(self, room_id: int | None, event: dict[str, Any]) -> None:
        """A database listener: committed events keep the flags true."""
        kind = event.get("type")
        if kind == "sold_out":
            self.mark(event["listing_id"])
        elif kind in ("back_in_stock", "stock_released"):
            self._until.pop(event["listing_id"], None)
        elif kind in ("listing_updated", "listing_added"):
            if event["listing"]["stock_left"] > 0:
                self._until.pop(event["listing"]["id"], None)
