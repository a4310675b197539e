"""Users and their sessions (bearer tokens, stored as digests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, ForeignKey, Index, String, Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from liveshop.core.db import IdType, UTCDateTime, metadata

users = Table(
    "users",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("username", String(32), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    # Platform role: viewer or admin. Shop roles (merchant/host/operator) live in shop_staff.
    Column("role", String(16), nullable=False, default="viewer"),
    Column("created_at", UTCDateTime(), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_digest", String(64), primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_sessions_user_id", "user_id"),
)


revoked_sessions = Table(
    "revoked_sessions",
    metadata,
    Column("token_digest", String(64), primary_key=True),
    Column("revoked_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_revoked_sessions_revoked_at", "revoked_at"),
)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _user(row) -> User:  # type: ignore[no-untyped-def]
    return User(id=row.id, username=row.username, role=row.role)


async def insert_user(
    conn: AsyncConnection, *, username: str, password_hash: str, role: str, now: datetime
) -> User:
    result = await conn.execute(
        insert(users).values(
            username=username, password_hash=password_hash, role=role, created_at=now
        ).returning(users.c.id)
    )
    return User(id=result.scalar_one(), username=username, role=role)


async def user_with_hash(conn: AsyncConnection, username: str) -> tuple[User, str] | None:
    row = (await conn.execute(select(users).where(users.c.username == username))).first()
    return (_user(row), row.password_hash) if row else None


async def user_by_id(conn: AsyncConnection, user_id: int) -> User | None:
    row = (await conn.execute(select(users).where(users.c.id == user_id))).first()
    return _user(row) if row else None


async def user_by_username(conn: AsyncConnection, username: str) -> User | None:
    row = (await conn.execute(select(users).where(users.c.username == username))).first()
    return _user(row) if row else None


async def insert_session(
    conn: AsyncConnection, *, token_digest: str, user_id: int, now: datetime, expires_at: datetime
) -> None:
    await conn.execute(
        insert(sessions).values(
            token_digest=token_digest, user_id=user_id, created_at=now, expires_at=expires_at
        )
    )


async def user_for_session(
    conn: AsyncConnection, token_digest: str, now: datetime
) -> tuple[User, datetime] | None:
    """The session's user and when the session expires, if it is still valid."""
    row = (
        await conn.execute(
            select(users, sessions.c.expires_at)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(sessions.c.token_digest == token_digest, sessions.c.expires_at > now)
        )
    ).first()
    return (_user(row), row.expires_at) if row else None


async def delete_session(conn: AsyncConnection, token_digest: str, now: datetime) -> None:
    """End a session and record its revocation for the nodes that verify tokens by signature."""
    expires_at = (
        await conn.execute(
            delete(sessions).where(sessions.c.token_digest == token_digest).returning(sessions.c.expires_at)
        )
    ).scalar_one_or_none()
    if expires_at is not None:
        await conn.execute(
            insert(revoked_sessions).values(token_digest=token_digest, revoked_at=now, expires_at=expires_at)
        )


async def revoked_since(
    conn: AsyncConnection, since: datetime | None, now: datetime
) -> list[tuple[str, datetime]]:
    # Re-read a window before the last mark: logouts on other nodes can commit out of
    # timestamp order (and clocks differ a little); reading a few rows twice is harmless.
    stmt = select(revoked_sessions.c.token_digest, revoked_sessions.c.revoked_at).where(
        revoked_sessions.c.expires_at > now
    )
    if since is not None:
        stmt = stmt.where(revoked_sessions.c.revoked_at >= since - timedelta(seconds=30))
    return [(r.token_digest, r.revoked_at) for r in await conn.execute(stmt)]


async def delete_expired_revocations(conn: AsyncConnection, now: datetime) -> list[str]:
    rows = await conn.execute(
        delete(revoked_sessions).where(revoked_sessions.c.expires_at <= now).returning(revoked_sessions.c.token_digest)
    )
    return [r.token_digest for r in rows]


async def usernames(conn: AsyncConnection, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = await conn.execute(select(users.c.id, users.c.username).where(users.c.id.in_(user_ids)))
    return {user_id: name for user_id, name in rows}
