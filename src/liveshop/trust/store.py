"""The review queue: accounts a detector flagged, with the evidence, and every decision on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    cast,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, metadata

flags = Table(
    "trust_flags",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # What is flagged: an account, a room (its orders look brushed) or a shop (payouts held).
    Column("subject", String(8), nullable=False, server_default="account"),
    # The subject's key: an account "u<id>" or a guest "a<cookie>"; a room "r<id>"; a shop "s<id>".
    Column("account", String(40), nullable=False),
    Column("graph", String(16), nullable=False),  # follows | joins | orders | payments | devices | rooms | review
    Column("kind", String(20), nullable=False),  # lockstep | dense_block | shared_address | … (docs/trust.md)
    Column("evidence", Text, nullable=False),  # JSON: hosts, group size, scores
    # open (flagged, counts excluded until reviewed) | confirmed (fake) | cleared (genuine)
    Column("status", String(12), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("reviewed_by", IdType, ForeignKey("users.id"), nullable=True),
    Column("reviewed_at", UTCDateTime(), nullable=True),
    Index("ix_trust_flags_account", "account"),
    Index("ix_trust_flags_status_id", "status", "id"),
    Index("ix_trust_flags_subject_status", "subject", "status"),
)

# Who acted from which device and network address (signals.py): one row per account, action,
# device and address per hour. The raw address is kept for `ip_retention_days` (an admin looking
# into a case), the keyed hashes for as long as the row lives.
sightings = Table(
    "trust_sightings",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(12), nullable=False),  # signup | login | follow | comment | join | pay
    Column("device_hash", String(32), nullable=True),
    Column("ip_hash", String(32), nullable=True),
    Column("ip", String(45), nullable=True),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_trust_sightings_user_id", "user_id"),
    Index("ix_trust_sightings_device_hash_at", "device_hash", "at"),
    Index("ix_trust_sightings_at", "at"),
)

audit = Table(
    "trust_audit",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("flag_id", IdType, ForeignKey("trust_flags.id", ondelete="CASCADE"), nullable=False),
    Column("actor_id", IdType, ForeignKey("users.id"), nullable=True),  # None: a detector
    Column("action", String(16), nullable=False),  # flagged | confirm | clear | reopen
    Column("note", String(500), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_trust_audit_flag_id", "flag_id"),
)


async def add_flag(conn: AsyncConnection, **values: Any) -> int:
    row = (await conn.execute(insert(flags).values(**values).returning(flags.c.id))).one()
    return int(row.id)


async def add_audit(conn: AsyncConnection, **values: Any) -> None:
    await conn.execute(insert(audit).values(**values))


async def flag_by_id(conn: AsyncConnection, flag_id: int) -> dict[str, Any] | None:
    row = (await conn.execute(select(flags).where(flags.c.id == flag_id))).first()
    return dict(row._mapping) if row else None


async def list_flags(conn: AsyncConnection, *, status: str | None, subject: str | None = None,
                     limit: int) -> list[dict[str, Any]]:
    query = select(flags).order_by(flags.c.id.desc()).limit(limit)
    if status:
        query = query.where(flags.c.status == status)
    if subject:
        query = query.where(flags.c.subject == subject)
    return [dict(r._mapping) for r in await conn.execute(query)]


async def set_status(conn: AsyncConnection, flag_id: int, status: str, *, by: int, at: datetime) -> None:
    await conn.execute(update(flags).where(flags.c.id == flag_id).values(status=status, reviewed_by=by, reviewed_at=at))


async def history(conn: AsyncConnection, flag_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(audit).where(audit.c.flag_id == flag_id).order_by(audit.c.id))
    return [dict(r._mapping) for r in rows]


async def device_accounts(conn: AsyncConnection, *, since: datetime, until: datetime) -> list[tuple[int, str]]:
    """(account, device) pairs seen in the period."""
    rows = await conn.execute(select(sightings.c.user_id, sightings.c.device_hash).distinct()
                              .where(sightings.c.at >= since, sightings.c.at < until,
                                     sightings.c.device_hash.isnot(None)))
    return [(r.user_id, r.device_hash) for r in rows]


async def active_flags(conn: AsyncConnection) -> list[tuple[str, str, str, str]]:
    """(subject, key, kind, status) of every open or confirmed flag."""
    rows = await conn.execute(select(flags.c.subject, flags.c.account, flags.c.kind, flags.c.status)
                              .where(flags.c.status.in_(("open", "confirmed"))))
    return [(r.subject, r.account, r.kind, r.status) for r in rows]


async def flags_of(conn: AsyncConnection, subject: str, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every flag (any status) of these subjects, oldest first."""
    found: dict[str, list[dict[str, Any]]] = {}
    if keys:
        rows = await conn.execute(select(flags).where(flags.c.subject == subject, flags.c.account.in_(keys))
                                  .order_by(flags.c.id))
        for r in rows:
            found.setdefault(r.account, []).append(dict(r._mapping))
    return found


async def device_neighbours(conn: AsyncConnection, user_id: int) -> int:
    """How many other accounts were seen on the devices this account used."""
    mine = select(sightings.c.device_hash).where(sightings.c.user_id == user_id, sightings.c.device_hash.isnot(None))
    row = await conn.execute(select(func.count(sightings.c.user_id.distinct()))
                             .where(sightings.c.device_hash.in_(mine), sightings.c.user_id != user_id))
    return int(row.scalar_one())


async def histories(conn: AsyncConnection, flag_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    if flag_ids:
        rows = await conn.execute(select(audit).where(audit.c.flag_id.in_(flag_ids)).order_by(audit.c.id))
        for r in rows:
            found.setdefault(r.flag_id, []).append(dict(r._mapping))
    return found


async def flagged_followers(conn: AsyncConnection, shop_id: int) -> list[str]:
    """The shop's followers whose account has an open or confirmed flag ("u<id>"), found by the
    database (a join on the flags' index), however long the queue is."""
    from liveshop.engagement.store import follows

    key = literal("u") + cast(follows.c.user_id, String)
    active = select(flags.c.account).where(flags.c.subject == "account", flags.c.status.in_(("open", "confirmed")))
    rows = await conn.execute(select(key.label("account")).where(follows.c.shop_id == shop_id, key.in_(active)))
    return [r.account for r in rows]
