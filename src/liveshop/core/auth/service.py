"""Sign-up, log-in and token authentication."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from liveshop.core.auth import store, tokens
from liveshop.core.auth.cache import SessionCache
from liveshop.core.auth.errors import BadCredentials, UsernameTaken
from liveshop.core.auth.passwords import Passwords
from liveshop.core.auth.revocations import RevocationList
from liveshop.core.auth.store import User
from liveshop.core.db import Database
from liveshop.core.ids import digest

TOKEN_PREFIX = tokens.PREFIX


async def sign_up(
    db: Database,
    *,
    username: str,
    password: str,
    passwords: Passwords,
    now: datetime,
    role: str = "viewer",
) -> User:
    password_hash = await passwords.hash(password)
    try:
        async with db.transaction() as tx:
            if await store.user_by_username(tx.conn, username):
                raise UsernameTaken()
            return await store.insert_user(
                tx.conn, username=username, password_hash=password_hash, role=role, now=now
            )
    except IntegrityError as exc:  # lost a race for the same name
        raise UsernameTaken() from exc


async def log_in(
    db: Database,
    *,
    username: str,
    password: str,
    passwords: Passwords,
    now: datetime,
    ttl_seconds: int,
    signing_key: bytes,
) -> tuple[str, User]:
    async with db.transaction(write=False) as tx:
        found = await store.user_with_hash(tx.conn, username)
    user, password_hash = found if found else (None, None)
    if not await passwords.verify(password_hash, password) or user is None:
        raise BadCredentials()
    expires_at = now + timedelta(seconds=ttl_seconds)
    token = tokens.issue(signing_key, user_id=user.id, expires_at=expires_at)
    async with db.transaction() as tx:
        await store.insert_session(
            tx.conn, token_digest=digest(token), user_id=user.id, now=now, expires_at=expires_at
        )
    return token, user


async def authenticate(
    db: Database, *, token: str, now: datetime, cache: SessionCache | None = None
) -> User | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    token_digest = digest(token)
    if cache is not None and (user := cache.get(token_digest, now)) is not None:
        return user
    async with db.transaction(write=False) as tx:
        found = await store.user_for_session(tx.conn, token_digest, now)
    if found is None:
        return None
    user, expires_at = found
    if cache is not None:
        cache.put(token_digest, user, expires_at)
    return user


async def log_out(
    db: Database,
    *,
    token: str,
    now: datetime,
    cache: SessionCache | None = None,
    revocations: RevocationList | None = None,
) -> None:
    token_digest = digest(token)
    async with db.transaction() as tx:
        await store.delete_session(tx.conn, token_digest, now)
    if cache is not None:
        cache.forget(token_digest)
    if revocations is not None:
        revocations.add(token_digest)


def user_id_from_signature(
    token: str, *, signing_key: bytes, revocations: RevocationList, now: datetime
) -> int | None:
    """Who sent a signed token, with no database read: for the hot order route only.

    A token revoked on another node is refused once this node has polled (seconds)."""
    user_id = tokens.verify(signing_key, token, now=now)
    if user_id is None or digest(token) in revocations:
        return None
    return user_id
