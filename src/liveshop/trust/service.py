"""The review queue's rules: detectors' findings become flags, admins confirm or clear them
(and may reopen), every step is audited, and honest numbers leave open and confirmed accounts out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson

from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.core.errors import NotFound, PermissionDenied
from liveshop.trust import store

DECISIONS = {"confirm": "confirmed", "clear": "cleared", "reopen": "open"}


class FlagNotFound(NotFound):
    code = "flag_not_found"
    title = "Flag not found"


def _admin(user: User) -> None:
    if not user.is_admin:
        raise PermissionDenied("Only platform admins review trust & safety flags")


async def record_findings(db: Database, findings: Iterable[Any], *, now: datetime) -> int:
    """One open flag per account found, unless the account already has a flag (a cleared
    account is not flagged again by the same kind of evidence: an admin said it is genuine)."""
    added = 0
    async with db.transaction() as tx:
        for finding in findings:
            known = await store.flagged_accounts(tx.conn, list(finding.accounts))
            evidence = orjson.dumps({"hosts": finding.hosts, "group": len(finding.accounts), **finding.evidence}).decode()
            for account in finding.accounts:
                if account in known:
                    continue
                flag_id = await store.add_flag(tx.conn, account=account, graph=finding.graph, kind=finding.kind,
                                               evidence=evidence, status="open", created_at=now)
                await store.add_audit(tx.conn, flag_id=flag_id, actor_id=None, action="flagged",
                                      note=f"{finding.kind} in {finding.graph}", at=now)
                known.add(account)
                added += 1
    return added


def _view(flag: dict[str, Any]) -> dict[str, Any]:
    return {**{k: flag[k] for k in ("id", "account", "graph", "kind", "status", "created_at", "reviewed_by",
                                    "reviewed_at")},
            "evidence": orjson.loads(flag["evidence"])}


async def queue(db: Database, *, user: User, status: str | None, limit: int = 100) -> list[dict[str, Any]]:
    _admin(user)
    async with db.transaction(write=False) as tx:
        return [_view(f) for f in await store.list_flags(tx.conn, status=status, limit=limit)]


async def review(db: Database, *, user: User, flag_id: int, decision: str, note: str, now: datetime) -> dict[str, Any]:
    _admin(user)
    async with db.transaction() as tx:
        flag = await store.flag_by_id(tx.conn, flag_id)
        if flag is None:
            raise FlagNotFound()
        await store.set_status(tx.conn, flag_id, DECISIONS[decision], by=user.id, at=now)
        await store.add_audit(tx.conn, flag_id=flag_id, actor_id=user.id, action=decision, note=note, at=now)
        return _view(await store.flag_by_id(tx.conn, flag_id) or flag) | {
            "history": [{k: h[k] for k in ("action", "actor_id", "note", "at")}
                        for h in await store.history(tx.conn, flag_id)]}


async def suspicious_users(db: Database) -> set[int]:
    async with db.transaction(write=False) as tx:
        return await store.suspicious_users(tx.conn)
