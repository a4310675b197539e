"""A short-lived, bounded cache of session lookups, so a request does not need a database
read just to learn who sent it. Logging out forgets the token on this node at once; other
nodes may accept it for at most `ttl_seconds` more."""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import datetime

from liveshop.core.auth.store import User


class SessionCache:
    def __init__(self, *, ttl_seconds: float, max_entries: int = 100_000) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, User, datetime]] = OrderedDict()

    def get(self, token_digest: str, now: datetime) -> User | None:
        entry = self._entries.get(token_digest)
        if entry is None:
            return None
        stored_at, user, expires_at = entry
        if time.monotonic() - stored_at > self.ttl or now >= expires_at:
            del self._entries[token_digest]
            return None
        return user

    def put(self, token_digest: str, user: User, expires_at: datetime) -> None:
        if self.ttl <= 0:
            return
        self._entries[token_digest] = (time.monotonic(), user, expires_at)
        self._entries.move_to_end(token_digest)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def forget(self, token_digest: str) -> None:
        self._entries.pop(token_digest, None)
