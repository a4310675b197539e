"""The review queue's rules: detectors' findings become flags, admins confirm or clear them
(and may reopen), every step is audited, and honest numbers leave open and confirmed accounts out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select

from liveshop.analytics.live import LiveFigures
from liveshop.catalog.access import MERCHANT_ONLY, access_shop
from liveshop.core.auth.store import User, users
from liveshop.core.db import Database
from liveshop.core.errors import NotFound, PermissionDenied
from liveshop.engagement import store as engagement_store
from liveshop.orders import store as orders_store
from liveshop.rooms.service import get_public_room
from liveshop.trust import risk, store
from liveshop.trust.findings import Finding
from liveshop.trust.risk import Suspects, mean_risk
from liveshop.trust.signals import account_age_days

DECISIONS = {"confirm": "confirmed", "clear": "cleared", "reopen": "open"}


class FlagNotFound(NotFound):
    code = "flag_not_found"
    title = "Flag not found"


def _admin(user: User) -> None:
    if not user.is_admin:
        raise PermissionDenied("Only platform admins review trust & safety flags")


def _should_flag(existing: list[dict[str, Any]], kind: str) -> bool:
    """A subject gets a new flag unless one is open or confirmed already (the evidence is
    under review), or an admin cleared one of the same kind (they said it is genuine; new
    evidence of another kind still counts)."""
    return not any(f["status"] in ("open", "confirmed") or f["kind"] == kind for f in existing)


async def record_findings(db: Database, findings: Iterable[Finding], *, now: datetime) -> Counter[str]:
    """Flags for what the detectors found: each account, each room whose sales look brushed,
    and a payout hold on each shop whose orders are in doubt. Returns how many of each."""
    added: Counter[str] = Counter()
    async with db.transaction() as tx:
        for finding in findings:
            evidence = orjson.dumps({"hosts": finding.hosts, "group": len(finding.accounts), "rooms": finding.rooms,
                                     **finding.evidence}).decode()
            for subject, keys in (("account", list(finding.accounts)), ("room", [f"r{r}" for r in finding.rooms]),
                                  ("shop", [f"s{s}" for s in finding.hold_payouts])):
                known = await store.flags_of(tx.conn, subject, keys)
                for key in keys:
                    if not _should_flag(known.get(key, []), finding.kind):
                        continue
                    flag_id = await store.add_flag(tx.conn, subject=subject, account=key, graph=finding.graph,
                                                   kind=finding.kind, evidence=evidence, status="open", created_at=now)
                    await store.add_audit(tx.conn, flag_id=flag_id, actor_id=None,
                                          action="hold" if subject == "shop" else "flagged",
                                          note=f"{finding.kind} in {finding.graph}", at=now)
                    known.setdefault(key, []).append({"status": "open", "kind": finding.kind})
                    added[subject] += 1
    return added


async def hold_payouts(db: Database, *, user: User, shop_id: int, note: str, now: datetime) -> dict[str, Any]:
    """An admin holds a shop's payouts by hand (a complaint, a bank's query): a shop flag that
    is cleared to release them."""
    _admin(user)
    async with db.transaction() as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        flag_id = await store.add_flag(tx.conn, subject="shop", account=f"s{shop_id}", graph="review", kind="manual",
                                       evidence=orjson.dumps({"hosts": [shop_id], "note": note}).decode(),
                                       status="open", created_at=now)
        await store.add_audit(tx.conn, flag_id=flag_id, actor_id=user.id, action="hold", note=note, at=now)
    return await _with_history(db, flag_id)


async def payouts(db: Database, *, user: User, shop_id: int) -> dict[str, Any]:
    """Whether the shop's payouts are held and why (the merchant and admins): held while any
    hold is open (pending review) or confirmed; released when every hold is cleared."""
    async with db.transaction(write=False) as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        holds = (await store.flags_of(tx.conn, "shop", [f"s{shop_id}"])).get(f"s{shop_id}", [])
    active = [h for h in holds if h["status"] in ("open", "confirmed")]
    return {"shop_id": shop_id, "held": bool(active),
            "holds": [{"id": h["id"], "kind": h["kind"], "status": h["status"], "since": h["created_at"],
                       "reviewed_at": h["reviewed_at"]} for h in reversed(holds)]}


def _view(flag: dict[str, Any]) -> dict[str, Any]:
    return {**{k: flag[k] for k in ("id", "subject", "account", "graph", "kind", "status", "created_at", "reviewed_by",
                                    "reviewed_at")},
            "evidence": orjson.loads(flag["evidence"])}


async def queue(db: Database, *, user: User, status: str | None, subject: str | None = None,
                limit: int = 100) -> list[dict[str, Any]]:
    _admin(user)
    async with db.transaction(write=False) as tx:
        return [_view(f) for f in await store.list_flags(tx.conn, status=status, subject=subject, limit=limit)]


async def review_page(db: Database, suspects: Suspects, *, user: User, status: str | None, subject: str | None,
                      limit: int = 100) -> list[dict[str, Any]]:
    """The review queue as the admins' page shows it: each flag with its history and the
    subject's risk score now."""
    _admin(user)
    await suspects.refresh()
    async with db.transaction(write=False) as tx:
        found = await store.list_flags(tx.conn, status=status, subject=subject, limit=limit)
        past = await store.histories(tx.conn, [f["id"] for f in found])
    scores = {"account": suspects.accounts, "room": suspects.rooms, "shop": suspects.shops}
    rows = []
    for f in found:
        key = f["account"] if f["subject"] == "account" else int(f["account"][1:])
        rows.append(_view(f) | {"risk": scores[f["subject"]].get(key, 0.0),  # type: ignore[call-overload]
                                "history": past.get(f["id"], [])})
    return rows


