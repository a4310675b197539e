"""Random secrets and their constant-time comparison."""

from __future__ import annotations

import hashlib
import hmac
import re
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


GUEST_COOKIE = "ls_visitor"  # a guest browser's random id, set by the pages
GUEST_ID = re.compile(r"^[A-Za-z0-9_-]{6,16}$")


def channel_visitor(user_id: int | None, guest: str | None) -> str:
    """Who holds a room-channel connection, for analytics: the user, the guest browser, or — a
    client without either cookie — this one connection ("c<random>")."""
    if user_id is not None or (guest is not None and GUEST_ID.match(guest)):
        return visitor_key(user_id, guest)
    return f"c{secrets.token_urlsafe(6)}"
