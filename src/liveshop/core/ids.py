"""Random secrets and their constant-time comparison."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret(prefix: str = "", nbytes: int = 24) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    """What we store instead of a bearer secret: a leaked table gives no usable tokens."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def visitor_key(user_id: int | None, guest: str | None) -> str:
    """Who a page visit is from, for counting visitors once: "u<id>" signed in, "a<cookie>" a guest."""
    return f"u{user_id}" if user_id is not None else f"a{guest}"
