"""Amortised exposure fairness for the feed (in the spirit of Singh & Joachims 2018, "Fairness of
exposure in rankings", and Biega, Gummadi & Weikum 2018, "Equity of attention").

Each host accumulates, over every feed list served, the attention it *received* — position
weights 1/log2(rank + 2) of its rooms in the top k — and the attention it *deserved* — its
share of each request's relevance (a softmax of the candidates' scores). A request's list is
ordered by

    score_i − strength · log(1 + received_h)

so a host that has already had much of the feed's attention yields its place to an almost as
relevant one that has had little, while a clearly better match still wins (the damping grows
only logarithmically). Over many requests exposure spreads from the largest hosts to the rest.
`strength` = 0 is the plain relevance order. The ledger keeps both sums per host, so a merchant
can be shown what their rooms received against what their relevance earned.

Measured on MovieLens-100K with the ALS affinity (seeded, one run): strength 0.228 lowers the
exposure Gini of top-10 lists by 25.3 % at 4.7 % NDCG@10 loss (0.21: 22.9 % at 4.4 %;
0.24: 27 % at 5.8 %) — on the issue's target, not yet with margin; see the issue notes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from liveshop.discovery.metrics import position_weight


@dataclass
class ExposureLedger:
    received: dict[int, float] = field(default_factory=dict)
    deserved: dict[int, float] = field(default_factory=dict)
    total_received: float = 0.0
    total_deserved: float = 0.0

    def explain(self, host: int) -> dict[str, float]:
        """A host's share of the attention given, and the share its relevance earned."""
        return {
            "received": self.received.get(host, 0.0),
            "received_share": self.received.get(host, 0.0) / self.total_received if self.total_received else 0.0,
            "deserved_share": self.deserved.get(host, 0.0) / self.total_deserved if self.total_deserved else 0.0,
        }


def relevance(scores: Sequence[float], temperature: float) -> list[float]:
    """A request's scores as a relevance distribution over its candidates (softmax; sums to 1)."""
    if not scores:
        return []
    top = max(scores)
    weights = [math.exp((s - top) / temperature) for s in scores]
    total = sum(weights)
    return [w / total for w in weights]


class ExposureDamping:
    def __init__(self, *, strength: float = 0.228, k: int = 10, temperature: float = 0.3) -> None:
        self.strength = strength
        self.k = k
        self.temperature = temperature  # only for the deserved shares the merchant is shown
        self.ledger = ExposureLedger()

    def rank(self, candidates: Sequence[int], scores: Sequence[float], host_of: dict[int, int] | None = None,
             *, length: int = 20) -> list[int]:
        """Order `candidates` by their relevance `scores`, damped by what their hosts already
        received, and book the exposure this list gives."""
        def host(room: int) -> int:
            return host_of.get(room, room) if host_of else room

        ledger = self.ledger
        adjusted = [s - self.strength * math.log1p(ledger.received.get(host(room), 0.0))
                    for room, s in zip(candidates, scores, strict=True)]
        order = sorted(range(len(candidates)), key=lambda i: (-adjusted[i], candidates[i]))
        ranked = [candidates[i] for i in order[:length]]
        for room, share in zip(candidates, relevance(scores, self.temperature), strict=True):
            h = host(room)
            ledger.deserved[h] = ledger.deserved.get(h, 0.0) + share
        ledger.total_deserved += 1.0 if candidates else 0.0
        for position, room in enumerate(ranked[: self.k]):
            h, w = host(room), position_weight(position)
            ledger.received[h] = ledger.received.get(h, 0.0) + w
            ledger.total_received += w
        return ranked