async def _with_history(db: Database, flag_id: int) -> dict[str, Any]:
    async with db.transaction(write=False) as tx:
        flag = await store.flag_by_id(tx.conn, flag_id)
        if flag is None:
            raise FlagNotFound()
        return _view(flag) | {"history": [{k: h[k] for k in ("action", "actor_id", "note", "at")}
                                          for h in await store.history(tx.conn, flag_id)]}


async def flag_detail(db: Database, *, user: User, flag_id: int) -> dict[str, Any]:
    _admin(user)
    return await _with_history(db, flag_id)


async def review(db: Database, *, user: User, flag_id: int, decision: str, note: str, now: datetime) -> dict[str, Any]:
    """Confirm, clear or reopen a flag. On a shop's payout hold: confirm keeps the payouts held,
    clear releases them, reopen holds them again pending review."""
    _admin(user)
    async with db.transaction() as tx:
        flag = await store.flag_by_id(tx.conn, flag_id)
        if flag is None:
            raise FlagNotFound()
        await store.set_status(tx.conn, flag_id, DECISIONS[decision], by=user.id, at=now)
        await store.add_audit(tx.conn, flag_id=flag_id, actor_id=user.id, action=decision, note=note, at=now)
    return await _with_history(db, flag_id)


# Risk scores (risk.py) with their reasons, for admins ------------------------------------------

def _flag_lines(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": f["id"], "kind": f["kind"], "graph": f["graph"], "status": f["status"]} for f in found]


async def account_risk(db: Database, suspects: Suspects, *, user: User, key: str, now: datetime) -> dict[str, Any]:
    _admin(user)
    async with db.transaction(write=False) as tx:
        found = (await store.flags_of(tx.conn, "account", [key])).get(key, [])
        created = None
        if key.startswith("u") and key[1:].isdigit():
            row = (await tx.conn.execute(select(users.c.created_at).where(users.c.id == int(key[1:])))).first()
            if row is None:
                raise NotFound("No such account")
            created = row.created_at
        devices = await store.device_neighbours(tx.conn, int(key[1:])) if created else 0
    age = account_age_days(created, now)
    score = risk.account_risk([(f["kind"], f["status"]) for f in found], age_days=age)
    return {"account": key, "score": score, "held_back": score > risk.HELD,
            "age_days": round(age, 2) if age is not None else None,
            "accounts_on_its_devices": devices, "flags": _flag_lines(found)}


async def room_risk(db: Database, live: LiveFigures, suspects: Suspects, *, user: User, room_id: int) -> dict[str, Any]:
    _admin(user)
    async with db.transaction(write=False) as tx:
        await get_public_room(tx.conn, room_id)
        found = (await store.flags_of(tx.conn, "room", [f"r{room_id}"])).get(f"r{room_id}", [])
    await suspects.refresh()
    figures = (await live.folded(room_id)).rooms.get(room_id)
    viewers, buyers = (figures.viewers, figures.buyers) if figures else (set(), set())
    score = suspects.room(room_id, viewers=viewers, buyers=buyers)
    return {"room_id": room_id, "score": score, "held_back": score > risk.HELD,
            "viewers": len(viewers), "real_viewers": suspects.real(viewers),
            "buyers": len(buyers), "real_buyers": suspects.real(buyers), "flags": _flag_lines(found)}


async def shop_risk(db: Database, suspects: Suspects, *, user: User, shop_id: int, now: datetime) -> dict[str, Any]:
    _admin(user)
    await suspects.refresh()
    async with db.transaction(write=False) as tx:
        await access_shop(tx.conn, user, shop_id, MERCHANT_ONLY)
        found = (await store.flags_of(tx.conn, "shop", [f"s{shop_id}"])).get(f"s{shop_id}", [])
        followers = await engagement_store.follower_count(tx.conn, shop_id)
        fake = await store.flagged_followers(tx.conn, shop_id)
        buyers = [f"u{b}" for b in await orders_store.buyers_of_shop(tx.conn, shop_id, since=now - timedelta(days=30))]
    follower_risk = sum(suspects.accounts.get(u, 0.0) for u in fake) / followers if followers else 0.0
    buyer_risk = mean_risk(buyers, suspects.accounts)
    score = round(max(risk.flag_risk([(f["kind"], f["status"]) for f in found], subject="shop"),
                      follower_risk, buyer_risk), 3)
    return {"shop_id": shop_id, "score": score, "followers": followers, "real_followers": followers - len(fake),
            "buyers_30d": len(buyers), "flagged_buyers_30d": len(buyers) - suspects.real(buyers),
            "payouts_held": any(f["status"] in ("open", "confirmed") for f in found), "flags": _flag_lines(found)}
