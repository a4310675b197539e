"""Revoked session tokens, known to every node within a poll interval.

A logout records the token's digest in `revoked_sessions`; the node that served it knows at
once, the others when they next poll. Rows go away once the token would have expired anyway.
"""

from __future__ import annotations

from datetime import datetime

from liveshop.core.auth import store
from liveshop.core.db import Database


class RevocationList:
    def __init__(self) -> None:
        self._digests: set[str] = set()
        self._seen_until: datetime | None = None

    def __contains__(self, token_digest: str) -> bool:
        return token_digest in self._digests

    def add(self, token_digest: str) -> None:
        self._digests.add(token_digest)

    async def refresh(self, db: Database, *, now: datetime) -> int:
        """Learn revocations made since the last poll (all unexpired ones the first time)."""
        async with db.transaction(write=False) as tx:
            rows = await store.revoked_since(tx.conn, self._seen_until, now)
        for digest, revoked_at in rows:
            self._digests.add(digest)
            if self._seen_until is None or revoked_at > self._seen_until:
                self._seen_until = revoked_at
        return len(rows)

    async def purge(self, db: Database, *, now: datetime) -> None:
        async with db.transaction() as tx:
            expired = await store.delete_expired_revocations(tx.conn, now)
        self._digests.difference_update(expired)
