"""Risk scores, 0 (nothing against it) to 1 (confirmed fake), for accounts, rooms and shops.

- An account: 1 when an admin confirmed a flag; otherwise its open flags combined as
  independent evidence, 1 − Π(1 − wₖ), with the weights in `KIND_WEIGHTS` (how rarely each kind of
  finding is innocent); + 0.1 for an account younger than `YOUNG_DAYS` (bought followers and
  brushing accounts are mostly fresh). Cleared flags count for nothing.
- A room: the highest of its own flag (a brushed-sales finding: open 0.8, confirmed 1), the
  mean risk of its viewers and the mean risk of its paying buyers.
- A shop: the highest of its payout holds (open 0.8, confirmed 1), the mean risk of its
  followers and the mean risk of the buyers of its last 30 days.

Above `HELD` (0.5) a room is held back from traffic-pool promotion (discovery/pools.py).
`Suspects` keeps every node's copy of the open and confirmed flags, refreshed every 15 s and
at once after a review on that node: the feed, the pools and the big screen read it without
asking the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select

from liveshop.core.auth.store import users
from liveshop.core.clock import Clock
from liveshop.core.db import Database
from liveshop.core.tasks import Periodic
from liveshop.trust import store
from liveshop.trust.signals import account_age_days

log = logging.getLogger(__name__)

KIND_WEIGHTS = {
    "lockstep": 0.8, "dense_block": 0.7, "refund_loop": 0.7, "shared_instrument": 0.6,
    "conversion_outlier": 0.6, "shared_address": 0.5, "shared_device": 0.5, "manual": 0.8,
}
YOUNG_DAYS = 7
YOUNG_BONUS = 0.1
OPEN_SUBJECT = 0.8  # a room or shop whose flag is open
HELD = 0.5


def flag_risk(flags: Iterable[tuple[str, str]], *, subject: str = "account") -> float:
    """Risk from (kind, status) flags of one subject."""
    flags = list(flags)
    if any(status == "confirmed" for _, status in flags):
        return 1.0
    open_kinds = [kind for kind, status in flags if status == "open"]
    if not open_kinds:
        return 0.0
    if subject != "account":
        return OPEN_SUBJECT
    clean = 1.0
    for kind in open_kinds:
        clean *= 1.0 - KIND_WEIGHTS.get(kind, 0.5)
    return 1.0 - clean


def account_risk(flags: Iterable[tuple[str, str]], *, age_days: float | None) -> float:
    risk = flag_risk(flags)
    if 0 < risk < 1 and age_days is not None and age_days < YOUNG_DAYS:
        risk = min(1.0, risk + YOUNG_BONUS)
    return round(risk, 3)


def mean_risk(members: Iterable[str], risks: dict[str, float]) -> float:
    members = list(members)
    return sum(risks.get(m, 0.0) for m in members) / len(members) if members else 0.0


class Suspects:
    def __init__(self, db: Database, clock: Clock, *, refresh_every: float = 15.0) -> None:
        self.db = db
        self.clock = clock
        self.accounts: dict[str, float] = {}  # "u12" / "a<cookie>" → risk
        self.rooms: dict[int, float] = {}
        self.shops: dict[int, float] = {}
        self._refresher = Periodic("trust-suspects", self.refresh, refresh_every)

    async def refresh(self) -> None:
        async with self.db.transaction(write=False) as tx:
            flags = await store.active_flags(tx.conn)
            ids = [int(key[1:]) for subject, key, _, _ in flags if subject == "account" and key[1:].isdigit()
                   and key.startswith("u")]
            born = {}
            for start in range(0, len(ids), 10_000):  # bind parameters are limited (asyncpg: 32,767)
                born.update({r.id: r.created_at for r in await tx.conn.execute(
                    select(users.c.id, users.c.created_at).where(users.c.id.in_(ids[start:start + 10_000])))})
        by: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for subject, key, kind, status in flags:
            by.setdefault((subject, key), []).append((kind, status))
        now = self.clock.now()
        accounts, rooms, shops = {}, {}, {}
        for (subject, key), found in by.items():
            if subject == "account":
                created = born.get(int(key[1:])) if key.startswith("u") and key[1:].isdigit() else None
                accounts[key] = account_risk(found, age_days=account_age_days(created, now))
            elif subject == "room":
                rooms[int(key[1:])] = flag_risk(found, subject="room")
            elif subject == "shop":
                shops[int(key[1:])] = flag_risk(found, subject="shop")
        self.accounts, self.rooms, self.shops = accounts, rooms, shops

    def real(self, members: Iterable[str]) -> int:
        """How many of these viewers / buyers / followers are not suspected."""
        return sum(1 for m in members if m not in self.accounts)

    def room(self, room_id: int, *, viewers: Iterable[str] = (), buyers: Iterable[str] = ()) -> float:
        return round(max(self.rooms.get(room_id, 0.0), mean_risk(viewers, self.accounts),
                         mean_risk(buyers, self.accounts)), 3)

    def start(self) -> None:
        self._refresher.start()

    async def stop(self) -> None:
        await self._refresher.stop()
