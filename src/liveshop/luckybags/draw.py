"""The verifiable lucky-bag draw: commit to a secret seed, reveal it, anyone recomputes the winners.

When a bag opens, the room is shown `commitment = sha256(seed)`; the 32-byte seed itself
stays secret until the draw, so nobody (the host included) can choose entrants or a seed
that favours anyone. At the draw the seed is revealed and the winners follow from it and
the entrant list alone:

    pool = entrant user ids, sorted ascending
    for j in 0 .. min(winners, len(pool)) - 1:
        r = int(sha256(seed || j as 8 big-endian bytes), big-endian)
        swap pool[j] with pool[j + r mod (len(pool) - j)]
    winners = pool[:k]

(a partial Fisher–Yates shuffle; with 256-bit r the modulo bias is below 2^-200). The drawn
event also carries `entrants_digest = sha256("id,id,...")` of the sorted list, so a viewer
can check that the list a verifier downloads is the list the room was shown.

This module has no I/O: the server draws with it and `liveshop verify-draw` checks with it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any

ALGORITHM = "liveshop-draw-v1"
SEED_BYTES = 32


def commitment(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def entrants_digest(entrants: Iterable[int]) -> str:
    return hashlib.sha256(",".join(str(u) for u in sorted(entrants)).encode()).hexdigest()


def winners(seed: bytes, entrants: Iterable[int], count: int) -> list[int]:
    pool = sorted(set(entrants))
    k = min(count, len(pool))
    for j in range(k):
        r = int.from_bytes(hashlib.sha256(seed + j.to_bytes(8, "big")).digest(), "big")
        pick = j + r % (len(pool) - j)
        pool[j], pool[pick] = pool[pick], pool[j]
    return pool[:k]


def verify(record: Mapping[str, Any]) -> list[str]:
    """What is wrong with a published draw record (empty when it checks out)."""
    problems: list[str] = []
    if record.get("algorithm") != ALGORITHM:
        return [f"unknown algorithm {record.get('algorithm')!r} (this verifier knows {ALGORITHM})"]
    try:
        seed = bytes.fromhex(record["seed"])
        entrants = [int(u) for u in record["entrants"]]
        published = [int(u) for u in record["winners"]]
        count = int(record["prize_count"])
    except (KeyError, TypeError, ValueError) as exc:
        return [f"the record is incomplete or malformed: {exc}"]
    if not hmac.compare_digest(commitment(seed), str(record.get("commitment", ""))):
        problems.append("the revealed seed does not hash to the commitment published when the bag opened")
    if "entrants_digest" in record and entrants_digest(entrants) != record["entrants_digest"]:
        problems.append("the entrant list is not the one announced at the draw")
    expected = winners(seed, entrants, count)
    if expected != published:
        problems.append(f"the winners recomputed from the seed are {expected}, not {published}")
    return problems
