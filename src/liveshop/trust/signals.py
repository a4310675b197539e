"""Signals collected on the way in: which device and network address each account acts from.

Routes call `Sightings.saw(user_id, action, origin)` for sign-ups, log-ins, follows, comments,
room joins and payments. A sighting is one (account, action, device, address) per hour: the
first is kept in memory and written with the others every two seconds, so a viewer who
comments fifty times costs one row. Devices and addresses are stored as keyed hashes (the
same key as the guards': `Guards.fingerprint`); the raw address is kept for
`trust_ip_retention_days` (an admin looking into a case may need it) and then blanked, and a
sighting older than `trust_sightings_days` is deleted.

The rest of the signals are elsewhere: the timing of follows, joins, comments, orders,
payments and refunds is the analytics log's; account age is `users.created_at`; the shipping
address and payment instrument hashes are on orders and payments (`hash_address`, the webhook).
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, update

from liveshop.core.clock import Clock
from liveshop.core.db import Database
from liveshop.core.tasks import Periodic
from liveshop.trust import store

log = logging.getLogger(__name__)

ACTIONS = ("signup", "login", "follow", "comment", "join", "pay")
_SEEN_KEYS = 200_000  # bound on the in-memory dedupe (one hour's distinct sightings on a node)


class Sightings:
    def __init__(self, db: Database, clock: Clock, fingerprint: Callable[[str, str], str], *,
                 ip_retention_days: int = 7, keep_days: int = 180, flush_every: float = 2.0) -> None:
        self.db = db
        self.clock = clock
        self.fingerprint = fingerprint
        self.ip_retention = timedelta(days=ip_retention_days)
        self.keep = timedelta(days=keep_days)
        self._pending: list[dict[str, object]] = []
        self._seen: dict[tuple[int, str, str | None, str | None], int] = {}
        self._writing = asyncio.Lock()  # a flush waits for one in flight: flushed means written
        self._flusher = Periodic("trust-sightings", self.flush, flush_every)
        self._purger = Periodic("trust-sightings-purge", self.purge, 3600.0, first_after=60.0)

    def saw(self, user_id: int, action: str, origin: dict[str, str | None]) -> None:
        now = self.clock.now()
        ip, device = origin.get("ip"), origin.get("device")
        ip_hash = self.fingerprint("ip", ip) if ip else None
        device_hash = self.fingerprint("device", device) if device else None
        key = (user_id, action, device_hash, ip_hash)
        hour = int(now.timestamp() // 3600)
        if self._seen.get(key) == hour:
            return
        if len(self._seen) >= _SEEN_KEYS:
            self._seen.clear()  # a new hour's worth: at worst a few sightings are written twice
        self._seen[key] = hour
        self._pending.append({"user_id": user_id, "action": action, "device_hash": device_hash,
                              "ip_hash": ip_hash, "ip": ip[:45] if ip else None, "at": now})

    async def flush(self) -> None:
        async with self._writing:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                async with self.db.transaction() as tx:
                    await tx.conn.execute(insert(store.sightings), batch)
            except Exception:
                # An account deleted between the sighting and the write, or the database away:
                # signals are evidence, never worth failing or retrying a request for.
                log.warning("dropped %d trust sightings", len(batch), exc_info=True)

    async def purge(self) -> None:
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await tx.conn.execute(update(store.sightings)
                                  .where(store.sightings.c.at < now - self.ip_retention, store.sightings.c.ip.isnot(None))
                                  .values(ip=None))
            await tx.conn.execute(delete(store.sightings).where(store.sightings.c.at < now - self.keep))

    def start(self) -> None:
        self._flusher.start()
        self._purger.start()

    async def stop(self) -> None:
        await self._purger.stop()
        await self._flusher.stop()
        await self.flush()


_NOT_ADDRESS = re.compile(r"[\W_]+", re.UNICODE)


def normal_address(region: str, line: str) -> str:
    """The same place however it is typed: full-width and half-width alike (NFKC), case,
    spaces and punctuation ignored — "上海市 浦东新区 XX路1号" and "上海市浦东新区XX路１号" match."""
    text = unicodedata.normalize("NFKC", f"{region}{line}").casefold()
    return _NOT_ADDRESS.sub("", text)


def hash_address(fingerprint: Callable[[str, str], str], region: str, line: str) -> str:
    return fingerprint("address", normal_address(region, line))


def account_age_days(created_at: datetime | None, now: datetime) -> float | None:
    """Days since the account was made (None for a guest, who has no account)."""
    return (now - created_at).total_seconds() / 86_400 if created_at else None
